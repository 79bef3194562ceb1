/*
 * http: a small HTTP/1.1 server (libmicrohttpd, internal thread pool)
 * for the services' APIs and their /health, /ready and /metrics probes.
 * The caller registers one handler; it runs on a pool thread, fills the
 * response, and must be thread-safe. Request bodies over the configured
 * limit are refused with 413 before the handler runs; the handler never
 * sees an incomplete body. Requests with ambiguous framing (two
 * Content-Length headers, or one with Transfer-Encoding), a control
 * character in a header value or an encoded NUL in the path are refused
 * with 400 before the handler runs; so are a query parameter given
 * twice (400 invalid_parameter; the handler never has to choose which
 * value counts) and a request that does not arrive in full in time (the
 * connection is closed).
 */
#ifndef STONKS_HTTP_H
#define STONKS_HTTP_H

#include <stddef.h>

#include "lib/buf.h"

typedef struct http_request {
    const char *method; /* "GET", "POST", ... */
    const char *path; /* decoded path, without the query string */
    const char *query; /* raw query string after '?', or "" */
    const char *body; /* NUL-terminated copy; "" when none */
    size_t body_len;
    const char *authorization; /* Authorization header or NULL */
    const char *content_type; /* Content-Type header or NULL */
    const char *origin; /* Origin header or NULL */
    const char *if_none_match; /* If-None-Match header or NULL */
    const char *request_id; /* X-Request-Id, or one made up */
    void *conn; /* opaque: for http_request_header */
} http_request;

typedef struct http_response {
    int status; /* 200 unless set */
    const char *content_type; /* "application/json" unless set */
    buf body;
    char headers[8][2][128]; /* extra name/value pairs */
    int nheaders;
} http_response;

typedef void (*http_handler)(void *ctx, const http_request *req,
                             http_response *res);

typedef struct http_server http_server;

typedef struct http_options {
    const char *bind; /* "127.0.0.1" or "0.0.0.0" */
    int port; /* 0: let the kernel choose (see http_port) */
    int threads; /* pool size; 0 means 2 */
    size_t max_body; /* bytes; 0 means 1 MiB */
    int timeout_s; /* idle connection timeout; 0 means 10 */
    /* A request's headers and body must arrive in full within this many
     * seconds of the connection opening or of the previous answer on it,
     * however steadily they trickle in; past that the connection is
     * closed. 0 means 30. */
    int request_timeout_s;
    /* Bytes of request bodies the server holds at once, all connections
     * together (never less than max_body); a request whose body would
     * go past it is answered 503 "busy". 0 means 64 MiB. */
    size_t body_pool;
} http_options;

/* Starts serving. Returns NULL with a message in err (port in use, bad
 * address), and errno EADDRINUSE when the port is another's (else the
 * bind's error, or 0). Stop with http_stop (NULL is safe). */
http_server *http_start(const http_options *o, http_handler h, void *ctx,
                        char *err, size_t errlen);
void http_stop(http_server *s);

/* The port actually bound. */
int http_port(const http_server *s);

/* Value of a request header, or NULL. */
const char *http_request_header(const http_request *req, const char *name);

/* Value of a query parameter, decoded into out (cap bytes). Returns 1
 * when present, 0 when absent, -1 when too long for out. */
int http_query_param(const http_request *req, const char *name, char *out,
                     size_t cap);

/* The longest query string accepted, bytes: a longer one is refused
 * with 414 query_too_long before any route runs, on every service. */
#define HTTP_QUERY_MAX 2048

/* The longest query parameter name looked at, with its NUL. */
#define HTTP_QUERY_NAME_MAX 64

/* Checks the names of the query parameters against allowed (a
 * NULL-terminated list). Returns 0 when every name is allowed, or 1
 * with the first other name (raw, cut to fit) in name. */
int http_query_unknown(const http_request *req, const char *const *allowed,
                       char *name, size_t cap);

/* Whether Content-Type ct (may be NULL) is the media type type, in any
 * case, with parameters or without: 1 when it is, and any charset among
 * them is utf-8 (in any case, quoted or not); -1 when it is with
 * another charset, which is written in charset (cap bytes); 0 when it
 * is another type. */
int http_media_type(const char *ct, const char *type, char *charset,
                    size_t cap);

/* Answers 415 unsupported_media_type for a body that is not of type
 * (got and charset as http_media_type gave them), and logs it. */
void http_refuse_media(const http_request *req, http_response *res,
                       const char *type, int got, const char *charset);

/* 1 when the request says its body is JSON: a Content-Type of
 * application/json, the media type in any case, with parameters such as
 * "; charset=utf-8" or without (another charset is refused).
 * Otherwise answers 415 unsupported_media_type (and logs the refusal)
 * and returns 0. */
int http_require_json(const http_request *req, http_response *res);

/* Path templates, for routing. */
#define HTTP_MAX_ARGS 2 /* {placeholders} in one path */

/* A route: a method and a path template, in which a {name} matches one
 * non-empty segment ("/orders/{client_order_id}"). */
typedef struct http_route {
    const char *method;
    const char *path;
} http_route;

/* Finds req's route in routes[0..n): the first whose template matches
 * the path and whose method is req's (HEAD takes a GET route), a
 * segment of any length matching a {name}. Returns its index, with the
 * segments its {names} matched in args[0..HTTP_MAX_ARGS) when args is
 * not NULL (copied into buf, of strlen(req->path) + 1 bytes); or -1
 * with the methods of the routes of the path ("GET, POST"; "" when no
 * route has the path) in allow. */
long http_route_find(const http_route *routes, size_t n,
                     const http_request *req, char *buf, const char **args,
                     char *allow, size_t cap);

/* Answers 405 method_not_allowed with an Allow header of allow (and
 * logs the refusal). */
void http_not_allowed(const http_request *req, http_response *res,
                      const char *allow);

/* Adds a response header (at most 8; name and value under 128 bytes). */
void http_set_header(http_response *res, const char *name, const char *value);

/* Sets status and a JSON error body {"error":{"code","message"}}. */
void http_error(http_response *res, int status, const char *code,
                const char *message);

#endif
