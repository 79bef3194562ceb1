/*
 * lake_store: where the lake's files live, named by LAKE_URI, and the
 * one way the lake-publisher puts a file there or removes one. Keys are
 * paths under the lake's root ("signals/dt=2011-09-01/part-00000.parquet").
 *
 * Backends: a local folder ("var/lake/warehouse", "/srv/lake",
 * "file:///srv/lake"). A file is written to a staging path on the same
 * file system first, flushed to disk, then renamed over its key, so a
 * reader sees the old file or the new one, never half of one, and a
 * crash leaves at most a stray staging file (under <root>/_staging,
 * which no table's folder contains; opening the store removes those
 * older than an hour).
 *
 * S3 (MinIO): "s3a://bucket/prefix" or "s3://bucket/prefix", on
 * S3_ENDPOINT with S3_REGION, S3_PATH_STYLE and the MinIO keys (lib/s3,
 * SigV4). A key is the object prefix/key. Files are staged locally
 * (STONKS_VAR_DIR/lake-staging, swept the same way), then uploaded in
 * one PUT, which replaces the object atomically too; a delete is an S3
 * DELETE. The bucket is created when missing. See docs/LAKE.md.
 */
#ifndef STONKS_LAKE_STORE_H
#define STONKS_LAKE_STORE_H

#include <stddef.h>

#include "lib/config.h"

typedef struct lake_store lake_store;

/* Opens the store of c->lake_uri (creating a local root, or a bucket,
 * if missing). Returns NULL with a message in err. Free with
 * lake_store_close (NULL is safe). */
lake_store *lake_store_open(const config *c, char *err, size_t errlen);
void lake_store_close(lake_store *s);

/* The lake as one name whatever LAKE_URI's spelling: a local folder's
 * real path (no relative path, "file://", "..", link or trailing
 * slash), or "s3://bucket/prefix" (s3a:// alike). The publisher keeps
 * its books under it. */
const char *lake_store_id(const lake_store *s);

/* The settings lake_store_open needs (LAKE_URI a local folder, or on S3
 * a bucket with S3_ENDPOINT, S3_REGION and the MINIO keys), checked
 * without creating or connecting to anything; also run by `stonks
 * config`. Returns 0, or -1 with a message in err. */
int lake_store_check(const config *c, char *err, size_t errlen);

/* A new local path to write a file to before lake_store_put; the
 * caller frees it. Two calls never return the same path. */
char *lake_store_staging_path(lake_store *s, const char *suffix);

/* Moves the finished local file at staged to key (a rename, or an
 * upload to S3), replacing what was there in one step. Returns 0, or -1 with a
 * message in err (the staged file is removed either way). */
int lake_store_put(lake_store *s, const char *staged, const char *key,
                   char *err, size_t errlen);

/* Removes key and, when it becomes empty, its folder. A missing key is
 * not an error. Returns 0, or -1 with a message in err. */
int lake_store_delete(lake_store *s, const char *key, char *err, size_t errlen);

/* The size of key in bytes, or -1 when it does not exist (or, on S3,
 * cannot be asked: the publisher then writes the day again). */
long long lake_store_size(lake_store *s, const char *key);

/* The absolute local folder of uri (made absolute, without resolving
 * links) into out; -1 with a message when uri is not a local folder
 * (an S3 lake is read through Trino). */
int lake_store_local_dir(const char *uri, char *out, size_t cap, char *err,
                         size_t errlen);

#endif
