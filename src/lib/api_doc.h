/*
 * api_doc: the /openapi.json document and the /docs page of an API,
 * both written from its route table once at start-up (part of the api
 * module; see api.h).
 */
#ifndef STONKS_API_DOC_H
#define STONKS_API_DOC_H

#include <stddef.h>

#include "lib/api.h"

/* Each returns a new string; the caller frees. read_auth says whether
 * read routes need a token (API_READ_AUTH). */
char *api_doc_openapi(const api_def *def, const api_route *routes, size_t n,
                      int read_auth);
char *api_doc_html(const api_def *def, const api_route *routes, size_t n,
                   int read_auth);

#endif
