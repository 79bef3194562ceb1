/*
 * objstore: where raw payloads are kept, addressed by the SHA-256 of
 * their bytes: the key is "sha256/<64 hex>". Two backends, chosen by
 * OBJECT_STORE:
 *  - fs: files under OBJECT_STORE_DIR at sha256/ab/cd/abcd....; writes
 *    go to a temporary file renamed into place, so a crash never leaves
 *    a half-written object.
 *  - s3: objects named by the key in S3_BUCKET at S3_ENDPOINT (MinIO or
 *    any S3), through lib/s3 (SigV4, path-style by default). The bucket
 *    is created at open when missing.
 * Writing an object that exists already does nothing in both (a HEAD
 * first on s3), so a repeated job costs no upload. A handle is used by
 * one thread at a time.
 */
#ifndef STONKS_OBJSTORE_H
#define STONKS_OBJSTORE_H

#include <stddef.h>

#include "lib/config.h"

typedef struct objstore objstore;

/* Opens the store named by OBJECT_STORE (fs: OBJECT_STORE_DIR, created
 * if missing; s3: the S3_* and MINIO_* settings, bucket created if
 * missing). Returns NULL with a message in err. */
objstore *objstore_open(const config *c, char *err, size_t errlen);

/* The settings objstore_open needs (OBJECT_STORE=s3: S3_ENDPOINT,
 * S3_REGION, S3_BUCKET, MINIO_ACCESS_KEY, MINIO_SECRET_KEY), checked
 * without connecting; also run by `stonks config`. Returns 0, or -1
 * with a message in err. */
int objstore_check(const config *c, char *err, size_t errlen);
void objstore_close(objstore *s);

/* Stores data; writes its key (71 bytes with NUL) into key. Returns 0,
 * or -1 with a message in err. */
int objstore_put(objstore *s, const void *data, size_t len, char key[72],
                 char *err, size_t errlen);

/* Reads an object into a new buffer (the caller frees); at most max
 * bytes. Returns NULL with a message in err (missing, too large, or
 * its bytes no longer those of its key). */
char *objstore_get(objstore *s, const char *key, size_t max, size_t *len,
                   char *err, size_t errlen);

/* Whether the object exists: 1 yes (*len gets its size when len is not
 * NULL), 0 no, -1 error with a message in err. */
int objstore_head(objstore *s, const char *key, size_t *len, char *err,
                  size_t errlen);

#endif
