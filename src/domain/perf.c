#include "domain/perf.h"

#include <math.h>

size_t perf_returns(const double *e, size_t n, double *r)
{
    if (n < 2)
        return 0;
    for (size_t i = 1; i < n; i++)
        r[i - 1] = e[i - 1] > 0 ? e[i] / e[i - 1] - 1.0 : NAN;
    return n - 1;
}

double perf_mean(const double *x, size_t n)
{
    double sum = 0.0;

    if (n == 0)
        return NAN;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum / (double)n;
}

double perf_stdev(const double *x, size_t n)
{
    double mean, ss = 0.0;

    if (n < 2)
        return NAN;
    mean = perf_mean(x, n);
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

double perf_total_return(const double *e, size_t n)
{
    if (n < 2)
        return NAN;
    return e[n - 1] / e[0] - 1.0;
}

double perf_annualised(double total, size_t m)
{
    if (m == 0 || !(total > -1.0))
        return NAN;
    return pow(1.0 + total, (double)PERF_DAYS_PER_YEAR / (double)m) - 1.0;
}

double perf_volatility(const double *r, size_t m)
{
    if (m < 2)
        return NAN;
    return perf_stdev(r, m) * sqrt((double)PERF_DAYS_PER_YEAR);
}

double perf_sharpe(const double *r, size_t m)
{
    double s;

    if (m < 2)
        return NAN;
    s = perf_stdev(r, m);
    if (!(s > 0))
        return NAN;
    return perf_mean(r, m) / s * sqrt((double)PERF_DAYS_PER_YEAR);
}

double perf_sortino(const double *r, size_t m)
{
    double ss = 0.0, d;

    if (m == 0)
        return NAN;
    for (size_t i = 0; i < m; i++)
        if (r[i] < 0)
            ss += r[i] * r[i];
    d = sqrt(ss / (double)m);
    if (!(d > 0))
        return NAN;
    return perf_mean(r, m) / d * sqrt((double)PERF_DAYS_PER_YEAR);
}

void perf_max_drawdown(const double *e, size_t n, perf_drawdown *out)
{
    size_t peak = 0;

    out->depth = 0.0;
    out->peak = out->trough = out->recovery = 0;
    out->recovered = 0;
    for (size_t i = 1; i < n; i++) {
        double depth;

        if (e[i] > e[peak]) {
            peak = i;
            continue;
        }
        depth = 1.0 - e[i] / e[peak];
        if (depth > out->depth) {
            out->depth = depth;
            out->peak = peak;
            out->trough = i;
        }
    }
    if (out->depth == 0.0)
        return;
    for (size_t i = out->trough + 1; i < n; i++)
        if (e[i] >= e[out->peak]) {
            out->recovery = i;
            out->recovered = 1;
            break;
        }
}

void perf_drawdown_series(const double *e, size_t n, double *dd)
{
    double peak = n ? e[0] : 0.0;

    for (size_t i = 0; i < n; i++) {
        if (e[i] > peak)
            peak = e[i];
        dd[i] = e[i] / peak - 1.0;
    }
}

double perf_turnover(double traded, const double *e, size_t n)
{
    double mean;

    if (n < 2)
        return NAN;
    mean = perf_mean(e, n);
    if (!(mean > 0))
        return NAN;
    return traded / 2.0 / mean * (double)PERF_DAYS_PER_YEAR / (double)(n - 1);
}

double perf_hit_rate(size_t wins, size_t closed)
{
    if (closed == 0)
        return NAN;
    return (double)wins / (double)closed;
}

void perf_summarize(const double *e, size_t n, double *r, double traded,
                    size_t wins, size_t closed, perf_summary *out)
{
    size_t m = perf_returns(e, n, r);

    out->returns = m;
    out->total = perf_total_return(e, n);
    out->annualised = perf_annualised(out->total, m);
    out->volatility = perf_volatility(r, m);
    out->sharpe = perf_sharpe(r, m);
    out->sortino = perf_sortino(r, m);
    perf_max_drawdown(e, n, &out->dd);
    out->turnover = perf_turnover(traded, e, n);
    out->hit_rate = perf_hit_rate(wins, closed);
    out->best_day = out->worst_day = NAN;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || r[i] > out->best_day)
            out->best_day = r[i];
        if (i == 0 || r[i] < out->worst_day)
            out->worst_day = r[i];
    }
}
