/*
 * provider_parse: the parsers of the market-data providers' JSON pages,
 * one per kind of answer, apart from the HTTP that fetches them, so
 * that the clients (polygon.c, alpaca_data.c) and the fuzz harness
 * (tests/fuzz/fuzz_provider.c) run the same code.
 *
 * A page is first read by provider_parse_json; a page parser then adds
 * to out the bars or news of it that fall in q's days (the rules are in
 * provider.h and at the top of each client) and skips entries it cannot
 * read. Each returns PROVIDER_OK with *next set to the cursor of the
 * next page as the page gives it (Polygon: next_url, not yet rebased;
 * Alpaca: next_page_token), or NULL on the last page; the caller frees
 * it. Only Polygon's status "ERROR" gives PROVIDER_FAIL, with a message
 * in err and *next NULL.
 */
#ifndef STONKS_PROVIDER_PARSE_H
#define STONKS_PROVIDER_PARSE_H

#include <jansson.h>
#include <stddef.h>

#include "adapters/provider.h"

typedef int (*provider_page_fn)(const provider_query *q, json_t *root,
                                provider_result *out, char **next, char *err,
                                size_t errlen);

/* Parses len bytes of text (no NUL needed) as a JSON object into *root
 * (the caller json_decref's it). Strings may hold \u0000. When the text
 * is not JSON only because strings hold bytes that are not UTF-8 or \u
 * escapes of lone surrogates, those are read as U+FFFD (with a warning)
 * so that one bad item does not cost the page. Returns PROVIDER_OK, or
 * PROVIDER_FAIL with *root NULL and a message in err ("the answer is
 * not valid JSON: <why> (line L, column C)" or "the answer is JSON but
 * not an object"). */
int provider_parse_json(const char *text, size_t len, json_t **root, char *err,
                        size_t errlen);

/* The cursor of the next page: the string member key of root (the
 * caller frees), or NULL on the last page (absent or empty). */
char *provider_page_next(json_t *root, const char *key);

/* Polygon: /v2/aggs/ticker/../range/1/day/.. and /v2/reference/news. */
int polygon_parse_bars(const provider_query *q, json_t *root,
                       provider_result *out, char **next, char *err,
                       size_t errlen);
int polygon_parse_news(const provider_query *q, json_t *root,
                       provider_result *out, char **next, char *err,
                       size_t errlen);

/* Alpaca market data: /v2/stocks/bars and /v1beta1/news. */
int alpaca_parse_bars(const provider_query *q, json_t *root,
                      provider_result *out, char **next, char *err,
                      size_t errlen);
int alpaca_parse_news(const provider_query *q, json_t *root,
                      provider_result *out, char **next, char *err,
                      size_t errlen);

#endif
