/*
 * Tests of the embedded sentiment model with the shipped weights
 * (data/model/sentiment.weights, relative to the repository root, where
 * the tests run): labels of clear financial sentences, determinism,
 * empty text, and the errors of sentiment_model_load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/features.h"
#include "domain/linmodel.h"
#include "domain/sentiment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WEIGHTS "data/model/sentiment.weights"
#define STR_(x) #x
#define STR(x) STR_(x)
/* The header lines of a weights file of this build. */
#define FEATURES_LINE "features " STR(FEAT_VERSION) "\n"

static sentiment_model *model;

static int load_model(void **state)
{
    char err[256];

    (void)state;
    model = sentiment_model_load(WEIGHTS, err, sizeof(err));
    if (!model)
        fprintf(stderr, "%s\n", err);
    return model ? 0 : -1;
}

static int free_model(void **state)
{
    (void)state;
    sentiment_model_free(model);
    model = NULL;
    return 0;
}

static sentiment_label label_of(const char *text)
{
    sentiment_result r;

    sentiment_classify(model, text, strlen(text), &r);
    return r.label;
}

static void assert_label(const char *text, sentiment_label want)
{
    sentiment_label got = label_of(text);

    if (got != want)
        fail_msg("\"%s\": want %s, got %s", text, sentiment_label_name(want),
                 sentiment_label_name(got));
}

static void test_narrowing_loss_is_positive(void **state)
{
    (void)state;
    assert_label("Operating loss narrowed", SENT_POSITIVE);
    assert_label("Net loss narrowed to EUR 2.1 mn from EUR 5.3 mn",
                 SENT_POSITIVE);
}

static void test_widening_loss_is_negative(void **state)
{
    (void)state;
    assert_label("Operating loss widened to EUR 9 mn", SENT_NEGATIVE);
}

static void test_falling_profit_is_negative(void **state)
{
    (void)state;
    assert_label("Quarterly profit fell 20 percent", SENT_NEGATIVE);
    assert_label("Operating profit fell to EUR 3.2 mn from EUR 4.5 mn",
                 SENT_NEGATIVE);
    assert_label("Apple profit fell as iPhone sales slowed", SENT_NEGATIVE);
}

static void test_rising_sales_is_positive(void **state)
{
    (void)state;
    assert_label("Sales increased", SENT_POSITIVE);
    assert_label("Net sales increased by 12 % to EUR 80 mn", SENT_POSITIVE);
    assert_label("Intel revenue beats estimates, shares jump", SENT_POSITIVE);
}

static void test_falling_costs_is_positive(void **state)
{
    (void)state;
    assert_label("Costs were reduced by 15 %", SENT_POSITIVE);
}

static void test_negation_flips_direction(void **state)
{
    (void)state;
    assert_label("Net sales did not increase in the third quarter",
                 SENT_NEGATIVE);
}

static void test_comparison_with_previous_period(void **state)
{
    (void)state;
    assert_label("Operating margin was 8.3 % compared to 11.8 % a year "
                 "earlier",
                 SENT_NEGATIVE);
    assert_label("Diluted EPS stood at EUR 0.42 versus EUR 0.25",
                 SENT_POSITIVE);
}

static void test_swing_between_profit_and_loss(void **state)
{
    (void)state;
    assert_label("The company swung to a net profit of EUR 3 mn from a net "
                 "loss of EUR 1 mn",
                 SENT_POSITIVE);
    assert_label("The company slipped to a pretax loss of EUR 4 mn from a "
                 "pretax profit of EUR 2 mn",
                 SENT_NEGATIVE);
}

static void test_plain_facts_are_neutral(void **state)
{
    (void)state;
    assert_label("The headquarters are located in Helsinki", SENT_NEUTRAL);
    assert_label("The board of directors will propose a dividend of EUR "
                 "0.50 per share",
                 SENT_NEUTRAL);
}

static void assert_same_result(const sentiment_result *a,
                               const sentiment_result *b)
{
    assert_int_equal(a->label, b->label);
    assert_true(a->score == b->score);
    assert_true(a->confidence == b->confidence);
    for (int k = 0; k < 3; k++)
        assert_true(a->prob[k] == b->prob[k]);
}

/* Curly apostrophes and quotes, dashes, the ellipsis, guillemets and
 * the no-break space read as their ASCII forms do; other characters
 * starting with the same byte (the euro and pound signs) stay part of
 * their word. */
static void test_unicode_punctuation_reads_as_ascii(void **state)
{
    static const char *const pairs[][2] = {
        {"Profit didn\xe2\x80\x99t rise.", "Profit didn't rise."},
        {"Sales won\xe2\x80\x99t grow", "Sales won't grow"},
        {"Sales won\xe2\x80\x98t grow", "Sales won't grow"},
        {"Apple\xe2\x80\x99s profit rose", "Apple's profit rose"},
        {"\xe2\x80\x9cProfit rose 20 percent.\xe2\x80\x9d",
         "\"Profit rose 20 percent.\""},
        {"Sales\xe2\x80\x94"
         "and profit\xe2\x80\x94"
         "fell",
         "Sales - and profit - fell"},
        {"Sales fell\xe2\x80\xa6 again", "Sales fell again"},
        {"Sales fell\xe3\x80\x82", "Sales fell"},
        {"Sales\xef\xbc\x88"
         "fell\xef\xbc\x89 sharply",
         "Sales fell sharply"},
        {"Sales fell\xe2\x84\xa2", "Sales fell"},
        /* guillemets, the no-break space, the inverted question mark */
        {"Sales \xc2\xab"
         "fell\xc2\xbb sharply",
         "Sales fell sharply"},
        {"Sales\xc2\xa0"
         "fell",
         "Sales fell"},
        {"\xc2\xbfProfit fell?", "Profit fell?"},
    };
    sentiment_result a, b;

    (void)state;
    for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
        sentiment_classify(model, pairs[k][0], strlen(pairs[k][0]), &a);
        sentiment_classify(model, pairs[k][1], strlen(pairs[k][1]), &b);
        assert_same_result(&a, &b);
    }
    assert_label("Profit didn\xe2\x80\x99t rise.", SENT_NEGATIVE);
    /* the euro sign is not punctuation: "€131m" is not "131m" */
    sentiment_classify(model,
                       "Sales rose to \xe2\x82\xac"
                       "131m",
                       19, &a);
    sentiment_classify(model, "Sales rose to 131m", 18, &b);
    assert_true(a.score != b.score);
    /* nor is the pound sign */
    sentiment_classify(model,
                       "Sales rose to \xc2\xa3"
                       "131m",
                       18, &a);
    assert_true(a.score != b.score);
    /* a guillemet's bytes do not join a word */
    assert_label("\xc2\xab"
                 "Profit fell\xc2\xbb",
                 SENT_NEGATIVE);
    /* a character cut short at the end is part of the word */
    sentiment_classify(model, "Profit rose\xe2\x80", 13, &a);
    assert_true(a.score >= -1.0 && a.score <= 1.0);
}

/* Windows: exactly FEAT_MAX_TOKENS tokens is one; a full one ends at a
 * clause break in its second half, else leaves its last word to the
 * next. */
static void test_windows(void **state)
{
    static char text[4096];
    feat_token toks[FEAT_MAX_TOKENS];
    size_t next, n;

    (void)state;
    text[0] = '\0';
    for (int i = 0; i < FEAT_MAX_TOKENS; i++)
        strcat(text, "word ");
    n = feat_window(text, strlen(text), toks, &next);
    assert_int_equal(n, FEAT_MAX_TOKENS);
    assert_int_equal(next, strlen(text));

    strcat(text, "U.S. sales");
    n = feat_window(text, strlen(text), toks, &next);
    assert_int_equal(n, FEAT_MAX_TOKENS - 1);
    assert_int_equal(next, 5 * (FEAT_MAX_TOKENS - 1));
    n = feat_window(text + next, strlen(text) - next, toks, &next);
    assert_int_equal(n, 3); /* word, u.s, sales: "U.S." stays a word */

    text[0] = '\0';
    for (int i = 0; i < FEAT_MAX_TOKENS; i++)
        strcat(text, i == 100 ? "end. " : "word ");
    n = feat_window(text, strlen(text), toks, &next);
    assert_int_equal(n, 102);
    assert_int_equal(next, 5 * 100 + 4);
}

/* A text longer than FEAT_MAX_TOKENS tokens is read whole, in windows
 * whose logits are averaged: what comes late counts. */
static void test_long_text_is_read_whole(void **state)
{
    static char text[8192];
    const char *late = "Net sales rose 20 % and operating profit doubled. ";
    const char *one = "Operating profit fell sharply. ";
    sentiment_result head, whole, single;
    size_t head_len;

    (void)state;
    text[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(text, "The company is based in Espoo. ");
    head_len = strlen(text);
    for (int i = 0; i < 20; i++)
        strcat(text, late);
    sentiment_classify(model, text, head_len, &head);
    sentiment_classify(model, text, strlen(text), &whole);
    assert_int_equal(head.label, SENT_NEUTRAL);
    assert_int_equal(whole.label, SENT_POSITIVE);

    text[0] = '\0';
    for (int i = 0; i < 60; i++)
        strcat(text, one);
    sentiment_classify(model, one, strlen(one), &single);
    sentiment_classify(model, text, strlen(text), &whole);
    assert_int_equal(single.label, SENT_NEGATIVE);
    assert_int_equal(whole.label, SENT_NEGATIVE);
}

static void test_score_is_deterministic(void **state)
{
    const char *text = "Net sales rose 5 % while operating profit fell";
    sentiment_result a;
    sentiment_result b;
    sentiment_model *again;
    char err[256];

    (void)state;
    sentiment_classify(model, text, strlen(text), &a);
    sentiment_classify(model, text, strlen(text), &b);
    assert_same_result(&a, &b);

    again = sentiment_model_load(WEIGHTS, err, sizeof(err));
    assert_non_null(again);
    sentiment_classify(again, text, strlen(text), &b);
    assert_same_result(&a, &b);
    sentiment_model_free(again);
}

static void test_result_is_consistent(void **state)
{
    const char *text = "Operating loss narrowed";
    sentiment_result r;

    (void)state;
    sentiment_classify(model, text, strlen(text), &r);
    assert_true(r.prob[r.label] == r.confidence);
    assert_true(r.score == r.prob[SENT_POSITIVE] - r.prob[SENT_NEGATIVE]);
    assert_true(r.score >= -1.0 && r.score <= 1.0);
}

static void test_empty_text_is_neutral(void **state)
{
    sentiment_result r;

    (void)state;
    sentiment_classify(model, "", 0, &r);
    assert_int_equal(r.label, SENT_NEUTRAL);
    assert_true(r.score == 0.0);
    assert_true(r.confidence == 0.0);
    assert_true(r.prob[SENT_NEUTRAL] == 1.0);

    sentiment_classify(model, " ... , ;", 8, &r);
    assert_int_equal(r.label, SENT_NEUTRAL);
    assert_true(r.score == 0.0);
    assert_true(r.confidence == 0.0);

    /* numbers, '%', symbols and punctuation are no words either */
    {
        static const char *const none[] = {
            "% % %",
            "100 200 300 2011",
            "\xc2\xab\xc2\xbb \xc2\xa9 \xc2\xbf",
            "\xe2\x82\xac 5",
            "\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80",
            "\xc3\x97 \xc3\xb7",
            "\xef\xbc\x91\xef\xbc\x92 \xef\xbc\x85",
            "\xd9\xa3\xd9\xa4 \xd9\xaa"};
        static const char *const some[] = {"\xc3\xa9t\xc3\xa9",
                                           "\xe6\x97\xa5\xe7\xab\x8b",
                                           "\xef\xbc\xb3\xef\xbd\x81"};

        for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
            sentiment_classify(model, none[i], strlen(none[i]), &r);
            assert_int_equal(r.label, SENT_NEUTRAL);
            assert_true(r.confidence == 0.0);
        }
        for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++) {
            sentiment_classify(model, some[i], strlen(some[i]), &r);
            assert_true(r.confidence > 0.0);
        }
    }

    /* Only the first len bytes count. */
    sentiment_classify(model, "Sales increased", 0, &r);
    assert_int_equal(r.label, SENT_NEUTRAL);
}

static void test_version_is_named(void **state)
{
    (void)state;
    assert_string_equal(sentiment_model_version(model), "embedded-linear/4");
}

static void test_label_names(void **state)
{
    (void)state;
    assert_string_equal(sentiment_label_name(SENT_NEGATIVE), "negative");
    assert_string_equal(sentiment_label_name(SENT_NEUTRAL), "neutral");
    assert_string_equal(sentiment_label_name(SENT_POSITIVE), "positive");
}

/* Writes contents to a new temporary file; the caller unlinks path. */
static void write_temp(char *path, const char *contents)
{
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(contents, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_load_fails(const char *contents, const char *want)
{
    char path[] = "/tmp/stonks-test-weights-XXXXXX";
    char err[256] = "";
    sentiment_model *m;

    write_temp(path, contents);
    m = sentiment_model_load(path, err, sizeof(err));
    unlink(path);
    assert_null(m);
    if (!strstr(err, want) || !strstr(err, path))
        fail_msg("error \"%s\" should name the file and say \"%s\"", err, want);
}

static void test_missing_file_is_an_error(void **state)
{
    char err[256] = "";
    sentiment_model *m;

    (void)state;
    m = sentiment_model_load("/nonexistent/sentiment.weights", err,
                             sizeof(err));
    assert_null(m);
    assert_non_null(strstr(err, "/nonexistent/sentiment.weights"));
    assert_non_null(strstr(err, "No such file"));
}

static void test_corrupt_file_is_an_error(void **state)
{
    (void)state;
    assert_load_fails("hello\n", "not a sentiment weights file");
    assert_load_fails("", "unexpected end of file");
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n"
                      "features 999\n",
                      "another feature version");
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n" FEATURES_LINE
                      "buckets 262144\nbias 0 0 0\nrows 2\n"
                      "5 0.1 0.2 0.3\n",
                      "unexpected end of file");
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n" FEATURES_LINE
                      "buckets 262144\nbias 0 0 0\nrows 1\n"
                      "5 0.1 zero 0.3\nend\n",
                      "malformed weights");
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n" FEATURES_LINE
                      "buckets 262144\nbias 0 0 0\nrows 1\n"
                      "999999999 0.1 0.2 0.3\nend\n",
                      "out of range");
    /* finite but huge: their sums would overflow to NaN */
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n" FEATURES_LINE
                      "buckets 262144\nbias 0 0 0\nrows 1\n"
                      "5 3.4e38 3.4e38 -3.4e38\nend\n",
                      "size at most 1000");
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n" FEATURES_LINE
                      "buckets 262144\nbias 1001 0 0\nrows 0\nend\n",
                      "size at most 1000");
    assert_load_fails("stonks-sentiment-weights 1\nversion x/1\n" FEATURES_LINE
                      "buckets 262144\nbias 0 0 0\nrows 0\nend\njunk\n",
                      "text after 'end'");
}

/* What a weights file may hold besides its rows: comments, blank lines
 * after 'end', CRLF, weights too small for a float. */
static void test_lenient_file_loads(void **state)
{
    char path[] = "/tmp/stonks-test-weights-XXXXXX";
    const char *text =
        "stonks-sentiment-weights 1\r\nversion x/1\r\n"
        "# a comment\n" FEATURES_LINE "buckets 262144\nbias 0.5 0 0\nrows 1\n"
        "5 1e-50 -1e-40 0.25\nend\n\n# done\n";
    char err[256];
    int fd = mkstemp(path);
    sentiment_model *m;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    m = sentiment_model_load(path, err, sizeof(err));
    unlink(path);
    if (!m)
        fail_msg("%s", err);
    assert_string_equal(sentiment_model_version(m), "x/1");
    sentiment_model_free(m);
}

/* A fit that diverged is not written: the loader would refuse it. */
static void test_huge_weights_are_not_written(void **state)
{
    char path[] = "/tmp/stonks-test-huge-XXXXXX";
    char err[256] = "";
    linmodel m;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    linmodel_init(&m);
    snprintf(m.version, sizeof(m.version), "x/1");
    m.w[5 * LINMODEL_CLASSES + 1] = 2000.0f;
    assert_int_equal(linmodel_write(&m, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the fit diverged"));
    assert_int_equal(access(path, F_OK), -1);
    m.w[5 * LINMODEL_CLASSES + 1] = 1.0f;
    m.bias[2] = -1e9f;
    assert_int_equal(linmodel_write(&m, path, err, sizeof(err)), -1);
    m.bias[2] = 0.5f;
    assert_int_equal(linmodel_write(&m, path, err, sizeof(err)), 0);
    unlink(path);
    linmodel_release(&m);
}

static void test_free_null_is_safe(void **state)
{
    (void)state;
    sentiment_model_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_narrowing_loss_is_positive),
        cmocka_unit_test(test_widening_loss_is_negative),
        cmocka_unit_test(test_falling_profit_is_negative),
        cmocka_unit_test(test_rising_sales_is_positive),
        cmocka_unit_test(test_falling_costs_is_positive),
        cmocka_unit_test(test_negation_flips_direction),
        cmocka_unit_test(test_comparison_with_previous_period),
        cmocka_unit_test(test_swing_between_profit_and_loss),
        cmocka_unit_test(test_plain_facts_are_neutral),
        cmocka_unit_test(test_unicode_punctuation_reads_as_ascii),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_long_text_is_read_whole),
        cmocka_unit_test(test_score_is_deterministic),
        cmocka_unit_test(test_result_is_consistent),
        cmocka_unit_test(test_empty_text_is_neutral),
        cmocka_unit_test(test_version_is_named),
        cmocka_unit_test(test_label_names),
        cmocka_unit_test(test_missing_file_is_an_error),
        cmocka_unit_test(test_corrupt_file_is_an_error),
        cmocka_unit_test(test_huge_weights_are_not_written),
        cmocka_unit_test(test_lenient_file_loads),
        cmocka_unit_test(test_free_null_is_safe),
    };

    return cmocka_run_group_tests(tests, load_model, free_model);
}
