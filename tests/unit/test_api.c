/*
 * The api layer without a network or a database: every route of both
 * services is in its OpenAPI document and every operation of the
 * document is a route that the router dispatches to a handler; every
 * $ref resolves; and the checks of auth and query parameters answer
 * exact bodies before any database work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/api.h"
#include "lib/log.h"
#include "services/query_api.h"
#include "services/registry.h"

#define TOKEN "unit-test-token-0123456789"

/* Settings that point at servers nobody listens on: a handler that
 * reaches for the database gets a 503 at once. */
static config test_config(int read_auth)
{
    config c;

    memset(&c, 0, sizeof(c));
    c.pg_host = "127.0.0.1";
    c.pg_port = 1;
    c.pg_db = "none";
    c.pg_user = "none";
    c.pg_password = "";
    c.pg_connect_timeout_s = 1;
    c.redis_host = "127.0.0.1";
    c.redis_port = 1;
    c.redis_password = "";
    c.api_tokens = TOKEN ", second-token-abcdefghij";
    c.api_read_auth = read_auth;
    c.cors_origin = "http://dash.example";
    c.trading_engine_url = "http://127.0.0.1:1";
    c.risk_engine_url = "http://127.0.0.1:1";
    c.queue_block_ms = 10;
    c.queue_visibility_ms = 1000;
    return c;
}

typedef struct fixture {
    config cfg;
    dbpool *pool;
    api *api;
    qa_state st;
} fixture;

static fixture *fixture_new(const api_def *def, int read_auth)
{
    fixture *f = calloc(1, sizeof(*f));
    char err[256];

    log_init("test_api", LOG_LEVEL_OFF);
    f->cfg = test_config(read_auth);
    f->pool = dbpool_new(&f->cfg, 1);
    f->st.cfg = &f->cfg;
    f->api = api_new(def, &f->cfg, f->pool, &f->st, err, sizeof(err));
    assert_non_null(f->api);
    return f;
}

static void fixture_free(fixture *f)
{
    api_free(f->api);
    dbpool_free(f->pool);
    free(f);
}

typedef struct answer {
    int status;
    char body[2048];
    char headers[512];
} answer;

static void call(fixture *f, const char *method, const char *path,
                 const char *query, const char *auth, answer *out)
{
    http_request req;
    http_response res;

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = path;
    req.query = query ? query : "";
    req.body = "";
    req.authorization = auth;
    req.request_id = "test";
    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    api_handle(f->api, &req, &res);
    out->status = res.status;
    snprintf(out->body, sizeof(out->body), "%s", res.body.data);
    out->headers[0] = '\0';
    for (int i = 0; i < res.nheaders; i++) {
        size_t n = strlen(out->headers);

        snprintf(out->headers + n, sizeof(out->headers) - n, "%s: %s\n",
                 res.headers[i][0], res.headers[i][1]);
    }
    buf_release(&res.body);
}

/* "/symbols/{ticker}/history" -> "/symbols/AAPL/history". */
static void concrete_path(const char *tpl, char *out, size_t cap)
{
    size_t o = 0;

    while (*tpl && o + 16 < cap) {
        if (*tpl == '{') {
            const char *name = tpl + 1;
            const char *v = strncmp(name, "id}", 3) == 0       ? "1"
                            : strncmp(name, "queue}", 6) == 0  ? "parsing"
                            : strncmp(name, "ticker}", 7) == 0 ? "AAPL"
                                                               : "x";

            o += (size_t)snprintf(out + o, cap - o, "%s", v);
            tpl = strchr(tpl, '}') + 1;
            continue;
        }
        out[o++] = *tpl++;
    }
    out[o] = '\0';
}

static void lower(const char *in, char *out, size_t cap)
{
    size_t i = 0;

    for (; in[i] && i + 1 < cap; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
    out[i] = '\0';
}

static void check_refs(json_t *v, json_t *schemas)
{
    const char *key;
    json_t *x;
    size_t i;

    if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            if (strcmp(key, "$ref") == 0) {
                const char *ref = json_string_value(x);
                const char *prefix = "#/components/";

                assert_non_null(ref);
                assert_int_equal(strncmp(ref, prefix, strlen(prefix)), 0);
                if (strncmp(ref, "#/components/schemas/", 21) == 0 &&
                    !json_object_get(schemas, ref + 21))
                    fail_msg("unresolved $ref %s", ref);
            } else {
                check_refs(x, schemas);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) check_refs(x, schemas);
    }
}

/* Routes <-> document, both ways, and the router reaches a handler for
 * every operation of the document. */
static void check_openapi(const api_def *def)
{
    fixture *f = fixture_new(def, 0);
    json_error_t je;
    json_t *doc = json_loads(api_openapi(f->api), 0, &je), *paths, *ops;
    const api_route *routes;
    size_t n, nops = 0;
    const char *path, *method;
    char m[16];

    if (!doc)
        fail_msg("openapi.json is not JSON: %s at %d", je.text, je.position);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")),
                        "3.0.3");
    paths = json_object_get(doc, "paths");
    routes = api_routes(f->api, &n);
    for (size_t i = 0; i < n; i++) {
        lower(routes[i].method, m, sizeof(m));
        if (!json_object_get(json_object_get(paths, routes[i].path), m))
            fail_msg("route %s %s is not in openapi.json", routes[i].method,
                     routes[i].path);
    }
    json_object_foreach(paths, path, ops)
    {
        json_t *op;

        json_object_foreach(ops, method, op)
        {
            char concrete[256];
            int found = 0;
            answer a;

            nops++;
            for (size_t i = 0; i < n && !found; i++) {
                lower(routes[i].method, m, sizeof(m));
                found =
                    strcmp(routes[i].path, path) == 0 && strcmp(m, method) == 0;
            }
            if (!found)
                fail_msg("openapi.json has %s %s, no route does", method, path);
            assert_non_null(json_object_get(op, "operationId"));
            concrete_path(path, concrete, sizeof(concrete));
            for (size_t i = 0; i < sizeof(m) - 1 && method[i]; i++)
                m[i] = (char)(method[i] - 32), m[i + 1] = '\0';
            call(f, m, concrete, NULL, NULL, &a);
            if (strstr(a.body, "no route for") ||
                strstr(a.body, "method_not_allowed"))
                fail_msg("%s %s is not dispatched: %d %s", m, concrete,
                         a.status, a.body);
        }
    }
    assert_int_equal(nops, n);
    check_refs(doc,
               json_object_get(json_object_get(doc, "components"), "schemas"));
    json_decref(doc);
    fixture_free(f);
}

static void test_openapi_matches_registry_routes(void **state)
{
    (void)state;
    check_openapi(&registry_api);
}

static void test_openapi_matches_query_api_routes(void **state)
{
    (void)state;
    check_openapi(&query_api);
}

static void test_write_needs_token(void **state)
{
    fixture *f = fixture_new(&registry_api, 0);
    answer a;

    (void)state;
    call(f, "POST", "/symbols", NULL, NULL, &a);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.body, "{\"error\":{\"code\":\"unauthorized\","
                                "\"message\":\"this route needs an "
                                "Authorization: Bearer token\"}}");
    assert_non_null(strstr(a.headers, "WWW-Authenticate: Bearer\n"));
    call(f, "DELETE", "/symbols/AAPL", NULL, "Bearer " TOKEN "x", &a);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.body, "{\"error\":{\"code\":\"unauthorized\","
                                "\"message\":\"the bearer token is not "
                                "valid\"}}");
    call(f, "DELETE", "/symbols/AAPL", NULL, "Basic " TOKEN, &a);
    assert_int_equal(a.status, 401);
    /* A good token passes auth; the database is what fails next. */
    call(f, "DELETE", "/symbols/AAPL", NULL, "Bearer " TOKEN, &a);
    assert_int_equal(a.status, 503);
    call(f, "DELETE", "/symbols/AAPL", NULL, "bearer second-token-abcdefghij",
         &a);
    assert_int_equal(a.status, 503);
    fixture_free(f);
}

static void test_read_auth_when_configured(void **state)
{
    fixture *f = fixture_new(&query_api, 1);
    answer a;

    (void)state;
    call(f, "GET", "/signals", NULL, NULL, &a);
    assert_int_equal(a.status, 401);
    call(f, "GET", "/signals", "limit=0", "Bearer " TOKEN, &a);
    assert_int_equal(a.status, 400);
    call(f, "GET", "/health", NULL, NULL, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.body,
                        "{\"status\":\"ok\",\"service\":\"query-api\"}");
    fixture_free(f);
}

static void expect(fixture *f, const char *path, const char *query, int status,
                   const char *body)
{
    answer a;

    call(f, "GET", path, query, NULL, &a);
    if (a.status != status || strcmp(a.body, body) != 0)
        fail_msg("GET %s?%s: got %d %s, expected %d %s", path, query, a.status,
                 a.body, status, body);
}

static void test_bad_query_parameters(void **state)
{
    fixture *f = fixture_new(&query_api, 0);
    const char *limit = "{\"error\":{\"code\":\"invalid_parameter\","
                        "\"message\":\"limit must be an integer from 1 "
                        "to 500\"}}";
    const char *when = "{\"error\":{\"code\":\"invalid_parameter\","
                       "\"message\":\"from must be an ISO 8601 UTC date "
                       "or date-time, like 2011-09-01 or "
                       "2011-09-01T13:30:00Z\"}}";

    (void)state;
    expect(f, "/signals", "limit=0", 400, limit);
    expect(f, "/signals", "limit=501", 400, limit);
    expect(f, "/signals", "limit=-1", 400, limit);
    expect(f, "/signals", "limit=1e3", 400, limit);
    expect(f, "/signals", "limit=99999999999999999999999", 400, limit);
    expect(f, "/signals", "from=2011-02-29", 400, when);
    expect(f, "/signals", "from=2011-09-01T24:00:00Z", 400, when);
    expect(f, "/signals", "from=2011-09-01T10:00:00%2B02:00", 400, when);
    expect(f, "/signals", "from=yesterday", 400, when);
    expect(f, "/signals", "from=2011-09-02&to=2011-09-01", 400,
           "{\"error\":{\"code\":\"invalid_parameter\",\"message\":"
           "\"from is after to\"}}");
    expect(f, "/signals", "ticker=AAPL'--", 400,
           "{\"error\":{\"code\":\"invalid_ticker\",\"message\":\"ticker is "
           "not a valid ticker: 1-10 letters or digits, with an optional "
           "class of 1-4 after '.', '-' or '/' (BRK.B)\"}}");
    expect(f, "/signals", "tickers=AAPL", 400,
           "{\"error\":{\"code\":\"unknown_parameter\",\"message\":"
           "\"unknown query parameter 'tickers' for GET /signals\"}}");
    expect(f, "/signals", "cursor=%00%01", 400,
           "{\"error\":{\"code\":\"invalid_cursor\",\"message\":\"cursor is "
           "not one this route gave out; start again without it\"}}");
    /* "MjAxMQ" is base64url of "2011": one part where four are due. */
    expect(f, "/signals", "cursor=MjAxMQ", 400,
           "{\"error\":{\"code\":\"invalid_cursor\",\"message\":\"cursor is "
           "not one this route gave out; start again without it\"}}");
    expect(f, "/documents/12x", NULL, 400,
           "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"id must "
           "be a positive integer no larger than 9223372036854775807\"}}");
    expect(f, "/documents/9223372036854775808", NULL, 400,
           "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"id must "
           "be a positive integer no larger than 9223372036854775807\"}}");
    expect(f, "/prices", NULL, 400,
           "{\"error\":{\"code\":\"missing_parameter\",\"message\":\"ticker "
           "is required for /prices\"}}");
    expect(f, "/nowhere", NULL, 404,
           "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for "
           "GET /nowhere\"}}");
    fixture_free(f);
}

static void test_method_not_allowed_lists_methods(void **state)
{
    fixture *f = fixture_new(&registry_api, 0);
    answer a;

    (void)state;
    call(f, "PUT", "/symbols/AAPL", NULL, NULL, &a);
    assert_int_equal(a.status, 405);
    assert_non_null(strstr(a.headers, "Allow: GET, PATCH, DELETE\n"));
    assert_string_equal(a.body,
                        "{\"error\":{\"code\":\"method_not_allowed\","
                        "\"message\":\"PUT is not allowed on /symbols/AAPL "
                        "(allowed: GET, PATCH, DELETE)\"}}");
    fixture_free(f);
}

static void test_cors(void **state)
{
    fixture *f = fixture_new(&registry_api, 0);
    http_request req;
    http_response res;

    (void)state;
    memset(&req, 0, sizeof(req));
    req.method = "OPTIONS";
    req.path = "/symbols";
    req.query = "";
    req.body = "";
    req.request_id = "t";
    req.origin = "http://dash.example";
    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    api_handle(f->api, &req, &res);
    assert_int_equal(res.status, 204);
    assert_string_equal(res.headers[0][0], "Access-Control-Allow-Origin");
    assert_string_equal(res.headers[0][1], "http://dash.example");
    buf_release(&res.body);

    req.origin = "http://evil.example";
    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    api_handle(f->api, &req, &res);
    assert_int_equal(res.status, 204);
    assert_int_equal(res.nheaders, 0);
    buf_release(&res.body);
    fixture_free(f);
}

static void test_short_tokens_refused(void **state)
{
    config c = test_config(0);
    dbpool *pool = dbpool_new(&c, 1);
    char err[256];

    (void)state;
    c.api_tokens = "short";
    assert_null(api_new(&registry_api, &c, pool, NULL, err, sizeof(err)));
    assert_string_equal(err,
                        "API_TOKENS: token 1 is shorter than 16 characters");
    dbpool_free(pool);
}

/* Text of names, aliases and reasons: UTF-8 without controls or the
 * bidirectional marks that turn a line around. */
static void test_text_ok(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"Apple Inc.", 1},
        {"Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale", 1},
        {"\xe6\xa0\xaa", 1}, /* U+682A */
        {"\xf0\x9f\x93\x88 up", 1}, /* U+1F4C8 */
        {"right\xe2\x80\x8fto left mark", 1}, /* U+200F stays */
        {"a\tb", 0},
        {"a\x7f", 0},
        {"\xc2\x85 next line", 0}, /* U+0085, C1 */
        {"evil \xe2\x80\xae reversed", 0}, /* U+202E */
        {"\xe2\x80\xaa embedding", 0}, /* U+202A */
        {"isolate \xe2\x81\xa6 x", 0}, /* U+2066 */
        {"\xe2\x81\xa9", 0}, /* U+2069 */
        {"\xe2\x81\xaa ok", 1}, /* U+206A */
        {"Ap\xe2\x80\x8bple Inc", 0}, /* U+200B */
        {"\xef\xbb\xbf"
         "Apple",
         0}, /* U+FEFF */
        {"a\xe2\x81\xa0"
         "b",
         0}, /* U+2060 */
        {"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb", 1}, /* a ZWJ */
        {"\xe3\x85\xa4\xe3\x85\xa4", 0}, /* U+3164, Hangul filler */
        {"a\xe1\x85\x9f", 0}, /* U+115F */
        {"a\xef\xbe\xa0", 0}, /* U+FFA0 */
        {"Apple\xe2\x80\xa8Inc", 0}, /* U+2028 */
        {"\xe2\x80\xa9", 0}, /* U+2029 */
        {"Cafe\xcc\x81", 1}, /* a combining mark after a letter */
        {"\xc3", 0},
        {"\xed\xa0\x80", 0}, /* a surrogate */
        {"Zeta\xef\xbf\xbf", 0}, /* U+FFFF, a noncharacter */
        {"\xef\xb7\x90", 0}, /* U+FDD0 */
        {"\xf0\x9f\xbf\xbe", 0}, /* U+1FFFE */
        {"Zeta\xf3\xa0\x80\x81", 0}, /* U+E0001, a tag */
        {"\xef\xbf\xbd", 1}, /* U+FFFD, the replacement character */
        {"\xef\xb7\xb0", 1}, /* U+FDF0 */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (api_text_ok(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
            fail_msg("case %zu: '%s' should be %s", i, cases[i].s,
                     cases[i].ok ? "taken" : "refused");
}

/* If-None-Match as a list of tags, not a text to search. */
static void test_etag_listed(void **state)
{
    static const struct {
        const char *inm;
        int listed;
    } cases[] = {
        {"\"abc\"", 1},
        {"\"x\", \"abc\"", 1},
        {"\"x\",\"abc\" ", 1},
        {"W/\"abc\"", 1},
        {"*", 1},
        {NULL, 0},
        {"", 0},
        {"\"ab\"", 0},
        {"\"abcd\"", 0},
        {"\"abc\"\"abc\"", 0}, /* two tags run together */
        {"x\"abc\"", 0},
        {"\"x\" \"abc\"", 0}, /* no comma */
        {"\"abc", 0},
        {"**", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (api_etag_listed(cases[i].inm, "\"abc\"") != cases[i].listed)
            fail_msg("case %zu: %s should %s", i,
                     cases[i].inm ? cases[i].inm : "(none)",
                     cases[i].listed ? "match" : "not match");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi_matches_registry_routes),
        cmocka_unit_test(test_openapi_matches_query_api_routes),
        cmocka_unit_test(test_write_needs_token),
        cmocka_unit_test(test_read_auth_when_configured),
        cmocka_unit_test(test_bad_query_parameters),
        cmocka_unit_test(test_method_not_allowed_lists_methods),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_short_tokens_refused),
        cmocka_unit_test(test_text_ok),
        cmocka_unit_test(test_etag_listed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
