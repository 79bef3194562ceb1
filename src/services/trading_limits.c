#include "services/trading_limits.h"

#include <string.h>

#include "domain/money.h"
#include "domain/risk.h"

#define LIM(f) offsetof(risk_limits, f)

const trading_limit_def trading_limit_defs[] = {
    {"max_position_notional_cents", "cents", LIM(max_position_notional),
     MONEY_MAX},
    {"max_position_weight_bps", "bps", LIM(max_position_weight_bps), 10000},
    {"max_gross_exposure_bps", "bps", LIM(max_gross_exposure_bps), 100000},
    {"max_sector_weight_bps", "bps", LIM(max_sector_weight_bps), 10000},
    {"max_orders_per_day", "count", LIM(max_orders_per_day), 1000000},
    {"max_orders_per_ticker_day", "count", LIM(max_orders_per_ticker_day),
     1000000},
    {"daily_loss_limit_cents", "cents", LIM(daily_loss_limit), MONEY_MAX},
    {"max_drawdown_bps", "bps", LIM(max_drawdown_bps), 10000},
    {"min_price_cents", "cents", LIM(min_price), MONEY_MAX},
    {"cash_buffer_bps", "bps", LIM(cash_buffer_bps), 10000},
    {"market_hours", "flag", LIM(market_hours), 1},
    {"allow_extended_hours", "flag", LIM(allow_extended_hours), 1},
    {"max_price_age_sessions", "count", LIM(max_price_age_sessions), 100000},
};

const size_t trading_nlimits =
    sizeof(trading_limit_defs) / sizeof(trading_limit_defs[0]);

const trading_limit_def *trading_limit_find(const char *name)
{
    for (size_t i = 0; i < trading_nlimits; i++)
        if (strcmp(trading_limit_defs[i].name, name) == 0)
            return &trading_limit_defs[i];
    return NULL;
}
