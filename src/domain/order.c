#include "domain/order.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/date.h"
#include "lib/sha256.h"

const char *order_side_name(order_side s)
{
    return s == SIDE_SELL ? "sell" : "buy";
}

const char *order_type_name(order_type t)
{
    return t == ORDER_LIMIT ? "limit" : "market";
}

int order_side_parse(const char *s, order_side *out)
{
    /* any case: "BUY" is as plain as "buy" */
    if (strcasecmp(s, "buy") == 0)
        *out = SIDE_BUY;
    else if (strcasecmp(s, "sell") == 0)
        *out = SIDE_SELL;
    else
        return -1;
    return 0;
}

int order_type_parse(const char *s, order_type *out)
{
    if (strcasecmp(s, "market") == 0)
        *out = ORDER_MARKET;
    else if (strcasecmp(s, "limit") == 0)
        *out = ORDER_LIMIT;
    else
        return -1;
    return 0;
}

void order_client_id(const char *ticker, int32_t as_of, const char *action,
                     const char *model, char out[ORDER_ID_MAX])
{
    char day[11], text[256], hex[65];
    int n;

    date_format(as_of, day);
    n = snprintf(text, sizeof(text), "%s|%s|%s|%s", ticker, day, action, model);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(text))
        n = sizeof(text) - 1;
    sha256_hex(text, (size_t)n, hex);
    snprintf(out, ORDER_ID_MAX, ORDER_STRATEGY_PREFIX "%.32s", hex);
}

int order_notional(const order_intent *o, cents *out)
{
    return money_mul(o->ref_price, o->qty, out);
}

int order_client_id_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= ORDER_ID_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}
