/*
 * strategy: from an aggregate to a recommendation: BUY, SELL or HOLD,
 * a conviction in [0, 1], a target portfolio weight, and a one-line
 * rationale that names the inputs it used.
 *
 * The rule. The 7-day decayed sentiment leads, the 1-day and 30-day
 * ones shade it:
 *   blend = (0.60 s7 + 0.25 s1 + 0.15 s30) / (the weights used)
 * where s1 and s30 are used only when their window has signals, and
 * blend = 0 when the 7-day window has none. Few signals damp it, and
 * the 5-day return nudges it by at most 0.05:
 *   score = blend * n / (n + 2) + 0.5 * clamp(ret_5d, -0.10, 0.10),
 * n = count_7d, then clamped to [-1, 1]. BUY when score > buy_threshold
 * and n >= min_signals; SELL when score < sell_threshold and
 * n >= min_signals; else HOLD. conviction = min(1, |score| / 0.5)
 * whatever the action; target_weight = conviction * max_weight for BUY.
 * The rationale reads, for example:
 *   "BUY: score +0.32 from 7d sentiment +0.42 over 5 signals
 *    (1d +0.60, 30d +0.21), 5d return +2.1%, vol 1.8%"
 * (one line), and a HOLD says why: "; needs 2 signals in 7d" or
 * "; score within -0.15..+0.15". vol is the daily vol_20d in percent.
 * An unknown return or vol (too few bars) reads "n/a" and a ticker
 * without any bar "no prices" in their place; an unknown ret_5d adds
 * no momentum.
 */
#ifndef STONKS_STRATEGY_H
#define STONKS_STRATEGY_H

#include "domain/aggregate.h"

typedef enum rec_action {
    ACTION_HOLD = 0,
    ACTION_BUY = 1,
    ACTION_SELL = 2,
} rec_action;

typedef struct strategy_params {
    double buy_threshold; /* score above which to buy */
    double sell_threshold; /* score below which to sell (negative) */
    int min_signals; /* signals in the 7-day window needed to act */
    double max_weight; /* target weight at conviction 1 */
} strategy_params;

#define RATIONALE_MAX 320

typedef struct recommendation {
    rec_action action;
    double conviction; /* [0, 1] */
    double target_weight; /* [0, max_weight]; 0 for SELL and HOLD */
    char rationale[RATIONALE_MAX];
} recommendation;

/* Defaults: buy 0.15, sell -0.15, min_signals 2, max_weight 0.05. */
void strategy_params_default(strategy_params *p);

void strategy_recommend(const aggregate *a, const strategy_params *p,
                        recommendation *out);

/* "BUY", "SELL", "HOLD". */
const char *rec_action_name(rec_action a);

#endif
