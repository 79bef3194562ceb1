/*
 * trading-engine: turns changed recommendations into orders, and
 * serves the trading API.
 *
 * Design: days in order. The recommendation service queues a job on
 * stonks:queue:trading_decisions for every recommendation it writes;
 * broker-adapter queues one whenever an order reaches a final state.
 * Any such job only wakes the sequencer, which works from committed
 * rows: it takes the earliest session D with recommendations and no
 * trading run yet, and trades it once
 *   - D has a recommendation for every traded ticker (REPLAY_TICKERS,
 *     else the active symbols),
 *   - (replay) the previous session has its run: the last day before D
 *     with bars, from REPLAY_START on (none: D is the first session of
 *     the replay), and
 *   - (replay) every order decided before D is final: D's decisions
 *     size against the cash and positions after those fills.
 * While orders are still open it asks broker-adapter to look at them
 * again (a job per order on stonks:queue:broker_orders) and queues a
 * wake-up for itself: the paper broker fills them as soon as the bar of
 * their session is known, and D's last recommendation only arrives
 * after D's bars are in, so the wait is short and always ends. A run is one
 * transaction: the decisions of every changed recommendation in ticker
 * order (BUY/SELL/HOLD differs from the ticker's previous one, or it is
 * the first), sizing (domain/sizing.h), the risk screen (domain/risk.h
 * on trading_state, each accepted order added before the next),
 * verdicts, orders, notifications, the portfolio's value at D's close
 * and the run's row. The orders are queued on stonks:queue:broker_orders
 * after the commit, and again whenever the day is found done, so a
 * crash in between loses none. So whatever the order in which the
 * pipeline's workers finish, a replay trades the same orders.
 *
 * Live mode trades today's session once it is TRADING_DECIDE_AT in New
 * York and every traded ticker has a recommendation computed since then
 * (live_due), without waiting for earlier orders; a session before
 * today is skipped, one after it waits. Orders execute at the next
 * regular session.
 *
 * HTTP (the port of trading_listen_port): the routes are in
 * trading_engine_api.c. Without its API the engine exits, unless
 * another trading-engine serves that port (a second replica on one
 * machine), when it runs as a worker and takes the port over once the
 * other has let it go.
 *
 * Notifications: rows of the notifications table (the outbox); with
 * SMTP_URL, GMAIL_SENDER and GMAIL_RECIPIENT set, a thread mails the
 * pending ones. A mail failure is retried a few times and never holds
 * up trading.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/smtp.h"
#include "adapters/webclient.h"
#include "domain/date.h"
#include "domain/exchange.h"
#include "domain/sizing.h"
#include "domain/strategy.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/symbols.h"
#include "services/svc.h"
#include "services/trading.h"
#include "services/trading_engine.h"

#define NOTIFY_POLL_MS 300
#define WAIT_FILLS_MS 20
#define WAIT_FILLS_MAX_MS 2000
#define WAIT_FILLS_FAST 25
/* Live: TRADING_DECIDE_AT on an early-close day is at latest this many
 * minutes before the close (time for a tick to bring recommendations) */
#define DECIDE_BEFORE_CLOSE_MIN 30
#define NOTIFY_MAX_ATTEMPTS 5

/* Traded tickers as a PostgreSQL array literal, and how many: those the
 * scheduler queues, in either mode (REPLAY_TICKERS, else the active
 * symbols). */
static int traded_tickers(db *d, const config *c, pgarr *out, long *n,
                          char *err, size_t errlen)
{
    PGresult *r;

    pgarr_init(out);
    *n = 0;
    if (c->replay_tickers[0]) {
        char **list;
        size_t nlist;

        /* as the scheduler reads them: GOOG is GOOGL */
        if (replay_tickers_resolve(d, c, &list, &nlist, err, errlen) < 0)
            return -1;
        for (size_t i = 0; i < nlist; i++)
            pgarr_adds(out, list[i]);
        ticker_list_free(list, nlist);
        *n = (long)nlist;
        return 0;
    }
    if (db_exec(d, "SELECT ticker FROM symbols WHERE active ORDER BY 1", 0,
                NULL, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        pgarr_adds(out, PQgetvalue(r, i, 0));
    *n = PQntuples(r);
    PQclear(r);
    return 0;
}

static int replay_mode(const config *c)
{
    return strcmp(c->scheduler_mode, "replay") == 0;
}

/* A decision as the run records it. */
typedef struct decision {
    char ticker[TICKER_MAX];
    char action[8], prev[8];
    double conviction, target_weight;
    char coid[ORDER_ID_MAX];
    const char *outcome;
    order_intent o;
    int has_order;
    cents equity;
    char explanation[512];
} decision;

static const char SQL_DECISION[] =
    "INSERT INTO trading_decisions (ticker, as_of, action, previous_action,"
    " conviction, target_weight, model, client_order_id, outcome, side, qty,"
    " ref_price_cents, equity_cents, explanation, mode)"
    " VALUES ($1, $2::date, $3, $4, $5::float8, $6::float8, $7, $8, $9, $10,"
    " $11::bigint, $12::bigint, $13::bigint, $14, $15)"
    " ON CONFLICT (ticker, as_of) DO NOTHING RETURNING id";

static const char SQL_ORDER[] =
    "INSERT INTO orders (client_order_id, decision_id, source, mode, broker,"
    " ticker, side, type, qty, limit_price_cents, ref_price_cents,"
    " extended_hours, decision_day, exec_day, exec_minute, status)"
    " VALUES ($1, $2::bigint, $3, $4, $5, $6, $7, $8, $9::bigint,"
    " $10::bigint, $11::bigint, $12::boolean, $13::date, $14::date,"
    " $15::int, 'queued') ON CONFLICT (client_order_id) DO NOTHING"
    " RETURNING id";

int te_insert_order(db *d, const config *c, const order_intent *o,
                    const char *decision_id, const char *source,
                    int32_t decision_day)
{
    char q[24], lim[24], ref[24], dd[11], ed[11], min[8];
    const char *p[15];
    PGresult *r;
    int rc;

    snprintf(q, sizeof(q), "%lld", (long long)o->qty);
    snprintf(lim, sizeof(lim), "%lld", (long long)o->limit_price);
    snprintf(ref, sizeof(ref), "%lld", (long long)o->ref_price);
    snprintf(min, sizeof(min), "%d", o->exec_minute);
    p[0] = o->client_order_id;
    p[1] = decision_id;
    p[2] = source;
    p[3] = trading_mode(c);
    p[4] = c->broker;
    p[5] = o->ticker;
    p[6] = order_side_name(o->side);
    p[7] = order_type_name(o->type);
    p[8] = q;
    p[9] = o->type == ORDER_LIMIT ? lim : NULL;
    p[10] = ref;
    p[11] = o->extended_hours ? "t" : "f";
    p[12] = DAYSTR(decision_day, dd);
    p[13] = DAYSTR(o->exec_day, ed);
    p[14] = min;
    rc = db_execp(d, "te_order", SQL_ORDER, 15, p, &r);
    if (rc == DB_OK)
        PQclear(r);
    return rc;
}

void te_notify_order(db *d, const config *c, const order_intent *o,
                     const char *why)
{
    char key[80], subject[200], *body;

    snprintf(key, sizeof(key), "order:%s", o->client_order_id);
    snprintf(subject, sizeof(subject), "[stonks %s] order queued: %s %lld %s",
             trading_mode(c), order_side_name(o->side), (long long)o->qty,
             o->ticker);
    body =
        xasprintf("Mode: %s\nOrder %s: %s %lld %s (%s), queued for the "
                  "broker.\n%s\n",
                  trading_mode(c), o->client_order_id, order_side_name(o->side),
                  (long long)o->qty, o->ticker, order_type_name(o->type), why);
    trading_notify(d, key, "order", subject, body);
    free(body);
}

void te_notify_denied(db *d, const config *c, const order_intent *o,
                      const risk_verdict *v)
{
    char key[80], subject[200];
    buf b;

    snprintf(key, sizeof(key), "denied:%s", o->client_order_id);
    snprintf(subject, sizeof(subject), "[stonks %s] order denied: %s %lld %s",
             trading_mode(c), order_side_name(o->side), (long long)o->qty,
             o->ticker);
    buf_init(&b);
    buf_addf(&b, "Mode: %s\nOrder %s was denied by the risk screen:\n",
             trading_mode(c), o->client_order_id);
    for (size_t i = 0; i < v->nreasons; i++)
        buf_addf(&b, "- %s: %s\n", v->reasons[i].code, v->reasons[i].message);
    trading_notify(d, key, "rejection", subject, b.data);
    buf_release(&b);
}

/* Sizes and screens one changed recommendation. */
static int decide(db *d, const config *c, trading_state *s, decision *dc,
                  int32_t day, int32_t exec_day, int exec_minute, char *err,
                  size_t errlen)
{
    sizing_input in;
    sizing_result sr;
    cents price = 0;
    risk_verdict v;
    int known;

    memset(&dc->o, 0, sizeof(dc->o));
    snprintf(dc->o.ticker, sizeof(dc->o.ticker), "%s", dc->ticker);
    snprintf(dc->o.client_order_id, sizeof(dc->o.client_order_id), "%s",
             dc->coid);
    dc->equity = s->acct.equity;
    dc->outcome = "no_order";
    known = trading_ticker_info(d, dc->ticker, day, &price, &dc->o.price_day,
                                dc->o.sector, err, errlen);
    if (known < 0)
        return -1;
    if (known == 1) {
        snprintf(dc->explanation, sizeof(dc->explanation),
                 "no order: no price for %s on or before the day", dc->ticker);
        return 0;
    }
    memset(&in, 0, sizeof(in));
    in.action = strcmp(dc->action, "BUY") == 0    ? ACTION_BUY
                : strcmp(dc->action, "SELL") == 0 ? ACTION_SELL
                                                  : ACTION_HOLD;
    in.conviction = dc->conviction;
    in.target_weight = dc->target_weight;
    in.equity = s->acct.equity;
    in.price = price;
    in.max_notional = s->limits.max_position_notional;
    in.max_weight_bps = s->limits.max_position_weight_bps;
    /* a SELL sizes from the shares there are to sell, a BUY from the
     * position once every open order has filled */
    in.held = in.action == ACTION_SELL ? trading_sellable_qty(s, dc->ticker)
                                       : trading_projected_qty(s, dc->ticker);
    sizing_compute(&in, &sr);
    dc->o.ref_price = price;
    dc->o.side = sr.side;
    if (sr.qty == 0) {
        snprintf(dc->explanation, sizeof(dc->explanation), "%s", sr.why);
        return 0;
    }
    dc->o.qty = sr.qty;
    dc->o.type = ORDER_MARKET;
    if (sr.side == SIDE_BUY) {
        dc->o.type = ORDER_LIMIT;
        dc->o.limit_price = risk_buy_limit(price, s->limits.cash_buffer_bps);
    }
    dc->o.exec_day = exec_day;
    dc->o.exec_minute = exec_minute;
    trading_state_focus(s, dc->ticker);
    risk_check(&s->limits, &s->acct, &dc->o, &v);
    if (trading_store_verdict(d, c, "screen", &dc->o, &v, s) != DB_OK)
        goto dberr;
    if (v.trip_kill_switch) {
        int changed;

        if (trading_kill_switch_set(d, 1, v.reasons[0].message,
                                    "trading-engine: drawdown",
                                    &changed) != DB_OK)
            goto dberr;
        s->acct.kill_switch = 1;
    }
    dc->has_order = 1;
    if (v.allowed) {
        dc->outcome = "ordered";
        snprintf(dc->explanation, sizeof(dc->explanation), "%s", sr.why);
        trading_state_apply(s, &dc->o);
        return 0;
    }
    dc->outcome = "denied";
    risk_verdict_text(&v, dc->explanation, sizeof(dc->explanation));
    te_notify_denied(d, c, &dc->o, &v);
    return 0;
dberr:
    snprintf(err, errlen, "%s", db_error(d));
    return -1;
}

static int record(db *d, const config *c, decision *dc, int32_t day,
                  int32_t decision_day)
{
    char ds[11], conv[32], wt[32], q[24], ref[24], eq[24];
    const char *p[15];
    PGresult *r;
    char id[24] = "";
    int rc;

    snprintf(conv, sizeof(conv), "%.6f", dc->conviction);
    snprintf(wt, sizeof(wt), "%.6f", dc->target_weight);
    snprintf(q, sizeof(q), "%lld", (long long)dc->o.qty);
    snprintf(ref, sizeof(ref), "%lld", (long long)dc->o.ref_price);
    snprintf(eq, sizeof(eq), "%lld", (long long)dc->equity);
    p[0] = dc->ticker;
    p[1] = DAYSTR(day, ds);
    p[2] = dc->action;
    p[3] = dc->prev[0] ? dc->prev : NULL;
    p[4] = conv;
    p[5] = wt;
    p[6] = TRADING_MODEL;
    p[7] = dc->coid;
    p[8] = dc->outcome;
    p[9] = dc->o.qty ? order_side_name(dc->o.side) : NULL;
    p[10] = q;
    p[11] = dc->o.ref_price ? ref : NULL;
    p[12] = eq;
    p[13] = dc->explanation;
    p[14] = trading_mode(c);
    rc = db_execp(d, "te_decision", SQL_DECISION, 15, p, &r);
    if (rc != DB_OK)
        return rc;
    if (PQntuples(r) == 1)
        snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (strcmp(dc->outcome, "ordered") != 0 || !id[0])
        return DB_OK;
    rc = te_insert_order(d, c, &dc->o, id, "decision", decision_day);
    if (rc == DB_OK)
        te_notify_order(d, c, &dc->o, dc->explanation);
    return rc;
}

/* A recommendation is changed when its action differs from the
 * ticker's last decision before its day: what was last acted on (in a
 * replay, every session is traded, so that is the previous
 * recommendation; live, a session skipped or a recommendation changed
 * after its session was traded does not count as acted on). */
static const char SQL_RECS[] =
    "SELECT r.ticker, r.action, r.conviction, r.target_weight,"
    " coalesce((SELECT p.action FROM trading_decisions p"
    "  WHERE p.ticker = r.ticker AND p.as_of < r.as_of"
    "  ORDER BY p.as_of DESC LIMIT 1), '')"
    " FROM recommendations r"
    " WHERE r.as_of = $1::date AND r.ticker = ANY($2::text[])"
    " ORDER BY r.ticker";

static const char SQL_VALUE[] =
    "INSERT INTO portfolio_values (day, cash_cents, positions_cents,"
    " equity_cents, peak_cents, pnl_cents) VALUES ($1::date, $2::bigint,"
    " $3::bigint, $4::bigint, $5::bigint, $6::bigint)"
    " ON CONFLICT (day) DO NOTHING";

static const char SQL_RUN[] =
    "INSERT INTO trading_runs (day, decisions, orders, equity_cents, mode)"
    " VALUES ($1::date, $2::int, $3::int, $4::bigint, $5)"
    " ON CONFLICT (day) DO NOTHING";

static int write_run(db *d, const config *c, const trading_state *s,
                     int32_t day, size_t ndec, size_t nord)
{
    char ds[11], cash[24], pos[24], eq[24], peak[24], pnl[24], nd[16], no[16];
    const char *pv[6], *pr[5];

    DAYSTR(day, ds);
    snprintf(cash, sizeof(cash), "%lld", (long long)s->acct.cash);
    snprintf(pos, sizeof(pos), "%lld", (long long)s->positions_value);
    snprintf(eq, sizeof(eq), "%lld", (long long)s->acct.equity);
    snprintf(peak, sizeof(peak), "%lld", (long long)s->acct.peak_equity);
    snprintf(pnl, sizeof(pnl), "%lld",
             (long long)(s->acct.equity - s->starting_cash));
    snprintf(nd, sizeof(nd), "%zu", ndec);
    snprintf(no, sizeof(no), "%zu", nord);
    pv[0] = ds;
    pv[1] = cash;
    pv[2] = pos;
    pv[3] = eq;
    pv[4] = peak;
    pv[5] = pnl;
    pr[0] = ds;
    pr[1] = nd;
    pr[2] = no;
    pr[3] = eq;
    pr[4] = trading_mode(c);
    if (db_execp(d, "te_value", SQL_VALUE, 6, pv, NULL) != DB_OK ||
        db_execp(d, "te_run", SQL_RUN, 5, pr, NULL) != DB_OK)
        return -1;
    return 0;
}

/* Pushes a {"client_order_id"} job per order of the query's first
 * column. */
static int push_orders(worker *w, const char *name, const char *sql,
                       const char *day)
{
    const char *p[] = {day};
    PGresult *r;
    char **payloads;
    int n, rc;

    if (db_execp(w->db, name, sql, 1, p, &r) != DB_OK)
        return WORKER_RETRY;
    n = PQntuples(r);
    payloads = xcalloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++)
        payloads[i] =
            xasprintf("{\"client_order_id\":\"%s\"}", PQgetvalue(r, i, 0));
    rc = worker_push(w, Q_BROKER_ORDERS, payloads, (size_t)n);
    for (int i = 0; i < n; i++)
        free(payloads[i]);
    free(payloads);
    PQclear(r);
    return rc;
}

static const char SQL_QUEUED_OF_DAY[] =
    "SELECT client_order_id FROM orders WHERE decision_day = $1::date"
    " AND status = 'queued' ORDER BY id";

/* Live: orders at the broker (or being sent) not looked at for a while.
 * The paper broker executes an order when it is looked up after its
 * session's bar is in, and asks for no follow-up of its own: without
 * these look-ups, woken by every tick, a live paper order stayed open
 * for ever. Alpaca's orders are followed by the broker-adapter's own
 * chain of look-ups; this starts it again when Redis lost it. */
static const char SQL_OPEN_IDLE[] =
    "SELECT client_order_id FROM orders WHERE status IN ('submitting',"
    " 'accepted', 'partially_filled') AND updated_at < now() - $1::interval"
    " ORDER BY id";

/* Orders still queued a while after they were made: their job was lost
 * (a crash between the commit and the push). */
static const char SQL_STUCK[] =
    "SELECT client_order_id FROM orders WHERE status = 'queued'"
    " AND created_at < now() - $1::interval ORDER BY id";

/* Trades session day. Returns WORKER_OK, or WORKER_RETRY / WORKER_FAIL
 * with a message. */
static int run_day(worker *w, int32_t day, const char *tickers, char *err,
                   size_t errlen)
{
    const config *c = w->cfg;
    char ds[11];
    const char *p[2];
    PGresult *recs = NULL;
    trading_state s;
    int32_t exec_day, today;
    int exec_minute, loaded = 0, dbrc;
    size_t ndec = 0, nord = 0;
    decision dc;

    DAYSTR(day, ds);
    p[0] = ds;
    p[1] = tickers;
    if (replay_mode(c)) {
        exec_day = exchange_next_open(day);
        exec_minute = EXCHANGE_OPEN_MIN;
    } else {
        trading_exec_time_now(&exec_day, &exec_minute, &today);
    }
    if (trading_begin_locked(w->db) != DB_OK ||
        db_execp(w->db, "te_done",
                 "SELECT 1 FROM trading_runs WHERE day = $1::date", 1, p,
                 &recs) != DB_OK)
        goto dberr;
    if (PQntuples(recs) > 0) {
        /* Another replica was first: only make sure its orders go out. */
        PQclear(recs);
        db_rollback(w->db);
        return push_orders(w, "te_queued", SQL_QUEUED_OF_DAY, ds);
    }
    PQclear(recs);
    recs = NULL;
    if (db_execp(w->db, "te_recs", SQL_RECS, 2, p, &recs) != DB_OK)
        goto dberr;
    dbrc = trading_state_load(w->db, c, day, exec_day, NULL, &s, err, errlen);
    if (dbrc != DB_OK)
        goto dberr;
    loaded = 1;
    for (int i = 0; i < PQntuples(recs); i++) {
        memset(&dc, 0, sizeof(dc));
        snprintf(dc.ticker, sizeof(dc.ticker), "%s", PQgetvalue(recs, i, 0));
        snprintf(dc.action, sizeof(dc.action), "%s", PQgetvalue(recs, i, 1));
        dc.conviction = atof(PQgetvalue(recs, i, 2));
        dc.target_weight = atof(PQgetvalue(recs, i, 3));
        snprintf(dc.prev, sizeof(dc.prev), "%s", PQgetvalue(recs, i, 4));
        if (strcmp(dc.prev, dc.action) == 0)
            continue;
        order_client_id(dc.ticker, day, dc.action, TRADING_MODEL, dc.coid);
        if (decide(w->db, c, &s, &dc, day, exec_day, exec_minute, err, errlen) <
                0 ||
            record(w->db, c, &dc, day, day) != DB_OK)
            goto dberr;
        ndec++;
        if (strcmp(dc.outcome, "ordered") == 0) {
            nord++;
            LOG_INFO("order queued", LF_S("mode", trading_mode(c)),
                     LF_S("client_order_id", dc.coid),
                     LF_S("ticker", dc.ticker),
                     LF_S("side", order_side_name(dc.o.side)),
                     LF_I("qty", dc.o.qty), LF_S("day", ds));
        } else if (dc.has_order) {
            LOG_INFO(
                "order denied by the screen", LF_S("mode", trading_mode(c)),
                LF_S("client_order_id", dc.coid), LF_S("ticker", dc.ticker),
                LF_S("reasons", dc.explanation));
        }
    }
    if (write_run(w->db, c, &s, day, ndec, nord) < 0 ||
        db_commit(w->db) != DB_OK)
        goto dberr;
    trading_state_release(&s);
    PQclear(recs);
    LOG_INFO("trading day done", LF_S("mode", trading_mode(c)), LF_S("day", ds),
             LF_I("decisions", ndec), LF_I("orders", nord));
    return push_orders(w, "te_queued", SQL_QUEUED_OF_DAY, ds);
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    db_rollback(w->db);
    if (loaded)
        trading_state_release(&s);
    PQclear(recs);
    return trading_db_worker_rc(w->db);
}

static const char SQL_NEXT[] =
    "SELECT min(r.as_of) - DATE '1970-01-01' FROM recommendations r"
    " WHERE r.ticker = ANY($1::text[]) AND r.as_of > coalesce("
    "  (SELECT max(day) FROM trading_runs), DATE '0001-01-01')";

/* Whether session $1 may be traded: its traded tickers ($2) with a
 * recommendation computed since $4 (Unix seconds); the previous session
 * of the replay traded, the last day before $1 from REPLAY_START ($3) on
 * with bars of those tickers (the replay's own calendar, as the
 * scheduler walks it: none, and $1 is the first); and the orders of
 * earlier sessions still open. */
static const char SQL_READY[] =
    "SELECT (SELECT count(DISTINCT ticker) FROM recommendations"
    "  WHERE as_of = $1::date AND ticker = ANY($2::text[])"
    "  AND computed_at >= to_timestamp($4::bigint)),"
    " coalesce((SELECT EXISTS (SELECT 1 FROM trading_runs t"
    "  WHERE t.day = b.d) FROM (SELECT max(day) AS d FROM price_bars"
    "  WHERE ticker = ANY($2::text[]) AND day < $1::date"
    "  AND day >= $3::date) b WHERE b.d IS NOT NULL), true),"
    " (SELECT count(*) FROM orders WHERE decision_day < $1::date"
    "  AND status IN ('queued', 'submitting', 'accepted',"
    "  'partially_filled'))";

static const char SQL_OPEN_BEFORE[] =
    "SELECT client_order_id FROM orders WHERE decision_day < $1::date"
    " AND status IN ('queued', 'submitting', 'accepted', 'partially_filled')"
    " ORDER BY id";

/* Live mode: a session before today, or today's from its close on, is
 * not traded any more. */
static int skip_day(worker *w, int32_t day, char *err, size_t errlen)
{
    char ds[11];
    const char *p[] = {DAYSTR(day, ds), trading_mode(w->cfg)};

    if (db_execp(w->db, "te_skip",
                 "INSERT INTO trading_runs (day, decisions, orders,"
                 " equity_cents, mode) VALUES ($1::date, 0, 0, 0, $2)"
                 " ON CONFLICT (day) DO NOTHING",
                 2, p, NULL) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(w->db));
        return WORKER_RETRY;
    }
    LOG_INFO("stale session skipped", LF_S("mode", trading_mode(w->cfg)),
             LF_S("day", ds));
    return WORKER_OK;
}

/* Consecutive wake-ups that found the orders of an earlier session
 * still open (wait_for_fills). */
static int waits;

/* Replay: the orders decided before session ds are not all final. Asks
 * the broker-adapter to look at them, unless it has look-ups in hand
 * already (they piled up without bound behind a gate or a broker that
 * did not answer), then queues a wake-up for itself after a pause of
 * WAIT_FILLS_MS (fills come within a few in a replay), doubling after
 * WAIT_FILLS_FAST of them up to WAIT_FILLS_MAX_MS while they stay open. */
static int wait_for_fills(worker *w, const char *ds)
{
    char *wake[] = {"{\"wake\":\"waiting_for_fills\"}"};
    queue_stats st;
    long pause = WAIT_FILLS_MS;
    int rc = WORKER_OK;

    if (queue_stats_get(w->q, Q_BROKER_ORDERS, &st) < 0 ||
        st.depth - st.delayed + st.in_flight <= 0)
        rc = push_orders(w, "te_open", SQL_OPEN_BEFORE, ds);
    for (int i = WAIT_FILLS_FAST; i < waits && pause < WAIT_FILLS_MAX_MS; i++)
        pause *= 2;
    waits++;
    if (rc != WORKER_OK)
        return rc;
    worker_sleep_ms(
        (int)(pause < WAIT_FILLS_MAX_MS ? pause : WAIT_FILLS_MAX_MS));
    return worker_push(w, Q_TRADING_DECISIONS, wake, 1);
}

/* Live mode: when session day may be traded. Returns -1 for a day
 * before today, today from its close on (skipped: never traded late)
 * or a day the exchange does not trade,
 * 0 while it must wait (a day after today, or today before
 * TRADING_DECIDE_AT), else 1, with *since the decision time: only
 * recommendations computed from then on count. */
static int live_due(const config *c, int32_t day, long long *since)
{
    static int32_t told = -1; /* the day the wait was logged for */
    int decide = config_clock(c->trading_decide_at), minute;
    int32_t today;
    exchange_day ed;
    char ds[11];

    exchange_ny_time((int64_t)time(NULL), &today, &minute);
    exchange_describe(day, &ed);
    /* (a day without a session has no recommendations of the pipeline's
     * own; one made by hand is not traded either) */
    if (day <= today && exchange_session_over(day, today, minute))
        return -1;
    if (decide > ed.close_min - DECIDE_BEFORE_CLOSE_MIN)
        decide = ed.close_min - DECIDE_BEFORE_CLOSE_MIN; /* an early close */
    if (day == today && minute >= decide) {
        *since = (long long)exchange_ny_unix(day, decide);
        return 1;
    }
    if (told != day)
        LOG_INFO(day > today ? "session after today (New York): not traded "
                               "before its day"
                             : "session waits for TRADING_DECIDE_AT",
                 LF_S("day", DAYSTR(day, ds)),
                 LF_S("decide_at", c->trading_decide_at));
    told = day;
    return 0;
}

/* Trades every session that is ready, in order. */
static int advance(worker *w, char *err, size_t errlen)
{
    const config *c = w->cfg;
    pgarr tickers;
    long ntickers;
    int rc = WORKER_OK;

    if (traded_tickers(w->db, c, &tickers, &ntickers, err, errlen) < 0) {
        pgarr_release(&tickers);
        return WORKER_RETRY;
    }
    for (;;) {
        const char *p1[] = {pgarr_text(&tickers)};
        const char *p4[4];
        char ds[11], since_s[24];
        long long since = 0;
        PGresult *r;
        int32_t day;
        long have, open;
        int prev_done;

        if (db_execp(w->db, "te_next", SQL_NEXT, 1, p1, &r) != DB_OK)
            goto dberr;
        if (PQgetisnull(r, 0, 0)) {
            PQclear(r);
            break;
        }
        day = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (!replay_mode(c)) {
            int due = live_due(c, day, &since);

            if (due == 0)
                break;
            if (due < 0) {
                /* (first: a past day missing a recommendation would
                 * hold back every session after it) */
                rc = skip_day(w, day, err, errlen);
                if (rc != WORKER_OK)
                    break;
                continue;
            }
        }
        snprintf(since_s, sizeof(since_s), "%lld", since);
        p4[0] = DAYSTR(day, ds);
        p4[1] = pgarr_text(&tickers);
        p4[2] = c->replay_start;
        p4[3] = since_s;
        if (db_execp(w->db, "te_ready", SQL_READY, 4, p4, &r) != DB_OK)
            goto dberr;
        have = atol(PQgetvalue(r, 0, 0));
        prev_done = PQgetvalue(r, 0, 1)[0] == 't';
        open = atol(PQgetvalue(r, 0, 2));
        PQclear(r);
        if (have < ntickers)
            break; /* more recommendations of the day will come */
        if (replay_mode(c) && !prev_done)
            break; /* the previous session is not traded yet */
        if (replay_mode(c) && open > 0) {
            /* Wait for their fills. Our own wake-up stays queued
             * meanwhile, so the work is never invisible to anyone
             * watching the queues (the demo waits for them to drain). */
            rc = wait_for_fills(w, ds);
            break;
        }
        waits = 0;
        rc = run_day(w, day, pgarr_text(&tickers), err, errlen);
        if (rc != WORKER_OK)
            break;
    }
    pgarr_release(&tickers);
    if (rc == WORKER_OK)
        rc = push_orders(w, "te_stuck", SQL_STUCK, "30 seconds");
    if (rc == WORKER_OK && !replay_mode(c))
        rc = push_orders(w, "te_open_idle", SQL_OPEN_IDLE,
                         strcmp(c->broker, "paper") == 0 ? "30 seconds"
                                                         : "10 minutes");
    return rc;
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    pgarr_release(&tickers);
    return WORKER_RETRY;
}

static int te_handle(worker *w, queue_job *jobs, size_t n, char *err,
                     size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        json_t *j = job_parse(&jobs[i], err, errlen);

        if (!j)
            return WORKER_FAIL;
        json_decref(j);
    }
    return advance(w, err, errlen);
}

/* The HTTP API. */

/* The mailer: sends pending notifications when SMTP is configured. */

static int smtp_configured(const config *c)
{
    return c->smtp_url[0] && c->gmail_sender[0] && c->gmail_recipient[0];
}

static void send_pending(engine *e, db *d)
{
    static const char sql[] =
        "SELECT id, subject, body FROM notifications WHERE status = 'pending'"
        " ORDER BY id LIMIT 20";
    /* Log in only with a password: a local relay may offer no AUTH. */
    smtp_options so = {e->cfg->smtp_url,
                       e->cfg->gmail_app_password[0] ? e->cfg->gmail_sender
                                                     : "",
                       e->cfg->gmail_app_password, 15000};
    PGresult *r;

    if (db_execp(d, "te_pending", sql, 0, NULL, &r) != DB_OK)
        return;
    for (int i = 0; i < PQntuples(r) && !atomic_load(&e->stop); i++) {
        smtp_message m = {e->cfg->gmail_sender, e->cfg->gmail_recipient,
                          PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)};
        char err[512] = "";
        int ok = smtp_send(&so, &m, err, sizeof(err)) == 0;
        const char *p[] = {PQgetvalue(r, i, 0), ok ? NULL : err};
        char max[8];
        const char *pf[] = {p[0], err, max};

        snprintf(max, sizeof(max), "%d", NOTIFY_MAX_ATTEMPTS);
        if (ok) {
            db_execp(d, "te_sent",
                     "UPDATE notifications SET status = 'sent',"
                     " sent_at = now(), attempts = attempts + 1"
                     " WHERE id = $1::bigint",
                     1, p, NULL);
            LOG_INFO("notification mailed", LF_S("id", p[0]));
        } else {
            db_execp(d, "te_mailfail",
                     "UPDATE notifications SET attempts = attempts + 1,"
                     " last_error = $2, status = CASE WHEN attempts + 1 >="
                     " $3::int THEN 'failed' ELSE 'pending' END"
                     " WHERE id = $1::bigint",
                     3, pf, NULL);
            LOG_WARN("cannot mail a notification; trading goes on",
                     LF_S("id", p[0]), LF_S("error", err));
            break; /* the server is likely down: try again later */
        }
    }
    PQclear(r);
}

static void *mailer(void *arg)
{
    engine *e = arg;
    char err[512];
    db *d = NULL;

    while (!atomic_load(&e->stop)) {
        if (!d)
            d = db_open(e->cfg, err, sizeof(err));
        if (d)
            send_pending(e, d);
        for (int i = 0; i < NOTIFY_POLL_MS / 50 && !atomic_load(&e->stop); i++)
            worker_sleep_ms(50);
    }
    db_close(d);
    return NULL;
}

/* The account is made once, with the STARTING_CASH of that day; a
 * later change of the setting does not touch it (its cash is the
 * trades' since). Say so, rather than leave the setting ignored
 * without a word. */
static void warn_starting_cash(worker *w)
{
    PGresult *r = NULL;
    cents want;

    if (money_parse(w->cfg->starting_cash, strlen(w->cfg->starting_cash),
                    &want) < 0 ||
        db_execp(w->db, "te_start_cash",
                 "SELECT starting_cash_cents FROM account WHERE id = 1", 0,
                 NULL, &r) != DB_OK)
        return;
    if (PQntuples(r) == 1 && atoll(PQgetvalue(r, 0, 0)) != want) {
        char had[MONEY_FMT_MAX];

        money_format(atoll(PQgetvalue(r, 0, 0)), had);
        LOG_WARN("STARTING_CASH differs from the account's; the account "
                 "keeps its own (a new account, after `stonks demo` or a "
                 "reset, takes the setting)",
                 LF_S("starting_cash", w->cfg->starting_cash),
                 LF_S("account_starting_cash", had));
    }
    PQclear(r);
}

static int te_init(worker *w, char *err, size_t errlen)
{
    if (trading_ensure_account(w->db, w->cfg, err, errlen) != DB_OK)
        return -1;
    warn_starting_cash(w);
    return 0;
}

static const worker_def trading_def = {
    .service = "trading-engine",
    .queue = Q_TRADING_DECISIONS,
    .init = te_init,
    .handle = te_handle,
    .tx_wait_ms = trading_broker_tx_wait_ms,
};

/* 1 when another trading-engine answers /health on port at c's bind
 * address (on one machine, a second replica finds the first serving the
 * API for both); asked `tries` times 200 ms apart (10: up to 2 s, while
 * that one starts). */
static int api_served_by_peer(const config *c, int port, int tries)
{
    const char *host = c->http_bind;
    char *url;
    int found = 0;

    if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "*"))
        host = "127.0.0.1";
    url = xasprintf(strchr(host, ':') ? "http://[%s]:%d/health"
                                      : "http://%s:%d/health",
                    host, port);
    webclient_init();
    for (int i = 0; i < tries && !found && !worker_stopping(); i++) {
        webclient_request req = {.method = "GET",
                                 .url = url,
                                 .timeout_ms = 1000,
                                 .connect_timeout_ms = 500,
                                 .max_body = 4096};
        webclient_response res;
        char err[256];

        if (webclient_do(&req, &res, err, sizeof(err)) == 0 &&
            res.status == 200) {
            json_t *j = json_loads(res.body.data, 0, NULL);
            const char *svc = json_string_value(json_object_get(j, "service"));

            found = svc && strcmp(svc, "trading-engine") == 0;
            json_decref(j);
        }
        webclient_response_release(&res);
        if (!found && i + 1 < tries)
            worker_sleep_ms(200);
    }
    free(url);
    return found;
}

/* A replica that runs as a worker (api_served_by_peer) looks every
 * TAKEOVER_MS whether the other one still answers on the API's port,
 * and serves the API once it does not. A port that another program
 * holds then (neither free nor a trading-engine's) stops this engine,
 * as it would at start: it does not trade without its API. */
#define TAKEOVER_MS 1000

typedef struct takeover {
    engine *e;
    http_options ho;
    http_server *srv; /* read once the thread is joined */
    int failed; /* the port went to another program: the engine stops */
} takeover;

static void *api_takeover(void *arg)
{
    takeover *t = arg;
    const config *c = t->e->cfg;
    char err[512];

    while (!atomic_load(&t->e->stop)) {
        for (int i = 0; i < TAKEOVER_MS / 50 && !atomic_load(&t->e->stop); i++)
            worker_sleep_ms(50);
        if (atomic_load(&t->e->stop) || api_served_by_peer(c, t->ho.port, 1))
            continue;
        t->srv = http_start(&t->ho, te_http_handle, t->e, err, sizeof(err));
        if (t->srv) {
            LOG_INFO("trading-engine listening: the API's port was let go, "
                     "this one serves it now",
                     LF_I("port", http_port(t->srv)));
            break;
        }
        /* (a peer that started again meanwhile is still a peer) */
        if (errno == EADDRINUSE && api_served_by_peer(c, t->ho.port, 10))
            continue;
        LOG_ERROR("cannot serve the API after the other trading-engine let "
                  "its port go: this one stops (it does not trade without "
                  "its API: no kill switch, no manual orders)",
                  LF_S("error", err));
        t->failed = 1;
        worker_request_stop();
        break;
    }
    return NULL;
}

int cmd_trading_engine(int argc, char **argv)
{
    config c, wc;
    engine eng, *e = &eng;
    http_options ho;
    http_server *srv = NULL;
    pthread_t mail_thread, takeover_thread;
    takeover tk = {0};
    int mailing = 0, watching = 0, port, rc;
    char err[512];

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks trading-engine\n"
               "  Worker on stonks:queue:trading_decisions (trades each "
               "session's changed\n  recommendations in order) and HTTP API "
               "on the port of a loopback\n  TRADING_ENGINE_URL, else on "
               "HTTP_PORT (the URL's port when it is 0).\n  "
               "TRADING_MODE=paper|live.\n");
        return 0;
    }
    if (trading_start("trading-engine", &c) < 0)
        return 2;
    LOG_INFO("trading-engine starting", LF_S("mode", trading_mode(&c)),
             LF_S("broker", c.broker));
    memset(e, 0, sizeof(*e));
    e->cfg = &c;
    worker_install_signals();
    while (!worker_stopping()) {
        e->pool = trading_pool_open(&c, c.pg_pool_size, err, sizeof(err));
        if (e->pool)
            break;
        LOG_ERROR("waiting for PostgreSQL", LF_S("error", err));
        worker_sleep_ms(1000);
    }
    if (!e->pool) {
        config_release(&c);
        return 0;
    }
    e->http = te_http_new(e);
    port = trading_listen_port(&c, c.trading_engine_url);
    memset(&ho, 0, sizeof(ho));
    ho.bind = c.http_bind;
    ho.port = port;
    ho.threads = c.http_threads;
    ho.max_body = (size_t)c.http_max_body;
    ho.request_timeout_s = c.http_request_timeout_s;
    /* Without an API (the kill switch, manual orders, /health) it does
     * not trade: a port another program holds is an exit, as for the
     * other APIs. One that another trading-engine serves (a second
     * replica on this machine: the demo's DEMO_REPLICAS) is that one's
     * API over the same tables, and this one runs as a worker. */
    srv =
        port > 0 ? http_start(&ho, te_http_handle, e, err, sizeof(err)) : NULL;
    if (srv) {
        LOG_INFO("trading-engine listening", LF_I("port", http_port(srv)),
                 LF_S("mode", trading_mode(&c)));
    } else if (port > 0 && errno == EADDRINUSE &&
               api_served_by_peer(&c, port, 10)) {
        LOG_INFO("the API's port is served by another trading-engine; this "
                 "one runs as a worker, and serves the API once that one "
                 "has let the port go",
                 LF_I("port", port));
        tk.e = e;
        tk.ho = ho;
        watching =
            pthread_create(&takeover_thread, NULL, api_takeover, &tk) == 0;
    } else {
        LOG_ERROR("cannot serve HTTP",
                  LF_S("error", port > 0 ? err : "no port"));
        trading_http_free(e->http);
        trading_pool_close(e->pool);
        config_release(&c);
        return 1;
    }
    if (smtp_configured(&c))
        mailing = pthread_create(&mail_thread, NULL, mailer, e) == 0;
    else
        LOG_INFO("no SMTP settings: notifications stay in the outbox table");
    /* The API serves /health and /metrics itself: no probe port. */
    wc = c;
    wc.http_port = 0;
    rc = worker_run(&trading_def, &wc);
    atomic_store(&e->stop, 1);
    if (mailing)
        pthread_join(mail_thread, NULL);
    if (watching)
        pthread_join(takeover_thread, NULL);
    if (tk.failed)
        rc = 1;
    http_stop(srv);
    http_stop(tk.srv);
    trading_http_free(e->http);
    trading_pool_close(e->pool);
    config_release(&c);
    return rc;
}
