/*
 * sizing: how many whole shares a recommendation trades.
 *
 * BUY: the target position is floor(equity * target_weight / price)
 * shares (the strategy's target_weight already scales with conviction:
 * conviction * max_weight), and at most what the risk limits on one
 * position allow (max_position_notional_cents, max_position_weight_bps
 * of equity), so a large account buys up to the limit rather than an
 * order the gate would deny whole; the order buys the difference from
 * the shares held, and nothing when the position is at or above target (a
 * BUY never sells). SELL: the position is cut by the conviction: keep
 * floor(held * (1 - conviction)) shares and sell the rest, so a SELL at
 * conviction 1 closes it; nothing to do without a position (no short
 * selling). HOLD: no order. Weights and conviction are rounded to whole
 * basis points first, and all arithmetic is in integer cents, so the
 * same inputs give the same shares on every machine. Fractional shares
 * are never produced.
 */
#ifndef STONKS_SIZING_H
#define STONKS_SIZING_H

#include <stdint.h>

#include "domain/money.h"
#include "domain/order.h"
#include "domain/strategy.h"

typedef struct sizing_input {
    rec_action action;
    double conviction; /* [0, 1] */
    double target_weight; /* [0, 1] of equity */
    cents equity; /* portfolio value: cash + positions at price */
    cents price; /* the reference price of one share */
    int64_t held; /* shares held, after every open order */
    cents max_notional; /* a position's value at price; 0: no cap */
    int64_t max_weight_bps; /* of equity, a position's; 0: no cap */
} sizing_input;

typedef struct sizing_result {
    int64_t qty; /* shares to trade; 0: no order */
    order_side side;
    int64_t target; /* the position aimed at */
    char why[256]; /* one line, also when qty is 0 */
} sizing_result;

/* Fills out. Returns 0, or -1 when the input is unusable (a price or
 * equity that is not positive for a BUY, a weight or conviction outside
 * [0, 1], a negative position): out->why says which. */
int sizing_compute(const sizing_input *in, sizing_result *out);

#endif
