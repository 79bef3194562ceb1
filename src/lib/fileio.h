/*
 * fileio: reading a whole file with a size limit, for the inputs the
 * commands load (migrations, the watchlist, the replay files), and
 * reading an open file in parts, for inputs too large to keep in memory
 * (the replay files of a long-running ingestion worker).
 */
#ifndef STONKS_FILEIO_H
#define STONKS_FILEIO_H

#include <stddef.h>

/* Reads path into a new NUL-terminated buffer (the caller frees) and
 * sets *len. Returns NULL with a message naming the file in err when it
 * cannot be opened or read, or holds more than max bytes. */
char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen);

/* A file opened for reads at offsets. size is its length when opened;
 * later growth is not seen. */
typedef struct file_ro {
    int fd; /* -1 when closed */
    size_t size;
    char *path;
} file_ro;

/* Opens path for reading. Returns 0, or -1 with a message naming the
 * file in err when it cannot be opened, is not a regular file or holds
 * more than max bytes (f is then closed). Release with file_close. */
int file_open(const char *path, size_t max, file_ro *f, char *err,
              size_t errlen);

/* Reads the len bytes at offset off into dst. Returns 0, or -1 with a
 * message naming the file in err when they cannot be read (the file
 * ends before off + len: it was cut since it was opened). */
int file_read_at(const file_ro *f, size_t off, char *dst, size_t len, char *err,
                 size_t errlen);

/* Closes f; a closed, failed or zeroed handle is safe. */
void file_close(file_ro *f);

#endif
