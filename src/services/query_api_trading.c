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

#include "services/query_api.h"
#include "services/symbols.h"

static int ready(api_call *c, const char *table)
{
    return api_table_ready(c, table, "trading data") == 1;
}

static const char *const order_statuses[] = {
    "queued",   "submitting", "accepted", "partially_filled", "filled",
    "canceled", "expired",    "rejected", "denied",           NULL};
static const char *const sides[] = {"buy", "sell", NULL};
static const char *const sources[] = {"decision", "manual", NULL};

static const char SQL_ORDERS[] =
    "SELECT " QA_ORDER_JSON
    "::text, o.id FROM orders o WHERE ($1::text IS NULL OR o.ticker = "
    "$1) AND ($2::text IS NULL OR o.status = $2) AND ($3::text IS NULL "
    "OR o.side = $3) AND ($4::text IS NULL OR o.source = $4) AND "
    "($5::date IS NULL OR o.decision_day >= $5::date) AND ($6::date IS "
    "NULL OR o.decision_day <= $6::date) AND ($7::bigint IS NULL OR "
    "o.id < $7::bigint) ORDER BY o.id DESC LIMIT $8::int";

void qa_orders(api_call *c)
{
    char t[TICKER_MAX], st[24], side[8], src[16], from[11], to[11];
    const char *p[8];
    int ht, hst, hsd, hsr;
    long limit;

    if ((ht = symbols_param_ticker(c, "ticker", t)) < 0 ||
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

void qa_order(api_call *c)
{
    long long id;
    char ids[24], msg[48];
    const char *p[1] = {ids};
    PGresult *r;

    if (api_arg_id(c, 0, &id) < 0 || !ready(c, "orders"))
        return;
    snprintf(ids, sizeof(ids), "%lld", id);
    r = api_query(c, "qa_order",
                  "SELECT " QA_ORDER_JSON
                  "::text FROM orders o WHERE o.id = $1::bigint",
                  1, p);
    if (!r)
        return;
    snprintf(msg, sizeof(msg), "no order %lld", id);
    api_one(c, r, msg);
    PQclear(r);
}

/* The signals of the lineage: the decision's ticker, the aggregate's
 * 30-day window, documents that are not duplicates. */
#define LINEAGE_SIGNALS                                                        \
    " FROM td JOIN signals s ON s.ticker = td.ticker AND s.trading_day "       \
    "> td.as_of - 30 AND s.trading_day <= td.as_of JOIN documents d ON "       \
    "d.id = s.document_id AND d.duplicate_of IS NULL"

static const char SQL_LINEAGE[] =
    "WITH o AS (SELECT * FROM orders WHERE id = $1::bigint), td AS "
    "(SELECT t.* FROM trading_decisions t JOIN o ON t.id = "
    "o.decision_id), docs AS (SELECT DISTINCT s.document_id AS "
    "id" LINEAGE_SIGNALS
    ") SELECT json_build_object( 'order', (SELECT " QA_ORDER_JSON
    " FROM o), 'decision', (SELECT " QA_DECISION_JSON
    " FROM td), 'recommendation', (SELECT " QA_RECOMMENDATION_JSON
    " FROM recommendations r JOIN td ON r.ticker = td.ticker AND "
    "r.as_of = td.as_of), 'aggregate', (SELECT " QA_AGGREGATE_JSON
    " FROM aggregates a JOIN td ON a.ticker = td.ticker AND a.as_of = "
    "td.as_of), 'signals', coalesce((SELECT json_agg(" QA_SIGNAL_JSON
    " ORDER BY s.trading_day DESC, s.document_id DESC, "
    "s.model_version)" LINEAGE_SIGNALS
    "), '[]'::json), 'documents', coalesce((SELECT "
    "json_agg(json_build_object('id', d.id, 'source', d.source, "
    "'title', d.title, 'published_at', api_ts(d.published_at), "
    "'trading_day', d.trading_day, 'raw_keys', coalesce((SELECT "
    "json_agg(DISTINCT t.raw_key) FROM document_tickers t WHERE "
    "t.document_id = d.id AND t.raw_key IS NOT NULL), '[]'::json)) "
    "ORDER BY d.published_at DESC, d.id DESC) FROM documents d JOIN "
    "docs ON docs.id = d.id), '[]'::json), 'raw_payload_keys', "
    "coalesce((SELECT json_agg(DISTINCT t.raw_key) FROM "
    "document_tickers t JOIN docs ON docs.id = t.document_id WHERE "
    "t.raw_key IS NOT NULL), '[]'::json))::text FROM o";

void qa_order_lineage(api_call *c)
{
    long long id;
    char ids[24], msg[48];
    const char *p[1] = {ids};
    PGresult *r;

    if (api_arg_id(c, 0, &id) < 0 || !ready(c, "orders") ||
        !ready(c, "trading_decisions"))
        return;
    snprintf(ids, sizeof(ids), "%lld", id);
    r = api_query(c, "qa_lineage", SQL_LINEAGE, 1, p);
    if (!r)
        return;
    snprintf(msg, sizeof(msg), "no order %lld", id);
    api_one(c, r, msg);
    PQclear(r);
}

static const char SQL_FILLS[] =
    "SELECT json_build_object('id', f.id, 'order_id', f.order_id, "
    "'seq', f.seq, 'ticker', f.ticker, 'side', f.side, 'qty', f.qty, "
    "'price_cents', f.price_cents, 'gross_cents', f.gross_cents, "
    "'commission_cents', f.commission_cents, 'day', f.day, 'mode', "
    "o.mode, 'filled_at', api_ts(f.filled_at))::text, f.id FROM fills "
    "f JOIN orders o ON o.id = f.order_id WHERE ($1::bigint IS NULL OR "
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
        (ht = symbols_param_ticker(c, "ticker", t)) < 0 ||
        qa_day_range(c, from, to, &p[2], &p[3]) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "fills"))
        return;
    snprintf(oid, sizeof(oid), "%lld", order_id);
    p[0] = ho ? oid : NULL;
    p[1] = ht ? t : NULL;
    qa_run_page(c, "qa_fills", SQL_FILLS, p, 4, "i", limit);
}

/* Positions valued at the last close known for their ticker. */
static const char SQL_POSITIONS[] =
    "SELECT json_build_object('ticker', p.ticker, 'qty', p.qty, "
    "'cost_basis_cents', p.cost_basis_cents, 'realized_pnl_cents', "
    "p.realized_pnl_cents, 'last_price_cents', lp.cents, "
    "'last_price_day', lp.day, 'market_value_cents', p.qty * lp.cents, "
    "'unrealized_pnl_cents', p.qty * lp.cents - p.cost_basis_cents, "
    "'updated_at', api_ts(p.updated_at))::text FROM positions p LEFT "
    "JOIN LATERAL (SELECT round(b.close * 100)::bigint AS cents, b.day "
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
    api_page(c, r, PQntuples(r), 0, 0, 0);
    PQclear(r);
}

void qa_account(api_call *c)
{
    PGresult *r;

    if (!ready(c, "account"))
        return;
    r = api_query(
        c, "qa_account",
        "SELECT json_build_object('starting_cash_cents', "
        "a.starting_cash_cents, 'cash_cents', a.cash_cents, "
        "'realized_pnl_cents', a.realized_pnl_cents, 'commissions_cents', "
        "a.commissions_cents, 'updated_at', api_ts(a.updated_at))::text "
        "FROM account a",
        0, NULL);
    if (!r)
        return;
    api_one(c, r, "no trading account yet: trading has not started");
    PQclear(r);
}

static const char SQL_PORTFOLIO[] =
    "SELECT json_build_object('day', v.day, 'cash_cents', "
    "v.cash_cents, 'positions_cents', v.positions_cents, "
    "'equity_cents', v.equity_cents, 'peak_cents', v.peak_cents, "
    "'pnl_cents', v.pnl_cents)::text, v.day::text FROM "
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
    "SELECT " QA_DECISION_JSON
    "::text, td.id FROM trading_decisions td WHERE ($1::text IS NULL "
    "OR td.ticker = $1) AND ($2::text IS NULL OR td.outcome = $2) AND "
    "($3::date IS NULL OR td.as_of >= $3::date) AND ($4::date IS NULL "
    "OR td.as_of <= $4::date) AND ($5::bigint IS NULL OR td.id < "
    "$5::bigint) ORDER BY td.id DESC LIMIT $6::int";

void qa_decisions(api_call *c)
{
    char t[TICKER_MAX], oc[16], from[11], to[11];
    const char *p[6];
    int ht, ho;
    long limit;

    if ((ht = symbols_param_ticker(c, "ticker", t)) < 0 ||
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
    "SELECT json_build_object('id', v.id, 'client_order_id', "
    "v.client_order_id, 'stage', v.stage, 'allowed', v.allowed, "
    "'reasons', v.reasons, 'inputs', v.inputs, 'mode', v.mode, "
    "'created_at', api_ts(v.created_at))::text, v.id FROM "
    "risk_verdicts v WHERE ($1::text IS NULL OR v.client_order_id = "
    "$1) AND ($2::text IS NULL OR v.stage = $2) AND ($3::boolean IS "
    "NULL OR v.allowed = $3::boolean) AND ($4::bigint IS NULL OR v.id "
    "< $4::bigint) ORDER BY v.id DESC LIMIT $5::int";

void qa_verdicts(api_call *c)
{
    char coid[65], stage[8];
    const char *p[5];
    int hc, hs, ha, allowed = 0;
    long limit;

    if ((hc = api_param_str(c, "client_order_id", 64, coid, sizeof(coid))) <
            0 ||
        (hs = qa_param_enum(c, "stage", stages, stage, sizeof(stage))) < 0 ||
        (ha = api_param_bool(c, "allowed", &allowed)) < 0 ||
        api_limit(c, &limit) < 0 || !ready(c, "risk_verdicts"))
        return;
    p[0] = hc ? coid : NULL;
    p[1] = hs ? stage : NULL;
    p[2] = ha ? (allowed ? "true" : "false") : NULL;
    qa_run_page(c, "qa_verdicts", SQL_VERDICTS, p, 3, "i", limit);
}
