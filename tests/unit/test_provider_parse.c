/*
 * The parsers of the providers' JSON answers, apart from HTTP: Polygon
 * and Alpaca bars and news pages (days kept, cursors, Polygon's status
 * ERROR, times out of range) and Alpaca's trading answers (orders,
 * errors, positions, account, clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "adapters/alpaca_trading.h"
#include "adapters/provider.h"
#include "adapters/provider_parse.h"
#include "domain/date.h"
#include "lib/log.h"

static const char *const feeds[] = {"AAPL", NULL};

static provider_query query(void)
{
    provider_query q;

    memset(&q, 0, sizeof(q));
    q.ticker = "AAPL";
    q.feeds = feeds;
    q.nfeeds = 1;
    q.from = date_from_ymd(2000, 1, 1);
    q.to = date_from_ymd(2030, 12, 31);
    q.bars_from = q.from;
    return q;
}

/* Runs fn over text; returns its code, *next and the result in out. */
static int run(provider_page_fn fn, const char *text, provider_result *out,
               char **next, char *err)
{
    provider_query q = query();
    json_t *root;
    int rc;

    assert_int_equal(provider_parse_json(text, strlen(text), &root, err, 256),
                     PROVIDER_OK);
    provider_result_init(out);
    rc = fn(&q, root, out, next, err, 256);
    json_decref(root);
    return rc;
}

static void test_polygon_bars(void **state)
{
    const char *text =
        "{\"results\":[{\"v\":642646396.0,\"o\":1.5032,\"c\":1.4604,"
        "\"h\":1.5064,\"l\":1.4489,\"t\":1112331600000},"
        "{\"o\":1,\"c\":2,\"t\":1e300},{\"o\":1,\"t\":1112587200000}],"
        "\"status\":\"OK\",\"next_url\":\"https://x/v2/aggs?cursor=2\"}";
    provider_result out;
    char err[256], *next = NULL;

    (void)state;
    assert_int_equal(run(polygon_parse_bars, text, &out, &next, err),
                     PROVIDER_OK);
    assert_int_equal(out.nbars, 1); /* no time in range, no close */
    assert_int_equal(out.bars[0].day, date_from_ymd(2005, 4, 1));
    assert_true(out.bars[0].open == 1.5032);
    assert_int_equal(out.bars[0].volume, 642646396LL);
    assert_string_equal(next, "https://x/v2/aggs?cursor=2");
    free(next);
    provider_result_release(&out);
}

static size_t log_lines(const char *log)
{
    size_t n = 0;

    for (; (log = strchr(log, '\n')); log++)
        n++;
    return n;
}

/* Sends stderr (the log) to a file until log_end, which returns what
 * was written (the caller frees). */
static FILE *log_begin(int *saved)
{
    FILE *f = tmpfile();

    assert_non_null(f);
    log_init("test", LOG_LEVEL_WARN);
    fflush(stderr);
    *saved = dup(2);
    dup2(fileno(f), 2);
    return f;
}

static char *log_end(FILE *f, int saved)
{
    long len;
    char *log;

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    len = lseek(fileno(f), 0, SEEK_END);
    log = calloc(1, (size_t)len + 1);
    assert_non_null(log);
    assert_int_equal(pread(fileno(f), log, (size_t)len, 0), len);
    fclose(f);
    return log;
}

/* run() with the log captured; returns the log (the caller frees). */
static char *run_logged(provider_page_fn fn, const char *text,
                        provider_result *out, char **next, char *err)
{
    int saved;
    FILE *f = log_begin(&saved);

    assert_int_equal(run(fn, text, out, next, err), PROVIDER_OK);
    return log_end(f, saved);
}

/* run_logged, keeping the parsed answer in *root (the caller
 * json_decref's it): for a test that looks at the answer too. */
static char *run_logged_root(provider_page_fn fn, const char *text,
                             provider_result *out, json_t **root)
{
    provider_query q = query();
    char err[256], *next = NULL;
    int saved;
    FILE *f = log_begin(&saved);

    assert_int_equal(
        provider_parse_json(text, strlen(text), root, err, sizeof(err)),
        PROVIDER_OK);
    provider_result_init(out);
    assert_int_equal(fn(&q, *root, out, &next, err, sizeof(err)), PROVIDER_OK);
    free(next);
    return log_end(f, saved);
}

static void test_polygon_bars_checked(void **state)
{
    /* Days 2005-04-01 .. 2005-04-12: only the first and the last are
     * sane; each other one fails another check. */
    const char *text =
        "{\"results\":["
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1112331600000},"
        "{\"o\":-10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1112418000000},"
        "{\"o\":10,\"h\":9,\"l\":11,\"c\":10.5,\"v\":1000,"
        "\"t\":1112504400000},"
        "{\"o\":10,\"h\":1e308,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1112590800000},"
        "{\"o\":10,\"h\":11,\"l\":5e-324,\"c\":10.5,\"v\":1000,"
        "\"t\":1112677200000},"
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":9.3e18,"
        "\"t\":1112763600000},"
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":1e300,"
        "\"t\":1112850000000},"
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":-5,"
        "\"t\":1112936400000},"
        "{\"o\":10,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1113022800000},"
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,"
        "\"t\":1113109200000},"
        "{\"o\":0,\"h\":11,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1113195600000},"
        "{\"o\":12,\"h\":12.5,\"l\":11.5,\"c\":12.25,\"v\":2000.6,"
        "\"t\":1113282000000}],\"status\":\"OK\"}";
    static const char *const warned[] = {
        "\"day\":\"2005-04-02\",\"reason\":\"open is not positive\"",
        "\"day\":\"2005-04-03\",\"reason\":\"low is above high\"",
        "\"day\":\"2005-04-04\",\"reason\":\"high is above 100000000\"",
        "\"day\":\"2005-04-05\",\"reason\":\"low is below 0.0001\"",
        "\"day\":\"2005-04-06\",\"reason\":\"volume does not fit 64 bits\"",
        "\"day\":\"2005-04-07\",\"reason\":\"volume does not fit 64 bits\"",
        "\"day\":\"2005-04-08\",\"reason\":\"volume is negative\"",
        "\"day\":\"2005-04-09\",\"reason\":\"high (h) is missing or not a "
        "number\"",
        "\"day\":\"2005-04-10\",\"reason\":\"volume (v) is missing or not "
        "a number\"",
        "\"day\":\"2005-04-11\",\"reason\":\"open is not positive\"",
    };
    provider_result out;
    char err[256], *next = NULL, *log;
    const char *at;

    (void)state;
    log = run_logged(polygon_parse_bars, text, &out, &next, err);
    assert_int_equal(out.nbars, 2);
    assert_int_equal(out.bars[0].day, date_from_ymd(2005, 4, 1));
    assert_true(out.bars[0].open == 10 && out.bars[0].high == 11 &&
                out.bars[0].low == 9 && out.bars[0].close == 10.5);
    assert_int_equal(out.bars[0].volume, 1000);
    assert_int_equal(out.bars[1].day, date_from_ymd(2005, 4, 12));
    assert_true(out.bars[1].open == 12 && out.bars[1].high == 12.5 &&
                out.bars[1].low == 11.5 && out.bars[1].close == 12.25);
    assert_int_equal(out.bars[1].volume, 2001);
    assert_int_equal(log_lines(log), 10);
    at = log;
    for (size_t i = 0; i < 10; i++) {
        char want[200];

        snprintf(want, sizeof(want),
                 "\"msg\":\"price bar skipped\",\"ticker\":\"AAPL\",%s}",
                 warned[i]);
        at = strstr(at, want);
        assert_non_null(at);
    }
    assert_null(next);
    free(log);
    provider_result_release(&out);
}

static void test_alpaca_bars_checked(void **state)
{
    const char *text =
        "{\"bars\":{\"AAPL\":[{\"t\":\"2022-02-01T05:00:00Z\",\"o\":174,"
        "\"h\":174.84,\"l\":172.31,\"c\":174.61,\"v\":85998033},"
        "{\"t\":\"2022-02-02T05:00:00Z\",\"o\":174,\"h\":174.5,"
        "\"l\":172.31,\"c\":174.61,\"v\":85998033},"
        "{\"t\":\"2022-02-03T05:00:00Z\",\"o\":174,\"h\":174.84,"
        "\"l\":172.31,\"c\":\"174.61\",\"v\":85998033}]},"
        "\"next_page_token\":null}";
    provider_result out;
    char err[256], *next = NULL, *log;

    (void)state;
    log = run_logged(alpaca_parse_bars, text, &out, &next, err);
    assert_int_equal(out.nbars, 1);
    assert_int_equal(out.bars[0].day, date_from_ymd(2022, 2, 1));
    assert_int_equal(out.bars[0].volume, 85998033);
    assert_non_null(strstr(log, "\"ticker\":\"AAPL\",\"day\":\"2022-02-02\","
                                "\"reason\":\"high is below open or "
                                "close\"}\n"));
    assert_non_null(strstr(log, "\"ticker\":\"AAPL\",\"day\":\"2022-02-03\","
                                "\"reason\":\"close (c) is missing or not a "
                                "number\"}\n"));
    free(log);
    provider_result_release(&out);
}

static void test_polygon_status_error(void **state)
{
    provider_result out;
    char err[256], *next = NULL;

    (void)state;
    assert_int_equal(run(polygon_parse_news,
                         "{\"status\":\"ERROR\",\"error\":\"Unknown API Key\","
                         "\"next_url\":\"https://x/next\"}",
                         &out, &next, err),
                     PROVIDER_FAIL);
    assert_string_equal(err, "polygon answered status ERROR: Unknown API Key");
    assert_null(next);
    provider_result_release(&out);
}

static void test_polygon_news(void **state)
{
    const char *text =
        "{\"results\":[{\"id\":\"n1\",\"published_utc\":"
        "\"2024-06-24T18:33:53Z\",\"title\":\"Apple &amp; the Fed\","
        "\"description\":\"<p>Rates</p>\",\"tickers\":[\"MSFT\",\"aapl\"]},"
        "{\"id\":\"n2\",\"published_utc\":\"2024-06-24T10:00:00Z\","
        "\"title\":\"\"},{\"id\":3,\"published_utc\":\"2024-06-24T10:00:00Z\","
        "\"title\":\"numeric id\"}],\"status\":\"OK\"}";
    provider_result out;
    char err[256], *next = NULL;

    (void)state;
    assert_int_equal(run(polygon_parse_news, text, &out, &next, err),
                     PROVIDER_OK);
    assert_int_equal(out.nnews, 1);
    assert_string_equal(out.news[0].provider_id, "n1");
    assert_string_equal(out.news[0].title, "Apple & the Fed");
    assert_string_equal(out.news[0].body, "Rates");
    assert_int_equal(out.news[0].tagged, 1);
    assert_null(next);
    provider_result_release(&out);
}

/* An article whose id is over PROVIDER_ID_MAX bytes is skipped with a
 * warning; the others of the page, one of exactly 1024 bytes among
 * them, are kept. */
static void test_polygon_news_long_id(void **state)
{
    size_t cap = 12000 + 3 * 200, at = 0;
    char *text = malloc(cap), err[256], *next = NULL, *log;
    char id1024[PROVIDER_ID_MAX + 1];
    provider_result out;
    const char *item = "{\"id\":\"%s\",\"published_utc\":"
                       "\"2024-06-24T18:33:53Z\",\"title\":\"%s\"}";

    (void)state;
    assert_non_null(text);
    memset(id1024, 'b', PROVIDER_ID_MAX);
    id1024[PROVIDER_ID_MAX] = '\0';
    at += (size_t)sprintf(text + at, "{\"results\":[");
    at += (size_t)sprintf(text + at, item, "first", "First");
    at += (size_t)sprintf(text + at, ",{\"id\":\"");
    memset(text + at, 'a', 10000);
    at += 10000;
    at += (size_t)sprintf(text + at,
                          "\",\"published_utc\":\"2024-06-24T18:33:53Z\","
                          "\"title\":\"Long\"},");
    at += (size_t)sprintf(text + at, item, id1024, "Edge");
    at += (size_t)sprintf(text + at, "],\"status\":\"OK\"}");
    assert_true(at < cap);
    log = run_logged(polygon_parse_news, text, &out, &next, err);
    assert_int_equal(out.nnews, 2);
    assert_string_equal(out.news[0].provider_id, "first");
    assert_string_equal(out.news[0].title, "First");
    assert_string_equal(out.news[1].provider_id, id1024);
    assert_string_equal(out.news[1].title, "Edge");
    assert_non_null(strstr(log,
                           "\"msg\":\"news item skipped: its provider "
                           "id is over 1024 bytes\",\"bytes\":10000,"
                           "\"id_start\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"
                           "\n"));
    assert_int_equal(log_lines(log), 1);
    free(log);
    free(text);
    provider_result_release(&out);
}

static void test_alpaca_bars_and_news(void **state)
{
    const char *bars =
        "{\"bars\":{\"AAPL\":[{\"t\":\"2022-02-01T05:00:00Z\",\"o\":174,"
        "\"h\":174.84,\"l\":172.31,\"c\":174.61,\"v\":85998033}],"
        "\"TSLA\":[{\"t\":\"2022-02-01T05:00:00Z\",\"o\":1,\"c\":2}]},"
        "\"next_page_token\":\"QUFQTA==\"}";
    const char *news =
        "{\"news\":[{\"id\":40432158,\"created_at\":\"2024-08-18T20:15:44Z\","
        "\"headline\":\"headline\",\"summary\":\"\",\"content\":\"text\","
        "\"symbols\":[\"QCOM\"]}],\"next_page_token\":null}";
    provider_result out;
    char err[256], *next = NULL;

    (void)state;
    assert_int_equal(run(alpaca_parse_bars, bars, &out, &next, err),
                     PROVIDER_OK);
    assert_int_equal(out.nbars, 1);
    assert_int_equal(out.bars[0].day, date_from_ymd(2022, 2, 1));
    assert_true(out.bars[0].close == 174.61);
    assert_string_equal(next, "QUFQTA==");
    free(next);
    provider_result_release(&out);

    assert_int_equal(run(alpaca_parse_news, news, &out, &next, err),
                     PROVIDER_OK);
    assert_int_equal(out.nnews, 1);
    assert_string_equal(out.news[0].provider_id, "40432158");
    assert_string_equal(out.news[0].body, "text");
    assert_int_equal(out.news[0].tagged, 0);
    assert_null(next);
    provider_result_release(&out);
}

static void test_not_an_object(void **state)
{
    json_t *root = (json_t *)1;
    char err[256];

    (void)state;
    assert_int_equal(provider_parse_json("[1]", 3, &root, err, sizeof(err)),
                     PROVIDER_FAIL);
    assert_null(root);
    assert_string_equal(err, "the answer is JSON but not an object");
    assert_int_equal(
        provider_parse_json("{\"a\":}", 6, &root, err, sizeof(err)),
        PROVIDER_FAIL);
    assert_null(root);
    assert_string_equal(err, "the answer is not valid JSON: unexpected token "
                             "near '}' (line 1, column 6)");
    /* A bad byte outside strings is not repaired. */
    assert_int_equal(
        provider_parse_json("{\"a\":1\xff}", 8, &root, err, sizeof(err)),
        PROVIDER_FAIL);
    assert_string_equal(err, "the answer is not valid JSON: unable to decode "
                             "byte 0xff near '1' (line 1, column 6)");
    /* The length bounds the text: no NUL is needed or read. */
    assert_int_equal(provider_parse_json("{}xx", 2, &root, err, sizeof(err)),
                     PROVIDER_OK);
    json_decref(root);
}

/* One item with \u0000, a Latin-1 byte or a lone surrogate does not
 * cost the page: a NUL is a space in text, the others read as U+FFFD;
 * an id holding a NUL skips its item only. */
static void test_polygon_news_bad_strings(void **state)
{
    const char text[] =
        "{\"results\":["
        "{\"id\":\"n1\",\"published_utc\":\"2024-06-24T18:33:53Z\","
        "\"title\":\"Apple\\u0000rises\",\"description\":\"a\\u0000\"},"
        "{\"id\":\"n2\",\"published_utc\":\"2024-06-24T18:33:53Z\","
        "\"title\":\"Caf\xe9 \\udc00 \\ud83d\\ude00 \\ud800x\"},"
        "{\"id\":\"n\\u00003\",\"published_utc\":\"2024-06-24T18:33:53Z\","
        "\"title\":\"NUL id\"},"
        "{\"id\":\"n4\",\"published_utc\":\"2024-06-24T18:33:53Z\","
        "\"title\":\"Fine \\\"quoted\\\" \xc3\xa9\"}],\"status\":\"OK\"}";
    provider_result out;
    char *log;
    json_t *root;

    (void)state;
    log = run_logged_root(polygon_parse_news, text, &out, &root);
    json_decref(root);

    assert_int_equal(out.nnews, 3);
    assert_string_equal(out.news[0].provider_id, "n1");
    assert_string_equal(out.news[0].title, "Apple rises");
    assert_string_equal(out.news[0].body, "a");
    assert_string_equal(out.news[1].provider_id, "n2");
    assert_string_equal(out.news[1].title,
                        "Caf\xef\xbf\xbd \xef\xbf\xbd \xf0\x9f\x98\x80 "
                        "\xef\xbf\xbdx");
    assert_string_equal(out.news[2].provider_id, "n4");
    assert_string_equal(out.news[2].title, "Fine \"quoted\" \xc3\xa9");
    assert_int_equal(log_lines(log), 2);
    assert_non_null(strstr(log, "\"msg\":\"answer had invalid UTF-8 or lone "
                                "surrogates in strings; they were read as "
                                "U+FFFD\",\"replaced\":3,\"error\":\"unable "
                                "to decode byte 0xe9 near '\\\"Caf'\"}\n"));
    assert_non_null(strstr(log, "\"msg\":\"news item skipped: its id holds "
                                "a NUL character\"}\n"));
    free(log);
    provider_result_release(&out);
}

/* A number out of range does not cost the page either: an integer
 * beyond 64 bits is read as a real (its bar then fails the volume
 * check), a real beyond the double range and the NaN and Infinity
 * that some JSON writers emit are read as null (the member is then
 * missing); the page's other bars are kept. */
static void test_polygon_bars_numbers_out_of_range(void **state)
{
    const char text[] =
        "{\"results\":["
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1112331600000},"
        "{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":99999999999999999999,"
        "\"t\":1112418000000},"
        "{\"o\":10,\"h\":1e400,\"l\":9,\"c\":10.5,\"v\":1000,"
        "\"t\":1112504400000},"
        "{\"o\":NaN,\"h\":11,\"l\":-Infinity,\"c\":Infinity,\"v\":1000,"
        "\"t\":1112590800000},"
        "{\"o\":12,\"h\":12.5,\"l\":11.5,\"c\":12.25,\"v\":-2e0,"
        "\"t\":1112677200000},"
        "{\"o\":12,\"h\":12.5,\"l\":11.5,\"c\":12.25,\"v\":2000,"
        "\"t\":1112763600000,\"note\":\"1e400 NaN\"}],\"status\":\"OK\"}";
    provider_result out;
    char *log;
    json_t *root;

    (void)state;
    log = run_logged_root(polygon_parse_bars, text, &out, &root);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(root, "results"), 5), "note")),
        "1e400 NaN");
    json_decref(root);

    assert_int_equal(out.nbars, 2);
    assert_int_equal(out.bars[0].day, date_from_ymd(2005, 4, 1));
    assert_int_equal(out.bars[1].day, date_from_ymd(2005, 4, 6));
    assert_int_equal(out.bars[1].volume, 2000);
    assert_non_null(strstr(log, "\"msg\":\"answer had numbers out of range, "
                                "NaN or Infinity; they were read as null, "
                                "integers beyond 64 bits as reals\","
                                "\"numbers\":5,"));
    assert_non_null(strstr(log, "\"day\":\"2005-04-02\",\"reason\":\"volume "
                                "does not fit 64 bits\"}\n"));
    assert_non_null(strstr(log, "\"day\":\"2005-04-03\",\"reason\":\"high "
                                "(h) is missing or not a number\"}\n"));
    assert_non_null(strstr(log, "\"day\":\"2005-04-04\",\"reason\":\"open "
                                "(o) is missing or not a number\"}\n"));
    assert_non_null(strstr(log, "\"day\":\"2005-04-05\",\"reason\":\"volume "
                                "is negative\"}\n"));
    free(log);
    provider_result_release(&out);
}

/* Only a filing on its feed's scheme, host and port is fetched
 * (rss.c): the origin comparison. */
static void test_same_origin(void **state)
{
    static const char *const feed =
        "https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent";
    static const struct {
        const char *url;
        int same;
    } cases[] = {
        {"https://www.sec.gov/Archives/edgar/data/1/0001-25-1.txt", 1},
        {"HTTPS://WWW.SEC.GOV:443/Archives/x.txt", 1},
        {"https://www.sec.gov", 1},
        {"https://www.sec.gov?x", 1},
        {"http://www.sec.gov/Archives/x.txt", 0},
        {"https://www.sec.gov:8443/Archives/x.txt", 0},
        {"http://127.0.0.1:18481/internal/secret.txt", 0},
        {"https://www.sec.gov@127.0.0.1/x.txt", 0},
        {"https://www.sec.gov.evil.example/x.txt", 0},
        {"https://www.sec.gov\\@127.0.0.1/x.txt", 0},
        {"https://www.sec.gov:/x.txt", 0},
        {"https://www.sec.gov:99999/x.txt", 0},
        {"https://[::1]/x.txt", 0},
        {"file:///etc/passwd", 0},
        {"//www.sec.gov/x.txt", 0},
        {"", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (provider_same_origin(cases[i].url, feed) != cases[i].same)
            fail_msg("%s: expected %d", cases[i].url, cases[i].same);
    assert_int_equal(provider_same_origin("http://127.0.0.1:80/a",
                                          "http://127.0.0.1/feed.xml"),
                     1);
    assert_int_equal(provider_same_origin("http://127.0.0.1:8080/a",
                                          "http://127.0.0.1:8081/feed.xml"),
                     0);
    assert_int_equal(provider_same_origin("http://localhost:8080/a",
                                          "http://127.0.0.1:8080/feed.xml"),
                     0);
}

static void test_alpaca_order(void **state)
{
    const char *text =
        "{\"id\":\"61e69015-8549-4bfd-b9c3-01e75843f47d\",\"status\":"
        "\"partially_filled\",\"filled_qty\":\"2\",\"filled_avg_price\":"
        "\"150.25\",\"filled_at\":\"2021-03-16T18:38:01.942282Z\","
        "\"symbol\":\"AAPL\",\"side\":\"buy\",\"qty\":\"5\"}";
    broker_order o;
    char err[256];

    (void)state;
    assert_int_equal(
        alpaca_parse_order(text, strlen(text), &o, err, sizeof(err)), 0);
    assert_string_equal(o.broker_order_id,
                        "61e69015-8549-4bfd-b9c3-01e75843f47d");
    assert_string_equal(o.status, "partially_filled");
    assert_int_equal(o.filled_qty, 2);
    assert_int_equal(o.filled_gross, 30050);
    assert_int_equal(o.filled_day, date_from_ymd(2021, 3, 16));
    assert_string_equal(o.symbol, "AAPL");
    assert_string_equal(o.side, "buy");
    assert_int_equal(o.qty, 5);

    text = "{\"id\":\"x\",\"status\":\"new\",\"filled_qty\":\"0.5\"}";
    assert_int_equal(
        alpaca_parse_order(text, strlen(text), &o, err, sizeof(err)), -1);
    assert_string_equal(err, "alpaca: order x has unreadable quantities");
    text = "{\"id\":\"x\",\"status\":\"new\"}";
    assert_int_equal(
        alpaca_parse_order(text, strlen(text), &o, err, sizeof(err)), 0);
    assert_string_equal(o.status, "accepted");
    assert_string_equal(o.symbol, "");
    assert_int_equal(o.qty, 0);
}

static void test_alpaca_refusal(void **state)
{
    const char *text =
        "{\"code\":40310000,\"message\":\"insufficient buying power\"}";
    broker_refusal ref;

    (void)state;
    alpaca_parse_refusal(403, text, strlen(text), &ref);
    assert_int_equal(ref.kind, REFUSAL_BUYING_POWER);
    assert_int_equal(ref.http_status, 403);
    assert_int_equal(ref.code, 40310000);
    alpaca_parse_refusal(422, "<html>", 6, &ref);
    assert_int_equal(ref.kind, REFUSAL_INVALID);
    assert_string_equal(ref.message, "no message");
}

static void test_alpaca_positions_account_clock(void **state)
{
    const char *pos = "[{\"symbol\":\"AAPL\",\"qty\":\"10\"},"
                      "{\"symbol\":\"AAPL`\",\"qty\":\"1\"},"
                      "{\"symbol\":\"MSFT\",\"qty\":\"0.5\"}]";
    const char *acct = "{\"cash\":\"1000.50\",\"buying_power\":2000.25,"
                       "\"equity\":null,\"status\":\"ACTIVE\"}";
    broker_position *p;
    alpaca_account a;
    size_t n;
    int open = -1;

    (void)state;
    assert_int_equal(alpaca_parse_positions(pos, strlen(pos), &p, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].ticker, "AAPL");
    assert_int_equal(p[0].qty, 10);
    free(p);
    assert_int_equal(alpaca_parse_positions("{}", 2, &p, &n), -1);
    assert_null(p);

    assert_int_equal(alpaca_parse_account(acct, strlen(acct), &a), 0);
    assert_int_equal(a.cash, 100050);
    assert_int_equal(a.buying_power, 200025);
    assert_int_equal(a.equity, 0);
    assert_string_equal(a.status, "ACTIVE");
    assert_int_equal(alpaca_parse_account("{\"cash\":[]}", 11, &a), -1);

    assert_int_equal(alpaca_parse_clock("{\"is_open\":true}", 16, &open), 0);
    assert_int_equal(open, 1);
    assert_int_equal(alpaca_parse_clock("{\"is_open\":1}", 13, &open), -1);
}

/* What a page holds that is no bar or no item is skipped with its
 * reason in the log, as a bad price is (they went without a word). */
static void test_skips_are_told(void **state)
{
    provider_result out;
    char err[256], *next = NULL, *log;

    (void)state;
    log = run_logged(polygon_parse_bars,
                     "{\"results\":[{\"o\":1,\"h\":1,\"l\":1,\"c\":1,"
                     "\"v\":1,\"t\":\"soon\"}]}",
                     &out, &next, err);
    assert_int_equal(out.nbars, 0);
    assert_non_null(strstr(log, "\"msg\":\"price bar skipped\",\"ticker\":"
                                "\"AAPL\",\"reason\":\"time (t) is missing "
                                "or not a time in milliseconds\"}\n"));
    free(log);
    provider_result_release(&out);
    log = run_logged(polygon_parse_news,
                     "{\"results\":[{\"id\":7,\"published_utc\":"
                     "\"2024-06-24T18:33:53Z\",\"title\":\"x\"},"
                     "{\"id\":\"n2\",\"published_utc\":\"June\","
                     "\"title\":\"x\"},{\"id\":\"n3\",\"published_utc\":"
                     "\"2024-06-24T18:33:53Z\",\"title\":\"\"}]}",
                     &out, &next, err);
    assert_int_equal(out.nnews, 0);
    assert_int_equal(log_lines(log), 3);
    assert_non_null(strstr(log, "\"id\":\"(none)\",\"reason\":\"id is "
                                "missing or not text\"}\n"));
    assert_non_null(strstr(log, "\"id\":\"n2\",\"reason\":\"published_utc "
                                "is missing or not a time\"}\n"));
    assert_non_null(strstr(log, "\"id\":\"n3\",\"reason\":\"title is "
                                "missing or empty\"}\n"));
    free(log);
    provider_result_release(&out);
    log = run_logged(alpaca_parse_news,
                     "{\"news\":[{\"id\":\"x\",\"created_at\":"
                     "\"2024-06-24T18:33:53Z\",\"headline\":\"h\"}]}",
                     &out, &next, err);
    assert_non_null(strstr(log, "\"reason\":\"id is missing or not an "
                                "integer\"}\n"));
    free(log);
    provider_result_release(&out);
}

/* A title or body over the longest kept is cut on a character
 * boundary: "é" (2 bytes) straddling the limit goes whole. */
static void test_news_cut(void **state)
{
    provider_result r;
    char *title = malloc(PROVIDER_TITLE_MAX + 100);
    char *body = malloc(PROVIDER_BODY_MAX + 10);
    provider_news *n;

    (void)state;
    memset(&r, 0, sizeof(r));
    memset(title, 'a', PROVIDER_TITLE_MAX + 100);
    memcpy(title + PROVIDER_TITLE_MAX - 1, "\xc3\xa9", 2);
    memset(body, 'b', PROVIDER_BODY_MAX + 10);
    n = provider_add_news(&r, "id-1", title, PROVIDER_TITLE_MAX + 100, body,
                          PROVIDER_BODY_MAX + 10, "news");
    assert_non_null(n);
    assert_int_equal(strlen(n->title), PROVIDER_TITLE_MAX - 1);
    assert_int_equal(strlen(n->body), PROVIDER_BODY_MAX);
    n = provider_add_news(&r, "id-2", "short", 5, "body", 4, "news");
    assert_string_equal(n->title, "short");
    assert_string_equal(n->body, "body");
    provider_result_release(&r);
    free(title);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_news_cut),
        cmocka_unit_test(test_skips_are_told),
        cmocka_unit_test(test_polygon_bars),
        cmocka_unit_test(test_polygon_bars_checked),
        cmocka_unit_test(test_alpaca_bars_checked),
        cmocka_unit_test(test_polygon_status_error),
        cmocka_unit_test(test_polygon_news),
        cmocka_unit_test(test_polygon_news_long_id),
        cmocka_unit_test(test_alpaca_bars_and_news),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_polygon_news_bad_strings),
        cmocka_unit_test(test_polygon_bars_numbers_out_of_range),
        cmocka_unit_test(test_same_origin),
        cmocka_unit_test(test_alpaca_order),
        cmocka_unit_test(test_alpaca_refusal),
        cmocka_unit_test(test_alpaca_positions_account_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
