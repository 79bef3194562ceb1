/*
 * lease: keeps the jobs a worker has in hand its own while its handler
 * works on them. A job taken and not acknowledged within
 * QUEUE_VISIBILITY_TIMEOUT_MS is claimed by the next worker to ask (the
 * holder is taken for dead), so a batch that outlasted the timeout (a
 * provider waiting out its rate limit, a slow model) ran twice, and
 * with few attempts left its jobs went to the dead letters although
 * they succeeded. A lease renews the hold (queue_renew) from a thread
 * of its own, on a Redis connection of its own, every third of the
 * timeout, for as long as the batch is in hand, up to LEASE_MAX_MS:
 * only a worker that died (or hangs past that) loses its jobs.
 *
 * The worker loop owns the lease: lease_hold when it has taken a batch,
 * lease_drop once the batch is settled, lease_stop at the end. Every
 * function accepts NULL (a lease that could not start: the jobs are
 * then held by the timeout alone, as before).
 */
#ifndef STONKS_LEASE_H
#define STONKS_LEASE_H

#include <stddef.h>

#include "lib/config.h"
#include "lib/queue.h"

/* The longest a batch is kept from other workers: a handler stuck for
 * longer (it should not be: every call it makes has a timeout) loses
 * its jobs to the next worker after the visibility timeout. */
#define LEASE_MAX_MS (60LL * 60 * 1000)

typedef struct lease lease;

/* Starts the renewing thread for consumer's jobs of queue; NULL (with a
 * log line) when it cannot. */
lease *lease_start(const config *cfg, const char *consumer, const char *queue);

/* The batch now in hand (the ids are copied). */
void lease_hold(lease *l, const queue_job *jobs, size_t n);

/* The batch is settled: nothing is in hand. */
void lease_drop(lease *l);

/* Stops the thread and frees the lease. */
void lease_stop(lease *l);

#endif
