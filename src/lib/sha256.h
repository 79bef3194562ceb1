/*
 * sha256: SHA-256 (FIPS 180-4) for content hashes of documents and raw
 * payloads. Streaming: init, update any number of times, final.
 */
#ifndef STONKS_SHA256_H
#define STONKS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t len; /* bytes so far */
    unsigned char block[64];
    size_t fill;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, unsigned char out[32]);

/* One-shot: the lower-case hex digest of data, 64 chars + NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
