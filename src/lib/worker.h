/*
 * worker: the loop every queue service runs. It takes a batch of jobs,
 * hands them to the service's handler (which commits its writes in one
 * transaction and enqueues follow-up jobs), then acknowledges them.
 *
 * Handler contract: return WORKER_OK only after everything the jobs
 * imply is committed and enqueued; the worker then acknowledges them.
 * WORKER_RETRY means a server is unreachable: nothing is acknowledged,
 * the worker retries at once a few times (a deadlock clears so), then
 * backs off (capped exponential with jitter, logging once) and runs
 * the same batch again when the server is back. WORKER_WAIT is
 * WORKER_RETRY from a handler that has already retried the server
 * itself (a provider that stays away or rate-limits): the worker backs
 * off at once, since asking again at once would only spend the
 * provider's quota. WORKER_FAIL
 * means the input is at fault: a batch of several jobs is re-run one
 * job at a time to find the bad one, and a single failing job is
 * recorded with queue_fail (retried, then dead-lettered) with the
 * handler's message. A handler that can tell which job is at fault
 * marks it with worker_job_failed and returns WORKER_OK for the rest,
 * so that no good job of the batch is run twice. Handlers must be idempotent: a
 * job may run again after a crash.
 *
 * SIGTERM or SIGINT: the batch in hand is finished (or, if a server is
 * down, left for redelivery) and worker_run returns 0.
 */
#ifndef STONKS_WORKER_H
#define STONKS_WORKER_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/db.h"
#include "lib/queue.h"

enum { WORKER_OK = 0, WORKER_FAIL = -1, WORKER_RETRY = -2, WORKER_WAIT = -3 };

typedef struct worker {
    const config *cfg;
    const char *service;
    const char *queue; /* the queue this worker reads */
    db *db;
    queue_client *q;
    void *state; /* the service's own, set by init */
    char consumer[128];
    struct probe *probe; /* /health, /ready, /metrics; NULL when off */
    const struct worker_def *def;
    char **failed; /* per job of the batch in hand: worker_job_failed */
    size_t nfailed; /* the batch's size, the length of failed */
} worker;

typedef struct worker_def {
    const char *service;
    const char *queue;
    /* Optional: prepares w->state once the servers are reachable.
     * Returns 0, or -1 with a message in err (start-up fails). */
    int (*init)(worker *w, char *err, size_t errlen);
    void (*fini)(worker *w);
    int (*handle)(worker *w, queue_job *jobs, size_t n, char *err,
                  size_t errlen);
    /* Optional: job has just been moved to the dead letters after its
     * last failure (err), or because its workers died on it (or timed
     * out) QUEUE_MAX_ATTEMPTS times: what waits on it may go on without
     * it. Not called for a payload over the limit. */
    void (*dead)(worker *w, const queue_job *job, const char *err);
    /* Optional: called when a take found no job (every QUEUE_BLOCK_MS
     * or so while the queue is empty), for work a service does on its
     * own clock. */
    void (*idle)(worker *w);
    /* Optional: the longest the handler may wait on something else (a
     * model, a broker) inside a transaction, in ms, or -1 when its
     * transactions may sit idle without bound (the lake's writer). The
     * worker's session is ended by PostgreSQL when it sits idle in a
     * transaction for WORKER_IDLE_TX_MS (or QUEUE_VISIBILITY_TIMEOUT_MS,
     * if longer) plus this: a worker stopped mid-transaction (SIGSTOP, a
     * frozen machine) then lets go of the rows the workers that took its
     * jobs over wait for. */
    long (*tx_wait_ms)(const config *c);
} worker_def;

#define WORKER_IDLE_TX_MS 10000

/* Runs the loop until SIGTERM/SIGINT. Returns the process exit code. */
int worker_run(const worker_def *def, const config *cfg);

/* Installs the SIGTERM/SIGINT handlers; worker_stopping() is then 1
 * once a signal arrived. Used by non-queue loops (the scheduler). */
void worker_install_signals(void);

/* fork() for a supervisor (demo, up) that has installed the handlers
 * above: in the child, SIGTERM and SIGINT are back to their default
 * action before any can be taken, so a stop sent between the fork and
 * the child's exec ends the child instead of setting a flag the exec
 * forgets (the child then ran on, and the supervisor waited on it for
 * ever). Returns what fork() does. */
pid_t worker_fork(void);
int worker_stopping(void);

/* Stops the process's worker loop as a stop signal does (from a thread
 * of its own that found it cannot go on). */
void worker_request_stop(void);

/* Sleeps ms milliseconds, waking early when a stop signal arrives. */
void worker_sleep_ms(int ms);

/* Connects to PostgreSQL and Redis, retrying with backoff until both
 * answer or a stop signal arrives (then returns -1). */
int worker_connect(const config *cfg, const char *consumer, db **d,
                   queue_client **q);

/* A unique consumer name: "<service>-<host>-<pid>". */
void worker_consumer_name(const char *service, char *out, size_t cap);

/* For a handler that goes on without job i of its batch: that job
 * failed on its own (its input, or a provider that answered it badly),
 * and err says why. When the handler then returns WORKER_OK, the worker
 * records the failure (the job is retried, then dead-lettered) and
 * acknowledges the other jobs; on any other return the mark is dropped
 * with the batch's outcome. */
void worker_job_failed(worker *w, size_t i, const char *err);

/* Pushes one job per payload string. Returns WORKER_OK or WORKER_RETRY.
 */
int worker_push(worker *w, const char *queue, char **payloads, size_t n);

/* Pushes one job to be taken delay_ms from now (queue_push_later, key
 * as there), for a follow-up that must not hold the worker meanwhile.
 * Returns WORKER_OK or WORKER_RETRY. */
int worker_push_later(worker *w, const char *queue, const char *key,
                      const char *payload, long delay_ms);

#endif
