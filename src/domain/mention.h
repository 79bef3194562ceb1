/*
 * mention: which tickers a piece of text is about, from the registry:
 * cashtags ($AAPL), bare tickers in upper case (except those that are
 * common words, see ticker_is_common_word), and company names and
 * aliases ("Apple", "Google") matched case-sensitively on word
 * boundaries. Build the index once, then query it from any number of
 * threads (queries do not modify it).
 *
 * The text is read left to right. A word is a run of ASCII letters and
 * digits and other UTF-8 characters, except punctuation (U+00A1..U+00BF,
 * U+2000..U+206F, the marks U+2120 and U+2122, U+3000..U+303F and the
 * full-width ASCII punctuation), which separates words; white space is
 * ASCII white space and U+00A0. At each position the first rule that applies
 * wins, and reading resumes after what it matched:
 *  - Cashtag: '$' not right after a word byte, then a letter: a symbol
 *    in any case with an optional class suffix after '.', '-' or '/'
 *    ("$AAPL", "$brk.b", "$BRK-B"). Any registered ticker, common words
 *    included ("$T"). When the symbol with its suffix is not registered
 *    the part before it is tried ("$AAPL.O" -> AAPL).
 *  - Alias: the longest phrase that matches there. Bytes compare
 *    exactly, except that an apostrophe matches a straight one or a
 *    curly one (U+2019, U+2018) in either; a space in a phrase matches any run
 *    of white space; the match starts on a word boundary and, when the
 *    phrase ends with a letter or digit, ends on one ("Apple's" mentions
 *    Apple, "Applebee's" does not). A phrase shared by two tickers gives
 *    both.
 *  - Alias in capitals: a phrase with a lower-case letter and at least
 *    five letters also matches in ASCII capitals ("MCDONALD'S"; "GE
 *    HEALTHCARE" in an EDGAR title), when it is longer than the word
 *    there; one of a single word ("APPLE") only where no bare ticker
 *    (next rule) matched. Shorter ones ("Citi", "AmEx") do not: in
 *    capitals they are as often acronyms ("NYSE AMEX").
 *  - Bare ticker: an upper-case word that is a registered ticker and
 *    not a common word, with an optional class suffix ("BRK.B",
 *    "BRK-B", "BRK/B"; "AAPL.O" -> AAPL as for cashtags).
 * Besides, parentheses that hold only two or more upper-case symbols
 * separated by ',', ';' or '/' are a ticker list ("(T, VZ)"): every
 * registered ticker in it counts, common words included. A lone "(T)"
 * does not count by itself: in "AT&T (T)" or "Ford (F)" the company
 * name next to it already counts. Known limit: an enumeration such as
 * "(A, B)" counts A when A is registered.
 * An alias does not register its ticker's symbol; only
 * mention_index_add_ticker does. Tickers given to either function are
 * put in canonical form first (ticker_normalize); invalid ones are
 * ignored. An alias that is itself a common-word symbol in canonical
 * form ("ALL", "IT": another listing of the company) is not a phrase
 * but another symbol of its ticker, counted only where a common-word
 * ticker is: as a cashtag or in a ticker list. A symbol registered as
 * a ticker of its own is never another ticker's, whether given as an
 * alias ("AAPL" for MSFT) or a symbol alias, in whichever order the two
 * were registered.
 */
#ifndef STONKS_MENTION_H
#define STONKS_MENTION_H

#include <stddef.h>

#include "domain/ticker.h"

typedef struct mention_index mention_index;

/* A new empty index; free with mention_index_free (NULL is safe). */
mention_index *mention_index_new(void);
void mention_index_free(mention_index *idx);

/* Registers a canonical ticker: its cashtag always matches; the bare
 * symbol matches unless it is a common word. */
void mention_index_add_ticker(mention_index *idx, const char *ticker);

/* 1 when s[0..len) holds a letter (feat_has_letter: of any script) or
 * an ASCII digit, else 0. A name or alias needs one: the rules match
 * phrases on words, and one of only punctuation or blanks ("--", "$$",
 * "\u00a0") would tag any text that holds it. */
int mention_phrase_has_word(const char *s, size_t len);

/* Writes phrase as the index reads a name or alias into out (which has
 * room for strlen(phrase) + 1 bytes): white space trimmed, each run of
 * it one space, each apostrophe (straight or curly) a straight one,
 * the invisible characters the parser drops from a document
 * (text_invisible_len: "Ap\u00adple" is "Apple") left out. Returns its
 * length. */
size_t mention_phrase_text(const char *phrase, char *out);

/* The form in which two names or aliases are the same one: the text
 * of mention_phrase_text without the punctuation before its first
 * word and after its last, in ASCII lower case. "Apple Inc." and
 * "apple  inc" are "apple inc": where the text holds "Apple Inc.",
 * either phrase matches there, so two symbols must not share it.
 * Free the result. */
char *mention_phrase_key(const char *phrase);

/* 1 when phrase, without the white space and punctuation before its
 * first word and after its last (as mention_phrase_key sets them
 * aside), is written as a symbol (ticker_written_as_symbol: "AAPL.",
 * "(BRK-B)"), with the canonical symbol in out; else 0. The index
 * reads such a phrase as that symbol, so it never counts for another
 * ticker than the symbol's own. */
int mention_phrase_symbol(const char *phrase, char out[TICKER_MAX]);

/* 1 when phrase has a form in capitals the index matches ("Apple":
 * "APPLE"; the alias-in-capitals rule above) and that form is written as
 * a symbol, with the symbol in out; else 0. A ticker so written takes
 * the phrase's mentions in capitals (a bare ticker matches first). */
int mention_phrase_caps_symbol(const char *phrase, char out[TICKER_MAX]);

/* 1 when the keys (mention_phrase_key) of a and b are equal, else 0. */
int mention_phrase_same(const char *a, const char *b);

/* The key of phrase without the possessive 's after its last word
 * ("Apple's", "Apple\u2019s": "apple"; "Apple Inc.'s": "apple inc"),
 * newly allocated; NULL when it ends in none. A possessive after a
 * plural ("Jones'") is punctuation the key sets aside already. */
char *mention_phrase_base_key(const char *phrase);

/* mention_phrase_symbol of phrase without its possessive 's ("IBM's":
 * IBM); 0 when it ends in none. Such an alias would take the ticker's
 * mentions written so. */
int mention_phrase_possessive_symbol(const char *phrase, char out[TICKER_MAX]);

/* The symbol the index reads phrase as, or whose mentions it would
 * take: mention_phrase_symbol, mention_phrase_caps_symbol or
 * mention_phrase_possessive_symbol, the first that has one. 1 with it
 * in out, else 0. The registry's checks of an alias or a name. */
int mention_phrase_any_symbol(const char *phrase, char out[TICKER_MAX]);

/* 1 when a is b with a possessive 's ("Apple's" and "Apple"), or b is a
 * with one: the index prefers the longer phrase, so the possessive
 * would take the other's mentions written so. */
int mention_phrase_possessive_pair(const char *a, const char *b);

/* 1 when phrase, read as a name or alias, is only words that name no
 * company by themselves: the common words of ticker_is_common_word
 * ("The", "And", "New"; of the single letters only "A" and "I") and
 * company suffixes and news words ("Inc",
 * "Corp", "Co", "Ltd", "Plc", "Group", "Holdings", "Company",
 * "Shares", ...), in any case, with the punctuation around each word
 * ignored ("The Co."). Such a phrase would tag any news. A common word
 * written as a symbol in capitals ("ALL", "IT") is not one: the index
 * takes it as another symbol of its ticker, counted as a cashtag only.
 * A phrase without a word (only punctuation) is, too. */
int mention_phrase_generic(const char *phrase);

/* Registers a name or alias phrase (one or more words) for a ticker.
 * Phrases shorter than 2 characters and phrases without a letter or
 * digit (mention_phrase_has_word) are ignored. */
void mention_index_add_alias(mention_index *idx, const char *ticker,
                             const char *phrase);

/* Finds the tickers text[0..len) mentions. Writes at most max of them,
 * sorted and unique, into out, and returns how many were written. */
size_t mention_find(const mention_index *idx, const char *text, size_t len,
                    char (*out)[TICKER_MAX], size_t max);

/* One mention: the ticker (canonical) and where the text names it,
 * text[off .. off + len) (the cashtag with its '$', the alias phrase, or
 * the symbol inside a ticker list). */
typedef struct mention_span {
    char ticker[TICKER_MAX];
    size_t off;
    size_t len;
} mention_span;

/* Every mention in text[0..len), in text order, by the same rules as
 * mention_find (which reports each ticker once): a ticker named three
 * times gives three spans. Writes at most max spans into out and returns
 * how many were written. */
size_t mention_spans(const mention_index *idx, const char *text, size_t len,
                     mention_span *out, size_t max);

#endif
