#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/mention.h"

#define MAX_OUT 64

static mention_index *reg;

static int setup(void **state)
{
    (void)state;
    reg = mention_index_new();
    mention_index_add_ticker(reg, "AAPL");
    mention_index_add_alias(reg, "AAPL", "Apple");
    mention_index_add_ticker(reg, "GOOG");
    mention_index_add_alias(reg, "GOOG", "Google");
    mention_index_add_alias(reg, "GOOG", "Alphabet");
    mention_index_add_ticker(reg, "T");
    mention_index_add_alias(reg, "T", "AT&T");
    mention_index_add_ticker(reg, "F");
    mention_index_add_alias(reg, "F", "Ford");
    mention_index_add_ticker(reg, "C");
    mention_index_add_alias(reg, "C", "Citigroup");
    mention_index_add_alias(reg, "C", "Citi");
    mention_index_add_ticker(reg, "GE");
    mention_index_add_alias(reg, "GE", "General Electric");
    mention_index_add_ticker(reg, "brk-b");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mention_index_free(reg);
    return 0;
}

/* Runs mention_find on s with index idx and compares the result, joined
 * by spaces, with want ("" for none). */
static void check_idx(const mention_index *idx, const char *s, const char *want)
{
    char out[MAX_OUT][TICKER_MAX];
    char got[MAX_OUT * TICKER_MAX] = "";
    size_t n = mention_find(idx, s, strlen(s), out, MAX_OUT);

    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(got, " ");
        strcat(got, out[i]);
    }
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\": got \"%s\", want \"%s\"", s, got, want);
}

static void check(const char *s, const char *want)
{
    check_idx(reg, s, want);
}

static void test_common_words_alone_are_not_mentions(void **state)
{
    (void)state;
    check("It is on a roll", "");
    check("IT spending is ON TRACK", "");
    check("F rose while T and C fell", "");
    check("T-Mobile flies F-35 jets", "");
    check("S&P 500 and U.S. stocks", "");
    check("", "");
}

static void test_cashtags(void **state)
{
    (void)state;
    check("$T", "T");
    check("$F and $C", "C F");
    check("$AAPL", "AAPL");
    check("$aapl rallies", "AAPL");
    check("buy $GOOG.", "GOOG");
    check("$MSFT is not registered", "");
    check("$5 bln deal", "");
    check("US$T", "");
    check("$", "");
}

static void test_class_shares_stay_whole(void **state)
{
    (void)state;
    check("$BRK.B", "BRK.B");
    check("$brk.b up", "BRK.B");
    check("$BRK-B and $BRK/B", "BRK.B");
    check("BRK.B rose.", "BRK.B");
    check("BRK-B rose", "BRK.B");
    check("BRK/B rose", "BRK.B");
    check("BRK alone", "");
    check("BRK.A is another class", "");
    check("AAPL.O on Nasdaq", "AAPL");
}

static void test_bare_tickers(void **state)
{
    (void)state;
    check("AAPL", "AAPL");
    check("AAPL, GOOG rise", "AAPL GOOG");
    check("GE's results", "GE");
    check("AAPLX fund", "");
    check("aapl lower case", "");
    check("XAAPL", "");
}

static void test_aliases(void **state)
{
    (void)state;
    check("Apple and Google", "AAPL GOOG");
    check("Apple's iPhone", "AAPL");
    check("Applebee's menu", "");
    check("Pineapple prices", "");
    check("apple pie and ApPlE", "");
    check("Alphabet", "GOOG");
    check("General Electric", "GE");
    check("General   Electric", "GE");
    check("General\nElectric", "GE");
    check("General\xc2\xa0"
          "Electric",
          "GE");
    check("General Electricity", "");
    check("GeneralElectric", "");
    check("General Motors", "");
    check("Citigroup and Citi", "C");
    check("Citibank", "");
    check("Citi's unit", "C");
    check("AT&T", "T");
    check("AT&T's plan", "T");
    check("AT & T", "");
    check("Apple\xc3\xa9", "");
}

static void test_unicode_punctuation_separates_words(void **state)
{
    (void)state;
    check("Apple\xe2\x80\x99s iPhone", "AAPL");
    check("Apple\xe2\x80\x94Google deal", "AAPL GOOG");
    check("\xe2\x80\x9c"
          "AAPL\xe2\x80\x9d",
          "AAPL");
    check("\xc2\xab$T\xc2\xbb", "T");
    check("Citi\xc2\xae", "C");
    check("AAPL\xe2\x80", "");
    check("Apple\xe2\x84\xa2 rose, AAPL\xe2\x84\xa2", "AAPL");
    check("GOOGLE\xe2\x84\xa2", "GOOG");
    check("Apple\xe3\x80\x81"
          "Google",
          "AAPL GOOG");
    check("\xef\xbc\x88"
          "Apple\xef\xbc\x89",
          "AAPL");
    check("Google\xef\xbc\x9a", "GOOG");
    check("Apple\xe2\x84\xa1 and Apple\xef\xbc\x90", "");
    check("Apple\xc3\xa9 and AAPL\xc3\xa9", "");
}

static void test_common_word_in_ticker_list(void **state)
{
    (void)state;
    check("Carriers (T, VZ) fell", "T");
    check("(T,F)", "F T");
    check("(C; GE)", "C GE");
    check("(T / F)", "F T");
    check("(T.N, F.N)", "F T");
    check("(T)", "");
    check("(T, and more)", "");
    check("(T, Vz)", "");
    check("(T, VZ", "");
}

static void test_common_word_next_to_name(void **state)
{
    (void)state;
    check("Ford (F) shares", "F");
    check("AT&T (T) and Verizon", "T");
    check("AT&T Inc (T.N) and Ford Motor Co (F.N)", "F T");
}

static void test_sorted_unique(void **state)
{
    (void)state;
    check("Google, Apple, GOOG and $AAPL; Google again", "AAPL GOOG");
    check("GE Citi Ford AT&T Apple Google $BRK.B", "AAPL BRK.B C F GE GOOG T");
}

static void test_max_limits_output(void **state)
{
    char out[2][TICKER_MAX];
    const char *s = "Google and Apple and GE";

    (void)state;
    assert_int_equal(mention_find(reg, s, strlen(s), out, 1), 1);
    assert_string_equal(out[0], "AAPL");
    assert_int_equal(mention_find(reg, s, strlen(s), out, 2), 2);
    assert_string_equal(out[1], "GE");
    assert_int_equal(mention_find(reg, s, strlen(s), out, 0), 0);
}

static void test_reads_only_len_bytes(void **state)
{
    char out[4][TICKER_MAX];

    (void)state;
    assert_int_equal(mention_find(reg, "AAPL GOOG", 4, out, 4), 1);
    assert_string_equal(out[0], "AAPL");
    assert_int_equal(mention_find(reg, "Apple", 4, out, 4), 0);
    assert_int_equal(mention_find(reg, "AAPL\0GOOG", 9, out, 4), 2);
    assert_string_equal(out[1], "GOOG");
    assert_int_equal(mention_find(reg, "General Electric", 12, out, 4), 0);
    assert_int_equal(mention_find(reg, NULL, 0, out, 4), 0);
}

static void test_longest_phrase_wins(void **state)
{
    mention_index *idx = mention_index_new();

    (void)state;
    mention_index_add_alias(idx, "BAC", "Bank of America");
    mention_index_add_alias(idx, "AMX", "America");
    mention_index_add_alias(idx, "AMX", "America Movil");
    mention_index_add_alias(idx, "GOOG", "Alphabet");
    mention_index_add_alias(idx, "GOOGL", "Alphabet");
    mention_index_add_alias(idx, "GOOGL", "Alphabet");
    mention_index_add_alias(idx, "X", "X");
    mention_index_add_alias(idx, "bad ticker", "Bad");

    check_idx(idx, "Bank of America Movil deal", "BAC");
    check_idx(idx, "America Movil and Bank of America", "AMX BAC");
    check_idx(idx, "Bank of Americas", "");
    check_idx(idx, "Alphabet", "GOOG GOOGL");
    check_idx(idx, "X marks it", "");
    check_idx(idx, "Bad news", "");
    check_idx(idx, "BAC and AMX", "");
    mention_index_free(idx);
    mention_index_free(NULL);
}

static void test_phrase_starting_with_punctuation(void **state)
{
    mention_index *idx = mention_index_new();

    (void)state;
    mention_index_add_alias(idx, "DOTC", ".com Inc");
    check_idx(idx, "the .com Inc deal", "DOTC");
    check_idx(idx, "the .com bubble", "");
    mention_index_free(idx);
}

/* A phrase of only punctuation or blanks would tag any text holding
 * it: it is ignored (the registry refuses it too). */
static void test_phrase_without_word_is_ignored(void **state)
{
    static const struct {
        const char *s;
        int want;
    } cases[] = {
        {"--", 0},
        {"$$", 0},
        {"  ", 0},
        {"\xc2\xa0", 0},
        {"\xe2\x80\x8b", 0},
        {"\xe2\x80\x94!", 0},
        {"\xcc\x81\xcc\x81", 0}, /* U+0301 twice: combining marks alone */
        {"\xe1\xb7\x80", 0}, /* U+1DC0 */
        {"Cafe\xcc\x81", 1},
        {"", 0},
        {"3M", 1},
        {"1810", 1},
        {".com", 1},
        {"Soci\xc3\xa9t\xc3\xa9", 1},
        {"\xe4\xb8\xb0\xe7\x94\xb0", 1},
    };
    mention_index *idx = mention_index_new();

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (mention_phrase_has_word(cases[i].s, strlen(cases[i].s)) !=
            cases[i].want)
            fail_msg("\"%s\": want %d", cases[i].s, cases[i].want);
    mention_index_add_ticker(idx, "DASH");
    mention_index_add_alias(idx, "DASH", "--");
    mention_index_add_alias(idx, "DASH", "$$");
    mention_index_add_alias(idx, "DASH", "\xc2\xa0\xc2\xa0");
    check_idx(idx, "prices -- and $$ signs", "");
    check_idx(idx,
              "a\xc2\xa0\xc2\xa0"
              "b",
              "");
    check_idx(idx, "DASH -- up", "DASH");
    mention_index_free(idx);
}

static void test_many_distinct_tickers(void **state)
{
    mention_index *idx = mention_index_new();
    char text[400] = "";
    char want[400] = "";

    (void)state;
    for (int i = 0; i < 50; i++) {
        char sym[8];

        snprintf(sym, sizeof(sym), "Q%c%c", 'A' + i / 26, 'A' + i % 26);
        mention_index_add_ticker(idx, sym);
        if (i > 0)
            strcat(want, " ");
        strcat(want, sym);
    }
    for (int i = 49; i >= 0; i--) {
        char sym[8];

        snprintf(sym, sizeof(sym), "$Q%c%c ", 'A' + i / 26, 'A' + i % 26);
        strcat(text, sym);
    }
    check_idx(idx, text, want);
    mention_index_free(idx);
}

/* The eight tickers the issue names as everyday words, registered
 * together: none of them counts as a bare word, each counts as a
 * cashtag, in a ticker list, and through its company name. */
static void test_issue_common_word_tickers(void **state)
{
    static const char *const syms[] = {"A", "ALL", "IT", "ON",
                                       "F", "V",   "T",  "C"};
    mention_index *idx = mention_index_new();

    (void)state;
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
        mention_index_add_ticker(idx, syms[i]);
    mention_index_add_alias(idx, "ALL", "Allstate");
    mention_index_add_alias(idx, "V", "Visa");
    mention_index_add_alias(idx, "ON", "ON Semiconductor");
    mention_index_add_alias(idx, "A", "Agilent");

    check_idx(idx, "A day when ALL eyes are ON IT: F, V, T and C", "");
    check_idx(idx, "IT IS ON. ALL IN. A BIG WIN", "");
    check_idx(idx, "a v t c f", "");
    check_idx(idx, "$A $ALL $IT $ON $F $V $T $C", "A ALL C F IT ON T V");
    check_idx(idx, "$all and $it", "ALL IT");
    check_idx(idx, "Payment stocks (V, MA) rose", "V");
    check_idx(idx, "Insurers (ALL; TRV) and chips (ON/IT)", "ALL IT ON");
    check_idx(idx, "Allstate Corp (ALL.N) said", "ALL");
    check_idx(idx, "Visa Inc (V) and ON Semiconductor (ON)", "ON V");
    check_idx(idx, "Agilent (A) beats", "A");
    check_idx(idx, "ON Semiconductors", "");
    mention_index_free(idx);
}

/* Runs mention_spans and renders each span as "TICKER@off+len". */
static void check_spans(const mention_index *idx, const char *s,
                        const char *want, size_t max)
{
    mention_span sp[16];
    char got[512] = "";
    size_t n = mention_spans(idx, s, strlen(s), sp, max);

    assert_true(max <= 16);
    for (size_t i = 0, used = 0; i < n; i++) {
        int k = snprintf(got + used, sizeof(got) - used, "%s%s@%zu+%zu",
                         i ? " " : "", sp[i].ticker, sp[i].off, sp[i].len);

        assert_true(k > 0 && (size_t)k < sizeof(got) - used);
        used += (size_t)k;
    }
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\": got \"%s\", want \"%s\"", s, got, want);
}

/* A registry alias that is a common-word symbol (another listing of the
 * company) counts only as a cashtag or in a list, for its ticker; other
 * aliases stay phrases. */
static void test_common_word_symbol_alias(void **state)
{
    mention_index *idx = mention_index_new();

    (void)state;
    mention_index_add_ticker(idx, "GOOGL");
    mention_index_add_alias(idx, "GOOGL", "GOOG");
    mention_index_add_ticker(idx, "GRTX");
    mention_index_add_alias(idx, "GRTX", "IT");
    mention_index_add_ticker(idx, "T");
    mention_index_add_alias(idx, "GRTX", "T");

    check_idx(idx, "IT spending rose", "");
    check_idx(idx, "$IT rose", "GRTX");
    check_idx(idx, "$it", "GRTX");
    check_idx(idx, "(IT, GOOG)", "GOOGL GRTX");
    check_idx(idx, "GOOG and $GOOG", "GOOGL");
    check_idx(idx, "$T", "T");
    mention_index_free(idx);

    /* a ticker of its own keeps its symbol, whichever came first */
    idx = mention_index_new();
    mention_index_add_alias(idx, "GRTX", "IT");
    mention_index_add_ticker(idx, "GRTX");
    mention_index_add_ticker(idx, "IT");
    check_idx(idx, "$IT rose", "IT");
    mention_index_free(idx);
    idx = mention_index_new();
    mention_index_add_ticker(idx, "IT");
    mention_index_add_ticker(idx, "GRTX");
    mention_index_add_alias(idx, "GRTX", "IT");
    check_idx(idx, "$IT rose", "IT");
    mention_index_free(idx);

    /* another ticker's symbol given as an alias stays that ticker's,
     * in either order, and a list names each ticker once; an alias
     * written as a symbol shared by two tickers gives both */
    idx = mention_index_new();
    mention_index_add_alias(idx, "MSFT", "AAPL");
    mention_index_add_ticker(idx, "AAPL");
    mention_index_add_ticker(idx, "MSFT");
    mention_index_add_alias(idx, "HPQ", "HP");
    mention_index_add_alias(idx, "HPE", "HP");
    check_idx(idx, "AAPL rose", "AAPL");
    check_spans(idx, "(AAPL, MSFT)", "AAPL@1+4 MSFT@7+4", 16);
    check_idx(idx, "HP rose; HPX", "HPE HPQ");
    mention_index_add_ticker(idx, "BRK.B");
    mention_index_add_alias(idx, "MSFT", "BRK-B");
    mention_index_add_alias(idx, "MSFT", "brk/b");
    check_idx(idx, "BRK-B rose, BRK/B too", "BRK.B");
    mention_index_free(idx);

    /* white space around such an alias changes nothing */
    idx = mention_index_new();
    mention_index_add_ticker(idx, "GRTX");
    mention_index_add_alias(idx, "GRTX", " IT ");
    check_idx(idx, "IT spending rose", "");
    check_idx(idx, "$IT rose", "GRTX");
    mention_index_free(idx);

    /* nor does punctuation around it: "AAPL." as MSFT's alias had
     * taken AAPL's mentions, "AAPL," in a list and "AAPL." at the end
     * of a sentence alike */
    idx = mention_index_new();
    mention_index_add_ticker(idx, "AAPL");
    mention_index_add_ticker(idx, "MSFT");
    mention_index_add_ticker(idx, "ZZY");
    mention_index_add_alias(idx, "MSFT", "AAPL.");
    mention_index_add_alias(idx, "MSFT", "(AAPL)");
    mention_index_add_alias(idx, "MSFT", "ZZY,");
    check_idx(idx, "AAPL, F and GE rose", "AAPL");
    check_idx(idx, "Shares of AAPL. Rose", "AAPL");
    check_idx(idx, "Shares of ZZY.", "ZZY");
    mention_index_free(idx);
}

/* A phrase that is a symbol once the punctuation around it is set
 * aside, and its canonical form; the symbol's own letters only. */
static void test_phrase_symbol(void **state)
{
    char sym[TICKER_MAX];

    /* in capitals: a name of five letters or more, of one word; with a
     * possessive, as another symbol's alias it would take the ticker's
     * mentions written so ("IBM's profit") */
    static const struct {
        int (*read)(const char *, char[TICKER_MAX]);
        const char *phrase, *sym; /* NULL: read as none */
    } cases[] = {
        {mention_phrase_symbol, "AAPL.", "AAPL"},
        {mention_phrase_symbol, " (BRK-B), ", "BRK.B"},
        {mention_phrase_symbol, "\u00abBRK/B\u00bb", "BRK.B"},
        {mention_phrase_symbol, "aapl.", NULL},
        {mention_phrase_symbol, "AAPL Inc", NULL},
        {mention_phrase_symbol, "\u00c9AAPL", NULL},
        {mention_phrase_symbol, "...", NULL},
        {mention_phrase_caps_symbol, "Apple.", "APPLE"},
        {mention_phrase_caps_symbol, "Citi", NULL},
        {mention_phrase_caps_symbol, "APPLE", NULL},
        {mention_phrase_caps_symbol, "Apple Inc", NULL},
        {mention_phrase_caps_symbol, "McDonald's", NULL},
        {mention_phrase_possessive_symbol, "IBM's", "IBM"},
        {mention_phrase_possessive_symbol, "BRK-B\u2019S", "BRK.B"},
        {mention_phrase_possessive_symbol, "IBM", NULL},
        {mention_phrase_possessive_symbol, "Apple's", NULL},
        {mention_phrase_possessive_symbol, "'s", NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = cases[i].read(cases[i].phrase, sym);

        if (got != (cases[i].sym != NULL) ||
            (got && strcmp(sym, cases[i].sym) != 0))
            fail_msg("case %zu \"%s\": got %d %s", i, cases[i].phrase, got,
                     got ? sym : "");
    }
}

/* A name of five letters or more counts in capitals too ("APPLE INC"
 * in an EDGAR title), after a name or bare ticker written so; a shorter
 * one ("CITI", "AMEX") is as often an acronym. */
static void test_names_in_capitals(void **state)
{
    mention_index *idx = mention_index_new();

    (void)state;
    check("APPLE UNVEILS IPHONE", "AAPL");
    check("4 - APPLE INC (0000320193) (Issuer)", "AAPL");
    check("GENERAL ELECTRIC and GENERAL  ELECTRIC", "GE");
    check("GENERAL Electric", "");
    check("GOOGLEPLEX", "");
    check("CITI RAISES", "");
    check("FORD RECALLS", "");
    check("AT&T", "T");

    mention_index_add_ticker(idx, "APPLE");
    mention_index_add_ticker(idx, "AAPL");
    mention_index_add_alias(idx, "AAPL", "Apple");
    mention_index_add_ticker(idx, "AXP");
    mention_index_add_alias(idx, "AXP", "AmEx");
    mention_index_add_alias(idx, "AXP", "American Express");
    check_idx(idx, "APPLE rose", "APPLE");
    check_idx(idx, "Apple rose", "AAPL");
    mention_index_add_ticker(idx, "GE");
    mention_index_add_ticker(idx, "GEHC");
    mention_index_add_alias(idx, "GEHC", "GE HealthCare");
    check_idx(idx, "4 - GE HEALTHCARE TECHNOLOGIES INC. (Issuer)", "GEHC");
    check_idx(idx, "GE HealthCare and GE rose", "GE GEHC");
    check_idx(idx, "NYSE AMEX: XYZ", "");
    check_idx(idx, "AMERICAN EXPRESS CO", "AXP");
    check_spans(idx, "AMERICAN   EXPRESS", "AXP@0+18", 16);
    mention_index_free(idx);
}

/* A curly apostrophe (U+2019) and a straight one are the same in a name,
 * in the registry and in the text. */
static void test_curly_apostrophes(void **state)
{
    mention_index *idx = mention_index_new();

    (void)state;
    mention_index_add_ticker(idx, "MCD");
    mention_index_add_alias(idx, "MCD", "McDonald's");
    mention_index_add_ticker(idx, "M");
    mention_index_add_alias(idx, "M", "Macy\xe2\x80\x99s");
    check_idx(idx, "McDonald's", "MCD");
    check_idx(idx, "McDonald\xe2\x80\x99s sales", "MCD");
    check_idx(idx, "MCDONALD\xe2\x80\x99S", "MCD");
    check_idx(idx, "Macy's and Macy\xe2\x80\x99s", "M");
    check_idx(idx, "McDonald\xe2\x80\x98s", "MCD");
    check_idx(idx, "McDonald\xe2\x80", "");
    check_idx(idx, "McDonalds", "");
    check_spans(idx, "McDonald\xe2\x80\x99s", "MCD@0+12", 16);
    /* a name that starts with one */
    mention_index_add_ticker(idx, "TIS");
    mention_index_add_alias(idx, "TIS", "\xe2\x80\x99Tis Corp");
    check_idx(idx, "'Tis Corp and \xe2\x80\x99Tis Corp", "TIS");
    check_idx(idx, "\xe2\x80\x98Tis Corp", "TIS");
    check_spans(idx, "\xe2\x80\x99Tis Corp", "TIS@0+11", 16);
    mention_index_free(idx);
}

static void test_spans_in_text_order(void **state)
{
    (void)state;
    check_spans(reg, "Apple and Google; Apple again",
                "AAPL@0+5 GOOG@10+6 AAPL@18+5", 16);
    check_spans(reg, "$AAPL, GE's and (T, F) plus BRK.B",
                "AAPL@0+5 GE@7+2 T@17+1 F@20+1 BRK.B@28+5", 16);
    check_spans(reg, "General\nElectric rose", "GE@0+16", 16);
    /* a list of plain tickers: each is one mention, not list + bare */
    check_spans(reg, "Rose (AAPL, GE) today", "AAPL@6+4 GE@12+2", 16);
    check_spans(reg, "IT and T alone", "", 16);
    check_spans(reg, "Apple Apple Apple", "AAPL@0+5 AAPL@6+5", 2);
    check_spans(reg, "Apple", "", 0);
}

/* Headlines in the style of the replay data, with the watchlist's
 * tickers and aliases (data/watchlist.csv), and the exact sets. */
static void test_watchlist_headlines(void **state)
{
    static const char *const rows[][4] = {
        {"AAPL", "Apple", NULL, NULL},
        {"GOOGL", "Google", "Alphabet", "GOOG"},
        {"C", "Citigroup", "Citi", "Citibank"},
        {"F", "Ford Motor", "Ford", NULL},
        {"GM", "General Motors", NULL, NULL},
        {"T", "AT&T", NULL, NULL},
        {"VZ", "Verizon", NULL, NULL},
        {"BAC", "Bank of America", "BofA", NULL},
        {"GE", "General Electric", NULL, NULL},
        {"JPM", "JPMorgan", "JP Morgan", "J.P. Morgan"},
        {"HPQ", "Hewlett-Packard", "HP", NULL},
        {"BRK.B", "Berkshire Hathaway", NULL, NULL},
    };
    mention_index *idx = mention_index_new();

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        mention_index_add_ticker(idx, rows[i][0]);
        for (int k = 1; k < 4 && rows[i][k]; k++)
            mention_index_add_alias(idx, rows[i][0], rows[i][k]);
    }
    check_idx(idx, "AT&T to buy T-Mobile USA from Deutsche Telekom", "T");
    check_idx(idx, "Ford Motor Co (F.N) and General Motors Co (GM.N) sales",
              "F GM");
    check_idx(idx, "GM, Ford recall cars; F-150 trucks affected", "F GM");
    check_idx(idx, "Citigroup Inc C.N shares fell 3 percent", "C");
    check_idx(idx, "Bank of America (BAC.N), Citi (C.N) lead bank rally",
              "BAC C");
    check_idx(idx, "T rose and C fell in a choppy session", "");
    check_idx(idx, "Telecoms (T, VZ) slip as Verizon warns", "T VZ");
    check_idx(idx, "HP to spin off PC unit; Hewlett-Packard shares up", "HPQ");
    check_idx(idx, "JPMorgan, J.P. Morgan and JP Morgan", "JPM");
    check_idx(idx, "Berkshire Hathaway's BRK.B and $BRK.A", "BRK.B");
    check_idx(idx, "Google's GOOG.O and Alphabet", "GOOGL");
    check_idx(idx, "GE, General Electric and General Motors", "GE GM");
    check_idx(idx, "US GDP data; IT spending; CEO change", "");
    mention_index_free(idx);
}

/* The form in which two names or aliases are one (registry.c and
 * watchlist.c compare by it): as the index reads the phrase, without
 * the punctuation around its words, in lower case. */
static void test_phrase_key(void **state)
{
    static const struct {
        const char *s, *key;
    } cases[] = {
        {"Apple Inc", "apple inc"},
        {"Apple Inc.", "apple inc"},
        {"  APPLE \t INC.,", "apple inc"},
        {"(Apple Inc)", "apple inc"},
        {"McDonald\xe2\x80\x99s", "mcdonald's"},
        {"Amazon.com", "amazon.com"},
        {"J.P. Morgan", "j.p. morgan"},
        {"AT&T", "at&t"},
        {"Apple Inc\xe2\x80\xa6", "apple inc"},
        {"\xc2\xa0Soci\xc3\xa9t\xc3\xa9\xc2\xbb", "soci\xc3\xa9t\xc3\xa9"},
        {"--", ""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *k = mention_phrase_key(cases[i].s);

        if (strcmp(k, cases[i].key) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].s, k,
                     cases[i].key);
        free(k);
    }
    assert_int_equal(mention_phrase_same("Apple Inc.", "apple  inc"), 1);
    assert_int_equal(mention_phrase_same("Apple Inc", "Apple Incorporated"), 0);
    /* the invisible characters a document's clean text drops */
    assert_int_equal(mention_phrase_same("Ap\u00adple Inc", "Apple Inc"), 1);
    assert_int_equal(mention_phrase_same("\ufeffApple\u2060 Inc", "Apple Inc"),
                     1);
}

/* With AAPL's alias a and ZZC's longer b, the text of b counts for ZZC
 * and the text of a alone for AAPL. */
static void check_longer_takes(const char *a, const char *b, const char *text_b,
                               const char *text_a)
{
    mention_index *idx = mention_index_new();

    mention_index_add_alias(idx, "AAPL", a);
    mention_index_add_alias(idx, "ZZC", b);
    check_idx(idx, text_b, "ZZC");
    check_idx(idx, text_a, "AAPL");
    mention_index_free(idx);
}

/* A possessive takes the mentions written with it from the phrase
 * without it ("Apple's" on another symbol took AAPL's "Apple's gains"):
 * the registry refuses such a pair, found by these two functions. */
static void test_possessive_pairs(void **state)
{
    char *k;

    (void)state;
    check_longer_takes("Apple", "Apple\u2019s", "Apple's gains", "Apple gains");
    k = mention_phrase_base_key("Apple\u2019s");
    assert_string_equal(k, "apple");
    free(k);
    k = mention_phrase_base_key(" McDonald's Corp's.");
    assert_string_equal(k, "mcdonald's corp");
    free(k);
    k = mention_phrase_base_key("Apple Inc.'s");
    assert_string_equal(k, "apple inc");
    free(k);
    k = mention_phrase_base_key("APPLE'S");
    assert_string_equal(k, "apple");
    free(k);
    assert_null(mention_phrase_base_key("Apple"));
    assert_null(mention_phrase_base_key("Jones'"));
    assert_null(mention_phrase_base_key("'s"));
    assert_int_equal(mention_phrase_possessive_pair("Apple's", "apple"), 1);
    assert_int_equal(mention_phrase_possessive_pair("Apple", "Apple\u2019s"),
                     1);
    assert_int_equal(mention_phrase_possessive_pair("Apple", "Apple"), 0);
    assert_int_equal(mention_phrase_possessive_pair("Apples", "Apple"), 0);
    assert_int_equal(mention_phrase_possessive_pair("McDonald's", "McDonald"),
                     1);
    assert_int_equal(mention_phrase_possessive_pair("Jones'", "Jones"), 0);
    assert_int_equal(
        mention_phrase_possessive_pair("Apple Inc.'s", "Apple Inc"), 1);
}

/* Where two such phrases are registered, the longer takes the text: the
 * reason the registry refuses the second. */
static void test_alike_phrases_take_each_others_text(void **state)
{
    (void)state;
    check_longer_takes("Apple Inc", "Apple Inc.", "Apple Inc. reported",
                       "Apple Inc reported");
}

static void test_phrase_generic(void **state)
{
    static const struct {
        const char *s;
        int want;
    } cases[] = {
        {"The", 1},         {"Inc", 1},
        {"Inc.", 1},        {"the", 1},
        {"The Co.", 1},     {"Holdings  Group, Ltd", 1},
        {"and", 1},         {"And Company", 1},
        {"Plc & Co", 1},    {"THE", 0}, /* a symbol alias: a cashtag only */
        {"IT", 0},          {"Apple", 0},
        {"Apple Inc", 0},   {"The Walt Disney Company", 0},
        {"AT&T", 0},        {"HP", 0},
        {"J.P. Morgan", 0}, {"3M", 0},
        {"Q Corp", 0},      {"X Co", 0},
        {"A Co", 1},        {"Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (mention_phrase_generic(cases[i].s) != cases[i].want)
            fail_msg("\"%s\": want %d", cases[i].s, cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrase_symbol),
        cmocka_unit_test(test_common_words_alone_are_not_mentions),
        cmocka_unit_test(test_cashtags),
        cmocka_unit_test(test_class_shares_stay_whole),
        cmocka_unit_test(test_bare_tickers),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_unicode_punctuation_separates_words),
        cmocka_unit_test(test_common_word_in_ticker_list),
        cmocka_unit_test(test_common_word_next_to_name),
        cmocka_unit_test(test_sorted_unique),
        cmocka_unit_test(test_max_limits_output),
        cmocka_unit_test(test_reads_only_len_bytes),
        cmocka_unit_test(test_longest_phrase_wins),
        cmocka_unit_test(test_phrase_starting_with_punctuation),
        cmocka_unit_test(test_phrase_without_word_is_ignored),
        cmocka_unit_test(test_many_distinct_tickers),
        cmocka_unit_test(test_issue_common_word_tickers),
        cmocka_unit_test(test_common_word_symbol_alias),
        cmocka_unit_test(test_spans_in_text_order),
        cmocka_unit_test(test_names_in_capitals),
        cmocka_unit_test(test_curly_apostrophes),
        cmocka_unit_test(test_watchlist_headlines),
        cmocka_unit_test(test_phrase_key),
        cmocka_unit_test(test_alike_phrases_take_each_others_text),
        cmocka_unit_test(test_possessive_pairs),
        cmocka_unit_test(test_phrase_generic),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
