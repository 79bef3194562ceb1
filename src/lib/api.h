/*
 * api: what the HTTP services (query-api, symbol-registry) share on top
 * of http: a route table that is at once the router, the query
 * parameter allow-list, the /docs page and the /openapi.json document
 * (so the three cannot disagree); bearer-token auth compared in
 * constant time; CORS for one origin; limits on query length, page
 * size and parameter values; ETags; per-route request counts and
 * latency histograms on /metrics; /health and /ready (PostgreSQL
 * reachable); and a PostgreSQL connection borrowed from a pool for the
 * length of one request.
 *
 * A handler validates its inputs with the api_param_* helpers, runs
 * parameterised, prepared statements with api_query, and writes its
 * answer into c->res. Every helper that fails has already written the
 * error answer ({"error":{"code","message"}} with a 4xx or 5xx status):
 * the handler just returns.
 */
#ifndef STONKS_API_H
#define STONKS_API_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/db.h"
#include "lib/dbpool.h"
#include "lib/http.h"

/* Who may call a route. */
enum {
    API_READ = 0, /* anyone, or token holders when API_READ_AUTH=1 */
    API_WRITE, /* token holders only, always */
    API_OPEN, /* anyone, always (probes, docs) */
};

#define API_PAGE_DEFAULT 50
#define API_PAGE_MAX 500
#define API_MAX_ARGS HTTP_MAX_ARGS /* {placeholders} in one path */
#define API_CURSOR_PARTS 4
#define API_CURSOR_PART_MAX 64

/* A query parameter a route accepts. type is one of "string",
 * "integer", "boolean", "date" (YYYY-MM-DD), "date-time" (ISO 8601 UTC
 * date or date-time) and "ticker"; it is what /openapi.json says, the
 * handler checks. */
typedef struct api_param {
    const char *name;
    const char *type;
    const char *desc;
} api_param;

typedef struct api api;
typedef struct api_call api_call;
typedef void (*api_fn)(api_call *c);

typedef struct api_route {
    const char *method; /* "GET", "POST", "PATCH", "DELETE" */
    const char *path; /* "/symbols/{ticker}": a {name} is one segment */
    api_fn fn;
    int access; /* API_READ, API_WRITE or API_OPEN */
    const char *summary; /* one line for /docs and /openapi.json */
    const api_param *query; /* ends with {NULL}; NULL: none allowed */
    const char *body_type; /* request body media type, or NULL */
    const char *body_schema; /* its JSON Schema (JSON text), or NULL */
    const char *schema; /* JSON Schema of the success answer, or NULL */
    int status; /* the success status; 0 means 200 */
    const char *produces; /* answer media type; NULL: application/json */
    int fresh; /* 1: never answered from the cache (see api_def) */
} api_route;

typedef struct api_def {
    const char *service; /* "query-api": log name and metrics label */
    const char *title; /* of the API, for /docs and /openapi.json */
    const char *description; /* a paragraph, plain text */
    const api_route *routes;
    size_t nroutes;
    /* Extra entries of components.schemas ("\"Name\":{...},...")
     * that the routes' schemas may $ref, or NULL. */
    const char *schemas;
    /* 1: a 200 answer of a GET route with API_READ access and not
     * "fresh" is kept for HTTP_CACHE_MS and given again to the same
     * path and query (after the auth check), without a database trip.
     * For services whose data only the pipeline changes; the registry
     * answers its own writes' readers at once and keeps this off. */
    int cache;
} api_def;

struct api_call {
    const http_request *req;
    http_response *res;
    const api_route *route;
    api *api;
    void *state; /* the service's, given to api_new */
    const config *cfg;
    const char *args[API_MAX_ARGS]; /* decoded path parameters */
    char *argbuf; /* where args are, as long as the path's segments */
    db *db; /* borrowed by api_db, given back after the handler */
};

/* Builds the router for def (def and c must outlive it; state is
 * handed to every handler). The built-in routes /health, /ready,
 * /metrics, /docs and /openapi.json come first. Returns NULL with a
 * message in err when API_TOKENS is malformed. Free with api_free. */
api *api_new(const api_def *def, const config *c, dbpool *pool, void *state,
             char *err, size_t errlen);
void api_free(api *a);

/* The http_handler of the service: pass the api as ctx. */
void api_handle(void *ctx, const http_request *req, http_response *res);

/* Runs a service until SIGTERM or SIGINT: a pool of POSTGRES_POOL_SIZE
 * connections, the router, the HTTP server on HTTP_BIND:HTTP_PORT.
 * Returns the process exit code (1 when the port cannot be bound). */
int api_main(const api_def *def, const config *c, void *state);

/* The route table as served (built-ins first), for tests. */
const api_route *api_routes(const api *a, size_t *n);

/* The /openapi.json document; owned by a. */
const char *api_openapi(const api *a);

/* Writes an error answer: status, {"error":{"code","message"}}, and a
 * log line (info for 4xx, error for 5xx). */
void api_error(api_call *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Answers 500 for a fault of ours: the details (what failed and why)
 * go to the log with the request id, not to the client. */
void api_internal(api_call *c, const char *what, const char *detail);

/* Query parameters. Each returns 1 when present and valid, 0 when
 * absent (the output is left alone), -1 after a 400 answer. */
int api_param_str(api_call *c, const char *name, size_t maxlen, char *out,
                  size_t cap);
int api_param_int(api_call *c, const char *name, long long min, long long max,
                  long long *out);
int api_param_bool(api_call *c, const char *name, int *out);
/* An ISO 8601 instant in UTC: "2011-09-01", "2011-09-01T13:30Z",
 * "2011-09-01T13:30:00Z" or with fractional seconds. out receives the
 * canonical "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" for PostgreSQL. */
int api_param_time(api_call *c, const char *name, char out[40]);

/* limit: API_PAGE_DEFAULT when absent; 1..API_PAGE_MAX. Returns 0, or
 * -1 after a 400 answer. */
int api_limit(api_call *c, long *limit);

/* cursor: an opaque token made by api_page. kinds has one letter per
 * part: 'i' an integer, 'd' a date YYYY-MM-DD, 't' an ISO 8601 UTC
 * instant (as api_param_time takes), 's' printable text.
 * Returns 1 and fills parts, 0 when absent, -1 after a 400 answer. */
int api_cursor(api_call *c, const char *kinds,
               char parts[][API_CURSOR_PART_MAX]);

/* A path parameter that must be a positive 64-bit integer. Returns 0,
 * or -1 after a 400 answer. */
int api_arg_id(api_call *c, int index, long long *id);

/* The borrowed connection, or NULL after a 503 answer. */
db *api_db(api_call *c);

/* Runs a prepared statement on the borrowed connection. Returns the
 * result (the caller PQclears it), or NULL after a 503 (server
 * unreachable) or 500 (logged) answer. */
PGresult *api_query(api_call *c, const char *name, const char *sql, int n,
                    const char *const *params);

/* 1 when the table exists; 0 after a 503 not_available answer naming
 * what is missing; -1 after a database error answer. A table once seen
 * is remembered. */
int api_table_ready(api_call *c, const char *table, const char *what);

/* Results as JSON. A row becomes an object whose members are the
 * columns, named as selected (alias every expression) and typed by
 * column type: booleans, numbers (NaN and infinities as null), json and
 * jsonb as they are, timestamp (without time zone: select "t AT TIME
 * ZONE 'UTC'") as ISO 8601 UTC to the second ("2011-09-01T13:30:00Z"),
 * NULL as null, anything else (text, dates) as a string. */

/* Appends row's columns from..end as an object. */
void api_row_object(buf *b, const PGresult *r, int row, int from);

/* Appends every row (columns from..end) as an array of objects. */
void api_rows_array(buf *b, const PGresult *r, int from);

/* Answers {"items":[...],"next_cursor":...} from r. The query asked for
 * limit + 1 rows; its first ncur columns are the sort key (the cursor's
 * parts), the others the item. When limit + 1 rows came, the key of row
 * limit - 1 makes next_cursor; otherwise it is null. */
void api_page(api_call *c, PGresult *r, long limit, int ncur);

/* Answers with row 0 of r as an object, or 404 with message when r has
 * no row. */
void api_one(api_call *c, PGresult *r, const char *what);

/* Appends JSON text as it is, less the blanks between tokens that
 * PostgreSQL writes ("a" : 1, "b" : 2). */
void api_add_json(buf *b, const char *s, size_t n);

/* The message for a body json_loadb refused with je: "WHAT is not
 * valid JSON: ..." with where, but for a NUL, which jansson refuses by
 * the name of its flag, "WHAT holds a NUL (\u0000), which is not
 * allowed". Shared with the trading services. */
void api_json_problem(const json_error_t *je, const char *what, char *out,
                      size_t cap);

/* The request body as a JSON object. Checks the media type (415), the
 * syntax (400 invalid_json) and that it is an object. Returns a new
 * reference or NULL after the error answer. */
json_t *api_json_body(api_call *c);

/* 1 when s[0..n) is valid UTF-8 without control characters (C0, DEL,
 * C1), bidirectional embeddings, overrides and isolates (U+202A to
 * U+202E, U+2066 to U+2069) or invisible spaces (U+200B, U+2060,
 * U+FEFF; the joiners U+200C and U+200D, which some scripts and emoji
 * need, are taken). */
int api_text_ok(const char *s, size_t n);

/* 1 when If-None-Match inm (NULL: none) is "*" or a comma-separated
 * list of entity tags that holds etag (a quoted tag; W/ before a tag
 * is ignored, as a GET compares weakly); anything that is not such a
 * list ("a""a") matches nothing. */
int api_etag_listed(const char *inm, const char *etag);

/* A strong ETag of s[0..n): a hash, quoted. The caller frees. */
char *api_etag_new(const char *s, size_t n);

/* 1 when req has a query parameter not named in allowed (ends with
 * {NULL}; NULL: none allowed), with the first such name in bad; else
 * 0. */
int api_query_unknown(const http_request *req, const api_param *allowed,
                      char *bad, size_t cap);

/* 1 when the request carries a valid bearer token. */
int api_authorized(const api *a, const http_request *req);

#endif
