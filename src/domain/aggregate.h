/*
 * aggregate: per-ticker features as of a trading day, from the signals
 * and price bars known by then. Pure arithmetic; the caller passes only
 * rows with day <= as_of (later rows are ignored all the same, so a
 * caller's mistake cannot leak the future).
 *
 * Sentiment windows are decayed means: each signal weighs
 * confidence * relevance * 0.5^(age / half_life), age in calendar days
 * from the signal's trading day to as_of, over signals with age < the
 * window. Windows: 1 day (same day only), 7 days (half-life 3), 30 days
 * (half-life 10). A window with no weight has mean 0 and count 0.
 * A window's count is the number of its signals with a positive weight.
 *
 * Price features use the bars with day <= as_of, the last of them
 * "last": ret_Nd = close[last] / close[last - N] - 1 for N = 1, 5, 20
 * bars, unknown (NaN) with fewer than N + 1 bars or a close that is not
 * positive; vol_20d is the sample standard deviation (divisor n - 1) of
 * the last n = min(20, bars - 1) daily log returns, unknown when n < 2
 * or a close in them is not positive. It is a daily figure, not
 * annualised. last_close is unknown when no bar is. An unknown figure
 * is NaN here and NULL in the aggregates table: a ticker without prices
 * shows no return of 0 %.
 */
#ifndef STONKS_AGGREGATE_H
#define STONKS_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

/* The most bars aggregate_compute reads: the last AGG_BARS_USED bars on
 * or before as_of (20 returns need 21 closes); earlier ones are not
 * looked at. */
#define AGG_BARS_USED 21

/* The longest sentiment window: the signals of as_of and of the
 * AGG_SIGNAL_DAYS - 1 days before it count. */
#define AGG_SIGNAL_DAYS 30

typedef struct agg_signal {
    int32_t day; /* trading day the signal counts toward */
    double sentiment; /* [-1, 1] */
    double confidence; /* [0, 1] */
    double relevance; /* [0, 1] */
} agg_signal;

typedef struct agg_bar {
    int32_t day;
    double close;
    double volume;
} agg_bar;

typedef struct aggregate {
    int32_t as_of;
    double sent_1d, sent_7d, sent_30d;
    int count_1d, count_7d, count_30d;
    double ret_1d, ret_5d, ret_20d; /* simple returns; NaN unknown */
    double vol_20d; /* stdev of daily log returns, last 20; NaN unknown */
    double last_close; /* close of the last bar <= as_of; NaN when none */
    int32_t last_bar_day; /* -1 when no bar */
} aggregate;

/* Computes the aggregate as of as_of. sig and bars must be sorted by
 * day ascending (ties in any fixed order); results are deterministic
 * for a given input order. */
void aggregate_compute(int32_t as_of, const agg_signal *sig, size_t nsig,
                       const agg_bar *bars, size_t nbars, aggregate *out);

#endif
