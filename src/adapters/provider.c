#include "adapters/provider.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "adapters/fetch.h"
#include "adapters/html.h"
#include "adapters/provider_parse.h"
#include "domain/date.h"
#include "domain/pricebar.h"
#include "domain/text.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/sha256.h"
#include "lib/url.h"
#include "lib/xalloc.h"

/* The providers by name: the check of their settings (for the replay,
 * that REPLAY_DIR holds its files; they are read when it opens) and the
 * constructor. */
static const struct {
    const char *name;
    int (*check)(const config *c, char *err, size_t errlen);
    provider *(*open)(const config *c, char *err, size_t errlen);
} providers[] = {
    {"replay", provider_replay_check, provider_replay_open},
    {"polygon", provider_polygon_check, provider_polygon_open},
    {"alpaca", provider_alpaca_check, provider_alpaca_open},
    {"rss", provider_rss_check, provider_rss_open},
};

#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

/* The index of c's provider in providers, or -1 with a message. */
static int find_provider(const config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < NPROVIDERS; i++)
        if (strcmp(c->ingest_provider, providers[i].name) == 0)
            return (int)i;
    snprintf(err, errlen, "INGEST_PROVIDER: unknown provider '%.40s'",
             c->ingest_provider);
    return -1;
}

int provider_check(const config *c, char *err, size_t errlen)
{
    int i = find_provider(c, err, errlen);

    if (i < 0)
        return -1;
    return providers[i].check ? providers[i].check(c, err, errlen) : 0;
}

provider *provider_open(const config *c, char *err, size_t errlen)
{
    int i = find_provider(c, err, errlen);

    return i < 0 ? NULL : providers[i].open(c, err, errlen);
}

void provider_free(provider *p)
{
    if (!p)
        return;
    if (p->release)
        p->release(p);
    free(p);
}

void provider_result_init(provider_result *r)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->raw);
}

void provider_result_release(provider_result *r)
{
    for (size_t i = 0; i < r->nnews; i++) {
        free(r->news[i].provider_id);
        free(r->news[i].title);
        free(r->news[i].body);
        free(r->news[i].news_type);
    }
    free(r->news);
    free(r->bars);
    buf_release(&r->raw);
    memset(r, 0, sizeof(*r));
}

int provider_id_ok(const char *id)
{
    size_t len = strlen(id), cut = 80;
    char start[81];

    if (len <= PROVIDER_ID_MAX)
        return 1;
    /* The start logged ends on a UTF-8 boundary. */
    while (cut > 0 && ((unsigned char)id[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(start, id, cut);
    start[cut] = '\0';
    LOG_WARN("news item skipped: its provider id is over 1024 bytes",
             LF_I("bytes", len), LF_S("id_start", start));
    return 0;
}

void provider_skip_bar(const char *ticker, const char *why)
{
    LOG_WARN("price bar skipped", LF_S("ticker", ticker), LF_S("reason", why));
}

void provider_skip_news(const char *ticker, const char *id, const char *why)
{
    LOG_WARN("news item skipped", LF_S("ticker", ticker),
             LF_S("id", id && id[0] ? id : "(none)"), LF_S("reason", why));
}

/* len, or max cut back to a UTF-8 character boundary when len is more,
 * with a warning naming the item and the field. */
static size_t cut_len(const char *id, const char *field, const char *s,
                      size_t len, size_t max)
{
    size_t n = max;

    if (len <= max)
        return len;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    LOG_WARN("news item cut to the longest kept", LF_S("field", field),
             LF_I("bytes", len), LF_I("kept", n), LF_S("id", id));
    return n;
}

provider_news *provider_add_news(provider_result *r, const char *id,
                                 const char *title, size_t tlen,
                                 const char *body, size_t blen,
                                 const char *news_type)
{
    provider_news *n;

    if (!provider_id_ok(id))
        return NULL;
    if (r->nnews == r->news_cap) {
        r->news_cap = r->news_cap ? r->news_cap * 2 : 16;
        r->news = xreallocarray(r->news, r->news_cap, sizeof(*r->news));
    }
    n = &r->news[r->nnews++];
    memset(n, 0, sizeof(*n));
    n->provider_id = xstrdup(id);
    n->title = xstrndup(
        title ? title : "",
        title ? cut_len(id, "title", title, tlen, PROVIDER_TITLE_MAX) : 0);
    n->body =
        xstrndup(body ? body : "",
                 body ? cut_len(id, "body", body, blen, PROVIDER_BODY_MAX) : 0);
    n->news_type = xstrdup(news_type ? news_type : "");
    return n;
}

void provider_add_bar(provider_result *r, const provider_bar *b)
{
    if (r->nbars == r->bars_cap) {
        r->bars_cap = r->bars_cap ? r->bars_cap * 2 : 32;
        r->bars = xreallocarray(r->bars, r->bars_cap, sizeof(*r->bars));
    }
    r->bars[r->nbars++] = *b;
}

typedef struct ordered_bar {
    provider_bar bar;
    size_t order;
} ordered_bar;

static int cmp_ordered(const void *a, const void *b)
{
    const ordered_bar *x = a, *y = b;

    if (x->bar.day != y->bar.day)
        return x->bar.day < y->bar.day ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void provider_result_finish(provider_result *r)
{
    ordered_bar *o;
    size_t n = 0;

    if (r->nbars < 2)
        return;
    o = xcalloc(r->nbars, sizeof(*o));
    for (size_t i = 0; i < r->nbars; i++)
        o[i] = (ordered_bar){r->bars[i], i};
    xqsort(o, r->nbars, sizeof(*o), cmp_ordered);
    for (size_t i = 0; i < r->nbars; i++) {
        if (i + 1 < r->nbars && o[i + 1].bar.day == o[i].bar.day)
            continue;
        r->bars[n++] = o[i].bar;
    }
    r->nbars = n;
    free(o);
}

const char *provider_news_hash(provider_news *n)
{
    if (!n->hash[0])
        provider_content_hash(n, n->hash);
    return n->hash;
}

void provider_content_hash(const provider_news *n, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    long long utc_day = n->published >= 0 ? n->published / 86400
                                          : -((-n->published + 86399) / 86400);
    unsigned char d[32];
    char date[11];
    sha256_ctx c;

    date_format((int32_t)utc_day, date);
    sha256_init(&c);
    sha256_update(&c, date, 10);
    sha256_update(&c, "\n", 1);
    sha256_update(&c, n->title, strlen(n->title));
    sha256_update(&c, "\n", 1);
    sha256_update(&c, n->body, strlen(n->body));
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

char *provider_rebase_url(const char *base, const char *next)
{
    const char *sep = strstr(next, "://");
    const char *path = next;
    size_t blen = strlen(base);

    if (sep) {
        path = strchr(sep + 3, '/');
        if (!path)
            path = "/";
    }
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    return xasprintf("%.*s%s%s", (int)blen, base, path[0] == '/' ? "" : "/",
                     path);
}

int provider_same_origin(const char *a, const char *b)
{
    char oa[300], ob[300];

    return url_origin(a, oa, sizeof(oa)) == 0 &&
           url_origin(b, ob, sizeof(ob)) == 0 && strcmp(oa, ob) == 0;
}

int provider_cursor_seen(provider_cursors *c, const char *cursor)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->seen[i], cursor) == 0)
            return 1;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->seen = xreallocarray(c->seen, c->cap, sizeof(*c->seen));
    }
    c->seen[c->n++] = xstrdup(cursor);
    return 0;
}

void provider_cursors_release(provider_cursors *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->seen[i]);
    free(c->seen);
    memset(c, 0, sizeof(*c));
}

static int hex4(const char *s, unsigned *out)
{
    *out = 0;
    for (int k = 0; k < 4; k++) {
        int d = hex_digit(s[k]);

        if (d < 0)
            return -1;
        *out = *out << 4 | (unsigned)d;
    }
    return 0;
}

/* The length of the JSON number at s[i] (0 when none starts there). */
static size_t number_len(const char *s, size_t len, size_t i)
{
    size_t j = i;

    if (j < len && s[j] == '-')
        j++;
    if (j >= len || !isdigit((unsigned char)s[j]))
        return 0;
    while (j < len && isdigit((unsigned char)s[j]))
        j++;
    if (j + 1 < len && s[j] == '.' && isdigit((unsigned char)s[j + 1]))
        for (j++; j < len && isdigit((unsigned char)s[j]);)
            j++;
    if (j < len && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;

        if (k < len && (s[k] == '+' || s[k] == '-'))
            k++;
        if (k < len && isdigit((unsigned char)s[k])) {
            while (k < len && isdigit((unsigned char)s[k]))
                k++;
            j = k;
        }
    }
    return j - i;
}

/* Appends the number s[0..n) as jansson can read it: an integer beyond
 * 64 bits as a real, a real beyond the double range as null. Returns 1
 * when it was changed. */
static int add_number(const char *s, size_t n, buf *out)
{
    char *t = xstrndup(s, n);
    int is_int = !memchr(t, '.', n) && !memchr(t, 'e', n) && !memchr(t, 'E', n);
    int changed = 1;
    double d;

    errno = 0;
    if (is_int)
        (void)strtoll(t, NULL, 10);
    if (is_int && errno != ERANGE) {
        changed = 0;
        buf_add(out, s, n);
    } else if (!isfinite(d = strtod(t, NULL))) {
        buf_adds(out, "null");
    } else if (is_int) {
        char real[32];

        snprintf(real, sizeof(real), "%.17e", d);
        buf_adds(out, real);
    } else {
        changed = 0;
        buf_add(out, s, n);
    }
    free(t);
    return changed;
}

/* A copy of the JSON text s[0..len) in out in which, inside strings,
 * bytes that are not UTF-8 become U+FFFD and so do \u escapes of lone
 * surrogates; outside strings, numbers jansson refuses (add_number) and
 * the NaN, Infinity and -Infinity of some writers become readable.
 * Returns how many strings' characters were replaced; *numbers gets how
 * many numbers were. */
static size_t json_repair(const char *s, size_t len, buf *out, size_t *numbers)
{
    size_t fixed = 0, i = 0, n;
    int in_str = 0;
    unsigned u, lo;

    *numbers = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];

        if (!in_str && (n = number_len(s, len, i)) > 0) {
            *numbers += (size_t)add_number(s + i, n, out);
            i += n;
            continue;
        }
        if (!in_str) {
            static const char *const words[] = {"NaN", "Infinity", "-Infinity"};

            for (n = 0; n < 3; n++)
                if (len - i >= strlen(words[n]) &&
                    memcmp(s + i, words[n], strlen(words[n])) == 0)
                    break;
            if (n < 3) {
                buf_adds(out, "null");
                (*numbers)++;
                i += strlen(words[n]);
                continue;
            }
        }
        if (c == '"') {
            in_str = !in_str;
        } else if (in_str && c == '\\' && i + 6 <= len && s[i + 1] == 'u' &&
                   hex4(s + i + 2, &u) == 0 && u >= 0xD800 && u <= 0xDFFF) {
            if (u <= 0xDBFF && i + 12 <= len && s[i + 6] == '\\' &&
                s[i + 7] == 'u' && hex4(s + i + 8, &lo) == 0 && lo >= 0xDC00 &&
                lo <= 0xDFFF) {
                buf_add(out, s + i, 12);
                i += 12;
                continue;
            }
            buf_adds(out, "\\ufffd");
            fixed++;
            i += 6;
            continue;
        } else if (in_str && c == '\\' && i + 1 < len) {
            buf_add(out, s + i, 2);
            i += 2;
            continue;
        } else if (in_str && c >= 0x80) {
            if ((n = text_utf8_len(s, len, i)) == 0) {
                buf_adds(out, "\xEF\xBF\xBD");
                fixed++;
                i++;
                continue;
            }
            buf_add(out, s + i, n);
            i += n;
            continue;
        }
        buf_addc(out, (char)c);
        i++;
    }
    return fixed;
}

int provider_parse_json(const char *text, size_t len, json_t **root, char *err,
                        size_t errlen)
{
    json_error_t je, je2;

    *root = json_loadb(text, len, JSON_ALLOW_NUL, &je);
    if (!*root) {
        /* One bad string must not cost the page's other items. */
        buf fixed;
        size_t n, nums;

        buf_init(&fixed);
        n = json_repair(text, len, &fixed, &nums);
        if (n + nums > 0 &&
            (*root = json_loadb(fixed.data, fixed.len, JSON_ALLOW_NUL, &je2))) {
            if (n > 0)
                LOG_WARN("answer had invalid UTF-8 or lone surrogates in "
                         "strings; they were read as U+FFFD",
                         LF_I("replaced", n), LF_S("error", je.text));
            if (nums > 0)
                LOG_WARN("answer had numbers out of range, NaN or Infinity; "
                         "they were read as null, integers beyond 64 bits as "
                         "reals",
                         LF_I("numbers", nums), LF_S("error", je.text));
        }
        buf_release(&fixed);
    }
    if (*root && json_is_object(*root))
        return PROVIDER_OK;
    if (*root)
        snprintf(err, errlen, "the answer is JSON but not an object");
    else
        snprintf(err, errlen,
                 "the answer is not valid JSON: %s (line %d, column %d)",
                 je.text, je.line, je.column);
    json_decref(*root);
    *root = NULL;
    return PROVIDER_FAIL;
}

int provider_get_json(struct fetch_client *http, const char *url,
                      provider_result *out, json_t **root, char *err,
                      size_t errlen)
{
    fetch_response res;
    char why[256];
    int rc = fetch_get(http, url, &res, err, errlen);

    *root = NULL;
    if (rc != FETCH_OK) {
        /* (FETCH_BUSY: this ticker's job fails, and the queue tries it
         * again later, while the other jobs go on) */
        fetch_response_release(&res);
        return rc == FETCH_RETRY ? PROVIDER_RETRY : PROVIDER_FAIL;
    }
    buf_add(&out->raw, res.body.data, res.body.len);
    buf_addc(&out->raw, '\n');
    rc = provider_parse_json(res.body.data, res.body.len, root, why,
                             sizeof(why));
    if (rc != PROVIDER_OK)
        snprintf(err, errlen, "GET %s: %s (Content-Type: %.100s)", url, why,
                 res.content_type[0] ? res.content_type : "none");
    fetch_response_release(&res);
    return rc;
}

char *provider_page_next(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);

    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    return xstrdup(json_string_value(v));
}

int provider_add_json_bar(provider_result *out, const char *ticker, int32_t day,
                          json_t *r)
{
    static const char *const keys[] = {"o", "h", "l", "c", "v"};
    double v[5];
    const char *why = NULL;
    char dstr[11];
    provider_bar b;

    for (int k = 0; k < 5 && !why; k++) {
        json_t *m = json_object_get(r, keys[k]);

        if (!json_is_number(m))
            why = k == 0   ? "open (o) is missing or not a number"
                  : k == 1 ? "high (h) is missing or not a number"
                  : k == 2 ? "low (l) is missing or not a number"
                  : k == 3 ? "close (c) is missing or not a number"
                           : "volume (v) is missing or not a number";
        v[k] = json_number_value(m);
    }
    if (!why)
        why = pricebar_check(v[0], v[1], v[2], v[3], v[4]);
    if (why) {
        date_format(day, dstr);
        LOG_WARN("price bar skipped", LF_S("ticker", ticker), LF_S("day", dstr),
                 LF_S("reason", why));
        return 0;
    }
    b = (provider_bar){day, v[0], v[1], v[2], v[3], llround(v[4])};
    provider_add_bar(out, &b);
    return 1;
}

void provider_json_text(json_t *o, const char *key, buf *out)
{
    json_t *v = json_object_get(o, key);
    char err[128];
    size_t at = out->len;

    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    char *spaced = NULL;

    if (!json_is_string(v))
        return;
    if (memchr(s, '\0', len)) {
        /* A NUL (JSON's \u0000) is white space in text. */
        spaced = xmalloc(len);
        for (size_t i = 0; i < len; i++)
            spaced[i] = s[i] ? s[i] : ' ';
        s = spaced;
    }
    if (html_fragment_text(s, len, 0, out, err, sizeof(err)) < 0) {
        out->len = at;
        out->data[at] = '\0';
    }
    free(spaced);
}

const char *provider_json_id(json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        LOG_WARN("news item skipped: its id holds a NUL character");
        return NULL;
    }
    return json_string_value(v);
}

int provider_lists_ticker(json_t *arr, const provider_query *q)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        char t[TICKER_MAX], f[TICKER_MAX];

        if (!json_is_string(v) ||
            ticker_normalize(json_string_value(v), json_string_length(v), t) <
                0)
            continue;
        for (size_t k = 0; k < q->nfeeds; k++)
            if (ticker_normalize(q->feeds[k], strlen(q->feeds[k]), f) == 0 &&
                strcmp(t, f) == 0)
                return 1;
    }
    return 0;
}
