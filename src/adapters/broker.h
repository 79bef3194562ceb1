/*
 * broker: the one interface broker-adapter trades through. Two
 * implementations: the built-in paper broker (paper_broker.h, default)
 * and Alpaca's trading API v2 (alpaca_trading.h).
 *
 * Every call answers with a broker_rc. BROKER_UNAVAILABLE means the
 * outcome is unknown (no answer, a 5xx, a timeout): the order may or may
 * not exist at the broker, so the caller must look it up by its client
 * order id before it ever submits again. BROKER_REFUSED means the broker
 * answered and will not take the order (the refusal says why).
 * BROKER_NOT_FOUND, from lookup only, means the broker has no order with
 * that client order id.
 */
#ifndef STONKS_BROKER_H
#define STONKS_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "domain/money.h"
#include "domain/order.h"
#include "domain/ticker.h"

typedef enum broker_rc {
    BROKER_OK = 0,
    BROKER_REFUSED = 1,
    BROKER_NOT_FOUND = 2,
    BROKER_UNAVAILABLE = -1,
} broker_rc;

typedef enum broker_refusal_kind {
    REFUSAL_OTHER = 0,
    REFUSAL_BUYING_POWER,
    REFUSAL_INVALID,
    REFUSAL_WASH_TRADE,
    REFUSAL_MARKET_CLOSED,
    REFUSAL_DUPLICATE,
    REFUSAL_FORBIDDEN,
    REFUSAL_INSUFFICIENT_QTY, /* a sell of more shares than are held */
} broker_refusal_kind;

typedef struct broker_refusal {
    broker_refusal_kind kind;
    int http_status; /* 0 for the paper broker */
    long code; /* the broker's own error code, 0 when none */
    char message[256];
} broker_refusal;

/* An order as the broker sees it. status uses our words: accepted,
 * partially_filled, filled, canceled, expired, rejected. */
typedef struct broker_order {
    char broker_order_id[64];
    char status[24];
    /* the order as the broker has it ("" / 0 when the answer does not
     * say): it must be ours */
    char symbol[TICKER_MAX];
    char side[8];
    int64_t qty;
    int64_t filled_qty;
    cents filled_gross; /* total paid or received for filled_qty */
    cents commission;
    int32_t filled_day; /* New York day of the last fill, -1 unknown */
} broker_order;

typedef struct broker_position {
    char ticker[TICKER_MAX];
    int64_t qty;
} broker_position;

typedef struct broker broker;

struct broker {
    const char *name; /* "paper", "alpaca" */
    /* How often an open order is asked about again, ms. 0: only when
     * something happened (the paper broker fills when a bar arrives,
     * which the trading-engine signals). */
    int follow_ms;
    broker_rc (*submit)(broker *b, const order_intent *o, broker_order *out,
                        broker_refusal *ref, char *err, size_t errlen);
    broker_rc (*lookup)(broker *b, const char *client_order_id,
                        broker_order *out, char *err, size_t errlen);
    /* Asks the broker to cancel an open order: broker_order_id is the
     * broker's id of it as submit or lookup gave it, or "" when not
     * known (then it is looked up). BROKER_OK when the request was
     * taken or the order can no longer be cancelled (it filled or
     * ended first: the look-up that follows says which),
     * BROKER_NOT_FOUND, or BROKER_UNAVAILABLE (ask again later). */
    broker_rc (*cancel)(broker *b, const char *client_order_id,
                        const char *broker_order_id, char *err, size_t errlen);
    /* Positions held at the broker; *out is freed by the caller. Returns
     * BROKER_OK or BROKER_UNAVAILABLE. */
    broker_rc (*positions)(broker *b, broker_position **out, size_t *n,
                           char *err, size_t errlen);
    void (*free)(broker *b);
};

/* The refusal's reason code for orders.reject_code: "buying_power",
 * "invalid", "wash_trade", "market_closed", "duplicate_client_order_id",
 * "forbidden", "refused". */
const char *broker_refusal_code(broker_refusal_kind k);

/* 1 for the final statuses (filled, canceled, expired, rejected). */
int broker_status_final(const char *status);

/* 0 when bo is a possible answer about order o: o's symbol, side and
 * quantity when the answer gives them, one of our statuses,
 * 0 <= filled_qty <= o's qty (all of it when filled, part of it when
 * partially filled), a positive amount paid for any shares filled and
 * none for none, a commission >= 0, and a limit order's average price
 * within its limit. Else -1 with the reason in err: such an answer is
 * never booked. */
int broker_order_check(const order_intent *o, const broker_order *bo, char *err,
                       size_t errlen);

/* Frees b through its own free (NULL is safe). */
void broker_free(broker *b);

#endif
