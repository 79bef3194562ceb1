/*
 * fill: the paper broker's fill model, on daily bars. An order meant
 * for session D is executed against the bar of D (the first bar on or
 * after its exec_day), never one before, so a decision taken after a
 * close cannot trade at that close.
 *
 * Market: the whole quantity at the bar's open, moved against the order
 * by the slippage (buy: open * (1 + bps/10000) rounded up to the cent,
 * sell: open * (1 - bps/10000) rounded down). Limit: fills
 * when the bar crosses the limit (buy: low <= limit, sell: high >=
 * limit); when the bar opens at or better than the limit (buy: open
 * <= limit, sell: open >= limit), at the open moved by the slippage as
 * a market order, but never past the limit; else (it opens worse and
 * reaches the limit later) at the limit itself. Otherwise it does not fill (a
 * day order then expires). The commission is a fixed amount per filled
 * order.
 */
#ifndef STONKS_FILL_H
#define STONKS_FILL_H

#include <stdint.h>

#include "domain/money.h"
#include "domain/order.h"

typedef struct fill_bar {
    int32_t day;
    cents open, high, low, close;
} fill_bar;

typedef struct fill_params {
    int64_t slippage_bps; /* >= 0 */
    cents commission; /* per filled order, >= 0 */
} fill_params;

typedef struct fill_result {
    int filled; /* 1: the whole quantity filled on bar->day */
    int64_t qty;
    cents price; /* per share */
    cents gross; /* qty * price */
    cents commission;
    int32_t day;
} fill_result;

/* Executes o against bar. Returns 0 (out->filled says whether it
 * filled), or -1 when o is not executable (qty not positive, a limit
 * order without a positive limit price, a bar with a price that is not
 * positive) or the amounts overflow. */
int fill_order(const order_intent *o, const fill_bar *bar, const fill_params *p,
               fill_result *out);

#endif
