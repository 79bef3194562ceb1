/*
 * The backtest's text report and CSV files. Every figure is printed
 * with a fixed format, and nothing depends on the clock or the machine,
 * so the same inputs give the same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "domain/date.h"
#include "domain/event.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "services/backtest.h"

#define MAX_CODES 24

const char *bt_s(size_t n)
{
    return n == 1 ? "" : "s";
}

const char *bt_pct(double x, char out[32])
{
    if (isnan(x))
        snprintf(out, 32, "n/a");
    else
        snprintf(out, 32, "%+.2f%%", x * 100.0);
    return out;
}

const char *bt_ratio(double x, char out[32])
{
    if (isnan(x))
        snprintf(out, 32, "n/a");
    else
        snprintf(out, 32, "%.2f", x);
    return out;
}

const char *bt_usd(cents c, char out[32])
{
    char m[MONEY_FMT_MAX];

    money_format(c < 0 ? -c : c, m);
    snprintf(out, 32, "%s$%s", c < 0 ? "-" : "", m);
    return out;
}

const char *bt_day(int32_t day, char out[11])
{
    date_format(day, out);
    return out;
}

int32_t bt_point_day(const bt_world *w, size_t i)
{
    return w->sessions[i > 0 ? i - 1 : 0];
}

double bt_metric_value(const perf_summary *s, size_t offset)
{
    return *(const double *)((const char *)s + offset);
}

double bt_null_median(const bt_outcome *out, size_t offset)
{
    double *v = xcalloc(out->nnull + 1, sizeof(*v));
    size_t n = 0;
    double m = NAN;

    for (size_t k = 0; k < out->nnull; k++) {
        double x = bt_metric_value(&out->null_perf[k], offset);

        if (!isnan(x))
            v[n++] = x;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];

            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    if (n > 0)
        m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    free(v);
    return m;
}

static const char *times_fmt(double x, char out[32])
{
    if (isnan(x))
        snprintf(out, 32, "n/a");
    else
        snprintf(out, 32, "%.2fx", x);
    return out;
}

static const char *plain_pct(double x, char out[32])
{
    if (isnan(x))
        snprintf(out, 32, "n/a");
    else
        snprintf(out, 32, "%.1f%%", x * 100.0);
    return out;
}

static const char *neg_pct(double x, char out[32])
{
    return bt_pct(isnan(x) ? x : x > 0 ? -x : 0.0, out);
}

#define PERF_AT(field) offsetof(perf_summary, field)

const bt_metric bt_metrics[] = {
    {"total return", PERF_AT(total), bt_pct, 0},
    {"annualised return", PERF_AT(annualised), bt_pct, 0},
    {"volatility (annualised)", PERF_AT(volatility), plain_pct, 0},
    {"Sharpe ratio", PERF_AT(sharpe), bt_ratio, 0},
    {"Sortino ratio", PERF_AT(sortino), bt_ratio, 0},
    {"max drawdown", PERF_AT(dd.depth), neg_pct, 1},
    {"turnover (per year)", PERF_AT(turnover), times_fmt, 0},
    {"hit rate", PERF_AT(hit_rate), plain_pct, 0},
    {"best day", PERF_AT(best_day), bt_pct, 0},
    {"worst day", PERF_AT(worst_day), bt_pct, 0},
};

const size_t bt_nmetrics = sizeof(bt_metrics) / sizeof(bt_metrics[0]);

/* The width of the table's value columns: 12, or the widest dollar
 * figure of print_costs, so that a large account's columns stay apart.
 */
static int column_width(const bt_outcome *out)
{
    const backtest_result *r[] = {&out->main, &out->hold};
    int w = 12;
    char x[32];

    for (size_t i = 0; i < 2; i++) {
        cents v[] = {r[i]->commissions, r[i]->slippage,
                     r[i]->ndays ? r[i]->days[r[i]->ndays - 1].equity : 0};

        for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
            if ((int)strlen(bt_usd(v[k], x)) > w)
                w = (int)strlen(x);
    }
    return w;
}

static void metric_row(FILE *f, const bt_outcome *out, const bt_metric *m,
                       int cw)
{
    char a[32], b[32], c[32];

    fprintf(f, "  %-26s %*s %*s %*s\n", m->name, cw,
            m->fmt(bt_metric_value(&out->main_perf, m->offset), a), cw,
            m->fmt(bt_metric_value(&out->hold_perf, m->offset), b), cw,
            out->nnull ? m->fmt(bt_null_median(out, m->offset), c) : "-");
}

/* The denials by rule code, counted. */
typedef struct code_count {
    char code[RISK_CODE_MAX];
    size_t n;
} code_count;

static size_t count_codes(const backtest_result *r, code_count *cc)
{
    size_t n = 0;

    for (size_t i = 0; i < r->ndec; i++) {
        char copy[sizeof(r->dec[i].codes)], *save = NULL;

        snprintf(copy, sizeof(copy), "%s", r->dec[i].codes);
        for (char *c = strtok_r(copy, ",", &save); c;
             c = strtok_r(NULL, ",", &save)) {
            size_t k = 0;

            while (k < n && strcmp(cc[k].code, c) != 0)
                k++;
            if (k == n && n == MAX_CODES)
                continue;
            if (k == n) {
                snprintf(cc[n].code, RISK_CODE_MAX, "%s", c);
                cc[n++].n = 0;
            }
            cc[k].n++;
        }
    }
    return n;
}

static void print_drawdown(FILE *f, const bt_world *w, const bt_outcome *out,
                           int cw)
{
    const perf_drawdown *a = &out->main_perf.dd, *b = &out->hold_perf.dd;
    char x[11], y[11];

    fprintf(f, "    %-24s %*s %*s\n", "peak", cw,
            a->depth > 0 ? bt_day(bt_point_day(w, a->peak), x) : "-", cw,
            b->depth > 0 ? bt_day(bt_point_day(w, b->peak), y) : "-");
    fprintf(f, "    %-24s %*s %*s\n", "trough", cw,
            a->depth > 0 ? bt_day(bt_point_day(w, a->trough), x) : "-", cw,
            b->depth > 0 ? bt_day(bt_point_day(w, b->trough), y) : "-");
    fprintf(f, "    %-24s %*s %*s\n", "back at the peak", cw,
            a->recovered   ? bt_day(bt_point_day(w, a->recovery), x)
            : a->depth > 0 ? "not yet"
                           : "-",
            cw,
            b->recovered   ? bt_day(bt_point_day(w, b->recovery), y)
            : b->depth > 0 ? "not yet"
                           : "-");
}

static void print_costs(FILE *f, const bt_outcome *out, int cw)
{
    const backtest_result *a = &out->main, *b = &out->hold;
    char x[32], y[32];

    fprintf(f, "  %-26s %*zu %*zu\n", "trades (fills)", cw, a->nfills, cw,
            b->nfills);
    fprintf(f, "  %-26s %*s %*s\n", "commissions paid", cw,
            bt_usd(a->commissions, x), cw, bt_usd(b->commissions, y));
    fprintf(f, "  %-26s %*s %*s\n", "slippage paid", cw, bt_usd(a->slippage, x),
            cw, bt_usd(b->slippage, y));
    fprintf(f, "  %-26s %*s %*s\n", "final equity", cw,
            bt_usd(a->ndays ? a->days[a->ndays - 1].equity : 0, x), cw,
            bt_usd(b->ndays ? b->days[b->ndays - 1].equity : 0, y));
}

static void print_orders(FILE *f, const bt_outcome *out)
{
    const backtest_result *r = &out->main;
    code_count cc[MAX_CODES];
    size_t n = count_codes(r, cc);
    char d[11];

    fprintf(f,
            "\n  decisions: %zu changed recommendations, %zu orders, %zu "
            "denied by the risk rules;\n  %zu orders expired unfilled (a "
            "buy's limit not reached, or no bar), %zu still open at the "
            "end\n",
            r->ndec, r->ordered, r->denied, r->expired, r->open_at_end);
    if (n > 0) {
        fprintf(f, "  denials by rule:");
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s %s %zu", i ? "," : "", cc[i].code, cc[i].n);
        fprintf(f, "\n");
    }
    if (r->kill_switch)
        fprintf(f,
                "  kill switch: tripped on %s by the drawdown limit; no "
                "order passed after it\n",
                bt_day(r->kill_day, d));
    else
        fprintf(f, "  kill switch: never tripped\n");
}

static void print_null(FILE *f, const bt_options *o, const bt_outcome *out)
{
    char a[32], b[32], c[32], d[32];
    double lo = NAN, hi = NAN;

    if (out->nnull == 0) {
        fprintf(f, "  null model: not run (--null-runs 0)\n");
        return;
    }
    for (size_t k = 0; k < out->nnull; k++) {
        double t = out->null_perf[k].total;

        if (k == 0 || t < lo)
            lo = t;
        if (k == 0 || t > hi)
            hi = t;
    }
    fprintf(f,
            "  null model: the strategy on shuffled sentiment, %zu run%s "
            "(seeds %llu..%llu):\n    total return median %s, from %s to "
            "%s; the strategy's %s beats %zu of %zu\n",
            out->nnull, bt_s(out->nnull), (unsigned long long)o->seed,
            (unsigned long long)(o->seed + out->nnull - 1),
            bt_pct(out->null_total_median, a), bt_pct(lo, b), bt_pct(hi, c),
            bt_pct(out->main_perf.total, d), out->null_beaten, out->nnull);
}

typedef struct ranked {
    cents c;
    size_t i;
} ranked;

/* Best first; ties by ticker. */
static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;

    if (x->c != y->c)
        return x->c > y->c ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

size_t *bt_contribution_order(const backtest_result *r)
{
    ranked *rk = xcalloc(r->ntickers + 1, sizeof(*rk));
    size_t *idx = xcalloc(r->ntickers + 1, sizeof(*idx));

    for (size_t i = 0; i < r->ntickers; i++) {
        rk[i].c = r->contribution[i];
        rk[i].i = i;
    }
    xqsort(rk, r->ntickers, sizeof(*rk), cmp_ranked);
    for (size_t i = 0; i < r->ntickers; i++)
        idx[i] = rk[i].i;
    free(rk);
    return idx;
}

/* The three tickers that gained most and the three that lost most; a
 * ticker that did neither is in neither list. */
static void print_contributors(FILE *f, const bt_world *w,
                               const bt_outcome *out)
{
    size_t *idx = bt_contribution_order(&out->main);
    const cents *c = out->main.contribution;
    size_t n = 0;
    char x[32];

    fprintf(f, "  best tickers:");
    for (size_t i = 0; i < w->ntickers && n < 3 && c[idx[i]] > 0; i++, n++)
        fprintf(f, "%s %s %s", n ? "," : "", w->tickers[idx[i]],
                bt_usd(c[idx[i]], x));
    fprintf(f, "%s\n  worst tickers:", n ? "" : " none gained");
    n = 0;
    for (size_t i = w->ntickers; i > 0 && n < 3 && c[idx[i - 1]] < 0; i--, n++)
        fprintf(f, "%s %s %s", n ? "," : "", w->tickers[idx[i - 1]],
                bt_usd(c[idx[i - 1]], x));
    fprintf(f, "%s\n", n ? "" : " none lost");
    free(idx);
}

/* A line when the last sessions come after the news file's last day:
 * the strategy can only hold there, which a reader should not take
 * for its judgement. */
static void news_note(FILE *f, const bt_world *w)
{
    size_t after = 0;
    char d[11];

    while (after < w->nsessions &&
           w->sessions[w->nsessions - 1 - after] > w->news_last)
        after++;
    if (after == 0)
        return;
    if (w->news_last < 0)
        fprintf(f, "  note: the news file holds no rows: no session has news "
                   "to trade on\n");
    else
        fprintf(f,
                "  note: the news file ends %s: the last %zu session%s "
                "%s no news to trade on\n",
                bt_day(w->news_last, d), after, bt_s(after),
                after == 1 ? "has" : "have");
}

/* Sessions further apart than this many calendar days are a gap in
 * the price file (the longest closure of the exchange since 1933 was
 * four sessions). */
#define GAP_NOTE_DAYS 14

/* A line for the longest gap between two sessions, when there is one:
 * the figures run across it as if no time had passed, and annualising
 * counts sessions, so a reader should know. */
static void gap_note(FILE *f, const bt_world *w)
{
    size_t at = 0;
    int32_t longest = 0;
    char a[11], b[11];

    for (size_t i = 1; i < w->nsessions; i++)
        if (w->sessions[i] - w->sessions[i - 1] > longest) {
            longest = w->sessions[i] - w->sessions[i - 1];
            at = i;
        }
    if (longest <= GAP_NOTE_DAYS)
        return;
    fprintf(f,
            "  note: no session from %s to %s (%d days): the figures run "
            "across the gap as if none had passed, and annualised ones "
            "count %d sessions a year\n",
            bt_day(w->sessions[at - 1], a), bt_day(w->sessions[at], b),
            (int)longest, PERF_DAYS_PER_YEAR);
}

/* A line when the tickers given name fewer symbols (AAPL,AAPL or
 * GOOG,GOOGL): each symbol is traded once, which the count alone
 * leaves the reader to work out. */
static void tickers_note(FILE *f, const bt_world *w, const bt_options *o)
{
    if (!o->tickers || o->ntickers <= w->ntickers)
        return;
    fprintf(f,
            "  note: the %zu tickers given name %zu symbol%s (one listed "
            "twice, or a symbol and its alternative ticker): each symbol "
            "is traded once\n",
            o->ntickers, w->ntickers, bt_s(w->ntickers));
}

void bt_report_print(FILE *f, const bt_world *w, const bt_options *o,
                     const bt_outcome *out)
{
    const backtest_params *p = &o->params;
    char a[11], b[11], c[32], c2[32], e4[32];
    int cw = column_width(out);

    snprintf(e4, sizeof(e4), "$%lld.%04lld",
             (long long)(p->commission_share_e4 / 10000),
             (long long)(p->commission_share_e4 % 10000));
    fprintf(f, "Backtest %s .. %s: %zu session%s, %zu ticker%s\n",
            bt_day(w->sessions[0], a), bt_day(w->sessions[w->nsessions - 1], b),
            w->nsessions, bt_s(w->nsessions), w->ntickers, bt_s(w->ntickers));
    fprintf(f,
            "  inputs: %zu news rows from %s -> %zu documents (%zu "
            "near-duplicates), %zu signals; %zu price bars\n",
            w->sigs.nrows, bt_day(w->news_from, a), w->sigs.ndocs,
            w->sigs.nduplicates, w->sigs.nsignals, w->nbars);
    tickers_note(f, w, o);
    gap_note(f, w);
    news_note(f, w);
    fprintf(f, "  decisions at each session's close on what was known by "
               "then; orders at the next session's open\n");
    fprintf(f,
            "  costs: slippage %lld bp, commission %s a share + %s an "
            "order; starting cash %s\n",
            (long long)p->slippage_bps, e4, bt_usd(p->commission_order, c),
            bt_usd(p->starting_cash, c2));
    fprintf(f,
            "  strategy: buy above %+.2f, sell below %+.2f, at least %d "
            "signals in 7 days, max weight %.2f%%\n\n",
            p->strategy.buy_threshold, p->strategy.sell_threshold,
            p->strategy.min_signals, p->strategy.max_weight * 100.0);
    fprintf(f, "  %-26s %*s %*s %*s\n", "", cw, "strategy", cw, "buy & hold",
            cw, "null median");
    for (size_t i = 0; i < bt_nmetrics; i++) {
        metric_row(f, out, &bt_metrics[i], cw);
        if (bt_metrics[i].dd_dates)
            print_drawdown(f, w, out, cw);
    }
    print_costs(f, out, cw);
    print_orders(f, out);
    print_null(f, o, out);
    print_contributors(f, w, out);
    fprintf(f, "\n  One backtest is one path through one stretch of history. "
               "It is no\n  forecast and no promise of future results: see "
               "docs/BACKTEST.md.\n");
}

/* Files. */

static int mkdir_p(const char *dir, char *err, size_t errlen)
{
    char *path;

    if (!dir[0]) {
        snprintf(err, errlen, "the output folder is empty: give a path");
        return -1;
    }
    path = xstrdup(dir);
    for (char *p = path + 1;; p++) {
        char c = *p;

        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path,
                     strerror(errno));
            free(path);
            return -1;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
    return 0;
}

int bt_write_file(const char *dir, const char *name, const buf *b, char *err,
                  size_t errlen)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int rc = 0;

    if (!f || fwrite(b->data, 1, b->len, f) != b->len) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (f && fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

static void csv_text(buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_addc(b, '"');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static void add_money(buf *b, cents c)
{
    char m[MONEY_FMT_MAX];

    money_format(c, m);
    buf_adds(b, m);
}

static void equity_csv(buf *b, const bt_world *w, const bt_outcome *out)
{
    size_t npts = w->nsessions + 1;
    double *dd = xcalloc(npts, sizeof(*dd)), *hd = xcalloc(npts, sizeof(*hd));
    char d[11];

    perf_drawdown_series(out->main_equity, npts, dd);
    perf_drawdown_series(out->hold_equity, npts, hd);
    buf_adds(b, "date,cash,positions,equity,peak,drawdown,buy_and_hold,"
                "buy_and_hold_drawdown,null_low,null_median,null_high\n");
    for (size_t i = 0; i < out->main.ndays; i++) {
        const backtest_day *x = &out->main.days[i];

        buf_addf(b, "%s,", bt_day(x->day, d));
        add_money(b, x->cash);
        buf_addc(b, ',');
        add_money(b, x->positions);
        buf_addc(b, ',');
        add_money(b, x->equity);
        buf_addc(b, ',');
        add_money(b, x->peak);
        buf_addf(b, ",%.6f,", dd[i + 1]);
        add_money(b, out->hold.days[i].equity);
        buf_addf(b, ",%.6f", hd[i + 1]);
        if (out->nnull)
            buf_addf(b, ",%.2f,%.2f,%.2f\n", out->null_lo[i + 1],
                     out->null_mid[i + 1], out->null_hi[i + 1]);
        else
            buf_adds(b, ",,,\n");
    }
    free(dd);
    free(hd);
}

static void trades_csv(buf *b, const bt_world *w, const backtest_result *r)
{
    char d1[11], d2[11];

    buf_adds(b, "decision_day,fill_day,ticker,side,qty,price,gross,"
                "commission,slippage,realised,client_order_id\n");
    for (size_t i = 0; i < r->nfills; i++) {
        const backtest_fill *f = &r->fills[i];

        buf_addf(b, "%s,%s,%s,%s,%lld,", bt_day(f->decision_day, d1),
                 bt_day(f->day, d2), w->tickers[f->ticker],
                 order_side_name(f->side), (long long)f->qty);
        add_money(b, f->price);
        buf_addc(b, ',');
        add_money(b, f->gross);
        buf_addc(b, ',');
        add_money(b, f->commission);
        buf_addc(b, ',');
        add_money(b, f->slippage);
        buf_addc(b, ',');
        if (f->side == SIDE_SELL)
            add_money(b, f->realised);
        buf_addf(b, ",%s\n", f->coid);
    }
}

static void positions_csv(buf *b, const bt_world *w, const backtest_result *r)
{
    char d[11];

    buf_adds(b, "date,ticker,qty,price,value,weight\n");
    for (size_t i = 0; i < r->ndays; i++)
        for (size_t t = 0; t < r->ntickers; t++) {
            int64_t q = r->qty[i * r->ntickers + t];
            cents px = r->mark[i * r->ntickers + t];

            if (q == 0)
                continue;
            buf_addf(b, "%s,%s,%lld,", bt_day(r->days[i].day, d), w->tickers[t],
                     (long long)q);
            add_money(b, px);
            buf_addc(b, ',');
            add_money(b, px * q);
            buf_addf(b, ",%.6f\n",
                     (double)(px * q) / (double)r->days[i].equity);
        }
}

static void decisions_csv(buf *b, const bt_world *w, const backtest_result *r)
{
    char d1[11], d2[11];

    buf_adds(b, "as_of,exec_day,ticker,previous,action,conviction,"
                "target_weight,outcome,side,qty,ref_price,equity,"
                "client_order_id,reasons,explanation\n");
    for (size_t i = 0; i < r->ndec; i++) {
        const backtest_decision *x = &r->dec[i];

        buf_addf(b, "%s,%s,%s,%s,%s,%.6f,%.6f,%s,%s,%lld,",
                 bt_day(x->as_of, d1), bt_day(x->exec_day, d2),
                 w->tickers[x->ticker],
                 x->has_prev ? rec_action_name(x->prev) : "",
                 rec_action_name(x->action), x->conviction, x->target_weight,
                 x->outcome, x->qty ? order_side_name(x->side) : "",
                 (long long)x->qty);
        if (x->ref_price)
            add_money(b, x->ref_price);
        buf_addc(b, ',');
        add_money(b, x->equity);
        buf_addf(b, ",%s,%s,", x->coid, x->codes);
        csv_text(b, x->explanation);
        buf_addc(b, '\n');
    }
}

/* ",v" with all its digits, or "," for an unknown figure (NaN). */
static void add_figure(buf *b, double v)
{
    if (isnan(v))
        buf_addc(b, ',');
    else
        buf_addf(b, ",%.17g", v);
}

static void recs_csv(buf *b, const bt_world *w, const backtest_result *r)
{
    char d[11];

    buf_adds(b, "as_of,ticker,action,conviction,target_weight,sent_1d,"
                "sent_7d,sent_30d,count_1d,count_7d,count_30d,ret_1d,ret_5d,"
                "ret_20d,vol_20d,last_close\n");
    for (size_t i = 0; i < r->nrecs; i++) {
        const backtest_rec *x = &r->recs[i];
        const aggregate *a = &x->agg;

        buf_addf(b, "%s,%s,%s,%.6f,%.6f,%.17g,%.17g,%.17g,%d,%d,%d",
                 bt_day(x->as_of, d), w->tickers[x->ticker],
                 rec_action_name(x->action), x->conviction, x->target_weight,
                 a->sent_1d, a->sent_7d, a->sent_30d, a->count_1d, a->count_7d,
                 a->count_30d);
        add_figure(b, a->ret_1d);
        add_figure(b, a->ret_5d);
        add_figure(b, a->ret_20d);
        add_figure(b, a->vol_20d);
        add_figure(b, a->last_close);
        buf_addc(b, '\n');
    }
}

static void signals_csv(buf *b, const bt_world *w)
{
    const signalset *s = &w->sigs;
    char d[11];

    buf_adds(b, "content_hash,ticker,trading_day,sentiment,label,relevance,"
                "confidence,event_type,origin\n");
    for (size_t t = 0; t < s->ntickers; t++)
        for (size_t i = 0; i < s->nsig[t]; i++) {
            const agg_signal *g = &s->sig[t][i];
            const signalset_meta *m = &s->meta[t][i];

            buf_addf(
                b, "%s,%s,%s,%.6f,%s,%.2f,%.6f,%s,%s\n", s->docs[m->doc].hash,
                w->tickers[t], bt_day(g->day, d), g->sentiment,
                sentiment_label_name((sentiment_label)m->label), g->relevance,
                g->confidence, event_type_name((event_type)m->event),
                m->feed ? "feed" : "mention");
        }
}

int bt_report_dir_ready(const char *dir, char *err, size_t errlen)
{
    char *probe;
    FILE *f;

    if (mkdir_p(dir, err, errlen) < 0)
        return -1;
    probe = xasprintf("%s/.stonks-write-check", dir);
    f = fopen(probe, "w");
    if (!f)
        snprintf(err, errlen, "cannot write in %s: %s", dir, strerror(errno));
    else {
        fclose(f);
        remove(probe);
    }
    free(probe);
    return f ? 0 : -1;
}

/* Removes dir/name, a file of an earlier run this one does not write:
 * left there, it would be read beside this run's files as one of them.
 * Returns 0 (also when there was none), or -1 with err. */
static int remove_stale(const char *dir, const char *name, char *err,
                        size_t errlen)
{
    char *path = xasprintf("%s/%s", dir, name);
    int rc = 0;

    if (remove(path) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove %s of an earlier run: %s", path,
                 strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

int bt_report_write(const bt_world *w, const bt_options *o,
                    const bt_outcome *out, char *err, size_t errlen)
{
    buf b;
    int rc = -1;

    if (mkdir_p(o->out_dir, err, errlen) < 0)
        return -1;
    buf_init(&b);
    {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f) {
            snprintf(err, errlen, "cannot write the report: %s",
                     strerror(errno));
            goto out;
        }
        bt_report_print(f, w, o, out);
        fclose(f);
        buf_add(&b, text, len);
        free(text);
    }
    if (bt_write_file(o->out_dir, "report.txt", &b, err, errlen) < 0)
        goto out;
#define WRITE(name, call)                                                      \
    do {                                                                       \
        buf_reset(&b);                                                         \
        call;                                                                  \
        if (bt_write_file(o->out_dir, name, &b, err, errlen) < 0)              \
            goto out;                                                          \
    } while (0)
    WRITE("equity.csv", equity_csv(&b, w, out));
    WRITE("trades.csv", trades_csv(&b, w, &out->main));
    WRITE("positions.csv", positions_csv(&b, w, &out->main));
    WRITE("decisions.csv", decisions_csv(&b, w, &out->main));
    WRITE("recommendations.csv", recs_csv(&b, w, &out->main));
    if (o->write_signals)
        WRITE("signals.csv", signals_csv(&b, w));
    else if (remove_stale(o->out_dir, "signals.csv", err, errlen) < 0)
        goto out;
    WRITE("report.html", bt_html(&b, w, o, out));
#undef WRITE
    rc = 0;
out:
    buf_release(&b);
    return rc;
}
