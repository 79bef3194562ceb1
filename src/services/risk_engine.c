/*
 * risk-engine: the hard gate, an internal HTTP API.
 *
 *   POST /check        an order intent -> allow or deny with every reason;
 *                      the verdict is stored with its inputs (stage
 *                      "gate"), and a drawdown past the limit turns the
 *                      kill switch on
 *   GET  /exposure     positions, weights, sectors, cash and equity
 *   GET  /limits       the limits, the restricted list and the rules
 *   PUT  /limits       replace every limit (and the restricted list)
 *   PATCH /limits      change some limits; both need a bearer token
 *
 * The rules are those of domain/risk.h and the state is loaded by
 * trading_state_load, so the gate and the trading-engine's screen judge
 * the same numbers (see services/trading.h). A check runs under the
 * trading advisory lock, one at a time with the trading-engine's day
 * runs and broker-adapter's fills. Reads need a token only with
 * API_READ_AUTH=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/svc.h"
#include "services/symbols.h"
#include "services/trading.h"
#include "services/trading_limits.h"

#define RESTRICTED_MAX 5000 /* tickers on the restricted list */

typedef struct risk_engine {
    const config *cfg;
    trading_pool *pool;
    trading_http *http;
} risk_engine;

/* The gate: one intent, one stored verdict. Returns the HTTP status. */
static int check_intent(risk_engine *re, db *d, order_intent *o,
                        int32_t decision_day, json_t **answer, char *err,
                        size_t errlen)
{
    trading_state s;
    risk_verdict v;
    int rc, known, tripped = 0;

    if (trading_begin_locked(d) != DB_OK)
        goto dberr;
    known = trading_price_intent(d, o, decision_day, err, errlen);
    if (known < 0)
        goto dberr;
    rc = trading_state_load(d, re->cfg, decision_day, o->exec_day,
                            o->client_order_id, &s, err, errlen);
    if (rc != DB_OK)
        goto dberr;
    trading_state_focus(&s, o->ticker);
    risk_check(&s.limits, &s.acct, o, &v);
    if (known == 1)
        risk_deny(&v, "invalid", "%s is not a known symbol with a price",
                  o->ticker);
    if (trading_store_verdict(d, re->cfg, "gate", o, &v, &s) != DB_OK ||
        (v.trip_kill_switch &&
         trading_kill_switch_set(d, 1, v.reasons[0].message,
                                 "risk-engine: drawdown", &tripped) != DB_OK)) {
        trading_state_release(&s);
        goto dberr;
    }
    trading_state_release(&s);
    if (db_commit(d) != DB_OK)
        goto dberr;
    *answer =
        json_pack("{s:s, s:s, s:b, s:o, s:s, s:b}", "client_order_id",
                  o->client_order_id, "mode", trading_mode(re->cfg), "allowed",
                  v.allowed, "reasons", trading_reasons_json(&v), "stage",
                  "gate", "kill_switch_tripped", tripped);
    LOG_INFO(v.allowed ? "order allowed" : "order denied",
             LF_S("mode", trading_mode(re->cfg)),
             LF_S("client_order_id", o->client_order_id),
             LF_S("ticker", o->ticker), LF_S("side", order_side_name(o->side)),
             LF_I("qty", o->qty), LF_I("reasons", v.nreasons));
    return 200;
dberr:
    snprintf(err, errlen, "%s", db_error(d));
    db_rollback(d);
    return 503;
}

static void route_check(void *ctx, const char *arg, const http_request *req,
                        http_response *res)
{
    static const char *const fields[] = {"client_order_id",
                                         "ticker",
                                         "side",
                                         "qty",
                                         "type",
                                         "limit_price",
                                         "extended_hours",
                                         "decision_day",
                                         "exec_day",
                                         "exec_minute",
                                         NULL};
    json_t *body = trading_body(req, res, fields), *answer = NULL;
    order_intent o;
    int32_t decision_day;
    char err[512];
    risk_engine *re = ctx;
    db *d;
    int status;

    (void)arg;
    if (!body)
        return;
    if (trading_intent_parse(body, &o, &decision_day, err, sizeof(err)) < 0) {
        json_decref(body);
        http_error(res, 400, "bad_request", err);
        return;
    }
    json_decref(body);
    d = trading_pool_get(re->pool);
    status = check_intent(re, d, &o, decision_day, &answer, err, sizeof(err));
    if (status != 200)
        trading_db_failure(res, d);
    else
        trading_reply(res, 200, answer);
    trading_pool_put(re->pool, d);
}

/* day=YYYY-MM-DD of GET /exposure. Returns 1 with *day, 0 when absent,
 * -1 after a 400. */
static int param_day(const http_request *req, http_response *res, int32_t *day)
{
    char v[16];
    int got = http_query_param(req, "day", v, sizeof(v));

    if (got == 0)
        return 0;
    /* date_parse takes YYYYMMDD too; the message asks for YYYY-MM-DD */
    if (got > 0 && strlen(v) == 10 && date_parse(v, 10, day) == 0 &&
        day_plausible_now(*day))
        return 1;
    http_error(res, 400, "bad_request",
               "day must be a date YYYY-MM-DD from 1970-01-01 to a month "
               "ahead");
    return -1;
}

/* The last day with prices: "now" for the exposure of a replay. */
static int32_t exposure_day(db *d)
{
    int32_t day, today;
    int minute;
    PGresult *r;

    exchange_ny_time((int64_t)time(NULL), &today, &minute);
    if (db_exec(d, "SELECT max(day) - DATE '1970-01-01' FROM price_bars", 0,
                NULL, &r) != DB_OK)
        return today;
    day = PQgetisnull(r, 0, 0) ? today : atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return day < today ? day : today;
}

static json_t *money_str(cents c)
{
    char s[MONEY_FMT_MAX];

    money_format(c, s);
    return json_string(s);
}

/* The cash free for a new order, as the buying power rule counts it:
 * the cash less what open orders hold back. Now (no day given), that is
 * the state a manual order placed today is screened against, in which
 * today's orders are held at their size and their fills set aside (s is
 * the book with those fills in it); for a given day, s itself. */
static int free_for_orders(risk_engine *re, db *d, int given,
                           const trading_state *s, cents *out)
{
    trading_state now;
    int32_t today;
    int minute, rc;
    char err[512];

    if (given) {
        if (money_sub(s->acct.cash, s->acct.reserved, out) < 0 || *out < 0)
            *out = 0;
        return DB_OK;
    }
    exchange_ny_time((int64_t)time(NULL), &today, &minute);
    rc = trading_state_load(d, re->cfg, today, today, NULL, &now, err,
                            sizeof(err));
    if (rc != DB_OK)
        return rc;
    if (money_sub(now.acct.cash, now.acct.reserved, out) < 0 || *out < 0)
        *out = 0;
    trading_state_release(&now);
    return DB_OK;
}

static void route_exposure(void *ctx, const char *arg, const http_request *req,
                           http_response *res)
{
    risk_engine *re = ctx;
    db *d;
    int32_t day;
    int given;
    trading_state s;
    json_t *pos, *sectors;
    cents gross = 0, bp = 0;
    char err[512], ds[11];

    (void)arg;
    if ((given = param_day(req, res, &day)) < 0)
        return;
    d = trading_pool_get(re->pool);
    if (!given)
        day = exposure_day(d);
    pos = json_array();
    sectors = json_object();
    if (trading_state_load(d, re->cfg, day + 1, day + 1, NULL, &s, err,
                           sizeof(err)) != DB_OK) {
        json_decref(pos);
        json_decref(sectors);
        trading_db_failure(res, d);
        trading_pool_put(re->pool, d);
        return;
    }
    for (size_t i = 0; i < s.npos; i++) {
        cents v = 0, prev;
        json_t *sec;

        if (s.pos[i].qty == 0)
            continue;
        money_mul(s.pos[i].price, s.pos[i].qty, &v);
        money_add(gross, v < 0 ? -v : v, &gross);
        sec = json_object_get(sectors, s.pos[i].sector);
        prev = sec ? (cents)json_integer_value(sec) : 0;
        json_object_set_new(sectors, s.pos[i].sector,
                            json_integer((json_int_t)(prev + v)));
        json_array_append_new(
            pos, json_pack("{s:s, s:s, s:I, s:o, s:o, s:I}", "ticker",
                           s.pos[i].ticker, "sector", s.pos[i].sector, "qty",
                           (json_int_t)s.pos[i].qty, "price",
                           money_str(s.pos[i].price), "value", money_str(v),
                           "weight_bps",
                           (json_int_t)money_ratio_bps(v, s.acct.equity)));
    }
    {
        const char *key;
        json_t *val, *out = json_object();

        json_object_foreach(sectors, key, val)
        {
            cents v = (cents)json_integer_value(val);

            json_object_set_new(
                out, key,
                json_pack("{s:o, s:I}", "value", money_str(v), "weight_bps",
                          (json_int_t)money_ratio_bps(v, s.acct.equity)));
        }
        json_decref(sectors);
        sectors = out;
    }
    if (free_for_orders(re, d, given, &s, &bp) != DB_OK) {
        json_decref(pos);
        json_decref(sectors);
        trading_state_release(&s);
        trading_db_failure(res, d);
        trading_pool_put(re->pool, d);
        return;
    }
    date_format(day, ds);
    trading_reply(
        res, 200,
        json_pack(
            "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:b}", "mode",
            trading_mode(re->cfg), "as_of", ds, "cash", money_str(s.acct.cash),
            "reserved", money_str(s.acct.reserved), "buying_power",
            money_str(bp), "equity", money_str(s.acct.equity), "gross_exposure",
            money_str(gross), "gross_exposure_bps",
            (json_int_t)money_ratio_bps(gross, s.acct.equity), "positions", pos,
            "sectors", sectors, "kill_switch", s.kill_switch_db));
    trading_state_release(&s);
    trading_pool_put(re->pool, d);
}

/* The names and units of every limit the gate reads, as two PostgreSQL
 * arrays ("{a,b}"; the names are plain words). */
static void limit_arrays(buf *names, buf *units)
{
    for (size_t i = 0; i < trading_nlimits; i++) {
        buf_addf(names, "%s%s", i ? "," : "{", trading_limit_defs[i].name);
        buf_addf(units, "%s%s", i ? "," : "{", trading_limit_defs[i].unit);
    }
    buf_addc(names, '}');
    buf_addc(units, '}');
}

/* Answers the limits, the restricted list and the rules. A limit the
 * gate reads whose row is missing (deleted by hand) is listed with
 * value null and "missing": true: no order is judged without it, and a
 * PATCH /limits writes it again. */
static void limits_answer(risk_engine *re, http_response *res)
{
    static const char sql[] =
        "SELECT json_build_object('limits', (SELECT coalesce(json_agg("
        "json_build_object('name', coalesce(l.name, k.name), 'value',"
        " l.value, 'unit', coalesce(l.unit, k.unit), 'description',"
        " coalesce(l.description, $3), 'updated_at', l.updated_at,"
        " 'updated_by', l.updated_by, 'missing', l.name IS NULL)"
        " ORDER BY coalesce(l.name, k.name)), '[]') FROM risk_limits l"
        " FULL JOIN unnest($1::text[], $2::text[]) AS k(name, unit)"
        " ON k.name = l.name),"
        " 'restricted', (SELECT coalesce(json_agg(ticker ORDER BY ticker),"
        " '[]') FROM restricted_tickers))";
    db *d = trading_pool_get(re->pool);
    PGresult *r;
    json_t *j, *rules = json_array();
    buf names, units;
    const char *p[3];
    int rc;

    buf_init(&names);
    buf_init(&units);
    limit_arrays(&names, &units);
    p[0] = names.data;
    p[1] = units.data;
    p[2] = "its row is missing from risk_limits: no order is judged until "
           "PATCH /limits sets it";
    rc = db_execp(d, "re_limits", sql, 3, p, &r);
    buf_release(&names);
    buf_release(&units);
    if (rc != DB_OK) {
        json_decref(rules);
        trading_db_failure(res, d);
        trading_pool_put(re->pool, d);
        return;
    }
    j = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    trading_pool_put(re->pool, d);
    for (size_t i = 0; i < risk_nrules; i++)
        json_array_append_new(rules, json_pack("{s:s, s:s}", "name",
                                               risk_rules[i].name, "rule",
                                               risk_rules[i].what));
    json_object_set_new(j, "rules", rules);
    json_object_set_new(j, "mode", json_string(trading_mode(re->cfg)));
    trading_reply(res, 200, j);
}

/* Checks an edit: every name known, every value a whole number in its
 * range; with all set, every limit must be present (PUT). */
static int validate_limits(json_t *limits, json_t *restricted, int all,
                           char *err, size_t errlen)
{
    const char *key;
    json_t *val;
    size_t i;

    if (limits && !json_is_object(limits)) {
        snprintf(err, errlen, "limits must be an object of name: value");
        return -1;
    }
    json_object_foreach(limits, key, val)
    {
        const trading_limit_def *d = trading_limit_find(key);

        if (!d) {
            snprintf(err, errlen, "unknown limit '%.60s'", key);
            return -1;
        }
        if (!json_is_integer(val) || json_integer_value(val) < 0 ||
            json_integer_value(val) > d->max) {
            snprintf(err, errlen,
                     "%s must be a whole number from 0 to %lld (%s)", key,
                     (long long)d->max, d->unit);
            return -1;
        }
    }
    for (i = 0; all && i < trading_nlimits; i++)
        if (!json_object_get(limits, trading_limit_defs[i].name)) {
            snprintf(err, errlen, "PUT needs every limit; %s is missing",
                     trading_limit_defs[i].name);
            return -1;
        }
    if (restricted && (!json_is_array(restricted) ||
                       json_array_size(restricted) > RESTRICTED_MAX)) {
        snprintf(err, errlen, "restricted must be a list of at most %d tickers",
                 RESTRICTED_MAX);
        return -1;
    }
    json_array_foreach(restricted, i, val)
    {
        char t[TICKER_MAX];

        if (!json_is_string(val) ||
            ticker_normalize(json_string_value(val), json_string_length(val),
                             t) < 0) {
            snprintf(err, errlen, "restricted[%zu] is not a ticker", i);
            return -1;
        }
    }
    return 0;
}

/* Writes the limits and the restricted list. Returns 0; 1 with a message
 * in err when a restricted ticker is no symbol (a typo would protect
 * nothing); -1 on a database error. */
static int write_limits(db *d, json_t *limits, json_t *restricted,
                        const char *by, char *err, size_t errlen)
{
    const char *key;
    json_t *val;
    size_t i;

    json_object_foreach(limits, key, val)
    {
        char v[24];
        const trading_limit_def *def = trading_limit_find(key);
        const char *p[] = {key, v, by, def ? def->unit : "count"};

        snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(val));
        /* (a row deleted by hand is written again: an UPDATE of no row
         * answered 200 and changed nothing) */
        if (db_execp(d, "re_limit_set",
                     "INSERT INTO risk_limits (name, value, unit,"
                     " description, updated_by) VALUES ($1, $2::bigint, $4,"
                     " 'written again by PATCH /limits, its row was gone',"
                     " $3) ON CONFLICT (name) DO UPDATE SET"
                     " value = EXCLUDED.value, updated_at = now(),"
                     " updated_by = EXCLUDED.updated_by",
                     4, p, NULL) != DB_OK)
            return -1;
    }
    if (!restricted)
        return 0;
    if (db_exec(d, "DELETE FROM restricted_tickers", 0, NULL, NULL) != DB_OK)
        return -1;
    json_array_foreach(restricted, i, val)
    {
        char given[TICKER_MAX], t[TICKER_MAX];
        const char *p[] = {t};
        int rc;

        ticker_normalize(json_string_value(val), json_string_length(val),
                         given);
        /* as the screen will meet it: GOOG is GOOGL */
        rc = symbols_resolve(d, given, t);
        if (rc != 0) {
            if (rc > 0)
                snprintf(err, errlen,
                         "restricted[%zu]: %s is not a symbol of the registry "
                         "nor an alternative ticker of one",
                         i, given);
            return rc;
        }
        if (db_execp(d, "re_restrict",
                     "INSERT INTO restricted_tickers (ticker) VALUES ($1)"
                     " ON CONFLICT DO NOTHING",
                     1, p, NULL) != DB_OK)
            return -1;
    }
    return 0;
}

static void limits_edit(risk_engine *re, const http_request *req,
                        http_response *res, int all)
{
    static const char *const fields[] = {"limits", "restricted", NULL};
    json_t *body = trading_body(req, res, fields);
    json_t *limits, *restricted;
    char err[256], by[96];
    int wrc = 0, nothing;
    db *d;

    if (!body)
        return;
    limits = json_object_get(body, "limits");
    restricted = json_object_get(body, "restricted");
    /* (a PATCH of an empty "limits" alone changes nothing either) */
    nothing = !restricted && (!limits || (!all && json_is_object(limits) &&
                                          json_object_size(limits) == 0));
    if (nothing ||
        validate_limits(limits, restricted, all, err, sizeof(err)) < 0) {
        http_error(res, 400, "bad_request",
                   nothing ? "nothing to change: give limits (at least one) "
                             "and/or restricted"
                           : err);
        json_decref(body);
        return;
    }
    snprintf(by, sizeof(by), "api %.60s", req->request_id);
    d = trading_pool_get(re->pool);
    if (trading_begin_locked(d) != DB_OK ||
        (wrc = write_limits(d, limits, restricted, by, err, sizeof(err))) !=
            0 ||
        db_commit(d) != DB_OK) {
        db_rollback(d);
        if (wrc > 0)
            http_error(res, 400, "bad_request", err);
        else
            trading_db_failure(res, d);
        trading_pool_put(re->pool, d);
        json_decref(body);
        return;
    }
    trading_pool_put(re->pool, d);
    LOG_WARN("risk limits changed", LF_S("by", by),
             LF_I("limits", json_object_size(limits)));
    json_decref(body);
    limits_answer(re, res);
}

static void route_limits_get(void *ctx, const char *arg,
                             const http_request *req, http_response *res)
{
    (void)arg;
    (void)req;
    limits_answer(ctx, res);
}

static void route_limits_put(void *ctx, const char *arg,
                             const http_request *req, http_response *res)
{
    (void)arg;
    limits_edit(ctx, req, res, 1);
}

static void route_limits_patch(void *ctx, const char *arg,
                               const http_request *req, http_response *res)
{
    (void)arg;
    limits_edit(ctx, req, res, 0);
}

static const api_param exposure_params[] = {
    {"day", "date",
     "the state the gate would see for the session after this day; "
     "absent: the book now"},
    {NULL, NULL, NULL}};

static const trading_route routes[] = {
    {{"POST", "/check"},
     TRADING_INTERNAL,
     NULL,
     route_check,
     "Allow or deny an order intent, with every reason; the verdict is "
     "stored",
     0},
    {{"GET", "/exposure"},
     TRADING_READ,
     exposure_params,
     route_exposure,
     "Positions, weights, sectors, cash, reserved, buying power, equity, "
     "gross exposure",
     0},
    {{"GET", "/limits"},
     TRADING_READ,
     NULL,
     route_limits_get,
     "The limits, the restricted list and the rules",
     0},
    {{"PUT", "/limits"},
     TRADING_WRITE,
     NULL,
     route_limits_put,
     "Set every limit (all of them given), and the restricted list when "
     "given",
     0},
    {{"PATCH", "/limits"},
     TRADING_WRITE,
     NULL,
     route_limits_patch,
     "Change some limits and/or the restricted list",
     0},
};

static const trading_service service = {
    "risk-engine", "Stonks Oracle risk-engine",
    "The risk gate: judges order intents against the limits, the "
    "restricted list and the kill switch, and keeps the limits.",
    routes, sizeof(routes) / sizeof(routes[0])};

static void handle(void *ctx, const http_request *req, http_response *res)
{
    risk_engine *re = ctx;

    trading_serve(re->http, re, req, res);
}

void risk_engine_answer(const config *c, trading_pool *pool,
                        const http_request *req, http_response *res)
{
    risk_engine re = {.cfg = c, .pool = pool};

    re.http = trading_http_new(&service, c, pool);
    handle(&re, req, res);
    trading_http_free(re.http);
}

int cmd_risk_engine(int argc, char **argv)
{
    config c;
    risk_engine re;
    http_options ho;
    http_server *srv = NULL;
    char err[512];
    int port, rc = 1;
    db *d;

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks risk-engine\n"
               "  HTTP API on the port of a loopback RISK_ENGINE_URL, else on\n"
               "  HTTP_PORT (the URL's port when it is 0): POST /check, GET\n"
               "  /exposure, GET /limits, PUT/PATCH /limits. The hard gate\n"
               "  before every order.\n");
        return 0;
    }
    if (trading_start("risk-engine", &c) < 0)
        return 2;
    memset(&re, 0, sizeof(re));
    re.cfg = &c;
    worker_install_signals();
    while (!worker_stopping()) {
        re.pool = trading_pool_open(&c, c.pg_pool_size, err, sizeof(err));
        if (re.pool)
            break;
        LOG_ERROR("waiting for PostgreSQL", LF_S("error", err));
        worker_sleep_ms(1000);
    }
    if (!re.pool) {
        config_release(&c);
        return 0;
    }
    d = trading_pool_get(re.pool);
    if (trading_ensure_account(d, &c, err, sizeof(err)) != DB_OK)
        LOG_WARN("cannot create the account yet", LF_S("error", err));
    trading_pool_put(re.pool, d);
    re.http = trading_http_new(&service, &c, re.pool);
    port = trading_listen_port(&c, c.risk_engine_url);
    memset(&ho, 0, sizeof(ho));
    ho.bind = c.http_bind;
    ho.port = port;
    ho.threads = c.http_threads;
    ho.max_body = (size_t)c.http_max_body;
    ho.request_timeout_s = c.http_request_timeout_s;
    srv = port > 0 ? http_start(&ho, handle, &re, err, sizeof(err)) : NULL;
    if (!srv) {
        LOG_ERROR("cannot serve HTTP",
                  LF_S("error", port > 0 ? err : "no port"));
        goto out;
    }
    LOG_INFO("risk-engine listening", LF_I("port", http_port(srv)),
             LF_S("mode", trading_mode(&c)));
    while (!worker_stopping())
        worker_sleep_ms(200);
    LOG_INFO("risk-engine stopping on signal");
    rc = 0;
out:
    http_stop(srv);
    trading_http_free(re.http);
    trading_pool_close(re.pool);
    config_release(&c);
    return rc;
}
