/*
 * s3: a small S3 client (MinIO, AWS or any S3-compatible server) for
 * the object store and the lake: PUT, GET, HEAD and DELETE of one
 * object, and creating the bucket. libcurl signs each request with SigV4
 * (CURLOPT_AWS_SIGV4); the client sends x-amz-content-sha256 with the payload's
 * SHA-256 (the empty string's for GET and HEAD), which S3 requires and curl
 * does not add by itself. Addressing is path-style
 * (endpoint/bucket/key) or virtual-host style (bucket.host/key).
 *
 * A client is used by one thread at a time (it keeps one curl handle
 * for connection reuse); open one per thread. Secrets are never
 * logged or put in error messages.
 */
#ifndef STONKS_S3_H
#define STONKS_S3_H

#include <stddef.h>

#include "lib/buf.h"

typedef struct s3_options {
    const char *endpoint; /* "http://127.0.0.1:9000", no trailing path */
    const char *region; /* "us-east-1" */
    const char *bucket;
    const char *access_key;
    const char *secret_key;
    int path_style; /* 1: endpoint/bucket/key; 0: bucket.host/key */
    long timeout_ms; /* whole request; 0 means 30 s */
} s3_options;

typedef struct s3_client s3_client;

/* Checks the options: none missing, the endpoint an http(s) URL.
 * Returns 0, or -1 with a message in err. */
int s3_options_check(const s3_options *o, char *err, size_t errlen);

/* Copies the options. Returns NULL with a message in err when
 * s3_options_check refuses them. Free with s3_free. */
s3_client *s3_new(const s3_options *o, char *err, size_t errlen);
void s3_free(s3_client *s);

/* The result of a request: S3_OK, S3_MISSING (404), or S3_ERROR with
 * a message in err (no answer, or another status). */
enum { S3_OK = 0, S3_MISSING = 1, S3_ERROR = -1 };

int s3_put(s3_client *s, const char *key, const void *data, size_t len,
           char *err, size_t errlen);

/* Reads the object into out (reset first); an object over max bytes is
 * S3_ERROR ("larger than"), never a truncated success. */
int s3_get(s3_client *s, const char *key, size_t max, buf *out, char *err,
           size_t errlen);

/* Whether the object exists; *size gets its length when it does. */
int s3_head(s3_client *s, const char *key, long long *size, char *err,
            size_t errlen);

/* Removes the object. S3 answers 204 whether it existed or not, so
 * S3_OK either way (S3_MISSING only from a server that says 404). */
int s3_delete(s3_client *s, const char *key, char *err, size_t errlen);

/* Creates the bucket unless it exists. S3_OK either way. */
int s3_ensure_bucket(s3_client *s, char *err, size_t errlen);

/* The header lines of the last request as sent (for tests that check
 * the signature), owned by s, valid until the next request. */
const char *s3_last_request_headers(const s3_client *s);

#endif
