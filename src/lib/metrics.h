/*
 * metrics: the counters and the latency histogram a worker exposes on
 * /metrics, in the Prometheus text format (version 0.0.4). One set per
 * process; updates are atomic, so the HTTP thread can render while the
 * worker loop counts.
 */
#ifndef STONKS_METRICS_H
#define STONKS_METRICS_H

#include <stddef.h>

#include "lib/buf.h"

typedef enum metrics_counter {
    METRIC_JOBS_DONE = 0,
    METRIC_JOBS_FAILED,
    METRIC_JOBS_RETRIED,
    METRIC_JOBS_DEAD,
    METRIC_BATCHES,
    METRIC_COUNTER_COUNT
} metrics_counter;

void metrics_add(metrics_counter c, long long n);

/* Records one handler run of the given duration. */
void metrics_observe_handler(double seconds);

/* The queue this process reads, and its depth / in-flight / dead
 * counts as last seen by the worker (gauges). */
void metrics_set_queue(const char *queue);
void metrics_set_depth(long long depth, long long in_flight, long long dead);

/* Appends every metric, labelled with service (and queue), to out. */
void metrics_render(buf *out, const char *service);

/* A counter's current value (for tests). */
long long metrics_get(metrics_counter c);

#endif
