/*
 * trading_engine: what the sequencer and mailer (trading_engine.c) and
 * the HTTP API (trading_engine_api.c) of the trading-engine service
 * share. Internal to that service.
 */
#ifndef STONKS_TRADING_ENGINE_H
#define STONKS_TRADING_ENGINE_H

#include <stdatomic.h>

#include "domain/risk.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/http.h"
#include "services/trading.h"

#define KILL_REASON_MAX 500 /* bytes of a kill-switch reason */

typedef struct engine {
    const config *cfg;
    trading_pool *pool; /* for the HTTP threads */
    trading_http *http; /* te_http_new */
    atomic_int stop;
} engine;

/* Stores o as a queued order (nothing when its client order id exists).
 * decision_id: the decision's row id as text, or NULL (manual). */
int te_insert_order(db *d, const config *c, const order_intent *o,
                    const char *decision_id, const char *source,
                    int32_t decision_day);

/* Notifications (the outbox) of a queued order and of a denied one. */
void te_notify_order(db *d, const config *c, const order_intent *o,
                     const char *why);
void te_notify_denied(db *d, const config *c, const order_intent *o,
                      const risk_verdict *v);

/* The HTTP side of the engine e, whose cfg and pool are set (free with
 * trading_http_free), and the HTTP handler; ctx is the engine. */
trading_http *te_http_new(const engine *e);
void te_http_handle(void *ctx, const http_request *req, http_response *res);

#endif
