#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/date.h"

static int32_t parse_ok(const char *s)
{
    int32_t day = 12345;

    assert_int_equal(date_parse(s, strlen(s), &day), 0);
    return day;
}

static void parse_fails(const char *s)
{
    int32_t day = 12345;

    assert_int_equal(date_parse(s, strlen(s), &day), -1);
    assert_int_equal(day, 12345);
}

static void test_epoch_is_day_zero(void **state)
{
    (void)state;
    assert_int_equal(date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(date_from_ymd(1970, 1, 2), 1);
    assert_int_equal(date_from_ymd(1969, 12, 31), -1);
}

static void test_known_days(void **state)
{
    (void)state;
    assert_int_equal(date_from_ymd(2011, 7, 6), 15161);
    assert_int_equal(date_from_ymd(2000, 2, 29), 11016);
    assert_int_equal(date_from_ymd(2000, 3, 1), 11017);
    assert_int_equal(date_from_ymd(2012, 2, 29), 15399);
    assert_int_equal(date_from_ymd(2400, 2, 29), 157113);
    assert_int_equal(date_from_ymd(1900, 3, 1), -25508);
    assert_int_equal(date_from_ymd(1600, 1, 1), -135140);
    assert_int_equal(date_from_ymd(1, 1, 1), -719162);
    assert_int_equal(date_from_ymd(0, 3, 1), -719468);
    assert_int_equal(date_from_ymd(0, 1, 1), -719528);
    assert_int_equal(date_from_ymd(9999, 12, 31), 2932896);
}

static void test_to_ymd_inverts_from_ymd(void **state)
{
    int y, m, d;

    (void)state;
    date_to_ymd(15161, &y, &m, &d);
    assert_int_equal(y, 2011);
    assert_int_equal(m, 7);
    assert_int_equal(d, 6);

    date_to_ymd(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);

    date_to_ymd(11016, &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);

    date_to_ymd(-719528, &y, &m, &d);
    assert_int_equal(y, 0);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);

    for (int32_t day = -719528; day <= 2932896; day++) {
        date_to_ymd(day, &y, &m, &d);
        if (date_from_ymd(y, m, d) != day)
            fail_msg("day %d does not round trip", (int)day);
    }
}

static void test_parse_both_forms(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2011-07-06"), 15161);
    assert_int_equal(parse_ok("20110706"), 15161);
    assert_int_equal(parse_ok("1970-01-01"), 0);
    assert_int_equal(parse_ok("19691231"), -1);
    assert_int_equal(parse_ok("0000-01-01"), -719528);
    assert_int_equal(parse_ok("9999-12-31"), 2932896);
}

static void test_parse_leap_days(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2000-02-29"), 11016);
    assert_int_equal(parse_ok("2012-02-29"), 15399);
    assert_int_equal(parse_ok("24000229"), 157113);
    parse_fails("1900-02-29");
    parse_fails("2011-02-29");
    parse_fails("2100-02-29");
    parse_fails("2000-02-30");
}

static void test_parse_rejects_invalid(void **state)
{
    (void)state;
    parse_fails("");
    parse_fails("2011-13-01");
    parse_fails("2011-00-10");
    parse_fails("2011-01-00");
    parse_fails("2011-01-32");
    parse_fails("2011-04-31");
    parse_fails("2011-06-31");
    parse_fails("2011-7-06");
    parse_fails("2011/07/06");
    parse_fails("2011-07-0a");
    parse_fails("+011-07-06");
    parse_fails(" 2011-07-06");
    parse_fails("2011-07-06 ");
    parse_fails("2011070");
    parse_fails("201107066");
    parse_fails("2011-0706");
    parse_fails("11-07-06");
}

static void test_parse_reads_exactly_len_bytes(void **state)
{
    int32_t day = 7;

    (void)state;
    assert_int_equal(date_parse("2011-07-06junk", 10, &day), 0);
    assert_int_equal(day, 15161);
    assert_int_equal(date_parse("20110706", 6, &day), -1);
    assert_int_equal(date_parse("2011-07-06\0", 11, &day), -1);
}

static void test_format(void **state)
{
    char out[11];

    (void)state;
    date_format(15161, out);
    assert_string_equal(out, "2011-07-06");
    date_format(0, out);
    assert_string_equal(out, "1970-01-01");
    date_format(-1, out);
    assert_string_equal(out, "1969-12-31");
    date_format(11016, out);
    assert_string_equal(out, "2000-02-29");
    date_format(-719528, out);
    assert_string_equal(out, "0000-01-01");
    date_format(2932896, out);
    assert_string_equal(out, "9999-12-31");
}

static void test_format_clamps_out_of_range(void **state)
{
    char out[11];

    (void)state;
    date_format(-719529, out);
    assert_string_equal(out, "0000-01-01");
    date_format(INT32_MIN, out);
    assert_string_equal(out, "0000-01-01");
    date_format(2932897, out);
    assert_string_equal(out, "9999-12-31");
    date_format(INT32_MAX, out);
    assert_string_equal(out, "9999-12-31");
}

static void test_format_then_parse_round_trips(void **state)
{
    char out[11];

    (void)state;
    for (int32_t day = -719528; day <= 2932896; day += 7) {
        int32_t back;

        date_format(day, out);
        if (date_parse(out, 10, &back) != 0 || back != day)
            fail_msg("%s does not round trip", out);
    }
}

static void test_plausible(void **state)
{
    (void)state;
    int32_t today = date_from_ymd(2026, 12, 4);

    assert_int_equal(date_plausible(date_from_ymd(1970, 1, 1), today), 1);
    assert_int_equal(date_plausible(date_from_ymd(1969, 12, 31), today), 0);
    assert_int_equal(date_plausible(date_from_ymd(2011, 7, 6), today), 1);
    assert_int_equal(date_plausible(date_from_ymd(2027, 1, 4), today), 1);
    assert_int_equal(date_plausible(date_from_ymd(2027, 1, 5), today), 0);
    assert_int_equal(date_plausible(date_from_ymd(9999, 12, 31), today), 0);
    assert_int_equal(date_plausible(date_from_ymd(0, 1, 1), today), 0);
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(0), 4); /* Thursday */
    assert_int_equal(date_weekday(15161), 3); /* 2011-07-06 Wednesday */
    assert_int_equal(date_weekday(-1), 3); /* 1969-12-31 Wednesday */
    assert_int_equal(date_weekday(-4), 0); /* 1969-12-28 Sunday */
    assert_int_equal(date_weekday(2), 6); /* 1970-01-03 Saturday */
    assert_int_equal(date_weekday(11016), 2); /* 2000-02-29 Tuesday */
    assert_int_equal(date_weekday(-135140), 6); /* 1600-01-01 Saturday */
    assert_int_equal(date_weekday(-719162), 1); /* 0001-01-01 Monday */
    assert_int_equal(date_weekday(INT32_MIN), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_is_day_zero),
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_to_ymd_inverts_from_ymd),
        cmocka_unit_test(test_parse_both_forms),
        cmocka_unit_test(test_parse_leap_days),
        cmocka_unit_test(test_parse_rejects_invalid),
        cmocka_unit_test(test_parse_reads_exactly_len_bytes),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_clamps_out_of_range),
        cmocka_unit_test(test_format_then_parse_round_trips),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_plausible),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
