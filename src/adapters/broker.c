#include "adapters/broker.h"

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

void broker_free(broker *b)
{
    if (b)
        b->free(b);
}
