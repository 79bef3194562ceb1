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
#include "fuzz_http.h"
#include "lib/log.h"
#include "services/cli.h"
#include "services/query_api.h"
#include "services/trading.h"

#define NOBODY "http://127.0.0.1:1"

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
    setenv("API_TOKENS", FUZZ_TOKEN, 1);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request f;
    http_response res;

    if (size == 0)
        return 0;
    if (!loaded)
        setup();
    fuzz_request_parse(data, size, &f);

    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    switch ((data[0] >> 5) & 3) {
    case 1:
        trading_engine_answer(&cfg, tpool, &f.req, &res);
        break;
    case 2:
        risk_engine_answer(&cfg, tpool, &f.req, &res);
        break;
    default:
        api_handle(qapi, &f.req, &res);
        break;
    }
    buf_release(&res.body);
    fuzz_request_free(&f);
    return 0;
}
