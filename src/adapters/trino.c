#include "adapters/trino.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/webclient.h"
#include "lib/buf.h"
#include "lib/url.h"
#include "lib/xalloc.h"

#define TRINO_MAX_PAGE (64u << 20) /* the largest answer page accepted */
#define TRINO_RETRY_WAIT_MS 100
#define TRINO_CANCEL_TIMEOUT_MS 2000
#define TRINO_SOURCE "stonks-oracle"

typedef struct trino_call {
    const trino_options *o;
    const lakesql_limits *lim;
    lakesql_result *res;
    char origin[512]; /* "http://host:port/": nextUri must start so */
    char *headers[8];
    size_t nheaders;
    double deadline_ms;
} trino_call;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* A header value from the settings must not end the header early. */
static int header_safe(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 0;
    return 1;
}

/* "http://host:port/path" -> "http://host:port/". */
static int origin_of(const char *url, char *out, size_t cap)
{
    url_parts u;
    size_t n;

    if (url_split(url, &u) < 0 ||
        (!url_scheme_is(&u, "http") && !url_scheme_is(&u, "https")))
        return -1;
    n = (size_t)(u.rest - url);
    if (n + 2 > cap)
        return -1;
    memcpy(out, url, n);
    out[n] = '/';
    out[n + 1] = '\0';
    return 0;
}

static int setup(trino_call *t, char *err, size_t errlen)
{
    long secs = (t->lim->timeout_ms + 999) / 1000;
    const char *vals[] = {t->o->user, t->o->catalog, t->o->schema};

    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        if (!header_safe(vals[i])) {
            snprintf(err, errlen,
                     "TRINO_USER, TRINO_CATALOG and "
                     "TRINO_SCHEMA may not hold control "
                     "characters");
            return -1;
        }
    if (origin_of(t->o->url, t->origin, sizeof(t->origin)) < 0) {
        snprintf(err, errlen,
                 "TRINO_URL must be http(s)://host[:port], "
                 "got '%.80s'",
                 t->o->url);
        return -1;
    }
    t->headers[t->nheaders++] = xasprintf("X-Trino-User: %s", t->o->user);
    t->headers[t->nheaders++] = xasprintf("X-Trino-Catalog: %s", t->o->catalog);
    t->headers[t->nheaders++] = xasprintf("X-Trino-Schema: %s", t->o->schema);
    t->headers[t->nheaders++] = xasprintf("X-Trino-Source: %s", TRINO_SOURCE);
    t->headers[t->nheaders++] = xasprintf(
        "X-Trino-Session: query_max_execution_time=%lds", secs ? secs : 1);
    t->headers[t->nheaders++] =
        xstrdup("Content-Type: text/plain; charset=utf-8");
    t->headers[t->nheaders] = NULL;
    return 0;
}

/* Cancels the query whose next page is at uri; failures are ignored
 * (Trino also abandons a query no client polls). */
static void cancel(trino_call *t, const char *uri)
{
    webclient_request req = {0};
    webclient_response resp;
    char err[256];

    req.method = "DELETE";
    req.url = uri;
    req.headers = (const char *const *)t->headers;
    req.timeout_ms = TRINO_CANCEL_TIMEOUT_MS;
    webclient_do(&req, &resp, err, sizeof(err));
    webclient_response_release(&resp);
}

static int retryable(long status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

/* One request, retried while Trino says it is busy. Returns LAKESQL_OK
 * with a 200 answer in resp, or an error code. */
static int request(trino_call *t, const char *method, const char *url,
                   const char *body, webclient_response *resp, char *err,
                   size_t errlen)
{
    for (;;) {
        webclient_request req = {0};
        double left = t->deadline_ms - now_ms();

        if (left <= 0) {
            snprintf(err, errlen, "the query ran past %d ms",
                     t->lim->timeout_ms);
            return LAKESQL_ETIMEOUT;
        }
        req.method = method;
        req.url = url;
        req.body = body;
        req.body_len = body ? strlen(body) : 0;
        req.headers = (const char *const *)t->headers;
        req.timeout_ms = (long)left + 1;
        req.max_body = TRINO_MAX_PAGE;
        if (webclient_do(&req, resp, err, errlen) < 0) {
            int timed_out = resp->timed_out || now_ms() >= t->deadline_ms;

            webclient_response_release(resp);
            if (!timed_out)
                return LAKESQL_EENGINE;
            snprintf(err, errlen, "the query ran past %d ms",
                     t->lim->timeout_ms);
            return LAKESQL_ETIMEOUT;
        }
        if (resp->status == 200)
            return LAKESQL_OK;
        if (!retryable(resp->status)) {
            snprintf(err, errlen, "Trino answered %ld: %.200s", resp->status,
                     resp->body.data);
            webclient_response_release(resp);
            return LAKESQL_EENGINE;
        }
        webclient_response_release(resp);
        sleep_ms(TRINO_RETRY_WAIT_MS);
    }
}

/* The shortest text that reads back as the same double. */
static char *format_real(double d)
{
    char out[40];

    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, sizeof(out), "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            break;
    }
    return xstrdup(out);
}

static char *cell_text(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return NULL;
    case JSON_STRING:
        return lakesql_cell_text(json_string_value(v), json_string_length(v));
    case JSON_TRUE:
        return xstrdup("true");
    case JSON_FALSE:
        return xstrdup("false");
    case JSON_INTEGER:
        return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return format_real(json_real_value(v));
    case JSON_ARRAY:
    case JSON_OBJECT:
        break;
    }
    {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        char *copy = xstrdup(s ? s : "");

        free(s);
        return copy;
    }
}

static int take_columns(trino_call *t, json_t *cols, char *err, size_t errlen)
{
    size_t i;
    json_t *c;

    if (t->res->ncols || !json_is_array(cols))
        return 0;
    json_array_foreach(cols, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *type = json_string_value(json_object_get(c, "type"));

        if (!name || !type) {
            snprintf(err, errlen,
                     "Trino sent a column without name or "
                     "type");
            return -1;
        }
        lakesql_result_add_column(t->res, name, type);
    }
    return 0;
}

/* Adds the rows of one page. Returns 1 when a limit was reached,
 * 0 otherwise, -1 on a malformed page. */
static int take_rows(trino_call *t, json_t *data, char *err, size_t errlen)
{
    lakesql_result *r = t->res;
    size_t i;
    json_t *row;

    if (!data)
        return 0;
    if (!json_is_array(data) || (json_array_size(data) && !r->ncols)) {
        snprintf(err, errlen, "Trino sent rows before their columns");
        return -1;
    }
    json_array_foreach(data, i, row)
    {
        char **cells;
        int full;

        if (!json_is_array(row) || json_array_size(row) != r->ncols) {
            snprintf(err, errlen,
                     "Trino sent a row of %zu values for %zu "
                     "columns",
                     json_array_size(row), r->ncols);
            return -1;
        }
        cells = xcalloc(r->ncols, sizeof(*cells));
        for (size_t c = 0; c < r->ncols; c++)
            cells[c] = cell_text(json_array_get(row, c));
        full = lakesql_result_take_row(r, cells, t->lim);
        free(cells);
        if (full)
            return 1;
    }
    return 0;
}

static int query_error(json_t *e, char *err, size_t errlen)
{
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *type = json_string_value(json_object_get(e, "errorType"));
    const char *name = json_string_value(json_object_get(e, "errorName"));

    snprintf(err, errlen, "Trino: %s%s%s%s", msg ? msg : "query failed",
             name ? " (" : "", name ? name : "", name ? ")" : "");
    if (name && strcmp(name, "EXCEEDED_TIME_LIMIT") == 0)
        return LAKESQL_ETIMEOUT;
    if (type && strcmp(type, "USER_ERROR") == 0)
        return LAKESQL_EQUERY;
    return LAKESQL_EENGINE;
}

/* Handles one page. Sets *next to a copy of its nextUri (NULL when the
 * query is over). Returns LAKESQL_OK, or an error code. */
static int take_page(trino_call *t, const buf *body, char **next, int *full,
                     char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *page = json_loadb(body->data, body->len, JSON_ALLOW_NUL, &jerr);
    const char *uri;
    int rc = LAKESQL_EENGINE;

    *next = NULL;
    *full = 0;
    if (!json_is_object(page)) {
        snprintf(err, errlen,
                 "Trino sent an answer that is not a JSON "
                 "object: %s",
                 page ? "wrong type" : jerr.text);
        goto out;
    }
    uri = json_string_value(json_object_get(page, "nextUri"));
    if (uri && strncmp(uri, t->origin, strlen(t->origin)) != 0) {
        snprintf(err, errlen, "Trino's nextUri leaves %s", t->origin);
        goto out;
    }
    if (uri)
        *next = xstrdup(uri);
    if (json_object_get(page, "error")) {
        rc = query_error(json_object_get(page, "error"), err, errlen);
        goto out;
    }
    if (take_columns(t, json_object_get(page, "columns"), err, errlen) < 0)
        goto out;
    *full = take_rows(t, json_object_get(page, "data"), err, errlen);
    if (*full < 0)
        goto out;
    rc = LAKESQL_OK;
out:
    json_decref(page);
    return rc;
}

int trino_query(const trino_options *o, const char *sql,
                const lakesql_limits *lim, lakesql_result *res, char *err,
                size_t errlen)
{
    trino_call t = {.o = o, .lim = lim, .res = res};
    webclient_response resp;
    char *url = NULL, *next = NULL;
    int rc, full = 0;

    t.deadline_ms = now_ms() + lim->timeout_ms;
    if (setup(&t, err, errlen) < 0) {
        rc = LAKESQL_EENGINE;
        goto out;
    }
    url = xasprintf("%sv1/statement", t.origin);
    rc = request(&t, "POST", url, sql, &resp, err, errlen);
    while (rc == LAKESQL_OK) {
        rc = take_page(&t, &resp.body, &next, &full, err, errlen);
        webclient_response_release(&resp);
        if (rc != LAKESQL_OK || !next || full)
            break;
        rc = request(&t, "GET", next, NULL, &resp, err, errlen);
        if (rc == LAKESQL_OK) {
            free(next);
            next = NULL;
        }
    }
    if (next && (rc != LAKESQL_OK || full))
        cancel(&t, next);
out:
    free(next);
    free(url);
    for (size_t i = 0; i < t.nheaders; i++)
        free(t.headers[i]);
    return rc;
}
