#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/money.h"

static void test_parse_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        cents want;
    } cases[] = {
        {"0", 0, 0},
        {"12", 0, 1200},
        {"12.5", 0, 1250},
        {"12.05", 0, 1205},
        {"-0.07", 0, -7},
        {"262113.632", 0, 26211363},
        {"0.005", 0, 1},
        {"0.0049", 0, 0},
        {"-0.005", 0, -1},
        {"19.999", 0, 2000},
        {"10000000000000.00", 0, MONEY_MAX},
        {"10000000000000.01", -1, 0},
        {"99999999999999999999", -1, 0},
        {"", -1, 0},
        {"-", -1, 0},
        {".5", -1, 0},
        {"5.", -1, 0},
        {"+5", -1, 0},
        {" 5", -1, 0},
        {"5 ", -1, 0},
        {"1e3", -1, 0},
        {"1.2.3", -1, 0},
        {"abc", -1, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        cents v = 0;
        int rc = money_parse(cases[i].in, strlen(cases[i].in), &v);

        if (rc != cases[i].rc || (rc == 0 && v != cases[i].want))
            fail_msg("money_parse(\"%s\") = %d, %lld; want %d, %lld",
                     cases[i].in, rc, (long long)v, cases[i].rc,
                     (long long)cases[i].want);
    }
}

/* 2.61% of 92614.91 is 2417.249...: money_bps rounds it to 2417.25,
 * over the limit money_ratio_cmp holds; the floor is 2417.24. */
static void test_bps_floor(void **state)
{
    cents r;

    (void)state;
    assert_int_equal(money_bps(9261491, 261, &r), 0);
    assert_int_equal(r, 241725);
    assert_int_equal(money_ratio_cmp(241725, 9261491, 261), 1);
    assert_int_equal(money_bps_floor(9261491, 261), 241724);
    assert_int_equal(money_ratio_cmp(241724, 9261491, 261), -1);
    assert_int_equal(money_bps_floor(10000000, 500), 500000);
    assert_int_equal(money_bps_floor(0, 300), 0);
}

static void test_parse_reads_only_len(void **state)
{
    (void)state;
    cents v;

    assert_int_equal(money_parse("12.345678", 4, &v), 0);
    assert_int_equal(v, 1230);
}

/* Stated amounts: two decimals at most, not rounded. */
static void test_parse_cents_refuses_a_third_decimal(void **state)
{
    (void)state;
    cents v = 7;

    assert_int_equal(money_parse_cents("100.00", 6, &v), 0);
    assert_int_equal(v, 10000);
    assert_int_equal(money_parse_cents("12.5", 4, &v), 0);
    assert_int_equal(v, 1250);
    assert_int_equal(money_parse_cents("12", 2, &v), 0);
    assert_int_equal(v, 1200);
    assert_int_equal(money_parse_cents("100.001", 7, &v), -2);
    assert_int_equal(money_parse_cents("12.345", 6, &v), -2);
    assert_int_equal(money_parse_cents("12.", 3, &v), -1);
    assert_int_equal(money_parse_cents("x", 1, &v), -1);
    /* only len bytes are read */
    assert_int_equal(money_parse_cents("12.345", 5, &v), 0);
    assert_int_equal(v, 1234);
}

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        cents in;
        const char *want;
    } cases[] = {
        {0, "0.00"},
        {5, "0.05"},
        {-5, "-0.05"},
        {123456, "1234.56"},
        {-100, "-1.00"},
        {INT64_MAX, "92233720368547758.07"},
        {INT64_MIN, "-92233720368547758.08"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char out[MONEY_FMT_MAX];

        money_format(cases[i].in, out);
        assert_string_equal(out, cases[i].want);
    }
}

static void test_format_parse_round_trip(void **state)
{
    (void)state;
    static const cents values[] = {0, 1, -1, 99, 100, 123456789, -987654321};

    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
        char out[MONEY_FMT_MAX];
        cents back;

        money_format(values[i], out);
        assert_int_equal(money_parse(out, strlen(out), &back), 0);
        assert_int_equal(back, values[i]);
    }
}

static void test_from_double(void **state)
{
    (void)state;
    cents v;

    assert_int_equal(money_from_double(53.12, &v), 0);
    assert_int_equal(v, 5312);
    assert_int_equal(money_from_double(0.125, &v), 0);
    assert_int_equal(v, 13);
    assert_int_equal(money_from_double(-0.375, &v), 0);
    assert_int_equal(v, -38);
    assert_int_equal(money_from_double(1e300, &v), -1);
    assert_int_equal(money_from_double(0.0 / 0.0, &v), -1);
}

static void test_from_text_is_decimal(void **state)
{
    cents v;

    (void)state;
    /* The double nearest 48.795 is 48.794999...: as text it is 48.80. */
    assert_int_equal(money_from_text("48.795", &v), 0);
    assert_int_equal(v, 4880);
    assert_int_equal(money_from_text("8.5487", &v), 0);
    assert_int_equal(v, 855);
    assert_int_equal(money_from_text("1e-05", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(money_from_text("2.5e+02", &v), 0);
    assert_int_equal(v, 25000);
    assert_int_equal(money_from_text("NaN", &v), -1);
}

static void test_overflow_checked(void **state)
{
    (void)state;
    cents v;

    assert_int_equal(money_add(INT64_MAX, 1, &v), -1);
    assert_int_equal(money_sub(INT64_MIN, 1, &v), -1);
    assert_int_equal(money_mul(INT64_MAX / 2 + 1, 2, &v), -1);
    assert_int_equal(money_add(2, 3, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(money_mul(-7, 3, &v), 0);
    assert_int_equal(v, -21);
}

static void test_muldiv_rounds_half_away_from_zero(void **state)
{
    (void)state;
    static const struct {
        cents a;
        int64_t num, den;
        int rc;
        cents want;
    } cases[] = {
        {10000, 10005, 10000, 0, 10005},
        {5312, 10005, 10000, 0, 5315},
        {5312, 9995, 10000, 0, 5309},
        {1, 1, 2, 0, 1},
        {-1, 1, 2, 0, -1},
        {3, 1, 4, 0, 1},
        {1, 1, 3, 0, 0},
        {INT64_MAX, 2, 2, 0, INT64_MAX},
        {INT64_MAX, 3, 2, -1, 0},
        {5, 1, 0, -1, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        cents v = 0;
        int rc = money_muldiv(cases[i].a, cases[i].num, cases[i].den, &v);

        if (rc != cases[i].rc || (rc == 0 && v != cases[i].want))
            fail_msg("muldiv(%lld, %lld, %lld) = %d, %lld",
                     (long long)cases[i].a, (long long)cases[i].num,
                     (long long)cases[i].den, rc, (long long)v);
    }
}

static void test_ratio_cmp_is_exact(void **state)
{
    (void)state;
    /* 500 of 10000 is exactly 500 bp. */
    assert_int_equal(money_ratio_cmp(500, 10000, 500), 0);
    assert_int_equal(money_ratio_cmp(501, 10000, 500), 1);
    assert_int_equal(money_ratio_cmp(499, 10000, 500), -1);
    assert_int_equal(money_ratio_cmp(INT64_MAX, INT64_MAX, 10000), 0);
    assert_int_equal(money_ratio_bps(1, 3), 3333);
    assert_int_equal(money_ratio_bps(2, 3), 6667);
    assert_int_equal(money_ratio_bps(5, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_bps_floor),
        cmocka_unit_test(test_parse_reads_only_len),
        cmocka_unit_test(test_parse_cents_refuses_a_third_decimal),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_from_double),
        cmocka_unit_test(test_from_text_is_decimal),
        cmocka_unit_test(test_overflow_checked),
        cmocka_unit_test(test_muldiv_rounds_half_away_from_zero),
        cmocka_unit_test(test_ratio_cmp_is_exact),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
