#include "adapters/replay.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adapters/csv.h"
#include "domain/date.h"
#include "domain/exchange.h"
#include "domain/pricebar.h"
#include "domain/text.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/num.h"
#include "lib/xalloc.h"

typedef int (*row_fn)(void *ctx, const csv_line *l, const char *line,
                      size_t off, size_t len);

/* One pass over the lines of a file, which may come in pieces that each
 * end at a line end (or at the end of the file). */
typedef struct row_walk {
    const char *path;
    const char *const *header;
    int ncols;
    row_fn fn;
    void *ctx;
    int lineno;
    size_t *rejected;
    char *line_scratch; /* one line's fields, when no whole-text scratch */
    size_t line_cap;
    int header_seen; /* the first line that is not blank, checked */
} row_walk;

/* The first column of l that is not the header's (names, n of them),
 * in any case; -1 when l is the header. */
static int header_mismatch(const csv_line *l, const char *const *names, int n)
{
    for (int i = 0; i < n && i < l->n; i++)
        if (l->len[i] != strlen(names[i]) ||
            strncasecmp(l->field[i], names[i], l->len[i]) != 0)
            return i;
    return l->n == n ? -1 : (l->n < n ? l->n : n);
}

/* err: what is wrong with the header line raw[0..rawlen) of w's file,
 * l its fields (NULL: it could not be split into fields, csv_rc says
 * why; with empty, there is no line and raw is NULL). */
static void header_error(const row_walk *w, const csv_line *l, int empty,
                         int csv_rc, const char *raw, size_t rawlen, char *err,
                         size_t errlen)
{
    char names[128] = "", why[300];
    int bad = l ? header_mismatch(l, w->header, w->ncols) : 0;

    for (int i = 0; i < w->ncols; i++)
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                 i ? "," : "", w->header[i]);
    if (empty)
        snprintf(why, sizeof(why), "the file is empty");
    else if (raw && rawlen > 1 && memchr(raw, '\r', rawlen - 1))
        /* (a file saved with the old Mac line ends is one long line: a
         * CR with more after it; "\r\r\n" is a stray CR at the end) */
        snprintf(why, sizeof(why),
                 "its lines end in a lone carriage return: save it with "
                 "\\n or \\r\\n line ends");
    else if (!l)
        snprintf(why, sizeof(why), "it cannot be read as CSV: %s",
                 csv_error_text(csv_rc) ? csv_error_text(csv_rc) : "?");
    else if (bad < l->n && bad < w->ncols) {
        char given[41];

        /* (its control bytes shown as '?': the message goes to a
         * terminal and a log) */
        text_mask_prefix(given, sizeof(given), l->field[bad], l->len[bad]);
        snprintf(why, sizeof(why), "column %d is '%s', not %s", bad + 1, given,
                 w->header[bad]);
    } else
        snprintf(why, sizeof(why), "it has %d columns, not %d", l->n, w->ncols);
    snprintf(err, errlen, "%s: the first line must be the header %s (%s)",
             w->path, names, why);
}

/* Numbers of the price file are written plainly (lib/num.h): "0x10",
 * "1e2", "+16" or " 16" are a row that cannot be read, not data. */
static int parse_double(const char *s, size_t len, double *out)
{
    char tmp[64];

    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return num_decimal(tmp, -DBL_MAX, DBL_MAX, out);
}

static int parse_ll(const char *s, size_t len, long long *out)
{
    char tmp[32];

    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return num_int(tmp, LLONG_MIN, LLONG_MAX, out);
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

static void walk_init(row_walk *w, const char *path, const char *const *header,
                      int ncols, row_fn fn, void *ctx, size_t *rejected)
{
    *w = (row_walk){path, header, ncols, fn, ctx, 0, rejected, NULL, 0, 0};
}

/* After the last piece of w's file: -1 with err when it had no header
 * (not one line that is not blank). */
static int walk_end(const row_walk *w, char *err, size_t errlen)
{
    if (w->header_seen)
        return 0;
    header_error(w, NULL, 1, 0, NULL, 0, err, errlen);
    return -1;
}

/* Counts the row just read as skipped; which one, at debug level. */
static void skip_row(row_walk *w)
{
    (*w->rejected)++;
    LOG_DEBUG("replay row skipped", LF_S("file", w->path),
              LF_I("line", w->lineno));
}

static char *line_scratch(row_walk *w, size_t len)
{
    if (len > w->line_cap) {
        w->line_cap = len;
        w->line_scratch = xrealloc(w->line_scratch, len);
    }
    return w->line_scratch;
}

/* Walks the lines of text, the bytes of the file from offset base on,
 * calling w->fn on each after the header; rows fn rejects are counted.
 * Fields are unquoted into scratch at the line's own position (the rows
 * may keep pointing there), or, when scratch is NULL, into a buffer
 * reused for every line. */
static int each_row(row_walk *w, const char *text, size_t tlen, size_t base,
                    char *scratch, char *err, size_t errlen)
{
    size_t pos = 0;

    while (pos < tlen) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', tlen - pos);
        size_t len = nl ? (size_t)(nl - line) : tlen - pos;
        size_t at = (size_t)(line - text);
        csv_line l;
        int rc;

        pos += len + (nl ? 1 : 0);
        if (len && line[len - 1] == '\r')
            len--;
        w->lineno++;
        /* (a byte-order mark before the header, as some editors save) */
        if (w->lineno == 1 && len >= 3 &&
            memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            line += 3;
            len -= 3;
            at += 3;
        }
        if (len == 0)
            continue;
        rc = csv_split(line, len, scratch ? scratch + at : line_scratch(w, len),
                       &l);
        if (rc < 0) {
            if (!w->header_seen) {
                header_error(w, NULL, 0, rc, line, len, err, errlen);
                return -1;
            }
            skip_row(w);
            continue;
        }
        if (!w->header_seen) {
            if (header_mismatch(&l, w->header, w->ncols) >= 0) {
                header_error(w, &l, 0, 0, line, len, err, errlen);
                return -1;
            }
            w->header_seen = 1;
            continue;
        }
        if (l.n != w->ncols || !fields_sane(&l) ||
            w->fn(w->ctx, &l, line, base + at, len) < 0)
            skip_row(w);
    }
    return 0;
}

_Static_assert(DATE_MAX_AHEAD_DAYS == 31, "REPLAY_SKIPPED_WHY names 31");

/* Not past DATE_MAX_AHEAD_DAYS from today (date_plausible's bound):
 * ingestion refuses such a job's day, and a replay that held one would
 * wait for it for ever. (Days before 1970 are read, for the backtest:
 * the scheduler refuses a replay range that holds one.) */
static int day_ok(int32_t day)
{
    return day < 0 || date_plausible(day, (int32_t)(time(NULL) / 86400));
}

static int parse_news(const csv_line *l, replay_news *n)
{
    memset(n, 0, sizeof(*n));
    if (ticker_normalize(l->field[0], l->len[0], n->ticker) < 0 ||
        date_parse(l->field[2], l->len[2], &n->date) < 0 || !day_ok(n->date))
        return -1;
    n->title = l->field[3];
    n->title_len = l->len[3];
    n->summary = l->field[4];
    n->summary_len = l->len[4];
    n->news_type = l->field[5];
    n->news_type_len = l->len[5];
    return 0;
}

static int parse_bar(const csv_line *l, replay_bar *b)
{
    memset(b, 0, sizeof(*b));
    if (ticker_normalize(l->field[0], l->len[0], b->ticker) < 0 ||
        date_parse(l->field[1], l->len[1], &b->day) < 0 || !day_ok(b->day) ||
        parse_double(l->field[2], l->len[2], &b->open) < 0 ||
        parse_double(l->field[3], l->len[3], &b->high) < 0 ||
        parse_double(l->field[4], l->len[4], &b->low) < 0 ||
        parse_double(l->field[5], l->len[5], &b->close) < 0 ||
        parse_ll(l->field[6], l->len[6], &b->volume) < 0 ||
        pricebar_check(b->open, b->high, b->low, b->close, (double)b->volume) !=
            NULL ||
        !exchange_is_open(b->day)) /* a weekend or a holiday */
        return -1;
    return 0;
}

static int add_news(void *ctx, const csv_line *l, const char *line, size_t off,
                    size_t len)
{
    replay_data *r = ctx;
    replay_news *n;

    (void)off;
    if (r->nnews == r->news_cap) {
        r->news_cap = r->news_cap ? r->news_cap * 2 : 1024;
        r->news = xreallocarray(r->news, r->news_cap, sizeof(*r->news));
    }
    n = &r->news[r->nnews];
    if (parse_news(l, n) < 0)
        return -1;
    n->line = line;
    n->line_len = len;
    n->order = r->nnews;
    r->nnews++;
    return 0;
}

static int add_bar(void *ctx, const csv_line *l, const char *line, size_t off,
                   size_t len)
{
    replay_data *r = ctx;
    replay_bar *b;

    (void)off;
    if (r->nbars == r->bars_cap) {
        r->bars_cap = r->bars_cap ? r->bars_cap * 2 : 1024;
        r->bars = xreallocarray(r->bars, r->bars_cap, sizeof(*r->bars));
    }
    b = &r->bars[r->nbars];
    if (parse_bar(l, b) < 0)
        return -1;
    b->line = line;
    b->line_len = len;
    r->nbars++;
    return 0;
}

/* In n rows sorted by ticker, day and place in the file, a bar given
 * again for the same ticker and day replaces the earlier one (as the
 * database's upsert does); drops the earlier ones, counting them as
 * rejected rows, and returns how many rows are left. */
static size_t drop_earlier_bars(void *rows, size_t n, size_t size,
                                size_t ticker_at, size_t day_at,
                                size_t *rejected)
{
    char *v = rows;
    size_t out = 0;

    for (size_t i = 0; i < n; i++) {
        char *a = v + i * size, *b = v + (i + 1) * size;

        if (i + 1 < n && strcmp(a + ticker_at, b + ticker_at) == 0 &&
            memcmp(a + day_at, b + day_at, sizeof(int32_t)) == 0) {
            (*rejected)++;
            continue;
        }
        if (out != i)
            memcpy(v + out * size, a, size);
        out++;
    }
    return out;
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
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static const char *const news_hdr[] = {"ticker", "company", "date",
                                       "title",  "summary", "news_type"};
static const char *const price_hdr[] = {"ticker", "date",  "open",  "high",
                                        "low",    "close", "volume"};

/* Parses both texts, which r owns from here on. */
static int parse_texts(replay_data *r, size_t nlen, size_t plen,
                       const char *nname, const char *pname, char *err,
                       size_t errlen)
{
    row_walk nw, pw;

    walk_init(&nw, nname, news_hdr, 6, add_news, r, &r->rejected);
    walk_init(&pw, pname, price_hdr, 7, add_bar, r, &r->rejected);
    r->scratch = xmalloc(nlen + plen + 1);
    if (each_row(&nw, r->news_text, nlen, 0, r->scratch, err, errlen) < 0 ||
        walk_end(&nw, err, errlen) < 0 ||
        each_row(&pw, r->price_text, plen, 0, r->scratch + nlen, err, errlen) <
            0 ||
        walk_end(&pw, err, errlen) < 0)
        return -1;
    xqsort(r->news, r->nnews, sizeof(*r->news), cmp_news);
    xqsort(r->bars, r->nbars, sizeof(*r->bars), cmp_bar);
    r->nbars = drop_earlier_bars(r->bars, r->nbars, sizeof(*r->bars),
                                 offsetof(replay_bar, ticker),
                                 offsetof(replay_bar, day), &r->rejected);
    return 0;
}

/* The replay file at path, NUL-terminated (the caller frees), opened as
 * the index opens it: a regular file of at most REPLAY_MAX_FILE bytes (a
 * FIFO's read waited for ever). */
static char *read_whole(const char *path, size_t *len, char *err, size_t errlen)
{
    file_ro f;
    char *text;

    if (file_open(path, REPLAY_MAX_FILE, &f, err, errlen) < 0)
        return NULL;
    text = xmalloc(f.size + 1);
    if (file_read_at(&f, 0, text, f.size, err, errlen) < 0) {
        free(text);
        text = NULL;
    } else {
        text[f.size] = '\0';
        *len = f.size;
    }
    file_close(&f);
    return text;
}

int replay_load(const char *dir, replay_data *r, char *err, size_t errlen)
{
    char *npath = xasprintf("%s/%s", dir, REPLAY_NEWS_FILE);
    char *ppath = xasprintf("%s/%s", dir, REPLAY_PRICE_FILE);
    size_t nlen = 0, plen = 0;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    r->news_text = read_whole(npath, &nlen, err, errlen);
    if (!r->news_text)
        goto out;
    r->price_text = read_whole(ppath, &plen, err, errlen);
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

/* The index: while a file is walked, each accepted row is noted with
 * its ticker's name; the notes are then sorted and the names replaced
 * by their rank in the file's sorted list of tickers. */
typedef struct row_note {
    char ticker[TICKER_MAX];
    int32_t day;
    uint32_t off, len;
} row_note;

typedef struct note_list {
    row_note *v;
    size_t n, cap;
    int news; /* 1: rows of the news file */
} note_list;

_Static_assert(REPLAY_MAX_FILE <= UINT32_MAX, "offsets must fit 32 bits");

/* The file is indexed in pieces of this size, larger when a line is. */
#define REPLAY_CHUNK 65536

/* The least a read of rows brings in (file_bytes). */
#define REPLAY_WINDOW 4096

static int note_row(void *ctx, const csv_line *l, const char *line, size_t off,
                    size_t len)
{
    note_list *nl = ctx;
    row_note *o;

    (void)line;
    if (nl->n == nl->cap) {
        nl->cap = nl->cap ? nl->cap * 2 : 1024;
        nl->v = xreallocarray(nl->v, nl->cap, sizeof(*nl->v));
    }
    o = &nl->v[nl->n];
    if (nl->news) {
        replay_news n;

        if (parse_news(l, &n) < 0)
            return -1;
        memcpy(o->ticker, n.ticker, TICKER_MAX);
        o->day = n.date;
    } else {
        replay_bar b;

        if (parse_bar(l, &b) < 0)
            return -1;
        memcpy(o->ticker, b.ticker, TICKER_MAX);
        o->day = b.day;
    }
    o->off = (uint32_t)off;
    o->len = (uint32_t)len;
    nl->n++;
    return 0;
}

static int cmp_note(const void *a, const void *b)
{
    const row_note *x = a, *y = b;
    int c = strcmp(x->ticker, y->ticker);

    if (c)
        return c;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Reads f piece by piece through w; a piece ends at its last line end,
 * so that no line is split. */
static int walk_file(const file_ro *f, row_walk *w, char *err, size_t errlen)
{
    size_t cap = REPLAY_CHUNK, pos = 0;
    char *chunk = xmalloc(cap);
    int rc = -1;

    while (pos < f->size) {
        size_t want = f->size - pos < cap ? f->size - pos : cap;
        size_t use = want;

        if (file_read_at(f, pos, chunk, want, err, errlen) < 0)
            goto out;
        if (pos + want < f->size) {
            const char *nl = memrchr(chunk, '\n', want);

            if (!nl) {
                cap *= 2;
                chunk = xrealloc(chunk, cap);
                continue;
            }
            use = (size_t)(nl - chunk) + 1;
        }
        if (each_row(w, chunk, use, pos, NULL, err, errlen) < 0)
            goto out;
        pos += use;
    }
    rc = 0;
out:
    free(chunk);
    return rc;
}

/* 1 when note i starts a ticker of the sorted notes. */
static int new_ticker(const note_list *nl, size_t i)
{
    return i == 0 || strcmp(nl->v[i].ticker, nl->v[i - 1].ticker) != 0;
}

/* Turns the sorted notes into rf's ticker list and references. */
static void index_notes(replay_file *rf, const note_list *nl)
{
    size_t nt = 0;

    for (size_t i = 0; i < nl->n; i++)
        nt += (size_t)new_ticker(nl, i);
    rf->tickers = xcalloc(nt ? nt : 1, sizeof(*rf->tickers));
    rf->refs = xcalloc(nl->n ? nl->n : 1, sizeof(*rf->refs));
    rf->nrefs = nl->n;
    for (size_t i = 0; i < nl->n; i++) {
        const row_note *o = &nl->v[i];

        if (new_ticker(nl, i))
            memcpy(rf->tickers[rf->ntickers++], o->ticker, TICKER_MAX);
        rf->refs[i] =
            (replay_ref){o->off, o->len, o->day, (uint32_t)(rf->ntickers - 1)};
    }
}

static int index_file(replay_index *x, replay_file *rf, const char *path,
                      int news, char *err, size_t errlen)
{
    note_list nl = {NULL, 0, 0, news};
    row_walk w;
    int rc = -1;

    walk_init(&w, path, news ? news_hdr : price_hdr, news ? 6 : 7, note_row,
              &nl, &x->rejected);
    if (file_open(path, REPLAY_MAX_FILE, &rf->file, err, errlen) < 0 ||
        walk_file(&rf->file, &w, err, errlen) < 0 ||
        walk_end(&w, err, errlen) < 0)
        goto out;
    xqsort(nl.v, nl.n, sizeof(*nl.v), cmp_note);
    if (!news)
        nl.n = drop_earlier_bars(nl.v, nl.n, sizeof(*nl.v),
                                 offsetof(row_note, ticker),
                                 offsetof(row_note, day), &x->rejected);
    index_notes(rf, &nl);
    rc = 0;
out:
    free(nl.v);
    free(w.line_scratch);
    return rc;
}

static int accept_row(void *ctx, const csv_line *l, const char *line,
                      size_t off, size_t len)
{
    (void)ctx, (void)l, (void)line, (void)off, (void)len;
    return 0;
}

/* The header of the replay file f at path, as the loaders check it:
 * its first piece is walked (the rows in it are read, not kept). */
static int header_check(const file_ro *f, const char *path, int news, char *err,
                        size_t errlen)
{
    size_t n = f->size < REPLAY_CHUNK ? f->size : REPLAY_CHUNK, rejected = 0;
    char *text = xmalloc(n ? n : 1);
    row_walk w;
    int rc = -1;

    walk_init(&w, path, news ? news_hdr : price_hdr, news ? 6 : 7, accept_row,
              NULL, &rejected);
    if (file_read_at(f, 0, text, n, err, errlen) == 0) {
        const char *nl = n < f->size ? memrchr(text, '\n', n) : NULL;

        if (nl)
            n = (size_t)(nl - text) + 1;
        /* (no header in a first piece of blank lines only: the loaders
         * will tell) */
        rc = each_row(&w, text, n, 0, NULL, err, errlen) < 0 ||
                     (n == f->size && walk_end(&w, err, errlen) < 0)
                 ? -1
                 : 0;
    }
    free(w.line_scratch);
    free(text);
    return rc;
}

void replay_no_bars_msg(const char *dir, size_t rejected, char *err,
                        size_t errlen)
{
    snprintf(err, errlen,
             "%.200s/" REPLAY_PRICE_FILE " holds no readable price bar "
             "(%zu row%s of the replay files skipped as " REPLAY_SKIPPED_WHY
             ")",
             dir, rejected, rejected == 1 ? "" : "s");
}

int replay_dir_check(const char *dir, char *err, size_t errlen)
{
    static const char *const files[] = {REPLAY_NEWS_FILE, REPLAY_PRICE_FILE};
    struct stat st;

    if (!dir[0]) {
        snprintf(err, errlen,
                 "REPLAY_DIR is empty; set it to the folder of the replay "
                 "files (data/replay)");
        return -1;
    }
    const char *why = NULL;

    if (stat(dir, &st) < 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a folder";
    else if (access(dir, R_OK | X_OK) < 0)
        why = strerror(errno);
    if (why) {
        snprintf(err, errlen,
                 "REPLAY_DIR %.200s is not a readable folder (%s); set it to "
                 "the folder of the replay files (data/replay)",
                 dir, why);
        return -1;
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *path = xasprintf("%s/%s", dir, files[i]);
        char msg[512];
        file_ro f;
        int rc = file_open(path, REPLAY_MAX_FILE, &f, msg, sizeof(msg));

        if (rc == 0)
            rc = header_check(&f, path, i == 0, msg, sizeof(msg));
        file_close(&f);
        free(path);
        if (rc < 0) {
            snprintf(err, errlen,
                     "REPLAY_DIR does not hold the replay files: %s", msg);
            return -1;
        }
    }
    return 0;
}

int replay_index_open(const char *dir, replay_index *x, char *err,
                      size_t errlen)
{
    char *npath = xasprintf("%s/%s", dir, REPLAY_NEWS_FILE);
    char *ppath = xasprintf("%s/%s", dir, REPLAY_PRICE_FILE);
    int rc;

    memset(x, 0, sizeof(*x));
    x->news.file.fd = x->prices.file.fd = -1;
    rc = index_file(x, &x->news, npath, 1, err, errlen);
    if (rc == 0)
        rc = index_file(x, &x->prices, ppath, 0, err, errlen);
    if (rc < 0)
        replay_index_close(x);
    free(npath);
    free(ppath);
    return rc;
}

static void file_index_release(replay_file *rf)
{
    file_close(&rf->file);
    free(rf->tickers);
    free(rf->refs);
}

void replay_index_close(replay_index *x)
{
    file_index_release(&x->news);
    file_index_release(&x->prices);
    free(x->win);
    free(x->scratch);
    memset(x, 0, sizeof(*x));
    x->news.file.fd = x->prices.file.fd = -1;
}

static size_t ref_range(const replay_file *rf, const char *ticker, int32_t from,
                        int32_t to, size_t *first)
{
    size_t lo = 0, hi = rf->ntickers, end;
    uint32_t t;

    *first = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(rf->tickers[mid], ticker) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == rf->ntickers || strcmp(rf->tickers[lo], ticker) != 0)
        return 0;
    t = (uint32_t)lo;
    lo = 0;
    hi = rf->nrefs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const replay_ref *r = &rf->refs[mid];

        if (r->ticker < t || (r->ticker == t && r->day < from))
            lo = mid + 1;
        else
            hi = mid;
    }
    end = lo;
    while (end < rf->nrefs && rf->refs[end].ticker == t &&
           rf->refs[end].day <= to)
        end++;
    *first = lo;
    return end - lo;
}

size_t replay_index_news(const replay_index *x, const char *ticker,
                         int32_t from, int32_t to, size_t *first)
{
    return ref_range(&x->news, ticker, from, to, first);
}

size_t replay_index_bars(const replay_index *x, const char *ticker,
                         int32_t from, int32_t to, size_t *first)
{
    return ref_range(&x->prices, ticker, from, to, first);
}

/* Fails with a message: row i of rf no longer reads as indexed. The
 * window read is dropped: the file is not what it was. */
static int row_changed(replay_index *x, const replay_file *rf, size_t i,
                       char *err, size_t errlen)
{
    x->win_file = NULL;
    snprintf(err, errlen,
             "%s changed since it was loaded (the row at byte %u is not "
             "the one indexed); restart to load it again",
             rf->file.path, (unsigned)rf->refs[i].off);
    return -1;
}

/* 1 when a row read back has the ticker and day it was indexed with. */
static int row_matches(const replay_file *rf, size_t i, const char *ticker,
                       int32_t day)
{
    const replay_ref *r = &rf->refs[i];

    return strcmp(ticker, rf->tickers[r->ticker]) == 0 && day == r->day;
}

/* Bytes off..off+len of rf, from the window of the file x holds, which
 * is read first when they are not in it: a read brings in at least
 * REPLAY_WINDOW bytes, so that the rows of one query, which lie near
 * each other in the file, mostly take one read. */
static const char *file_bytes(replay_index *x, const replay_file *rf,
                              const replay_ref *r, char *err, size_t errlen)
{
    size_t want = REPLAY_WINDOW;

    if (x->win_file == rf && r->off >= x->win_off &&
        (size_t)r->off + r->len <= x->win_off + x->win_len)
        return x->win + (r->off - x->win_off);
    if (want < r->len)
        want = r->len;
    if (want > rf->file.size - r->off)
        want = rf->file.size - r->off;
    if (want > x->win_cap) {
        x->win_cap = want;
        x->win = xrealloc(x->win, want);
    }
    x->win_file = NULL;
    if (file_read_at(&rf->file, r->off, x->win, want, err, errlen) < 0)
        return NULL;
    x->win_file = rf;
    x->win_off = r->off;
    x->win_len = want;
    return x->win;
}

/* Reads reference i of rf back and splits it into l; *line gets its
 * bytes. A row that no longer reads as it did when indexed means the
 * file changed. */
static int read_row(replay_index *x, const replay_file *rf, size_t i, int ncols,
                    const char **line, csv_line *l, char *err, size_t errlen)
{
    const replay_ref *r = &rf->refs[i];

    if (r->len > x->scratch_cap) {
        x->scratch_cap = r->len;
        x->scratch = xrealloc(x->scratch, x->scratch_cap);
    }
    *line = file_bytes(x, rf, r, err, errlen);
    if (!*line)
        return -1;
    if (csv_split(*line, r->len, x->scratch, l) != ncols || !fields_sane(l))
        return row_changed(x, rf, i, err, errlen);
    return 0;
}

int replay_index_read_news(replay_index *x, size_t i, replay_news *out,
                           char *err, size_t errlen)
{
    const char *line;
    csv_line l;

    if (read_row(x, &x->news, i, 6, &line, &l, err, errlen) < 0)
        return -1;
    if (parse_news(&l, out) < 0 ||
        !row_matches(&x->news, i, out->ticker, out->date))
        return row_changed(x, &x->news, i, err, errlen);
    out->line = line;
    out->line_len = x->news.refs[i].len;
    out->order = i;
    return 0;
}

int replay_index_read_bar(replay_index *x, size_t i, replay_bar *out, char *err,
                          size_t errlen)
{
    const char *line;
    csv_line l;

    if (read_row(x, &x->prices, i, 7, &line, &l, err, errlen) < 0)
        return -1;
    if (parse_bar(&l, out) < 0 ||
        !row_matches(&x->prices, i, out->ticker, out->day))
        return row_changed(x, &x->prices, i, err, errlen);
    out->line = line;
    out->line_len = x->prices.refs[i].len;
    return 0;
}
