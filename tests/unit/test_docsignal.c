/*
 * Tests of per-ticker signals (src/domain/docsignal.c) with the shipped
 * weights, run from the repository root: how a text is cut into units,
 * which units each ticker gets, a different sentiment per ticker,
 * relevance by where the ticker is named, and the fall-back to the
 * whole text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/docsignal.h"
#include "domain/text.h"
#include "lib/buf.h"

static sentiment_model *model;
static mention_index *idx;

static int setup(void **state)
{
    char err[256];

    (void)state;
    model =
        sentiment_model_load("data/model/sentiment.weights", err, sizeof(err));
    if (!model) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    idx = mention_index_new();
    mention_index_add_ticker(idx, "AAPL");
    mention_index_add_alias(idx, "AAPL", "Apple");
    mention_index_add_ticker(idx, "GOOGL");
    mention_index_add_alias(idx, "GOOGL", "Google");
    mention_index_add_ticker(idx, "F");
    mention_index_add_alias(idx, "F", "Ford");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sentiment_model_free(model);
    mention_index_free(idx);
    return 0;
}

/* The units of text, joined by " / ". */
static void assert_units(const char *text, const char *want)
{
    docsignal_doc d;
    char got[1024] = "";

    docsignal_doc_init(&d, idx, text, strlen(text), 0);
    for (size_t u = 0, used = 0; u < d.nunits; u++) {
        int k = snprintf(got + used, sizeof(got) - used, "%s%.*s",
                         u ? " / " : "", (int)(d.unit_end[u] - d.unit_off[u]),
                         text + d.unit_off[u]);

        assert_true(k > 0 && (size_t)k < sizeof(got) - used);
        used += (size_t)k;
    }
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\":\n got \"%s\"\nwant \"%s\"", text, got, want);
}

static void test_units(void **state)
{
    (void)state;
    assert_units("Apple rose. Google fell.", "Apple rose. / Google fell.");
    assert_units("Apple Inc. rose while U.S. sales fell; Ford gained",
                 "Apple Inc. rose / while U.S. sales fell / Ford gained");
    assert_units("Title here | Body text, but more", "Title here / Body "
                                                     "text, / but more");
    assert_units("Profit rose 3.5 percent. shares too",
                 "Profit rose 3.5 percent. shares too");
    assert_units("Butter prices; whilst Meanwhile, no",
                 "Butter prices / whilst / Meanwhile, no");
    /* a cashtag or a class share ends a sentence; an initial does not */
    assert_units("Profit fell at $F. Apple rose.",
                 "Profit fell at $F. / Apple rose.");
    assert_units("Profit fell at BRK.B. Apple rose.",
                 "Profit fell at BRK.B. / Apple rose.");
    assert_units("Profit fell at $MS. Apple rose. $co. too",
                 "Profit fell at $MS. / Apple rose. / $co. too");
    assert_units("J. Smith and U.S. sales. Apple rose.",
                 "J. Smith and U.S. sales. / Apple rose.");
    assert_units("Fell at BRK-B. Rose at $brk.b. Flat at BRK/B. Done",
                 "Fell at BRK-B. / Rose at $brk.b. / Flat at BRK/B. / Done");
    /* a company's "Inc." ends a sentence only before a mention */
    assert_units("Profit rose at Apple Inc. Google fell. Ford Co. CEO left",
                 "Profit rose at Apple Inc. / Google fell. / "
                 "Ford Co. CEO left");
    assert_units("Sold by Ford Motor Co. $AAPL rose. Mr. Ford left",
                 "Sold by Ford Motor Co. / $AAPL rose. / Mr. Ford left");
    /* closing quotes and brackets stay with their sentence */
    assert_units("\"Apple rose.\" Google fell. (Ford too.) End",
                 "\"Apple rose.\" / Google fell. / (Ford too.) / End");
    assert_units("Apple rose.\xe2\x80\x9d Google fell.",
                 "Apple rose.\xe2\x80\x9d / Google fell.");
    assert_units("\xc2\xab"
                 "Apple rose.\xc2\xbb Google fell.",
                 "\xc2\xab"
                 "Apple rose.\xc2\xbb / Google fell.");
    /* a ';' inside parentheses (a ticker list) does not cut */
    assert_units("Fell at (F; GM) peers; Apple rose",
                 "Fell at (F; GM) peers / Apple rose");
    /* a contrast word after '(' or ',' opens a clause */
    assert_units("Apple rose,while Google fell (whereas Ford fell)",
                 "Apple rose, / while Google fell ( / whereas Ford fell)");
    assert_units("Apple rose\xe2\x80\x94"
                 "but Google fell",
                 "Apple rose\xe2\x80\x94 / but Google fell");
    assert_units("", "");
    assert_units(" ;; | ", "");
}

static docsignal signal_for(const char *title, const char *body,
                            const char *ticker)
{
    size_t len;
    char *clean =
        text_clean_article(title, strlen(title), body, strlen(body), &len);
    size_t tlen = docsignal_title_len(title, strlen(title), clean, len);
    docsignal_doc d;
    docsignal s;

    docsignal_doc_init(&d, idx, clean, len, tlen);
    docsignal_for(&d, model, ticker, &s);
    free(clean);
    return s;
}

static void test_different_sentiment_per_ticker(void **state)
{
    const char *title = "Tech results";
    const char *body = "Apple profit rose 20 percent to a record, while "
                       "Google profit fell 30 percent and its sales "
                       "declined.";
    docsignal a = signal_for(title, body, "AAPL");
    docsignal g = signal_for(title, body, "GOOGL");

    (void)state;
    assert_int_equal(a.sentiment.label, SENT_POSITIVE);
    assert_int_equal(g.sentiment.label, SENT_NEGATIVE);
    assert_int_equal(a.whole_text, 0);
    assert_int_equal(g.whole_text, 0);
    assert_int_equal(a.event, EVENT_EARNINGS);
    assert_int_equal(g.event, EVENT_EARNINGS);
}

/* "Inc." before another company's name ends the first one's sentence. */
static void test_sentence_after_inc(void **state)
{
    const char *body = "Profit rose 20 percent to a record at Apple Inc. "
                       "Google Inc. profit fell 30 percent and its sales "
                       "declined.";
    docsignal a = signal_for("Tech results", body, "AAPL");
    docsignal g = signal_for("Tech results", body, "GOOGL");

    (void)state;
    assert_int_equal(a.sentiment.label, SENT_POSITIVE);
    assert_int_equal(g.sentiment.label, SENT_NEGATIVE);
    assert_int_equal(a.whole_text, 0);
    assert_int_equal(g.whole_text, 0);
}

/* A unit that names no ticker continues the one before it; units before
 * the first mention go to every ticker. */
static void test_units_follow_the_last_mention(void **state)
{
    docsignal_doc d;
    const char *text = "Markets | Apple profit rose. The company raised its "
                       "outlook. Google was fined. It will appeal.";
    size_t want_a[] = {1, 1, 1, 0, 0};
    size_t want_g[] = {1, 0, 0, 1, 1};

    (void)state;
    docsignal_doc_init(&d, idx, text, strlen(text), 7);
    assert_int_equal(d.nunits, 5);
    for (size_t u = 0; u < d.nunits; u++) {
        size_t owner = d.unit_owner[u];
        int a = owner == DOCSIGNAL_MAX_UNITS, g = a;

        for (size_t k = 0; k < d.nspans; k++) {
            if (d.span_unit[k] != owner)
                continue;
            a |= strcmp(d.spans[k].ticker, "AAPL") == 0;
            g |= strcmp(d.spans[k].ticker, "GOOGL") == 0;
        }
        assert_int_equal(a, want_a[u]);
        assert_int_equal(g, want_g[u]);
    }
}

static void test_one_ticker_gets_the_whole_text(void **state)
{
    const char *title = "Apple profit rose";
    const char *body = "Net sales increased by 12 percent.";
    docsignal s = signal_for(title, body, "AAPL");
    sentiment_result whole;
    char *clean;
    size_t len;

    (void)state;
    clean = text_clean_article(title, strlen(title), body, strlen(body), &len);
    sentiment_classify(model, clean, len, &whole);
    free(clean);
    assert_int_equal(s.whole_text, 1);
    assert_true(s.sentiment.score == whole.score);
    assert_true(s.sentiment.confidence == whole.confidence);
}

static void test_relevance_by_place(void **state)
{
    (void)state;
    assert_true(signal_for("Apple sues Google", "A court date is set.", "AAPL")
                    .relevance == DOCSIGNAL_RELEVANCE_TITLE);
    assert_true(signal_for("Apple sues Google", "Google denies it.", "GOOGL")
                    .relevance == DOCSIGNAL_RELEVANCE_TITLE);
    assert_true(
        signal_for("Phone makers", "Apple shipped more.", "AAPL").relevance ==
        0.6);
    assert_true(
        signal_for("Phone makers", "Apple shipped more. Apple gained.", "AAPL")
            .relevance == 0.6 + 0.1);
    assert_true(signal_for("Phone makers",
                           "Apple, Apple, Apple and Apple again.", "AAPL")
                    .relevance == 0.6 + 0.2);
    /* a name with its own symbol beside it is one naming */
    assert_true(signal_for("Phone makers", "Apple (AAPL) shipped more.", "AAPL")
                    .relevance == 0.6);
    assert_true(signal_for("Phone makers",
                           "Apple Inc. (NASDAQ: AAPL) shipped more.", "AAPL")
                    .relevance == 0.6);
    assert_true(
        signal_for("Phone makers", "Apple (AAPL) rose. AAPL gained.", "AAPL")
            .relevance == 0.6 + 0.1);
    {
        static const char *const one[] = {
            "Apple's (AAPL) shipped more.",
            "Apple - AAPL shipped more.",
            "Apple (NYSE/AAPL) shipped more.",
            "Apple\xe2\x80\x99s ($AAPL) shipped more.",
            "Apple\xe2\x80\x98s (AAPL) shipped more.",
            "Apple \xe2\x80\x93 AAPL shipped more.",
            "Apple Inc. (NYSE Arca: AAPL) shipped more.",
            "Apple (ticker: AAPL) shipped more."};

        for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
            assert_true(signal_for("Phone makers", one[i], "AAPL").relevance ==
                        0.6);
    }
    /* a naming is one name and one symbol */
    assert_true(signal_for("Phone makers", "Apple, AAPL, Apple rose.", "AAPL")
                    .relevance == 0.6 + 0.1);
    /* but not across a sentence's end */
    assert_true(
        signal_for("Phone makers", "Shares of Apple. AAPL fell.", "AAPL")
            .relevance == 0.6 + 0.1);
    /* named once, in a ticker list */
    assert_true(
        signal_for("Phone makers", "Profits rose (AAPL, GOOGL).", "AAPL")
            .relevance == 0.6);
    assert_true(
        signal_for("Phone makers", "Nobody is named.", "AAPL").relevance ==
        DOCSIGNAL_RELEVANCE_TAG);
}

/* A text with more units than a document holds is classified whole
 * for every ticker; one with more mentions than it holds still knows
 * that a ticker named after them is named. */
static void test_overflow_gives_the_whole_text(void **state)
{
    buf t;
    docsignal a, g;

    (void)state;
    buf_init(&t);
    buf_adds(&t, "Apple profit rose 20 percent. ");
    for (int i = 0; i < DOCSIGNAL_MAX_UNITS; i++)
        buf_adds(&t, "Shares rose. ");
    buf_adds(&t, "Google profit fell 30 percent.");
    a = signal_for("", t.data, "AAPL");
    g = signal_for("", t.data, "GOOGL");
    assert_int_equal(a.whole_text, 1);
    assert_int_equal(g.whole_text, 1);
    assert_true(a.sentiment.score == g.sentiment.score);
    assert_true(g.relevance == DOCSIGNAL_RELEVANCE_BODY);

    buf_reset(&t);
    for (int i = 0; i < DOCSIGNAL_MAX_SPANS; i++)
        buf_adds(&t, "Apple ");
    buf_adds(&t, "and Google.");
    g = signal_for("", t.data, "GOOGL");
    assert_int_equal(g.whole_text, 1);
    assert_true(g.relevance == DOCSIGNAL_RELEVANCE_BODY);
    assert_true(signal_for("", t.data, "AAPL").relevance == 0.6 + 0.2);

    /* exactly as many mentions as it holds is not more */
    buf_reset(&t);
    buf_adds(&t, "Apple profit rose 20 percent. Google profit fell 30 "
                 "percent.");
    for (int i = 0; i < DOCSIGNAL_MAX_SPANS - 2; i++)
        buf_adds(&t, " Ford");
    a = signal_for("", t.data, "AAPL");
    g = signal_for("", t.data, "GOOGL");
    assert_int_equal(a.whole_text, 0);
    assert_int_equal(a.sentiment.label, SENT_POSITIVE);
    assert_int_equal(g.sentiment.label, SENT_NEGATIVE);
    buf_adds(&t, " Ford");
    a = signal_for("", t.data, "AAPL");
    assert_int_equal(a.whole_text, 1);
    buf_release(&t);
}

static void test_feed_tag_only_gets_the_whole_text(void **state)
{
    docsignal s = signal_for("Apple profit rose", "Sales increased.", "F");

    (void)state;
    assert_int_equal(s.whole_text, 1);
    assert_int_equal(s.title_mentions + s.body_mentions, 0);
    assert_true(s.relevance == DOCSIGNAL_RELEVANCE_TAG);
    assert_int_equal(s.sentiment.label, SENT_POSITIVE);
}

static void test_common_word_ticker_named_by_company(void **state)
{
    docsignal f = signal_for("Ford (F) recalls trucks", "Apple rose.", "F");

    (void)state;
    assert_int_equal(f.title_mentions, 1);
    assert_true(f.relevance == DOCSIGNAL_RELEVANCE_TITLE);
    assert_int_equal(f.event, EVENT_PRODUCT);
}

static void test_title_len(void **state)
{
    const char *clean = "Apple rises | Body";

    (void)state;
    assert_int_equal(
        docsignal_title_len("UPDATE 2-Apple  rises", 21, clean, strlen(clean)),
        11);
    assert_int_equal(docsignal_title_len("Pear", 4, clean, strlen(clean)), 0);
    assert_int_equal(docsignal_title_len("", 0, clean, strlen(clean)), 0);
}

static void test_null_index_and_empty_text(void **state)
{
    docsignal_doc d;
    docsignal s;

    (void)state;
    docsignal_doc_init(&d, NULL, "Apple rose", 10, 0);
    assert_int_equal(d.nspans, 0);
    docsignal_for(&d, model, "AAPL", &s);
    assert_int_equal(s.whole_text, 1);
    docsignal_doc_init(&d, idx, NULL, 0, 0);
    docsignal_for(&d, model, "AAPL", &s);
    assert_int_equal(s.sentiment.label, SENT_NEUTRAL);
    assert_int_equal(s.event, EVENT_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_different_sentiment_per_ticker),
        cmocka_unit_test(test_sentence_after_inc),
        cmocka_unit_test(test_units_follow_the_last_mention),
        cmocka_unit_test(test_one_ticker_gets_the_whole_text),
        cmocka_unit_test(test_relevance_by_place),
        cmocka_unit_test(test_overflow_gives_the_whole_text),
        cmocka_unit_test(test_feed_tag_only_gets_the_whole_text),
        cmocka_unit_test(test_common_word_ticker_named_by_company),
        cmocka_unit_test(test_title_len),
        cmocka_unit_test(test_null_index_and_empty_text),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
