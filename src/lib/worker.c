#include "lib/worker.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/lease.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/probe.h"
#include "lib/xalloc.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define IMMEDIATE_RETRIES 3
#define IDLE_PING_S 2.0

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void worker_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

pid_t worker_fork(void)
{
    sigset_t stop, old;
    pid_t pid;

    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    /* held while the child is set up; a pending one is taken after */
    sigprocmask(SIG_BLOCK, &stop, &old);
    pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return pid;
}

int worker_stopping(void)
{
    return stop_requested;
}

void worker_request_stop(void)
{
    stop_requested = 1;
}

void worker_sleep_ms(int ms)
{
    while (ms > 0 && !stop_requested) {
        int step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};

        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Capped exponential backoff with jitter: the next wait after prev. */
static double monotonic_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An idle worker still notices a lost PostgreSQL within a few seconds,
 * so that /ready tells the truth before the next job arrives. */
static void check_idle(worker *w, double *last, int *down)
{
    double now = monotonic_s();
    int ok;

    if (now - *last < IDLE_PING_S)
        return;
    *last = now;
    ok = db_ping(w->db) == DB_OK;
    if (!ok && !*down)
        LOG_ERROR("lost PostgreSQL while idle; not ready",
                  LF_S("error", db_error(w->db)));
    else if (ok && *down)
        LOG_INFO("PostgreSQL is back; ready");
    *down = !ok;
    probe_set_ready(w->probe, ok);
}

/* Refreshes the queue gauges of /metrics, at most once a second. */
static void refresh_gauges(worker *w, double *last)
{
    queue_stats st;
    double now = monotonic_s();

    if (now - *last < 1.0)
        return;
    *last = now;
    if (queue_stats_get(w->q, w->queue, &st) == 0)
        metrics_set_depth(st.depth, st.in_flight, st.dead);
}

static int next_backoff(int prev)
{
    int base = prev ? prev * 2 : BACKOFF_MIN_MS;

    if (base > BACKOFF_MAX_MS)
        base = BACKOFF_MAX_MS;
    return base / 2 + rand() % (base / 2 + 1);
}

void worker_consumer_name(const char *service, char *out, size_t cap)
{
    char host[64] = "local";

    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(out, cap, "%s-%s-%ld", service, host, (long)getpid());
}

int worker_connect(const config *cfg, const char *consumer, db **d,
                   queue_client **q)
{
    char err[512];
    int wait = 0, logged_db = 0, logged_q = 0;

    *d = NULL;
    *q = NULL;
    while (!stop_requested) {
        if (!*d)
            *d = db_open(cfg, err, sizeof(err));
        if (!*d && !logged_db++)
            LOG_ERROR("waiting for PostgreSQL", LF_S("error", err));
        if (!*q)
            *q = queue_open(cfg, consumer, err, sizeof(err));
        if (!*q && !logged_q++)
            LOG_ERROR("waiting for Redis", LF_S("error", err));
        if (*d && *q) {
            if (logged_db || logged_q)
                LOG_INFO("connected to PostgreSQL and Redis");
            return 0;
        }
        wait = next_backoff(wait);
        worker_sleep_ms(wait);
    }
    db_close(*d);
    queue_close(*q);
    *d = NULL;
    *q = NULL;
    return -1;
}

int worker_push(worker *w, const char *queue, char **payloads, size_t n)
{
    size_t *lens;
    int rc;

    if (n == 0)
        return WORKER_OK;
    lens = xcalloc(n, sizeof(*lens));
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(payloads[i]);
    rc = queue_push(w->q, queue, (const char *const *)payloads, lens, n);
    free(lens);
    if (rc < 0) {
        LOG_WARN("cannot enqueue", LF_S("queue", queue),
                 LF_S("error", queue_error(w->q)));
        return WORKER_RETRY;
    }
    return WORKER_OK;
}

int worker_push_later(worker *w, const char *queue, const char *key,
                      const char *payload, long delay_ms)
{
    if (queue_push_later(w->q, queue, key, payload, strlen(payload), delay_ms) <
        0) {
        LOG_WARN("cannot enqueue", LF_S("queue", queue),
                 LF_S("error", queue_error(w->q)));
        return WORKER_RETRY;
    }
    return WORKER_OK;
}

void worker_job_failed(worker *w, size_t i, const char *err)
{
    /* a mark the worker cannot take would acknowledge a failed job */
    assert(i < w->nfailed);
    free(w->failed[i]);
    w->failed[i] = xstrdup(err && err[0] ? err : "handler failed");
}

/* Forgets the marks of worker_job_failed and makes room for n jobs. */
static void clear_failed(worker *w, size_t n)
{
    for (size_t i = 0; i < w->nfailed; i++)
        free(w->failed[i]);
    free(w->failed);
    w->failed = n ? xcalloc(n, sizeof(*w->failed)) : NULL;
    w->nfailed = n;
}

/* Runs the handler on jobs until it stops asking for a retry. Returns
 * the handler's final answer (WORKER_RETRY only when stopping); with
 * WORKER_OK, w->failed holds the jobs it marked failed. */
static int run_handler(const worker_def *def, worker *w, queue_job *jobs,
                       size_t n, char *err, size_t errlen)
{
    int wait = 0, logged = 0, tries = 0;

    for (;;) {
        int rc;

        double t0 = monotonic_s();

        err[0] = '\0';
        clear_failed(w, n);
        if (n == 1)
            log_set_job(jobs[0].id);
        rc = def->handle(w, jobs, n, err, errlen);
        log_set_job(NULL);
        metrics_observe_handler(monotonic_s() - t0);
        metrics_add(METRIC_BATCHES, 1);
        if (rc != WORKER_RETRY && rc != WORKER_WAIT) {
            if (logged)
                LOG_INFO("servers are back, resuming");
            probe_set_ready(w->probe, 1);
            return rc;
        }
        probe_set_ready(w->probe, 0);
        if (stop_requested)
            return WORKER_RETRY;
        /* A deadlock or serialization failure clears at once: the
         * first retries are immediate; a server that stays away gets
         * the capped backoff, at once when the handler has retried it
         * already. */
        if (rc == WORKER_WAIT)
            tries = IMMEDIATE_RETRIES;
        if (++tries <= IMMEDIATE_RETRIES) {
            LOG_INFO("transient failure, retrying", LF_S("error", err));
            continue;
        }
        if (!logged++)
            LOG_ERROR("server unreachable or rate-limiting, backing off",
                      LF_S("error", err));
        wait = next_backoff(wait);
        worker_sleep_ms(wait);
    }
}

/* Acknowledges jobs, retrying while Redis is down. */
static void ack_jobs(worker *w, queue_job *jobs, size_t n)
{
    int wait = 0;

    metrics_add(METRIC_JOBS_DONE, (long long)n);
    while (queue_ack(w->q, w->queue, jobs, n) < 0) {
        if (!wait)
            LOG_ERROR("cannot acknowledge jobs",
                      LF_S("error", queue_error(w->q)));
        if (stop_requested)
            return; /* redelivered later; handlers are idempotent */
        wait = next_backoff(wait);
        worker_sleep_ms(wait);
    }
}

static void fail_job(worker *w, queue_job *job, const char *err)
{
    int dead = 0;

    metrics_add(METRIC_JOBS_FAILED, 1);
    if (queue_fail(w->q, w->queue, job, err, &dead) < 0) {
        LOG_ERROR("cannot record job failure; it will be redelivered",
                  LF_S("id", job->id), LF_S("error", queue_error(w->q)));
        return;
    }
    metrics_add(dead ? METRIC_JOBS_DEAD : METRIC_JOBS_RETRIED, 1);
    if (!dead)
        LOG_WARN("job failed, will retry", LF_S("queue", w->queue),
                 LF_S("id", job->id), LF_I("attempts", job->attempts + 1),
                 LF_S("error", err));
    else if (w->def && w->def->dead)
        w->def->dead(w, job, err);
}

/* A job queue_take moved to the dead letters itself: its workers died
 * on it (or timed out) too often. */
static void reclaimed_dead(void *arg, const queue_job *job, const char *err)
{
    worker *w = arg;

    metrics_add(METRIC_JOBS_DEAD, 1);
    if (w->def && w->def->dead)
        w->def->dead(w, job, err);
}

/* After a WORKER_OK: acknowledges the jobs of the batch, records the
 * failure of those the handler marked. */
static void settle(worker *w, queue_job *jobs, size_t n)
{
    queue_job *good = xcalloc(n, sizeof(*good));
    size_t ngood = 0;

    for (size_t i = 0; i < n; i++)
        if (i >= w->nfailed || !w->failed[i])
            good[ngood++] = jobs[i];
    if (ngood)
        ack_jobs(w, good, ngood);
    for (size_t i = 0; i < n && i < w->nfailed; i++)
        if (w->failed[i])
            fail_job(w, &jobs[i], w->failed[i]);
    free(good);
    clear_failed(w, 0);
}

static void process_batch(const worker_def *def, worker *w, queue_job *jobs,
                          size_t n)
{
    char err[1024];
    int rc = run_handler(def, w, jobs, n, err, sizeof(err));

    if (rc == WORKER_OK) {
        settle(w, jobs, n);
        return;
    }
    clear_failed(w, 0);
    if (rc == WORKER_RETRY)
        return;
    if (n == 1) {
        fail_job(w, &jobs[0], err[0] ? err : "handler failed");
        return;
    }
    /* Isolate the bad job: each job alone, to the end of the batch also
     * when a stop was asked for (the batch in hand is finished; one
     * left half-way waited out the visibility timeout, and counted a
     * crash against each job) */
    for (size_t i = 0; i < n; i++) {
        rc = run_handler(def, w, &jobs[i], 1, err, sizeof(err));
        if (rc == WORKER_OK)
            settle(w, &jobs[i], 1);
        else if (rc == WORKER_FAIL)
            fail_job(w, &jobs[i], err[0] ? err : "handler failed");
        clear_failed(w, 0);
    }
}

/* A small batch waits QUEUE_LINGER_MS once for more jobs: fewer, larger
 * transactions cost the database far less than many small ones. */
static void linger(worker *w, queue_job **jobs, size_t *n)
{
    queue_job *more;
    size_t m;

    worker_sleep_ms(w->cfg->queue_linger_ms);
    if (queue_take(w->q, w->queue, (size_t)w->cfg->queue_batch - *n, 0, &more,
                   &m) < 0 ||
        m == 0) {
        return;
    }
    *jobs = xreallocarray(*jobs, *n + m, sizeof(**jobs));
    memcpy(*jobs + *n, more, m * sizeof(*more));
    *n += m;
    free(more);
}

/* The idle-in-transaction limit of the worker's session (0: none). */
static long idle_tx_ms(const worker_def *def, const config *c)
{
    long wait = def->tx_wait_ms ? def->tx_wait_ms(c) : 0;
    long base = c->queue_visibility_ms > WORKER_IDLE_TX_MS
                    ? c->queue_visibility_ms
                    : WORKER_IDLE_TX_MS;

    return wait < 0 ? 0 : base + wait;
}

int worker_run(const worker_def *def, const config *cfg)
{
    worker w;
    char err[512];
    int wait = 0, rc = 0;
    double last_gauges = 0, last_ping = 0;
    int pg_down = 0;
    lease *held = NULL;
    long idle_tx;

    memset(&w, 0, sizeof(w));
    w.cfg = cfg;
    w.service = def->service;
    w.queue = def->queue;
    w.def = def;
    worker_consumer_name(def->service, w.consumer, sizeof(w.consumer));
    worker_install_signals();
    srand((unsigned)getpid());
    metrics_set_queue(def->queue);
    w.probe = probe_start(cfg, def->service, err, sizeof(err));
    if (!w.probe && cfg->http_port)
        LOG_WARN("no /health endpoint", LF_S("error", err));

    if (worker_connect(cfg, w.consumer, &w.db, &w.q) < 0) {
        probe_stop(w.probe);
        return 0;
    }
    queue_set_dead_hook(w.q, reclaimed_dead, &w);
    probe_set_ready(w.probe, 1);
    if (def->init && def->init(&w, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot start", LF_S("error", err));
        rc = 1;
        goto out;
    }
    held = lease_start(cfg, w.consumer, def->queue);
    idle_tx = idle_tx_ms(def, cfg);
    db_set_idle_tx_timeout(w.db, idle_tx);
    LOG_INFO("worker started", LF_S("queue", def->queue),
             LF_S("consumer", w.consumer), LF_I("idle_tx_ms", idle_tx));

    while (!stop_requested) {
        queue_job *jobs;
        size_t n;

        refresh_gauges(&w, &last_gauges);
        if (queue_take(w.q, def->queue, (size_t)cfg->queue_batch,
                       cfg->queue_block_ms, &jobs, &n) < 0) {
            probe_set_ready(w.probe, 0);
            if (!wait)
                LOG_ERROR("cannot take jobs, backing off",
                          LF_S("error", queue_error(w.q)));
            wait = next_backoff(wait);
            worker_sleep_ms(wait);
            continue;
        }
        if (wait)
            LOG_INFO("Redis is back, resuming");
        if (wait)
            probe_set_ready(w.probe, 1);
        wait = 0;
        /* (held while it lingers too: a take after a linger longer than
         * the timeout claimed the worker's own jobs) */
        lease_hold(held, jobs, n);
        if (n > 0 && n < (size_t)cfg->queue_batch / 4 &&
            cfg->queue_linger_ms > 0) {
            linger(&w, &jobs, &n);
            lease_hold(held, jobs, n);
        }
        if (n > 0) {
            process_batch(def, &w, jobs, n);
            lease_drop(held);
        } else {
            check_idle(&w, &last_ping, &pg_down);
            if (def->idle)
                def->idle(&w);
        }
        queue_jobs_free(jobs, n);
    }
    LOG_INFO("worker stopping on signal");

out:
    lease_stop(held);
    if (def->fini)
        def->fini(&w);
    db_close(w.db);
    queue_close(w.q);
    probe_stop(w.probe);
    return rc;
}
