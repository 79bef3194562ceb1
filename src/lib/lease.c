#include "lib/lease.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/xalloc.h"

/* Renewals come this often at the shortest, however short the timeout. */
#define LEASE_MIN_EVERY_MS 20

struct lease {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    queue_client *q; /* the thread's own connection */
    char *queue;
    char **ids; /* the batch in hand, copies; guarded by mu */
    size_t n;
    struct timespec since; /* when it was taken (CLOCK_MONOTONIC) */
    long long max_ms;
    int every_ms;
    int stop;
};

static long long ms_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - t->tv_sec) * 1000 +
           (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* Waits every_ms on the condition variable (woken early by a stop). */
static void wait_turn(lease *l)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += l->every_ms / 1000;
    until.tv_nsec += (long)(l->every_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!l->stop &&
           pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT)
        ;
}

static void *run(void *arg)
{
    lease *l = arg;
    int failing = 0, overdue = 0;

    pthread_mutex_lock(&l->mu);
    for (;;) {
        char **ids;
        size_t n;
        long renewed;

        wait_turn(l);
        if (l->stop)
            break;
        if (l->n == 0) {
            overdue = 0;
            continue;
        }
        if (ms_since(&l->since) > l->max_ms) {
            if (!overdue++)
                LOG_WARN("a batch has been in hand too long; its jobs are "
                         "left to the visibility timeout",
                         LF_S("queue", l->queue), LF_I("jobs", l->n),
                         LF_I("max_ms", l->max_ms));
            continue;
        }
        n = l->n;
        ids = xcalloc(n, sizeof(*ids));
        for (size_t i = 0; i < n; i++)
            ids[i] = xstrdup(l->ids[i]);
        pthread_mutex_unlock(&l->mu);
        renewed = queue_renew(l->q, l->queue, (const char *const *)ids, n);
        if (renewed < 0 && !failing++)
            LOG_WARN("cannot renew the hold on the jobs in hand; they go to "
                     "another worker after the visibility timeout",
                     LF_S("queue", l->queue), LF_S("error", queue_error(l->q)));
        else if (renewed >= 0)
            failing = 0;
        free_ids(ids, n);
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

lease *lease_start(const config *cfg, const char *consumer, const char *queue)
{
    lease *l = xcalloc(1, sizeof(*l));
    pthread_condattr_t ca;
    sigset_t all, old;
    char err[512];
    int rc;

    l->q = queue_open(cfg, consumer, err, sizeof(err));
    if (!l->q) {
        LOG_WARN("no lease on jobs in hand", LF_S("error", err));
        free(l);
        return NULL;
    }
    l->queue = xstrdup(queue);
    l->every_ms = cfg->queue_visibility_ms / 3;
    if (l->every_ms < LEASE_MIN_EVERY_MS)
        l->every_ms = LEASE_MIN_EVERY_MS;
    l->max_ms = LEASE_MAX_MS;
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* (stop signals are the worker loop's: none reaches this thread) */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&l->thread, NULL, run, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        LOG_WARN("no lease on jobs in hand", LF_S("error", strerror(rc)));
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        queue_close(l->q);
        free(l->queue);
        free(l);
        return NULL;
    }
    return l;
}

void lease_hold(lease *l, const queue_job *jobs, size_t n)
{
    char **ids;

    if (!l)
        return;
    if (n == 0) {
        lease_drop(l);
        return;
    }
    ids = xcalloc(n, sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = xstrdup(jobs[i].id);
    pthread_mutex_lock(&l->mu);
    free_ids(l->ids, l->n);
    l->ids = ids;
    l->n = n;
    clock_gettime(CLOCK_MONOTONIC, &l->since);
    pthread_mutex_unlock(&l->mu);
}

void lease_drop(lease *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    free_ids(l->ids, l->n);
    l->ids = NULL;
    l->n = 0;
    pthread_mutex_unlock(&l->mu);
}

void lease_stop(lease *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    free_ids(l->ids, l->n);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    queue_close(l->q);
    free(l->queue);
    free(l);
}
