/*
 * objstore: where raw payloads are kept, addressed by the SHA-256 of
 * their bytes ("sha256/ab/cd/abcd...."). The fs backend writes under a
 * local folder; writes go to a temporary file renamed into place, so a
 * crash never leaves a half-written object, and writing an object that
 * exists already does nothing.
 */
#ifndef STONKS_OBJSTORE_H
#define STONKS_OBJSTORE_H

#include <stddef.h>

#include "lib/config.h"

typedef struct objstore objstore;

/* Opens the store named by OBJECT_STORE (fs: OBJECT_STORE_DIR, created
 * if missing). Returns NULL with a message in err. */
objstore *objstore_open(const config *c, char *err, size_t errlen);
void objstore_close(objstore *s);

/* Stores data; writes its key (71 bytes with NUL) into key. Returns 0,
 * or -1 with a message in err. */
int objstore_put(objstore *s, const void *data, size_t len, char key[72],
                 char *err, size_t errlen);

/* Reads an object into a new buffer (the caller frees); at most max
 * bytes. Returns NULL with a message in err (missing, too large). */
char *objstore_get(objstore *s, const char *key, size_t max, size_t *len,
                   char *err, size_t errlen);

#endif
