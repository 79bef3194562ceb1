/*
 * Tests of the event-type rules: every hand-written headline of
 * tests/fixtures/event_headlines.tsv (type<TAB>headline, '#' comments)
 * must get exactly its type. Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/event.h"

#include <stdio.h>
#include <string.h>

#define FIXTURE "tests/fixtures/event_headlines.tsv"

static event_type type_named(const char *name)
{
    for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
        if (strcmp(event_type_name((event_type)t), name) == 0)
            return (event_type)t;
    }
    fail_msg("unknown event type \"%s\" in " FIXTURE, name);
    return EVENT_OTHER;
}

static void test_fixture_headlines_get_their_type(void **state)
{
    FILE *f = fopen(FIXTURE, "r");
    char line[1024];
    int count[EVENT_TYPE_COUNT] = {0};
    int total = 0;
    int wrong = 0;

    (void)state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *tab;
        event_type want;
        event_type got;

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        want = type_named(line);
        got = event_classify(tab + 1, strlen(tab + 1));
        if (got != want) {
            print_error("%s: want %s, got %s\n", tab + 1, event_type_name(want),
                        event_type_name(got));
            wrong++;
        }
        count[want]++;
        total++;
    }
    fclose(f);

    assert_int_equal(wrong, 0);
    assert_true(total >= 60);
    for (int t = 0; t < EVENT_TYPE_COUNT; t++)
        assert_true(count[t] >= 5);
}

static void test_empty_text_is_other(void **state)
{
    (void)state;
    assert_int_equal(event_classify("", 0), EVENT_OTHER);
    assert_int_equal(event_classify(NULL, 0), EVENT_OTHER);
    assert_int_equal(event_classify("Dividend", 0), EVENT_OTHER);
}

static void test_quoted_ceo_is_not_a_management_change(void **state)
{
    const char *h = "Chevron will not spin off refining, says CEO";

    (void)state;
    assert_int_equal(event_classify(h, strlen(h)), EVENT_MERGER_ACQUISITION);
}

static void test_hyphenated_words_match_by_parts(void **state)
{
    const char *h = "Retailer plans spin-off of its online arm";

    (void)state;
    assert_int_equal(event_classify(h, strlen(h)), EVENT_MERGER_ACQUISITION);
}

static void test_case_does_not_matter(void **state)
{
    const char *h = "MICROSOFT RAISES QUARTERLY DIVIDEND";

    (void)state;
    assert_int_equal(event_classify(h, strlen(h)), EVENT_DIVIDEND_BUYBACK);
}

/* The whole text votes, not only its first FEAT_MAX_TOKENS tokens. */
static void test_long_text_votes_whole(void **state)
{
    static char text[4096];

    (void)state;
    text[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(text, "It is here. ");
    strcat(text, "The board raised the quarterly dividend.");
    assert_int_equal(event_classify(text, strlen(text)),
                     EVENT_DIVIDEND_BUYBACK);
    assert_int_equal(event_classify(text, strlen(text) - 40), EVENT_OTHER);

    /* every part of every hyphenated word, and pairs across windows */
    text[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(text, "a-b-c-d ");
    strcat(text, "dividend");
    assert_int_equal(event_classify(text, strlen(text)),
                     EVENT_DIVIDEND_BUYBACK);
    for (int n = 150; n <= 160; n++) {
        text[0] = '\0';
        for (int i = 0; i < n; i++)
            strcat(text, "abcd ");
        strcat(text, "CEO steps down");
        assert_int_equal(event_classify(text, strlen(text)),
                         EVENT_MANAGEMENT_CHANGE);
    }
}

/* An appointment word counts with a title near it, not anywhere. */
static void test_title_must_be_near(void **state)
{
    static const struct {
        const char *text;
        event_type want;
    } not_change[] = {
        {"Apple CEO Tim Cook said the company will replace the battery in "
         "older phones",
         EVENT_OTHER},
        {"Apple CEO Tim Cook said customers who leave the store get a "
         "discount",
         EVENT_OTHER},
        {"The CEO said on Monday that the firm names its new product line "
         "Orion",
         EVENT_PRODUCT},
        {"Apple hires. CEO", EVENT_OTHER},
    };
    static const char *const change[] = {
        "Apple names Tim Cook CEO",
        "Yahoo fires CEO Carol Bartz",
        "Board hires former Oracle executive as chief",
        "Apple CEO stepped down",
        "Apple hired Cook as CEO",
        "Apple CEO quit",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(not_change) / sizeof(not_change[0]); i++)
        assert_int_equal(
            event_classify(not_change[i].text, strlen(not_change[i].text)),
            not_change[i].want);
    for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++)
        assert_int_equal(event_classify(change[i], strlen(change[i])),
                         EVENT_MANAGEMENT_CHANGE);
}

static void test_type_names(void **state)
{
    static const char *const names[EVENT_TYPE_COUNT] = {
        "other",          "earnings",           "guidance",
        "analyst_rating", "merger_acquisition", "legal_regulatory",
        "product",        "management_change",  "dividend_buyback",
        "macro",
    };

    (void)state;
    for (int t = 0; t < EVENT_TYPE_COUNT; t++)
        assert_string_equal(event_type_name((event_type)t), names[t]);
    assert_string_equal(event_type_name(EVENT_TYPE_COUNT), "other");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_headlines_get_their_type),
        cmocka_unit_test(test_empty_text_is_other),
        cmocka_unit_test(test_long_text_votes_whole),
        cmocka_unit_test(test_title_must_be_near),
        cmocka_unit_test(test_quoted_ceo_is_not_a_management_change),
        cmocka_unit_test(test_hyphenated_words_match_by_parts),
        cmocka_unit_test(test_case_does_not_matter),
        cmocka_unit_test(test_type_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
