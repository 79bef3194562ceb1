/*
 * The HTTP request the API harnesses (fuzz_api, fuzz_trading_api) read
 * from their input: one flag byte (bits 0-2: the method; bit 3: the
 * bearer token FUZZ_TOKEN; bit 4: an Origin header; the harness may use
 * the others), then "path\nquery\nbody", the body sent as
 * application/json. Included by one harness each, so the functions are
 * static (and the cli.c stubs defined once).
 */
#ifndef STONKS_FUZZ_HTTP_H
#define STONKS_FUZZ_HTTP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/http.h"
#include "services/cli.h"

#define FUZZ_TOKEN "fuzz-token-0123456789abcdef"

/* The services' command entries need these from cli.c, which would pull
 * in every command; the harnesses never start a command. */
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

typedef struct fuzz_request {
    http_request req;
    char *path, *query, *body;
} fuzz_request;

/* Copies the next '\n'-terminated part of *p (up to end) into a new
 * NUL-terminated string. */
static char *fuzz_part(const char **p, const char *end)
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

/* Builds f from data (size >= 1); release with fuzz_request_free. */
static void fuzz_request_parse(const uint8_t *data, size_t size,
                               fuzz_request *f)
{
    static const char *const methods[] = {"GET",  "POST",    "PATCH", "DELETE",
                                          "HEAD", "OPTIONS", "PUT",   "GET"};
    const char *p = (const char *)data + 1;
    const char *end = (const char *)data + size;

    f->path = fuzz_part(&p, end);
    f->query = fuzz_part(&p, end);
    f->body = malloc((size_t)(end - p) + 1);
    memcpy(f->body, p, (size_t)(end - p));
    f->body[end - p] = '\0';
    memset(&f->req, 0, sizeof(f->req));
    f->req.method = methods[data[0] & 7];
    f->req.path = f->path;
    f->req.query = f->query;
    f->req.body = f->body;
    f->req.body_len = (size_t)(end - p);
    f->req.authorization = data[0] & 8 ? "Bearer " FUZZ_TOKEN : NULL;
    f->req.content_type = "application/json";
    f->req.origin = data[0] & 16 ? "http://dash.example" : NULL;
    f->req.request_id = "fuzz";
}

static void fuzz_request_free(fuzz_request *f)
{
    free(f->path);
    free(f->query);
    free(f->body);
}

#endif
