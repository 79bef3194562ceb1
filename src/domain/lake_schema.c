#include "domain/lake_schema.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

/* Column builders: each yields the text lake_type asks for. */
/* clang-format off */
#define BIG(c) {c, LAKE_BIGINT, 0, c}
#define INT(c) {c, LAKE_INT, 0, c}
#define DBL(c) {c, LAKE_DOUBLE, 0, c}
#define BOOL(c) {c, LAKE_BOOL, 0, c}
#define TXT(c) {c, LAKE_TEXT, 0, c}
#define DATE(c) {c, LAKE_DATE, 0, "(" c " - DATE '1970-01-01')"}
#define TS(c) \
    {c, LAKE_TIMESTAMP, 0, "(extract(epoch FROM " c ") * 1000000)::bigint"}
/* Money kept as integer cents: the cents are the unscaled DECIMAL(18,2). */
#define CENTS(name, c) {name, LAKE_DECIMAL, 2, c}
/* A price kept as float8: rounded to 4 decimals, half away from zero. */
#define PRICE4(c) \
    {c, LAKE_DECIMAL, 4, "round(" c "::numeric * 10000)::bigint"}
/* clang-format on */

#define COLS(a) a, sizeof(a) / sizeof(a[0])

static const lake_column documents_cols[] = {
    BIG("id"),           TXT("source"),       TXT("provider_id"),
    TXT("title"),        TXT("body"),         TS("published_at"),
    DATE("trading_day"), TXT("content_hash"), TXT("news_type"),
    TXT("status"),       TXT("clean_text"),   TXT("text_hash"),
    BIG("duplicate_of"), TS("created_at"),    TS("updated_at"),
};

static const lake_column signals_cols[] = {
    BIG("document_id"),  TXT("ticker"),     TXT("model_version"),
    DATE("trading_day"), DBL("sentiment"),  TXT("label"),
    DBL("relevance"),    DBL("confidence"), TXT("event_type"),
    TXT("doc_hash"),     BOOL("counted"),   TS("created_at"),
};

static const lake_column aggregates_cols[] = {
    TXT("ticker"),     DATE("as_of"),     DBL("sent_1d"),  DBL("sent_7d"),
    DBL("sent_30d"),   INT("count_1d"),   INT("count_7d"), INT("count_30d"),
    DBL("ret_1d"),     DBL("ret_5d"),     DBL("ret_20d"),  DBL("vol_20d"),
    DBL("last_close"), TS("computed_at"),
};

static const lake_column recommendations_cols[] = {
    TXT("ticker"),     DATE("as_of"),        TXT("action"),
    DBL("conviction"), DBL("target_weight"), TXT("rationale"),
    TS("computed_at"),
};

static const lake_column price_bars_cols[] = {
    TXT("ticker"), DATE("day"),     PRICE4("open"), PRICE4("high"),
    PRICE4("low"), PRICE4("close"), BIG("volume"),  TXT("source"),
};

static const lake_column orders_cols[] = {
    BIG("id"),
    TXT("client_order_id"),
    BIG("decision_id"),
    TXT("source"),
    TXT("mode"),
    TXT("broker"),
    TXT("ticker"),
    TXT("side"),
    TXT("type"),
    TXT("time_in_force"),
    BIG("qty"),
    CENTS("limit_price", "limit_price_cents"),
    CENTS("ref_price", "ref_price_cents"),
    BOOL("extended_hours"),
    DATE("decision_day"),
    DATE("exec_day"),
    INT("exec_minute"),
    TXT("status"),
    TXT("broker_order_id"),
    BIG("filled_qty"),
    CENTS("filled_avg_price", "filled_avg_price_cents"),
    CENTS("commission", "commission_cents"),
    TXT("reject_code"),
    TXT("reject_reason"),
    TS("created_at"),
    TS("submitted_at"),
    TS("updated_at"),
    TS("final_at"),
};

static const lake_column fills_cols[] = {
    BIG("id"),
    BIG("order_id"),
    INT("seq"),
    TXT("ticker"),
    TXT("side"),
    BIG("qty"),
    CENTS("price", "price_cents"),
    CENTS("gross", "gross_cents"),
    CENTS("commission", "commission_cents"),
    DATE("day"),
    TS("filled_at"),
};

static const lake_column positions_cols[] = {
    TXT("ticker"),
    BIG("qty"),
    CENTS("cost_basis", "cost_basis_cents"),
    CENTS("realized_pnl", "realized_pnl_cents"),
    TS("updated_at"),
};

static const lake_column risk_verdicts_cols[] = {
    BIG("id"),
    TXT("client_order_id"),
    TXT("stage"),
    BOOL("allowed"),
    {"reasons", LAKE_TEXT, 0, "reasons::text"},
    {"inputs", LAKE_TEXT, 0, "inputs::text"},
    TXT("mode"),
    TS("created_at"),
};

static const lake_column portfolio_values_cols[] = {
    DATE("day"),
    CENTS("cash", "cash_cents"),
    CENTS("positions", "positions_cents"),
    CENTS("equity", "equity_cents"),
    CENTS("peak", "peak_cents"),
    CENTS("pnl", "pnl_cents"),
    TS("computed_at"),
};

#define UTC_DAY(c) "(" c " AT TIME ZONE 'UTC')::date"

static const lake_table tables[] = {
    {"documents", "documents_with_text", "trading_day", "id", 0,
     COLS(documents_cols), "news documents, by trading day"},
    {"signals", "signals", "trading_day", "document_id, ticker, model_version",
     0, COLS(signals_cols), "one signal per document, ticker and model"},
    {"aggregates", "aggregates", "as_of", "ticker", 0, COLS(aggregates_cols),
     "per-ticker features as of a day"},
    {"recommendations", "recommendations", "as_of", "ticker", 0,
     COLS(recommendations_cols), "BUY / SELL / HOLD per ticker and day"},
    {"price_bars", "price_bars", "day", "ticker", 0, COLS(price_bars_cols),
     "daily bars"},
    {"orders", "orders", "decision_day", "id", 0, COLS(orders_cols),
     "orders, by the day whose data decided them"},
    {"fills", "fills", "day", "id", 0, COLS(fills_cols), "executions"},
    {"positions", "positions", UTC_DAY("now()"), "ticker", 1,
     COLS(positions_cols), "positions as last published on each day (UTC)"},
    {"risk_verdicts", "risk_verdicts", UTC_DAY("created_at"), "id", 0,
     COLS(risk_verdicts_cols), "every verdict of the risk rules, by UTC day"},
    {"portfolio_values", "portfolio_values", "day", "day", 0,
     COLS(portfolio_values_cols), "the portfolio at each session's close"},
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

const lake_table *lake_tables(size_t *n)
{
    *n = NTABLES;
    return tables;
}

const lake_table *lake_table_find(const char *name)
{
    for (size_t i = 0; i < NTABLES; i++)
        if (strcmp(tables[i].name, name) == 0)
            return &tables[i];
    return NULL;
}

const char *lake_type_duckdb(const lake_column *c, char *out)
{
    static const char *const names[] = {
        [LAKE_BIGINT] = "BIGINT",   [LAKE_INT] = "INTEGER",
        [LAKE_DOUBLE] = "DOUBLE",   [LAKE_BOOL] = "BOOLEAN",
        [LAKE_DATE] = "DATE",       [LAKE_TIMESTAMP] = "TIMESTAMPTZ",
        [LAKE_DECIMAL] = "DECIMAL", [LAKE_TEXT] = "VARCHAR",
    };

    if (c->type == LAKE_DECIMAL)
        snprintf(out, LAKE_TYPE_NAME_MAX, "DECIMAL(%d,%d)",
                 LAKE_DECIMAL_PRECISION, c->scale);
    else
        snprintf(out, LAKE_TYPE_NAME_MAX, "%s", names[c->type]);
    return out;
}

const char *lake_type_trino(const lake_column *c, char *out)
{
    static const char *const names[] = {
        [LAKE_BIGINT] = "bigint",   [LAKE_INT] = "integer",
        [LAKE_DOUBLE] = "double",   [LAKE_BOOL] = "boolean",
        [LAKE_DATE] = "date",       [LAKE_TIMESTAMP] = "timestamp",
        [LAKE_DECIMAL] = "decimal", [LAKE_TEXT] = "varchar",
    };

    if (c->type == LAKE_DECIMAL)
        snprintf(out, LAKE_TYPE_NAME_MAX, "decimal(%d,%d)",
                 LAKE_DECIMAL_PRECISION, c->scale);
    else
        snprintf(out, LAKE_TYPE_NAME_MAX, "%s", names[c->type]);
    return out;
}

char *lake_table_signature(const lake_table *t)
{
    buf b;
    char type[LAKE_TYPE_NAME_MAX];

    buf_init(&b);
    for (size_t i = 0; i < t->ncols; i++)
        buf_addf(&b, "%s%s:%s", i ? "," : "", t->cols[i].name,
                 lake_type_duckdb(&t->cols[i], type));
    return buf_detach(&b, NULL);
}
