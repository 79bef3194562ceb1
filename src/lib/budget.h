/*
 * budget: a request budget per outside provider, shared by every
 * replica through Redis, so that two ingestion workers together stay
 * within a provider's rate limit. The budget is a fixed window of one
 * minute on Redis's own clock (TIME), so replicas on machines with
 * different clocks count in the same window: key
 * stonks:budget:<provider>:<minute>, incremented atomically by a Lua
 * script and expiring after two minutes.
 *
 * A handle keeps its own Redis connection (reconnected on the next call
 * after a failure) and is used by one thread at a time.
 */
#ifndef STONKS_BUDGET_H
#define STONKS_BUDGET_H

#include <stddef.h>

#include "lib/config.h"

typedef struct budget budget;

/* Connects with the REDIS_* settings. Returns NULL with a message in
 * err when Redis cannot be reached. Free with budget_free. */
budget *budget_open(const config *c, char *err, size_t errlen);
void budget_free(budget *b);

/* Takes one request from provider's budget of per_min requests a
 * minute. Returns 0 when granted; 1 when this minute is spent, with
 * *wait_ms set to the time until the next window; -1 with a message in
 * err when Redis failed. */
int budget_take(budget *b, const char *provider, int per_min, long *wait_ms,
                char *err, size_t errlen);

#endif
