/*
 * order: what an order is before any broker sees it (the intent the
 * sizing produces, the risk rules judge and the fill model executes),
 * the names of its sides and types, and the deterministic client order
 * id. The id is derived from the decision alone, so a replayed or
 * repeated decision always yields the same id, and a broker that keeps
 * ids unique refuses to take the order twice.
 */
#ifndef STONKS_ORDER_H
#define STONKS_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "domain/money.h"
#include "domain/ticker.h"

/* "so-" and 32 lower-case hex digits, with the NUL. Alpaca accepts up
 * to 128 characters. */
#define ORDER_ID_MAX 48
#define SECTOR_MAX 64

typedef enum order_side {
    SIDE_BUY = 1,
    SIDE_SELL = 2,
} order_side;

typedef enum order_type {
    ORDER_MARKET = 1,
    ORDER_LIMIT = 2,
} order_type;

typedef struct order_intent {
    char client_order_id[ORDER_ID_MAX];
    char ticker[TICKER_MAX];
    char sector[SECTOR_MAX]; /* "" when unknown */
    order_side side;
    order_type type;
    int64_t qty; /* whole shares, > 0 */
    cents limit_price; /* ORDER_LIMIT only */
    cents ref_price; /* the price its notional is estimated at */
    int32_t price_day; /* the day of that price's close (date.h) */
    int extended_hours; /* 1: may run outside regular hours */
    int32_t exec_day; /* the session it is meant for (date.h) */
    int exec_minute; /* New York minutes after midnight */
} order_intent;

/* "buy" / "sell", "market" / "limit". */
const char *order_side_name(order_side s);
const char *order_type_name(order_type t);

/* Parse those names, in any case ("BUY"). Return 0, or -1. */
int order_side_parse(const char *s, order_side *out);
int order_type_parse(const char *s, order_type *out);

/* The prefix of the strategy's client order ids; no other order may
 * use it. */
#define ORDER_STRATEGY_PREFIX "so-"

/* The client order id of a decision: ORDER_STRATEGY_PREFIX and the
 * first 16 bytes, in hex, of
 * SHA-256("<ticker>|<YYYY-MM-DD>|<ACTION>|<model>"). */
void order_client_id(const char *ticker, int32_t as_of, const char *action,
                     const char *model, char out[ORDER_ID_MAX]);

/* 1 when s is a client order id: 1 to ORDER_ID_MAX - 1 letters,
 * digits, '-' or '_' (what Alpaca takes, and safe in a path). */
int order_client_id_ok(const char *s);

/* qty * ref_price (the estimated notional). Returns 0, or -1 on
 * overflow. */
int order_notional(const order_intent *o, cents *out);

#endif
