/*
 * ticker: the one place where ticker symbols are validated and put in
 * canonical form. Canonical tickers are upper case ASCII letters and
 * digits, 1-10 characters, with an optional single class suffix joined
 * by '.': "BRK.B". "brk-b", "BRK/B" and "BRK.B" are the same symbol.
 * The symbol before the suffix has 1-10 characters, the suffix 1-4.
 */
#ifndef STONKS_TICKER_H
#define STONKS_TICKER_H

#include <stddef.h>

#define TICKER_MAX 16 /* buffer size including the NUL */

/* Writes the canonical form of in[0..len) into out. Surrounding white
 * space and a leading '$' are ignored. Returns 0, or -1 when the text
 * is not a valid ticker (empty, too long, bad characters, more than one
 * class separator). */
int ticker_normalize(const char *in, size_t len, char out[TICKER_MAX]);

/* Splits a list of tickers separated by commas and/or spaces ("AAPL,
 * msft $F") into their canonical forms, in order, into *out (n of them;
 * the caller frees each and the array; *out is NULL when n is 0).
 * Returns 0 (n may be 0 for a list naming none), or -1 with the first
 * invalid entry, cut to 20 bytes, in bad and nothing in *out. */
int ticker_list_parse(const char *list, char ***out, size_t *n, char bad[24]);

/* Frees a ticker list (ticker_list_parse's; NULL with n 0 is fine). */
void ticker_list_free(char **list, size_t n);

/* 1 when text[0..len) is written as a symbol: capitals and digits,
 * with a class suffix after '.', '-' or '/' ("BRK-B"), that
 * ticker_normalize reads, with its canonical form in out ("BRK.B");
 * else 0. The parser takes such an alias of another symbol for this
 * symbol (mention.h). */
int ticker_written_as_symbol(const char *text, size_t len,
                             char out[TICKER_MAX]);

/* 1 when the canonical ticker is also an everyday English word or a
 * single letter (A, ALL, IT, ON, F, V, T, C, ...): such a ticker counts
 * as a mention only as a cashtag, in a ticker list, or next to the
 * company name. The list: every single letter A-Z, the words
 *   ACT AGO AIR ALL ALSO AM AN AND ANY APP ARE ART AS AT BE BEST BIG BOX
 *   BUY BY CAN CAR CASH DAY DO EAT EVER EYE FAST FIVE FOR FOUR FREE FUN
 *   GAS GET GO GOOD GOT HAS HE HER HI HIS HOME HOPE HOT HOW IF IN IS IT
 *   JOB JUST KEY LIFE LIKE LOVE LOW MAIN MAN MAY ME MORE MOST MY NEW
 *   NEXT NICE NO NOT NOW OF OH OK OLD ON ONE OPEN OR OUR OUT OWN PAY
 *   PLAY REAL RUN SAFE SAVE SAY SEE SHE SHOP SIX SO SOME SUN TEN THE TO
 *   TOO TOP TRUE TWO UP USE WAS WAY WE WELL WHEN WHO WHY WIN WITH WORK
 *   YES YOU
 * and abbreviations that news prints in capitals as ordinary words:
 *   AI CEO CFO EU GDP IPO TV UK US USA.
 * CAT (Caterpillar) is deliberately not on the list. */
int ticker_is_common_word(const char *ticker);

#endif
