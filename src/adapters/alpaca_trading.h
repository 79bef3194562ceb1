/*
 * alpaca_trading: Alpaca's trading API v2 behind the broker interface
 * (/v2/orders, /v2/orders:by_client_order_id, /v2/positions), plus the
 * account and the clock for status and reconciliation. Keys go in the
 * APCA-API-KEY-ID / APCA-API-SECRET-KEY headers, never in a URL or a
 * log line.
 *
 * Refusals are classified from the status and message of Alpaca's error
 * body {"code": n, "message": "..."}: "insufficient buying power" (403),
 * "potential wash trade detected" (403), a closed market, "client_order_id
 * must be unique" (the order exists: look it up, never resubmit), any
 * other 400/422 as an invalid order (qty, time in force, fractional
 * with gtc). 401, 429, 5xx, timeouts and broken connections are
 * BROKER_UNAVAILABLE: the outcome is unknown.
 */
#ifndef STONKS_ALPACA_TRADING_H
#define STONKS_ALPACA_TRADING_H

#include "adapters/broker.h"

typedef struct alpaca_options {
    const char *base_url; /* e.g. https://paper-api.alpaca.markets */
    const char *key_id;
    const char *secret;
    long timeout_ms; /* per request; 0 means 10 s */
} alpaca_options;

/* A broker on Alpaca (copies the options). Free with broker_free. */
broker *alpaca_broker_new(const alpaca_options *o);

typedef struct alpaca_account {
    cents cash;
    cents buying_power;
    cents equity;
    char status[32];
} alpaca_account;

/* GET /v2/account and GET /v2/clock on the broker b made above. Return
 * BROKER_OK, or BROKER_UNAVAILABLE with a message in err. */
broker_rc alpaca_get_account(broker *b, alpaca_account *out, char *err,
                             size_t errlen);
broker_rc alpaca_get_clock(broker *b, int *is_open, char *err, size_t errlen);

/* Classifies an error answer (for tests of the rules above). */
broker_refusal_kind alpaca_classify(long http_status, const char *message);

#endif
