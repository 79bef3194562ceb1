/*
 * text: cleaning of article text before ticker detection and signal
 * extraction. Input is untrusted bytes; every function takes a length
 * and never reads past it.
 */
#ifndef STONKS_TEXT_H
#define STONKS_TEXT_H

#include <stddef.h>

/* 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates, no
 * code points above U+10FFFF), else 0. */
int text_valid_utf8(const char *s, size_t len);

/* Bytes of the valid UTF-8 character at s[i] (i < len, by the same
 * rules), or 0 when the bytes there are not one. */
size_t text_utf8_len(const char *s, size_t len, size_t i);

/* The clean text of a headline article: the title without a wire
 * prefix ("UPDATE 2-", "RPT-", "CORRECTED-"), then the summary without
 * leading bullets ("* "), joined by " | " when both are non-empty; runs
 * of white space become one space; leading and trailing space trimmed.
 * Returns a new string (the caller frees) and its length in *out_len.
 * A NULL title or summary with length 0 is the empty string.
 *
 * White space is ASCII space, every ASCII control character (\t, \n,
 * \r, NUL, ..., DEL) and U+00A0 (no-break space, as UTF-8 C2 A0), so
 * the result never holds a NUL; invisible characters (below) are
 * dropped; other bytes are copied unchanged.
 *
 * Wire prefixes are editorial labels, stripped repeatedly from the
 * start of the title ("RPT-UPDATE 2-", "CORRECTED - UPDATE 1-"):
 *   ANALYSIS BRIEF CHRONOLOGY COLUMN CORRECTED CORRECTION DEALTALK
 *   EXCLUSIVE EXCLUSVE FACTBOX FEATURE INSIGHT "INSTANT VIEW" INTERVIEW
 *   NEWSMAKER PREVIEW Q&A QUOTEBOX REFILE REPEAT RPT SCENARIOS
 *   "SPECIAL REPORT" TABLE TEXT TIMELINE URGENT, and UPDATE and WRAPUP
 *   with an optional number ("UPDATE 2", "UPDATE2", "WRAPUP 1").
 * ("EXCLUSVE" is a misspelling the wire really used.) A tag counts only
 * when a separator follows it, after optional white space: '-' when the
 * tag is written in upper case, or ':' in any case ("Analysis: ").
 * White space and further dashes after the separator go with it.
 * Topic slugs ("US STOCKS-", "GLOBAL MARKETS-", "PRESS DIGEST -",
 * "IFR-", "HOW TO PLAY IT:") are kept, as are words like "T-Mobile",
 * "F-35" and "TNK-BP". A bullet is a '*', with or without a space
 * after it; any number of leading bullets are removed. */
char *text_clean_article(const char *title, size_t tlen, const char *summary,
                         size_t slen, size_t *out_len);

/* Bytes of the invisible character at s[i] (i < len), or 0: the soft
 * hyphen U+00AD, the zero-width non-joiner and joiner U+200C and
 * U+200D, the word joiner U+2060 and the zero-width no-break space
 * (byte order mark) U+FEFF; the combining grapheme joiner U+034F, the
 * Arabic letter mark U+061C, the other marks, embeddings and isolates
 * of bidirectional text (U+200E, U+200F, U+202A-202E, U+2066-2069),
 * the Khmer inherent vowels U+17B4 and
 * U+17B5, the Mongolian vowel separator U+180E, the variation
 * selectors U+FE00-FE0F and the tags U+E0000-E007F. They join, or mark where a
 * word may break, inside a word, so "pro\u00adfit" is read as "profit" and
 * "\ufeffApple" as "Apple". (The zero-width space U+200B separates
 * words, as white space does.) */
size_t text_invisible_len(const char *s, size_t len, size_t i);

/* Removes the invisible characters from s[0..len) in place; returns the
 * new length (and ends the string there when it is shorter). */
size_t text_drop_invisible(char *s, size_t len);

/* Shows the control bytes of the NUL-ended s (below 0x20, and 0x7f),
 * each byte that is not UTF-8, and the C1 controls (U+0080-U+009F, as
 * two) as '?' in place, and ends it before a UTF-8 character cut short
 * at its end: for a message that quotes untrusted text on a terminal. */
void text_mask_controls(char *s);

/* Copies the first bytes of s[0..len) that fit out (cap bytes, with
 * the NUL; a NUL in s ends the copy; cap 0: nothing) and masks them as
 * text_mask_controls does: a quote of untrusted text for a message. */
void text_mask_prefix(char *out, size_t cap, const char *s, size_t len);

/* A copy of s with runs of white space (as above) collapsed to one
 * space and trimmed: the key for near-duplicate detection. The caller
 * frees. */
char *text_collapse_ws(const char *s, size_t len, size_t *out_len);

#endif
