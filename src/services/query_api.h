/*
 * query_api: the query-api service (`stonks query-api`), the read door
 * over everything the pipeline and trading store, in three files:
 * query_api.c (routes, pipeline status, forwarding to trading-engine
 * and risk-engine), query_api_read.c (documents, signals, aggregates,
 * recommendations, prices) and query_api_trading.c (orders and their
 * lineage, fills, positions, account, portfolio value, decisions, risk
 * verdicts). The SQL below turns one row into its JSON object; every
 * route that shows a kind of row uses the same one.
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
#define QA_DOC_JSON                                                            \
    "json_build_object('id', d.id, 'source', d.source, 'provider_id', "        \
    "d.provider_id, 'title', d.title, 'published_at', "                        \
    "api_ts(d.published_at), 'trading_day', d.trading_day, "                   \
    "'news_type', d.news_type, 'status', d.status, 'duplicate_of', "           \
    "d.duplicate_of, 'tickers', coalesce((SELECT json_agg(t.ticker "           \
    "ORDER BY t.ticker) FROM document_tickers t WHERE t.document_id = "        \
    "d.id), '[]'::json))"

/* A signal "s" of the document "d". */
#define QA_SIGNAL_JSON                                                         \
    "json_build_object('document_id', s.document_id, 'ticker', "               \
    "s.ticker, 'model_version', s.model_version, 'trading_day', "              \
    "s.trading_day, 'sentiment', s.sentiment, 'label', s.label, "              \
    "'relevance', s.relevance, 'confidence', s.confidence, "                   \
    "'event_type', s.event_type, 'title', d.title, 'published_at', "           \
    "api_ts(d.published_at), 'created_at', api_ts(s.created_at))"

/* An aggregate "a". */
#define QA_AGGREGATE_JSON                                                      \
    "json_build_object('ticker', a.ticker, 'as_of', a.as_of, "                 \
    "'sent_1d', a.sent_1d, 'sent_7d', a.sent_7d, 'sent_30d', "                 \
    "a.sent_30d, 'count_1d', a.count_1d, 'count_7d', a.count_7d, "             \
    "'count_30d', a.count_30d, 'ret_1d', a.ret_1d, 'ret_5d', a.ret_5d, "       \
    "'ret_20d', a.ret_20d, 'vol_20d', a.vol_20d, 'last_close', "               \
    "a.last_close, 'computed_at', api_ts(a.computed_at))"

/* A recommendation "r". */
#define QA_RECOMMENDATION_JSON                                                 \
    "json_build_object('ticker', r.ticker, 'as_of', r.as_of, 'action', "       \
    "r.action, 'conviction', r.conviction, 'target_weight', "                  \
    "r.target_weight, 'rationale', r.rationale, 'computed_at', "               \
    "api_ts(r.computed_at))"

/* An order "o". */
#define QA_ORDER_JSON                                                          \
    "json_build_object('id', o.id, 'client_order_id', "                        \
    "o.client_order_id, 'decision_id', o.decision_id, 'source', "              \
    "o.source, 'mode', o.mode, 'broker', o.broker, 'ticker', o.ticker, "       \
    "'side', o.side, 'type', o.type, 'time_in_force', o.time_in_force, "       \
    "'qty', o.qty, 'limit_price_cents', o.limit_price_cents, "                 \
    "'ref_price_cents', o.ref_price_cents, 'extended_hours', "                 \
    "o.extended_hours, 'decision_day', o.decision_day, 'exec_day', "           \
    "o.exec_day, 'exec_minute', o.exec_minute, 'status', o.status, "           \
    "'broker_order_id', o.broker_order_id, 'filled_qty', o.filled_qty, "       \
    "'filled_avg_price_cents', o.filled_avg_price_cents, "                     \
    "'commission_cents', o.commission_cents, 'reject_code', "                  \
    "o.reject_code, 'reject_reason', o.reject_reason, 'created_at', "          \
    "api_ts(o.created_at), 'submitted_at', api_ts(o.submitted_at), "           \
    "'updated_at', api_ts(o.updated_at), 'final_at', "                         \
    "api_ts(o.final_at))"

/* A trading decision "td". */
#define QA_DECISION_JSON                                                       \
    "json_build_object('id', td.id, 'ticker', td.ticker, 'as_of', "            \
    "td.as_of, 'action', td.action, 'previous_action', "                       \
    "td.previous_action, 'conviction', td.conviction, 'target_weight', "       \
    "td.target_weight, 'model', td.model, 'client_order_id', "                 \
    "td.client_order_id, 'outcome', td.outcome, 'side', td.side, "             \
    "'qty', td.qty, 'ref_price_cents', td.ref_price_cents, "                   \
    "'equity_cents', td.equity_cents, 'explanation', td.explanation, "         \
    "'mode', td.mode, 'created_at', api_ts(td.created_at))"

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
 * page), then limit + 1; its columns are the item's JSON, then the
 * cursor's parts. p must have room for all of them. */
void qa_run_page(api_call *c, const char *name, const char *sql, const char **p,
                 int nfilters, const char *kinds, long limit);

/* One value of a fixed set ("status" in queued|filled|...). Returns 1,
 * 0 when absent, -1 after a 400 answer listing the choices. */
int qa_param_enum(api_call *c, const char *name, const char *const *choices,
                  char *out, size_t cap);

#endif
