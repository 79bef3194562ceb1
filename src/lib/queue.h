/*
 * queue: named job queues in Redis with at-least-once delivery.
 *
 * Design: each queue is a Redis stream `stonks:queue:<name>` read by one
 * consumer group ("workers"); every worker process is a consumer. A job
 * taken with XREADGROUP stays in the group's pending list until the
 * worker acknowledges it (XACK + XDEL, after its handler committed), so
 * a worker that dies mid-job loses nothing: once a pending job has been
 * idle for QUEUE_VISIBILITY_TIMEOUT_MS, the next queue_take of any
 * worker claims it (XCLAIM re-checks the idle time, so exactly one
 * worker wins). A handler failure re-adds the job with its attempt
 * count raised, after QUEUE_RETRY_DELAY_MS (doubling with each failure,
 * in the sorted set `stonks:delay:<name>` meanwhile: a failure that
 * passes in seconds no longer spends every attempt at once); after
 * QUEUE_MAX_ATTEMPTS failures (crashes count too,
 * from the stream's delivery counter) the job moves to the list
 * `stonks:dead:<name>` with its error, attempts and first failure time.
 *
 * Not thread-safe: one queue_client per thread. Every call returns 0 on
 * success or -1 when Redis cannot be reached or answered with an error;
 * queue_error says why, and the next call reconnects. A read
 * (queue_stats_get, queue_dead_list, queue_get) that finds the
 * connection kept from an earlier call cut (a Redis restarted since)
 * goes again once on a new one, so that its caller sees no failure.
 */
#ifndef STONKS_QUEUE_H
#define STONKS_QUEUE_H

#include <stddef.h>

#include "lib/config.h"

typedef struct queue_client queue_client;

typedef struct queue_job {
    char id[48]; /* stream entry id */
    char *payload; /* owned by the job array */
    size_t len;
    int attempts; /* failures so far, crashes included */
    long long first_failure_ms; /* 0 when it never failed */
    size_t oversize; /* payload's real size when over the limit */
    int malformed; /* the entry had no payload field */
} queue_job;

typedef struct queue_stats {
    long long depth; /* waiting, not yet taken (failed ones too) */
    long long delayed; /* of those, waiting for their time: failed ones
                        * for a retry, queue_push_later's */
    long long in_flight; /* taken, not acknowledged */
    long long dead; /* in the dead-letter list */
} queue_stats;

/* The longest payload accepted by queue_push (1 MiB). A longer one that
 * reached a stream by other means is moved to the dead letters as soon
 * as it is taken, with only its first QUEUE_DEAD_EXCERPT bytes kept. */
#define QUEUE_MAX_PAYLOAD (1u << 20)
#define QUEUE_DEAD_EXCERPT 1024

/* Connects with the REDIS_* and QUEUE_* settings; consumer names this
 * worker within each group (unique per process). Returns NULL with a
 * message in err when Redis cannot be reached. */
queue_client *queue_open(const config *c, const char *consumer, char *err,
                         size_t errlen);
void queue_close(queue_client *q);
const char *queue_error(const queue_client *q);

/* Appends n jobs to the queue in one round trip. */
int queue_push(queue_client *q, const char *queue, const char *const *payloads,
               const size_t *lens, size_t n);

/* Appends one job that may be taken from delay_ms on (a follow-up
 * asked for later), without holding the caller meanwhile: it waits in
 * the delay set, as a failed job waits for its retry, and counts as
 * delayed in queue_stats until then. key (printable, under 100 bytes)
 * names it there: while a job of the same key waits, this one replaces
 * it, due at the sooner of the two times, so that one thing is
 * followed by one chain of jobs however often it is asked for (NULL:
 * a job of its own). Due times are kept by Redis's clock (TIME), so
 * processes whose clocks differ agree on them (a failed job's retry
 * too). */
int queue_push_later(queue_client *q, const char *queue, const char *key,
                     const char *payload, size_t len, long delay_ms);

/* Takes up to max jobs: first jobs whose visibility timeout expired,
 * then new ones, waiting up to block_ms when there are none (0: do not
 * wait). On success
 * *jobs (free with queue_jobs_free) and *n are set; *n may be 0. Jobs
 * that already failed QUEUE_MAX_ATTEMPTS times are moved to the dead
 * letters here instead of being returned. */
int queue_take(queue_client *q, const char *queue, size_t max, int block_ms,
               queue_job **jobs, size_t *n);

/* Renews the hold of this client's consumer on jobs it has in hand
 * (ids[0..n), of queue): their idle time goes back to 0, so that the
 * reclaim of queue_take leaves them to it while its handler works on
 * them, however long that takes. One no longer pending, or pending
 * with another consumer (reclaimed meanwhile), is left as it is; no
 * delivery is counted. Returns how many were renewed, or -1. */
long queue_renew(queue_client *q, const char *queue, const char *const *ids,
                 size_t n);

/* Called by queue_take for each job it moved to the dead letters
 * because its workers stopped holding it (crash or timeout) too many
 * times, with that error; what waits on the job may go on without it.
 * Not for a payload over the limit or an entry with none. */
typedef void (*queue_dead_hook)(void *arg, const queue_job *job,
                                const char *error);
void queue_set_dead_hook(queue_client *q, queue_dead_hook fn, void *arg);
void queue_jobs_free(queue_job *jobs, size_t n);

/* Acknowledges and deletes n jobs. */
int queue_ack(queue_client *q, const char *queue, const queue_job *jobs,
              size_t n);

/* Records a failure of job: re-queues it with attempts + 1, or moves it
 * to the dead letters when that reaches QUEUE_MAX_ATTEMPTS (*dead = 1).
 */
int queue_fail(queue_client *q, const char *queue, const queue_job *job,
               const char *error, int *dead);

int queue_stats_get(queue_client *q, const char *queue, queue_stats *st);

/* Dead letters: each is a JSON object {"id","queue","payload","error",
 * "attempts","first_failure_ms","dead_at_ms"}, with "payload_cut":true
 * after the payload when only its first QUEUE_DEAD_EXCERPT bytes were
 * kept. queue_dead_list returns up to max of them, newest first, as a
 * JSON array in a new string (the caller frees); an entry that is no
 * JSON object (pushed by hand) is shown as {"unreadable": its text}.
 * queue_dead_retry moves them back to the queue with their attempts
 * reset and sets *moved, except those whose payload was cut or missing
 * and those that are no record of ours (no worker could take them),
 * which stay in the dead letters and are counted in *kept. */
char *queue_dead_list(queue_client *q, const char *queue, long max);
int queue_dead_retry(queue_client *q, const char *queue, long *moved,
                     long *kept);

/* Plain string keys for small shared state (scheduler watermark,
 * progress). queue_get returns a new string or NULL when the key does
 * not exist or on error (check queue_error). */
int queue_set(queue_client *q, const char *key, const char *value);
/* queue_set of a key that expires ttl_ms from now unless set again. */
int queue_set_ttl(queue_client *q, const char *key, const char *value,
                  int ttl_ms);
char *queue_get(queue_client *q, const char *key);
/* queue_get that tells a missing key (0, *value NULL) from a failure
 * (-1, queue_error says why). */
int queue_lookup(queue_client *q, const char *key, char **value);
int queue_del(queue_client *q, const char *key);

/* Deletes the stream, its group and the dead letters of a queue (for a
 * fresh replay). */
int queue_purge(queue_client *q, const char *queue);

#endif
