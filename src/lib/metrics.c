#include "lib/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Upper bounds of the handler latency buckets, seconds. */
static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                   0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

static const char *const counter_names[METRIC_COUNTER_COUNT] = {
    "stonks_jobs_done_total", "stonks_jobs_failed_total",
    "stonks_jobs_retried_total", "stonks_jobs_dead_total",
    "stonks_batches_total"};

static const char *const counter_help[METRIC_COUNTER_COUNT] = {
    "Jobs handled and acknowledged.", "Job runs that failed.",
    "Failed jobs queued again for another attempt.",
    "Jobs moved to the dead letters.", "Batches handed to the handler."};

static atomic_llong counters[METRIC_COUNTER_COUNT];
static atomic_llong buckets[NBUCKETS + 1]; /* last: +Inf */
static atomic_llong sum_us;
static atomic_llong gauge_depth, gauge_in_flight, gauge_dead;
static char queue_name[64];

void metrics_add(metrics_counter c, long long n)
{
    atomic_fetch_add(&counters[c], n);
}

long long metrics_get(metrics_counter c)
{
    return atomic_load(&counters[c]);
}

void metrics_observe_handler(double seconds)
{
    size_t i = 0;

    while (i < NBUCKETS && seconds > bucket_le[i])
        i++;
    atomic_fetch_add(&buckets[i], 1);
    atomic_fetch_add(&sum_us, (long long)(seconds * 1e6));
}

void metrics_set_queue(const char *queue)
{
    snprintf(queue_name, sizeof(queue_name), "%s", queue);
}

void metrics_set_depth(long long depth, long long in_flight, long long dead)
{
    atomic_store(&gauge_depth, depth);
    atomic_store(&gauge_in_flight, in_flight);
    atomic_store(&gauge_dead, dead);
}

void metrics_render(buf *out, const char *service)
{
    char labels[160];
    long long cum = 0;

    snprintf(labels, sizeof(labels), "service=\"%s\",queue=\"%s\"", service,
             queue_name);
    for (int c = 0; c < METRIC_COUNTER_COUNT; c++)
        buf_addf(out, "# HELP %s %s\n# TYPE %s counter\n%s{%s} %lld\n",
                 counter_names[c], counter_help[c], counter_names[c],
                 counter_names[c], labels, atomic_load(&counters[c]));
    buf_addf(out, "# HELP stonks_handler_seconds Time to handle a batch.\n"
                  "# TYPE stonks_handler_seconds histogram\n");
    for (size_t i = 0; i <= NBUCKETS; i++) {
        cum += atomic_load(&buckets[i]);
        if (i < NBUCKETS)
            buf_addf(out, "stonks_handler_seconds_bucket{%s,le=\"%g\"} %lld\n",
                     labels, bucket_le[i], cum);
        else
            buf_addf(out,
                     "stonks_handler_seconds_bucket{%s,le=\"+Inf\"} %lld\n",
                     labels, cum);
    }
    buf_addf(out, "stonks_handler_seconds_sum{%s} %.6f\n", labels,
             (double)atomic_load(&sum_us) / 1e6);
    buf_addf(out, "stonks_handler_seconds_count{%s} %lld\n", labels, cum);
    buf_addf(out,
             "# HELP stonks_queue_depth Jobs waiting in the queue.\n"
             "# TYPE stonks_queue_depth gauge\nstonks_queue_depth{%s} %lld\n"
             "# HELP stonks_queue_in_flight Jobs taken, not acknowledged.\n"
             "# TYPE stonks_queue_in_flight gauge\n"
             "stonks_queue_in_flight{%s} %lld\n"
             "# HELP stonks_queue_dead Jobs in the dead letters.\n"
             "# TYPE stonks_queue_dead gauge\nstonks_queue_dead{%s} %lld\n",
             labels, atomic_load(&gauge_depth), labels,
             atomic_load(&gauge_in_flight), labels, atomic_load(&gauge_dead));
}
