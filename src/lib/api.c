/*
 * api: the router and what wraps every request (limits, CORS, auth,
 * ETag, metrics, the borrowed connection). The route table is read-only
 * once built, and the metrics are atomic counters, so any number of
 * HTTP threads run requests at once without a lock; the pool and the
 * small "tables seen" list have their own.
 */
#include "lib/api.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/api_doc.h"
#include "lib/log.h"
#include "lib/token.h"
#include "lib/worker.h"
#include "lib/xalloc.h"

#define API_DB_WAIT_MS 2000
#define API_MAX_TABLES 32

static const int api_statuses[] = {200, 201, 204, 304, 400, 401, 403,
                                   404, 405, 409, 413, 414, 415, 422,
                                   500, 502, 503, 504, 0};
#define NSTATUS (sizeof(api_statuses) / sizeof(api_statuses[0]))

static const double api_buckets[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof(api_buckets) / sizeof(api_buckets[0]))

typedef struct route_stats {
    atomic_llong status[NSTATUS];
    atomic_llong bucket[NBUCKETS + 1]; /* the last one is +Inf */
    atomic_llong sum_us;
    atomic_llong count;
} route_stats;

/* The answer cache: direct-mapped (a key's slot is its hash modulo
 * the slot count, and a newer key simply replaces an older one), so its
 * size is bounded by CACHE_SLOTS answers of at most CACHE_MAX_BODY. */
#define CACHE_SLOTS 256
#define CACHE_MAX_BODY (1u << 20)

typedef struct cache_slot {
    pthread_mutex_t lock;
    char etag[24];
    char *key; /* "path?query" */
    char *body;
    size_t len;
    const char *content_type;
    double at; /* monotonic seconds */
} cache_slot;

struct api {
    const api_def *def;
    const config *cfg;
    dbpool *pool;
    void *state;
    api_route *routes; /* built-ins, then the service's */
    http_route *paths; /* their methods and paths, for http_route_find */
    size_t nroutes;
    route_stats *stats; /* nroutes + 1: the last is "unmatched" */
    token_set tokens;
    char *openapi;
    char *openapi_etag;
    char *docs;
    char *docs_etag;
    pthread_mutex_t tables_lock;
    char *tables[API_MAX_TABLES];
    int ntables;
    cache_slot *cache; /* NULL when off */
    double cache_s;
    atomic_llong cache_hits;
    atomic_llong cache_misses;
};

static void h_health(api_call *c);
static void h_ready(api_call *c);
static void h_metrics(api_call *c);
static void h_docs(api_call *c);
static void h_openapi(api_call *c);

static const char HEALTH_SCHEMA[] =
    "{\"type\":\"object\",\"properties\":{\"status\":{"
    "\"type\":\"string\",\"enum\":[\"ok\"]},\"service\":{"
    "\"type\":\"string\"}}}";
static const char READY_SCHEMA[] =
    "{\"type\":\"object\",\"properties\":{\"status\":{"
    "\"type\":\"string\",\"enum\":[\"ready\"]}}}";

static const api_route builtin_routes[] = {
    {"GET", "/health", h_health, API_OPEN,
     "Liveness: 200 while the process serves requests", NULL, NULL, NULL,
     HEALTH_SCHEMA, 0, NULL, 0},
    {"GET", "/ready", h_ready, API_OPEN,
     "Readiness: 200 when PostgreSQL answers, else 503", NULL, NULL, NULL,
     READY_SCHEMA, 0, NULL, 0},
    {"GET", "/metrics", h_metrics, API_OPEN,
     "Prometheus metrics: requests by route and status, latency "
     "histograms, database pool",
     NULL, NULL, NULL, NULL, 0, "text/plain; version=0.0.4", 0},
    API_DOC_ROUTE_HTML(h_docs),
    API_DOC_ROUTE_OPENAPI(h_openapi),
};
#define NBUILTIN (sizeof(builtin_routes) / sizeof(builtin_routes[0]))

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long fnv1a(const char *s, size_t n)
{
    unsigned long long h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

char *api_etag_new(const char *s, size_t n)
{
    return xasprintf("\"%016llx\"", fnv1a(s, n));
}

int api_authorized(const api *a, const http_request *req)
{
    return token_set_allows(&a->tokens, req->authorization);
}

api *api_new(const api_def *def, const config *c, dbpool *pool, void *state,
             char *err, size_t errlen)
{
    api *a = xcalloc(1, sizeof(*a));

    a->def = def;
    a->cfg = c;
    a->pool = pool;
    a->state = state;
    pthread_mutex_init(&a->tables_lock, NULL);
    if (token_set_load(&a->tokens, c->api_tokens, err, errlen) < 0) {
        api_free(a);
        return NULL;
    }
    a->nroutes = NBUILTIN + def->nroutes;
    a->routes = xcalloc(a->nroutes, sizeof(*a->routes));
    memcpy(a->routes, builtin_routes, sizeof(builtin_routes));
    memcpy(a->routes + NBUILTIN, def->routes,
           def->nroutes * sizeof(*def->routes));
    a->paths = xcalloc(a->nroutes, sizeof(*a->paths));
    for (size_t i = 0; i < a->nroutes; i++) {
        a->paths[i].method = a->routes[i].method;
        a->paths[i].path = a->routes[i].path;
    }
    a->stats = xcalloc(a->nroutes + 1, sizeof(*a->stats));
    a->openapi = api_doc_openapi(def, a->routes, a->nroutes, c->api_read_auth);
    a->openapi_etag = api_etag_new(a->openapi, strlen(a->openapi));
    a->docs = api_doc_html(def, a->routes, a->nroutes, c->api_read_auth);
    a->docs_etag = api_etag_new(a->docs, strlen(a->docs));
    if (def->cache && c->http_cache_ms > 0) {
        a->cache_s = c->http_cache_ms / 1000.0;
        a->cache = xcalloc(CACHE_SLOTS, sizeof(*a->cache));
        for (size_t i = 0; i < CACHE_SLOTS; i++)
            pthread_mutex_init(&a->cache[i].lock, NULL);
    }
    return a;
}

void api_free(api *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->ntables; i++)
        free(a->tables[i]);
    for (size_t i = 0; a->cache && i < CACHE_SLOTS; i++) {
        pthread_mutex_destroy(&a->cache[i].lock);
        free(a->cache[i].key);
        free(a->cache[i].body);
    }
    free(a->cache);
    pthread_mutex_destroy(&a->tables_lock);
    free(a->routes);
    free(a->paths);
    free(a->stats);
    free(a->openapi);
    free(a->openapi_etag);
    free(a->docs);
    free(a->docs_etag);
    free(a);
}

const api_route *api_routes(const api *a, size_t *n)
{
    *n = a->nroutes;
    return a->routes;
}

const char *api_openapi(const api *a)
{
    return a->openapi;
}

void api_error(api_call *c, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    http_error(c->res, status, code, msg);
    if (status >= 500)
        LOG_ERROR("request failed", LF_S("request_id", c->req->request_id),
                  LF_S("method", c->req->method), LF_S("path", c->req->path),
                  LF_I("status", status), LF_S("error", msg));
    else
        LOG_INFO("request refused", LF_S("request_id", c->req->request_id),
                 LF_S("method", c->req->method), LF_S("path", c->req->path),
                 LF_I("status", status), LF_S("error", msg));
}

void api_internal(api_call *c, const char *what, const char *detail)
{
    LOG_ERROR("request failed", LF_S("request_id", c->req->request_id),
              LF_S("method", c->req->method), LF_S("path", c->req->path),
              LF_S("what", what), LF_S("error", detail));
    http_error(c->res, 500, "internal",
               "internal error; the service log has the details under this "
               "request's X-Request-Id");
}

/* Finds the route of a request. Returns its index, with its path
 * parameters in c, or -1 with the methods the path allows
 * (comma-separated; empty when the path is unknown) in allow. */
static long find_route(const api *a, const http_request *req, api_call *c,
                       char *allow, size_t cap)
{
    c->argbuf = xmalloc(strlen(req->path) + 1);
    return http_route_find(a->paths, a->nroutes, req, c->argbuf, c->args, allow,
                           cap);
}

static void observe(api *a, long route, int status, double seconds)
{
    route_stats *st = &a->stats[route < 0 ? a->nroutes : (size_t)route];
    size_t s = 0, b = 0;

    while (api_statuses[s] && api_statuses[s] != status)
        s++;
    while (b < NBUCKETS && seconds > api_buckets[b])
        b++;
    atomic_fetch_add(&st->status[s], 1);
    atomic_fetch_add(&st->bucket[b], 1);
    atomic_fetch_add(&st->sum_us, (long long)(seconds * 1e6));
    atomic_fetch_add(&st->count, 1);
}

/* The CORS headers of an answer to origin, when it is the allowed one.
 * Returns 1 when the origin is allowed. */
static int add_cors(const api *a, const http_request *req, http_response *res)
{
    const char *allowed = a->cfg->cors_origin;

    if (!allowed[0] || !req->origin)
        return 0;
    if (strcmp(allowed, "*") == 0) {
        http_set_header(res, "Access-Control-Allow-Origin", "*");
    } else if (strcmp(allowed, req->origin) == 0) {
        http_set_header(res, "Access-Control-Allow-Origin", allowed);
        http_set_header(res, "Vary", "Origin");
    } else {
        return 0;
    }
    http_set_header(res, "Access-Control-Expose-Headers", "ETag, X-Request-Id");
    return 1;
}

static void preflight(api *a, const http_request *req, http_response *res,
                      const char *allow)
{
    res->status = 204;
    buf_reset(&res->body);
    if (!add_cors(a, req, res))
        return;
    http_set_header(res, "Access-Control-Allow-Methods", allow);
    http_set_header(res, "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, If-None-Match, X-Request-Id");
    http_set_header(res, "Access-Control-Max-Age", "600");
}

static int check_access(api_call *c)
{
    int need = c->route->access == API_WRITE ||
               (c->route->access == API_READ && c->cfg->api_read_auth);

    if (!need || api_authorized(c->api, c->req))
        return 0;
    http_set_header(c->res, "WWW-Authenticate", "Bearer");
    if (c->api->tokens.n == 0)
        api_error(c, 401, "unauthorized",
                  "this route needs a bearer token, and none is configured "
                  "(API_TOKENS)");
    else if (!c->req->authorization)
        api_error(c, 401, "unauthorized",
                  "this route needs an Authorization: Bearer token");
    else
        api_error(c, 401, "unauthorized", "the bearer token is not valid");
    return -1;
}

int api_query_unknown(const http_request *req, const api_param *allowed,
                      char *bad, size_t cap)
{
    const char *names[32];
    size_t n = 0;

    for (const api_param *p = allowed; p && p->name && n < 31; p++)
        names[n++] = p->name;
    names[n] = NULL;
    return http_query_unknown(req, names, bad, cap);
}

static int check_query(api_call *c)
{
    char bad[HTTP_QUERY_NAME_MAX];

    if (api_query_unknown(c->req, c->route->query, bad, sizeof(bad))) {
        api_error(c, 400, "unknown_parameter",
                  "unknown query parameter '%s' for %s %s", bad,
                  c->route->method, c->route->path);
        return -1;
    }
    return 0;
}

/* ETag on successful reads; 304 when the client has the same. */
static void make_etag(const buf *body, char etag[24])
{
    snprintf(etag, 24, "\"%016llx\"", fnv1a(body->data, body->len));
}

int api_etag_listed(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    int found = 0;

    if (!inm)
        return 0;
    while (*inm == ' ' || *inm == '\t')
        inm++;
    if (inm[0] == '*' && inm[1 + strspn(inm + 1, " \t")] == '\0')
        return 1;
    /* the whole list is read first: one that is not a list of tags
     * ("a""a") matches nothing */
    for (const char *p = inm;;) {
        const char *end;

        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "W/", 2) == 0) /* a weak tag: the same, for GET */
            p += 2;
        if (*p != '"' || !(end = strchr(p + 1, '"')))
            return 0;
        end++;
        if ((size_t)(end - p) == n && strncmp(p, etag, n) == 0)
            found = 1;
        for (p = end; *p == ' ' || *p == '\t';)
            p++;
        if (*p == '\0')
            return found;
        if (*p++ != ',')
            return 0;
    }
}

/* etag: the answer's, when known (from the cache), else "". */
static void finish_etag(api_call *c, char etag[24])
{
    const char *inm = c->req->if_none_match;

    if (c->res->status != 200 || c->route->access == API_OPEN ||
        strcmp(c->route->method, "GET") != 0)
        return;
    if (!etag[0])
        make_etag(&c->res->body, etag);
    http_set_header(c->res, "ETag", etag);
    http_set_header(c->res, "Cache-Control", "no-cache");
    if (api_etag_listed(inm, etag)) {
        c->res->status = 304;
        buf_reset(&c->res->body);
    }
}

static int cacheable(const api_call *c)
{
    return c->api->cache && c->route->access == API_READ && !c->route->fresh &&
           strcmp(c->route->method, "GET") == 0;
}

static cache_slot *cache_slot_of(api *a, const http_request *req)
{
    unsigned long long h = fnv1a(req->path, strlen(req->path));

    h ^= fnv1a(req->query, strlen(req->query)) * 31;
    return &a->cache[h % CACHE_SLOTS];
}

static int cache_key_is(const cache_slot *s, const http_request *req)
{
    size_t n = strlen(req->path);

    return s->key && strncmp(s->key, req->path, n) == 0 && s->key[n] == '?' &&
           strcmp(s->key + n + 1, req->query) == 0;
}

/* Answers from the cache when it holds a fresh answer for the request,
 * and copies its ETag. Returns 1 when it did. */
static int cache_get(api_call *c, char etag[24])
{
    cache_slot *s = cache_slot_of(c->api, c->req);
    int hit;

    pthread_mutex_lock(&s->lock);
    hit = cache_key_is(s, c->req) && now_s() - s->at < c->api->cache_s;
    if (hit) {
        buf_reset(&c->res->body);
        buf_add(&c->res->body, s->body, s->len);
        c->res->content_type = s->content_type;
        c->res->status = 200;
        memcpy(etag, s->etag, 24);
    }
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(hit ? &c->api->cache_hits : &c->api->cache_misses, 1);
    return hit;
}

/* Keeps a 200 answer, and makes its ETag. */
static void cache_put(api_call *c, char etag[24])
{
    cache_slot *s = cache_slot_of(c->api, c->req);
    char *key, *body;

    if (c->res->status != 200 || c->res->body.len > CACHE_MAX_BODY)
        return;
    make_etag(&c->res->body, etag);
    key = xasprintf("%s?%s", c->req->path, c->req->query);
    body = xmalloc(c->res->body.len + 1);
    memcpy(body, c->res->body.data, c->res->body.len);
    pthread_mutex_lock(&s->lock);
    free(s->key);
    free(s->body);
    s->key = key;
    s->body = body;
    s->len = c->res->body.len;
    s->content_type = c->res->content_type;
    s->at = now_s();
    memcpy(s->etag, etag, 24);
    pthread_mutex_unlock(&s->lock);
}

void api_handle(void *ctx, const http_request *req, http_response *res)
{
    api *a = ctx;
    double t0 = now_s();
    api_call c;
    char allow[64], etag[24] = "";
    long route;

    memset(&c, 0, sizeof(c));
    c.req = req;
    c.res = res;
    c.api = a;
    c.state = a->state;
    c.cfg = a->cfg;
    route = find_route(a, req, &c, allow, sizeof(allow));
    if (route < 0) {
        if (allow[0] && strcmp(req->method, "OPTIONS") == 0) {
            preflight(a, req, res, allow);
        } else if (!allow[0]) {
            add_cors(a, req, res);
            api_error(&c, 404, "not_found", "no route for %s %.200s",
                      req->method, req->path);
        } else {
            add_cors(a, req, res);
            http_not_allowed(req, res, allow);
        }
        observe(a, -1, res->status, now_s() - t0);
        free(c.argbuf);
        return;
    }
    c.route = &a->routes[route];
    add_cors(a, req, res);
    if (c.route->status)
        res->status = c.route->status;
    if (check_query(&c) == 0 && check_access(&c) == 0) {
        if (c.route->produces)
            res->content_type = c.route->produces;
        if (!cacheable(&c)) {
            c.route->fn(&c);
        } else if (!cache_get(&c, etag)) {
            c.route->fn(&c);
            cache_put(&c, etag);
        }
    }
    dbpool_put(a->pool, c.db);
    free(c.argbuf);
    finish_etag(&c, etag);
    observe(a, route, res->status, now_s() - t0);
    LOG_DEBUG("request", LF_S("request_id", req->request_id),
              LF_S("method", req->method), LF_S("path", req->path),
              LF_I("status", res->status), LF_D("ms", (now_s() - t0) * 1000.0));
}

db *api_db(api_call *c)
{
    char err[512];

    if (c->db)
        return c->db;
    c->db = dbpool_get(c->api->pool, API_DB_WAIT_MS, err, sizeof(err));
    if (!c->db)
        api_error(c, 503, "database_unavailable", "%s", err);
    return c->db;
}

PGresult *api_query(api_call *c, const char *name, const char *sql, int n,
                    const char *const *params)
{
    PGresult *r = NULL;
    int rc;

    if (!api_db(c))
        return NULL;
    rc = db_execp(c->db, name, sql, n, params, &r);
    if (rc == DB_OK)
        return r;
    if (rc == DB_RETRY)
        api_error(c, 503, "database_unavailable", "%s", db_error(c->db));
    else if (db_schema_behind(c->db))
        api_error(c, 503, "not_available", "%s", db_error(c->db));
    else
        api_internal(c, name, db_error(c->db));
    return NULL;
}

int api_table_ready(api_call *c, const char *table, const char *what)
{
    api *a = c->api;
    const char *p[] = {table};
    PGresult *r;
    int found = 0;

    pthread_mutex_lock(&a->tables_lock);
    for (int i = 0; i < a->ntables && !found; i++)
        found = strcmp(a->tables[i], table) == 0;
    pthread_mutex_unlock(&a->tables_lock);
    if (found)
        return 1;
    r = api_query(c, "api_regclass", "SELECT to_regclass($1) IS NOT NULL", 1,
                  p);
    if (!r)
        return -1;
    found = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!found) {
        api_error(c, 503, "not_available",
                  "%s: not available yet (table %s does not exist)", what,
                  table);
        return 0;
    }
    pthread_mutex_lock(&a->tables_lock);
    if (a->ntables < API_MAX_TABLES)
        a->tables[a->ntables++] = xstrdup(table);
    pthread_mutex_unlock(&a->tables_lock);
    return 1;
}

static void h_health(api_call *c)
{
    buf_adds(&c->res->body, "{\"status\":\"ok\",\"service\":");
    buf_add_json_str(&c->res->body, c->api->def->service,
                     strlen(c->api->def->service));
    buf_addc(&c->res->body, '}');
}

static void h_ready(api_call *c)
{
    db *d = api_db(c);

    if (!d) {
        c->res->status = 503;
        return;
    }
    if (db_ping(d) != DB_OK) {
        api_error(c, 503, "not_ready", "PostgreSQL does not answer: %s",
                  db_error(d));
        return;
    }
    buf_adds(&c->res->body, "{\"status\":\"ready\"}");
}

static void route_labels(char *out, size_t cap, const char *service,
                         const api_route *r)
{
    snprintf(out, cap, "service=\"%s\",method=\"%s\",route=\"%s\"", service,
             r ? r->method : "", r ? r->path : "unmatched");
}

static void render_counts(buf *b, const char *labels, const route_stats *st)
{
    for (size_t s = 0; s < NSTATUS; s++) {
        long long v = atomic_load(&st->status[s]);

        if (v == 0)
            continue;
        if (api_statuses[s])
            buf_addf(b, "stonks_http_requests_total{%s,status=\"%d\"} %lld\n",
                     labels, api_statuses[s], v);
        else
            buf_addf(b,
                     "stonks_http_requests_total{%s,status=\"other\"} %lld\n",
                     labels, v);
    }
}

static void render_histogram(buf *b, const char *labels, const route_stats *st)
{
    long long cum = 0;

    for (size_t i = 0; i <= NBUCKETS; i++) {
        cum += atomic_load(&st->bucket[i]);
        if (i < NBUCKETS)
            buf_addf(b,
                     "stonks_http_request_duration_seconds_bucket{%s,le=\"%g\"}"
                     " %lld\n",
                     labels, api_buckets[i], cum);
        else
            buf_addf(b,
                     "stonks_http_request_duration_seconds_bucket{%s,le=\"+"
                     "Inf\"} %lld\n",
                     labels, cum);
    }
    buf_addf(b, "stonks_http_request_duration_seconds_sum{%s} %.6f\n", labels,
             (double)atomic_load(&st->sum_us) / 1e6);
    buf_addf(b, "stonks_http_request_duration_seconds_count{%s} %lld\n", labels,
             (long long)atomic_load(&st->count));
}

/* Prometheus text: each family's lines form one group, so the routes
 * are walked once per family. Routes never called are left out. */
static void h_metrics(api_call *c)
{
    api *a = c->api;
    const char *svc = a->def->service;
    buf *b = &c->res->body;
    char labels[256];
    dbpool_stats ps;

    buf_adds(b,
             "# HELP stonks_http_requests_total HTTP requests answered, by "
             "route and status.\n# TYPE stonks_http_requests_total counter\n");
    for (size_t i = 0; i <= a->nroutes; i++) {
        route_labels(labels, sizeof(labels), svc,
                     i < a->nroutes ? &a->routes[i] : NULL);
        render_counts(b, labels, &a->stats[i]);
    }
    buf_adds(b,
             "# HELP stonks_http_request_duration_seconds Time from routing to "
             "the answer being ready.\n# TYPE "
             "stonks_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= a->nroutes; i++) {
        if (atomic_load(&a->stats[i].count) == 0)
            continue;
        route_labels(labels, sizeof(labels), svc,
                     i < a->nroutes ? &a->routes[i] : NULL);
        render_histogram(b, labels, &a->stats[i]);
    }
    if (a->cache)
        buf_addf(b,
                 "# HELP stonks_http_cache_total Read answers given from the "
                 "cache (hit) or made afresh (miss).\n"
                 "# TYPE stonks_http_cache_total counter\n"
                 "stonks_http_cache_total{service=\"%s\",result=\"hit\"} "
                 "%lld\n"
                 "stonks_http_cache_total{service=\"%s\",result=\"miss\"} "
                 "%lld\n",
                 svc, (long long)atomic_load(&a->cache_hits), svc,
                 (long long)atomic_load(&a->cache_misses));
    dbpool_stats_get(a->pool, &ps);
    buf_addf(b,
             "# HELP stonks_db_pool_connections PostgreSQL connections of the "
             "pool.\n# TYPE stonks_db_pool_connections "
             "gauge\nstonks_db_pool_connections{service=\"%s\",state=\"max\"} "
             "%d\nstonks_db_pool_connections{service=\"%s\",state=\"open\"} "
             "%d\nstonks_db_pool_connections{service=\"%s\",state=\"in_use\"} "
             "%d\n# HELP stonks_db_pool_waits_total Requests that waited for a "
             "free connection.\n# TYPE stonks_db_pool_waits_total "
             "counter\nstonks_db_pool_waits_total{service=\"%s\"} %lld\n# HELP "
             "stonks_db_pool_timeouts_total Requests that got no connection in "
             "time.\n# TYPE stonks_db_pool_timeouts_total "
             "counter\nstonks_db_pool_timeouts_total{service=\"%s\"} %lld\n",
             svc, ps.size, svc, ps.open, svc, ps.in_use, svc, ps.waits, svc,
             ps.timeouts);
}

static void h_docs(api_call *c)
{
    api_doc_answer(c->req, c->res, c->api->docs, c->api->docs_etag);
}

static void h_openapi(api_call *c)
{
    api_doc_answer(c->req, c->res, c->api->openapi, c->api->openapi_etag);
}

int api_main(const api_def *def, const config *c, void *state)
{
    http_options o = {c->http_bind,
                      c->http_port,
                      c->http_threads,
                      (size_t)c->http_max_body,
                      0,
                      c->http_request_timeout_s,
                      0};
    dbpool *pool = dbpool_new(c, c->pg_pool_size);
    http_server *srv = NULL;
    char err[512];
    api *a;
    int rc = 1;

    worker_install_signals();
    a = api_new(def, c, pool, state, err, sizeof(err));
    if (!a) {
        LOG_ERROR("cannot start", LF_S("error", err));
        goto out;
    }
    srv = http_start(&o, api_handle, a, err, sizeof(err));
    if (!srv) {
        LOG_ERROR("cannot start", LF_S("error", err));
        goto out;
    }
    LOG_INFO("listening", LF_S("bind", c->http_bind),
             LF_I("port", http_port(srv)), LF_I("threads", c->http_threads),
             LF_I("pool", c->pg_pool_size), LF_I("tokens", a->tokens.n));
    while (!worker_stopping())
        worker_sleep_ms(200);
    LOG_INFO("stopping");
    rc = 0;
out:
    http_stop(srv);
    api_free(a);
    dbpool_free(pool);
    return rc;
}
