#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/perf.h"

/* The hand-computed values below are written as fractions; the code's
 * results may differ from them only by the rounding of a few floating
 * point operations. */
#define CLOSE(got, want)                                                       \
    do {                                                                       \
        double g_ = (got), w_ = (want);                                        \
        if (!(fabs(g_ - w_) <= 1e-12 * (fabs(w_) > 1 ? fabs(w_) : 1)))         \
            fail_msg("%s = %.17g, want %.17g", #got, g_, w_);                  \
    } while (0)

/* e = 100, 125, 100, 150: returns 1/4, -1/5, 1/2. */
static const double up_down_up[] = {100, 125, 100, 150};

static void test_returns(void **state)
{
    double r[4];

    (void)state;
    assert_int_equal(perf_returns(up_down_up, 4, r), 3);
    CLOSE(r[0], 0.25);
    CLOSE(r[1], -0.2);
    CLOSE(r[2], 0.5);
    assert_int_equal(perf_returns(up_down_up, 1, r), 0);
    assert_int_equal(perf_returns(up_down_up, 0, r), 0);
    /* after an equity of 0 or less a return means nothing: NAN, not a
     * crash */
    {
        static const double to_zero[] = {100, 0, 50, -10, 20};

        assert_int_equal(perf_returns(to_zero, 5, r), 4);
        CLOSE(r[0], -1.0);
        assert_true(isnan(r[1]));
        CLOSE(r[2], -1.2);
        assert_true(isnan(r[3]));
    }
}

static void test_total_and_annualised(void **state)
{
    (void)state;
    CLOSE(perf_total_return(up_down_up, 4), 0.5);
    /* three daily returns a year of 252: 1.5^84 - 1 */
    CLOSE(perf_annualised(0.5, 3), pow(1.5, 84.0) - 1.0);
    /* a year of returns: the total itself */
    CLOSE(perf_annualised(0.1, 252), 0.1);
    /* 126 returns, half a year: 1.21 is 1.1 squared */
    CLOSE(perf_annualised(0.1, 126), 0.21);
    assert_true(isnan(perf_total_return(up_down_up, 1)));
    assert_true(isnan(perf_annualised(0.5, 0)));
    assert_true(isnan(perf_annualised(-1.0, 10)));
}

static void test_mean_and_stdev(void **state)
{
    static const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};

    (void)state;
    /* mean 5; squared deviations sum to 32; sample variance 32 / 7 */
    CLOSE(perf_mean(x, 8), 5.0);
    CLOSE(perf_stdev(x, 8), sqrt(32.0 / 7.0));
    assert_true(isnan(perf_mean(x, 0)));
    assert_true(isnan(perf_stdev(x, 1)));
}

static void test_volatility_sharpe_sortino(void **state)
{
    static const double r[] = {0.25, -0.2, 0.5};
    /* mean 11/60; deviations 4/60, -23/60, 19/60; their squares sum to
     * 906/3600, so the sample variance is 906/7200. Downside: only
     * -1/5, so d^2 = (1/25) / 3 = 1/75. */
    double s = sqrt(906.0 / 7200.0);

    (void)state;
    CLOSE(perf_volatility(r, 3), s * sqrt(252.0));
    CLOSE(perf_sharpe(r, 3), (11.0 / 60.0) / s * sqrt(252.0));
    CLOSE(perf_sortino(r, 3), (11.0 / 60.0) * sqrt(75.0) * sqrt(252.0));
}

static void test_ratios_undefined(void **state)
{
    static const double flat[] = {0.01, 0.01, 0.01};
    static const double gains[] = {0.01, 0.02};

    (void)state;
    assert_true(isnan(perf_volatility(flat, 1)));
    assert_true(isnan(perf_sharpe(flat, 3))); /* no deviation */
    assert_true(isnan(perf_sortino(gains, 2))); /* no loss */
    assert_true(isnan(perf_sortino(gains, 0)));
    CLOSE(perf_volatility(flat, 3), 0.0);
}

static void test_max_drawdown(void **state)
{
    perf_drawdown d;

    (void)state;
    perf_max_drawdown(up_down_up, 4, &d);
    CLOSE(d.depth, 0.2);
    assert_int_equal(d.peak, 1);
    assert_int_equal(d.trough, 2);
    assert_int_equal(d.recovered, 1);
    assert_int_equal(d.recovery, 3);
}

static void test_drawdown_first_of_equal_troughs_not_recovered(void **state)
{
    static const double e[] = {100, 90, 120, 60, 80, 60, 100};
    perf_drawdown d;

    (void)state;
    perf_max_drawdown(e, 7, &d);
    CLOSE(d.depth, 0.5);
    assert_int_equal(d.peak, 2);
    assert_int_equal(d.trough, 3);
    assert_int_equal(d.recovered, 0);
}

static void test_drawdown_never_falls(void **state)
{
    static const double e[] = {100, 100, 101, 105};
    perf_drawdown d;

    (void)state;
    perf_max_drawdown(e, 4, &d);
    assert_true(d.depth == 0.0);
    assert_int_equal(d.peak, 0);
    assert_int_equal(d.trough, 0);
    assert_int_equal(d.recovered, 0);
    perf_max_drawdown(e, 0, &d);
    assert_true(d.depth == 0.0);
}

static void test_drawdown_series(void **state)
{
    static const double e[] = {100, 90, 120, 60, 80};
    double dd[5];

    (void)state;
    perf_drawdown_series(e, 5, dd);
    CLOSE(dd[0], 0.0);
    CLOSE(dd[1], -0.1);
    CLOSE(dd[2], 0.0);
    CLOSE(dd[3], -0.5);
    CLOSE(dd[4], -1.0 / 3.0);
}

static void test_turnover_and_hit_rate(void **state)
{
    (void)state;
    /* mean equity 475/4; 500 traded, one-way 250; 3 returns */
    CLOSE(perf_turnover(500.0, up_down_up, 4), 250.0 / (475.0 / 4.0) * 84.0);
    assert_true(isnan(perf_turnover(500.0, up_down_up, 1)));
    CLOSE(perf_hit_rate(3, 4), 0.75);
    assert_true(isnan(perf_hit_rate(0, 0)));
}

static void test_summary_agrees(void **state)
{
    double r[4];
    perf_summary s;

    (void)state;
    perf_summarize(up_down_up, 4, r, 500.0, 1, 2, &s);
    assert_int_equal(s.returns, 3);
    CLOSE(s.total, 0.5);
    CLOSE(s.annualised, pow(1.5, 84.0) - 1.0);
    CLOSE(s.volatility, sqrt(906.0 / 7200.0) * sqrt(252.0));
    CLOSE(s.dd.depth, 0.2);
    CLOSE(s.hit_rate, 0.5);
    CLOSE(s.best_day, 0.5);
    CLOSE(s.worst_day, -0.2);
    perf_summarize(up_down_up, 1, r, 0.0, 0, 0, &s);
    assert_int_equal(s.returns, 0);
    assert_true(isnan(s.best_day));
    assert_true(isnan(s.sharpe));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_returns),
        cmocka_unit_test(test_total_and_annualised),
        cmocka_unit_test(test_mean_and_stdev),
        cmocka_unit_test(test_volatility_sharpe_sortino),
        cmocka_unit_test(test_ratios_undefined),
        cmocka_unit_test(test_max_drawdown),
        cmocka_unit_test(test_drawdown_first_of_equal_troughs_not_recovered),
        cmocka_unit_test(test_drawdown_never_falls),
        cmocka_unit_test(test_drawdown_series),
        cmocka_unit_test(test_turnover_and_hit_rate),
        cmocka_unit_test(test_summary_agrees),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
