/*
 * The documents of trading-engine and risk-engine without a network or
 * a database: /openapi.json lists exactly the routes the services
 * dispatch (the probes included), each with the security the settings
 * give it, and /docs is the HTML page of the other APIs, with the same
 * ETag rules. PostgreSQL is on a port nobody listens on: a route that
 * reaches for it answers 503, which still shows it is dispatched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/log.h"
#include "services/trading.h"

#define TOKEN "unit-test-token-0123456789"

typedef void (*service_fn)(const config *c, trading_pool *pool,
                           const http_request *req, http_response *res);

static config cfg;
static trading_pool *pool;

static int setup(void **state)
{
    char err[512];

    (void)state;
    log_init("test_trading_docs", LOG_LEVEL_OFF);
    setenv("POSTGRES_HOST", "127.0.0.1", 1);
    setenv("POSTGRES_PORT", "1", 1);
    setenv("POSTGRES_CONNECT_TIMEOUT", "1", 1);
    setenv("REDIS_HOST", "127.0.0.1", 1);
    setenv("REDIS_PORT", "1", 1);
    setenv("API_TOKENS", TOKEN, 1);
    setenv("API_READ_AUTH", "0", 1);
    setenv("TRADING_MODE", "paper", 1);
    setenv("BROKER", "paper", 1);
    if (config_load(&cfg, err, sizeof(err)) < 0)
        fail_msg("config: %s", err);
    pool = trading_pool_open_anyway(&cfg, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    trading_pool_close(pool);
    return 0;
}

typedef struct answer {
    int status;
    char content_type[64];
    char etag[64];
    char cache_control[64];
    char *body; /* the caller frees */
} answer;

static void call(service_fn fn, const config *c, const char *method,
                 const char *path, const char *inm, answer *out)
{
    http_request req;
    http_response res;

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = path;
    req.query = "";
    req.body = "";
    req.if_none_match = inm;
    req.request_id = "test";
    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    fn(c, pool, &req, &res);
    memset(out, 0, sizeof(*out));
    out->status = res.status;
    snprintf(out->content_type, sizeof(out->content_type), "%s",
             res.content_type ? res.content_type : "application/json");
    for (int i = 0; i < res.nheaders; i++) {
        if (strcmp(res.headers[i][0], "ETag") == 0)
            snprintf(out->etag, sizeof(out->etag), "%s", res.headers[i][1]);
        if (strcmp(res.headers[i][0], "Cache-Control") == 0)
            snprintf(out->cache_control, sizeof(out->cache_control), "%s",
                     res.headers[i][1]);
    }
    out->body = strdup(res.body.data ? res.body.data : "");
    buf_release(&res.body);
}

static json_t *openapi(service_fn fn, const config *c)
{
    answer a;
    json_error_t je;
    json_t *doc;

    call(fn, c, "GET", "/openapi.json", NULL, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.content_type, "application/json");
    doc = json_loads(a.body, 0, &je);
    if (!doc)
        fail_msg("openapi.json is not JSON: %s at %d", je.text, je.position);
    free(a.body);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")),
                        "3.0.3");
    return doc;
}

/* "get" -> "GET": an OpenAPI operation as a request's method. */
static void upper(const char *in, char *out, size_t cap)
{
    size_t i = 0;

    for (; in[i] && i + 1 < cap; i++)
        out[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
    out[i] = '\0';
}

/* "GET /health,POST /orders,...": every operation, in the document's
 * order; the path parameter of a path becomes "x". */
static void operations(json_t *doc, char *out, size_t cap)
{
    const char *path, *method;
    json_t *ops, *op;
    size_t n = 0;

    out[0] = '\0';
    json_object_foreach(json_object_get(doc, "paths"), path, ops)
    {
        json_object_foreach(ops, method, op)
        {
            char m[16];

            upper(method, m, sizeof(m));
            assert_non_null(json_object_get(op, "operationId"));
            n += (size_t)snprintf(out + n, cap - n, "%s%s %s", n ? "," : "", m,
                                  path);
            assert_true(n < cap); /* else the list was cut */
        }
    }
}

/* Every operation of doc is dispatched to a handler: no 404, no 405. */
static void check_dispatched(service_fn fn, json_t *doc)
{
    const char *path, *method;
    json_t *ops, *op;

    json_object_foreach(json_object_get(doc, "paths"), path, ops)
    {
        char concrete[128];
        const char *brace = strchr(path, '{');

        snprintf(concrete, sizeof(concrete), "%.*s%s",
                 brace ? (int)(brace - path) : (int)strlen(path), path,
                 brace ? "so-unit" : "");
        json_object_foreach(ops, method, op)
        {
            char m[16];
            answer a;

            upper(method, m, sizeof(m));
            call(fn, &cfg, m, concrete, NULL, &a);
            if (a.status == 404 || a.status == 405)
                fail_msg("%s %s is not dispatched: %d %s", m, concrete,
                         a.status, a.body);
            free(a.body);
        }
    }
}

/* The security of one operation as text: "bearer" or "none". */
static const char *security(json_t *doc, const char *path, const char *method)
{
    json_t *op = json_object_get(
        json_object_get(json_object_get(doc, "paths"), path), method);
    json_t *sec = json_object_get(op, "security");

    assert_non_null(op);
    if (!sec)
        return "none";
    assert_int_equal(json_array_size(sec), 1);
    assert_non_null(json_object_get(json_array_get(sec, 0), "bearer"));
    return "bearer";
}

static void test_trading_engine_openapi_lists_its_routes(void **state)
{
    json_t *doc = openapi(trading_engine_answer, &cfg);
    json_t *orders = json_object_get(
        json_object_get(json_object_get(doc, "paths"), "/orders"), "get");
    char ops[1024];

    (void)state;
    operations(doc, ops, sizeof(ops));
    assert_string_equal(ops, "GET /health,GET /ready,GET /metrics,GET /docs,"
                             "GET /openapi.json,GET /status,GET /orders,"
                             "POST /orders,GET /orders/{client_order_id},"
                             "DELETE /orders/{client_order_id},"
                             "GET /decisions,POST /kill-switch");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(doc, "info"), "title")),
                        "Stonks Oracle trading-engine");
    assert_int_equal(json_array_size(json_object_get(orders, "parameters")), 2);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(
                json_array_get(json_object_get(orders, "parameters"), 1),
                "schema"),
            "type")),
        "integer");
    assert_non_null(json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "paths"),
                                            "/orders/{client_order_id}"),
                            "delete"),
            "responses"),
        "202"));
    check_dispatched(trading_engine_answer, doc);
    json_decref(doc);
}

static void test_risk_engine_openapi_lists_its_routes(void **state)
{
    json_t *doc = openapi(risk_engine_answer, &cfg);
    json_t *day = json_array_get(
        json_object_get(
            json_object_get(
                json_object_get(json_object_get(doc, "paths"), "/exposure"),
                "get"),
            "parameters"),
        0);
    char ops[1024];

    (void)state;
    operations(doc, ops, sizeof(ops));
    assert_string_equal(ops, "GET /health,GET /ready,GET /metrics,GET /docs,"
                             "GET /openapi.json,POST /check,GET /exposure,"
                             "GET /limits,PUT /limits,PATCH /limits");
    assert_string_equal(json_string_value(json_object_get(day, "name")), "day");
    assert_string_equal(json_string_value(json_object_get(day, "in")), "query");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(day, "schema"), "format")),
                        "date");
    check_dispatched(risk_engine_answer, doc);
    json_decref(doc);
}

/* A write route always needs a token; a read route only with
 * API_READ_AUTH=1; the gate only while API_TOKENS holds one; the probes
 * never. */
static void test_security_follows_the_settings(void **state)
{
    config settings[3];
    const struct {
        service_fn fn;
        int settings; /* 0: tokens; 1: tokens, API_READ_AUTH=1; 2: none */
        const char *path, *method, *security;
    } cases[] = {
        {trading_engine_answer, 0, "/kill-switch", "post", "bearer"},
        {trading_engine_answer, 0, "/orders", "post", "bearer"},
        {trading_engine_answer, 0, "/status", "get", "none"},
        {trading_engine_answer, 0, "/health", "get", "none"},
        {trading_engine_answer, 1, "/status", "get", "bearer"},
        {trading_engine_answer, 1, "/orders/{client_order_id}", "get",
         "bearer"},
        {trading_engine_answer, 1, "/docs", "get", "none"},
        {risk_engine_answer, 0, "/check", "post", "bearer"},
        {risk_engine_answer, 0, "/limits", "put", "bearer"},
        {risk_engine_answer, 0, "/limits", "get", "none"},
        {risk_engine_answer, 2, "/check", "post", "none"},
        {risk_engine_answer, 2, "/limits", "patch", "bearer"},
    };

    (void)state;
    settings[0] = settings[1] = settings[2] = cfg;
    settings[1].api_read_auth = 1;
    settings[2].api_tokens = "";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = openapi(cases[i].fn, &settings[cases[i].settings]);
        const char *got = security(doc, cases[i].path, cases[i].method);

        if (strcmp(got, cases[i].security) != 0)
            fail_msg("case %zu: %s %s: security %s, not %s", i, cases[i].method,
                     cases[i].path, got, cases[i].security);
        json_decref(doc);
    }
}

static void test_docs_is_html_listing_every_path(void **state)
{
    json_t *doc = openapi(trading_engine_answer, &cfg), *ops;
    const char *path;
    answer a;

    (void)state;
    call(trading_engine_answer, &cfg, "GET", "/docs", NULL, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.content_type, "text/html; charset=utf-8");
    assert_int_equal(strncmp(a.body, "<!doctype html>\n", 16), 0);
    json_object_foreach(json_object_get(doc, "paths"), path, ops)
    {
        char code[128];

        snprintf(code, sizeof(code), "<code>%s</code>", path);
        if (!strstr(a.body, code))
            fail_msg("/docs does not list %s", path);
    }
    /* no cursor pages on these services */
    assert_null(strstr(a.body, "next_cursor"));
    assert_non_null(strstr(a.body, "Trading mode: paper."));
    free(a.body);
    json_decref(doc);
}

static void test_documents_have_etags(void **state)
{
    const char *paths[] = {"/docs", "/openapi.json"};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        answer a, again;

        call(risk_engine_answer, &cfg, "GET", paths[i], NULL, &a);
        assert_int_equal(a.status, 200);
        assert_string_equal(a.cache_control, "public, max-age=300");
        assert_int_equal(a.etag[0], '"');
        call(risk_engine_answer, &cfg, "GET", paths[i], a.etag, &again);
        assert_int_equal(again.status, 304);
        assert_string_equal(again.body, "");
        assert_string_equal(again.etag, a.etag);
        free(again.body);
        call(risk_engine_answer, &cfg, "GET", paths[i], "\"other\"", &again);
        assert_int_equal(again.status, 200);
        assert_string_equal(again.body, a.body);
        free(again.body);
        free(a.body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trading_engine_openapi_lists_its_routes),
        cmocka_unit_test(test_risk_engine_openapi_lists_its_routes),
        cmocka_unit_test(test_security_follows_the_settings),
        cmocka_unit_test(test_docs_is_html_listing_every_path),
        cmocka_unit_test(test_documents_have_etags),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
