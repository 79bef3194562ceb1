/*
 * trading-engine's HTTP API (HTTP_PORT, or the port of
 * TRADING_ENGINE_URL when that is 0): GET /status, /orders,
 * /orders/{client_order_id}, /decisions; POST /orders (a manual order,
 * through the same screen as the decisions' orders) and POST
 * /kill-switch need a bearer token. Every answer about orders carries
 * the mode, and so does every log line about one. Read answers are the
 * JSON PostgreSQL builds, passed on as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/api.h"
#include "lib/log.h"
#include "lib/num.h"
#include "lib/sha256.h"
#include "lib/xalloc.h"
#include "services/svc.h"
#include "services/symbols.h"
#include "services/trading_engine.h"

/* Runs a query returning one JSON text and answers it, with the mode. */
static void reply_sql_json(engine *e, http_response *res, const char *name,
                           const char *sql, int np, const char *const *p,
                           const char *key)
{
    db *d = trading_pool_get(e->pool);
    PGresult *r;

    if (db_execp(d, name, sql, np, p, &r) != DB_OK) {
        trading_db_failure(res, d);
        trading_pool_put(e->pool, d);
        return;
    }
    trading_pool_put(e->pool, d);
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0) ||
        strcmp(PQgetvalue(r, 0, 0), "null") == 0) {
        PQclear(r);
        http_error(res, 404, "not_found", "no such order");
        return;
    }
    /* PostgreSQL built the JSON: it goes into the answer as it is, not
     * parsed and written again (that was most of this route's CPU). */
    res->status = 200;
    res->content_type = "application/json";
    buf_reset(&res->body);
    buf_addf(&res->body, "{\"mode\":\"%s\",\"%s\":", trading_mode(e->cfg), key);
    api_add_json(&res->body, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    buf_adds(&res->body, "}\n");
    PQclear(r);
}

#define ORDER_COLUMNS                                                          \
    "o.id, o.client_order_id, o.source, o.mode, o.broker, o.ticker, o.side,"   \
    " o.type, o.qty, o.limit_price_cents, o.ref_price_cents,"                  \
    " o.extended_hours, o.decision_day, o.exec_day, o.exec_minute,"            \
    " o.status, o.broker_order_id, o.filled_qty, o.filled_avg_price_cents,"    \
    " o.commission_cents, o.reject_code, o.reject_reason, o.created_at,"       \
    " o.updated_at, o.final_at"

/* The kill switch of /status when its row is gone (deleted by hand):
 * on, as the screen and the gate read it (trading_state_load). */
static const char KILL_ROW_MISSING[] =
    "the kill_switch table has no row: orders are denied as with the "
    "switch on; POST /kill-switch writes the row again";

static void route_status(void *ctx, const char *arg, const http_request *req,
                         http_response *res)
{
    static const char sql[] =
        "SELECT json_build_object("
        " 'broker', $1::text,"
        " 'kill_switch', coalesce((SELECT json_build_object('active',"
        "  active, 'missing', false, 'reason', reason, 'changed_by',"
        "  changed_by, 'changed_at', changed_at) FROM kill_switch"
        "  WHERE id = 1), json_build_object('active', true, 'missing', true,"
        "  'reason', $2::text, 'changed_by', NULL::text, 'changed_at',"
        "  NULL::timestamptz)),"
        " 'account', (SELECT json_build_object('cash_cents', cash_cents,"
        "  'starting_cash_cents', starting_cash_cents, 'realized_pnl_cents',"
        "  realized_pnl_cents, 'commissions_cents', commissions_cents)"
        "  FROM account WHERE id = 1),"
        " 'last_value', (SELECT row_to_json(v) FROM (SELECT * FROM"
        "  portfolio_values ORDER BY day DESC LIMIT 1) v),"
        " 'last_run', (SELECT max(day) FROM trading_runs),"
        " 'open_orders', (SELECT coalesce(json_agg(x ORDER BY x.id), '[]')"
        "  FROM (SELECT " ORDER_COLUMNS " FROM orders o WHERE o.status IN"
        "  ('queued', 'submitting', 'accepted', 'partially_filled')"
        "  ORDER BY o.id LIMIT 100) x),"
        " 'last_decisions', (SELECT coalesce(json_agg(x ORDER BY x.id DESC),"
        "  '[]') FROM (SELECT * FROM trading_decisions ORDER BY id DESC"
        "  LIMIT 10) x))";
    engine *e = ctx;
    const char *p[] = {e->cfg->broker, KILL_ROW_MISSING};

    (void)arg;
    (void)req;
    reply_sql_json(e, res, "te_status", sql, 2, p, "status");
}

/* limit=N, 1 to 1000, as text for $n::int in out; def when absent.
 * Returns 0, or -1 after a 400. */
static int param_limit(const http_request *req, http_response *res,
                       const char *def, char out[8])
{
    char v[16];
    long long n = 0;
    int got = http_query_param(req, "limit", v, sizeof(v));

    if (got == 0) {
        snprintf(out, 8, "%s", def);
        return 0;
    }
    if (got < 0 || num_int(v, 1, 1000, &n) < 0) {
        http_error(res, 400, "bad_request",
                   "limit must be a whole number from 1 to 1000");
        return -1;
    }
    snprintf(out, 8, "%lld", n);
    return 0;
}

static void route_orders(void *ctx, const char *arg, const http_request *req,
                         http_response *res)
{
    static const char sql[] =
        "SELECT coalesce(json_agg(x ORDER BY x.id DESC), '[]') FROM ("
        " SELECT " ORDER_COLUMNS " FROM orders o WHERE $1 = 'all' OR"
        " o.status IN ('queued', 'submitting', 'accepted',"
        " 'partially_filled') ORDER BY o.id DESC LIMIT $2::int) x";
    engine *e = ctx;
    char status[8] = "all", limit[8];
    const char *p[] = {status, limit};

    (void)arg;
    if (http_query_param(req, "status", status, sizeof(status)) < 0 ||
        (strcasecmp(status, "all") != 0 && strcasecmp(status, "open") != 0)) {
        http_error(res, 400, "bad_request", "status must be open or all");
        return;
    }
    /* any case, as query-api's filters */
    snprintf(status, sizeof(status), "%s",
             strcasecmp(status, "all") == 0 ? "all" : "open");
    if (param_limit(req, res, "100", limit) < 0)
        return;
    reply_sql_json(e, res, "te_orders", sql, 2, p, "orders");
}

/* The {client_order_id} of a path: 1, or 0 after a 400. */
static int order_id_path_ok(const char *coid, http_response *res)
{
    char msg[128];

    if (order_client_id_ok(coid))
        return 1;
    snprintf(msg, sizeof(msg),
             "the order id in the path must be a client_order_id: 1-%d "
             "letters, digits, '-' or '_'",
             ORDER_ID_MAX - 1);
    http_error(res, 400, "bad_request", msg);
    return 0;
}

static void route_order(void *ctx, const char *coid, const http_request *req,
                        http_response *res)
{
    static const char sql[] =
        "SELECT (SELECT row_to_json(x)::jsonb || jsonb_build_object("
        " 'fills', (SELECT coalesce(json_agg(f ORDER BY f.seq), '[]')"
        "  FROM fills f WHERE f.order_id = x.id),"
        " 'verdicts', (SELECT coalesce(json_agg(v ORDER BY v.id), '[]')"
        "  FROM risk_verdicts v WHERE v.client_order_id = x.client_order_id))"
        " FROM (SELECT " ORDER_COLUMNS " FROM orders o"
        "  WHERE o.client_order_id = $1) x)";
    const char *p[] = {coid};

    (void)req;
    if (order_id_path_ok(coid, res))
        reply_sql_json(ctx, res, "te_order_one", sql, 1, p, "order");
}

/* Wakes broker-adapter about the order through the queue it reads; a
 * failure is logged with what: the order is then looked at when the
 * trading-engine next asks about its open orders. */
static void wake_adapter(engine *e, const char *coid, const char *what)
{
    queue_client *q;
    char qerr[256];
    const char *payload[1];
    size_t len;
    char *job = xasprintf("{\"client_order_id\":\"%s\"}", coid);

    payload[0] = job;
    len = strlen(job);
    q = queue_open(e->cfg, "trading-engine-api", qerr, sizeof(qerr));
    if (!q || queue_push(q, Q_BROKER_ORDERS, payload, &len, 1) < 0)
        LOG_ERROR(what, LF_S("client_order_id", coid),
                  LF_S("error", q ? queue_error(q) : qerr));
    queue_close(q);
    free(job);
}

/* DELETE /orders/{id}: asks for an open order to be cancelled. The
 * request is recorded on the order and broker-adapter acts on it (see
 * migration 009); the answer is 202 with the order's status now. */
static void route_cancel(void *ctx, const char *coid, const http_request *req,
                         http_response *res)
{
    static const char sql_mark[] =
        "UPDATE orders SET cancel_requested_at ="
        " coalesce(cancel_requested_at, now()), updated_at = now()"
        " WHERE client_order_id = $1 AND status IN"
        " ('queued', 'submitting', 'accepted', 'partially_filled')"
        " RETURNING status";
    static const char sql_status[] =
        "SELECT status FROM orders WHERE client_order_id = $1";
    const char *p[] = {coid};
    char msg[200], status[24] = "";
    PGresult *r = NULL;
    int marked = 0;
    engine *e = ctx;
    db *d;

    (void)req;
    if (!order_id_path_ok(coid, res))
        return;
    d = trading_pool_get(e->pool);
    if (db_execp(d, "te_cancel", sql_mark, 1, p, &r) != DB_OK)
        goto dberr;
    marked = PQntuples(r) == 1;
    if (!marked) {
        PQclear(r);
        if (db_execp(d, "te_cancel_st", sql_status, 1, p, &r) != DB_OK)
            goto dberr;
    }
    if (PQntuples(r) == 1)
        snprintf(status, sizeof(status), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    trading_pool_put(e->pool, d);
    if (!status[0]) {
        http_error(res, 404, "not_found", "no order with that client_order_id");
        return;
    }
    if (!marked) {
        snprintf(msg, sizeof(msg),
                 "order %s is %s already: a final order cannot be cancelled",
                 coid, status);
        http_error(res, 409, "conflict", msg);
        return;
    }
    LOG_WARN("order cancel requested", LF_S("client_order_id", coid),
             LF_S("status", status));
    wake_adapter(e, coid,
                 "cannot queue the cancel; it waits for the next session");
    trading_reply(res, 202,
                  json_pack("{s:s, s:s, s:s, s:b}", "mode",
                            trading_mode(e->cfg), "client_order_id", coid,
                            "status", status, "cancel_requested", 1));
    return;
dberr:
    trading_db_failure(res, d);
    trading_pool_put(e->pool, d);
}

static void route_decisions(void *ctx, const char *arg, const http_request *req,
                            http_response *res)
{
    static const char sql[] =
        "SELECT coalesce(json_agg(x ORDER BY x.id DESC), '[]') FROM ("
        " SELECT * FROM trading_decisions ORDER BY id DESC LIMIT $1::int) x";
    engine *e = ctx;
    char limit[8];
    const char *p[] = {limit};

    (void)arg;
    if (param_limit(req, res, "50", limit) < 0)
        return;
    reply_sql_json(e, res, "te_decisions", sql, 1, p, "decisions");
}

static void route_kill_switch(void *ctx, const char *arg,
                              const http_request *req, http_response *res)
{
    static const char *const fields[] = {"active", "reason", NULL};
    json_t *body = trading_body(req, res, fields);
    json_t *active, *why;
    const char *reason = NULL;
    char by[96], msg[96];
    int changed = 0;
    engine *e = ctx;
    db *d;

    (void)arg;
    if (!body)
        return;
    active = json_object_get(body, "active");
    why = json_object_get(body, "reason");
    if (!json_is_boolean(active)) {
        http_error(res, 400, "bad_request", "active must be true or false");
        json_decref(body);
        return;
    }
    if (why && !json_is_null(why)) {
        reason = json_string_value(why);
        if (!reason || json_string_length(why) > KILL_REASON_MAX ||
            !api_text_ok(reason, json_string_length(why))) {
            snprintf(msg, sizeof(msg),
                     "reason must be text of at most %d bytes, without "
                     "control characters",
                     KILL_REASON_MAX);
            http_error(res, 400, "bad_request", msg);
            json_decref(body);
            return;
        }
    }
    snprintf(by, sizeof(by), "api %.60s", req->request_id);
    d = trading_pool_get(e->pool);
    if (trading_kill_switch_set(d, json_is_true(active),
                                reason ? reason : "(no reason given)", by,
                                &changed) != DB_OK) {
        trading_db_failure(res, d);
    } else {
        trading_reply(res, 200,
                      json_pack("{s:s, s:b, s:b}", "mode", trading_mode(e->cfg),
                                "active", json_is_true(active), "changed",
                                changed));
    }
    trading_pool_put(e->pool, d);
    json_decref(body);
}

/* 1 when the stored order (row 0 of r: ticker, side, type, qty, limit
 * price in cents or 0, extended hours) is the one o asks for: sending
 * the same order again is answered "exists", another one under the same
 * client order id is a conflict. */
static int same_order(PGresult *r, const order_intent *o)
{
    char qty[32], limit[32];

    snprintf(qty, sizeof(qty), "%lld", (long long)o->qty);
    snprintf(limit, sizeof(limit), "%lld",
             (long long)(o->type == ORDER_LIMIT ? o->limit_price : 0));
    return strcmp(PQgetvalue(r, 0, 0), o->ticker) == 0 &&
           strcmp(PQgetvalue(r, 0, 1), order_side_name(o->side)) == 0 &&
           strcmp(PQgetvalue(r, 0, 2), order_type_name(o->type)) == 0 &&
           strcmp(PQgetvalue(r, 0, 3), qty) == 0 &&
           strcmp(PQgetvalue(r, 0, 4), limit) == 0 &&
           (PQgetvalue(r, 0, 5)[0] == 't') == (o->extended_hours != 0);
}

/* A manual order: parsed, priced, screened and stored like a decision's
 * order, in one transaction. Returns the HTTP status. */
static int manual_order(engine *e, db *d, order_intent *o, int32_t today,
                        json_t **answer, char *err, size_t errlen)
{
    trading_state s;
    risk_verdict v;
    const char *p[] = {o->client_order_id};
    PGresult *r;
    char sym[TICKER_MAX], now[24] = "";
    int known, exists, same, changed, resolved;

    if (trading_begin_locked(d) != DB_OK ||
        (resolved = symbols_resolve(d, o->ticker, sym)) < 0)
        goto dberr;
    /* an alternative ticker is an order for its symbol (GOOG: GOOGL) */
    if (resolved == 0)
        snprintf(o->ticker, sizeof(o->ticker), "%s", sym);
    if (db_execp(d, "te_man_exists",
                 "SELECT ticker, side, type, qty::text,"
                 " coalesce(limit_price_cents, 0)::text, extended_hours,"
                 " status FROM orders WHERE client_order_id = $1",
                 1, p, &r) != DB_OK)
        goto dberr;
    exists = PQntuples(r) > 0;
    same = exists && same_order(r, o);
    if (exists)
        snprintf(now, sizeof(now), "%s", PQgetvalue(r, 0, 6));
    PQclear(r);
    if (exists && !same) {
        db_rollback(d);
        snprintf(err, errlen,
                 "client_order_id %s is already used by a different order",
                 o->client_order_id);
        return 409;
    }
    if (exists) {
        db_rollback(d);
        *answer =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "mode", trading_mode(e->cfg),
                      "client_order_id", o->client_order_id, "ticker",
                      o->ticker, "status", "exists", "order_status", now);
        return 200;
    }
    known = trading_price_intent(d, o, today, err, errlen);
    if (known < 0)
        goto dberr;
    if (known == 1) {
        db_rollback(d);
        snprintf(err, errlen, "%s is not a known symbol with a price",
                 o->ticker);
        return 422;
    }
    if (trading_state_load(d, e->cfg, today, o->exec_day, NULL, &s, err,
                           errlen) != DB_OK)
        goto dberr;
    if (!s.limits.market_hours &&
        exchange_session_of(o->exec_day, o->exec_minute) != o->exec_day) {
        /* with market hours not enforced, an order placed on a day the
         * exchange is closed, or after its close, is for the next
         * session, at its open: a closed day has no bar to fill it (it
         * would hold its cash until a week of bars showed so), and the
         * bar of a session already over would fill it at prices known
         * when it was placed */
        trading_state_release(&s);
        o->exec_day = exchange_session_of(o->exec_day, o->exec_minute);
        o->exec_minute = EXCHANGE_OPEN_MIN;
        if (trading_state_load(d, e->cfg, today, o->exec_day, NULL, &s, err,
                               errlen) != DB_OK)
            goto dberr;
    }
    trading_state_focus(&s, o->ticker);
    risk_check(&s.limits, &s.acct, o, &v);
    if (trading_store_verdict(d, e->cfg, "screen", o, &v, &s) != DB_OK ||
        (v.trip_kill_switch &&
         trading_kill_switch_set(d, 1, v.reasons[0].message,
                                 "trading-engine: drawdown",
                                 &changed) != DB_OK) ||
        (v.allowed &&
         te_insert_order(d, e->cfg, o, NULL, "manual", today) != DB_OK)) {
        trading_state_release(&s);
        goto dberr;
    }
    trading_state_release(&s);
    if (v.allowed)
        te_notify_order(d, e->cfg, o, "A manual order.");
    else
        te_notify_denied(d, e->cfg, o, &v);
    if (db_commit(d) != DB_OK)
        goto dberr;
    *answer =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "mode", trading_mode(e->cfg),
                  "client_order_id", o->client_order_id, "ticker", o->ticker,
                  "status", v.allowed ? "queued" : "denied", "verdict",
                  json_pack("{s:b, s:o}", "allowed", v.allowed, "reasons",
                            trading_reasons_json(&v)));
    LOG_INFO(v.allowed ? "manual order queued" : "manual order denied",
             LF_S("mode", trading_mode(e->cfg)),
             LF_S("client_order_id", o->client_order_id),
             LF_S("ticker", o->ticker), LF_S("side", order_side_name(o->side)),
             LF_I("qty", o->qty));
    return v.allowed ? 201 : 422;
dberr:
    snprintf(err, errlen, "%s", db_error(d));
    db_rollback(d);
    return 503;
}

/* Fills in what a manual order may leave out: a client order id, the
 * days and the time (now, New York). */
static void manual_defaults(json_t *body, const http_request *req,
                            int32_t *today)
{
    int32_t day;
    int minute;
    char ds[11], hex[65], *seed;

    exchange_ny_time((int64_t)time(NULL), &day, &minute);
    *today = day;
    if (!json_object_get(body, "client_order_id")) {
        seed = xasprintf("%s|%lld|%s", req->request_id, (long long)time(NULL),
                         req->body);
        sha256_hex(seed, strlen(seed), hex);
        free(seed);
        hex[32] = '\0';
        json_object_set_new(body, "client_order_id",
                            json_sprintf("man-%s", hex));
    }
    if (!json_object_get(body, "type"))
        json_object_set_new(body, "type", json_string("market"));
    json_object_set_new(body, "decision_day", json_string(DAYSTR(day, ds)));
    json_object_set_new(body, "exec_day", json_string(ds));
    json_object_set_new(body, "exec_minute", json_integer(minute));
}

static void route_manual(void *ctx, const char *arg, const http_request *req,
                         http_response *res)
{
    static const char *const fields[] = {
        "client_order_id", "ticker",         "side", "type", "qty",
        "limit_price",     "extended_hours", NULL};
    json_t *body = trading_body(req, res, fields), *answer = NULL;
    order_intent o;
    int32_t today, decision_day;
    char err[512], ds[11];
    int status, data_err;
    engine *e = ctx;
    db *d;

    (void)arg;
    if (!body)
        return;
    manual_defaults(body, req, &today);
    if (trading_intent_parse(body, &o, &decision_day, err, sizeof(err)) < 0) {
        json_decref(body);
        http_error(res, 400, "bad_request", err);
        return;
    }
    json_decref(body);
    if (strncasecmp(o.client_order_id, ORDER_STRATEGY_PREFIX,
                    strlen(ORDER_STRATEGY_PREFIX)) == 0) {
        /* the strategy's ids (order_client_id): a manual order under one
         * would stand for a decision not yet taken (in any case: "SO-"
         * reads as one) */
        http_error(res, 400, "bad_request",
                   "client_order_id must not start with '" ORDER_STRATEGY_PREFIX
                   "' (in any case), which the strategy's orders use");
        return;
    }
    d = trading_pool_get(e->pool);
    status = manual_order(e, d, &o, today, &answer, err, sizeof(err));
    data_err = status == 503 && db_error_is_data(d);
    trading_pool_put(e->pool, d);
    if (status == 503) {
        LOG_ERROR("database error", LF_S("error", err));
        http_error(res, 503, "unavailable",
                   data_err ? err : "the database did not answer");
        return;
    }
    if (status == 422 && !answer) {
        http_error(res, 422, "unknown_ticker", err);
        return;
    }
    if (status == 409) {
        http_error(res, 409, "conflict", err);
        return;
    }
    if (status == 201 || status == 422) {
        if (status == 201)
            wake_adapter(e, o.client_order_id,
                         "cannot queue the order; it stays queued");
        json_object_set_new(answer, "exec_day",
                            json_string(DAYSTR(o.exec_day, ds)));
    }
    trading_reply(res, status, answer);
}

static const api_param orders_params[] = {
    {"status", "string", "open: orders not final yet; all (the default)"},
    {"limit", "integer", "how many, 1-1000 (100)"},
    {NULL, NULL, NULL}};
static const api_param decisions_params[] = {
    {"limit", "integer", "how many, 1-1000 (50)"}, {NULL, NULL, NULL}};

static const trading_route routes[] = {
    {{"GET", "/status"},
     TRADING_READ,
     NULL,
     route_status,
     "Mode, broker, kill switch, account, last value, open orders, last "
     "decisions",
     0},
    {{"GET", "/orders"},
     TRADING_READ,
     orders_params,
     route_orders,
     "Orders, newest first",
     0},
    {{"GET", "/orders/{client_order_id}"},
     TRADING_READ,
     NULL,
     route_order,
     "One order, with its fills and verdicts",
     0},
    {{"GET", "/decisions"},
     TRADING_READ,
     decisions_params,
     route_decisions,
     "Trading decisions with their outcome and explanation, newest first",
     0},
    {{"POST", "/orders"},
     TRADING_WRITE,
     NULL,
     route_manual,
     "A manual order through the risk screen: 201 queued, 200 when the same "
     "order exists under its client_order_id, 422 denied with every reason",
     201},
    {{"DELETE", "/orders/{client_order_id}"},
     TRADING_WRITE,
     NULL,
     route_cancel,
     "Cancel an open order",
     202},
    {{"POST", "/kill-switch"},
     TRADING_WRITE,
     NULL,
     route_kill_switch,
     "Turn the kill switch on or off: {\"active\": bool, \"reason\": text}",
     0},
};

static const trading_service service = {
    "trading-engine", "Stonks Oracle trading-engine",
    "Turns changed recommendations into orders through the risk screen; "
    "manual orders, cancelling them, and the kill switch.",
    routes, sizeof(routes) / sizeof(routes[0])};

void te_http_handle(void *ctx, const http_request *req, http_response *res)
{
    engine *e = ctx;

    trading_serve(e->http, e, req, res);
}

trading_http *te_http_new(const engine *e)
{
    return trading_http_new(&service, e->cfg, e->pool);
}

void trading_engine_answer(const config *c, trading_pool *pool,
                           const http_request *req, http_response *res)
{
    engine e = {.cfg = c, .pool = pool};

    e.http = te_http_new(&e);
    te_http_handle(&e, req, res);
    trading_http_free(e.http);
}
