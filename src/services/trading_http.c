/*
 * trading_http: what the trading services (trading-engine, risk-engine)
 * share over HTTP, apart from the trading state of trading.c: bearer
 * tokens, JSON answers and bodies, the database pool of their request
 * threads, the port they listen on, their documents and probes, and the
 * dispatch of trading_serve. Declared in services/trading.h.
 */
#include "services/trading.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/api.h"
#include "lib/api_doc.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/token.h"
#include "lib/url.h"
#include "lib/xalloc.h"
#include "services/svc.h"

void trading_db_failure(http_response *res, db *d)
{
    LOG_ERROR("database error", LF_S("error", db_error(d)));
    http_error(res, 503, "unavailable",
               db_error_is_data(d) ? db_error(d)
                                   : "the database did not answer");
}

int trading_authorized(const trading_http *h, const http_request *req,
                       http_response *res, trading_access access)
{
    if (access == TRADING_READ && !h->cfg->api_read_auth)
        return 1;
    if (h->tokens_bad) {
        /* (the settings check refuses such a list at start) */
        http_error(res, 403, "forbidden", h->tokens_err);
        return 0;
    }
    if (h->tokens.n == 0 && access == TRADING_INTERNAL)
        return 1;
    if (h->tokens.n == 0) {
        http_error(res, 403, "forbidden",
                   "no API_TOKENS configured: this route is disabled");
        return 0;
    }
    if (token_set_allows(&h->tokens, req->authorization))
        return 1;
    http_set_header(res, "WWW-Authenticate", "Bearer");
    if (!req->authorization ||
        strncasecmp(req->authorization, "Bearer ", 7) != 0)
        http_error(res, 401, "unauthorized",
                   "this route needs an Authorization: Bearer token");
    else
        http_error(res, 401, "unauthorized", "the bearer token is not valid");
    return 0;
}

void trading_reply(http_response *res, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);

    res->status = status;
    res->content_type = "application/json";
    buf_reset(&res->body);
    buf_adds(&res->body, s ? s : "null");
    buf_addc(&res->body, '\n');
    free(s);
    json_decref(j);
}

/* 1 when every member of body is named in fields; else a 400. */
static int body_fields(json_t *body, const char *const *fields,
                       http_response *res)
{
    const char *key;
    json_t *val;
    buf msg;

    json_object_foreach(body, key, val)
    {
        size_t i = 0;

        while (fields[i] && strcmp(fields[i], key) != 0)
            i++;
        if (fields[i])
            continue;
        buf_init(&msg);
        buf_addf(&msg, "unknown field '%.60s'; the fields are", key);
        for (i = 0; fields[i]; i++)
            buf_addf(&msg, "%s %s", i ? "," : "", fields[i]);
        http_error(res, 400, "unknown_field", msg.data);
        buf_release(&msg);
        return 0;
    }
    return 1;
}

json_t *trading_body(const http_request *req, http_response *res,
                     const char *const *fields)
{
    json_error_t je;
    json_t *j;
    char msg[JSON_ERROR_TEXT_LENGTH + 100];

    if (!http_require_json(req, res))
        return NULL;
    j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        api_json_problem(&je, "the body", msg, sizeof(msg));
        http_error(res, 400, "bad_request", msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        http_error(res, 400, "bad_request", "the body must be a JSON object");
        json_decref(j);
        return NULL;
    }
    if (!body_fields(j, fields, res)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int trading_query_known(const http_request *req, http_response *res,
                        const api_param *allowed)
{
    char name[HTTP_QUERY_NAME_MAX], msg[160];

    if (!api_query_unknown(req, allowed, name, sizeof(name)))
        return 1;
    snprintf(msg, sizeof(msg), "unknown query parameter '%s'", name);
    http_error(res, 400, "bad_request", msg);
    return 0;
}

struct trading_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    db **free_dbs;
    size_t nfree, n;
};

trading_pool *trading_pool_open(const config *c, int n, char *err,
                                size_t errlen)
{
    trading_pool *p = xcalloc(1, sizeof(*p));

    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->free_dbs = xcalloc((size_t)n, sizeof(db *));
    for (int i = 0; i < n; i++) {
        db *d = db_open(c, err, errlen);

        if (!d) {
            trading_pool_close(p);
            return NULL;
        }
        p->free_dbs[p->nfree++] = d;
        p->n++;
    }
    return p;
}

trading_pool *trading_pool_open_anyway(const config *c, int n)
{
    trading_pool *p = xcalloc(1, sizeof(*p));

    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->free_dbs = xcalloc((size_t)n, sizeof(db *));
    for (int i = 0; i < n; i++)
        p->free_dbs[p->nfree++] = db_open_anyway(c);
    p->n = (size_t)n;
    return p;
}

void trading_pool_close(trading_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nfree; i++)
        db_close(p->free_dbs[i]);
    free(p->free_dbs);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

db *trading_pool_get(trading_pool *p)
{
    db *d;

    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    d = p->free_dbs[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return d;
}

void trading_pool_put(trading_pool *p, db *d)
{
    pthread_mutex_lock(&p->mu);
    p->free_dbs[p->nfree++] = d;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int trading_listen_port(const config *c, const char *own_url)
{
    url_parts u;
    int url_port = config_url_port(own_url);

    if (url_split(own_url, &u) == 0 && url_is_loopback(&u) && url_port > 0)
        return url_port;
    return c->http_port > 0 ? c->http_port : url_port;
}

/* The probes every trading service answers (GET; HEAD too), as the
 * documents list them. */
static const api_route probe_routes[] = {
    {"GET", "/health", NULL, API_OPEN,
     "Liveness: 200 while the process serves requests", NULL, NULL, NULL, NULL,
     0, NULL, 0},
    {"GET", "/ready", NULL, API_OPEN,
     "Readiness: 200 when PostgreSQL answers, else 503", NULL, NULL, NULL, NULL,
     0, NULL, 0},
    {"GET", "/metrics", NULL, API_OPEN, "Prometheus metrics of the process",
     NULL, NULL, NULL, NULL, 0, "text/plain; version=0.0.4", 0},
    API_DOC_ROUTE_HTML(NULL),
    API_DOC_ROUTE_OPENAPI(NULL),
};
#define NPROBES (sizeof(probe_routes) / sizeof(probe_routes[0]))

/* r as the documents' generator reads a route. Who needs a token
 * follows trading_authorized: a read route with API_READ_AUTH (the
 * generator's read_auth), a write route always, an internal one when
 * API_TOKENS holds any (tokens). */
static api_route route_doc(const trading_route *r, int tokens)
{
    const char *m = r->path.method;
    int body = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
               strcmp(m, "PATCH") == 0;
    int access = r->access == TRADING_READ    ? API_READ
                 : r->access == TRADING_WRITE ? API_WRITE
                 : tokens                     ? API_WRITE
                                              : API_OPEN;

    return (api_route){m,
                       r->path.path,
                       NULL,
                       access,
                       r->summary,
                       r->params,
                       body ? "application/json" : NULL,
                       body ? "{\"type\":\"object\"}" : NULL,
                       NULL,
                       r->status,
                       NULL,
                       0};
}

/* The two documents of h->service (/docs in HTML, /openapi.json),
 * with their ETags, in h. Who needs a token follows authorized(): a
 * malformed API_TOKENS, which the settings check refuses at start, lets
 * nobody in, as if tokens were needed. */
static void write_docs(trading_http *h)
{
    const trading_service *s = h->service;
    const config *c = h->cfg;
    api_route routes[NPROBES + TRADING_MAX_ROUTES];
    size_t n = NPROBES;
    int need = h->tokens_bad || h->tokens.n > 0;
    char *desc;
    api_def def;

    memcpy(routes, probe_routes, sizeof(probe_routes));
    for (size_t k = 0; k < s->nroutes && k < TRADING_MAX_ROUTES; k++)
        routes[n++] = route_doc(&s->routes[k], need);
    desc = xasprintf("%s Trading mode: %s.", s->description, trading_mode(c));
    def = (api_def){s->name, s->title, desc, routes, n, NULL, 0};
    h->doc[0] = api_doc_html(&def, routes, n, c->api_read_auth);
    h->doc[1] = api_doc_openapi(&def, routes, n, c->api_read_auth);
    for (int k = 0; k < 2; k++)
        h->etag[k] = api_etag_new(h->doc[k], strlen(h->doc[k]));
    free(desc);
}

trading_http *trading_http_new(const trading_service *s, const config *c,
                               trading_pool *pool)
{
    trading_http *h = xcalloc(1, sizeof(*h));

    h->service = s;
    h->cfg = c;
    h->pool = pool;
    if (token_set_load(&h->tokens, c->api_tokens, h->tokens_err,
                       sizeof(h->tokens_err)) < 0)
        h->tokens_bad = 1;
    write_docs(h);
    return h;
}

void trading_http_free(trading_http *h)
{
    if (!h)
        return;
    for (int k = 0; k < 2; k++) {
        free(h->doc[k]);
        free(h->etag[k]);
    }
    free(h);
}

static void probe(const trading_http *h, size_t which, const http_request *req,
                  http_response *res)
{
    const char *path = probe_routes[which].path;

    if (probe_routes[which].produces)
        res->content_type = probe_routes[which].produces;
    if (strcmp(path, "/health") == 0) {
        trading_reply(res, 200,
                      json_pack("{s:s,s:s}", "status", "ok", "service",
                                h->service->name));
    } else if (strcmp(path, "/ready") == 0) {
        db *d = trading_pool_get(h->pool);
        char why[256] = "";

        if (db_ping(d) != DB_OK)
            snprintf(why, sizeof(why), "PostgreSQL does not answer: %s",
                     db_error(d));
        trading_pool_put(h->pool, d);
        if (why[0])
            http_error(res, 503, "not_ready", why);
        else
            trading_reply(res, 200, json_pack("{s:s}", "status", "ready"));
    } else if (strcmp(path, "/metrics") == 0) {
        buf_reset(&res->body);
        metrics_render(&res->body, h->service->name);
    } else {
        int k = strcmp(path, "/docs") == 0 ? 0 : 1;

        api_doc_answer(req, res, h->doc[k], h->etag[k]);
    }
}

void trading_serve(const trading_http *h, void *ctx, const http_request *req,
                   http_response *res)
{
    const trading_service *s = h->service;
    http_route paths[NPROBES + TRADING_MAX_ROUTES];
    const char *args[HTTP_MAX_ARGS] = {NULL};
    char allow[64], *segs;
    size_t n = 0;
    long i;

    for (size_t k = 0; k < NPROBES; k++)
        paths[n++] = (http_route){probe_routes[k].method, probe_routes[k].path};
    for (size_t k = 0; k < s->nroutes && k < TRADING_MAX_ROUTES; k++)
        paths[n++] = s->routes[k].path;
    segs = xmalloc(strlen(req->path) + 1);
    i = http_route_find(paths, n, req, segs, args, allow, sizeof(allow));
    if (i < 0 && allow[0]) {
        http_not_allowed(req, res, allow);
    } else if (i < 0) {
        http_error(res, 404, "not_found", "no such route; see GET /docs");
    } else if ((size_t)i < NPROBES) {
        probe(h, (size_t)i, req, res);
    } else {
        const trading_route *r = &s->routes[(size_t)i - NPROBES];

        if (trading_authorized(h, req, res, r->access) &&
            trading_query_known(req, res, r->params))
            r->fn(ctx, args[0], req, res);
    }
    free(segs);
}
