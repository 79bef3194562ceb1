/*
 * api_doc: the /openapi.json document and the /docs page of an API,
 * both written from its route table (part of the api module; see
 * api.h). query-api and symbol-registry write them once at start-up;
 * trading-engine and risk-engine, whose route tables are of another
 * kind (services/trading.h), turn theirs into api_route entries and
 * write them on each request.
 */
#ifndef STONKS_API_DOC_H
#define STONKS_API_DOC_H

#include <stddef.h>

#include "lib/api.h"

/* The entries of the two documents in a route table, answered by fn
 * (NULL in a table that only describes). */
#define API_DOC_ROUTE_HTML(fn)                                                 \
    {                                                                          \
        "GET", "/docs", fn, API_OPEN, "This API's documentation (HTML)", NULL, \
            NULL, NULL, NULL, 0, "text/html; charset=utf-8", 0                 \
    }
#define API_DOC_ROUTE_OPENAPI(fn)                                              \
    {                                                                          \
        "GET", "/openapi.json", fn, API_OPEN,                                  \
            "This API as an OpenAPI 3 document", NULL, NULL, NULL, NULL, 0,    \
            NULL, 0                                                            \
    }

/* Each returns a new string; the caller frees. read_auth says whether
 * read routes need a token (API_READ_AUTH). The HTML explains pages
 * only when a route takes a "cursor". */
char *api_doc_openapi(const api_def *def, const api_route *routes, size_t n,
                      int read_auth);
char *api_doc_html(const api_def *def, const api_route *routes, size_t n,
                   int read_auth);

/* Answers a GET of one of them: body with its ETag (api_etag_new) and
 * Cache-Control for 5 minutes, or 304 without a body when
 * If-None-Match lists the tag. The caller sets the content type. */
void api_doc_answer(const http_request *req, http_response *res,
                    const char *body, const char *etag);

#endif
