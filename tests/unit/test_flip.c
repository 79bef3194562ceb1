/*
 * Tests of flip.h: the mirror image of a training sentence, with exact
 * expected texts, and the sentences it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/flip.h"

#include <string.h>

/* The flip of text, or "" when it has none. */
static const char *flip(const char *text)
{
    static char out[4096];
    size_t n = flip_sentence(text, strlen(text), out, sizeof(out));

    if (n == 0)
        return "";
    assert_int_equal(strlen(out), n);
    return out;
}

static void test_direction_words_swap(void **state)
{
    (void)state;
    assert_string_equal(flip("Net sales rose 5 % ."), "Net sales fell 5 % .");
    assert_string_equal(flip("Sales fell sharply and margins narrowed ."),
                        "Sales rose sharply and margins widened .");
    assert_string_equal(flip("Demand was weaker , prices lower"),
                        "Demand was stronger , prices higher");
    assert_string_equal(flip("The outlook improved"),
                        "The outlook deteriorated");
}

static void test_case_follows_the_word_replaced(void **state)
{
    (void)state;
    assert_string_equal(flip("Up 5 %"), "Down 5 %");
    assert_string_equal(flip("SALES ROSE"), "SALES FELL");
    assert_string_equal(flip("Shares ROSE , then UP"),
                        "Shares FELL , then DOWN");
    /* a capital inside the sentence after a word is a name */
    assert_string_equal(flip("Danish company Rose Poultry was bought ."), "");
    assert_string_equal(flip("Shares of Rose Poultry fell ."),
                        "Shares of Rose Poultry rose .");
}

static void test_figures_of_a_comparison_trade_places(void **state)
{
    (void)state;
    /* to X from Y, and from Y to X */
    assert_string_equal(
        flip("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn ."),
        "Operating profit fell to EUR 8.7 mn from EUR 13.1 mn .");
    assert_string_equal(flip("Profit decreased from EUR 6.4 mn to EUR 4.8 mn"),
                        "Profit increased from EUR 4.8 mn to EUR 6.4 mn");
    /* X , up from Y */
    assert_string_equal(flip("Operating profit was EUR 11.4 mn , up from "
                             "EUR 7.5 mn ."),
                        "Operating profit was EUR 7.5 mn , down from "
                        "EUR 11.4 mn .");
    /* X ( Y ) and X compared with Y */
    assert_string_equal(flip("EBIT rose to EUR 105.8 ( 83.4 ) mn"),
                        "EBIT fell to EUR 83.4 ( 105.8 ) mn");
    assert_string_equal(flip("Sales rose to 300.9 mln compared with 276.1"),
                        "Sales fell to 276.1 mln compared with 300.9");
    /* a bracket without a lone figure is no comparison */
    assert_string_equal(flip("Nokia ( NOK ) rose"), "Nokia ( NOK ) fell");
}

static void test_spacing_is_one_space(void **state)
{
    (void)state;
    assert_string_equal(flip("  profit   rose  "), "profit fell");
    assert_string_equal(flip("Profit\trose\tto 5 from 3 .\n"),
                        "Profit fell to 3 from 5 .");
}

static void test_up_and_down_only_as_directions(void **state)
{
    (void)state;
    /* a bound, not a move */
    assert_string_equal(flip("The company will cut up to 30 jobs ."), "");
    assert_string_equal(flip("Sales went up to EUR 5 mn"),
                        "Sales went down to EUR 5 mn");
    /* part of a verb */
    assert_string_equal(flip("They teamed up with Nokia and sales rose ."),
                        "They teamed up with Nokia and sales fell .");
    assert_string_equal(flip("It set up a unit"), "");
    /* directions */
    assert_string_equal(flip("Shares were down 3 % , EBIT up slightly"),
                        "Shares were up 3 % , EBIT down slightly");
    assert_string_equal(flip("Sales were up ."), "Sales were down .");
    assert_string_equal(flip("Sales were up"), "Sales were down");
}

static void test_phrases_and_verbs(void **state)
{
    (void)state;
    /* fixed phrases keep their words */
    assert_string_equal(
        flip("In the home improvement trade , sales fell 6 % ."),
        "In the home improvement trade , sales rose 6 % .");
    assert_string_equal(flip("Grants went to higher education"), "");
    assert_string_equal(flip("We have used it since last fall"), "");
    /* "lower" after a modal or "to" is a verb */
    assert_string_equal(flip("Qualcomm should lower its rates ."),
                        "Qualcomm should raise its rates .");
    assert_string_equal(flip("Prices were lower ."), "Prices were higher .");
    /* a particle after these verbs, even before a figure */
    assert_string_equal(flip("It signed up 1,500 new clients ."), "");
    assert_string_equal(flip("Errors fell and operations speeded up ."),
                        "Errors rose and operations speeded up .");
}

static void test_unpaired_sentiment_refuses(void **state)
{
    (void)state;
    /* the flip would keep the sentiment of these and take the other
     * label */
    assert_string_equal(
        flip("It laid off 700 workers because of falling orders ."), "");
    assert_string_equal(flip("Sales slumped after poor snowfall ."), "");
    assert_string_equal(flip("Operating profit rose to EUR 5 mn , a record ."),
                        "");
    assert_string_equal(flip("Profit fell short of last year 's ."), "");
    assert_string_equal(flip("Net sales contracted and costs rose ."), "");
}

static void test_figures_of_other_scales_refuse(void **state)
{
    (void)state;
    assert_string_equal(flip("Net loss narrowed to EUR 415,000 from EUR 7.4 "
                             "million ."),
                        "");
    assert_string_equal(flip("Net sales declined to EUR 803.6 million from "
                             "EUR 1.2 billion ."),
                        "");
    assert_string_equal(flip("A 3.3-percent increase compared with EURO "
                             "124.6 million"),
                        "");
    assert_string_equal(flip("It jumped 3.7 percent to 133.4 kroner , from "
                             "a 3.5 percent fall"),
                        "");
    /* the same scale, or a figure of no known scale */
    /* (the figure moves, not its unit) */
    assert_string_equal(flip("Sales rose to EUR 190mn from EUR 180 mn"),
                        "Sales fell to EUR 180 from EUR 190mn mn");
    assert_string_equal(flip("Profit rose to EUR 103.4 mn from EUR 23.2 in "
                             "2006"),
                        "Profit fell to EUR 23.2 mn from EUR 103.4 in "
                        "2006");
    assert_string_equal(flip("Margin rose to 22 % from 13 per cent"),
                        "Margin fell to 13 % from 22 per cent");
    assert_string_equal(flip("Loss widened to EUR 189,000 from EUR 10,000"),
                        "Loss narrowed to EUR 10,000 from EUR 189,000");
}

static void test_years_are_not_figures(void **state)
{
    (void)state;
    assert_string_equal(
        flip("Operating profit of EUR 2.2 mn in the first quarter of 2010 , "
             "down from EUR 6.3 mn"),
        "Operating profit of EUR 6.3 mn in the first quarter of 2010 , "
        "up from EUR 2.2 mn");
    assert_string_equal(flip("Sales rose to EUR 5 mn in 2010 from EUR 3 mn in "
                             "2009 ."),
                        "Sales fell to EUR 3 mn in 2010 from EUR 5 mn in "
                        "2009 .");
}

static void test_what_cannot_be_flipped(void **state)
{
    static char big[FLIP_MAX_WORDS * 3 + 8];
    char small[8];

    (void)state;
    /* nothing to flip */
    assert_string_equal(flip("The company signed a contract ."), "");
    assert_string_equal(flip(""), "");
    /* punctuation attached: not a word of the list */
    assert_string_equal(flip("Sales rose, profit too"), "");
    /* a comparison without its two figures */
    assert_string_equal(flip("Sales rose from a year earlier"), "");
    assert_string_equal(flip("Profit rose compared with last year"), "");
    /* "X , from Y" without a direction word before "from" */
    assert_string_equal(flip("Staff rose 5 % , from 30"), "");
    /* one figure in two comparisons */
    assert_string_equal(flip("Profit rose to 5 ( 3 ) from 3"), "");
    /* more words than FLIP_MAX_WORDS */
    for (size_t i = 0; i < FLIP_MAX_WORDS; i++)
        memcpy(big + 3 * i, "up ", 3);
    memcpy(big + 3 * FLIP_MAX_WORDS, "up", 3);
    assert_string_equal(flip(big), "");
    /* too small a buffer */
    assert_int_equal(flip_sentence("profit rose", 11, small, sizeof(small)), 0);
    assert_int_equal(flip_sentence("up", 2, small, 4), 0);
    assert_int_equal(flip_sentence("up", 2, small, 5), 4);
    assert_string_equal(small, "down");
}

static void test_output_bound_holds(void **state)
{
    static char text[FLIP_MAX_WORDS / 2 * 5];
    static char out[FLIP_OUT_MAX(sizeof(text))];
    size_t len = sizeof(text) - 1;
    char one[FLIP_OUT_MAX(2)];

    (void)state;
    /* the largest growth: "up" becomes "down", twice its length */
    assert_int_equal(flip_sentence("up", 2, one, sizeof(one)), 4);
    assert_string_equal(one, "down");
    for (size_t i = 0; i < FLIP_MAX_WORDS / 2; i++)
        memcpy(text + 5 * i, "up 1 ", 5);
    assert_int_equal(flip_sentence(text, len, out, FLIP_OUT_MAX(len)),
                     FLIP_MAX_WORDS / 2 * 7 - 1);
    assert_memory_equal(out, "down 1 down 1", 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direction_words_swap),
        cmocka_unit_test(test_case_follows_the_word_replaced),
        cmocka_unit_test(test_figures_of_a_comparison_trade_places),
        cmocka_unit_test(test_spacing_is_one_space),
        cmocka_unit_test(test_up_and_down_only_as_directions),
        cmocka_unit_test(test_phrases_and_verbs),
        cmocka_unit_test(test_unpaired_sentiment_refuses),
        cmocka_unit_test(test_figures_of_other_scales_refuse),
        cmocka_unit_test(test_years_are_not_figures),
        cmocka_unit_test(test_what_cannot_be_flipped),
        cmocka_unit_test(test_output_bound_holds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
