/*
 * backtest: the command. Options over the settings' defaults, then load,
 * simulate, report. The progress bar goes to stderr, only when stderr
 * is a terminal; the report to stdout; the timings to stderr, so that
 * stdout and the files are the same in every run on the same inputs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/date.h"
#include "lib/log.h"
#include "lib/num.h"
#include "lib/xalloc.h"
#include "services/backtest.h"
#include "services/cli.h"
#include "services/trading.h"
#include "services/trading_limits.h"

#define BAR_WIDTH 30

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress of one backtest_run, reported under a phase name. */
typedef struct phase_ctx {
    bt_progress_fn fn;
    void *ctx;
    const char *phase;
} phase_ctx;

static void phase_progress(void *ctx, size_t done, size_t total)
{
    phase_ctx *p = ctx;

    p->fn(p->ctx, p->phase, done, total);
}

static double *equity_series(const backtest_result *r, cents start)
{
    double *e = xcalloc(r->ndays + 2, sizeof(*e));

    e[0] = (double)start / 100.0;
    for (size_t i = 0; i < r->ndays; i++)
        e[i + 1] = (double)r->days[i].equity / 100.0;
    return e;
}

static void summarize(const backtest_result *r, const double *e, size_t n,
                      perf_summary *out)
{
    double *scratch = xcalloc(n + 1, sizeof(*scratch));

    perf_summarize(e, n, scratch, r->traded, r->wins, r->closed, out);
    free(scratch);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    xqsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The null model: the strategy on shuffled sentiment, nnull times. */
static void run_nulls(const bt_world *w, const bt_options *o, bt_outcome *out,
                      bt_progress_fn progress, void *ctx)
{
    size_t nt = w->ntickers, npts = w->nsessions + 1;
    backtest_ticker *bt = xcalloc(nt + 1, sizeof(*bt));
    agg_signal **sig = xcalloc(nt + 1, sizeof(*sig));
    double *eq = xcalloc(out->nnull * npts + 1, sizeof(*eq));
    double *col = xcalloc(out->nnull + 1, sizeof(*col));
    phase_ctx pc = {progress, ctx, "null model"};

    for (size_t t = 0; t < nt; t++) {
        bt[t] = w->bt[t];
        sig[t] = xcalloc(w->sigs.nsig[t] + 1, sizeof(agg_signal));
        bt[t].sig = sig[t];
    }
    for (size_t k = 0; k < out->nnull; k++) {
        backtest_result r;
        double *e;

        for (size_t t = 0; t < nt; t++)
            memcpy(sig[t], w->sigs.sig[t],
                   w->sigs.nsig[t] * sizeof(agg_signal));
        backtest_shuffle_sentiment(sig, w->sigs.nsig, nt, o->seed + k);
        backtest_run(bt, nt, w->sessions, w->nsessions, &o->params, 0, NULL,
                     NULL, &r);
        e = equity_series(&r, o->params.starting_cash);
        summarize(&r, e, npts, &out->null_perf[k]);
        memcpy(eq + k * npts, e, npts * sizeof(*e));
        free(e);
        backtest_result_release(&r);
        if (progress)
            phase_progress(&pc, k + 1, out->nnull);
    }
    for (size_t i = 0; i < npts; i++) {
        for (size_t k = 0; k < out->nnull; k++)
            col[k] = eq[k * npts + i];
        out->null_mid[i] = median(col, out->nnull);
        out->null_lo[i] = col[0];
        out->null_hi[i] = col[out->nnull - 1];
    }
    for (size_t k = 0; k < out->nnull; k++) {
        col[k] = out->null_perf[k].total;
        out->null_beaten += out->main_perf.total > out->null_perf[k].total;
    }
    out->null_total_median = median(col, out->nnull);
    for (size_t k = 0; k < out->nnull; k++)
        col[k] = out->null_perf[k].sharpe;
    out->null_sharpe_median = median(col, out->nnull);
    for (size_t t = 0; t < nt; t++)
        free(sig[t]);
    free(sig);
    free(bt);
    free(eq);
    free(col);
}

void bt_simulate(const bt_world *w, const bt_options *o, bt_outcome *out,
                 bt_progress_fn progress, void *ctx)
{
    size_t npts = w->nsessions + 1;
    phase_ctx pc = {progress, ctx, "strategy"};
    double t0 = now_s();

    memset(out, 0, sizeof(*out));
    backtest_run(w->bt, w->ntickers, w->sessions, w->nsessions, &o->params,
                 BACKTEST_RECORD, progress ? phase_progress : NULL, &pc,
                 &out->main);
    backtest_buy_and_hold(w->bt, w->ntickers, w->sessions, w->nsessions,
                          &o->params, &out->hold);
    out->main_equity = equity_series(&out->main, o->params.starting_cash);
    out->hold_equity = equity_series(&out->hold, o->params.starting_cash);
    summarize(&out->main, out->main_equity, npts, &out->main_perf);
    summarize(&out->hold, out->hold_equity, npts, &out->hold_perf);
    out->nnull = o->null_runs > 0 ? (size_t)o->null_runs : 0;
    out->null_perf = xcalloc(out->nnull + 1, sizeof(*out->null_perf));
    out->null_lo = xcalloc(npts, sizeof(double));
    out->null_mid = xcalloc(npts, sizeof(double));
    out->null_hi = xcalloc(npts, sizeof(double));
    out->null_total_median = out->null_sharpe_median = NAN;
    if (out->nnull > 0)
        run_nulls(w, o, out, progress, ctx);
    out->sim_seconds = now_s() - t0;
}

void bt_outcome_release(bt_outcome *out)
{
    backtest_result_release(&out->main);
    backtest_result_release(&out->hold);
    free(out->main_equity);
    free(out->hold_equity);
    free(out->null_perf);
    free(out->null_lo);
    free(out->null_mid);
    free(out->null_hi);
    memset(out, 0, sizeof(*out));
}

/* The bar: "\r[=========>          ]  45% strategy". */
static void draw_bar(void *ctx, const char *phase, size_t done, size_t total)
{
    int filled = total ? (int)(done * BAR_WIDTH / total) : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];

    (void)ctx;
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %3d%% %-12s", bar,
            total ? (int)(done * 100 / total) : 100, phase);
    fflush(stderr);
}

static const char usage_text[] =
    "usage: stonks backtest [options]\n"
    "  Replays history through the live domain code (parser, extractor,\n"
    "  aggregation, recommendation, sizing, risk rules, fill model) in\n"
    "  one process, without PostgreSQL or Redis, and reports the result\n"
    "  against buy-and-hold and a shuffled-sentiment null model.\n"
    "  Defaults come from the settings (stonks config --markdown).\n"
    "\n"
    "  --data DIR             replay folder (REPLAY_DIR)\n"
    "  --from DAY, --to DAY   sessions traded (REPLAY_START, REPLAY_END)\n"
    "  --tickers A,B,...      traded tickers (REPLAY_TICKERS, else the\n"
    "                         whole watchlist)\n"
    "  --warmup-days N        news from N days before the first session\n"
    "                         counts too (0, as the replay)\n"
    "  --cash DOLLARS         starting cash (STARTING_CASH)\n"
    "  --commission-share D   dollars per share, up to 4 decimals (0)\n"
    "  --commission-order D   dollars per filled order (to 1000.00)\n"
    "                         (PAPER_COMMISSION_CENTS)\n"
    "  --slippage-bps N       against every fill (PAPER_SLIPPAGE_BPS)\n"
    "  --buy-threshold X      strategy score to buy (0.15)\n"
    "  --sell-threshold X     strategy score to sell (-0.15)\n"
    "  --min-signals N        signals in 7 days needed to act (2)\n"
    "  --max-weight X         target weight at conviction 1 (0.05)\n"
    "  --limit NAME=VALUE     a risk limit, as in the risk_limits table\n"
    "                         (max_orders_per_day=40, ...); once per\n"
    "                         limit (any other option: once)\n"
    "  --null-runs N          shuffled-sentiment runs (10; 0: none)\n"
    "  --seed N               seed of the first null run (1)\n"
    "  --out DIR              report.html and CSV files (var/backtest)\n"
    "  --no-files             print the report only\n"
    "  --signals              also write signals.csv\n"
    "  --watchlist FILE, --model FILE  (WATCHLIST_FILE, "
    "STONKS_MODEL_PATH)\n"
    "  --no-progress          no progress bar even on a terminal\n"
    "  --show-settings        print the parameters and risk limits in\n"
    "                         effect, then exit\n";

static int parse_e4(const char *s, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    int nfrac = 0;
    const char *p = s;

    if (!*p)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 1000000)
            return -1;
    }
    if (p == s) /* a digit first, as --cash wants: not ".5" */
        return -1;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
            if (nfrac == 4)
                return -1;
            frac = frac * 10 + (*p - '0');
        }
        if (nfrac == 0) /* nor "5." */
            return -1;
    }
    if (*p)
        return -1;
    for (; nfrac < 4; nfrac++)
        frac *= 10;
    *out = whole * 10000 + frac;
    return 0;
}

static int set_limit(bt_options *o, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    const trading_limit_def *d;
    long long v;

    if (!eq || (size_t)(eq - arg) >= sizeof(name)) {
        snprintf(err, errlen, "--limit needs NAME=VALUE");
        return -1;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
    d = trading_limit_find(name);
    if (!d) {
        snprintf(err, errlen, "--limit: no risk limit named '%s'", name);
        return -1;
    }
    if (num_int(eq + 1, 0, d->max, &v) < 0) {
        if (strcmp(d->unit, "flag") == 0)
            snprintf(err, errlen, "--limit %s: 0 (off) or 1 (on)", name);
        else if (strcmp(d->unit, "count") == 0)
            snprintf(err, errlen, "--limit %s: a whole number, 0 to %lld", name,
                     (long long)d->max);
        else
            snprintf(err, errlen, "--limit %s: a whole number of %s, 0 to %lld",
                     name, d->unit, (long long)d->max);
        return -1;
    }
    *(int64_t *)((char *)&o->params.limits + d->offset) = v;
    return 0;
}

static void replace(char **field, const char *v)
{
    free(*field);
    *field = v ? xstrdup(v) : NULL;
}

/* The files the backtest reads each need a name: an empty one, from
 * the option or the setting, would be read as a path of its own (the
 * replay files at the root, "/reuters_headlines_..."). Returns 0, or
 * -1 with err. */
static int inputs_named(const bt_options *o, char *err, size_t errlen)
{
    if (!o->data_dir[0])
        snprintf(err, errlen,
                 "the replay folder (--data, else REPLAY_DIR) is empty: "
                 "give the folder of the replay files (data/replay)");
    else if (!o->watchlist[0])
        snprintf(err, errlen,
                 "the watchlist (--watchlist, else WATCHLIST_FILE) is "
                 "empty: give its file (data/watchlist.csv)");
    else if (!o->model_path[0])
        snprintf(err, errlen,
                 "the model (--model, else STONKS_MODEL_PATH) is empty: "
                 "give its weights file (data/model/sentiment.weights)");
    else
        return 0;
    return -1;
}

/* Applies one option with its value v. Returns 0, or -1 with err. */
static int apply_option(bt_options *o, const char *a, const char *v, char *err,
                        size_t errlen)
{
    backtest_params *p = &o->params;
    uint64_t u;
    int64_t e4;

#define BAD(msg)                                                               \
    do {                                                                       \
        snprintf(err, errlen, "%s: %s", a, msg);                               \
        return -1;                                                             \
    } while (0)
    if (strcmp(a, "--data") == 0)
        replace(&o->data_dir, v);
    else if (strcmp(a, "--watchlist") == 0)
        replace(&o->watchlist, v);
    else if (strcmp(a, "--model") == 0)
        replace(&o->model_path, v);
    else if (strcmp(a, "--out") == 0) {
        if (!v[0])
            BAD("expected a folder (--no-files writes none)");
        replace(&o->out_dir, v);
    } else if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0) {
        /* with its dashes, as REPLAY_START and the message have it */
        if (strlen(v) != 10 ||
            date_parse(v, 10, a[2] == 'f' ? &o->from : &o->to) < 0)
            BAD("expected a date YYYY-MM-DD");
    } else if (strcmp(a, "--tickers") == 0) {
        return bt_options_tickers(o, v, err, errlen);
    } else if (strcmp(a, "--warmup-days") == 0) {
        if (num_uint(v, 3650, &u) < 0)
            BAD("expected a whole number of days, 0 to 3650");
        o->warmup_days = (int)u;
    } else if (strcmp(a, "--cash") == 0) {
        if (money_parse_cents(v, strlen(v), &p->starting_cash) < 0 ||
            p->starting_cash <= 0 ||
            p->starting_cash > CONFIG_STARTING_CASH_MAX_CENTS)
            BAD("expected positive dollars and cents, " CONFIG_MONEY_RANGE
                " (as STARTING_CASH), such as 100000.00");
    } else if (strcmp(a, "--commission-share") == 0) {
        if (parse_e4(v, &p->commission_share_e4) < 0)
            BAD("expected dollars per share with up to 4 decimals");
    } else if (strcmp(a, "--commission-order") == 0) {
        if (parse_e4(v, &e4) < 0 || e4 % 100 != 0 ||
            e4 > CONFIG_PAPER_COMMISSION_CENTS_MAX * 100) {
            char max[MONEY_FMT_MAX];

            money_format(CONFIG_PAPER_COMMISSION_CENTS_MAX, max);
            snprintf(err, errlen,
                     "%s: expected dollars and cents per order, 0 to %s (as "
                     "PAPER_COMMISSION_CENTS)",
                     a, max);
            return -1;
        }
        p->commission_order = e4 / 100;
    } else if (strcmp(a, "--slippage-bps") == 0) {
        if (num_uint(v, CONFIG_PAPER_SLIPPAGE_BPS_MAX, &u) < 0) {
            snprintf(err, errlen,
                     "%s: expected whole basis points, 0 to %d (as "
                     "PAPER_SLIPPAGE_BPS)",
                     a, CONFIG_PAPER_SLIPPAGE_BPS_MAX);
            return -1;
        }
        p->slippage_bps = (int64_t)u;
    } else if (strcmp(a, "--buy-threshold") == 0) {
        if (num_decimal(v, -1, 1, &p->strategy.buy_threshold) < 0)
            BAD("expected a score in [-1, 1]");
    } else if (strcmp(a, "--sell-threshold") == 0) {
        if (num_decimal(v, -1, 1, &p->strategy.sell_threshold) < 0)
            BAD("expected a score in [-1, 1]");
    } else if (strcmp(a, "--min-signals") == 0) {
        if (num_uint(v, 1000, &u) < 0)
            BAD("expected a whole number, 0 to 1000");
        p->strategy.min_signals = (int)u;
    } else if (strcmp(a, "--max-weight") == 0) {
        if (num_decimal(v, 0, 1, &p->strategy.max_weight) < 0)
            BAD("expected a weight in [0, 1]");
    } else if (strcmp(a, "--limit") == 0) {
        return set_limit(o, v, err, errlen);
    } else if (strcmp(a, "--null-runs") == 0) {
        if (num_uint(v, 1000, &u) < 0)
            BAD("expected a whole number, 0 to 1000");
        o->null_runs = (int)u;
    } else if (strcmp(a, "--seed") == 0) {
        if (num_uint(v, UINT64_MAX, &o->seed) < 0)
            BAD("expected a whole number, 0 to 18446744073709551615");
    } else {
        snprintf(err, errlen, "unknown option '%s' (see --help)", a);
        return -1;
    }
    return 0;
#undef BAD
}

/* 1 when the risk limit NAME=VALUE of a --limit at argv[i] names one an
 * earlier --limit (at a position of seen[0..n)) set: --limit may be
 * given once per limit. */
static int limit_given_before(char **argv, int argc, int i, const int *seen,
                              int n)
{
    size_t len;

    if (i + 1 >= argc)
        return 0;
    len = strcspn(argv[i + 1], "=");
    for (int k = 0; k < n; k++) {
        const char *v = seen[k] + 1 < argc ? argv[seen[k] + 1] : "";

        if (strcmp(argv[seen[k]], "--limit") == 0 && strcspn(v, "=") == len &&
            strncmp(v, argv[i + 1], len) == 0)
            return 1;
    }
    return 0;
}

static int parse_args(bt_options *o, int argc, char **argv, int *show,
                      char *err, size_t errlen)
{
    int *seen = xcalloc((size_t)argc, sizeof(int)), nseen = 0, rc = -1;
    int out_given = 0, no_files = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--limit") == 0) {
            if (limit_given_before(argv, argc, i, seen, nseen)) {
                snprintf(err, errlen, "--limit %.*s is given twice",
                         (int)strcspn(argv[i + 1], "="), argv[i + 1]);
                goto out;
            }
            seen[nseen++] = i;
        } else if (cli_given_before(argv, i, seen, &nseen)) {
            snprintf(err, errlen, "%s is given twice", a);
            goto out;
        }
        out_given |= strcmp(a, "--out") == 0;
        if (strcmp(a, "--no-files") == 0) {
            no_files = 1;
            replace(&o->out_dir, NULL);
        } else if (strcmp(a, "--signals") == 0)
            o->write_signals = 1;
        else if (strcmp(a, "--no-progress") == 0)
            o->progress = 0;
        else if (strcmp(a, "--show-settings") == 0)
            *show = 1;
        else if (i + 1 >= argc) {
            /* an unknown option says so, whatever follows it */
            if (apply_option(o, a, "", err, errlen) < 0 &&
                strncmp(err, "unknown option", 14) == 0)
                goto out;
            snprintf(err, errlen, "%s needs a value (see --help)", a);
            goto out;
        } else if (apply_option(o, a, argv[++i], err, errlen) < 0)
            goto out;
    }
    /* (whichever came later won: --out DIR --no-files wrote nothing, and
     * --no-files --out DIR wrote over DIR's report) */
    if (out_given && no_files) {
        snprintf(err, errlen,
                 "--out and --no-files contradict each other: give one");
        goto out;
    }
    if (bt_options_range_ok(o, err, errlen) < 0 ||
        inputs_named(o, err, errlen) < 0)
        goto out;
    if (o->params.strategy.sell_threshold > o->params.strategy.buy_threshold) {
        snprintf(err, errlen, "--sell-threshold is above --buy-threshold");
        goto out;
    }
    rc = 0;
out:
    free(seen);
    return rc;
}

/* One "name value" line per setting; risk limits under their table
 * names. */
static void show_settings(const bt_options *o)
{
    const backtest_params *p = &o->params;
    char d1[11], d2[11], m[MONEY_FMT_MAX];

    printf("data %s\nwatchlist %s\nmodel %s\n", o->data_dir, o->watchlist,
           o->model_path);
    printf("from %s\nto %s\n", bt_day(o->from, d1), bt_day(o->to, d2));
    printf("tickers ");
    for (size_t i = 0; i < o->ntickers; i++)
        printf("%s%s", i ? "," : "", o->tickers[i]);
    printf("%s\n", o->ntickers ? "" : "(watchlist)");
    money_format(p->starting_cash, m);
    printf("starting_cash %s\nslippage_bps %lld\n", m,
           (long long)p->slippage_bps);
    printf("commission_share_e4 %lld\ncommission_order_cents %lld\n",
           (long long)p->commission_share_e4, (long long)p->commission_order);
    printf("buy_threshold %g\nsell_threshold %g\nmin_signals %d\n"
           "max_weight %g\nmodel_id %s\n",
           p->strategy.buy_threshold, p->strategy.sell_threshold,
           p->strategy.min_signals, p->strategy.max_weight, p->model);
    for (size_t i = 0; i < trading_nlimits; i++)
        printf("%s %lld\n", trading_limit_defs[i].name,
               (long long)*(const int64_t *)((const char *)&p->limits +
                                             trading_limit_defs[i].offset));
}

int cmd_backtest(int argc, char **argv)
{
    bt_options o;
    bt_world w;
    bt_outcome out;
    char err[512];
    double t0 = now_s();
    int rc = 1, show = 0, level;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
    /* (warnings only, unless LOG_LEVEL is given: the report is the
     * output; LOG_LEVEL=debug names the rows it skipped) */
    level = getenv("LOG_LEVEL") ? log_level_parse(getenv("LOG_LEVEL")) : -1;
    log_init("backtest", level >= 0 ? (log_level)level : LOG_LEVEL_WARN);
    if (bt_options_default(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks backtest: %s\n", err);
        return 2;
    }
    snprintf(o.params.model, sizeof(o.params.model), "%s", TRADING_MODEL);
    o.progress = isatty(2);
    if (parse_args(&o, argc, argv, &show, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks backtest: %s\n", err);
        bt_options_release(&o);
        return 2;
    }
    if (show) {
        show_settings(&o);
        bt_options_release(&o);
        return 0;
    }
    if (o.out_dir && bt_report_dir_ready(o.out_dir, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks backtest: --out: %s\n", err);
        bt_options_release(&o);
        return 1;
    }
    if (bt_world_load(&w, &o, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks backtest: %s\n", err);
        goto out_world;
    }
    /* The report counts only the rows it read; say what it left out,
     * as ingestion logs it. */
    if (w.replay.rejected)
        fprintf(stderr,
                "stonks backtest: %zu row%s of the replay files in %s "
                "skipped (" REPLAY_SKIPPED_WHY ")\n",
                w.replay.rejected, bt_s(w.replay.rejected), o.data_dir);
    bt_simulate(&w, &o, &out, o.progress ? draw_bar : NULL, NULL);
    if (o.progress)
        fprintf(stderr, "\r%*s\r", BAR_WIDTH + 20, "");
    bt_report_print(stdout, &w, &o, &out);
    fflush(stdout);
    if (o.out_dir && bt_report_write(&w, &o, &out, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks backtest: %s\n", err);
        goto out_all;
    }
    fprintf(stderr,
            "backtest: %zu session%s, %zu documents, %zu bars: load %.3f "
            "s, signals %.3f s, simulation %.3f s (%d null run%s), total "
            "%.3f s\n",
            w.nsessions, bt_s(w.nsessions), w.sigs.ndocs, w.nbars,
            w.load_seconds, w.signal_seconds, out.sim_seconds, o.null_runs,
            bt_s((size_t)o.null_runs), now_s() - t0);
    rc = 0;
out_all:
    bt_outcome_release(&out);
out_world:
    bt_world_release(&w);
    bt_options_release(&o);
    return rc;
}
