/*
 * The replay files: the index the ingestion worker keeps (replay_index)
 * accepts, orders and reads back exactly the rows of the full load
 * (replay_load) the backtest uses, on the bundled data and on files
 * with awkward lines; a file changed under the index fails its reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "adapters/replay.h"
#include "domain/date.h"

static const char NEWS_HDR[] = "ticker,company,date,title,summary,news_type\n";
static const char PRICE_HDR[] = "ticker,date,open,high,low,close,volume\n";

static void assert_same_news(const replay_news *a, const replay_news *b)
{
    assert_string_equal(a->ticker, b->ticker);
    assert_int_equal(a->date, b->date);
    assert_int_equal(a->title_len, b->title_len);
    assert_memory_equal(a->title, b->title, a->title_len);
    assert_int_equal(a->summary_len, b->summary_len);
    assert_memory_equal(a->summary, b->summary, a->summary_len);
    assert_int_equal(a->news_type_len, b->news_type_len);
    assert_memory_equal(a->news_type, b->news_type, a->news_type_len);
    assert_int_equal(a->line_len, b->line_len);
    assert_memory_equal(a->line, b->line, a->line_len);
}

static void assert_same_bar(const replay_bar *a, const replay_bar *b)
{
    assert_string_equal(a->ticker, b->ticker);
    assert_int_equal(a->day, b->day);
    assert_true(a->open == b->open && a->high == b->high && a->low == b->low &&
                a->close == b->close);
    assert_int_equal(a->volume, b->volume);
    assert_int_equal(a->line_len, b->line_len);
    assert_memory_equal(a->line, b->line, a->line_len);
}

/* Loads dir both ways and checks every row and a range per row. */
static void assert_same_rows(const char *dir)
{
    char err[512];
    replay_data r;
    replay_index x;

    if (replay_load(dir, &r, err, sizeof(err)) < 0)
        fail_msg("replay_load: %s", err);
    if (replay_index_open(dir, &x, err, sizeof(err)) < 0)
        fail_msg("replay_index_open: %s", err);
    assert_int_equal(x.rejected, r.rejected);
    assert_int_equal(x.news.nrefs, r.nnews);
    assert_int_equal(x.prices.nrefs, r.nbars);
    for (size_t i = 0; i < r.nnews; i++) {
        const replay_news *first;
        size_t at, n, k;
        replay_news row;

        if (replay_index_read_news(&x, i, &row, err, sizeof(err)) < 0)
            fail_msg("news row %zu: %s", i, err);
        assert_same_news(&row, &r.news[i]);
        n = replay_news_range(&r, r.news[i].ticker, r.news[i].date - 3,
                              r.news[i].date, &first);
        k = replay_index_news(&x, r.news[i].ticker, r.news[i].date - 3,
                              r.news[i].date, &at);
        assert_int_equal(k, n);
        assert_int_equal(at, (size_t)(first - r.news));
    }
    for (size_t i = 0; i < r.nbars; i++) {
        const replay_bar *first;
        size_t at, n, k;
        replay_bar row;

        if (replay_index_read_bar(&x, i, &row, err, sizeof(err)) < 0)
            fail_msg("bar row %zu: %s", i, err);
        assert_same_bar(&row, &r.bars[i]);
        n = replay_bars_range(&r, r.bars[i].ticker, r.bars[i].day - 45,
                              r.bars[i].day, &first);
        k = replay_index_bars(&x, r.bars[i].ticker, r.bars[i].day - 45,
                              r.bars[i].day, &at);
        assert_int_equal(k, n);
        assert_int_equal(at, (size_t)(first - r.bars));
    }
    replay_release(&r);
    replay_index_close(&x);
}

static void test_index_matches_full_load_on_the_bundled_data(void **state)
{
    (void)state;
    if (access("data/replay/" REPLAY_NEWS_FILE, R_OK) != 0)
        skip();
    assert_same_rows("data/replay");
}

static void test_index_counts_the_bundled_data(void **state)
{
    char err[512];
    replay_index x;
    size_t first;

    (void)state;
    if (access("data/replay/" REPLAY_NEWS_FILE, R_OK) != 0)
        skip();
    if (replay_index_open("data/replay", &x, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(x.news.nrefs, 13191);
    assert_int_equal(x.rejected, 0);
    assert_int_equal(replay_index_news(&x, "NOPE", 0, INT32_MAX, &first), 0);
    assert_int_equal(replay_index_bars(&x, "AAPL", INT32_MIN / 2,
                                       date_from_ymd(2011, 1, 4), &first),
                     2);
    replay_index_close(&x);
}

/* A temporary folder with the two files; the caller frees the name. */
static char *make_dir(const char *news, size_t nlen, const char *prices,
                      size_t plen)
{
    char tmpl[] = "/tmp/test_replay.XXXXXX";
    char *dir, path[256];
    FILE *f;

    assert_non_null(mkdtemp(tmpl));
    dir = strdup(tmpl);
    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_NEWS_FILE);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(news, 1, nlen, f), nlen);
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_PRICE_FILE);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(prices, 1, plen, f), plen);
    fclose(f);
    return dir;
}

static void remove_dir(char *dir)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_NEWS_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_PRICE_FILE);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* Appends a news row whose summary is n bytes of 'x'. */
static size_t add_long_row(char *out, size_t at, const char *date, size_t n)
{
    at += (size_t)sprintf(out + at, "MSFT,Microsoft,%s,Long one,", date);
    memset(out + at, 'x', n);
    at += n;
    return at + (size_t)sprintf(out + at, ",normal\n");
}

/* CRLF ends, blank lines, quoting, unreadable rows, rows longer than
 * the piece the index reads at once, a field over the limit and no line
 * end at the end of the file. */
static void test_index_matches_full_load_on_awkward_files(void **state)
{
    size_t cap = 400000, at = 0, first;
    char *news = malloc(cap), *dir, err[512];
    replay_index x;
    replay_news row;
    static const char prices[] = "ticker,date,open,high,low,close,volume\r\n"
                                 "MSFT,2011-07-06,26,26.5,25.5,26.2,100\r\n"
                                 "\r\n"
                                 "AAPL,2011-07-06,50,51,49,50.5,200\r\n"
                                 "AAPL,2011-07-07,50,49,51,50.5,200\r\n"
                                 "AAPL,2011-07-05,-1,51,49,50.5,200\r\n"
                                 "AAPL,2011-07-08,50,51,50.6,50.5,200\r\n"
                                 "AAPL,2011-07-11,50,51,49,51.5,200\r\n"
                                 "AAPL,2011-07-12,50,100000001,49,50,2\r\n"
                                 "AAPL,2011-07-09,50,51,49,50.5,200\r\n"
                                 "MSFT,2011-07-06,27,27.5,26.5,27.2,150\r\n"
                                 "MSFT,2011-07-05,25,25.5,24.5,25.2,90";

    (void)state;
    assert_non_null(news);
    at += (size_t)sprintf(news + at, "%s", NEWS_HDR);
    at += (size_t)sprintf(news + at,
                          "AAPL,Apple,20110706,\"Apple, Inc. \"\"new\"\"\","
                          "Summary,topStory\r\n\n\n"
                          "AAPL,Apple,2011070,Bad date,S,normal\n"
                          "AAPL,Apple,20110706,Unterminated \"quote,S,normal\n"
                          "AAPL,Apple,20110706,\"Unterminated,S,normal\n"
                          "MSFT,Microsoft,20110707,Too,few\n");
    at = add_long_row(news, at, "20110707", 65536);
    at = add_long_row(news, at, "20110708", 65537);
    at = add_long_row(news, at, "20110705", 200000);
    at = add_long_row(news, at, "20110709", 30000);
    at += (size_t)sprintf(news + at, "GOOG,Alphabet,20110706,Same day,"
                                     "S,normal\nAAPL,Apple,20110705,Earlier,"
                                     "S,normal\nAAPL,Apple,20110706,Last,S,x");
    dir = make_dir(news, at, prices, sizeof(prices) - 1);
    assert_same_rows(dir);
    if (replay_index_open(dir, &x, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(x.news.nrefs, 7);
    assert_int_equal(x.prices.nrefs, 3);
    /* 5 news rows, 7 bars: high below low, a negative open, low above
     * the close, high below the close, high over 100,000,000, a
     * Saturday, and MSFT's first bar of 2011-07-06, given again later
     * (the later one is kept). */
    assert_int_equal(x.rejected, 5 + 7);
    assert_int_equal(replay_index_bars(&x, "MSFT", date_from_ymd(2011, 7, 6),
                                       date_from_ymd(2011, 7, 6), &first),
                     1);
    {
        replay_bar bar;

        assert_int_equal(
            replay_index_read_bar(&x, first, &bar, err, sizeof(err)), 0);
        assert_true(bar.close == 27.2 && bar.volume == 150);
    }
    assert_int_equal(x.news.ntickers, 3);
    assert_int_equal(replay_index_news(&x, "MSFT", 0, INT32_MAX, &first), 2);
    assert_int_equal(replay_index_read_news(&x, first, &row, err, sizeof(err)),
                     0);
    assert_int_equal(row.summary_len, 65536);
    replay_index_close(&x);
    remove_dir(dir);
    free(news);
}

/* A row dated more than 31 days after today is one no job of the
 * pipeline may have (the demo waited for it for ever): skipped, as the
 * open Tuesday 2099-01-06 here, news and bar. One before 1970 is read
 * (the backtest takes it; the scheduler refuses a range holding one). */
static void test_days_ahead_skipped(void **state)
{
    char *dir, err[512], news[512];
    replay_index x;
    size_t first;
    static const char prices[] = "ticker,date,open,high,low,close,volume\n"
                                 "AAPL,1969-12-30,50,51,49,50.5,200\n"
                                 "AAPL,2011-07-06,50,51,49,50.5,200\n"
                                 "AAPL,2099-01-06,50,51,49,50.5,200\n";

    (void)state;
    snprintf(news, sizeof(news),
             "%sAAPL,Apple,20110706,Then,S,normal\n"
             "AAPL,Apple,20990106,Later,S,normal\n",
             NEWS_HDR);
    dir = make_dir(news, strlen(news), prices, sizeof(prices) - 1);
    assert_same_rows(dir);
    if (replay_index_open(dir, &x, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(x.rejected, 2);
    assert_int_equal(
        replay_index_bars(&x, "AAPL", INT32_MIN, INT32_MAX, &first), 2);
    assert_int_equal(replay_index_news(&x, "AAPL", 0, INT32_MAX, &first), 1);
    replay_index_close(&x);
    remove_dir(dir);
}

/* Prices and volumes are numbers written plainly: hexadecimal, an
 * exponent, a sign '+' or a blank on either side make the row one that
 * cannot be read (strtod took "0x32" as 50, and " 50" but not "50 "). */
static void test_numbers_written_plainly(void **state)
{
    char *dir, err[512];
    replay_index x;
    replay_bar bar;
    size_t first;
    static const char prices[] = "ticker,date,open,high,low,close,volume\n"
                                 "AAPL,2011-07-06,50,51,49,50.5,200\n"
                                 "AAPL,2011-07-07,0x32,51,49,50.5,200\n"
                                 "AAPL,2011-07-08,5e1,51,49,50.5,200\n"
                                 "AAPL,2011-07-11,+50,51,49,50.5,200\n"
                                 "AAPL,2011-07-12, 50,51,49,50.5,200\n"
                                 "AAPL,2011-07-13,50 ,51,49,50.5,200\n"
                                 "AAPL,2011-07-14,050,51,49,50.5,200\n"
                                 "AAPL,2011-07-15,50,51,49,50.5,0x10\n"
                                 "AAPL,2011-07-18,50,51,49,50.5,1e3\n"
                                 "AAPL,2011-07-19,50,51,49,50.5,+7\n";

    (void)state;
    dir = make_dir(NEWS_HDR, strlen(NEWS_HDR), prices, sizeof(prices) - 1);
    assert_same_rows(dir);
    if (replay_index_open(dir, &x, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(x.rejected, 8);
    assert_int_equal(replay_index_bars(&x, "AAPL", date_from_ymd(2011, 7, 1),
                                       date_from_ymd(2011, 7, 31), &first),
                     2);
    assert_int_equal(
        replay_index_read_bar(&x, first + 1, &bar, err, sizeof(err)), 0);
    assert_int_equal(bar.day, date_from_ymd(2011, 7, 14));
    assert_true(bar.open == 50.0 && bar.volume == 200);
    replay_index_close(&x);
    remove_dir(dir);
}

static void test_open_errors_name_the_file(void **state)
{
    char err[512];
    replay_index x;

    (void)state;
    assert_int_equal(replay_index_open("/nonexistent", &x, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "cannot open /nonexistent/" REPLAY_NEWS_FILE));
    replay_index_close(&x);
}

/* What replay_index_open, replay_load and replay_dir_check (the same)
 * say of the files news and prices, the folder's name left out: "" when
 * they open. */
static const char *header_says(const char *news, const char *prices)
{
    static char said[512];
    char err[512], err2[512], err3[600], *dir;
    replay_index x;
    replay_data r;
    int rc, rc2;

    dir = make_dir(news, strlen(news), prices, strlen(prices));
    rc = replay_index_open(dir, &x, err, sizeof(err));
    rc2 = replay_load(dir, &r, err2, sizeof(err2));
    assert_int_equal(rc, rc2);
    /* the start-up check (stonks config's) says the same */
    assert_int_equal(replay_dir_check(dir, err3, sizeof(err3)), rc);
    if (rc < 0)
        assert_string_equal(err3 + strlen("REPLAY_DIR does not hold the "
                                          "replay files: "),
                            err);
    if (rc == 0) {
        replay_index_close(&x);
        replay_release(&r);
        said[0] = '\0';
    } else {
        assert_string_equal(err, err2);
        assert_memory_equal(err, dir, strlen(dir));
        snprintf(said, sizeof(said), "%s", err + strlen(dir) + 1);
    }
    remove_dir(dir);
    return said;
}

/* A header that is not the files' names the column it found, in any
 * case and after a byte-order mark; an empty file is said to be. */
static void test_headers_named(void **state)
{
    (void)state;
    assert_string_equal(header_says("ticker,date\nA,1\n", PRICE_HDR),
                        REPLAY_NEWS_FILE ": the first line must be the header "
                                         "ticker,company,date,title,summary,"
                                         "news_type (column 2 is 'date', not "
                                         "company)");
    assert_string_equal(
        header_says(NEWS_HDR, "ticker,date,open,high,low,close,volume,x\n"),
        REPLAY_PRICE_FILE ": the first line must be the header "
                          "ticker,date,open,high,low,close,volume (it has 8 "
                          "columns, not 7)");
    /* control bytes are shown as '?' */
    assert_string_equal(
        header_says(NEWS_HDR, "ticker,\033[2Jdate\001,open,high,low,close,"
                              "volume\n"),
        REPLAY_PRICE_FILE ": the first line must be the header "
                          "ticker,date,open,high,low,close,volume (column 2 "
                          "is '?[2Jdate?', not date)");
    assert_string_equal(header_says(NEWS_HDR, "ticker,date,open\n"),
                        REPLAY_PRICE_FILE
                        ": the first line must be the header "
                        "ticker,date,open,high,low,close,volume (it has 3 "
                        "columns, not 7)");
    assert_string_equal(header_says(NEWS_HDR, "\"ticker,date\n"),
                        REPLAY_PRICE_FILE
                        ": the first line must be the header "
                        "ticker,date,open,high,low,close,volume (it cannot be "
                        "read as CSV: a quoted field is not closed: a '\"' "
                        "opens it and none ends it on its line (write a quote "
                        "inside a field as '\"\"'))");
    assert_string_equal(header_says(NEWS_HDR, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,"
                                              "p,q\n"),
                        REPLAY_PRICE_FILE
                        ": the first line must be the header "
                        "ticker,date,open,high,low,close,volume (it cannot be "
                        "read as CSV: more than 16 fields)");
    /* "\r\r\n": a stray CR at the end of the header, not CR line ends */
    assert_string_equal(
        header_says(NEWS_HDR, "ticker,date,open,high,low,close,volume\r\r\n"),
        REPLAY_PRICE_FILE ": the first line must be the header "
                          "ticker,date,open,high,low,close,volume (column 7 "
                          "is 'volume?', not volume)");
    /* the old Mac line ends: the file is one line (of 16 fields or
     * fewer, or more) */
    assert_string_equal(
        header_says(NEWS_HDR, "ticker,date,open,high,low,close,volume\rA,"
                              "2011-07-01,1,2,1,2,5\r"),
        REPLAY_PRICE_FILE ": the first line must be the header "
                          "ticker,date,open,high,low,close,volume (its lines "
                          "end in a lone carriage return: save it with \\n or "
                          "\\r\\n line ends)");
    assert_string_equal(
        header_says(NEWS_HDR, "ticker,date,open,high,low,close,volume\rA,"
                              "2011-07-01,1,2,1,2,5\rB,2011-07-01,1,2,1,2,5\r"),
        REPLAY_PRICE_FILE ": the first line must be the header "
                          "ticker,date,open,high,low,close,volume (its lines "
                          "end in a lone carriage return: save it with \\n or "
                          "\\r\\n line ends)");
    assert_string_equal(header_says(NEWS_HDR, ""), REPLAY_PRICE_FILE
                        ": the first line must be the header "
                        "ticker,date,open,high,low,close,volume (the file is "
                        "empty)");
    assert_string_equal(header_says(NEWS_HDR, "\n\r\n"), REPLAY_PRICE_FILE
                        ": the first line must be the header "
                        "ticker,date,open,high,low,close,volume (the file is "
                        "empty)");
    /* blank lines past the 64 KiB the start-up check reads: the header
     * after them is found by all three */
    {
        size_t blank = 70000;
        char *news = malloc(blank + sizeof(NEWS_HDR));

        assert_non_null(news);
        memset(news, '\n', blank);
        memcpy(news + blank, NEWS_HDR, sizeof(NEWS_HDR));
        assert_string_equal(header_says(news, PRICE_HDR), "");
        free(news);
    }
    /* a byte-order mark, capitals, blank lines before: the header */
    assert_string_equal(
        header_says("\xef\xbb\xbfTicker,Company,DATE,title,summary,news_type\n",
                    "\nticker,date,open,high,low,Close,volume\r\n"),
        "");
}

/* A file changed or cut after it was indexed fails the reads of the
 * rows it moved, with a message, instead of serving another row. */
static void test_reads_fail_when_the_file_changed(void **state)
{
    static const char news[] = "ticker,company,date,title,summary,news_type\n"
                               "AAPL,Apple,20110706,One,S,normal\n"
                               "AAPL,Apple,20110707,Two,S,normal\n";
    char err[512], path[256], *dir;
    replay_index x;
    replay_news row;
    FILE *f;

    (void)state;
    dir = make_dir(news, sizeof(news) - 1, PRICE_HDR, strlen(PRICE_HDR));
    if (replay_index_open(dir, &x, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(replay_index_read_news(&x, 1, &row, err, sizeof(err)), 0);
    assert_memory_equal(row.title, "Two", 3);
    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_NEWS_FILE);
    f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, (long)strlen(NEWS_HDR), SEEK_SET);
    fputs("MSFT", f);
    fclose(f);
    assert_int_equal(replay_index_read_news(&x, 0, &row, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "changed since it was loaded"));
    assert_int_equal(truncate(path, 60), 0);
    assert_int_equal(replay_index_read_news(&x, 1, &row, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "it was cut since it was opened"));
    replay_index_close(&x);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_matches_full_load_on_the_bundled_data),
        cmocka_unit_test(test_index_counts_the_bundled_data),
        cmocka_unit_test(test_index_matches_full_load_on_awkward_files),
        cmocka_unit_test(test_numbers_written_plainly),
        cmocka_unit_test(test_days_ahead_skipped),
        cmocka_unit_test(test_open_errors_name_the_file),
        cmocka_unit_test(test_headers_named),
        cmocka_unit_test(test_reads_fail_when_the_file_changed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
