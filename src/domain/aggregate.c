#include "domain/aggregate.h"

#include <math.h>

typedef struct window {
    int64_t days; /* signals with age < days count */
    double half_life;
    double sum_w, sum_ws;
    int count;
} window;

static void add_signal(window *w, int64_t age, const agg_signal *s)
{
    double weight;

    if (age >= w->days)
        return;
    weight =
        s->confidence * s->relevance * pow(0.5, (double)age / w->half_life);
    if (!(weight > 0))
        return;
    w->sum_w += weight;
    w->sum_ws += weight * s->sentiment;
    w->count++;
}

static double window_mean(const window *w)
{
    return w->count > 0 ? w->sum_ws / w->sum_w : 0.0;
}

/* Simple return over n bars of the closes c[0..k), oldest first. */
static double simple_return(const double *c, size_t k, size_t n)
{
    if (k < n + 1 || !(c[k - 1 - n] > 0) || !(c[k - 1] > 0))
        return NAN;
    return c[k - 1] / c[k - 1 - n] - 1.0;
}

/* Sample standard deviation of the last (up to) 20 daily log returns of
 * c[0..k); NaN with fewer than 2 returns or a close that is not
 * positive. */
static double log_return_stdev(const double *c, size_t k)
{
    double r[AGG_BARS_USED - 1];
    size_t n = k > 0 ? k - 1 : 0;
    double mean = 0.0, ss = 0.0;

    if (n > AGG_BARS_USED - 1)
        n = AGG_BARS_USED - 1;
    if (n < 2)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        double prev = c[k - 1 - n + i];
        double cur = c[k - n + i];

        if (!(prev > 0) || !(cur > 0))
            return NAN;
        r[i] = log(cur / prev);
        mean += r[i];
    }
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (r[i] - mean) * (r[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

/* Price features from the latest (up to 21) bars on or before as_of. */
static void bar_features(int32_t as_of, const agg_bar *bars, size_t nbars,
                         aggregate *out)
{
    double closes[AGG_BARS_USED];
    const double *c;
    size_t k = 0;

    out->last_close = NAN;
    out->last_bar_day = -1;
    for (size_t i = nbars; i > 0 && k < AGG_BARS_USED; i--) {
        const agg_bar *b = &bars[i - 1];

        if (b->day > as_of)
            continue;
        if (k == 0) {
            out->last_close = b->close;
            out->last_bar_day = b->day;
        }
        closes[AGG_BARS_USED - 1 - k] = b->close;
        k++;
    }

    c = closes + (AGG_BARS_USED - k);
    out->ret_1d = simple_return(c, k, 1);
    out->ret_5d = simple_return(c, k, 5);
    out->ret_20d = simple_return(c, k, 20);
    out->vol_20d = log_return_stdev(c, k);
}

void aggregate_compute(int32_t as_of, const agg_signal *sig, size_t nsig,
                       const agg_bar *bars, size_t nbars, aggregate *out)
{
    window w1 = {.days = 1, .half_life = 1.0};
    window w7 = {.days = 7, .half_life = 3.0};
    window w30 = {.days = AGG_SIGNAL_DAYS, .half_life = 10.0};

    for (size_t i = 0; i < nsig; i++) {
        int64_t age = (int64_t)as_of - sig[i].day;

        if (age < 0)
            continue;
        add_signal(&w1, age, &sig[i]);
        add_signal(&w7, age, &sig[i]);
        add_signal(&w30, age, &sig[i]);
    }

    out->as_of = as_of;
    out->sent_1d = window_mean(&w1);
    out->sent_7d = window_mean(&w7);
    out->sent_30d = window_mean(&w30);
    out->count_1d = w1.count;
    out->count_7d = w7.count;
    out->count_30d = w30.count;
    bar_features(as_of, bars, nbars, out);
}
