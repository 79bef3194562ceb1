#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/ticker.h"

static void norm_ok(const char *in, const char *want)
{
    char out[TICKER_MAX];

    assert_int_equal(ticker_normalize(in, strlen(in), out), 0);
    assert_string_equal(out, want);
}

static void norm_fails(const char *in, size_t len)
{
    char out[TICKER_MAX];

    assert_int_equal(ticker_normalize(in, len, out), -1);
}

static void test_normalize_class_forms(void **state)
{
    (void)state;
    norm_ok("BRK.B", "BRK.B");
    norm_ok("BRK-B", "BRK.B");
    norm_ok("BRK/B", "BRK.B");
    norm_ok("brk.b", "BRK.B");
    norm_ok("Brk-b", "BRK.B");
    norm_ok("$BRK.B", "BRK.B");
}

static void test_normalize_plain(void **state)
{
    (void)state;
    norm_ok("AAPL", "AAPL");
    norm_ok("aapl", "AAPL");
    norm_ok("  msft\t\n", "MSFT");
    norm_ok(" $goog ", "GOOG");
    norm_ok("T", "T");
    norm_ok("0700", "0700");
    norm_ok("ABCDEFGHIJ", "ABCDEFGHIJ");
    norm_ok("ABCDEFGHIJ.KLMN", "ABCDEFGHIJ.KLMN");
}

static void test_normalize_rejects(void **state)
{
    (void)state;
    norm_fails("", 0);
    norm_fails("   ", 3);
    norm_fails("$", 1);
    norm_fails("$$AAPL", 6);
    norm_fails("ABCDEFGHIJK", 11);
    norm_fails("BRK.BCDEF", 9);
    norm_fails("BRK.", 4);
    norm_fails(".B", 2);
    norm_fails("BRK.B.C", 7);
    norm_fails("BRK-B/C", 7);
    norm_fails("AA PL", 5);
    norm_fails("AAPL!", 5);
    norm_fails("$ AAPL", 6);
    norm_fails("NESTL\xc3\x89", 7);
    norm_fails("A\0B", 3);
}

static void test_normalize_reads_only_len(void **state)
{
    char out[TICKER_MAX];

    (void)state;
    assert_int_equal(ticker_normalize("AAPL junk", 4, out), 0);
    assert_string_equal(out, "AAPL");
}

static void test_common_words(void **state)
{
    static const char *const common[] = {
        "A",   "C",   "F",   "T",   "V",   "Z",   "ALL", "IT",
        "ON",  "ARE", "CAN", "BIG", "NOW", "SO",  "GO",  "HAS",
        "KEY", "ONE", "OUT", "SEE", "LOW", "HE",  "AN",  "BE",
        "AM",  "AT",  "BY",  "DO",  "OR",  "YOU", "US",  "CEO",
    };
    static const char *const not_common[] = {
        "AAPL", "GOOG", "CAT",   "GE",   "GM",  "MS", "KO",
        "IBM",  "VZ",   "BRK.B", "ALLY", "ITS", "AB", "1",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        if (!ticker_is_common_word(common[i]))
            fail_msg("%s should be a common word", common[i]);
    }
    for (size_t i = 0; i < sizeof(not_common) / sizeof(not_common[0]); i++) {
        if (ticker_is_common_word(not_common[i]))
            fail_msg("%s should not be a common word", not_common[i]);
    }
}

static void test_list_parse(void **state)
{
    char **t = NULL, bad[24] = "";
    size_t n = 9;

    (void)state;
    assert_int_equal(ticker_list_parse(" aapl,$F  brk-b,", &t, &n, bad), 0);
    assert_int_equal(n, 3);
    assert_string_equal(t[0], "AAPL");
    assert_string_equal(t[1], "F");
    assert_string_equal(t[2], "BRK.B");
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    free(t);
    assert_int_equal(ticker_list_parse(" , ", &t, &n, bad), 0);
    assert_int_equal(n, 0);
    assert_null(t);
    assert_int_equal(
        ticker_list_parse("AAPL,TOO-LONG-A-TICKER-NAME-HERE", &t, &n, bad), -1);
    assert_string_equal(bad, "TOO-LONG-A-TICKER-NA");
    assert_int_equal(n, 0);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_parse),
        cmocka_unit_test(test_normalize_class_forms),
        cmocka_unit_test(test_normalize_plain),
        cmocka_unit_test(test_normalize_rejects),
        cmocka_unit_test(test_normalize_reads_only_len),
        cmocka_unit_test(test_common_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
