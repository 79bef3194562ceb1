#include "adapters/replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/csv.h"
#include "domain/date.h"
#include "domain/text.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static int field_is(const csv_line *l, int i, const char *s)
{
    return l->len[i] == strlen(s) && memcmp(l->field[i], s, l->len[i]) == 0;
}

static int header_ok(const csv_line *l, const char *const *names, int n)
{
    if (l->n != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (!field_is(l, i, names[i]))
            return 0;
    return 1;
}

static int parse_double(const char *s, size_t len, double *out)
{
    char tmp[64], *end;

    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    *out = strtod(tmp, &end);
    return *end || *out != *out ? -1 : 0;
}

static int parse_ll(const char *s, size_t len, long long *out)
{
    char tmp[32], *end;

    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    errno = 0;
    *out = strtoll(tmp, &end, 10);
    return *end || errno ? -1 : 0;
}

static int fields_sane(const csv_line *l)
{
    for (int i = 0; i < l->n; i++)
        if (l->len[i] > REPLAY_MAX_FIELD ||
            !text_valid_utf8(l->field[i], l->len[i]) ||
            memchr(l->field[i], '\0', l->len[i]))
            return 0;
    return 1;
}

typedef int (*row_fn)(replay_data *r, const csv_line *l, const char *line,
                      size_t len);

/* Walks the lines of text after its header, calling fn on each; rows
 * fn rejects are counted. */
static int each_row(replay_data *r, char *text, size_t tlen, char *scratch,
                    const char *path, const char *const *header, int ncols,
                    row_fn fn, char *err, size_t errlen)
{
    size_t pos = 0;
    int lineno = 0;

    while (pos < tlen) {
        char *line = text + pos;
        char *nl = memchr(line, '\n', tlen - pos);
        size_t len = nl ? (size_t)(nl - line) : tlen - pos;
        csv_line l;

        pos += len + (nl ? 1 : 0);
        if (len && line[len - 1] == '\r')
            len--;
        lineno++;
        if (len == 0)
            continue;
        if (csv_split(line, len, scratch + (line - text), &l) < 0) {
            r->rejected++;
            continue;
        }
        if (lineno == 1) {
            if (!header_ok(&l, header, ncols)) {
                snprintf(err, errlen,
                         "%s: unexpected header, expected %d columns "
                         "starting with '%s'",
                         path, ncols, header[0]);
                return -1;
            }
            continue;
        }
        if (l.n != ncols || !fields_sane(&l) || fn(r, &l, line, len) < 0) {
            r->rejected++;
            LOG_DEBUG("replay row skipped", LF_S("file", path),
                      LF_I("line", lineno));
        }
    }
    return 0;
}

static int add_news(replay_data *r, const csv_line *l, const char *line,
                    size_t len)
{
    replay_news *n;

    if (r->nnews == r->news_cap) {
        r->news_cap = r->news_cap ? r->news_cap * 2 : 1024;
        r->news = xreallocarray(r->news, r->news_cap, sizeof(*r->news));
    }
    n = &r->news[r->nnews];
    memset(n, 0, sizeof(*n));
    if (ticker_normalize(l->field[0], l->len[0], n->ticker) < 0 ||
        date_parse(l->field[2], l->len[2], &n->date) < 0)
        return -1;
    n->title = l->field[3];
    n->title_len = l->len[3];
    n->summary = l->field[4];
    n->summary_len = l->len[4];
    n->news_type = l->field[5];
    n->news_type_len = l->len[5];
    n->line = line;
    n->line_len = len;
    n->order = r->nnews;
    r->nnews++;
    return 0;
}

static int add_bar(replay_data *r, const csv_line *l, const char *line,
                   size_t len)
{
    replay_bar *b;

    if (r->nbars == r->bars_cap) {
        r->bars_cap = r->bars_cap ? r->bars_cap * 2 : 1024;
        r->bars = xreallocarray(r->bars, r->bars_cap, sizeof(*r->bars));
    }
    b = &r->bars[r->nbars];
    memset(b, 0, sizeof(*b));
    if (ticker_normalize(l->field[0], l->len[0], b->ticker) < 0 ||
        date_parse(l->field[1], l->len[1], &b->day) < 0 ||
        parse_double(l->field[2], l->len[2], &b->open) < 0 ||
        parse_double(l->field[3], l->len[3], &b->high) < 0 ||
        parse_double(l->field[4], l->len[4], &b->low) < 0 ||
        parse_double(l->field[5], l->len[5], &b->close) < 0 ||
        parse_ll(l->field[6], l->len[6], &b->volume) < 0 || b->open <= 0 ||
        b->close <= 0 || b->low > b->high || b->volume < 0)
        return -1;
    b->line = line;
    b->line_len = len;
    r->nbars++;
    return 0;
}

static int cmp_news(const void *a, const void *b)
{
    const replay_news *x = a, *y = b;
    int c = strcmp(x->ticker, y->ticker);

    if (c)
        return c;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_bar(const void *a, const void *b)
{
    const replay_bar *x = a, *y = b;
    int c = strcmp(x->ticker, y->ticker);

    if (c)
        return c;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* Parses both texts, which r owns from here on. */
static int parse_texts(replay_data *r, size_t nlen, size_t plen,
                       const char *nname, const char *pname, char *err,
                       size_t errlen)
{
    static const char *const news_hdr[] = {"ticker", "company", "date",
                                           "title",  "summary", "news_type"};
    static const char *const price_hdr[] = {"ticker", "date",  "open",  "high",
                                            "low",    "close", "volume"};

    r->scratch = xmalloc(nlen + plen + 1);
    if (each_row(r, r->news_text, nlen, r->scratch, nname, news_hdr, 6,
                 add_news, err, errlen) < 0 ||
        each_row(r, r->price_text, plen, r->scratch + nlen, pname, price_hdr, 7,
                 add_bar, err, errlen) < 0)
        return -1;
    xqsort(r->news, r->nnews, sizeof(*r->news), cmp_news);
    xqsort(r->bars, r->nbars, sizeof(*r->bars), cmp_bar);
    return 0;
}

int replay_load(const char *dir, replay_data *r, char *err, size_t errlen)
{
    char *npath = xasprintf("%s/%s", dir, REPLAY_NEWS_FILE);
    char *ppath = xasprintf("%s/%s", dir, REPLAY_PRICE_FILE);
    size_t nlen = 0, plen = 0;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    r->news_text = file_read(npath, REPLAY_MAX_FILE, &nlen, err, errlen);
    if (!r->news_text)
        goto out;
    r->price_text = file_read(ppath, REPLAY_MAX_FILE, &plen, err, errlen);
    if (!r->price_text)
        goto out;
    rc = parse_texts(r, nlen, plen, npath, ppath, err, errlen);
out:
    if (rc < 0)
        replay_release(r);
    free(npath);
    free(ppath);
    return rc;
}

int replay_load_buffers(const char *news, size_t nlen, const char *prices,
                        size_t plen, replay_data *r, char *err, size_t errlen)
{
    int rc;

    memset(r, 0, sizeof(*r));
    if (nlen > REPLAY_MAX_FILE || plen > REPLAY_MAX_FILE) {
        snprintf(err, errlen, "replay input over the %u-byte limit",
                 REPLAY_MAX_FILE);
        return -1;
    }
    r->news_text = xmalloc(nlen + 1);
    memcpy(r->news_text, news, nlen);
    r->news_text[nlen] = '\0';
    r->price_text = xmalloc(plen + 1);
    memcpy(r->price_text, prices, plen);
    r->price_text[plen] = '\0';
    rc = parse_texts(r, nlen, plen, "news", "prices", err, errlen);
    if (rc < 0)
        replay_release(r);
    return rc;
}

void replay_release(replay_data *r)
{
    free(r->news_text);
    free(r->price_text);
    free(r->scratch);
    free(r->news);
    free(r->bars);
    memset(r, 0, sizeof(*r));
}

/* First index in a sorted array whose (ticker, day) >= the key. */
#define LOWER_BOUND(arr, n, tick, dayfield, key_day, out)                      \
    do {                                                                       \
        size_t lo_ = 0, hi_ = (n);                                             \
        while (lo_ < hi_) {                                                    \
            size_t mid_ = lo_ + (hi_ - lo_) / 2;                               \
            int c_ = strcmp((arr)[mid_].ticker, (tick));                       \
            if (c_ < 0 || (c_ == 0 && (arr)[mid_].dayfield < (key_day)))       \
                lo_ = mid_ + 1;                                                \
            else                                                               \
                hi_ = mid_;                                                    \
        }                                                                      \
        (out) = lo_;                                                           \
    } while (0)

size_t replay_news_range(const replay_data *r, const char *ticker, int32_t from,
                         int32_t to, const replay_news **first)
{
    size_t lo, end;

    LOWER_BOUND(r->news, r->nnews, ticker, date, from, lo);
    end = lo;
    while (end < r->nnews && strcmp(r->news[end].ticker, ticker) == 0 &&
           r->news[end].date <= to)
        end++;
    *first = r->news + lo;
    return end - lo;
}

size_t replay_bars_range(const replay_data *r, const char *ticker, int32_t from,
                         int32_t to, const replay_bar **first)
{
    size_t lo, end;

    LOWER_BOUND(r->bars, r->nbars, ticker, day, from, lo);
    end = lo;
    while (end < r->nbars && strcmp(r->bars[end].ticker, ticker) == 0 &&
           r->bars[end].day <= to)
        end++;
    *first = r->bars + lo;
    return end - lo;
}
