/*
 * Secrets without a server: bearer tokens are accepted only when equal
 * in full (not a prefix, not a longer string, not differing in the last
 * byte), the comparison takes about as long whichever byte differs (a
 * loose bound, printed: the check is on the code path, not the clock),
 * and STONKS_ENV=production refuses empty, short or well-known default
 * passwords with a message that names the variable and never echoes a
 * secret value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/api.h"
#include "lib/config.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/token.h"
#include "services/registry.h"
#include "services/trading.h"

#define TOKEN "s3cr3t-canary-unit-token-7411-abcdef"

static config test_config(void)
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
    c.trading_mode = "paper";
    c.cors_origin = "";
    c.queue_block_ms = 10;
    c.queue_visibility_ms = 1000;
    return c;
}

static int authorized(const api *a, const char *header)
{
    http_request req;

    memset(&req, 0, sizeof(req));
    req.authorization = header;
    return api_authorized(a, &req);
}

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Best of several rounds of n checks of header. */
static double time_checks(const api *a, const char *header, int n)
{
    double best = 1e9;

    for (int r = 0; r < 5; r++) {
        double t0 = seconds();
        int ok = 0;

        for (int i = 0; i < n; i++)
            ok += authorized(a, header);
        double t = seconds() - t0;

        if (t < best)
            best = t;
        (void)ok;
    }
    return best;
}

static void test_token_equality(void **state)
{
    (void)state;
    config c = test_config();
    dbpool *pool;
    api *a;
    char err[256];

    log_init("test_secrets", LOG_LEVEL_OFF);
    pool = dbpool_new(&c, 1);
    a = api_new(&registry_api, &c, pool, NULL, err, sizeof(err));
    assert_non_null(a);
    assert_int_equal(authorized(a, "Bearer " TOKEN), 1);
    assert_int_equal(authorized(a, "Bearer second-token-abcdefghij"), 1);
    assert_int_equal(authorized(a, "bearer " TOKEN), 1);
    assert_int_equal(authorized(a, NULL), 0);
    assert_int_equal(authorized(a, ""), 0);
    assert_int_equal(authorized(a, "Bearer "), 0);
    assert_int_equal(authorized(a, TOKEN), 0);
    assert_int_equal(authorized(a, "Basic " TOKEN), 0);
    /* A prefix, a longer string, one byte off at each end. */
    assert_int_equal(authorized(a, "Bearer s3cr3t-canary-unit-token"), 0);
    assert_int_equal(authorized(a, "Bearer " TOKEN "x"), 0);
    assert_int_equal(authorized(a, "Bearer " TOKEN "-abcdef"), 0);
    assert_int_equal(authorized(a, "Bearer x3cr3t-canary-unit-token-7411"
                                   "-abcdef"),
                     0);
    assert_int_equal(authorized(a, "Bearer s3cr3t-canary-unit-token-7411"
                                   "-abcdeg"),
                     0);

    /* Timing: a wrong first byte, a wrong last byte and a match cost
     * the same digest and the same full comparison. The bound is loose
     * so that a loaded machine does not fail it. */
    const int n = 2000;
    double t_first = time_checks(a,
                                 "Bearer x3cr3t-canary-unit-token-7411"
                                 "-abcdef",
                                 n);
    double t_last = time_checks(a,
                                "Bearer s3cr3t-canary-unit-token-7411"
                                "-abcdeg",
                                n);
    double t_ok = time_checks(a, "Bearer " TOKEN, n);
    double lo = t_first, hi = t_first;

    if (t_last < lo)
        lo = t_last;
    if (t_ok < lo)
        lo = t_ok;
    if (t_last > hi)
        hi = t_last;
    if (t_ok > hi)
        hi = t_ok;
    printf("token check, %d calls: first byte wrong %.3f ms, last byte "
           "wrong %.3f ms, match %.3f ms\n",
           n, t_first * 1e3, t_last * 1e3, t_ok * 1e3);
    assert_true(hi < lo * 3.0 + 0.002);

    api_free(a);
    dbpool_free(pool);
}

/* The token list as token_set_load reads it, for every service. */
static void test_token_list(void **state)
{
    (void)state;
    token_set t;
    char err[128];
    const char *first;
    size_t len;
    buf many;

    assert_int_equal(token_set_load(&t,
                                    " \tfirst-token-0123456789 ,, "
                                    "\tsecond-token-abcdefghij\t,",
                                    err, sizeof(err)),
                     0);
    assert_int_equal(t.n, 2);
    assert_int_equal(token_set_allows(&t, "Bearer first-token-0123456789"), 1);
    assert_int_equal(token_set_allows(&t, "BEARER   second-token-abcdefghij"),
                     1);
    assert_int_equal(token_set_allows(&t, "Bearer second-token-abcdefghij \t"),
                     1);
    assert_int_equal(token_set_allows(&t, "Bearer second-token-abcdefghij x"),
                     0);
    assert_int_equal(token_set_allows(&t, "Bearer  ,"), 0);
    assert_int_equal(token_set_load(&t, "", err, sizeof(err)), 0);
    assert_int_equal(t.n, 0);
    assert_int_equal(token_set_allows(&t, "Bearer "), 0);

    assert_int_equal(
        token_set_load(&t, "first-token-0123456789, short", err, sizeof(err)),
        -1);
    assert_string_equal(err,
                        "API_TOKENS: token 2 is shorter than 16 characters");
    buf_init(&many);
    for (int i = 0; i < 17; i++)
        buf_addf(&many, "%stoken-number-%04d", i ? "," : "", i);
    assert_int_equal(token_set_load(&t, many.data, err, sizeof(err)), -1);
    assert_string_equal(err, "API_TOKENS: more than 16 tokens");
    buf_release(&many);

    first = token_first(" , \tfirst-token-0123456789 , second", &len);
    assert_int_equal(len, 22);
    assert_memory_equal(first, "first-token-0123456789", 22);
    first = token_first(" , ", &len);
    assert_int_equal(len, 0);
    assert_string_equal(first, "");
}

/* The trading services take every token of the list as api.c does,
 * the blanks around one too (a token after ", " was refused there). */
static void test_trading_tokens(void **state)
{
    (void)state;
    config c = test_config();
    static const trading_service none = {"test", "test", "test", NULL, 0};
    trading_http *h = trading_http_new(&none, &c, NULL);
    http_request req;
    http_response res;

    memset(&req, 0, sizeof(req));
    memset(&res, 0, sizeof(res));
    buf_init(&res.body);
    req.authorization = "Bearer second-token-abcdefghij";
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_WRITE), 1);
    req.authorization = "Bearer " TOKEN;
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_WRITE), 1);

    req.authorization = "Bearer " TOKEN "x";
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_WRITE), 0);
    assert_int_equal(res.status, 401);
    assert_non_null(strstr(res.body.data, "the bearer token is not valid"));
    req.authorization = NULL;
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_WRITE), 0);
    assert_int_equal(res.status, 401);
    assert_non_null(strstr(res.body.data,
                           "this route needs an Authorization: Bearer token"));
    /* a read needs none unless API_READ_AUTH */
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_READ), 1);
    /* the gate: a token when there are tokens, none when there are none
     * (a stack without tokens still trades) */
    req.authorization = NULL;
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_INTERNAL), 0);
    assert_int_equal(res.status, 401);
    req.authorization = "Bearer second-token-abcdefghij";
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_INTERNAL), 1);
    trading_http_free(h);
    c.api_tokens = "";
    h = trading_http_new(&none, &c, NULL);
    req.authorization = NULL;
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_INTERNAL), 1);
    req.authorization = "Bearer " TOKEN;
    assert_int_equal(trading_authorized(h, &req, &res, TRADING_WRITE), 0);
    assert_int_equal(res.status, 403);
    trading_http_free(h);
    buf_release(&res.body);
}

static void clear_env(void)
{
    unsetenv("STONKS_ENV");
    unsetenv("POSTGRES_PASSWORD");
    unsetenv("REDIS_PASSWORD");
}

static void test_production_refuses_empty(void **state)
{
    (void)state;
    config c;
    char err[512];

    clear_env();
    setenv("STONKS_ENV", "production", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "POSTGRES_PASSWORD"));

    setenv("POSTGRES_PASSWORD", "s3cr3t-canary-pg-7411", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "REDIS_PASSWORD"));
    assert_null(strstr(err, "s3cr3t-canary"));

    setenv("REDIS_PASSWORD", "s3cr3t-canary-redis-7411", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), 0);
    config_release(&c);

    /* Well-known defaults and short ones are refused too, in any case,
     * naming the variable but not the value. */
    setenv("POSTGRES_PASSWORD", "Postgres", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "STONKS_ENV=production refuses "
                             "POSTGRES_PASSWORD: it is shorter than 12 "
                             "bytes; set a long random value");
    /* shorter than 12 bytes, or holding a weak word in any case */
    setenv("POSTGRES_PASSWORD", "s3cr3t-canary-pg-7411", 1);
    setenv("REDIS_PASSWORD", "changeme123", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "STONKS_ENV=production refuses "
                             "REDIS_PASSWORD: it is shorter than 12 "
                             "bytes; set a long random value");
    for (size_t i = 0; i < 4; i++) {
        static const char *const weak[] = {
            "changeme1234", "x-PassWord-of-the-day", "ADMIN-admin-admin",
            "my-secret-redis-0"};

        setenv("REDIS_PASSWORD", weak[i], 1);
        memset(&c, 0, sizeof(c));
        assert_int_equal(config_load(&c, err, sizeof(err)), -1);
        assert_string_equal(err, "STONKS_ENV=production refuses "
                                 "REDIS_PASSWORD: it holds a word attackers "
                                 "try first (changeme, password, admin, "
                                 "secret, 123456 and the like); set a long "
                                 "random value");
    }
    /* 12 bytes of no weak word, and a service's name inside a longer
     * value, pass (the integration tests' canaries) */
    setenv("REDIS_PASSWORD", "k7Qz9vX2mP4w", 1);
    setenv("POSTGRES_PASSWORD", "s3cr3t-canary-postgres-7411", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), 0);
    config_release(&c);
    setenv("POSTGRES_PASSWORD", "s3cr3t-canary-pg-7411", 1);
    setenv("REDIS_PASSWORD", "qZ7x!", 1);
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "refuses REDIS_PASSWORD"));
    assert_null(strstr(err, "qZ7x!"));

    /* Outside production, empty passwords are fine. */
    clear_env();
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_load(&c, err, sizeof(err)), 0);
    config_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_equality),
        cmocka_unit_test(test_token_list),
        cmocka_unit_test(test_trading_tokens),
        cmocka_unit_test(test_production_refuses_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
