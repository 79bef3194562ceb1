/*
 * query_api_trading: the trading tables (migration 002) over HTTP, and
 * the lineage of an order. Each route first checks that its table
 * exists, so that query-api runs (and answers 503 not_available) on a
 * database where trading was never set up.
 *
 * Lineage: order -> the trading decision that made it -> the
 * recommendation and the aggregate of the same ticker and day -> the
 * signals in the aggregate's longest window (the 30 calendar days up to
 * and including that day, duplicates of earlier documents left out, as
 * the aggregation does) -> their documents -> the raw payload keys the
 * documents were read from. A manual order has no decision: the chain
 * stops there, with nulls and empty lists.
 */
#include <stdio.h>
#include <string.h>

#include "domain/order.h"
#include "services/query_api.h"
#include "services/symbols.h"

static int ready(api_call *c, const char *table)
{
    return api_table_ready(c, table, "trading data") == 1;
}

/* "open" is any status an order can still change from, as
 * trading-engine's GET /orders?status=open has it */
static const char *const order_statuses[] = {
    "queued", "submitting", "accepted", "partially_filled",
    "filled", "canceled",   "expired",  "rejected",
    "denied", "open",       NULL};
static const char *const sides[] = {"buy", "sell", NULL};
static const char *const sources[] = {"decision", "manual", NULL};

static const char SQL_ORDERS[] =
    "SELECT o.id AS key, " QA_ORDER_COLS
    " FROM orders o WHERE ($1::text IS NULL OR o.ticker = $1) AND "
    "($2::text IS NULL OR o.status = $2 OR ($2 = 'open' AND o.status IN "
    "('queued', 'submitting', 'accepted', 'partially_filled'))) AND "
    "($3::text IS NULL OR "
    "o.side = $3) AND ($4::text IS NULL OR o.source = $4) AND "
    "($5::date IS NULL OR o.decision_day >= $5::date) AND ($6::date IS "
    "NULL OR o.decision_day <= $6::date) AND ($7::bigint IS NULL OR "
    "o.id < $7::bigint) ORDER BY o.id DESC LIMIT $8::int";

void qa_orders(api_call *c)
{
    char t[TICKER_MAX], st[24], side[8], src[16], from[11], to[11];
    const char *p[8];
    int ht, hst, hsd, hsr;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        (hst = qa_param_enum(c, "status", order_statuses, st, sizeof(st))) <
            0 ||
        (hsd = qa_param_enum(c, "side", sides, side, sizeof(side))) < 0 ||
        (hsr = qa_param_enum(c, "source", sources, src, sizeof(src))) < 0 ||
        qa_day_range(c, from, to, &p[4], &p[5]) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "orders"))
        return;
    p[0] = ht ? t : NULL;
    p[1] = hst ? st : NULL;
    p[2] = hsd ? side : NULL;
    p[3] = hsr ? src : NULL;
    qa_run_page(c, "qa_orders", SQL_ORDERS, p, 6, "i", limit);
}

static const char SQL_ORDER[] =
    "SELECT " QA_ORDER_COLS " FROM orders o WHERE o.id = $1::bigint";

void qa_order(api_call *c)
{
    long long id;
    char ids[24], msg[48];
    const char *p[1] = {ids};
    PGresult *r;

    if (api_arg_id(c, 0, &id) < 0 || !ready(c, "orders"))
        return;
    snprintf(ids, sizeof(ids), "%lld", id);
    r = api_query(c, "qa_order", SQL_ORDER, 1, p);
    if (!r)
        return;
    snprintf(msg, sizeof(msg), "no order %lld", id);
    api_one(c, r, msg);
    PQclear(r);
}

/* The signals of the lineage: the decision's ticker ($1), the
 * aggregate's 30-day window up to its day ($2), documents that are not
 * duplicates. */
#define LINEAGE_SIGNALS                                                        \
    " FROM signals s JOIN documents d ON d.id = s.document_id AND "            \
    "d.duplicate_of IS NULL WHERE s.ticker = $1 AND s.trading_day > "          \
    "$2::date - 30 AND s.trading_day <= $2::date"

static const char SQL_LINEAGE_DECISION[] =
    "SELECT " QA_DECISION_COLS
    " FROM trading_decisions td WHERE td.id = $1::bigint";
static const char SQL_LINEAGE_RECOMMENDATION[] =
    "SELECT " QA_RECOMMENDATION_COLS
    " FROM recommendations r WHERE r.ticker = $1 AND r.as_of = $2::date";
static const char SQL_LINEAGE_AGGREGATE[] =
    "SELECT " QA_AGGREGATE_COLS
    " FROM aggregates a WHERE a.ticker = $1 AND a.as_of = $2::date";
static const char SQL_LINEAGE_SIGNALS[] =
    "SELECT " QA_SIGNAL_COLS LINEAGE_SIGNALS
    " ORDER BY s.trading_day DESC, s.document_id DESC, s.model_version";
static const char SQL_LINEAGE_DOCUMENTS[] =
    "SELECT d.id, d.source, d.title, d.published_at AT TIME ZONE 'UTC' "
    "AS published_at, d.trading_day, coalesce((SELECT "
    "json_agg(DISTINCT t.raw_key) FROM document_tickers t WHERE "
    "t.document_id = d.id AND t.raw_key IS NOT NULL), '[]') AS "
    "raw_keys FROM documents d WHERE d.id IN (SELECT "
    "s.document_id" LINEAGE_SIGNALS ") ORDER BY d.published_at DESC, d.id DESC";
static const char SQL_LINEAGE_RAW_KEYS[] =
    "SELECT coalesce(json_agg(DISTINCT t.raw_key), '[]') FROM "
    "document_tickers t WHERE t.raw_key IS NOT NULL AND t.document_id "
    "IN (SELECT s.document_id" LINEAGE_SIGNALS ")";

/* Appends "name": and the first row of a statement (null when none).
 * Returns the result for the caller to read further (PQclear it), or
 * NULL after an error answer. */
static PGresult *lineage_one(api_call *c, const char *name, const char *stmt,
                             const char *sql, const char *const *p, int np)
{
    PGresult *r = api_query(c, stmt, sql, np, p);
    buf *b = &c->res->body;

    if (!r)
        return NULL;
    buf_addf(b, ",\"%s\":", name);
    if (PQntuples(r) > 0)
        api_row_object(b, r, 0, 0);
    else
        buf_adds(b, "null");
    return r;
}

/* The chain after the decision: recommendation, aggregate, signals,
 * documents, raw payload keys of ticker as of day. Returns 0, or -1
 * after an error answer. */
static int lineage_inputs(api_call *c, const char *ticker, const char *day)
{
    const char *p[] = {ticker, day};
    buf *b = &c->res->body;
    PGresult *r;

    r = lineage_one(c, "recommendation", "qa_lineage_rec",
                    SQL_LINEAGE_RECOMMENDATION, p, 2);
    if (!r)
        return -1;
    PQclear(r);
    r = lineage_one(c, "aggregate", "qa_lineage_agg", SQL_LINEAGE_AGGREGATE, p,
                    2);
    if (!r)
        return -1;
    PQclear(r);
    r = api_query(c, "qa_lineage_signals", SQL_LINEAGE_SIGNALS, 2, p);
    if (!r)
        return -1;
    buf_adds(b, ",\"signals\":");
    api_rows_array(b, r, 0);
    PQclear(r);
    r = api_query(c, "qa_lineage_docs", SQL_LINEAGE_DOCUMENTS, 2, p);
    if (!r)
        return -1;
    buf_adds(b, ",\"documents\":");
    api_rows_array(b, r, 0);
    PQclear(r);
    r = api_query(c, "qa_lineage_raw", SQL_LINEAGE_RAW_KEYS, 2, p);
    if (!r)
        return -1;
    buf_adds(b, ",\"raw_payload_keys\":");
    api_add_json(b, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return 0;
}

/* One snapshot for the whole chain: the statements run in a read-only
 * repeatable-read transaction. */
static int lineage_snapshot(api_call *c)
{
    db *d = api_db(c);

    if (!d)
        return -1;
    if (db_begin(d) != DB_OK ||
        db_exec(d, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                0, NULL, NULL) != DB_OK) {
        api_error(c, 503, "database_unavailable", "%s", db_error(d));
        return -1;
    }
    return 0;
}

void qa_order_lineage(api_call *c)
{
    long long id;
    char ids[24];
    const char *p[1] = {ids};
    const char *dp[1];
    buf *b = &c->res->body;
    PGresult *o = NULL, *td = NULL;
    int dcol;

    if (api_arg_id(c, 0, &id) < 0 || !ready(c, "orders") ||
        !ready(c, "trading_decisions") || lineage_snapshot(c) < 0)
        return;
    snprintf(ids, sizeof(ids), "%lld", id);
    o = api_query(c, "qa_order", SQL_ORDER, 1, p);
    if (!o)
        goto out;
    if (PQntuples(o) == 0) {
        api_error(c, 404, "not_found", "no order %lld", id);
        goto out;
    }
    buf_reset(b);
    buf_adds(b, "{\"order\":");
    api_row_object(b, o, 0, 0);
    dcol = PQfnumber(o, "decision_id");
    dp[0] = PQgetisnull(o, 0, dcol) ? NULL : PQgetvalue(o, 0, dcol);
    td = lineage_one(c, "decision", "qa_lineage_decision", SQL_LINEAGE_DECISION,
                     dp, 1);
    if (!td)
        goto out;
    if (PQntuples(td) == 0) {
        buf_adds(b, ",\"recommendation\":null,\"aggregate\":null,"
                    "\"signals\":[],\"documents\":[],\"raw_payload_keys\":[]}");
        goto out;
    }
    if (lineage_inputs(c, PQgetvalue(td, 0, PQfnumber(td, "ticker")),
                       PQgetvalue(td, 0, PQfnumber(td, "as_of"))) == 0)
        buf_addc(b, '}');
out:
    if (c->db)
        db_commit(c->db);
    PQclear(o);
    PQclear(td);
}

static const char SQL_FILLS[] =
    "SELECT f.id AS key, f.id, f.order_id, f.seq, f.ticker, f.side, "
    "f.qty, f.price_cents, f.gross_cents, f.commission_cents, f.day, "
    "o.mode, f.filled_at AT TIME ZONE 'UTC' AS filled_at FROM fills f "
    "JOIN orders o ON o.id = f.order_id WHERE ($1::bigint IS NULL OR "
    "f.order_id = $1::bigint) AND ($2::text IS NULL OR f.ticker = $2) "
    "AND ($3::date IS NULL OR f.day >= $3::date) AND ($4::date IS NULL "
    "OR f.day <= $4::date) AND ($5::bigint IS NULL OR f.id < "
    "$5::bigint) ORDER BY f.id DESC LIMIT $6::int";

void qa_fills(api_call *c)
{
    char t[TICKER_MAX], from[11], to[11], oid[24];
    const char *p[6];
    long long order_id = 0;
    int ho, ht;
    long limit;

    if ((ho = api_param_int(c, "order_id", 1, (long long)9e18, &order_id)) <
            0 ||
        (ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        qa_day_range(c, from, to, &p[2], &p[3]) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "fills"))
        return;
    snprintf(oid, sizeof(oid), "%lld", order_id);
    p[0] = ho ? oid : NULL;
    p[1] = ht ? t : NULL;
    qa_run_page(c, "qa_fills", SQL_FILLS, p, 4, "i", limit);
}

/* Positions valued at the last close known for their ticker, in cents
 * rounded half up from the close as written (51.865 is 51.87), as the
 * trading-engine and the risk-engine value them: the double's binary
 * value times 100 (5186.4999...) would round down. */
static const char SQL_POSITIONS[] =
    "SELECT p.ticker, p.qty, p.cost_basis_cents, p.realized_pnl_cents, "
    "lp.cents AS last_price_cents, lp.day AS last_price_day, p.qty * "
    "lp.cents AS market_value_cents, p.qty * lp.cents - "
    "p.cost_basis_cents AS unrealized_pnl_cents, p.updated_at AT TIME "
    "ZONE 'UTC' AS updated_at FROM positions p LEFT JOIN LATERAL "
    "(SELECT (round(b.close::numeric, 2) * 100)::bigint AS cents, b.day "
    "FROM price_bars b WHERE b.ticker = p.ticker ORDER BY b.day DESC "
    "LIMIT 1) lp ON true WHERE ($1::boolean IS NOT TRUE OR p.qty > 0) "
    "ORDER BY p.ticker";

void qa_positions(api_call *c)
{
    int open = 0, ho;
    const char *p[1];
    PGresult *r;

    if ((ho = api_param_bool(c, "open", &open)) < 0 || !ready(c, "positions"))
        return;
    p[0] = ho && open ? "true" : "false";
    r = api_query(c, "qa_positions", SQL_POSITIONS, 1, p);
    if (!r)
        return;
    api_page(c, r, PQntuples(r), 0);
    PQclear(r);
}

void qa_account(api_call *c)
{
    PGresult *r;

    if (!ready(c, "account"))
        return;
    r = api_query(
        c, "qa_account",
        "SELECT a.starting_cash_cents, a.cash_cents, a.realized_pnl_cents, "
        "a.commissions_cents, a.updated_at AT TIME ZONE 'UTC' AS "
        "updated_at FROM account a",
        0, NULL);
    if (!r)
        return;
    api_one(c, r, "no trading account yet: trading has not started");
    PQclear(r);
}

static const char SQL_PORTFOLIO[] =
    "SELECT v.day::text AS key, v.day, v.cash_cents, "
    "v.positions_cents, v.equity_cents, v.peak_cents, v.pnl_cents FROM "
    "portfolio_values v WHERE ($1::date IS NULL OR v.day >= $1::date) "
    "AND ($2::date IS NULL OR v.day <= $2::date) AND ($3::date IS NULL "
    "OR v.day > $3::date) ORDER BY v.day LIMIT $4::int";

void qa_portfolio(api_call *c)
{
    char from[11], to[11];
    const char *p[4];
    long limit;

    if (qa_day_range(c, from, to, &p[0], &p[1]) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "portfolio_values"))
        return;
    qa_run_page(c, "qa_portfolio", SQL_PORTFOLIO, p, 2, "d", limit);
}

static const char *const outcomes[] = {"ordered", "no_order", "denied", NULL};

static const char SQL_DECISIONS[] =
    "SELECT td.id AS key, " QA_DECISION_COLS
    " FROM trading_decisions td WHERE ($1::text IS NULL OR td.ticker = "
    "$1) AND ($2::text IS NULL OR td.outcome = $2) AND ($3::date IS "
    "NULL OR td.as_of >= $3::date) AND ($4::date IS NULL OR td.as_of "
    "<= $4::date) AND ($5::bigint IS NULL OR td.id < $5::bigint) ORDER "
    "BY td.id DESC LIMIT $6::int";

void qa_decisions(api_call *c)
{
    char t[TICKER_MAX], oc[16], from[11], to[11];
    const char *p[6];
    int ht, ho;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        (ho = qa_param_enum(c, "outcome", outcomes, oc, sizeof(oc))) < 0 ||
        qa_day_range(c, from, to, &p[2], &p[3]) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "trading_decisions"))
        return;
    p[0] = ht ? t : NULL;
    p[1] = ho ? oc : NULL;
    qa_run_page(c, "qa_decisions", SQL_DECISIONS, p, 4, "i", limit);
}

static const char *const stages[] = {"screen", "gate", NULL};

static const char SQL_VERDICTS[] =
    "SELECT v.id AS key, v.id, v.client_order_id, v.stage, v.allowed, "
    "v.reasons, v.inputs, v.mode, v.created_at AT TIME ZONE 'UTC' AS "
    "created_at, EXISTS (SELECT 1 FROM orders o WHERE o.client_order_id = "
    "v.client_order_id) AS order_on_record FROM risk_verdicts v WHERE "
    "($1::text IS NULL OR "
    "v.client_order_id = $1) AND ($2::text IS NULL OR v.stage = $2) "
    "AND ($3::boolean IS NULL OR v.allowed = $3::boolean) AND "
    "($4::bigint IS NULL OR v.id < $4::bigint) ORDER BY v.id DESC "
    "LIMIT $5::int";

/* 1 when coid may be a client order id; else a 400 naming the form. */
static int coid_param_ok(api_call *c, const char *coid)
{
    if (order_client_id_ok(coid))
        return 1;
    api_error(c, 400, "invalid_parameter",
              "client_order_id must be 1-%d letters, digits, '-' or '_'",
              ORDER_ID_MAX - 1);
    return 0;
}

void qa_verdicts(api_call *c)
{
    char coid[65], stage[8];
    const char *p[5];
    int hc, hs, ha, allowed = 0;
    long limit;

    if ((hc = api_param_str(c, "client_order_id", 64, coid, sizeof(coid))) <
            0 ||
        (hc && !coid_param_ok(c, coid)) ||
        (hs = qa_param_enum(c, "stage", stages, stage, sizeof(stage))) < 0 ||
        (ha = api_param_bool(c, "allowed", &allowed)) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "risk_verdicts"))
        return;
    p[0] = hc ? coid : NULL;
    p[1] = hs ? stage : NULL;
    p[2] = ha ? (allowed ? "true" : "false") : NULL;
    qa_run_page(c, "qa_verdicts", SQL_VERDICTS, p, 3, "i", limit);
}
