/*
 * The NYSE calendar rules against the published calendars: every
 * weekday of 2011-2026 is open unless it is in the holiday list below,
 * and closes early exactly on the listed days. The lists were typed
 * from the exchange's published holiday and early-close tables, not
 * computed. The replay's price file is a second, independent witness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/date.h"
#include "domain/exchange.h"

static const char *const holidays[] = {
    "2011-01-17", "2011-02-21", "2011-04-22", "2011-05-30", "2011-07-04",
    "2011-09-05", "2011-11-24", "2011-12-26", "2012-01-02", "2012-01-16",
    "2012-02-20", "2012-04-06", "2012-05-28", "2012-07-04", "2012-09-03",
    "2012-10-29", "2012-10-30", "2012-11-22", "2012-12-25", "2013-01-01",
    "2013-01-21", "2013-02-18", "2013-03-29", "2013-05-27", "2013-07-04",
    "2013-09-02", "2013-11-28", "2013-12-25", "2014-01-01", "2014-01-20",
    "2014-02-17", "2014-04-18", "2014-05-26", "2014-07-04", "2014-09-01",
    "2014-11-27", "2014-12-25", "2015-01-01", "2015-01-19", "2015-02-16",
    "2015-04-03", "2015-05-25", "2015-07-03", "2015-09-07", "2015-11-26",
    "2015-12-25", "2016-01-01", "2016-01-18", "2016-02-15", "2016-03-25",
    "2016-05-30", "2016-07-04", "2016-09-05", "2016-11-24", "2016-12-26",
    "2017-01-02", "2017-01-16", "2017-02-20", "2017-04-14", "2017-05-29",
    "2017-07-04", "2017-09-04", "2017-11-23", "2017-12-25", "2018-01-01",
    "2018-01-15", "2018-02-19", "2018-03-30", "2018-05-28", "2018-07-04",
    "2018-09-03", "2018-11-22", "2018-12-05", "2018-12-25", "2019-01-01",
    "2019-01-21", "2019-02-18", "2019-04-19", "2019-05-27", "2019-07-04",
    "2019-09-02", "2019-11-28", "2019-12-25", "2020-01-01", "2020-01-20",
    "2020-02-17", "2020-04-10", "2020-05-25", "2020-07-03", "2020-09-07",
    "2020-11-26", "2020-12-25", "2021-01-01", "2021-01-18", "2021-02-15",
    "2021-04-02", "2021-05-31", "2021-07-05", "2021-09-06", "2021-11-25",
    "2021-12-24", "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30",
    "2022-06-20", "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26",
    "2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29",
    "2023-06-19", "2023-07-04", "2023-09-04", "2023-11-23", "2023-12-25",
    "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27",
    "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25",
    "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18",
    "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27",
    "2025-12-25", "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03",
    "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26",
    "2026-12-25",
};

static const char *const early_closes[] = {
    "2011-11-25", "2012-07-03", "2012-11-23", "2012-12-24", "2013-07-03",
    "2013-11-29", "2013-12-24", "2014-07-03", "2014-11-28", "2014-12-24",
    "2015-11-27", "2015-12-24", "2016-11-25", "2017-07-03", "2017-11-24",
    "2018-07-03", "2018-11-23", "2018-12-24", "2019-07-03", "2019-11-29",
    "2019-12-24", "2020-11-27", "2020-12-24", "2021-11-26", "2022-11-25",
    "2023-07-03", "2023-11-24", "2024-07-03", "2024-11-29", "2024-12-24",
    "2025-07-03", "2025-11-28", "2025-12-24", "2026-11-27", "2026-12-24",
};

static int in_list(const char *const *list, size_t n, int32_t day)
{
    char s[11];

    date_format(day, s);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static int32_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

static void test_every_day_2011_to_2026(void **state)
{
    size_t nh = sizeof(holidays) / sizeof(*holidays);
    size_t ne = sizeof(early_closes) / sizeof(*early_closes);
    size_t seen_h = 0, seen_e = 0;

    (void)state;
    for (int32_t d = ymd(2011, 1, 1); d <= ymd(2026, 12, 31); d++) {
        int wd = date_weekday(d);
        int want_open = wd != 0 && wd != 6 && !in_list(holidays, nh, d);
        int want_early = in_list(early_closes, ne, d);
        exchange_day e;
        char s[11];

        exchange_describe(d, &e);
        date_format(d, s);
        if (e.open != want_open)
            fail_msg("%s: open %d, want %d (%s)", s, e.open, want_open,
                     e.closed_why ? e.closed_why : "-");
        if (e.early_close != want_early)
            fail_msg("%s: early close %d, want %d", s, e.early_close,
                     want_early);
        if (e.open)
            assert_int_equal(e.close_min, want_early ? 13 * 60 : 16 * 60);
        seen_h += !e.open && wd != 0 && wd != 6;
        seen_e += e.early_close;
    }
    assert_int_equal(seen_h, nh);
    assert_int_equal(seen_e, ne);
}

static void test_holiday_names(void **state)
{
    static const struct {
        int y, m, d;
        const char *why;
    } cases[] = {
        {2012, 1, 2, "New Year's Day"},
        {2011, 12, 26, "Christmas Day"},
        {2015, 7, 3, "Independence Day"},
        {2022, 6, 20, "Juneteenth"},
        {2018, 12, 5, "National Day of Mourning for George H. W. Bush"},
        {2011, 9, 3, "weekend"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        exchange_day e;

        exchange_describe(ymd(cases[i].y, cases[i].m, cases[i].d), &e);
        assert_int_equal(e.open, 0);
        assert_string_equal(e.closed_why, cases[i].why);
    }
}

static void test_next_and_prev_open(void **state)
{
    (void)state;
    /* Friday 2011-09-02 -> Labor Day weekend -> Tuesday 09-06. */
    assert_int_equal(exchange_next_open(ymd(2011, 9, 2)), ymd(2011, 9, 6));
    assert_int_equal(exchange_prev_open(ymd(2011, 9, 6)), ymd(2011, 9, 2));
    assert_int_equal(exchange_next_open(ymd(2012, 10, 26)), ymd(2012, 10, 31));
    assert_int_equal(exchange_next_open(ymd(2011, 12, 23)), ymd(2011, 12, 27));
}

static void test_session_of(void **state)
{
    (void)state;
    /* a trading day is its own session until its close; a weekend, a
     * holiday weekend and a one-off closure give the next trading day,
     * and so does the evening of a trading day (early close: 13:00) */
    assert_int_equal(exchange_session_of(ymd(2026, 12, 4), 0),
                     ymd(2026, 12, 4));
    assert_int_equal(exchange_session_of(ymd(2026, 12, 4), 15 * 60 + 59),
                     ymd(2026, 12, 4));
    assert_int_equal(exchange_session_of(ymd(2026, 12, 4), 16 * 60),
                     ymd(2026, 12, 7));
    assert_int_equal(exchange_session_of(ymd(2026, 12, 4), 23 * 60 + 59),
                     ymd(2026, 12, 7));
    assert_int_equal(exchange_session_of(ymd(2026, 11, 27), 12 * 60 + 59),
                     ymd(2026, 11, 27));
    assert_int_equal(exchange_session_of(ymd(2026, 11, 27), 13 * 60),
                     ymd(2026, 11, 30));
    assert_int_equal(exchange_session_of(ymd(2026, 12, 5), 600),
                     ymd(2026, 12, 7));
    assert_int_equal(exchange_session_of(ymd(2026, 12, 6), 0),
                     ymd(2026, 12, 7));
    assert_int_equal(exchange_session_of(ymd(2011, 9, 5), 600),
                     ymd(2011, 9, 6));
    assert_int_equal(exchange_session_of(ymd(2012, 10, 29), 600),
                     ymd(2012, 10, 31));
}

static void test_phases(void **state)
{
    static const struct {
        int y, m, d, minute;
        exchange_phase want;
    } cases[] = {
        {2011, 9, 6, 3 * 60 + 59, PHASE_CLOSED},
        {2011, 9, 6, 4 * 60, PHASE_PRE},
        {2011, 9, 6, 9 * 60 + 29, PHASE_PRE},
        {2011, 9, 6, 9 * 60 + 30, PHASE_REGULAR},
        {2011, 9, 6, 15 * 60 + 59, PHASE_REGULAR},
        {2011, 9, 6, 16 * 60, PHASE_POST},
        {2011, 9, 6, 19 * 60 + 59, PHASE_POST},
        {2011, 9, 6, 20 * 60, PHASE_CLOSED},
        {2011, 11, 25, 13 * 60, PHASE_POST},
        {2011, 11, 25, 17 * 60, PHASE_CLOSED},
        {2011, 9, 5, 10 * 60, PHASE_CLOSED},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        assert_int_equal(
            exchange_phase_at(ymd(cases[i].y, cases[i].m, cases[i].d),
                              cases[i].minute),
            cases[i].want);
}

static void test_new_york_time(void **state)
{
    static const struct {
        int64_t unix_s;
        int y, m, d, minute;
    } cases[] = {
        /* 2011-09-06 13:30 UTC is 09:30 EDT. */
        {1315315800, 2011, 9, 6, 9 * 60 + 30},
        /* 2011-12-01 14:30 UTC is 09:30 EST. */
        {1322749800, 2011, 12, 1, 9 * 60 + 30},
        /* 2011-03-13 06:59 UTC is 01:59 EST; 07:00 UTC is 03:00 EDT. */
        {1299999540, 2011, 3, 13, 1 * 60 + 59},
        {1299999600, 2011, 3, 13, 3 * 60},
        /* 2011-11-06 05:59 UTC is 01:59 EDT; 06:00 UTC is 01:00 EST. */
        {1320559140, 2011, 11, 6, 1 * 60 + 59},
        {1320559200, 2011, 11, 6, 1 * 60},
        /* 2024-01-01 03:00 UTC is 22:00 EST on New Year's Eve. */
        {1704078000, 2023, 12, 31, 22 * 60},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int32_t day;
        int minute;

        exchange_ny_time(cases[i].unix_s, &day, &minute);
        assert_int_equal(day, ymd(cases[i].y, cases[i].m, cases[i].d));
        assert_int_equal(minute, cases[i].minute);
    }
}

/* exchange_ny_unix inverts exchange_ny_time, through both changes. */
static void test_new_york_minute_to_unix(void **state)
{
    static const struct {
        int y, m, d, minute;
        int64_t unix_s;
    } cases[] = {
        {2011, 9, 6, 9 * 60 + 30, 1315315800}, /* EDT */
        {2011, 12, 1, 9 * 60 + 30, 1322749800}, /* EST */
        {2011, 3, 13, 1 * 60 + 59, 1299999540}, /* last EST minute */
        {2011, 3, 13, 3 * 60, 1299999600}, /* first EDT minute */
        /* 02:30 does not exist that day: read as EST, it is 03:30 EDT */
        {2011, 3, 13, 2 * 60 + 30, 1299999600 + 30 * 60},
        /* 01:30 comes twice on 2011-11-06: the first, EDT, 05:30 UTC */
        {2011, 11, 6, 1 * 60 + 30, 1320557400},
        {2011, 11, 6, 2 * 60, 1320562800}, /* 02:00 EST, 07:00 UTC */
        {2023, 12, 31, 22 * 60, 1704078000},
        {2026, 12, 4, 0, 1796360400}, /* midnight EST, 05:00 UTC */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int32_t day = ymd(cases[i].y, cases[i].m, cases[i].d);

        assert_int_equal(exchange_ny_unix(day, cases[i].minute),
                         cases[i].unix_s);
    }
    /* every minute of a year there and back */
    for (int32_t day = ymd(2026, 1, 1); day < ymd(2027, 1, 1); day++)
        for (int minute = 0; minute < 1440; minute++) {
            int32_t d;
            int m;

            exchange_ny_time(exchange_ny_unix(day, minute), &d, &m);
            if (d != day || m != minute)
                assert_true(day == ymd(2026, 3, 8) && minute >= 120 &&
                            minute < 180 && m == minute + 60);
        }
}

static void test_session_over(void **state)
{
    int32_t fri = ymd(2026, 12, 4), sat = ymd(2026, 12, 5);
    int32_t early = ymd(2026, 11, 27); /* closes at 13:00 */

    (void)state;
    assert_int_equal(exchange_session_over(fri, fri, 15 * 60 + 59), 0);
    assert_int_equal(exchange_session_over(fri, fri, 16 * 60), 1);
    assert_int_equal(exchange_session_over(fri, sat, 0), 1);
    assert_int_equal(exchange_session_over(sat, fri, 23 * 60), 0);
    assert_int_equal(exchange_session_over(sat, sat, 0), 1);
    assert_int_equal(exchange_session_over(early, early, 12 * 60 + 59), 0);
    assert_int_equal(exchange_session_over(early, early, 13 * 60), 1);
}

/* Every day with bars in the replay's price file is a trading day, and
 * every trading day in its range has bars. */
static void test_agrees_with_the_price_file(void **state)
{
    FILE *f = fopen("data/replay/daily_ohlcv_2011-2012H1_40tickers.csv", "r");
    static unsigned char has[800];
    int32_t first = ymd(2011, 1, 1), last = ymd(2012, 6, 29);
    char line[256];

    (void)state;
    if (!f)
        skip();
    while (fgets(line, sizeof(line), f)) {
        char *c = strchr(line, ',');
        int32_t d;

        if (!c || date_parse(c + 1, 10, &d) < 0)
            continue;
        assert_true(d >= first && d <= last);
        has[d - first] = 1;
    }
    fclose(f);
    for (int32_t d = first; d <= last; d++) {
        char s[11];

        date_format(d, s);
        if (has[d - first] != exchange_is_open(d))
            fail_msg("%s: bars %d, exchange open %d", s, has[d - first],
                     exchange_is_open(d));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_day_2011_to_2026),
        cmocka_unit_test(test_holiday_names),
        cmocka_unit_test(test_next_and_prev_open),
        cmocka_unit_test(test_session_of),
        cmocka_unit_test(test_phases),
        cmocka_unit_test(test_new_york_time),
        cmocka_unit_test(test_new_york_minute_to_unix),
        cmocka_unit_test(test_session_over),
        cmocka_unit_test(test_agrees_with_the_price_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
