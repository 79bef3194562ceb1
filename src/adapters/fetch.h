/*
 * fetch: HTTP GET for the market-data and news providers, with the
 * manners outside APIs expect. Before every request it takes one unit
 * of the provider's request budget (lib/budget, shared by all replicas
 * through Redis), waiting for the next minute when it is spent. It
 * retries, with capped exponential backoff and jitter, on HTTP 429
 * (waiting what Retry-After asks, seconds or an HTTP date, capped at
 * INGEST_RETRY_MAX_S), on 5xx, on a connection failure and on a
 * truncated answer (fewer bytes than Content-Length); it never retries
 * another 4xx. INGEST_MAX_RETRIES retries spent, it tells a server it
 * could not connect to or that still rate-limits (FETCH_RETRY) from one
 * that answered badly (FETCH_BUSY). An answer over the size limit is an error,
 * never a truncated success.
 *
 * A client keeps one curl handle (connection reuse) and is used by one
 * thread at a time. Header values given to it (API keys) are sent but
 * never logged or put in error messages; URLs are, so keys must travel
 * in headers.
 */
#ifndef STONKS_FETCH_H
#define STONKS_FETCH_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/config.h"

struct budget;

typedef struct fetch_options {
    const char *provider; /* budget and log name: "polygon" */
    const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
    struct budget *budget; /* NULL: no shared budget */
    int follow_redirects; /* 1: up to 5; keep 0 when headers hold keys,
                           * which curl would send to the new host */
} fetch_options;

typedef struct fetch_client fetch_client;

/* A client with the INGEST_* settings of c. Never fails. */
fetch_client *fetch_new(const config *c, const fetch_options *o);
void fetch_free(fetch_client *f);

typedef struct fetch_response {
    long status; /* the final HTTP status (2xx on success) */
    buf body; /* NUL-terminated */
    char content_type[128]; /* the Content-Type header, or "" */
    int attempts; /* requests made, retries included */
} fetch_response;

/* FETCH_OK: a 2xx answer is in res. FETCH_RETRY: the provider or Redis
 * could not be reached at all (no connection), or still answered 429
 * (a rate limit holds for every request of the key): the whole worker
 * waits. FETCH_BUSY: the provider was reached but still answered 5xx,
 * cut its answer or timed out after every retry: that request fails,
 * and its job is tried again later by the queue (one ticker whose
 * answers stay 503 must not hold back the others). FETCH_FAIL: the request
 * itself is wrong (another 4xx, or an answer over the size limit). err
 * says why for each. res is initialised in every case; release it with
 * fetch_response_release. */
enum { FETCH_OK = 0, FETCH_FAIL = -1, FETCH_RETRY = -2, FETCH_BUSY = -3 };

int fetch_get(fetch_client *f, const char *url, fetch_response *res, char *err,
              size_t errlen);
void fetch_response_release(fetch_response *res);

/* Requests made by this client so far (each retry counts). */
long fetch_requests(const fetch_client *f);

/* The delay a Retry-After value asks for, in ms, or -1 when it is
 * neither a number of seconds nor an HTTP date. now_s is the current
 * Unix time (for dates). */
long fetch_retry_after_ms(const char *value, long long now_s);

#endif
