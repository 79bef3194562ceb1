/*
 * fileio: reading a whole file with a size limit, for the inputs the
 * commands load (migrations, the watchlist, the replay files), and
 * reading an open file in parts, for inputs too large to keep in memory
 * (the replay files of a long-running ingestion worker), and writing a
 * file whole or not at all, for the outputs the commands write (the
 * model's weights, the held-out sentences).
 */
#ifndef STONKS_FILEIO_H
#define STONKS_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* err = "cannot open PATH: why (errno e)", and for a relative path
 * that is not there, the folder it was looked for in: a command run
 * from another folder than the repository's misses the default
 * data/... files. */
void file_open_error(const char *path, int e, char *err, size_t errlen);

/* Reads the regular file path to its end (not to the size it had when
 * opened: one of /proc says 0) into a new NUL-terminated buffer (the
 * caller frees) and sets *len. Returns NULL with a message naming the
 * file in err when it cannot be opened or read, is not a regular file
 * (a FIFO or a pipe is refused, not waited on), or holds more than max
 * bytes. */
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

/* A file being written: its bytes go to a new temporary file beside
 * path (created exclusively, with the old file's owner and permissions
 * but no set-id bits, or 0666 less the umask), renamed over path by
 * file_commit, so a failed write (a full disk) leaves the old file as
 * it was. A path that is a symbolic link, dangling or not, is written
 * through to its target; a file with other hard links gets a new inode
 * (the other names keep the old contents). */
typedef struct file_wr {
    FILE *f; /* write here */
    char *path;
    char *tmp;
} file_wr;

/* Starts writing path. Returns 0, or -1 with a message naming the file
 * in err when path exists and is not a regular file (a directory, a
 * device) or the temporary file cannot be created. */
int file_create(const char *path, file_wr *w, char *err, size_t errlen);

/* Finishes the write: flushes, closes and renames the temporary file
 * over path. Returns 0, or -1 with a message naming the file (the
 * temporary file is then removed and path left as it was). */
int file_commit(file_wr *w, char *err, size_t errlen);

/* Gives up a write begun by file_create: path is left as it was. A
 * committed or zeroed handle is safe. */
void file_abandon(file_wr *w);

/* 1 when a and b name the same existing file (as links or paths). */
int file_same(const char *a, const char *b);

/* One process at a time per folder: takes an exclusive flock on path
 * (created when missing) and writes this process's pid in it. Returns
 * 0 (the lock stays held, the file open, until the process ends), 1
 * when another process holds it (holder: the pid it wrote, or ""), or
 * -1 with a message in err. */
int file_lock_pid(const char *path, char *holder, size_t cap, char *err,
                  size_t errlen);

#endif
