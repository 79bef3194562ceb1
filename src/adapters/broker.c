#include "adapters/broker.h"

#include <stdio.h>
#include <string.h>

const char *broker_refusal_code(broker_refusal_kind k)
{
    switch (k) {
    case REFUSAL_BUYING_POWER:
        return "buying_power";
    case REFUSAL_INVALID:
        return "invalid";
    case REFUSAL_WASH_TRADE:
        return "wash_trade";
    case REFUSAL_MARKET_CLOSED:
        return "market_closed";
    case REFUSAL_DUPLICATE:
        return "duplicate_client_order_id";
    case REFUSAL_FORBIDDEN:
        return "forbidden";
    case REFUSAL_INSUFFICIENT_QTY:
        return "insufficient_qty";
    case REFUSAL_OTHER:
        break;
    }
    return "refused";
}

int broker_status_final(const char *status)
{
    return strcmp(status, "filled") == 0 || strcmp(status, "canceled") == 0 ||
           strcmp(status, "expired") == 0 || strcmp(status, "rejected") == 0;
}

int broker_order_check(const order_intent *o, const broker_order *bo, char *err,
                       size_t errlen)
{
    static const char *const ours[] = {"accepted", "partially_filled",
                                       "filled",   "canceled",
                                       "expired",  "rejected"};
    char q[24];
    cents at_limit;
    size_t i = 0;

    while (i < sizeof(ours) / sizeof(*ours) && strcmp(bo->status, ours[i]))
        i++;
    snprintf(q, sizeof(q), "%lld", (long long)o->qty);
    if (bo->symbol[0] && strcmp(bo->symbol, o->ticker) != 0)
        snprintf(err, errlen, "the answer is about %s, not %s", bo->symbol,
                 o->ticker);
    else if (bo->side[0] && strcmp(bo->side, order_side_name(o->side)) != 0)
        snprintf(err, errlen, "the answer is about a %s, not a %s", bo->side,
                 order_side_name(o->side));
    else if (bo->qty && bo->qty != o->qty)
        snprintf(err, errlen,
                 "the answer is about an order for %lld shares, "
                 "not %s",
                 (long long)bo->qty, q);
    else if (i == sizeof(ours) / sizeof(*ours))
        snprintf(err, errlen, "status '%s' is not one we know", bo->status);
    else if (bo->filled_qty < 0 || bo->filled_qty > o->qty)
        snprintf(err, errlen, "%lld shares filled of an order for %s",
                 (long long)bo->filled_qty, q);
    else if (strcmp(bo->status, "filled") == 0 && bo->filled_qty != o->qty)
        snprintf(err, errlen, "filled with %lld shares of %s",
                 (long long)bo->filled_qty, q);
    else if (strcmp(bo->status, "partially_filled") == 0 &&
             (bo->filled_qty == 0 || bo->filled_qty == o->qty))
        snprintf(err, errlen, "partially filled with %lld shares of %s",
                 (long long)bo->filled_qty, q);
    else if (bo->filled_gross < 0 ||
             (bo->filled_qty > 0) != (bo->filled_gross > 0))
        snprintf(err, errlen, "%lld shares filled for %lld cents",
                 (long long)bo->filled_qty, (long long)bo->filled_gross);
    else if (bo->commission < 0)
        snprintf(err, errlen, "a commission of %lld cents",
                 (long long)bo->commission);
    else if (o->type == ORDER_LIMIT && bo->filled_qty > 0 &&
             money_mul(o->limit_price, bo->filled_qty, &at_limit) == 0 &&
             (o->side == SIDE_BUY ? bo->filled_gross > at_limit
                                  : bo->filled_gross < at_limit))
        snprintf(err, errlen,
                 "%lld shares for %lld cents, beyond the limit "
                 "of %lld cents a share",
                 (long long)bo->filled_qty, (long long)bo->filled_gross,
                 (long long)o->limit_price);
    else
        return 0;
    return -1;
}

void broker_free(broker *b)
{
    if (b)
        b->free(b);
}
