/*
 * money: amounts of US dollars as a whole number of cents (int64_t),
 * never binary floating point. Parsing and formatting of decimal text,
 * and arithmetic that reports overflow instead of wrapping. Ratios
 * (weights, slippage) are whole basis points (1 bp = 1/10000) so that
 * every comparison the risk rules make is exact.
 */
#ifndef STONKS_MONEY_H
#define STONKS_MONEY_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t cents;

/* Room for the longest formatted amount, "-92233720368547758.08". */
#define MONEY_FMT_MAX 24

/* The largest amount any rule works with: ten trillion dollars. Values
 * beyond it are refused by parsing, so that products of an amount and a
 * share count or a basis-point ratio stay far from int64 overflow. */
#define MONEY_MAX ((cents)1000000000000000LL)

/* Parses decimal dollars: an optional '-', digits, and an optional '.'
 * followed by one or more digits ("12", "12.5", "-0.07", "262113.632").
 * Digits past the cent are rounded half away from zero. Exactly len
 * bytes are read; no white space, exponent or '+'. Returns 0 and sets
 * *out, or -1 when the text is not such a number or its size is over
 * MONEY_MAX. */
int money_parse(const char *s, size_t len, cents *out);

/* money_parse for amounts a user states: more than two decimals is an
 * error (-2), not rounded, so "100.001" is refused rather than read as
 * 100.00. Returns 0, -1 as money_parse, or -2. */
int money_parse_cents(const char *s, size_t len, cents *out);

/* Writes "-1234.56" (always two decimals, no thousands separator) and a
 * NUL into out. */
void money_format(cents c, char out[MONEY_FMT_MAX]);

/* A price as PostgreSQL prints a double precision ("48.795", the
 * shortest text that reads back as the same double): parsed as the
 * decimal it shows, so 48.795 is 48.80 and not the 48.79 that the binary
 * value 48.79499... would round to; text money_parse refuses (an
 * exponent) goes through money_from_double. Returns 0, or -1. */
int money_from_text(const char *s, cents *out);

/* Dollars as a double (a price bar from the database) to the nearest
 * cent, half away from zero. Returns -1 for NaN, infinities and sizes
 * over MONEY_MAX. */
int money_from_double(double dollars, cents *out);

/* a + b, a - b and a * n with overflow checks: return 0 and set *out,
 * or -1 when the exact result does not fit in an int64_t. */
int money_add(cents a, cents b, cents *out);
int money_sub(cents a, cents b, cents *out);
int money_mul(cents a, int64_t n, cents *out);

/* a * num / den rounded half away from zero (den > 0), computed without
 * intermediate overflow. Returns 0, or -1 when the result does not fit
 * or den <= 0. money_bps(a, bps, out) is a * bps / 10000. */
int money_muldiv(cents a, int64_t num, int64_t den, cents *out);
int money_bps(cents a, int64_t bps, cents *out);

/* The most a share of bps basis points of a (a >= 0, bps >= 0) may be
 * and still pass money_ratio_cmp: a * bps / 10000 rounded down, where
 * money_bps rounds half up (half a cent over a limit). */
cents money_bps_floor(cents a, int64_t bps);

/* Compares part / whole with bps / 10000 exactly: returns -1, 0 or 1 as
 * part * 10000 is below, equal to or above bps * whole. whole > 0. */
int money_ratio_cmp(cents part, cents whole, int64_t bps);

/* part / whole in basis points, rounded half away from zero; 0 when
 * whole <= 0. For messages and reports, not for decisions. */
int64_t money_ratio_bps(cents part, cents whole);

#endif
