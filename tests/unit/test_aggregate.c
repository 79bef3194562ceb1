#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>

#include <cmocka.h>

#include "domain/aggregate.h"

#define TOL 1e-12

static void near(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= TOL))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* Ages 0, 3 and 6 days, so the 7-day decay factors are 1, 1/2, 1/4. */
static void test_seven_day_window(void **state)
{
    const agg_signal sig[] = {
        {.day = 994, .sentiment = 1.0, .confidence = 1.0, .relevance = 1.0},
        {.day = 997, .sentiment = -0.5, .confidence = 0.8, .relevance = 0.5},
        {.day = 1000, .sentiment = 0.2, .confidence = 0.5, .relevance = 1.0},
        {.day = 1001, .sentiment = -1.0, .confidence = 1.0, .relevance = 1.0},
    };
    double w6 = pow(0.5, 0.6), w3 = 0.4 * pow(0.5, 0.3);
    aggregate a;

    (void)state;
    aggregate_compute(1000, sig, 4, NULL, 0, &a);
    assert_int_equal(a.as_of, 1000);

    /* (0.25 * 1 + 0.2 * -0.5 + 0.5 * 0.2) / (0.25 + 0.2 + 0.5) = 5/19 */
    near(a.sent_7d, 5.0 / 19.0, "sent_7d");
    assert_int_equal(a.count_7d, 3);
    near(a.sent_1d, 0.2, "sent_1d");
    assert_int_equal(a.count_1d, 1);
    near(a.sent_30d, (w6 - 0.5 * w3 + 0.1) / (w6 + w3 + 0.5), "sent_30d");
    assert_int_equal(a.count_30d, 3);
}

/* Ages 10 and 20 days: 30-day decay factors 1/2 and 1/4, outside the
 * 7-day window. Age 30 is outside the 30-day window; a signal with no
 * confidence has no weight and does not count. */
static void test_thirty_day_window(void **state)
{
    const agg_signal sig[] = {
        {.day = 970, .sentiment = 1.0, .confidence = 1.0, .relevance = 1.0},
        {.day = 971, .sentiment = 1.0, .confidence = 0.0, .relevance = 1.0},
        {.day = 980, .sentiment = -1.0, .confidence = 1.0, .relevance = 1.0},
        {.day = 990, .sentiment = 0.5, .confidence = 1.0, .relevance = 0.5},
    };
    aggregate a;

    (void)state;
    aggregate_compute(1000, sig, 4, NULL, 0, &a);
    /* (0.25 * -1 + 0.25 * 0.5) / 0.5 */
    near(a.sent_30d, -0.25, "sent_30d");
    assert_int_equal(a.count_30d, 2);
    near(a.sent_7d, 0.0, "sent_7d");
    assert_int_equal(a.count_7d, 0);
    near(a.sent_1d, 0.0, "sent_1d");
    assert_int_equal(a.count_1d, 0);
}

static void test_window_edges(void **state)
{
    const agg_signal sig[] = {
        {.day = 93, .sentiment = 1.0, .confidence = 1.0, .relevance = 1.0},
        {.day = 94, .sentiment = -1.0, .confidence = 1.0, .relevance = 1.0},
        {.day = 99, .sentiment = 0.5, .confidence = 1.0, .relevance = 1.0},
    };
    double w6 = pow(0.5, 2.0), w1 = pow(0.5, 1.0 / 3.0);
    aggregate a;

    (void)state;
    aggregate_compute(100, sig, 3, NULL, 0, &a);
    /* Age 7 is outside the 7-day window, age 6 inside; age 1 is not in
     * the 1-day window. */
    assert_int_equal(a.count_7d, 2);
    near(a.sent_7d, (-w6 + 0.5 * w1) / (w6 + w1), "sent_7d");
    assert_int_equal(a.count_1d, 0);
    near(a.sent_1d, 0.0, "sent_1d");
    assert_int_equal(a.count_30d, 3);
}

static void test_no_weight_means_zero(void **state)
{
    const agg_signal sig[] = {
        {.day = 5, .sentiment = 0.9, .confidence = 0.0, .relevance = 1.0},
        {.day = 5, .sentiment = 0.9, .confidence = 1.0, .relevance = 0.0},
    };
    aggregate a;

    (void)state;
    aggregate_compute(5, sig, 2, NULL, 0, &a);
    near(a.sent_1d, 0.0, "sent_1d");
    near(a.sent_7d, 0.0, "sent_7d");
    near(a.sent_30d, 0.0, "sent_30d");
    assert_int_equal(a.count_1d, 0);
    assert_int_equal(a.count_7d, 0);
    assert_int_equal(a.count_30d, 0);
}

static void test_returns_ignore_future_bars(void **state)
{
    agg_bar bars[25];
    aggregate a;

    (void)state;
    for (int i = 0; i < 25; i++) {
        bars[i].day = i + 1;
        bars[i].close = 1000.0 + i;
        bars[i].volume = 1.0;
    }
    bars[1].close = 80.0; /* day 2 */
    bars[16].close = 100.0; /* day 17 */
    bars[20].close = 125.0; /* day 21 */
    bars[21].close = 120.0; /* day 22 */
    bars[22].close = 1.0; /* days 23-25 lie after as_of */

    aggregate_compute(22, NULL, 0, bars, 25, &a);
    near(a.ret_1d, -0.04, "ret_1d");
    near(a.ret_5d, 0.2, "ret_5d");
    near(a.ret_20d, 0.5, "ret_20d");
    near(a.last_close, 120.0, "last_close");
    assert_int_equal(a.last_bar_day, 22);
}

static void test_volatility_small(void **state)
{
    const agg_bar bars[] = {
        {.day = 10, .close = 1.0},
        {.day = 11, .close = 2.0},
        {.day = 14, .close = 4.0},
        {.day = 15, .close = 2.0},
    };
    aggregate a;

    (void)state;
    /* Log returns ln2, ln2, -ln2: mean ln2/3, squared deviations sum to
     * 24/9 ln2^2, divided by 2 gives 4/3 ln2^2. */
    aggregate_compute(15, NULL, 0, bars, 4, &a);
    near(a.vol_20d, 2.0 / sqrt(3.0) * log(2.0), "vol_20d");
    near(a.ret_1d, -0.5, "ret_1d");
    assert_true(isnan(a.ret_5d)); /* 4 bars: unknown, not 0 */
    assert_true(isnan(a.ret_20d));
    near(a.last_close, 2.0, "last_close");
    assert_int_equal(a.last_bar_day, 15);

    /* As of day 13 only two bars are known: one return, no vol. */
    aggregate_compute(13, NULL, 0, bars, 4, &a);
    assert_true(isnan(a.vol_20d));
    near(a.ret_1d, 1.0, "ret_1d two bars");
    assert_int_equal(a.last_bar_day, 11);
}

/* 30 bars; only the last 21 closes (alternating 1 and 2) are used, so
 * the 20 log returns are +-ln2, ten of each: stdev ln2 * sqrt(20/19). */
static void test_volatility_uses_last_twenty_returns(void **state)
{
    agg_bar bars[32];
    aggregate a;

    (void)state;
    for (int i = 0; i < 32; i++) {
        bars[i].day = 100 + i;
        bars[i].volume = 0.0;
        if (i < 9)
            bars[i].close = 5000.0 + 700.0 * (i % 2);
        else
            bars[i].close = (i - 9) % 2 == 0 ? 1.0 : 2.0;
    }
    bars[30].close = 9999.0; /* after as_of */
    bars[31].close = 0.5;

    aggregate_compute(129, NULL, 0, bars, 32, &a);
    near(a.vol_20d, log(2.0) * sqrt(20.0 / 19.0), "vol_20d");
    near(a.ret_1d, -0.5, "ret_1d");
    near(a.ret_5d, -0.5, "ret_5d");
    near(a.ret_20d, 0.0, "ret_20d");
    near(a.last_close, 1.0, "last_close");
    assert_int_equal(a.last_bar_day, 129);
}

static void test_non_positive_close_gives_unknown(void **state)
{
    const agg_bar bars[] = {
        {.day = 1, .close = 0.0},
        {.day = 2, .close = 10.0},
        {.day = 3, .close = 11.0},
    };
    aggregate a;

    (void)state;
    aggregate_compute(3, NULL, 0, bars, 3, &a);
    near(a.ret_1d, 0.1, "ret_1d");
    assert_true(isnan(a.vol_20d));
}

static void test_no_bars(void **state)
{
    const agg_bar bars[] = {{.day = 50, .close = 3.0}};
    aggregate a;

    (void)state;
    aggregate_compute(10, NULL, 0, NULL, 0, &a);
    assert_int_equal(a.last_bar_day, -1);
    assert_true(isnan(a.last_close));
    assert_true(isnan(a.ret_1d));
    assert_true(isnan(a.ret_5d));
    assert_true(isnan(a.ret_20d));
    assert_true(isnan(a.vol_20d));

    aggregate_compute(10, NULL, 0, bars, 1, &a);
    assert_int_equal(a.last_bar_day, -1);
    assert_true(isnan(a.last_close));

    aggregate_compute(50, NULL, 0, bars, 1, &a);
    assert_int_equal(a.last_bar_day, 50);
    near(a.last_close, 3.0, "last_close");
    assert_true(isnan(a.ret_1d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seven_day_window),
        cmocka_unit_test(test_thirty_day_window),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_no_weight_means_zero),
        cmocka_unit_test(test_returns_ignore_future_bars),
        cmocka_unit_test(test_volatility_small),
        cmocka_unit_test(test_volatility_uses_last_twenty_returns),
        cmocka_unit_test(test_non_positive_close_gives_unknown),
        cmocka_unit_test(test_no_bars),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
