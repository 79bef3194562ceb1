/*
 * dbpool: idle connections are kept on a stack (the most recently used
 * one is the warmest); `open` counts connections that exist or are
 * being opened, so that at most `size` ever exist. Opening happens
 * outside the lock: a slow or unreachable server never blocks threads
 * that only give connections back.
 */
#include "lib/dbpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/xalloc.h"

struct dbpool {
    const config *cfg;
    pthread_mutex_t lock;
    pthread_cond_t returned;
    db **idle;
    int nidle;
    int size;
    int open;
    long long waits;
    long long timeouts;
};

dbpool *dbpool_new(const config *c, int size)
{
    dbpool *p = xcalloc(1, sizeof(*p));
    pthread_condattr_t ca;

    p->cfg = c;
    p->size = size > 0 ? size : 1;
    p->idle = xcalloc((size_t)p->size, sizeof(*p->idle));
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->returned, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

void dbpool_free(dbpool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nidle; i++)
        db_close(p->idle[i]);
    pthread_cond_destroy(&p->returned);
    pthread_mutex_destroy(&p->lock);
    free(p->idle);
    free(p);
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

db *dbpool_get(dbpool *p, int wait_ms, char *err, size_t errlen)
{
    struct timespec until;
    db *d = NULL;
    int waited = 0;

    deadline_in(&until, wait_ms);
    pthread_mutex_lock(&p->lock);
    while (p->nidle == 0 && p->open >= p->size) {
        if (!waited++)
            p->waits++;
        if (pthread_cond_timedwait(&p->returned, &p->lock, &until) ==
            ETIMEDOUT) {
            if (p->nidle == 0 && p->open >= p->size) {
                p->timeouts++;
                pthread_mutex_unlock(&p->lock);
                snprintf(err, errlen, "all %d database connections are busy",
                         p->size);
                return NULL;
            }
        }
    }
    if (p->nidle > 0) {
        d = p->idle[--p->nidle];
        pthread_mutex_unlock(&p->lock);
        return d;
    }
    p->open++;
    pthread_mutex_unlock(&p->lock);

    d = db_open(p->cfg, err, errlen);
    if (!d) {
        pthread_mutex_lock(&p->lock);
        p->open--;
        pthread_cond_signal(&p->returned);
        pthread_mutex_unlock(&p->lock);
    }
    return d;
}

void dbpool_put(dbpool *p, db *d)
{
    if (!d)
        return;
    db_rollback(d);
    pthread_mutex_lock(&p->lock);
    p->idle[p->nidle++] = d;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->lock);
}

void dbpool_stats_get(dbpool *p, dbpool_stats *st)
{
    pthread_mutex_lock(&p->lock);
    st->size = p->size;
    st->open = p->open;
    st->in_use = p->open - p->nidle;
    st->waits = p->waits;
    st->timeouts = p->timeouts;
    pthread_mutex_unlock(&p->lock);
}
