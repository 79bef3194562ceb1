/*
 * token: see token.h. Digests only: a comparison runs over every byte
 * of every stored digest, match or not.
 */
#include "lib/token.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/sha256.h"

static void digest(const char *s, size_t n, unsigned char out[32])
{
    sha256_ctx ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, s, n);
    sha256_final(&ctx, out);
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The entry of list at *p, without its blanks; *p moves past its comma.
 * Returns its start, its length in *len; NULL at the end of list. */
static const char *next_entry(const char **p, size_t *len)
{
    const char *t = *p, *end;
    size_t n;

    if (!*t)
        return NULL;
    end = strchr(t, ',');
    n = end ? (size_t)(end - t) : strlen(t);
    *p = end ? end + 1 : t + n;
    while (n && blank(*t)) {
        t++;
        n--;
    }
    while (n && blank(t[n - 1]))
        n--;
    *len = n;
    return t;
}

int token_set_load(token_set *s, const char *list, char *err, size_t errlen)
{
    const char *p = list ? list : "", *t;
    size_t n;

    s->n = 0;
    while ((t = next_entry(&p, &n)) != NULL) {
        if (n == 0)
            continue;
        if (s->n == TOKEN_MAX) {
            snprintf(err, errlen, "API_TOKENS: more than %d tokens", TOKEN_MAX);
            return -1;
        }
        if (n < TOKEN_MIN_LEN) {
            snprintf(err, errlen,
                     "API_TOKENS: token %d is shorter than %d characters",
                     s->n + 1, TOKEN_MIN_LEN);
            return -1;
        }
        digest(t, n, s->digest[s->n++]);
    }
    return 0;
}

int token_set_allows(const token_set *s, const char *authorization)
{
    const char *h = authorization;
    unsigned char got[32];
    unsigned none = 1;
    size_t n;

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    for (h += 7; *h == ' ';)
        h++;
    /* the blanks after a header's value are not part of it (RFC 9110
     * 5.5), and the HTTP library leaves them there */
    for (n = strlen(h); n && blank(h[n - 1]);)
        n--;
    digest(h, n, got);
    for (int i = 0; i < s->n; i++) {
        unsigned diff = 0;

        for (int k = 0; k < 32; k++)
            diff |= (unsigned)(got[k] ^ s->digest[i][k]);
        none &= (unsigned)(diff != 0);
    }
    return s->n > 0 && none == 0;
}

const char *token_first(const char *list, size_t *len)
{
    const char *p = list ? list : "", *t;

    while ((t = next_entry(&p, len)) != NULL)
        if (*len > 0)
            return t;
    *len = 0;
    return "";
}
