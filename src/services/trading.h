/*
 * trading: what trading-engine, risk-engine and broker-adapter share:
 * the queue names, the mode check, the account state the risk rules
 * judge, verdict and notification records, the kill switch (trading.c),
 * and the HTTP helpers of the two APIs (bearer tokens, JSON answers, a
 * small pool of database connections for the server's threads, their
 * documents and probes: trading_http.c).
 *
 * The state the rules judge. An order decided on session D is judged
 * against the account as it stood when D's decisions were taken: fills
 * of orders decided on D or later are set aside (those orders count as
 * open, at their full quantity), positions are valued at the last close
 * on or before D, the session's order counts are those of the order's
 * exec_day. The trading-engine's screen (the whole day in one
 * transaction, each accepted order added in turn with
 * trading_state_apply) and the risk-engine's gate (just before
 * submission, the order itself left out) therefore see the same
 * numbers whatever fills happened in between, and a replay gives the
 * same verdicts every time. Every limit is monotone in what the others
 * reserve, so an order the screen accepted passes the gate too.
 */
#ifndef STONKS_TRADING_H
#define STONKS_TRADING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "domain/money.h"
#include "domain/order.h"
#include "domain/risk.h"
#include "lib/api.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/http.h"
#include "lib/token.h"

#define Q_TRADING_DECISIONS "trading_decisions"
#define Q_BROKER_ORDERS "broker_orders"

/* The strategy whose recommendations the trading-engine trades; part of
 * every decision's client order id. */
#define TRADING_MODEL "strategy/1"

/* Advisory lock taken by every transaction that changes orders,
 * positions or cash decisions, so they run one at a time. */
#define TRADING_LOCK "7466"

/* Begins a transaction on d and takes TRADING_LOCK in it (held to its
 * commit or rollback). Returns a DB_ code; on an error the caller rolls
 * back. */
int trading_begin_locked(db *d);

#define LIVE_CONFIRM_VALUE "I_UNDERSTAND_REAL_MONEY"

/* Checks TRADING_MODE, TRADING_LIVE_CONFIRM, BROKER and BROKER_BASE_URL
 * together: live needs the confirmation and a real broker; paper with
 * Alpaca refuses Alpaca's live endpoint. Returns 0, or -1 with a message
 * in err. */
int trading_mode_check(const config *c, char *err, size_t errlen);

/* cli_start, then trading_mode_check, for a trading service's command
 * (service: its name): 0 with *c loaded, or -1 after the reason was
 * logged and printed (the command then exits 2; *c is released). */
int trading_start(const char *service, config *c);

/* "paper" or "live". */
const char *trading_mode(const config *c);

/* What a worker should answer after d failed: WORKER_RETRY when the
 * failure may pass (no answer from the server, connection lost, deadlock,
 * serialization failure, server shutting down or out of resources),
 * else WORKER_FAIL (the statement is wrong for this input). */
int trading_db_worker_rc(const db *d);

/* Creates the account row with STARTING_CASH when there is none. */
int trading_ensure_account(db *d, const config *c, char *err, size_t errlen);

typedef struct ticker_count {
    char ticker[TICKER_MAX];
    int64_t n;
} ticker_count;

typedef struct trading_state {
    int32_t decision_day;
    int32_t exec_day;
    risk_limits limits;
    char **restricted; /* owned: the strings of limits.restricted */
    char **inactive; /* owned: the strings of limits.inactive */
    risk_account acct; /* acct.positions points into pos */
    risk_position *pos; /* held plus open orders, by ticker */
    size_t npos, cappos;
    ticker_count *counts; /* orders of the session per ticker */
    size_t ncounts, capcounts;
    cents starting_cash;
    cents positions_value; /* held shares at price */
    int kill_switch_db; /* the switch as read */
} trading_state;

/* Loads the state for orders decided on decision_day and meant for
 * exec_day, leaving out the order exclude_coid (NULL: none). Returns
 * DB_OK, or DB_RETRY / DB_FAIL with a message in err. Release with
 * trading_state_release. */
int trading_state_load(db *d, const config *c, int32_t decision_day,
                       int32_t exec_day, const char *exclude_coid,
                       trading_state *s, char *err, size_t errlen);
void trading_state_release(trading_state *s);

/* Sets s->acct.ticker_orders_today for ticker. */
void trading_state_focus(trading_state *s, const char *ticker);

/* Adds an accepted order: one more order of the session, its position
 * projected, and for a buy its cash reserved. */
void trading_state_apply(trading_state *s, const order_intent *o);

/* The cash an order holds back until it fills (risk_hold; 0 on
 * overflow). */
cents trading_reserve(const risk_limits *l, const order_intent *o);

/* Shares of ticker after every open order (0 when none). */
int64_t trading_projected_qty(const trading_state *s, const char *ticker);

/* Shares of ticker a sell may take: held, less every open sell (open
 * buys hold nothing yet; risk_position.sellable). */
int64_t trading_sellable_qty(const trading_state *s, const char *ticker);

/* The reference price (last close on or before day), the day of that
 * close and the sector of a symbol. Returns 0, 1 when the symbol is
 * unknown or has no bar, or -1 on a database error (message in err). */
int trading_ticker_info(db *d, const char *ticker, int32_t day, cents *price,
                        int32_t *price_day, char sector[SECTOR_MAX], char *err,
                        size_t errlen);

/* Fills o->ref_price, o->price_day and o->sector the same way for the
 * screen and the
 * gate: the last close on or before decision_day, for a limit order
 * too, so the price rules judge the share at its market price (a limit
 * order's buying power also covers qty at its limit: risk_buy_reserve).
 * Returns as trading_ticker_info. */
int trading_price_intent(db *d, order_intent *o, int32_t decision_day,
                         char *err, size_t errlen);

/* JSON of a verdict's reasons ([{"code","message"}]) and of the inputs
 * the rules judged; new references. */
json_t *trading_reasons_json(const risk_verdict *v);
json_t *trading_inputs_json(const trading_state *s, const order_intent *o);

/* Stores a verdict (stage "screen" or "gate"). Returns a DB_ code. */
int trading_store_verdict(db *d, const config *c, const char *stage,
                          const order_intent *o, const risk_verdict *v,
                          const trading_state *s);

/* Adds a notification to the outbox (once per dedupe key) and logs it.
 * Returns a DB_ code. */
int trading_notify(db *d, const char *dedupe, const char *kind,
                   const char *subject, const char *body);

/* Sets the kill switch; *changed says whether it moved. Records the
 * event and a notification. Returns a DB_ code. */
int trading_kill_switch_set(db *d, int active, const char *reason,
                            const char *by, int *changed);

/* An order intent as JSON (what broker-adapter sends to POST /check)
 * and back. trading_intent_parse returns 0, or -1 with a message. */
json_t *trading_intent_json(const order_intent *o, int32_t decision_day);
int trading_intent_parse(json_t *j, order_intent *o, int32_t *decision_day,
                         char *err, size_t errlen);

/* The session an order decided now should run in: now when the market
 * is in its regular session, else the next session's open. */
void trading_exec_time_now(int32_t *day, int *minute, int32_t *today);

/* Who may call a route: TRADING_READ anyone (a token with
 * API_READ_AUTH=1); TRADING_WRITE a token holder, and nobody without
 * API_TOKENS; TRADING_INTERNAL (the gate, which the broker-adapter asks
 * with the first token) a token holder, or anyone when API_TOKENS is
 * empty, so that a stack without tokens still trades. */
typedef enum trading_access {
    TRADING_READ,
    TRADING_WRITE,
    TRADING_INTERNAL
} trading_access;

/* Logs d's error and answers 503 "the database did not answer". */
void trading_db_failure(http_response *res, db *d);

/* Writes j (stolen) as the JSON body with status. */
void trading_reply(http_response *res, int status, json_t *j);

/* Parses the request body as a JSON object whose members are all named
 * in fields (NULL-terminated), or answers 415 (not sent as
 * application/json, see http_require_json) or 400 (invalid JSON, not
 * an object, or unknown_field naming the first other member and the
 * fields there are) and returns NULL. */
json_t *trading_body(const http_request *req, http_response *res,
                     const char *const *fields);

/* 1 when every query parameter of req is named in allowed (ends with
 * {NULL}; NULL: none); else answers 400 naming the first other one and
 * returns 0. */
int trading_query_known(const http_request *req, http_response *res,
                        const api_param *allowed);

/* A fixed pool of database connections for HTTP threads. */
typedef struct trading_pool trading_pool;

trading_pool *trading_pool_open(const config *c, int n, char *err,
                                size_t errlen);
/* The same with db_open_anyway's handles: never NULL, the statements
 * fail with DB_RETRY while PostgreSQL is down (for harnesses). */
trading_pool *trading_pool_open_anyway(const config *c, int n);
void trading_pool_close(trading_pool *p);
db *trading_pool_get(trading_pool *p);
void trading_pool_put(trading_pool *p, db *d);

/* A route of trading-engine or risk-engine: its method and path (as
 * http_route_find reads them); who may call it (trading_access); the
 * query parameters it takes (ends with {NULL}; NULL: none, any is
 * refused), with the type and description the documents give; its
 * handler, given the segment the path's {name} matched (NULL when it
 * has none); its one-line summary; and the status its handler answers
 * on success (0: 200), for the documents. A POST, PUT or PATCH takes a
 * JSON object (trading_body). */
typedef void (*trading_handler)(void *ctx, const char *arg,
                                const http_request *req, http_response *res);
typedef struct trading_route {
    http_route path;
    trading_access access;
    const api_param *params;
    trading_handler fn;
    const char *summary;
    int status;
} trading_route;

#define TRADING_MAX_ROUTES 16

/* A trading service's routes, in the order GET /docs lists them (after
 * the probes). */
typedef struct trading_service {
    const char *name; /* "trading-engine", as /metrics says */
    const char *title; /* of /docs and /openapi.json */
    const char *description; /* a paragraph, plain text */
    const trading_route *routes;
    size_t nroutes; /* at most TRADING_MAX_ROUTES */
} trading_service;

/* What the HTTP side of service s works out once, at start, from the
 * settings c, which it keeps a pointer to: the tokens of API_TOKENS
 * (tokens_bad when malformed, which the settings check refuses at
 * start: then nobody gets in) and its two documents, /docs (HTML) and
 * /openapi.json (OpenAPI 3.0), written from the route table by
 * lib/api_doc.h with the security that API_TOKENS and API_READ_AUTH
 * give each route, with their ETags. Read-only once made, so any number
 * of HTTP threads share it. */
typedef struct trading_http {
    const trading_service *service;
    const config *cfg;
    trading_pool *pool;
    token_set tokens;
    int tokens_bad;
    char tokens_err[128];
    char *doc[2], *etag[2]; /* /docs, /openapi.json */
} trading_http;

trading_http *trading_http_new(const trading_service *s, const config *c,
                               trading_pool *pool);
void trading_http_free(trading_http *h);

/* 1 when req may call a route of access on h's service; else it has
 * filled res with 401 or 403. */
int trading_authorized(const trading_http *h, const http_request *req,
                       http_response *res, trading_access access);

/* Answers req for h's service: GET /health, /ready (a round trip to
 * h's pool), /metrics, /docs and /openapi.json; else the route of its
 * method and path, after the token check and the query parameters'
 * (405 with Allow when only the method has no route, 404 when the
 * path has none), calling its handler with ctx. Who may call a route:
 * trading_access. */
void trading_serve(const trading_http *h, void *ctx, const http_request *req,
                   http_response *res);

/* What the HTTP servers of trading-engine and risk-engine answer to
 * req with the settings c and the pool: their handlers, for a caller
 * without a server (tests/fuzz/fuzz_trading_api.c). */
void trading_engine_answer(const config *c, trading_pool *pool,
                           const http_request *req, http_response *res);
void risk_engine_answer(const config *c, trading_pool *pool,
                        const http_request *req, http_response *res);

/* The worker_def tx_wait_ms of trading-engine and broker-adapter: a
 * broker (the paper one, Alpaca) or the risk gate may take
 * BROKER_TIMEOUT_MS to answer inside a transaction, and is asked again
 * once. */
long trading_broker_tx_wait_ms(const config *c);

/* The port an API service listens on. When its own URL setting
 * (RISK_ENGINE_URL, TRADING_ENGINE_URL) names a loopback host, a
 * one-machine stack, it is that URL's port, whatever HTTP_PORT says (the
 * demo gives its children other probe ports); otherwise HTTP_PORT (in
 * the cluster the Service maps the URL to it). */
int trading_listen_port(const config *c, const char *own_url);

/* Prints the orders, the positions with their value and P&L, cash and
 * equity (the demo's closing table; `stonks portfolio`). Values use the
 * last close in price_bars. Returns 0, or -1 with the database's error
 * in err (the caller reports it). */
int trading_print_summary(db *d, const config *c, FILE *out, char *err,
                          size_t errlen);

/* Clears the trading state for a fresh replay: orders, fills,
 * positions, the account, decisions, runs, verdicts, notifications,
 * values, reconciliations and the paper broker's book, and turns the kill
 * switch off. Limits and the restricted list stay. Returns a DB_ code
 * with the message in db_error. */
int trading_reset(db *d);

/* The commands (src/stonks.c). */
int cmd_trading_engine(int argc, char **argv);
int cmd_risk_engine(int argc, char **argv);
int cmd_broker_adapter(int argc, char **argv);
int cmd_portfolio(int argc, char **argv);

#endif
