/*
 * webclient: one HTTP request with libcurl, for the adapters that talk
 * to outside HTTP APIs (the risk-engine from broker-adapter, Alpaca's
 * trading API). Each call uses its own easy handle, so calls from
 * several threads are safe once webclient_init has run. The answer's
 * body is capped; a larger one is an error, never a truncated success.
 */
#ifndef STONKS_WEBCLIENT_H
#define STONKS_WEBCLIENT_H

#include <stddef.h>

#include "lib/buf.h"

typedef struct webclient_request {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;
    const char *body; /* NULL: none */
    size_t body_len;
    const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
    long timeout_ms; /* whole request; 0 means 10 s */
    long connect_timeout_ms; /* 0 means 3 s */
    size_t max_body; /* largest answer accepted; 0 means 1 MiB */
} webclient_request;

typedef struct webclient_response {
    long status; /* HTTP status; 0 when no answer arrived */
    buf body; /* the answer, NUL-terminated */
    int timed_out; /* 1 when the request ran out of time */
    int sent; /* 1 when the request went out (connected, about to send):
               * a change asked for may have been made, answer or not */
} webclient_response;

/* Initialises libcurl once per process (safe to call many times). */
void webclient_init(void);

/* Sends the request. Returns 0 when an HTTP answer arrived, whatever
 * its status, or -1 with a message in err when none did (cannot
 * connect, timed out, answer too large). res is initialised either way:
 * the caller releases it with webclient_response_release. */
int webclient_do(const webclient_request *req, webclient_response *res,
                 char *err, size_t errlen);
void webclient_response_release(webclient_response *res);

#endif
