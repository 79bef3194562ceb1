#include "domain/fill.h"

#include <string.h>

static int bar_ok(const fill_bar *b)
{
    return b->open > 0 && b->high > 0 && b->low > 0 && b->close > 0 &&
           b->low <= b->high;
}

/* The open moved against the order, rounded against it too: a buy
 * rounds up, a sell down, so rounding never hides slippage. */
static int market_price(const order_intent *o, const fill_bar *bar,
                        const fill_params *p, cents *price)
{
    __int128 scaled;

    if (o->side == SIDE_BUY)
        scaled =
            ((__int128)bar->open * (10000 + p->slippage_bps) + 9999) / 10000;
    else
        scaled = (__int128)bar->open * (10000 - p->slippage_bps) / 10000;
    if (scaled > MONEY_MAX)
        return -1;
    *price = (cents)scaled;
    return 0;
}

/* 1 when the bar reaches the limit, with the execution price: at a
 * bar that opens at or better than the limit, the open moved against
 * the order as a market order's (the order meets the same book), but
 * never past the limit; else the limit itself. Returns -1 on
 * overflow. */
static int limit_price(const order_intent *o, const fill_bar *bar,
                       const fill_params *p, cents *price)
{
    cents slipped;

    if (o->side == SIDE_BUY ? bar->low > o->limit_price
                            : bar->high < o->limit_price)
        return 0;
    *price = o->limit_price;
    if (o->side == SIDE_BUY ? bar->open > o->limit_price
                            : bar->open < o->limit_price)
        return 1;
    if (market_price(o, bar, p, &slipped) < 0)
        return -1;
    if (o->side == SIDE_BUY ? slipped < o->limit_price
                            : slipped > o->limit_price)
        *price = slipped;
    return 1;
}

int fill_order(const order_intent *o, const fill_bar *bar, const fill_params *p,
               fill_result *out)
{
    cents price = 0;

    memset(out, 0, sizeof(*out));
    out->day = bar->day;
    if (o->qty <= 0 || !bar_ok(bar) || p->slippage_bps < 0 ||
        p->slippage_bps >= 10000 || p->commission < 0 ||
        (o->type == ORDER_LIMIT && o->limit_price <= 0))
        return -1;
    if (o->type == ORDER_MARKET) {
        if (market_price(o, bar, p, &price) < 0)
            return -1;
    } else {
        int reached = limit_price(o, bar, p, &price);

        if (reached <= 0)
            return reached;
    }
    if (money_mul(price, o->qty, &out->gross) < 0)
        return -1;
    out->filled = 1;
    out->qty = o->qty;
    out->price = price;
    out->commission = p->commission;
    return 0;
}
