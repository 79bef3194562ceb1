/*
 * The backtest's inputs: settings, the watchlist, the replay files and
 * the model, turned into what domain/backtest.h runs on. The choices of
 * which rows count mirror the services: ingestion's feeds (a ticker and
 * its '$' aliases), its first news day (the day after the session
 * before the first traded one), the parser's registry (every watchlist
 * ticker and alias), and price bars up to the last session only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/xalloc.h"
#include "services/backtest.h"
#include "services/watchlist.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bt_options_default(bt_options *o, char *err, size_t errlen)
{
    config c;
    int rc = -1;

    memset(o, 0, sizeof(*o));
    if (config_load(&c, err, errlen) < 0)
        return -1;
    backtest_params_default(&o->params);
    o->data_dir = xstrdup(c.replay_dir);
    o->watchlist = xstrdup(c.watchlist_file);
    o->model_path = xstrdup(c.model_path);
    o->out_dir = xstrdup("var/backtest");
    o->null_runs = 10;
    o->seed = 1;
    if (date_parse(c.replay_start, strlen(c.replay_start), &o->from) < 0 ||
        date_parse(c.replay_end, strlen(c.replay_end), &o->to) < 0) {
        snprintf(err, errlen, "REPLAY_START and REPLAY_END must be dates");
        goto out;
    }
    if (money_parse(c.starting_cash, strlen(c.starting_cash),
                    &o->params.starting_cash) < 0 ||
        o->params.starting_cash <= 0) {
        snprintf(err, errlen, "STARTING_CASH must be positive dollars, got %s",
                 c.starting_cash);
        goto out;
    }
    o->params.slippage_bps = c.paper_slippage_bps;
    o->params.commission_order = c.paper_commission_cents;
    if (c.replay_tickers[0] &&
        bt_options_tickers(o, c.replay_tickers, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    config_release(&c);
    return rc;
}

void bt_options_release(bt_options *o)
{
    ticker_list_free(o->tickers, o->ntickers);
    free(o->data_dir);
    free(o->watchlist);
    free(o->model_path);
    free(o->out_dir);
    memset(o, 0, sizeof(*o));
}

int bt_options_tickers(bt_options *o, const char *list, char *err,
                       size_t errlen)
{
    char bad[24];

    ticker_list_free(o->tickers, o->ntickers);
    if (ticker_list_parse(list, &o->tickers, &o->ntickers, bad) < 0) {
        snprintf(err, errlen, "invalid ticker '%s'", bad);
        return -1;
    }
    if (o->ntickers == 0) {
        snprintf(err, errlen, "the ticker list is empty");
        return -1;
    }
    return 0;
}

/* The watchlist, read as `stonks seed` reads it (services/watchlist.h),
 * each symbol's aliases kept '|'-separated with "$" before the
 * alternative tickers. */
static int load_watchlist(bt_world *w, const char *path, char *err,
                          size_t errlen)
{
    watchlist_entry *rows = NULL;
    long n = watchlist_load(path, &rows, err, errlen);

    if (n < 0)
        return -1;
    w->symbols = xreallocarray(NULL, (size_t)n, sizeof(*w->symbols));
    for (long i = 0; i < n; i++) {
        const reg_symbol *r = &rows[i].s;
        bt_symbol *s = &w->symbols[w->nsymbols++];
        buf b;

        memset(s, 0, sizeof(*s));
        snprintf(s->ticker, sizeof(s->ticker), "%s", r->ticker);
        snprintf(s->sector, sizeof(s->sector), "%s", r->sector);
        buf_init(&b);
        for (size_t k = 0; k < r->naliases; k++)
            buf_addf(&b, "%s%s", b.len ? "|" : "", r->aliases[k]);
        for (size_t k = 0; k < r->nalt; k++)
            buf_addf(&b, "%s$%s", b.len ? "|" : "", r->alt[k]);
        s->aliases = b.len ? buf_detach(&b, NULL) : xstrdup("");
        buf_release(&b);
    }
    watchlist_free(rows, n);
    return 0;
}

static const bt_symbol *find_symbol(const bt_world *w, const char *ticker)
{
    for (size_t i = 0; i < w->nsymbols; i++)
        if (strcmp(w->symbols[i].ticker, ticker) == 0)
            return &w->symbols[i];
    return NULL;
}

/* Calls fn for each alias of s: ticker aliases ("$GOOG") in canonical
 * form with is_ticker 1, names as written. */
static void each_alias(const bt_symbol *s,
                       void (*fn)(void *ctx, const bt_symbol *s,
                                  const char *alias, int is_ticker),
                       void *ctx)
{
    char *copy = xstrdup(s->aliases), *save = NULL;

    for (char *a = strtok_r(copy, "|", &save); a;
         a = strtok_r(NULL, "|", &save)) {
        char norm[TICKER_MAX];

        if (a[0] != '$')
            fn(ctx, s, a, 0);
        else if (ticker_normalize(a + 1, strlen(a + 1), norm) == 0)
            fn(ctx, s, norm, 1);
    }
    free(copy);
}

static void index_alias(void *ctx, const bt_symbol *s, const char *alias,
                        int is_ticker)
{
    (void)is_ticker;
    mention_index_add_alias(ctx, s->ticker, alias);
}

typedef struct feed_list {
    const char *feeds[REG_MAX_FEEDS];
    char store[REG_MAX_FEEDS][TICKER_MAX];
    size_t n;
} feed_list;

static void feed_alias(void *ctx, const bt_symbol *s, const char *alias,
                       int is_ticker)
{
    feed_list *f = ctx;

    (void)s;
    if (!is_ticker || f->n == REG_MAX_FEEDS)
        return;
    snprintf(f->store[f->n], TICKER_MAX, "%s", alias);
    f->feeds[f->n] = f->store[f->n];
    f->n++;
}

typedef struct alt_owner {
    const char *alt;
    const bt_symbol *owner;
} alt_owner;

static void owner_alias(void *ctx, const bt_symbol *s, const char *alias,
                        int is_ticker)
{
    alt_owner *a = ctx;

    if (is_ticker && !a->owner && strcmp(alias, a->alt) == 0)
        a->owner = s;
}

/* The symbol of the watchlist a ticker given by the user stands for:
 * itself, or the symbol it is an alternative ticker of ("GOOG" is
 * GOOGL, as the registry reads it, symbols_resolve); NULL when none. */
static const bt_symbol *resolve_symbol(const bt_world *w, const char *ticker)
{
    alt_owner a = {ticker, find_symbol(w, ticker)};

    for (size_t i = 0; !a.owner && i < w->nsymbols; i++)
        each_alias(&w->symbols[i], owner_alias, &a);
    return a.owner;
}

static int cmp_ticker(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int choose_tickers(bt_world *w, const bt_options *o, char *err,
                          size_t errlen)
{
    size_t n = o->tickers ? o->ntickers : w->nsymbols;

    w->tickers = xcalloc(n + 1, sizeof(*w->tickers));
    for (size_t i = 0; i < n; i++) {
        const char *t = o->tickers ? o->tickers[i] : w->symbols[i].ticker;
        const bt_symbol *s = resolve_symbol(w, t);

        if (!s) {
            snprintf(err, errlen,
                     "ticker %s is not on the watchlist (%s), as a symbol "
                     "or an alternative ticker",
                     t, o->watchlist);
            return -1;
        }
        snprintf(w->tickers[i], TICKER_MAX, "%s", s->ticker);
    }
    xqsort(w->tickers, n, TICKER_MAX, cmp_ticker);
    for (size_t i = 0; i < n; i++)
        if (w->ntickers == 0 ||
            strcmp(w->tickers[w->ntickers - 1], w->tickers[i]) != 0)
            memmove(w->tickers[w->ntickers++], w->tickers[i], TICKER_MAX);
    if (w->ntickers == 0) {
        snprintf(err, errlen, "no tickers to trade");
        return -1;
    }
    return 0;
}

static int choose_sessions(bt_world *w, const bt_options *o, char *err,
                           size_t errlen)
{
    int32_t first;
    size_t n;

    if (w->replay.nbars == 0) {
        replay_no_bars_msg(o->data_dir, w->replay.rejected, err, errlen);
        return -1;
    }
    for (size_t i = 0; i < w->replay.nbars; i++)
        calendar_add(&w->cal, w->replay.bars[i].day);
    calendar_finish(&w->cal);
    n = calendar_range(&w->cal, o->from, o->to, NULL, 0);
    if (n == 0) {
        char a[11], b[11];

        date_format(o->from, a);
        date_format(o->to, b);
        snprintf(err, errlen, "no trading day with price bars in %s..%s", a, b);
        return -1;
    }
    w->sessions = xcalloc(n, sizeof(*w->sessions));
    w->nsessions = calendar_range(&w->cal, o->from, o->to, w->sessions, n);
    first = calendar_prev(&w->cal, w->sessions[0]);
    w->news_from = (first >= 0 ? first + 1 : w->sessions[0]) - o->warmup_days;
    w->news_last = -1;
    for (size_t i = 0; i < w->replay.nnews; i++)
        if (w->replay.news[i].date > w->news_last)
            w->news_last = w->replay.news[i].date;
    return 0;
}

/* Every traded ticker has a price bar in the sessions, else there is
 * nothing to trade it at. */
static int tickers_have_bars(bt_world *w, const bt_options *o, char *err,
                             size_t errlen)
{
    for (size_t t = 0; t < w->ntickers; t++) {
        const replay_bar *rb;
        char a[11], b[11];

        if (replay_bars_range(&w->replay, w->tickers[t], w->sessions[0],
                              w->sessions[w->nsessions - 1], &rb) > 0)
            continue;
        snprintf(err, errlen,
                 "no price bars for %s in %s..%s (in %s/%s): add them, or "
                 "name the tickers to test without it (--tickers)",
                 w->tickers[t], bt_day(w->sessions[0], a),
                 bt_day(w->sessions[w->nsessions - 1], b), o->data_dir,
                 REPLAY_PRICE_FILE);
        return -1;
    }
    return 0;
}

/* The news rows of the traded tickers' feeds, and the signals. */
static int build_signals(bt_world *w, const bt_options *o, char *err,
                         size_t errlen)
{
    int32_t last = w->sessions[w->nsessions - 1];
    mention_index *idx = mention_index_new();
    sentiment_model *m = sentiment_model_load(o->model_path, err, errlen);
    signalset_row *rows = NULL;
    size_t nrows = 0, cap = 0;

    if (!m) {
        mention_index_free(idx);
        return -1;
    }
    for (size_t i = 0; i < w->nsymbols; i++) {
        mention_index_add_ticker(idx, w->symbols[i].ticker);
        each_alias(&w->symbols[i], index_alias, idx);
    }
    for (size_t t = 0; t < w->ntickers; t++) {
        feed_list f = {.feeds = {w->tickers[t]}, .n = 1};

        each_alias(find_symbol(w, w->tickers[t]), feed_alias, &f);
        for (size_t k = 0; k < f.n; k++) {
            const replay_news *news;
            size_t n = replay_news_range(&w->replay, f.feeds[k], w->news_from,
                                         last, &news);

            for (size_t i = 0; i < n; i++) {
                if (nrows == cap) {
                    cap = cap ? cap * 2 : 1024;
                    rows = xreallocarray(rows, cap, sizeof(*rows));
                }
                rows[nrows].ticker = (uint32_t)t;
                rows[nrows].date = news[i].date;
                rows[nrows].title = news[i].title;
                rows[nrows].title_len = news[i].title_len;
                rows[nrows].summary = news[i].summary;
                rows[nrows].summary_len = news[i].summary_len;
                nrows++;
            }
        }
    }
    signalset_build(&w->sigs, rows, nrows,
                    (const char(*)[TICKER_MAX])w->tickers, w->ntickers, idx, m,
                    &w->cal);
    free(rows);
    sentiment_model_free(m);
    mention_index_free(idx);
    return 0;
}

/* A price as the services read it back from PostgreSQL: the shortest
 * text that reads back as the same double (how PostgreSQL prints a
 * double precision), parsed as the decimal it shows. */
static int price_cents(double x, cents *out)
{
    char tmp[40];

    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*g", p, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    return money_from_text(tmp, out);
}

/* Each traded ticker's bars up to the last session, as the aggregation
 * (doubles) and the paper broker (cents) read them. */
static void build_tickers(bt_world *w)
{
    int32_t last = w->sessions[w->nsessions - 1];

    w->bt = xcalloc(w->ntickers + 1, sizeof(*w->bt));
    w->bars = xcalloc(w->ntickers + 1, sizeof(*w->bars));
    w->fbars = xcalloc(w->ntickers + 1, sizeof(*w->fbars));
    for (size_t t = 0; t < w->ntickers; t++) {
        backtest_ticker *bt = &w->bt[t];
        const replay_bar *rb;
        size_t n = replay_bars_range(&w->replay, w->tickers[t], INT32_MIN / 2,
                                     last, &rb);
        size_t k = 0;

        snprintf(bt->ticker, sizeof(bt->ticker), "%s", w->tickers[t]);
        snprintf(bt->sector, sizeof(bt->sector), "%s",
                 find_symbol(w, w->tickers[t])->sector);
        w->bars[t] = xcalloc(n + 1, sizeof(agg_bar));
        w->fbars[t] = xcalloc(n + 1, sizeof(fill_bar));
        for (size_t i = 0; i < n; i++) {
            fill_bar *f = &w->fbars[t][k];

            if (price_cents(rb[i].open, &f->open) < 0 ||
                price_cents(rb[i].high, &f->high) < 0 ||
                price_cents(rb[i].low, &f->low) < 0 ||
                price_cents(rb[i].close, &f->close) < 0)
                continue;
            f->day = rb[i].day;
            w->bars[t][k].day = rb[i].day;
            w->bars[t][k].close = rb[i].close;
            w->bars[t][k].volume = (double)rb[i].volume;
            k++;
        }
        bt->bars = w->bars[t];
        bt->fbars = w->fbars[t];
        bt->nbars = k;
        bt->sig = w->sigs.sig[t];
        bt->nsig = w->sigs.nsig[t];
        w->nbars += k;
    }
}

int bt_options_range_ok(const bt_options *o, char *err, size_t errlen)
{
    char f[11], t[11];

    if (o->from <= o->to)
        return 0;
    date_format(o->from, f);
    date_format(o->to, t);
    snprintf(err, errlen,
             "--from %s is after --to %s (--to defaults to REPLAY_END, "
             "--from to REPLAY_START)",
             f, t);
    return -1;
}

int bt_world_load(bt_world *w, const bt_options *o, char *err, size_t errlen)
{
    double t0 = now_s();

    memset(w, 0, sizeof(*w));
    calendar_init(&w->cal);
    if (bt_options_range_ok(o, err, errlen) < 0)
        return -1;
    if (load_watchlist(w, o->watchlist, err, errlen) < 0 ||
        replay_load(o->data_dir, &w->replay, err, errlen) < 0)
        return -1;
    if (choose_tickers(w, o, err, errlen) < 0 ||
        choose_sessions(w, o, err, errlen) < 0 ||
        tickers_have_bars(w, o, err, errlen) < 0)
        return -1;
    w->load_seconds = now_s() - t0;
    t0 = now_s();
    if (build_signals(w, o, err, errlen) < 0)
        return -1;
    build_tickers(w);
    w->signal_seconds = now_s() - t0;
    return 0;
}

void bt_world_release(bt_world *w)
{
    for (size_t i = 0; i < w->nsymbols; i++)
        free(w->symbols[i].aliases);
    free(w->symbols);
    for (size_t t = 0; w->bars && t < w->ntickers; t++) {
        free(w->bars[t]);
        free(w->fbars[t]);
    }
    free(w->bars);
    free(w->fbars);
    free(w->bt);
    free(w->tickers);
    free(w->sessions);
    signalset_release(&w->sigs);
    calendar_release(&w->cal);
    replay_release(&w->replay);
    memset(w, 0, sizeof(*w));
}
