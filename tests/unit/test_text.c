#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/text.h"

/* Checks text_clean_article on NUL-terminated title and summary. */
static void check_clean(const char *title, const char *summary,
                        const char *want)
{
    size_t len = 99;
    char *got = text_clean_article(title, strlen(title), summary,
                                   strlen(summary), &len);

    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

static void check_collapse(const char *in, size_t len, const char *want)
{
    size_t out_len = 99;
    char *got = text_collapse_ws(in, len, &out_len);

    assert_string_equal(got, want);
    assert_int_equal(out_len, strlen(want));
    free(got);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_int_equal(text_valid_utf8("", 0), 1);
    assert_int_equal(text_valid_utf8("plain ASCII", 11), 1);
    assert_int_equal(text_valid_utf8("a\0b", 3), 1);
    assert_int_equal(text_valid_utf8("Nestl\xc3\xa9", 7), 1);
    assert_int_equal(text_valid_utf8("\xc2\x80", 2), 1); /* U+0080 */
    assert_int_equal(text_valid_utf8("\xe2\x82\xac", 3), 1); /* euro */
    assert_int_equal(text_valid_utf8("\xed\x9f\xbf", 3), 1); /* D7FF */
    assert_int_equal(text_valid_utf8("\xee\x80\x80", 3), 1); /* E000 */
    assert_int_equal(text_valid_utf8("\xef\xbf\xbf", 3), 1); /* FFFF */
    assert_int_equal(text_valid_utf8("\xf0\x9f\x98\x80", 4), 1);
    assert_int_equal(text_valid_utf8("\xf4\x8f\xbf\xbf", 4), 1);
}

static void test_utf8_invalid(void **state)
{
    (void)state;
    assert_int_equal(text_valid_utf8("\x80", 1), 0);
    assert_int_equal(text_valid_utf8("a\xbf", 2), 0);
    assert_int_equal(text_valid_utf8("\xc0\x80", 2), 0); /* overlong */
    assert_int_equal(text_valid_utf8("\xc1\xbf", 2), 0); /* overlong */
    assert_int_equal(text_valid_utf8("\xe0\x80\x80", 3), 0);
    assert_int_equal(text_valid_utf8("\xe0\x9f\xbf", 3), 0);
    assert_int_equal(text_valid_utf8("\xf0\x80\x80\x80", 4), 0);
    assert_int_equal(text_valid_utf8("\xf0\x8f\xbf\xbf", 4), 0);
    assert_int_equal(text_valid_utf8("\xed\xa0\x80", 3), 0); /* D800 */
    assert_int_equal(text_valid_utf8("\xed\xbf\xbf", 3), 0); /* DFFF */
    assert_int_equal(text_valid_utf8("\xf4\x90\x80\x80", 4), 0);
    assert_int_equal(text_valid_utf8("\xf5\x80\x80\x80", 4), 0);
    assert_int_equal(text_valid_utf8("\xff", 1), 0);
    assert_int_equal(text_valid_utf8("\xc3(", 2), 0);
    assert_int_equal(text_valid_utf8("\xe2\x82(", 3), 0);
}

static void test_utf8_stops_at_len(void **state)
{
    (void)state;
    assert_int_equal(text_valid_utf8("\xe2\x82\xac", 2), 0);
    assert_int_equal(text_valid_utf8("\xc3\xa9", 1), 0);
    assert_int_equal(text_valid_utf8("ok\xff", 2), 1);
}

static void test_collapse_ws(void **state)
{
    (void)state;
    check_collapse("", 0, "");
    check_collapse("   \t\n ", 6, "");
    check_collapse("  a \t\n b  ", 10, "a b");
    check_collapse("one", 3, "one");
    check_collapse("x\r\n\v\fy", 6, "x y");
    check_collapse("a\0b\x1b[0m\x7f", 8, "a b [0m");
    check_collapse("Google. |\xc2\xa0Video ", 17, "Google. | Video");
    check_collapse("ab   cd", 4, "ab");
    check_collapse("\xc2\xa0", 1, "\xc2");
    check_collapse(NULL, 0, "");
}

static void test_collapse_ws_real_summary(void **state)
{
    static const char in[] =
        "contact the Seoul newsroom at +822 3704 5640 or via email at "
        "kr.rtrs@gmail.com)   \t Bank of Korea's revised H2 forecasts\t "
        "BOK revisits";

    (void)state;
    check_collapse(in, strlen(in),
                   "contact the Seoul newsroom at +822 3704 5640 or via "
                   "email at kr.rtrs@gmail.com) Bank of Korea's revised H2 "
                   "forecasts BOK revisits");
}

static void test_clean_update_prefix_and_bullet(void **state)
{
    (void)state;
    check_clean("UPDATE 5-Facebook launches video chat with Skype ",
                " * Microsoft  Google shares rise  (Rewrites  adds Skype "
                "executive comments  analyst comment)",
                "Facebook launches video chat with Skype | Microsoft "
                "Google shares rise (Rewrites adds Skype executive "
                "comments analyst comment)");
}

static void test_clean_plain_row_with_no_break_space(void **state)
{
    (void)state;
    check_clean("Facebook launches video chat with Skype ",
                "PALO ALTO  California Facebook will add Skype video chat "
                "to its pages  aiming to spice up the appeal of the "
                "world's No. 1 Internet social networking service while "
                "fending off increased competition from Google. |\xc2\xa0"
                "Video ",
                "Facebook launches video chat with Skype | PALO ALTO "
                "California Facebook will add Skype video chat to its "
                "pages aiming to spice up the appeal of the world's No. 1 "
                "Internet social networking service while fending off "
                "increased competition from Google. | Video");
}

static void test_clean_indented_bullet(void **state)
{
    (void)state;
    check_clean("Citi hit Moody's hurdle in OneMain sale -source ",
                "   * OneMain prelim rating lower than Citi "
                "expected-source",
                "Citi hit Moody's hurdle in OneMain sale -source | OneMain "
                "prelim rating lower than Citi expected-source");
    check_clean("DEALTALK-Zarlink looks enticing but white-knight bid "
                "elusive ",
                "   *Zarlink seeks buyers to fend off hostile Microsemi bid",
                "Zarlink looks enticing but white-knight bid elusive | "
                "Zarlink seeks buyers to fend off hostile Microsemi bid");
}

static void test_clean_chained_prefixes(void **state)
{
    (void)state;
    check_clean("CORRECTED - UPDATE 2-JPMorgan settles muni bid-rigging "
                "case for $211 mln ",
                " (Clarifies in paragraph four and bullet point that not "
                "all charged employees had worked at JPMorgan. Corrects "
                "figure in paragraph 11 to $211.2 million from $211.2)",
                "JPMorgan settles muni bid-rigging case for $211 mln | "
                "(Clarifies in paragraph four and bullet point that not "
                "all charged employees had worked at JPMorgan. Corrects "
                "figure in paragraph 11 to $211.2 million from $211.2)");
    check_clean("RPT-UPDATE 2-Sanofi sells skin unit  MS drug results "
                "underwhelm ",
                " * Dermik has about 140 staff in U.S.  200 in Laval  "
                "Canada",
                "Sanofi sells skin unit MS drug results underwhelm | "
                "Dermik has about 140 staff in U.S. 200 in Laval Canada");
    check_clean("CORRECTION -  - UPDATE 4-McDonald's profit  Sept sales "
                "beat expectations ",
                "- ", "McDonald's profit Sept sales beat expectations | -");
    check_clean("EXCLUSIVE-UPDATE 2-Ex-Lone Pine  Goldman execs plan $1 "
                "bln Asia hedge fund -sources ",
                "* Ex-Goldman's Asia Pac cap intro head Ghani joining as "
                "COO",
                "Ex-Lone Pine Goldman execs plan $1 bln Asia hedge fund "
                "-sources | Ex-Goldman's Asia Pac cap intro head Ghani "
                "joining as COO");
    check_clean("EXCLUSVE-UPDATE 2-TSMC to make new Apple chips on trial "
                "- source ",
                " * TSMC testing manufacture of next generation chip - "
                "source",
                "TSMC to make new Apple chips on trial - source | TSMC "
                "testing manufacture of next generation chip - source");
}

static void test_clean_keeps_topic_slugs(void **state)
{
    (void)state;
    check_clean("REFILE-US STOCKS-Wall St drops over 1 pct on global debt "
                "worries ",
                " (Fixes typo in paragraph 5 to read \"BNY ConvergEx "
                "Group\")",
                "US STOCKS-Wall St drops over 1 pct on global debt worries "
                "| (Fixes typo in paragraph 5 to read \"BNY ConvergEx "
                "Group\")");
    check_clean("PRESS DIGEST - Canada - July 8 ", "",
                "PRESS DIGEST - Canada - July 8");
    check_clean("HOW TO PLAY IT: Apple surges after stellar results ", "",
                "HOW TO PLAY IT: Apple surges after stellar results");
}

static void test_clean_numbered_forms(void **state)
{
    (void)state;
    check_clean("WRAPUP 1-Petrovietnam eyes oil assets in disputed South "
                "China Sea ",
                " ",
                "Petrovietnam eyes oil assets in disputed South China Sea");
    check_clean("UPDATE1-Senator Grassley probes document destruction at "
                "SEC ",
                " * Grassley: SEC whistleblower came forward about records",
                "Senator Grassley probes document destruction at SEC | "
                "Grassley: SEC whistleblower came forward about records");
    check_clean("UPDATE 11-Foo", "", "Foo");
    check_clean("WRAPUP-BofA shares drop  recover in rollercoaster day ", "",
                "BofA shares drop recover in rollercoaster day");
}

static void test_clean_colon_labels_any_case(void **state)
{
    (void)state;
    check_clean("Analysis: JPMorgan close to becoming the top U.S. lender ",
                "NEW YORK JPMorgan Chase & Co is close to vaulting past "
                "Bank of America Corp to become the biggest bank in the "
                "United States  but it will likely get there in an odd way "
                "-- by shrinking less than its rival.",
                "JPMorgan close to becoming the top U.S. lender | NEW YORK "
                "JPMorgan Chase & Co is close to vaulting past Bank of "
                "America Corp to become the biggest bank in the United "
                "States but it will likely get there in an odd way -- by "
                "shrinking less than its rival.");
    check_clean("Exclusive: France's Photonis  QioptiQ for sale ", "",
                "France's Photonis QioptiQ for sale");
    check_clean("SPECIAL REPORT: Banks still robo-signing ", "",
                "Banks still robo-signing");
    check_clean("Q&A-What happens to Apple after Jobs? ", "",
                "What happens to Apple after Jobs?");
}

static void test_clean_keeps_look_alikes(void **state)
{
    (void)state;
    check_clean("T-Mobile to offer unlimited data plans ", "",
                "T-Mobile to offer unlimited data plans");
    check_clean("F-35 called part of U.S. security infrastructure ", "",
                "F-35 called part of U.S. security infrastructure");
    check_clean("TNK-BP to reinvest Russian oil tax ", "",
                "TNK-BP to reinvest Russian oil tax");
    check_clean("ST-Ericsson breaks Qualcomm Windows Phone monopoly ", "",
                "ST-Ericsson breaks Qualcomm Windows Phone monopoly");
    check_clean("Update 2-lower case is not the wire", "",
                "Update 2-lower case is not the wire");
    check_clean("UPDATES to follow", "", "UPDATES to follow");
    check_clean("UPDATE 2 without separator", "", "UPDATE 2 without separator");
    check_clean("Text-to-speech firm rises", "", "Text-to-speech firm rises");
}

static void test_clean_non_ascii(void **state)
{
    (void)state;
    check_clean("LEAD 1-Nestl\xc3\xa9 port\xc3\xa9 par la croissance dans "
                "les pays \xc3\xa9mergents ",
                " * Croissance \xc3\xa0 deux chiffres dans les pays "
                "\xc3\xa9mergents",
                "LEAD 1-Nestl\xc3\xa9 port\xc3\xa9 par la croissance dans "
                "les pays \xc3\xa9mergents | Croissance \xc3\xa0 deux "
                "chiffres dans les pays \xc3\xa9mergents");
}

/* Invisible characters join; the zero-width space separates. */
static void test_clean_drops_invisible(void **state)
{
    char line[] = "\xef\xbb\xbfPro\xc2\xad"
                  "fit fell\xe2\x81\xa0ten "
                  "\xe2\x80\x8bper\xe2\x80\x8d\xe2\x80\x8c"
                  "cent\xc2";

    (void)state;
    check_clean("\xef\xbb\xbf"
                "Apple pro\xc2\xad"
                "fit fell",
                "\xe2\x81\xa0 \xef\xbb\xbf \xc2\xad", "Apple profit fell");
    check_clean("\xc2\xad", "a\xe2\x80\x8b b", "a\xe2\x80\x8b b");
    /* a lone lead byte at the end is not an invisible character */
    assert_int_equal(text_invisible_len("\xc2", 1, 0), 0);
    assert_int_equal(text_invisible_len("\xe2\x81", 2, 0), 0);
    assert_int_equal(text_invisible_len("\xe2\x81\xa0", 3, 0), 3);
    assert_int_equal(text_invisible_len("\xc2\xa0", 2, 0), 0);
    assert_int_equal(text_drop_invisible(line, strlen(line)), 26);
    assert_string_equal(line, "Profit fellten \xe2\x80\x8bpercent\xc2");
    {
        /* and the others that show nothing after "Apple" (a trial
         * registered each beside Apple's "Apple") */
        char more[] = "Apple\xcd\x8f|Apple\xd8\x9c|Apple\xe1\x9e\xb4"
                      "\xe1\x9e\xb5|Apple\xe1\xa0\x8e|Apple\xef\xb8\x80"
                      "\xef\xb8\x8f|Apple\xf3\xa0\x81\x81\xf3\xa0\x80\x81";

        assert_int_equal(text_drop_invisible(more, strlen(more)), 35);
        assert_string_equal(more, "Apple|Apple|Apple|Apple|Apple|Apple");
    }
    {
        /* the marks, embeddings and isolates of bidirectional text
         * ("pro\u200efit" read as "pro fit" was neutral) */
        char bidi[] = "pro\xe2\x80\x8e"
                      "fit|\xe2\x80\x8f|\xe2\x80\xaa\xe2\x80\xae|"
                      "\xe2\x81\xa6\xe2\x81\xa9|\xe2\x80\xa9\xe2\x81\xaa";

        assert_int_equal(text_drop_invisible(bidi, strlen(bidi)), 16);
        assert_string_equal(bidi, "profit||||\xe2\x80\xa9\xe2\x81\xaa");
    }
    /* a tag's lead cut short, and a neighbour of the selectors, stay */
    assert_int_equal(text_invisible_len("\xf3\xa0\x81", 3, 0), 0);
    assert_int_equal(text_invisible_len("\xef\xb8\x90", 3, 0), 0);
}

static void test_clean_empty_parts(void **state)
{
    size_t len = 99;
    char *got;

    (void)state;
    check_clean("", "", "");
    check_clean("   ", " *  * ", "");
    check_clean("", " * * Only the summary", "Only the summary");
    check_clean("RPT-", "x", "x");
    check_clean("Only the title ", "   ", "Only the title");

    got = text_clean_article(NULL, 0, NULL, 0, &len);
    assert_string_equal(got, "");
    assert_int_equal(len, 0);
    free(got);
}

static void test_clean_reads_only_len_bytes(void **state)
{
    size_t len = 99;
    char *got;

    (void)state;
    got = text_clean_article("RPT-Foo bar", 7, " * baz qux", 6, &len);
    assert_string_equal(got, "Foo | baz");
    assert_int_equal(len, 9);
    free(got);
}

/* Control bytes, bytes that are not UTF-8 and C1 controls shown as
 * '?'; a UTF-8 sequence cut short at the end dropped; whole ones kept. */
static void test_mask_controls(void **state)
{
    char a[] = "\033[31mEVIL\033[0m\n\x7f";
    char b[] = "A\xc3\x84\xc3";
    char c[] = "caf\xc3\xa9";
    char d[] = "x\xe2\x82";
    char e[] = "\xc3";
    char f[] = "";
    char g[] = "a\x9b"
               "2J\xff\xc2\x9b"
               "b\xc2\xa0\xe2\x82\xac";
    char h[] = "\xe2\x28\xa1z\xc3";
    char i[] = "abc\xff";
    char j[8];

    (void)state;
    text_mask_controls(a);
    assert_string_equal(a, "?[31mEVIL?[0m??");
    text_mask_controls(b);
    assert_string_equal(b, "A\xc3\x84");
    text_mask_controls(c);
    assert_string_equal(c, "caf\xc3\xa9");
    text_mask_controls(d);
    assert_string_equal(d, "x");
    text_mask_controls(e);
    assert_string_equal(e, "");
    text_mask_controls(f);
    assert_string_equal(f, "");
    /* not UTF-8 (a lone 0x9b is an 8-bit CSI to some terminals), C1 */
    text_mask_controls(g);
    assert_string_equal(g, "a?2J???b\xc2\xa0\xe2\x82\xac");
    text_mask_controls(h);
    assert_string_equal(h, "?(?z");
    /* a last byte that leads no character is shown, not dropped */
    text_mask_controls(i);
    assert_string_equal(i, "abc?");
    /* a prefix that fits, masked */
    text_mask_prefix(j, sizeof(j), "ab\033cdefghij", 11);
    assert_string_equal(j, "ab?cdef");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_stops_at_len),
        cmocka_unit_test(test_collapse_ws),
        cmocka_unit_test(test_collapse_ws_real_summary),
        cmocka_unit_test(test_clean_update_prefix_and_bullet),
        cmocka_unit_test(test_clean_plain_row_with_no_break_space),
        cmocka_unit_test(test_clean_indented_bullet),
        cmocka_unit_test(test_clean_chained_prefixes),
        cmocka_unit_test(test_clean_keeps_topic_slugs),
        cmocka_unit_test(test_clean_numbered_forms),
        cmocka_unit_test(test_clean_colon_labels_any_case),
        cmocka_unit_test(test_clean_keeps_look_alikes),
        cmocka_unit_test(test_clean_non_ascii),
        cmocka_unit_test(test_clean_drops_invisible),
        cmocka_unit_test(test_clean_empty_parts),
        cmocka_unit_test(test_clean_reads_only_len_bytes),
        cmocka_unit_test(test_mask_controls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
