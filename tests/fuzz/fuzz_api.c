/*
 * libFuzzer harness: HTTP requests to the symbol registry's API,
 * dispatched by api_handle without a server (the database is on a port
 * nobody listens on, so a handler that gets past validation answers
 * 503). Input: one byte of flags (bits 0-2: the method; bit 3: a valid
 * bearer token), then "path\nquery\nbody". The query string also goes
 * through http_query_param and http_query_unknown directly.
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
#include "services/registry.h"

static config cfg;
static dbpool *pool;
static api *reg;

static void setup(void)
{
    char err[256];

    log_init("fuzz_api", LOG_LEVEL_OFF);
    memset(&cfg, 0, sizeof(cfg));
    cfg.pg_host = "127.0.0.1";
    cfg.pg_port = 1;
    cfg.pg_db = "none";
    cfg.pg_user = "none";
    cfg.pg_password = "";
    cfg.pg_connect_timeout_s = 1;
    cfg.redis_host = "127.0.0.1";
    cfg.redis_port = 1;
    cfg.redis_password = "";
    cfg.api_tokens = FUZZ_TOKEN;
    cfg.cors_origin = "http://dash.example";
    cfg.queue_block_ms = 10;
    cfg.queue_visibility_ms = 1000;
    pool = dbpool_new(&cfg, 1);
    reg = api_new(&registry_api, &cfg, pool, NULL, err, sizeof(err));
    if (!reg)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const allowed[] = {"q", "limit", "cursor", NULL};
    fuzz_request f;
    char out[256], name[HTTP_QUERY_NAME_MAX];
    http_response res;

    if (size == 0)
        return 0;
    if (!reg)
        setup();
    fuzz_request_parse(data, size, &f);

    http_query_param(&f.req, "q", out, sizeof(out));
    http_query_param(&f.req, "limit", out, 4);
    http_query_unknown(&f.req, allowed, name, sizeof(name));
    api_text_ok(f.body, f.req.body_len);

    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    api_handle(reg, &f.req, &res);
    buf_release(&res.body);
    fuzz_request_free(&f);
    return 0;
}
