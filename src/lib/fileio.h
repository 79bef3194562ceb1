/*
 * fileio: reading a whole file with a size limit, for the inputs the
 * commands load (migrations, the watchlist, the replay files).
 */
#ifndef STONKS_FILEIO_H
#define STONKS_FILEIO_H

#include <stddef.h>

/* Reads path into a new NUL-terminated buffer (the caller frees) and
 * sets *len. Returns NULL with a message naming the file in err when it
 * cannot be opened or read, or holds more than max bytes. */
char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen);

#endif
