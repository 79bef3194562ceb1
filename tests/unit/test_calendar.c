#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/calendar.h"
#include "domain/date.h"

/* The first two trading weeks of July 2011 (July 4 was a holiday),
 * added out of order and with repeats. */
static int setup(void **state)
{
    static calendar c;
    static const int dom[] = {12, 5, 1, 6, 7, 8, 11, 5, 13, 14, 15, 1};

    calendar_init(&c);
    for (size_t i = 0; i < sizeof(dom) / sizeof(dom[0]); i++)
        calendar_add(&c, date_from_ymd(2011, 7, dom[i]));
    calendar_finish(&c);
    *state = &c;
    return 0;
}

static int teardown(void **state)
{
    calendar_release(*state);
    return 0;
}

static int32_t jul(int d)
{
    return date_from_ymd(2011, 7, d);
}

static void test_finish_sorts_and_dedupes(void **state)
{
    const calendar *c = *state;
    static const int want[] = {1, 5, 6, 7, 8, 11, 12, 13, 14, 15};

    assert_int_equal(c->n, 10);
    for (size_t i = 0; i < c->n; i++)
        assert_int_equal(c->days[i], jul(want[i]));
}

static void test_is_trading(void **state)
{
    const calendar *c = *state;

    assert_int_equal(calendar_is_trading(c, jul(1)), 1);
    assert_int_equal(calendar_is_trading(c, jul(2)), 0); /* Saturday */
    assert_int_equal(calendar_is_trading(c, jul(4)), 0); /* holiday */
    assert_int_equal(calendar_is_trading(c, jul(15)), 1);
    assert_int_equal(calendar_is_trading(c, jul(16)), 0);
    assert_int_equal(calendar_is_trading(c, jul(0)), 0);
}

static void test_session_for_rolls_forward(void **state)
{
    const calendar *c = *state;

    assert_int_equal(calendar_session_for(c, jul(6)), jul(6));
    assert_int_equal(calendar_session_for(c, jul(2)), jul(5));
    assert_int_equal(calendar_session_for(c, jul(3)), jul(5));
    assert_int_equal(calendar_session_for(c, jul(4)), jul(5));
    assert_int_equal(calendar_session_for(c, jul(9)), jul(11));
    assert_int_equal(calendar_session_for(c, date_from_ymd(2011, 6, 1)),
                     jul(1));
    assert_int_equal(calendar_session_for(c, jul(15)), jul(15));
    assert_int_equal(calendar_session_for(c, jul(16)), -1);
}

static void test_prev(void **state)
{
    const calendar *c = *state;

    assert_int_equal(calendar_prev(c, jul(1)), -1);
    assert_int_equal(calendar_prev(c, jul(5)), jul(1));
    assert_int_equal(calendar_prev(c, jul(4)), jul(1));
    assert_int_equal(calendar_prev(c, jul(6)), jul(5));
    assert_int_equal(calendar_prev(c, jul(11)), jul(8));
    assert_int_equal(calendar_prev(c, jul(30)), jul(15));
}

static void test_range(void **state)
{
    const calendar *c = *state;
    int32_t out[4] = {0, 0, 0, 0};

    assert_int_equal(calendar_range(c, jul(2), jul(8), out, 4), 4);
    assert_int_equal(out[0], jul(5));
    assert_int_equal(out[1], jul(6));
    assert_int_equal(out[2], jul(7));
    assert_int_equal(out[3], jul(8));

    assert_int_equal(calendar_range(c, jul(1), jul(15), out, 2), 10);
    assert_int_equal(out[0], jul(1));
    assert_int_equal(out[1], jul(5));
    assert_int_equal(out[2], jul(7)); /* untouched past max */

    assert_int_equal(calendar_range(c, jul(11), jul(11), out, 4), 1);
    assert_int_equal(out[0], jul(11));
    assert_int_equal(calendar_range(c, jul(2), jul(4), out, 4), 0);
    assert_int_equal(calendar_range(c, jul(8), jul(6), out, 4), 0);
    assert_int_equal(calendar_range(c, jul(14), INT32_MAX, out, 4), 2);
    assert_int_equal(out[1], jul(15));
    assert_int_equal(calendar_range(c, INT32_MIN, INT32_MAX, NULL, 0), 10);
}

static void test_empty_calendar(void **state)
{
    calendar c;
    int32_t out[1];

    (void)state;
    calendar_init(&c);
    calendar_finish(&c);
    assert_int_equal(c.n, 0);
    assert_int_equal(calendar_is_trading(&c, 0), 0);
    assert_int_equal(calendar_session_for(&c, 0), -1);
    assert_int_equal(calendar_prev(&c, 0), -1);
    assert_int_equal(calendar_range(&c, 0, 10, out, 1), 0);
    calendar_release(&c);
    calendar_release(&c);
}

static void test_many_days_grow(void **state)
{
    calendar c;

    (void)state;
    calendar_init(&c);
    for (int32_t d = 999; d >= 0; d--)
        calendar_add(&c, d * 2);
    calendar_finish(&c);
    assert_int_equal(c.n, 1000);
    assert_int_equal(calendar_session_for(&c, 1001), 1002);
    assert_int_equal(calendar_prev(&c, 1001), 1000);
    assert_int_equal(calendar_is_trading(&c, 1998), 1);
    assert_int_equal(calendar_is_trading(&c, 1999), 0);
    calendar_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finish_sorts_and_dedupes),
        cmocka_unit_test(test_is_trading),
        cmocka_unit_test(test_session_for_rolls_forward),
        cmocka_unit_test(test_prev),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_empty_calendar),
        cmocka_unit_test(test_many_days_grow),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
