/*
 * sigv4: AWS Signature Version 4 (HMAC-SHA256), written from the
 * published algorithm. The S3 client lets libcurl sign its requests
 * (CURLOPT_AWS_SIGV4); this module is the independent signer the tests
 * use to check curl's Authorization header, and it is small enough to
 * sign with directly should a backend need it.
 *
 * Steps: a canonical request (method, URI-encoded path, canonical query,
 * canonical headers, signed header names, payload hash), its SHA-256 in
 * a string to sign with the date and the credential scope
 * ("YYYYMMDD/region/service/aws4_request"), a signing key derived from
 * the secret by four chained HMACs, and the hex HMAC of the string to
 * sign under that key. All functions are pure; none allocates except
 * into the caller's buf.
 */
#ifndef STONKS_SIGV4_H
#define STONKS_SIGV4_H

#include <stddef.h>

#include "lib/buf.h"

/* HMAC-SHA256 (RFC 2104) of data under key. */
void sigv4_hmac_sha256(const void *key, size_t keylen, const void *data,
                       size_t len, unsigned char out[32]);

/* Appends s[0..len) percent-encoded as SigV4 asks: every byte but
 * A-Z a-z 0-9 '-' '_' '.' '~' becomes %XY (upper-case hex); '/' is
 * kept when keep_slash is 1 (object key paths). */
void sigv4_uri_encode(buf *out, const char *s, size_t len, int keep_slash);

typedef struct sigv4_header {
    const char *name; /* any case; lower-cased when signed */
    const char *value; /* trimmed, inner runs of spaces collapsed */
} sigv4_header;

typedef struct sigv4_request {
    const char *method; /* "GET", "PUT", ... */
    const char *path; /* already URI-encoded, e.g. "/bucket/sha256/ab" */
    const char *query; /* canonical query string, "" when none */
    const sigv4_header *headers; /* every header to sign, host included */
    size_t nheaders; /* at most SIGV4_MAX_HEADERS */
    const char *payload_hash; /* hex SHA-256 or "UNSIGNED-PAYLOAD" */
} sigv4_request;

#define SIGV4_MAX_HEADERS 32

typedef struct sigv4_key {
    const char *access_key;
    const char *secret_key;
    const char *region; /* "us-east-1" */
    const char *service; /* "s3" */
} sigv4_key;

/* Writes the canonical request into out (reset first). Returns 0, or -1
 * when there are more than SIGV4_MAX_HEADERS headers. */
int sigv4_canonical_request(const sigv4_request *r, buf *out);

/* Writes the signed header names ("host;x-amz-date") into out. */
void sigv4_signed_headers(const sigv4_request *r, buf *out);

/* The string to sign for a canonical request signed at amz_date
 * ("YYYYMMDDTHHMMSSZ"), written into out (reset first). */
void sigv4_string_to_sign(const sigv4_key *k, const char *amz_date,
                          const char *canonical_request, buf *out);

/* The signing key of a day (date8 = "YYYYMMDD"). */
void sigv4_signing_key(const sigv4_key *k, const char *date8,
                       unsigned char out[32]);

/* Signs r at amz_date: writes the hex signature (64 chars + NUL) and,
 * when auth is not NULL, the whole Authorization header value
 * ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...")
 * into auth (reset first). Returns 0, or -1 as sigv4_canonical_request.
 */
int sigv4_sign(const sigv4_request *r, const sigv4_key *k, const char *amz_date,
               char signature[65], buf *auth);

#endif
