#include "lib/sigv4.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sha256.h"
#include "lib/xalloc.h"

void sigv4_hmac_sha256(const void *key, size_t keylen, const void *data,
                       size_t len, unsigned char out[32])
{
    unsigned char k[64] = {0}, pad[64], inner[32];
    sha256_ctx c;

    if (keylen > sizeof(k)) {
        sha256_init(&c);
        sha256_update(&c, key, keylen);
        sha256_final(&c, k);
    } else {
        memcpy(k, key, keylen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    sha256_init(&c);
    sha256_update(&c, pad, sizeof(pad));
    sha256_update(&c, data, len);
    sha256_final(&c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    sha256_init(&c);
    sha256_update(&c, pad, sizeof(pad));
    sha256_update(&c, inner, sizeof(inner));
    sha256_final(&c, out);
}

static void add_hex(buf *b, const unsigned char *d, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        buf_addc(b, hex[d[i] >> 4]);
        buf_addc(b, hex[d[i] & 15]);
    }
}

void sigv4_uri_encode(buf *out, const char *s, size_t len, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
            (ch == '/' && keep_slash)) {
            buf_addc(out, (char)ch);
        } else {
            buf_addc(out, '%');
            buf_addc(out, hex[ch >> 4]);
            buf_addc(out, hex[ch & 15]);
        }
    }
}

static int cmp_header(const void *a, const void *b)
{
    const sigv4_header *x = a, *y = b;

    return strcasecmp(x->name, y->name);
}

static void add_lower(buf *b, const char *s)
{
    for (; *s; s++)
        buf_addc(b, (char)tolower((unsigned char)*s));
}

/* The value trimmed, with each inner run of spaces made one space. */
static void add_trimmed(buf *b, const char *v)
{
    int space = 0;

    while (*v == ' ' || *v == '\t')
        v++;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            space = 1;
            continue;
        }
        if (space)
            buf_addc(b, ' ');
        space = 0;
        buf_addc(b, *v);
    }
}

static int sorted_headers(const sigv4_request *r, sigv4_header *out)
{
    if (r->nheaders > SIGV4_MAX_HEADERS)
        return -1;
    memcpy(out, r->headers, r->nheaders * sizeof(*out));
    xqsort(out, r->nheaders, sizeof(*out), cmp_header);
    return 0;
}

void sigv4_signed_headers(const sigv4_request *r, buf *out)
{
    sigv4_header h[SIGV4_MAX_HEADERS];

    buf_reset(out);
    if (sorted_headers(r, h) < 0)
        return;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (i > 0)
            buf_addc(out, ';');
        add_lower(out, h[i].name);
    }
}

int sigv4_canonical_request(const sigv4_request *r, buf *out)
{
    sigv4_header h[SIGV4_MAX_HEADERS];
    buf names;

    buf_reset(out);
    if (sorted_headers(r, h) < 0)
        return -1;
    buf_addf(out, "%s\n%s\n%s\n", r->method, r->path[0] ? r->path : "/",
             r->query);
    for (size_t i = 0; i < r->nheaders; i++) {
        add_lower(out, h[i].name);
        buf_addc(out, ':');
        add_trimmed(out, h[i].value);
        buf_addc(out, '\n');
    }
    buf_addc(out, '\n');
    buf_init(&names);
    sigv4_signed_headers(r, &names);
    buf_addf(out, "%s\n%s", names.data, r->payload_hash);
    buf_release(&names);
    return 0;
}

void sigv4_string_to_sign(const sigv4_key *k, const char *amz_date,
                          const char *canonical_request, buf *out)
{
    char hash[65];

    sha256_hex(canonical_request, strlen(canonical_request), hash);
    buf_reset(out);
    buf_addf(out, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date,
             amz_date, k->region, k->service, hash);
}

void sigv4_signing_key(const sigv4_key *k, const char *date8,
                       unsigned char out[32])
{
    unsigned char a[32], b[32];
    buf secret;

    buf_init(&secret);
    buf_addf(&secret, "AWS4%s", k->secret_key);
    sigv4_hmac_sha256(secret.data, secret.len, date8, strnlen(date8, 8), a);
    sigv4_hmac_sha256(a, 32, k->region, strlen(k->region), b);
    sigv4_hmac_sha256(b, 32, k->service, strlen(k->service), a);
    sigv4_hmac_sha256(a, 32, "aws4_request", 12, out);
    memset(secret.data, 0, secret.len);
    buf_release(&secret);
}

int sigv4_sign(const sigv4_request *r, const sigv4_key *k, const char *amz_date,
               char signature[65], buf *auth)
{
    unsigned char key[32], mac[32];
    buf creq, sts, hex;

    buf_init(&creq);
    buf_init(&sts);
    buf_init(&hex);
    if (sigv4_canonical_request(r, &creq) < 0) {
        buf_release(&creq);
        buf_release(&sts);
        buf_release(&hex);
        return -1;
    }
    sigv4_string_to_sign(k, amz_date, creq.data, &sts);
    sigv4_signing_key(k, amz_date, key);
    sigv4_hmac_sha256(key, sizeof(key), sts.data, sts.len, mac);
    add_hex(&hex, mac, sizeof(mac));
    memcpy(signature, hex.data, 65);
    if (auth) {
        buf_reset(&creq);
        sigv4_signed_headers(r, &creq);
        buf_reset(auth);
        buf_addf(auth,
                 "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
                 "SignedHeaders=%s, Signature=%s",
                 k->access_key, amz_date, k->region, k->service, creq.data,
                 hex.data);
    }
    memset(key, 0, sizeof(key));
    buf_release(&creq);
    buf_release(&sts);
    buf_release(&hex);
    return 0;
}
