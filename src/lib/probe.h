/*
 * probe: the /health, /ready and /metrics endpoints of a worker, on
 * HTTP_BIND:HTTP_PORT (none when HTTP_PORT is 0). /health answers 200 as
 * long as the process runs its loop; /ready answers 200 only while the
 * worker reaches PostgreSQL and Redis (503 otherwise), so an
 * orchestrator stops counting on a worker that lost a server.
 */
#ifndef STONKS_PROBE_H
#define STONKS_PROBE_H

#include "lib/config.h"

typedef struct probe probe;

/* Starts the endpoints, or returns NULL when HTTP_PORT is 0 or the port
 * cannot be bound (err says which; the worker runs on without). */
probe *probe_start(const config *c, const char *service, char *err,
                   size_t errlen);
void probe_stop(probe *p);

/* What /ready reports: 1 ready, 0 not. */
void probe_set_ready(probe *p, int ready);

#endif
