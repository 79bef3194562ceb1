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
#include "lib/log.h"
#include "services/cli.h"
#include "services/registry.h"

#define TOKEN "fuzz-token-0123456789abcdef"

/* registry.c's command entry needs these from cli.c, which would pull
 * in every command; the harness never starts the command. */
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
    cfg.api_tokens = TOKEN;
    cfg.cors_origin = "http://dash.example";
    cfg.queue_block_ms = 10;
    cfg.queue_visibility_ms = 1000;
    pool = dbpool_new(&cfg, 1);
    reg = api_new(&registry_api, &cfg, pool, NULL, err, sizeof(err));
    if (!reg)
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
    static const char *const allowed[] = {"q", "limit", "cursor", NULL};
    const char *p, *end;
    char *path, *query, *body;
    char out[256], name[HTTP_QUERY_NAME_MAX];
    http_request req;
    http_response res;

    if (size == 0)
        return 0;
    if (!reg)
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

    http_query_param(&req, "q", out, sizeof(out));
    http_query_param(&req, "limit", out, 4);
    http_query_unknown(&req, allowed, name, sizeof(name));
    api_text_ok(body, req.body_len);

    memset(&res, 0, sizeof(res));
    res.status = 200;
    buf_init(&res.body);
    api_handle(reg, &req, &res);
    buf_release(&res.body);
    free(path);
    free(query);
    free(body);
    return 0;
}
