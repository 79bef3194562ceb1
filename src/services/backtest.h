/*
 * bt: the `stonks backtest` command. It loads the replay files, the
 * watchlist and the embedded model (backtest_load.c), turns the news
 * into signals with domain/signalset.h, runs domain/backtest.h for the
 * strategy, for buy-and-hold and for the shuffled-sentiment null model,
 * and reports (backtest_report.c): a text report on stdout, and
 * report.html plus CSV files in the output folder. No database, no
 * queue: everything happens in this process, from files.
 *
 * Call order: bt_options_default, adjust, bt_world_load, bt_simulate,
 * bt_report_print / bt_report_write, then bt_outcome_release and
 * bt_world_release. bench/backtest.c uses the same calls.
 */
#ifndef STONKS_BT_H
#define STONKS_BT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "adapters/replay.h"
#include "domain/backtest.h"
#include "domain/calendar.h"
#include "domain/perf.h"
#include "domain/signalset.h"
#include "lib/buf.h"

/* Strings are owned (bt_options_release frees them). */
typedef struct bt_options {
    char *data_dir;
    char *watchlist;
    char *model_path;
    int32_t from, to; /* the sessions traded */
    int warmup_days; /* news dated this many days before from counts */
    char **tickers; /* NULL: every watchlist ticker */
    size_t ntickers;
    backtest_params params;
    int null_runs;
    uint64_t seed;
    char *out_dir; /* NULL: write no files */
    int write_signals; /* also signals.csv */
    int progress; /* draw the progress bar on stderr */
} bt_options;

/* A watchlist row. */
typedef struct bt_symbol {
    char ticker[TICKER_MAX];
    char sector[SECTOR_MAX];
    char *aliases; /* '|'-separated, as in the file */
} bt_symbol;

/* Everything loaded and derived from the files, owned here. */
typedef struct bt_world {
    replay_data replay;
    calendar cal;
    bt_symbol *symbols;
    size_t nsymbols;
    char (*tickers)[TICKER_MAX]; /* traded, sorted */
    size_t ntickers;
    int32_t *sessions;
    size_t nsessions;
    int32_t news_from;
    int32_t news_last; /* the last day of the news file; -1: none */
    signalset sigs;
    backtest_ticker *bt; /* per traded ticker */
    agg_bar **bars;
    fill_bar **fbars;
    size_t nbars; /* over every traded ticker */
    double load_seconds, signal_seconds;
} bt_world;

/* The runs and their statistics. */
typedef struct bt_outcome {
    backtest_result main, hold;
    perf_summary main_perf, hold_perf;
    double *main_equity, *hold_equity; /* dollars, nsessions + 1 */
    size_t nnull;
    perf_summary *null_perf;
    double *null_lo, *null_mid, *null_hi; /* per point, dollars */
    double null_total_median, null_sharpe_median;
    size_t null_beaten; /* null runs whose total return the strategy beat */
    double sim_seconds;
} bt_outcome;

/* Defaults from the environment's settings (REPLAY_DIR, REPLAY_START,
 * REPLAY_END, REPLAY_TICKERS, STARTING_CASH, PAPER_SLIPPAGE_BPS,
 * PAPER_COMMISSION_CENTS, STONKS_MODEL_PATH, WATCHLIST_FILE), so that a
 * backtest and a replay through the services use the same ones.
 * Returns 0, or -1 with a message in err. Release with
 * bt_options_release. */
int bt_options_default(bt_options *o, char *err, size_t errlen);
void bt_options_release(bt_options *o);

/* 0 when o's --from is not after its --to; else -1 with a message
 * giving both dates and their defaults. */
int bt_options_range_ok(const bt_options *o, char *err, size_t errlen);

/* Sets o->tickers from a comma-separated list. Returns 0, or -1 with a
 * message in err. */
int bt_options_tickers(bt_options *o, const char *list, char *err,
                       size_t errlen);

/* Loads the files and builds the signals. Returns 0, or -1 with a
 * message naming the file or the option at fault. Release with
 * bt_world_release (also after a failure). */
int bt_world_load(bt_world *w, const bt_options *o, char *err, size_t errlen);
void bt_world_release(bt_world *w);

/* Runs the strategy, buy-and-hold and the null model. progress (may be
 * NULL) is called with a phase name and how far it is. */
typedef void (*bt_progress_fn)(void *ctx, const char *phase, size_t done,
                               size_t total);
void bt_simulate(const bt_world *w, const bt_options *o, bt_outcome *out,
                 bt_progress_fn progress, void *ctx);
void bt_outcome_release(bt_outcome *out);

/* The text report (deterministic: no timings). */
void bt_report_print(FILE *f, const bt_world *w, const bt_options *o,
                     const bt_outcome *out);

/* Creates dir when it is not there and checks that files can be
 * written in it: 0, or -1 with a message in err (before a long run). */
int bt_report_dir_ready(const char *dir, char *err, size_t errlen);

/* Writes report.txt, report.html, equity.csv, trades.csv,
 * positions.csv, decisions.csv, recommendations.csv (and signals.csv
 * with o->write_signals) into o->out_dir, creating it. Returns 0, or -1
 * with a message in err. */
int bt_report_write(const bt_world *w, const bt_options *o,
                    const bt_outcome *out, char *err, size_t errlen);

/* Helpers shared by the report's files (backtest_report.c and
 * backtest_html.c). The formatters write into out and return it:
 * "+1.23%" / "n/a", "1.23" / "n/a", "$1234.56", "YYYY-MM-DD". */
/* "s" after a count other than one ("1 session", "2 sessions"). */
const char *bt_s(size_t n);
const char *bt_pct(double x, char out[32]);
const char *bt_ratio(double x, char out[32]);
const char *bt_usd(cents c, char out[32]);
const char *bt_day(int32_t day, char out[11]);

/* Ticker indices by contribution, best first; the caller frees. */
size_t *bt_contribution_order(const backtest_result *r);

/* The rows of the metrics table: a figure of perf_summary (a double
 * at offset), its name and its format; dd_dates marks the drawdown,
 * after which the table shows its dates. */
typedef struct bt_metric {
    const char *name;
    size_t offset;
    const char *(*fmt)(double x, char out[32]);
    int dd_dates;
} bt_metric;

extern const bt_metric bt_metrics[];
extern const size_t bt_nmetrics;

/* The figure at offset of perf_summary for s. */
double bt_metric_value(const perf_summary *s, size_t offset);

/* Its median over the null runs (NAN with none). */
double bt_null_median(const bt_outcome *out, size_t offset);

/* The session of point i of an equity series (point 0, the start, is
 * shown as the first session). */
int32_t bt_point_day(const bt_world *w, size_t i);

/* Appends the self-contained HTML report to b. */
void bt_html(buf *b, const bt_world *w, const bt_options *o,
             const bt_outcome *out);

/* Writes b to dir/name. Returns 0, or -1 with a message in err. */
int bt_write_file(const char *dir, const char *name, const buf *b, char *err,
                  size_t errlen);

/* The command (src/stonks.c). */
int cmd_backtest(int argc, char **argv);

#endif
