/*
 * dbpool: a fixed number of PostgreSQL connections shared by the
 * threads of an HTTP service. A thread borrows one connection with
 * dbpool_get, runs its statements (db_execp prepares each named
 * statement once per connection, so a hot query is parsed and planned
 * once per connection, not once per request), and gives it back with
 * dbpool_put. Connections are opened on first use, so a service starts
 * while PostgreSQL is still down and reports it on /ready.
 */
#ifndef STONKS_DBPOOL_H
#define STONKS_DBPOOL_H

#include <stddef.h>

#include "lib/config.h"
#include "lib/db.h"

typedef struct dbpool dbpool;

typedef struct dbpool_stats {
    int size; /* connections allowed */
    int open; /* connections opened so far and not closed */
    int in_use; /* borrowed right now */
    long long waits; /* dbpool_get calls that had to wait */
    long long timeouts; /* dbpool_get calls that gave up */
} dbpool_stats;

/* A pool of up to size connections with the POSTGRES_* settings of c
 * (c must outlive the pool). Opens none yet. Free with dbpool_free
 * (NULL is safe) once no connection is borrowed. */
dbpool *dbpool_new(const config *c, int size);
void dbpool_free(dbpool *p);

/* Borrows a connection, waiting up to wait_ms for one to come back
 * when all are in use. Returns NULL with a message in err when none
 * came back in time or PostgreSQL cannot be reached. */
db *dbpool_get(dbpool *p, int wait_ms, char *err, size_t errlen);

/* Gives d back. A connection left inside a transaction is rolled back
 * first. NULL is ignored. */
void dbpool_put(dbpool *p, db *d);

void dbpool_stats_get(dbpool *p, dbpool_stats *st);

#endif
