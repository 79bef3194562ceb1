#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "domain/strategy.h"

#define TOL 1e-12

static void near(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= TOL))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static aggregate agg(double s7, int c7, double s1, int c1, double s30, int c30,
                     double ret5, double vol)
{
    aggregate a;

    memset(&a, 0, sizeof(a));
    a.as_of = 15161;
    a.sent_7d = s7;
    a.count_7d = c7;
    a.sent_1d = s1;
    a.count_1d = c1;
    a.sent_30d = s30;
    a.count_30d = c30;
    a.ret_5d = ret5;
    a.vol_20d = vol;
    a.last_bar_day = -1;
    return a;
}

static void test_defaults(void **state)
{
    strategy_params p;

    (void)state;
    strategy_params_default(&p);
    near(p.buy_threshold, 0.15, "buy");
    near(p.sell_threshold, -0.15, "sell");
    assert_int_equal(p.min_signals, 2);
    near(p.max_weight, 0.05, "max_weight");
}

static void test_action_names(void **state)
{
    (void)state;
    assert_string_equal(rec_action_name(ACTION_BUY), "BUY");
    assert_string_equal(rec_action_name(ACTION_SELL), "SELL");
    assert_string_equal(rec_action_name(ACTION_HOLD), "HOLD");
}

/* blend = 0.6 * 0.42 + 0.25 * 0.60 + 0.15 * 0.21 = 0.4335;
 * score = 0.4335 * 5/7 + 0.5 * 0.021 = 0.32014285714... */
static void test_buy(void **state)
{
    aggregate a = agg(0.42, 5, 0.60, 2, 0.21, 9, 0.021, 0.018);
    strategy_params p;
    recommendation r;
    double score = 0.4335 * 5.0 / 7.0 + 0.0105;

    (void)state;
    strategy_params_default(&p);
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_BUY);
    near(r.conviction, score / 0.5, "conviction");
    near(r.target_weight, score / 0.5 * 0.05, "target_weight");
    assert_string_equal(r.rationale,
                        "BUY: score +0.32 from 7d sentiment +0.42 over 5 "
                        "signals (1d +0.60, 30d +0.21), 5d return +2.1%, "
                        "vol 1.8%");
}

/* No 1-day signals: blend = (0.6 * -0.5 + 0.15 * -0.3) / 0.75 = -0.46;
 * ret_5d is clipped to -0.10: score = -0.46 * 4/6 - 0.05. */
static void test_sell(void **state)
{
    aggregate a = agg(-0.5, 4, 0.7, 0, -0.3, 6, -0.2, 0.03);
    strategy_params p;
    recommendation r;
    double score = -0.46 * 4.0 / 6.0 - 0.05;

    (void)state;
    strategy_params_default(&p);
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_SELL);
    near(r.conviction, -score / 0.5, "conviction");
    near(r.target_weight, 0.0, "target_weight");
    assert_string_equal(r.rationale,
                        "SELL: score -0.36 from 7d sentiment -0.50 over 4 "
                        "signals (1d +0.70, 30d -0.30), 5d return -20.0%, "
                        "vol 3.0%");
}

static void test_hold_with_too_few_signals(void **state)
{
    aggregate a = agg(0.9, 1, 0.9, 1, 0.9, 1, 0.0, 0.0);
    strategy_params p;
    recommendation r;

    (void)state;
    strategy_params_default(&p);
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    near(r.conviction, 0.6, "conviction"); /* score 0.9 * 1/3 */
    near(r.target_weight, 0.0, "target_weight");
    assert_string_equal(r.rationale,
                        "HOLD: score +0.30 from 7d sentiment +0.90 over 1 "
                        "signal (1d +0.90, 30d +0.90), 5d return +0.0%, "
                        "vol 0.0%; needs 2 signals in 7d");
}

static void test_hold_inside_thresholds(void **state)
{
    aggregate a = agg(0.1, 10, 0.0, 0, 0.0, 0, 0.01, 0.0);
    strategy_params p;
    recommendation r;

    (void)state;
    strategy_params_default(&p);
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    near(r.conviction, (0.1 * 10.0 / 12.0 + 0.005) / 0.5, "conviction");
    assert_string_equal(r.rationale,
                        "HOLD: score +0.09 from 7d sentiment +0.10 over 10 "
                        "signals (1d +0.00, 30d +0.00), 5d return +1.0%, "
                        "vol 0.0%; score within -0.15..+0.15");
}

static void test_no_signals(void **state)
{
    aggregate a = agg(-0.001, 0, 0.0, 0, -0.4, 3, -0.0004, 0.0);
    strategy_params p;
    recommendation r;

    (void)state;
    strategy_params_default(&p);
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    near(r.conviction, 0.0002 / 0.5, "conviction");
    assert_string_equal(r.rationale,
                        "HOLD: score +0.00 from 7d sentiment +0.00 over 0 "
                        "signals (1d +0.00, 30d -0.40), 5d return +0.0%, "
                        "vol 0.0%; needs 2 signals in 7d");
}

/* Unknown prices add no momentum and are not shown as 0 %: too few
 * bars for a 5-day return or a vol read "n/a", none at all "no
 * prices". The score is the damped sentiment alone: 0.5 * 3/5. */
static void test_unknown_prices(void **state)
{
    aggregate a = agg(0.5, 3, 0.0, 0, 0.0, 0, NAN, NAN);
    strategy_params p;
    recommendation r;

    (void)state;
    strategy_params_default(&p);
    a.last_close = 12.5;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_BUY);
    near(r.conviction, 0.6, "conviction");
    assert_string_equal(r.rationale,
                        "BUY: score +0.30 from 7d sentiment +0.50 over 3 "
                        "signals (1d +0.00, 30d +0.00), 5d return n/a, "
                        "vol n/a");

    a.vol_20d = 0.018;
    a.sent_7d = 0.1;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    assert_string_equal(r.rationale,
                        "HOLD: score +0.06 from 7d sentiment +0.10 over 3 "
                        "signals (1d +0.00, 30d +0.00), 5d return n/a, "
                        "vol 1.8%; score within -0.15..+0.15");

    a.last_close = NAN;
    a.vol_20d = NAN;
    a.sent_7d = -0.5;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_SELL);
    near(r.conviction, 0.6, "conviction without prices");
    assert_string_equal(r.rationale,
                        "SELL: score -0.30 from 7d sentiment -0.50 over 3 "
                        "signals (1d +0.00, 30d +0.00), no prices");
}

static void test_threshold_is_strict(void **state)
{
    aggregate a = agg(0.5, 2, 0.0, 0, 0.0, 0, 0.0, 0.0);
    strategy_params p;
    recommendation r;

    (void)state;
    strategy_params_default(&p);
    p.buy_threshold = 0.25; /* score is exactly 0.5 * 2/4 */
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    p.buy_threshold = 0.2499;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_BUY);

    a.sent_7d = -0.5;
    p.sell_threshold = -0.25;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    p.min_signals = 3;
    p.sell_threshold = -0.2;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_HOLD);
    p.min_signals = 2;
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_SELL);
}

static void test_conviction_caps_at_one(void **state)
{
    aggregate a = agg(1.0, 50, 1.0, 5, 1.0, 80, 0.3, 0.02);
    strategy_params p;
    recommendation r;

    (void)state;
    strategy_params_default(&p);
    strategy_recommend(&a, &p, &r);
    assert_int_equal(r.action, ACTION_BUY);
    near(r.conviction, 1.0, "conviction");
    near(r.target_weight, 0.05, "target_weight");
    assert_string_equal(r.rationale,
                        "BUY: score +1.00 from 7d sentiment +1.00 over 50 "
                        "signals (1d +1.00, 30d +1.00), 5d return +30.0%, "
                        "vol 2.0%");
}

static void test_conviction_is_monotonic(void **state)
{
    strategy_params p;
    double prev = -1.0;

    (void)state;
    strategy_params_default(&p);
    for (int i = 0; i <= 200; i++) {
        aggregate a = agg(i / 200.0, 3, 0.0, 0, 0.0, 0, 0.0, 0.0);
        recommendation r;

        strategy_recommend(&a, &p, &r);
        assert_true(r.conviction >= prev);
        assert_true(r.conviction >= 0.0 && r.conviction <= 1.0);
        prev = r.conviction;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_action_names),
        cmocka_unit_test(test_buy),
        cmocka_unit_test(test_sell),
        cmocka_unit_test(test_hold_with_too_few_signals),
        cmocka_unit_test(test_hold_inside_thresholds),
        cmocka_unit_test(test_no_signals),
        cmocka_unit_test(test_unknown_prices),
        cmocka_unit_test(test_threshold_is_strict),
        cmocka_unit_test(test_conviction_caps_at_one),
        cmocka_unit_test(test_conviction_is_monotonic),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
