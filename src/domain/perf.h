/*
 * perf: performance statistics of a daily equity series, for the
 * backtest's report. Pure arithmetic on caller-owned arrays; nothing is
 * allocated. A statistic that is undefined for the input (a ratio over
 * a zero deviation, fewer returns than it needs) is NAN, never a made-up
 * 0, so that a report can print "n/a".
 *
 * The series e[0..n) holds the equity before the first session (the
 * starting cash) and then at each session's close, so it gives n - 1
 * daily returns r[i] = e[i + 1] / e[i] - 1. Annualising assumes
 * PERF_DAYS_PER_YEAR sessions a year and a risk-free rate of 0:
 *   total        e[n-1] / e[0] - 1
 *   annualised   (e[n-1] / e[0]) ^ (252 / m) - 1, m = n - 1 returns
 *   volatility   s * sqrt(252), s the sample standard deviation of r
 *                (divisor m - 1)
 *   Sharpe       mean(r) / s * sqrt(252)
 *   Sortino      mean(r) / d * sqrt(252), d = sqrt(sum(min(r, 0)^2) / m)
 *                (downside deviation against a target of 0, over all m)
 *   drawdown     at i, 1 - e[i] / max(e[0..i]); the maximum is reported
 *                as a positive fraction with the index of its peak, its
 *                trough and the first later index back at the peak
 *   turnover     traded / 2 / mean(e) * 252 / m: one-way turnover of
 *                the average equity, per year (traded counts the value
 *                of buys and sells alike)
 *   hit rate     winning closed trades / closed trades
 */
#ifndef STONKS_PERF_H
#define STONKS_PERF_H

#include <stddef.h>

#define PERF_DAYS_PER_YEAR 252

/* Writes the n - 1 daily returns of e[0..n) into r and returns how many
 * (0 when n < 2). A return after an equity of 0 or less has no meaning:
 * it is NAN, and so are the statistics over it. */
size_t perf_returns(const double *e, size_t n, double *r);

/* Arithmetic mean; NAN when n is 0. */
double perf_mean(const double *x, size_t n);

/* Sample standard deviation (divisor n - 1); NAN when n < 2. */
double perf_stdev(const double *x, size_t n);

/* e[n-1] / e[0] - 1; NAN when n < 2. */
double perf_total_return(const double *e, size_t n);

/* The total return over m daily returns as a yearly rate; NAN when m is
 * 0 or total <= -1. */
double perf_annualised(double total, size_t m);

/* Annualised volatility of the daily returns r[0..m); NAN when m < 2. */
double perf_volatility(const double *r, size_t m);

/* Annualised Sharpe ratio of r[0..m); NAN when m < 2 or the deviation
 * is 0. */
double perf_sharpe(const double *r, size_t m);

/* Annualised Sortino ratio of r[0..m); NAN when m is 0 or no return is
 * negative. */
double perf_sortino(const double *r, size_t m);

typedef struct perf_drawdown {
    double depth; /* 0.25: 25% below the peak; 0 when never below */
    size_t peak, trough; /* indices into e */
    size_t recovery; /* first index after trough with e >= the peak */
    int recovered; /* 0: still below the peak at the end */
} perf_drawdown;

/* The deepest drawdown of e[0..n). With n = 0, or a series that never
 * falls, depth is 0 and the indices 0. The first of equally deep
 * troughs is reported. */
void perf_max_drawdown(const double *e, size_t n, perf_drawdown *out);

/* dd[i] = e[i] / max(e[0..i]) - 1, a value <= 0, for every i. */
void perf_drawdown_series(const double *e, size_t n, double *dd);

/* One-way annual turnover; NAN when m is 0 or the mean equity is not
 * positive. */
double perf_turnover(double traded, const double *e, size_t n);

/* wins / closed; NAN when closed is 0. */
double perf_hit_rate(size_t wins, size_t closed);

/* Every figure above for one equity series. */
typedef struct perf_summary {
    size_t returns; /* m */
    double total, annualised, volatility, sharpe, sortino;
    perf_drawdown dd;
    double turnover, hit_rate;
    double best_day, worst_day; /* NAN when m is 0 */
} perf_summary;

/* Fills out from e[0..n), the value traded and the trade counts. r is
 * scratch space of at least n doubles (it receives the returns). */
void perf_summarize(const double *e, size_t n, double *r, double traded,
                    size_t wins, size_t closed, perf_summary *out);

#endif
