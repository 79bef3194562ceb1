/*
 * query_api: the query-api service (`stonks query-api`), the read door
 * over everything the pipeline and trading store, in three files:
 * query_api.c (routes, pipeline status, forwarding to trading-engine
 * and risk-engine), query_api_read.c (documents, signals, aggregates,
 * recommendations, prices) and query_api_trading.c (orders and their
 * lineage, fills, positions, account, portfolio value, decisions, risk
 * verdicts). The SQL below selects the columns of one kind of row as
 * the API shows it (see api_row_object); every route that shows a kind
 * of row uses the same list.
 */
#ifndef STONKS_QUERY_API_H
#define STONKS_QUERY_API_H

#include <pthread.h>

#include "lib/api.h"
#include "lib/queue.h"

typedef struct qa_state {
    const config *cfg;
    pthread_mutex_t qlock; /* guards q: a queue client is one thread's */
    queue_client *q; /* opened on first use, reopened after a failure */
} qa_state;

/* The routes and documentation of the service. */
extern const api_def query_api;

int cmd_query_api(int argc, char **argv);

/* A document "d" without its text. */
#define QA_DOC_COLS                                                            \
    "d.id, d.source, d.provider_id, d.title, d.published_at AT TIME "          \
    "ZONE 'UTC' AS published_at, d.trading_day, d.news_type, d.status, "       \
    "d.duplicate_of, coalesce((SELECT json_agg(t.ticker ORDER BY "             \
    "t.ticker) FROM document_tickers t WHERE t.document_id = d.id), "          \
    "'[]') AS tickers"

/* A signal "s" of the document "d". */
#define QA_SIGNAL_COLS                                                         \
    "s.document_id, s.ticker, s.model_version, s.trading_day, "                \
    "s.sentiment, s.label, s.relevance, s.confidence, s.event_type, "          \
    "d.title, d.published_at AT TIME ZONE 'UTC' AS published_at, "             \
    "s.created_at AT TIME ZONE 'UTC' AS created_at"

/* An aggregate "a". */
#define QA_AGGREGATE_COLS                                                      \
    "a.ticker, a.as_of, a.sent_1d, a.sent_7d, a.sent_30d, a.count_1d, "        \
    "a.count_7d, a.count_30d, a.ret_1d, a.ret_5d, a.ret_20d, "                 \
    "a.vol_20d, a.last_close, a.computed_at AT TIME ZONE 'UTC' AS "            \
    "computed_at"

/* A recommendation "r". */
#define QA_RECOMMENDATION_COLS                                                 \
    "r.ticker, r.as_of, r.action, r.conviction, r.target_weight, "             \
    "r.rationale, r.computed_at AT TIME ZONE 'UTC' AS computed_at"

/* An order "o"; mode says paper or live. */
#define QA_ORDER_COLS                                                          \
    "o.id, o.client_order_id, o.decision_id, o.source, o.mode, "               \
    "o.broker, o.ticker, o.side, o.type, o.time_in_force, o.qty, "             \
    "o.limit_price_cents, o.ref_price_cents, o.extended_hours, "               \
    "o.decision_day, o.exec_day, o.exec_minute, o.status, "                    \
    "o.broker_order_id, o.filled_qty, o.filled_avg_price_cents, "              \
    "o.commission_cents, o.reject_code, o.reject_reason, o.created_at "        \
    "AT TIME ZONE 'UTC' AS created_at, o.submitted_at AT TIME ZONE "           \
    "'UTC' AS submitted_at, o.updated_at AT TIME ZONE 'UTC' AS "               \
    "updated_at, o.final_at AT TIME ZONE 'UTC' AS final_at"

/* A trading decision "td". */
#define QA_DECISION_COLS                                                       \
    "td.id, td.ticker, td.as_of, td.action, td.previous_action, "              \
    "td.conviction, td.target_weight, td.model, td.client_order_id, "          \
    "td.outcome, td.side, td.qty, td.ref_price_cents, td.equity_cents, "       \
    "td.explanation, td.mode, td.created_at AT TIME ZONE 'UTC' AS "            \
    "created_at"

/* Handlers of query_api_read.c. */
void qa_documents(api_call *c);
void qa_document(api_call *c);
void qa_signals(api_call *c);
void qa_aggregates(api_call *c);
void qa_recommendations(api_call *c);
void qa_recommendations_latest(api_call *c);
void qa_prices(api_call *c);

/* Handlers of query_api_trading.c. */
void qa_orders(api_call *c);
void qa_order(api_call *c);
void qa_order_lineage(api_call *c);
void qa_fills(api_call *c);
void qa_positions(api_call *c);
void qa_account(api_call *c);
void qa_portfolio(api_call *c);
void qa_decisions(api_call *c);
void qa_verdicts(api_call *c);

/* The from/to parameters of a day-keyed list as YYYY-MM-DD (the UTC
 * day of the instant given), or NULL when absent. Returns 0, or -1
 * after a 400 answer (also when from is after to). */
int qa_day_range(api_call *c, char from[11], char to[11], const char **pf,
                 const char **pt);

/* The same for an instant-keyed list: canonical ISO 8601 UTC text. */
int qa_time_range(api_call *c, char from[40], char to[40], const char **pf,
                  const char **pt);

/* Runs a list query and answers its page. The statement's parameters
 * are p[0..nfilters) (the caller's filters), then one per letter of
 * kinds (the cursor's parts, see api_cursor, or NULLs on the first
 * page), then limit + 1; its columns are the cursor's parts (the
 * sort key), then the item's (see api_page). p must have room for all
 * of them. */
void qa_run_page(api_call *c, const char *name, const char *sql, const char **p,
                 int nfilters, const char *kinds, long limit);

/* One value of a fixed set ("status" in queued|filled|...), in any
 * case; out gets it as the set spells it. Returns 1, 0 when absent, -1
 * after a 400 answer listing the choices. */
int qa_param_enum(api_call *c, const char *name, const char *const *choices,
                  char *out, size_t cap);

#endif
