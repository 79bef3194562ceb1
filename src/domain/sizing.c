#include "domain/sizing.h"

#include <math.h>
#include <stdio.h>

/* A fraction in [0, 1] as whole basis points; -1 when outside. */
static int64_t to_bps(double x)
{
    if (!(x >= 0.0 && x <= 1.0))
        return -1;
    return (int64_t)llround(x * 10000.0);
}

/* The value the target position may reach: weight_bps of equity, or
 * less when a limit on one position is lower; *capped says which limit
 * cut it ("" when none). Returns -1 when equity * weight overflows. */
static int target_value_of(const sizing_input *in, int64_t weight_bps,
                           cents *value, const char **capped)
{
    cents by_weight;

    *capped = "";
    if (money_bps(in->equity, weight_bps, value) < 0)
        return -1;
    /* rounded down, as the rule compares exactly: half a cent over the
     * limit would have the whole buy denied */
    by_weight = money_bps_floor(in->equity, in->max_weight_bps);
    if (in->max_weight_bps > 0 && by_weight < *value) {
        *value = by_weight;
        *capped = "max_position_weight_bps";
    }
    if (in->max_notional > 0 && in->max_notional < *value) {
        *value = in->max_notional;
        *capped = "max_position_notional_cents";
    }
    return 0;
}

static int size_buy(const sizing_input *in, int64_t weight_bps,
                    sizing_result *out)
{
    char eq[MONEY_FMT_MAX], px[MONEY_FMT_MAX], cap[80] = "";
    cents target_value;
    const char *capped;

    money_format(in->equity, eq);
    money_format(in->price, px);
    if (in->price <= 0 || in->equity <= 0) {
        snprintf(out->why, sizeof(out->why),
                 "cannot size: price %s and equity %s must be positive", px,
                 eq);
        return -1;
    }
    if (target_value_of(in, weight_bps, &target_value, &capped) < 0) {
        snprintf(out->why, sizeof(out->why), "cannot size: %s overflows", eq);
        return -1;
    }
    if (capped[0]) {
        char v[MONEY_FMT_MAX];

        money_format(target_value, v);
        snprintf(cap, sizeof(cap), ", cut to %s by %s", v, capped);
    }
    out->side = SIDE_BUY;
    out->target = target_value / in->price;
    if (out->target <= in->held) {
        snprintf(out->why, sizeof(out->why),
                 "no order: holds %lld, target %lld shares (%lld bp of %s "
                 "at %s%s)",
                 (long long)in->held, (long long)out->target,
                 (long long)weight_bps, eq, px, cap);
        return 0;
    }
    out->qty = out->target - in->held;
    snprintf(out->why, sizeof(out->why),
             "buy %lld: target %lld shares (%lld bp of %s at %s%s), holds "
             "%lld",
             (long long)out->qty, (long long)out->target, (long long)weight_bps,
             eq, px, cap, (long long)in->held);
    return 0;
}

static void size_sell(const sizing_input *in, int64_t conv_bps,
                      sizing_result *out)
{
    out->side = SIDE_SELL;
    if (in->held == 0) {
        snprintf(out->why, sizeof(out->why), "no order: no position to sell");
        return;
    }
    out->target = (int64_t)(((__int128)in->held * (10000 - conv_bps)) / 10000);
    out->qty = in->held - out->target;
    if (out->qty == 0)
        snprintf(out->why, sizeof(out->why),
                 "no order: conviction %lld bp sells none of %lld shares",
                 (long long)conv_bps, (long long)in->held);
    else
        snprintf(out->why, sizeof(out->why),
                 "sell %lld of %lld shares (conviction %lld bp), keep %lld",
                 (long long)out->qty, (long long)in->held, (long long)conv_bps,
                 (long long)out->target);
}

int sizing_compute(const sizing_input *in, sizing_result *out)
{
    int64_t weight_bps = to_bps(in->target_weight);
    int64_t conv_bps = to_bps(in->conviction);

    out->qty = 0;
    out->side = SIDE_BUY;
    out->target = in->held;
    out->why[0] = '\0';
    if (weight_bps < 0 || conv_bps < 0 || in->held < 0) {
        snprintf(out->why, sizeof(out->why),
                 "cannot size: weight %.4f and conviction %.4f must be in "
                 "[0, 1], position %lld not negative",
                 in->target_weight, in->conviction, (long long)in->held);
        return -1;
    }
    switch (in->action) {
    case ACTION_BUY:
        return size_buy(in, weight_bps, out);
    case ACTION_SELL:
        size_sell(in, conv_bps, out);
        return 0;
    case ACTION_HOLD:
        break;
    }
    snprintf(out->why, sizeof(out->why), "no order: HOLD");
    return 0;
}
