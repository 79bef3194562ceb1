/*
 * symbols: the read side of the symbol registry, served by both
 * symbol-registry and query-api (GET /symbols, GET /symbols/{ticker},
 * GET /symbols/{ticker}/history), and the pieces the registry's writes
 * reuse: the ticker checks of a request and the one SQL expression that
 * turns a symbol row into its JSON object, so that every route shows a
 * symbol the same way.
 */
#ifndef STONKS_SYMBOLS_H
#define STONKS_SYMBOLS_H

#include "domain/ticker.h"
#include "lib/api.h"
#include "lib/config.h"

/* SQL: the columns of a symbol (the row aliased "s") as the API shows
 * it (see api_row_object). */
#define SYMBOLS_COLS                                                           \
    "s.ticker, s.name, s.sector, s.active, coalesce((SELECT "                  \
    "json_agg(a.alias ORDER BY a.alias) FROM symbol_aliases a WHERE "          \
    "a.ticker = s.ticker AND a.kind = 'name'), '[]') AS aliases, "             \
    "coalesce((SELECT json_agg(a.alias ORDER BY a.alias) FROM "                \
    "symbol_aliases a WHERE a.ticker = s.ticker AND a.kind = "                 \
    "'ticker'), '[]') AS alt_tickers, s.created_at AT TIME ZONE 'UTC' "        \
    "AS created_at, s.updated_at AT TIME ZONE 'UTC' AS updated_at"

/* SQL: one symbol by ticker ($1), as the API shows it. */
#define SYMBOLS_GET_SQL                                                        \
    "SELECT " SYMBOLS_COLS " FROM symbols s WHERE s.ticker = $1"

/* The JSON Schemas of a symbol, a page of them and a change, for
 * /openapi.json ("Symbol", "SymbolPage", "SymbolEvent"). */
#define SYMBOLS_SCHEMAS                                                        \
    "\"Symbol\":{\"type\":\"object\",\"properties\":{"                         \
    "\"ticker\":{\"type\":\"string\",\"example\":\"BRK.B\"}"                   \
    ",\"name\":{\"type\":\"string\"},\"sector\":{"                             \
    "\"type\":\"string\"},\"active\":{\"type\":\"boolean\"}"                   \
    ",\"aliases\":{\"type\":\"array\",\"items\":{"                             \
    "\"type\":\"string\"},\"description\":\"names the parser finds in "        \
    "text\"},\"alt_tickers\":{\"type\":\"array\","                             \
    "\"items\":{\"type\":\"string\"},\"description\":\"other symbols "         \
    "of the company in some "                                                  \
    "feed\"},\"created_at\":{\"type\":\"string\","                             \
    "\"format\":\"date-time\"},\"updated_at\":{"                               \
    "\"type\":\"string\",\"format\":\"date-time\"}"                            \
    "}},\"SymbolPage\":{\"type\":\"object\",\"properties\":{"                  \
    "\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/s"       \
    "chemas/Symbol\"}},\"next_cursor\":{\"type\":\"string\","                  \
    "\"nullable\":true}}},\"SymbolEvent\":{\"type\":\"object\","               \
    "\"properties\":{\"id\":{\"type\":\"integer\"}"                            \
    ",\"ticker\":{\"type\":\"string\"},\"action\":{"                           \
    "\"type\":\"string\",\"enum\":[\"create\",\"update\","                     \
    "\"deactivate\",\"import\"]},\"symbol\":{\"$ref\":\"#/components/sc"       \
    "hemas/Symbol\"},\"request_id\":{\"type\":\"string\"}"                     \
    ",\"at\":{\"type\":\"string\",\"format\":\"date-time\"}}}"

/* The query parameters of GET /symbols. */
extern const api_param symbols_list_params[];
extern const api_param symbols_history_params[];

/* Handlers. */
void symbols_list(api_call *c);
void symbols_get(api_call *c);
void symbols_history(api_call *c);

/* The path parameter index as a canonical ticker. Returns 0, or -1
 * after a 400 invalid_ticker answer. */
int symbols_arg_ticker(api_call *c, int index, char out[TICKER_MAX]);

/* The query parameter name as a canonical ticker. Returns 1, 0 when
 * absent, or -1 after a 400 answer. */
int symbols_param_ticker(api_call *c, const char *name, char out[TICKER_MAX]);

/* symbols_param_ticker, an alternative ticker read as its symbol
 * ("goog" is GOOGL), as the trading services read one: the filter of
 * the read routes. Returns 1, 0 when absent, or -1 after a 400 or a
 * database error's answer. */
int symbols_param_symbol(api_call *c, const char *name, char out[TICKER_MAX]);

/* The symbol a user's ticker t (canonical) stands for: t itself when
 * it is a symbol of the registry, else the symbol it is an alternative
 * ticker of ("GOOG" is GOOGL), active or not. Returns 0 with out set, 1
 * when it is neither, -1 on a database error. */
int symbols_resolve(db *d, const char *t, char out[TICKER_MAX]);

/* Writes the canonical ticker of in into out; on failure answers 400
 * invalid_ticker naming what (e.g. "ticker") and returns -1. */
int symbols_check_ticker(api_call *c, const char *what, const char *in,
                         size_t len, char out[TICKER_MAX]);

/* The tickers of REPLAY_TICKERS in canonical form, into *out (n of
 * them; the caller frees each and the array). Returns 0, or -1 with a
 * message in err for an invalid ticker or a list that names none. */
int replay_tickers_parse(const config *c, char ***out, size_t *n, char *err,
                         size_t errlen);

/* The symbols REPLAY_TICKERS names, in its order, each once: an
 * alternative ticker stands for its symbol (GOOG is GOOGL), active or
 * not. Into *out (n of them; the caller frees each and the array).
 * Returns 0, or -1 with a message in err: an invalid ticker, a list
 * naming none, a ticker that is no symbol nor an alternative ticker of
 * one ("REPLAY_TICKERS: 'ZZZZ' is not a symbol of the registry nor an
 * alternative ticker of one"), a database error. */
int replay_tickers_resolve(db *d, const config *c, char ***out, size_t *n,
                           char *err, size_t errlen);

/* 0 when every one of the n tickers replay_tickers_resolve gave is an
 * active symbol, else -1 with err ("REPLAY_TICKERS: 'GOOGL' is not an
 * active symbol of the registry", or a database error): a job for
 * another would be ingested, find nothing and be counted as done. */
int replay_tickers_active(db *d, char *const *tickers, size_t n, char *err,
                          size_t errlen);

#endif
