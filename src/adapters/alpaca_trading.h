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

/* The parsers of Alpaca's answers, apart from the HTTP (the broker above
 * and tests/fuzz/fuzz_provider.c run them). Each reads len bytes of
 * text, no NUL needed. */

/* An order (POST /v2/orders, GET /v2/orders:by_client_order_id) into
 * out, statuses in our words. Returns 0, or -1 with a message in err
 * (not an object, no id or status, unreadable or fractional
 * quantities). */
int alpaca_parse_order(const char *text, size_t len, broker_order *out,
                       char *err, size_t errlen);

/* An error answer {"code": n, "message": "..."} of the given HTTP
 * status into ref, classified as above; any text gives a refusal. */
void alpaca_parse_refusal(long http_status, const char *text, size_t len,
                          broker_refusal *ref);

/* GET /v2/positions: *out gets the positions with a readable symbol
 * and a whole quantity (*n of them; the caller frees *out). Returns 0,
 * or -1 with *out NULL when the text is not a JSON array. */
int alpaca_parse_positions(const char *text, size_t len, broker_position **out,
                           size_t *n);

/* GET /v2/account and GET /v2/clock. Return 0, or -1 when the answer
 * is not an object with readable amounts (a boolean is_open). */
int alpaca_parse_account(const char *text, size_t len, alpaca_account *out);
int alpaca_parse_clock(const char *text, size_t len, int *is_open);

#endif
