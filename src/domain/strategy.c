#include "domain/strategy.h"

#include <math.h>
#include <stdio.h>

/*
 * The rule (also in strategy.h):
 *   blend = (0.60 s7 + 0.25 s1 + 0.15 s30) / (sum of weights used),
 *           where s1 and s30 take part only when their window has
 *           signals, and blend = 0 when the 7-day window has none;
 *   score = blend * n / (n + 2), n = count_7d    (few signals damp it)
 *         + 0.5 * clamp(ret_5d, -0.10, +0.10)    (momentum: +-0.05 max;
 *                                                  none when unknown)
 *   clamped to [-1, 1];
 *   conviction = min(1, |score| / 0.5).
 */

#define W_7D 0.60
#define W_1D 0.25
#define W_30D 0.15
#define DAMP_SIGNALS 2.0
#define MOMENTUM_CAP 0.10
#define MOMENTUM_GAIN 0.5
#define FULL_CONVICTION 0.5

void strategy_params_default(strategy_params *p)
{
    p->buy_threshold = 0.15;
    p->sell_threshold = -0.15;
    p->min_signals = 2;
    p->max_weight = 0.05;
}

const char *rec_action_name(rec_action a)
{
    switch (a) {
    case ACTION_BUY:
        return "BUY";
    case ACTION_SELL:
        return "SELL";
    case ACTION_HOLD:
        break;
    }
    return "HOLD";
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double score_of(const aggregate *a)
{
    double sum = 0.0, weight = 0.0, blend = 0.0, n, score;

    if (a->count_7d > 0) {
        sum = W_7D * a->sent_7d;
        weight = W_7D;
        if (a->count_1d > 0) {
            sum += W_1D * a->sent_1d;
            weight += W_1D;
        }
        if (a->count_30d > 0) {
            sum += W_30D * a->sent_30d;
            weight += W_30D;
        }
        blend = sum / weight;
    }

    n = a->count_7d > 0 ? (double)a->count_7d : 0.0;
    score = blend * n / (n + DAMP_SIGNALS);
    if (!isnan(a->ret_5d))
        score += MOMENTUM_GAIN * clamp(a->ret_5d, -MOMENTUM_CAP, MOMENTUM_CAP);
    if (!isfinite(score))
        return 0.0;
    return clamp(score, -1.0, 1.0);
}

/* v, or 0 when printing it with `decimals` places would show "-0". */
static double tidy(double v, int decimals)
{
    return fabs(v) < 0.5 * pow(10.0, -decimals) ? 0.0 : v;
}

/* The rationale's prices: "5d return +2.1%, vol 1.8%", "n/a" for an
 * unknown figure, "no prices" without a bar. Returns what snprintf
 * does. */
static int price_part(const aggregate *a, char *out, size_t len)
{
    char ret[32] = "n/a", vol[32] = "n/a";

    if (isnan(a->last_close))
        return snprintf(out, len, "no prices");
    if (!isnan(a->ret_5d))
        snprintf(ret, sizeof(ret), "%+.1f%%", tidy(a->ret_5d * 100.0, 1));
    if (!isnan(a->vol_20d))
        snprintf(vol, sizeof(vol), "%.1f%%", tidy(a->vol_20d * 100.0, 1));
    return snprintf(out, len, "5d return %s, vol %s", ret, vol);
}

void strategy_recommend(const aggregate *a, const strategy_params *p,
                        recommendation *out)
{
    double score = score_of(a);
    int enough = a->count_7d >= p->min_signals;
    int n;

    out->action = ACTION_HOLD;
    if (enough && score > p->buy_threshold)
        out->action = ACTION_BUY;
    else if (enough && score < p->sell_threshold)
        out->action = ACTION_SELL;
    out->conviction = fmin(1.0, fabs(score) / FULL_CONVICTION);
    out->target_weight =
        out->action == ACTION_BUY ? out->conviction * p->max_weight : 0.0;

    n = snprintf(out->rationale, RATIONALE_MAX,
                 "%s: score %+.2f from 7d sentiment %+.2f over %d signal%s "
                 "(1d %+.2f, 30d %+.2f), ",
                 rec_action_name(out->action), tidy(score, 2),
                 tidy(a->sent_7d, 2), a->count_7d, a->count_7d == 1 ? "" : "s",
                 tidy(a->sent_1d, 2), tidy(a->sent_30d, 2));
    if (n >= 0 && n < RATIONALE_MAX) {
        int k = price_part(a, out->rationale + n, RATIONALE_MAX - (size_t)n);

        n = k < 0 ? k : n + k;
    }
    if (out->action != ACTION_HOLD || n < 0 || n >= RATIONALE_MAX)
        return;
    if (!enough)
        snprintf(out->rationale + n, RATIONALE_MAX - (size_t)n,
                 "; needs %d signals in 7d", p->min_signals);
    else
        snprintf(out->rationale + n, RATIONALE_MAX - (size_t)n,
                 "; score within %+.2f..%+.2f", tidy(p->sell_threshold, 2),
                 tidy(p->buy_threshold, 2));
}
