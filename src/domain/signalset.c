#include "domain/signalset.h"

#include "domain/docsignal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/event.h"
#include "domain/text.h"
#include "lib/sha256.h"
#include "lib/xalloc.h"

#define MAX_MENTIONS 64

/* A row with its content hash, for grouping rows into documents. */
typedef struct keyed_row {
    char hash[65];
    const signalset_row *row;
} keyed_row;

/* A document while it is being built. */
typedef struct work_doc {
    const signalset_row *row; /* the first row of the document */
    char *clean;
    size_t clean_len;
    uint32_t *feeds; /* traded tickers whose feed listed it, sorted */
    size_t nfeeds;
} work_doc;

/* A signal with the key it is ordered by. */
typedef struct keyed_signal {
    agg_signal s;
    signalset_meta m;
    const char *hash;
} keyed_signal;

double signalset_stored(double x, int decimals)
{
    char tmp[64];

    snprintf(tmp, sizeof(tmp), "%.*f", decimals, x);
    return strtod(tmp, NULL);
}

static void content_hash(const signalset_row *r, char out[65])
{
    sha256_ctx c;
    unsigned char d[32];
    char date[11];
    static const char hex[] = "0123456789abcdef";

    date_format(r->date, date);
    sha256_init(&c);
    sha256_update(&c, date, 10);
    sha256_update(&c, "\n", 1);
    sha256_update(&c, r->title, r->title_len);
    sha256_update(&c, "\n", 1);
    sha256_update(&c, r->summary, r->summary_len);
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

static int cmp_keyed_row(const void *a, const void *b)
{
    const keyed_row *x = a, *y = b;
    int c = strcmp(x->hash, y->hash);

    if (c)
        return c;
    return x->row->ticker < y->row->ticker ? -1
                                           : x->row->ticker > y->row->ticker;
}

/* A document's key for finding near-duplicates: ordered by clean text,
 * then (trading day, content hash), the first of each run of equal
 * texts is the original. */
typedef struct text_key {
    const char *clean;
    size_t len;
    int32_t session;
    const char *hash;
    uint32_t doc;
} text_key;

static int cmp_text_key(const void *a, const void *b)
{
    const text_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->clean, y->clean, n);

    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->session != y->session)
        return x->session < y->session ? -1 : 1;
    return strcmp(x->hash, y->hash);
}

static int cmp_keyed_signal(const void *a, const void *b)
{
    const keyed_signal *x = a, *y = b;

    if (x->s.day != y->s.day)
        return x->s.day < y->s.day ? -1 : 1;
    return strcmp(x->hash, y->hash);
}

/* Groups the rows into documents (ordered by content hash). */
static work_doc *make_docs(signalset *s, const signalset_row *rows,
                           size_t nrows, const calendar *cal)
{
    keyed_row *kr = xcalloc(nrows + 1, sizeof(*kr));
    work_doc *w = xcalloc(nrows + 1, sizeof(*w));
    size_t n = 0;

    for (size_t i = 0; i < nrows; i++) {
        if (calendar_session_for(cal, rows[i].date) < 0)
            continue;
        content_hash(&rows[i], kr[n].hash);
        kr[n++].row = &rows[i];
    }
    s->nrows = n;
    xqsort(kr, n, sizeof(*kr), cmp_keyed_row);
    s->docs = xcalloc(n + 1, sizeof(*s->docs));
    for (size_t i = 0; i < n; i++) {
        work_doc *d;

        if (i == 0 || strcmp(kr[i].hash, kr[i - 1].hash) != 0) {
            signalset_doc *sd = &s->docs[s->ndocs];

            memcpy(sd->hash, kr[i].hash, sizeof(sd->hash));
            sd->date = kr[i].row->date;
            sd->session = calendar_session_for(cal, sd->date);
            sd->original = (uint32_t)s->ndocs;
            w[s->ndocs].row = kr[i].row;
            w[s->ndocs].feeds = xcalloc(1, sizeof(uint32_t));
            s->ndocs++;
        }
        d = &w[s->ndocs - 1];
        if (d->nfeeds > 0 && d->feeds[d->nfeeds - 1] == kr[i].row->ticker)
            continue;
        d->feeds = xreallocarray(d->feeds, d->nfeeds + 1, sizeof(uint32_t));
        d->feeds[d->nfeeds++] = kr[i].row->ticker;
    }
    free(kr);
    return w;
}

/* Marks every document that repeats the clean text of an earlier one. */
static void mark_duplicates(signalset *s, work_doc *w)
{
    text_key *keys = xcalloc(s->ndocs + 1, sizeof(*keys));

    for (size_t i = 0; i < s->ndocs; i++) {
        const signalset_row *r = w[i].row;

        w[i].clean = text_clean_article(r->title, r->title_len, r->summary,
                                        r->summary_len, &w[i].clean_len);
        keys[i].clean = w[i].clean;
        keys[i].len = w[i].clean_len;
        keys[i].session = s->docs[i].session;
        keys[i].hash = s->docs[i].hash;
        keys[i].doc = (uint32_t)i;
    }
    xqsort(keys, s->ndocs, sizeof(*keys), cmp_text_key);
    for (size_t k = 1; k < s->ndocs; k++) {
        const text_key *a = &keys[k - 1], *b = &keys[k];

        if (a->len == b->len && memcmp(a->clean, b->clean, a->len) == 0) {
            s->docs[b->doc].original = s->docs[a->doc].original;
            s->nduplicates++;
        }
    }
    free(keys);
}

static int find_ticker(const char (*tickers)[TICKER_MAX], size_t n,
                       const char *t, uint32_t *out)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(tickers[mid], t);

        if (c == 0) {
            *out = (uint32_t)mid;
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int has_feed(const work_doc *d, uint32_t t)
{
    for (size_t i = 0; i < d->nfeeds; i++)
        if (d->feeds[i] == t)
            return 1;
    return 0;
}

static void add_signal(keyed_signal **ks, size_t *n, size_t *cap,
                       const keyed_signal *k)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *ks = xreallocarray(*ks, *cap, sizeof(**ks));
    }
    (*ks)[(*n)++] = *k;
}

/* The extractor's signal of the document for one ticker, as stored. */
static void per_ticker(docsignal_doc *dd, const sentiment_model *m,
                       const char *ticker, keyed_signal *sig)
{
    docsignal ds;

    docsignal_for(dd, m, ticker, &ds);
    sig->s.sentiment = signalset_stored(ds.sentiment.score, 6);
    sig->s.confidence = signalset_stored(ds.sentiment.confidence, 6);
    sig->s.relevance = signalset_stored(ds.relevance, 2);
    sig->m.label = (uint8_t)ds.sentiment.label;
    sig->m.event = (uint8_t)ds.event;
}

/* The signals of one document, added to each ticker's list. */
static void extract_doc(signalset *s, const work_doc *d, uint32_t di,
                        const char (*tickers)[TICKER_MAX],
                        const mention_index *idx, const sentiment_model *m,
                        keyed_signal **ks, size_t *nks, size_t *caps)
{
    char found[MAX_MENTIONS][TICKER_MAX];
    size_t k = mention_find(idx, d->clean, d->clean_len, found, MAX_MENTIONS);
    size_t nmention = 0;
    docsignal_doc dd;
    keyed_signal sig;

    for (size_t j = 0; j < k; j++) {
        uint32_t t;

        if (find_ticker(tickers, s->ntickers, found[j], &t) == 0 &&
            has_feed(d, t))
            continue;
        nmention++;
    }
    s->nfeed_tags += d->nfeeds;
    s->nmention_tags += nmention;
    if (s->docs[di].original != di)
        return;

    docsignal_doc_init(&dd, idx, d->clean, d->clean_len,
                       docsignal_title_len(d->row->title, d->row->title_len,
                                           d->clean, d->clean_len));
    memset(&sig, 0, sizeof(sig));
    sig.s.day = s->docs[di].session;
    sig.m.doc = di;
    sig.hash = s->docs[di].hash;
    for (size_t i = 0; i < d->nfeeds; i++) {
        per_ticker(&dd, m, tickers[d->feeds[i]], &sig);
        sig.m.feed = 1;
        add_signal(&ks[d->feeds[i]], &nks[d->feeds[i]], &caps[d->feeds[i]],
                   &sig);
    }
    for (size_t j = 0; j < k; j++) {
        uint32_t t;

        if (find_ticker(tickers, s->ntickers, found[j], &t) < 0 ||
            has_feed(d, t))
            continue;
        per_ticker(&dd, m, tickers[t], &sig);
        sig.m.feed = 0;
        add_signal(&ks[t], &nks[t], &caps[t], &sig);
    }
}

void signalset_build(signalset *s, const signalset_row *rows, size_t nrows,
                     const char (*tickers)[TICKER_MAX], size_t ntickers,
                     const mention_index *idx, const sentiment_model *m,
                     const calendar *cal)
{
    work_doc *w;
    keyed_signal **ks = xcalloc(ntickers + 1, sizeof(*ks));
    size_t *nks = xcalloc(ntickers + 1, sizeof(*nks));
    size_t *caps = xcalloc(ntickers + 1, sizeof(*caps));

    memset(s, 0, sizeof(*s));
    s->ntickers = ntickers;
    s->relevance_feed = signalset_stored(SIGNALSET_RELEVANCE_FEED, 2);
    s->relevance_mention = signalset_stored(SIGNALSET_RELEVANCE_MENTION, 2);
    w = make_docs(s, rows, nrows, cal);
    mark_duplicates(s, w);
    for (size_t i = 0; i < s->ndocs; i++)
        extract_doc(s, &w[i], (uint32_t)i, tickers, idx, m, ks, nks, caps);

    s->sig = xcalloc(ntickers + 1, sizeof(*s->sig));
    s->meta = xcalloc(ntickers + 1, sizeof(*s->meta));
    s->nsig = xcalloc(ntickers + 1, sizeof(*s->nsig));
    for (size_t t = 0; t < ntickers; t++) {
        if (nks[t] > 1)
            xqsort(ks[t], nks[t], sizeof(*ks[t]), cmp_keyed_signal);
        s->sig[t] = xcalloc(nks[t] + 1, sizeof(agg_signal));
        s->meta[t] = xcalloc(nks[t] + 1, sizeof(signalset_meta));
        for (size_t i = 0; i < nks[t]; i++) {
            s->sig[t][i] = ks[t][i].s;
            s->meta[t][i] = ks[t][i].m;
        }
        s->nsig[t] = nks[t];
        s->nsignals += nks[t];
        free(ks[t]);
    }
    for (size_t i = 0; i < s->ndocs; i++) {
        free(w[i].clean);
        free(w[i].feeds);
    }
    free(w);
    free(ks);
    free(nks);
    free(caps);
}

void signalset_release(signalset *s)
{
    for (size_t t = 0; s->sig && t < s->ntickers; t++) {
        free(s->sig[t]);
        free(s->meta[t]);
    }
    free(s->sig);
    free(s->meta);
    free(s->nsig);
    free(s->docs);
    memset(s, 0, sizeof(*s));
}
