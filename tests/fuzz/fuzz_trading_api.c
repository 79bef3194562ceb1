/*
 * libFuzzer harness: HTTP requests to query-api, trading-engine and
 * risk-engine, dispatched through each service's own handler without a
 * server. PostgreSQL, Redis and the services query-api forwards to are
 * on a port nobody listens on, so a request that gets past validation
 * is answered 503 (or 502 for a forwarded route). Input: one byte of
 * flags (bits 0-2: the method; bit 3: a valid bearer token; bit 4: the
 * allowed CORS origin; bits 5-6: the service, 0 and 3 query-api, 1
 * trading-engine, 2 risk-engine), then "path\nquery\nbody".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/api.h"
#include "lib/http.h"
#include "lib/log.h"
#include "services/cli.h"
#include "services/query_api.h"
#include "services/trading.h"

#define TOKEN "fuzz-token-0123456789abcdef"
#define NOBODY "http://127.0.0.1:1"

/* The services' command entries need these from cli.c, which would pull
 * in every command; the harness never starts a command. */
int cli_wants_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int cli_start(const char *service, config *c)
{
    (void)service;
    (void)c;
    return -1;
}

static config cfg;
static int loaded;
static dbpool *pool;
static trading_pool *tpool;
static qa_state qa;
static api *qapi;

static void setup(void)
{
    char err[512];

    log_init("fuzz_trading_api", LOG_LEVEL_OFF);
    setenv("POSTGRES_HOST", "127.0.0.1", 1);
    setenv("POSTGRES_PORT", "1", 1);
    setenv("POSTGRES_CONNECT_TIMEOUT", "1", 1);
    setenv("REDIS_HOST", "127.0.0.1", 1);
    setenv("REDIS_PORT", "1", 1);
    setenv("API_TOKENS", TOKEN, 1);
    setenv("CORS_ORIGIN", "http://dash.example", 1);
    setenv("TRADING_ENGINE_URL", NOBODY, 1);
    setenv("RISK_ENGINE_URL", NOBODY, 1);
    setenv("REGISTRY_URL", NOBODY, 1);
    if (config_load(&cfg, err, sizeof(err)) < 0)
        abort();
    loaded = 1;
    pool = dbpool_new(&cfg, 1);
    tpool = trading_pool_open_anyway(&cfg, 1);
    memset(&qa, 0, sizeof(qa));
    qa.cfg = &cfg;
    pthread_mutex_init(&qa.qlock, NULL);
    qapi = api_new(&query_api, &cfg, pool, &qa, err, sizeof(err));
    if (!qapi)
        abort();
}

/* Copies the next '\n'-terminated part of *p (up to end) into a new
 * NUL-terminated string. */
static char *part(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    size_t n = (size_t)(stop - *p);
    char *s = malloc(n + 1);

    memcpy(s, *p, n);
    s[n] = '\0';
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET",  "POST",    "PATCH", "DELETE",
                                          "HEAD", "OPTIONS", "PUT",   "GET"};
    const char *p, *end;
    char *path, *query, *body;
    http_request req;
    http_response res;

    if (size == 0)
        return 0;
    if (!loaded)
        setup();
    p = (const char *)data + 1;
    end = (const char *)data + size;
    path = part(&p, end);
    query = part(&p, end);
    body = malloc((size_t)(end - p) + 1);
    memcpy(body, p, (size_t)(end - p));
    body[end - p] = '\0';

    memset(&req, 0, sizeof(req));
    req.method = methods[data[0] & 7];
    req.path = path;
    req.query = query;
    req.body = body;
    req.body_len = (size_t)(end - p);
    req.authorization = data[0] & 8 ? "Bearer " TOKEN : NULL;
    req.origin = data[0] & 16 ? "http://dash.example" : NULL;
    req.request_id = "fuzz";

    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    switch ((data[0] >> 5) & 3) {
    case 1:
        trading_engine_answer(&cfg, tpool, &req, &res);
        break;
    case 2:
        risk_engine_answer(&cfg, tpool, &req, &res);
        break;
    default:
        api_handle(qapi, &req, &res);
        break;
    }
    buf_release(&res.body);
    free(path);
    free(query);
    free(body);
    return 0;
}
