/*
 * Time stamps of providers: parsing, the New York date of bars and news
 * through daylight-saving changes (US rules since 2007), Retry-After,
 * and next-page URLs rebased on the configured host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/fetch.h"
#include "adapters/provider.h"
#include "adapters/tstamp.h"
#include "domain/date.h"
#include "services/pipeline.h"

static long long parsed(const char *s)
{
    long long t = 0;

    assert_int_equal(tstamp_parse(s, &t), 0);
    return t;
}

static void date_is(int32_t day, const char *want)
{
    char out[11];

    date_format(day, out);
    assert_string_equal(out, want);
}

static void test_parse_iso(void **state)
{
    (void)state;
    assert_int_equal(parsed("2024-06-24T18:33:53Z"), 1719254033LL);
    assert_int_equal(parsed("2025-12-12T18:02:43-05:00"), 1765580563LL);
    assert_int_equal(parsed("2022-02-01T05:00:00Z"), 1643691600LL);
    assert_int_equal(parsed("2022-02-01T05:00:00.123456789Z"), 1643691600LL);
    assert_int_equal(parsed("2022-02-01T10:30:00+05:30"), 1643691600LL);
    assert_int_equal(parsed("2022-02-01"), 1643673600LL);
}

static void test_parse_rfc822(void **state)
{
    (void)state;
    assert_int_equal(parsed("Fri, 12 Dec 2025 18:02:43 EST"), 1765580563LL);
    assert_int_equal(parsed("Fri, 12 Dec 2025 23:02:43 GMT"), 1765580563LL);
    assert_int_equal(parsed("Fri, 12 Dec 2025 23:02:43 +0000"), 1765580563LL);
    assert_int_equal(parsed("12 Dec 2025 19:02:43 -0400"), 1765580563LL);
    assert_int_equal(parsed("Fri, 12 Dec 2025 23:02 GMT"), 1765580520LL);
}

static void test_parse_rejects(void **state)
{
    long long t;

    (void)state;
    assert_int_equal(tstamp_parse("", &t), -1);
    assert_int_equal(tstamp_parse("yesterday", &t), -1);
    assert_int_equal(tstamp_parse("2023-02-30T00:00:00Z", &t), -1);
    assert_int_equal(tstamp_parse("2023-01-01T25:00:00Z", &t), -1);
    assert_int_equal(tstamp_parse("Fri, 12 Foo 2025 23:02:43 GMT", &t), -1);
    assert_int_equal(tstamp_parse("Fri, 12 Dec 2025 23:02:43 XYZ", &t), -1);
    /* Negative or overlong fields of an RFC 822 date (a feed's): the
     * hour -2147483648 overflowed int, 4294967306 read as 10. */
    assert_int_equal(tstamp_parse("Thu, 17 Apr 2025 -1:00:00 GMT", &t), -1);
    assert_int_equal(tstamp_parse("Thu, 17 Apr 2025 10:-5:00 GMT", &t), -1);
    assert_int_equal(tstamp_parse("Thu, 17 Apr 2025 10:05:-1 GMT", &t), -1);
    assert_int_equal(tstamp_parse("Thu, 17 Apr 2025 -2147483648:00:00 GMT", &t),
                     -1);
    assert_int_equal(tstamp_parse("Thu, 17 Apr 2025 4294967306:00:00 GMT", &t),
                     -1);
    assert_int_equal(tstamp_parse("Thu, 17 Apr -5 10:00:00 GMT", &t), -1);
    assert_int_equal(tstamp_parse("Thu, 4294967313 Apr 2025 10:00 GMT", &t),
                     -1);
}

/* The live scheduler's day is New York's: its evening is the next UTC
 * date, which had made a tick at 21:00 ask for tomorrow's news. */
static void test_live_scheduler_day(void **state)
{
    (void)state;
    date_is(scheduler_live_day(parsed("2026-12-05T02:00:00Z")), "2026-12-04");
    date_is(scheduler_live_day(parsed("2026-12-05T04:59:59Z")), "2026-12-04");
    date_is(scheduler_live_day(parsed("2026-12-05T05:00:00Z")), "2026-12-05");
    date_is(scheduler_live_day(parsed("2026-07-01T03:59:59Z")), "2026-06-30");
    date_is(scheduler_live_day(parsed("2026-07-01T04:00:00Z")), "2026-07-01");
}

/* A live tick reads a ticker from its last ingested day: a second tick
 * of one day had asked for news from the next day on (a job refused and
 * dead-lettered), and news dated a day after its first tick was lost. A
 * restart or a new ticker reads the look-back: a restart had read from
 * its own day on, so the days it was down and the bars before it were
 * never read. */
static void test_live_scheduler_from(void **state)
{
    int32_t d;

    (void)state;
    assert_int_equal(date_parse("2026-12-05", 10, &d), 0);
    assert_int_equal(scheduler_live_from(-1, d, 45), d - 45);
    assert_int_equal(scheduler_live_from(d, d, 45), d);
    assert_int_equal(scheduler_live_from(d - 1, d, 45), d - 1);
    assert_int_equal(scheduler_live_from(d - 3, d, 45), d - 3);
    assert_int_equal(scheduler_live_from(d - 45, d, 45), d - 45);
    assert_int_equal(scheduler_live_from(d - 46, d, 45), d - 45);
    assert_int_equal(scheduler_live_from(-1, d, 0), d);
    assert_int_equal(scheduler_live_from(d - 2, d, 0), d);
    /* a clock set back: never a 'from' after the day */
    assert_int_equal(scheduler_live_from(d + 1, d, 45), d);
}

/* Daily bars start at New York midnight: 05:00 UTC in winter, 04:00
 * in summer. 2024 changed on March 10 and November 3. */
static void test_bar_day_through_dst(void **state)
{
    (void)state;
    date_is(tstamp_ny_date(parsed("2024-03-08T05:00:00Z")), "2024-03-08");
    date_is(tstamp_ny_date(parsed("2024-03-11T04:00:00Z")), "2024-03-11");
    date_is(tstamp_ny_date(parsed("2024-11-01T04:00:00Z")), "2024-11-01");
    date_is(tstamp_ny_date(parsed("2024-11-04T05:00:00Z")), "2024-11-04");
    /* The recorded Polygon bars (Unix ms / 1000). */
    date_is(tstamp_ny_date(1112331600LL), "2005-04-01");
    date_is(tstamp_ny_date(1577941200LL), "2020-01-02");
    /* 01:59 EST and 03:00 EDT on 2024-03-10 are both March 10; 03:59
     * UTC on March 11 is still March 10 in New York. */
    date_is(tstamp_ny_date(parsed("2024-03-10T06:59:00Z")), "2024-03-10");
    date_is(tstamp_ny_date(parsed("2024-03-10T07:00:00Z")), "2024-03-10");
    date_is(tstamp_ny_date(parsed("2024-03-11T03:59:00Z")), "2024-03-10");
    /* 04:30 UTC on November 3 is 00:30 EDT... */
    date_is(tstamp_ny_date(parsed("2024-11-03T04:30:00Z")), "2024-11-03");
    /* ...and 04:30 UTC on November 4 is 23:30 EST of November 3. */
    date_is(tstamp_ny_date(parsed("2024-11-04T04:30:00Z")), "2024-11-03");
}

static void test_news_day_after_close(void **state)
{
    (void)state;
    /* 15:59 and 16:00 New York (EDT) on Monday 2024-06-24. */
    date_is(tstamp_news_day(parsed("2024-06-24T19:59:00Z")), "2024-06-24");
    date_is(tstamp_news_day(parsed("2024-06-24T20:00:00Z")), "2024-06-25");
    /* 16:00 EST is 21:00 UTC in winter: 20:30 UTC is before the close. */
    date_is(tstamp_news_day(parsed("2024-12-02T20:30:00Z")), "2024-12-02");
    date_is(tstamp_news_day(parsed("2024-12-02T21:00:00Z")), "2024-12-03");
    /* The day after Thanksgiving closes at 13:00. */
    date_is(tstamp_news_day(parsed("2024-11-29T18:30:00Z")), "2024-11-30");
    /* A Sunday has no close: the date stays. */
    date_is(tstamp_news_day(parsed("2024-08-18T20:15:44Z")), "2024-08-18");
    /* The SEC feed entry of Friday 18:02 EST counts from Saturday. */
    date_is(tstamp_news_day(1765580563LL), "2025-12-13");
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_int_equal(fetch_retry_after_ms("1", 0), 1000);
    assert_int_equal(fetch_retry_after_ms(" 120 ", 0), 120000);
    assert_int_equal(
        fetch_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412475LL),
        5000);
    assert_int_equal(
        fetch_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490LL), 0);
    assert_int_equal(fetch_retry_after_ms("soon", 0), -1);
    assert_int_equal(fetch_retry_after_ms("-3", 0), -1);
    assert_int_equal(fetch_retry_after_ms("1.5", 0), -1);
}

static void test_rebase_url(void **state)
{
    char *u;

    (void)state;
    u = provider_rebase_url("http://127.0.0.1:18481",
                            "https://api.polygon.io:443/v2/reference/"
                            "news?cursor=abc");
    assert_string_equal(u, "http://127.0.0.1:18481/v2/reference/news?"
                           "cursor=abc");
    free(u);
    u = provider_rebase_url("http://h/", "/v2/aggs?cursor=x");
    assert_string_equal(u, "http://h/v2/aggs?cursor=x");
    free(u);
}

static void test_cursor_loop_guard(void **state)
{
    provider_cursors c = {0};

    (void)state;
    assert_int_equal(provider_cursor_seen(&c, "a"), 0);
    assert_int_equal(provider_cursor_seen(&c, "b"), 0);
    assert_int_equal(provider_cursor_seen(&c, "a"), 1);
    provider_cursors_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_iso),
        cmocka_unit_test(test_parse_rfc822),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_bar_day_through_dst),
        cmocka_unit_test(test_live_scheduler_day),
        cmocka_unit_test(test_live_scheduler_from),
        cmocka_unit_test(test_news_day_after_close),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_rebase_url),
        cmocka_unit_test(test_cursor_loop_guard),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
