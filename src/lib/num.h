/*
 * num: numbers written plainly, as the command-line options, query
 * parameters and settings take them: digits with an optional '-' and,
 * for a decimal, one '.' between digits. No blanks, no '+', no "0x",
 * no exponent, nothing after the number; a value out of its range is
 * refused as a whole, never clamped or wrapped.
 */
#ifndef STONKS_NUM_H
#define STONKS_NUM_H

#include <stdint.h>

/* Digits only ("0", "42"), at most max. Returns 0, or -1. */
int num_uint(const char *s, uint64_t max, uint64_t *out);

/* An optional '-' and digits ("-3", "20"), from min to max. Returns 0,
 * or -1. */
int num_int(const char *s, long long min, long long max, long long *out);

/* An optional '-', digits, optionally a '.' and digits ("0.15", "-1",
 * "20"; not ".5", "1.", "1e1"), from lo to hi. Returns 0, or -1. */
int num_decimal(const char *s, double lo, double hi, double *out);

#endif
