/*
 * trino: one query through Trino's HTTP client protocol. The statement
 * is POSTed to <url>/v1/statement with the user, catalog and schema in
 * X-Trino-* headers and the time limit as the query_max_execution_time
 * session property; the client then follows each answer's nextUri
 * (the query goes QUEUED, RUNNING, then FINISHED or FAILED) and gathers
 * the typed columns and the rows. Answers 429, 502, 503 and 504 are
 * retried after a short wait, as the protocol asks. Past the row limit
 * or the time limit the query is cancelled with DELETE on its nextUri.
 *
 * Does not check that the statement is a SELECT: lakesql does, before
 * calling. Thread-safe (webclient).
 */
#ifndef STONKS_TRINO_H
#define STONKS_TRINO_H

#include <stddef.h>

#include "adapters/lakesql.h"

typedef struct trino_options {
    const char *url; /* "http://trino:8080", no trailing path */
    const char *user;
    const char *catalog;
    const char *schema;
} trino_options;

/* Runs sql and appends its columns and rows to res (initialised by the
 * caller). Returns LAKESQL_OK, LAKESQL_EQUERY (Trino's USER_ERROR: bad
 * syntax, unknown table), LAKESQL_ETIMEOUT, or LAKESQL_EENGINE (cannot
 * connect, a malformed answer, any other failure), with a message in
 * err. */
int trino_query(const trino_options *o, const char *sql,
                const lakesql_limits *lim, lakesql_result *res, char *err,
                size_t errlen);

#endif
