/*
 * The one check of a daily bar (domain/pricebar.h): each reason at its
 * bounds, the first failing field named.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "domain/pricebar.h"

static void test_sane(void **state)
{
    (void)state;
    assert_null(pricebar_check(1.5032, 1.5064, 1.4489, 1.4604, 642646396));
    /* Every price equal, no volume, the bounds themselves. */
    assert_null(pricebar_check(10, 10, 10, 10, 0));
    assert_null(pricebar_check(0.0001, 0.0001, 0.0001, 0.0001, 1));
    assert_null(pricebar_check(1e8, 1e8, 1e8, 1e8, 9223372036854774784.0));
}

static void test_prices(void **state)
{
    (void)state;
    assert_string_equal(pricebar_check(-1, 2, 1, 1, 5), "open is not positive");
    assert_string_equal(pricebar_check(0, 2, 1, 1, 5), "open is not positive");
    assert_string_equal(pricebar_check(1, NAN, 1, 1, 5),
                        "high is not a finite number");
    assert_string_equal(pricebar_check(1, INFINITY, 1, 1, 5),
                        "high is not a finite number");
    assert_string_equal(pricebar_check(1, 2, 5e-324, 1, 5),
                        "low is below 0.0001");
    assert_string_equal(pricebar_check(1, 2, 1, 1e308, 5),
                        "close is above 100000000");
    assert_string_equal(pricebar_check(1, 100000000.02, 1, 1, 5),
                        "high is above 100000000");
    assert_string_equal(pricebar_check(1, 1, 2, 1, 5), "low is above high");
    assert_string_equal(pricebar_check(1, 3, 2, 2.5, 5),
                        "low is above open or close");
    assert_string_equal(pricebar_check(2, 3, 1, 0.5, 5),
                        "low is above open or close");
    assert_string_equal(pricebar_check(4, 3, 1, 2, 5),
                        "high is below open or close");
    assert_string_equal(pricebar_check(2, 3, 1, 3.5, 5),
                        "high is below open or close");
}

static void test_volume(void **state)
{
    (void)state;
    assert_string_equal(pricebar_check(1, 1, 1, 1, -1), "volume is negative");
    assert_string_equal(pricebar_check(1, 1, 1, 1, NAN),
                        "volume is not a finite number");
    assert_string_equal(pricebar_check(1, 1, 1, 1, 9.3e18),
                        "volume does not fit 64 bits");
    assert_string_equal(pricebar_check(1, 1, 1, 1, 9223372036854775808.0),
                        "volume does not fit 64 bits");
    assert_string_equal(pricebar_check(1, 1, 1, 1, 1e300),
                        "volume does not fit 64 bits");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sane),
        cmocka_unit_test(test_prices),
        cmocka_unit_test(test_volume),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
