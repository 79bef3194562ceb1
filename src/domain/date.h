/*
 * date: calendar dates as day numbers. Day 0 is 1970-01-01 in the
 * proleptic Gregorian calendar, so dates compare and subtract as plain
 * integers. Pure functions, no time zones (a trading day is a date).
 */
#ifndef STONKS_DATE_H
#define STONKS_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Day number of a year/month/day. No validation: see date_parse. */
int32_t date_from_ymd(int y, int m, int d);

/* Inverse of date_from_ymd. */
void date_to_ymd(int32_t day, int *y, int *m, int *d);

/* Parses "YYYY-MM-DD" or "YYYYMMDD" (exactly len bytes). Returns 0 and
 * sets *day, or -1 when the text is not a valid date (bad digits, month
 * 13, February 30, ...). Years 0000-9999 are accepted (year 0 is 1 BC,
 * a leap year, as in ISO 8601); no sign, no white space. */
int date_parse(const char *s, size_t len, int32_t *day);

/* Writes "YYYY-MM-DD" and a NUL into out (11 bytes). Days outside
 * 0000-01-01 .. 9999-12-31 are written as the nearer of those two. */
void date_format(int32_t day, char out[11]);

/* 0 = Sunday ... 6 = Saturday. */
int date_weekday(int32_t day);

/* How far after today a date from outside may lie. */
#define DATE_MAX_AHEAD_DAYS 31

/* 1 when day is one the system can mean: from 1970-01-01 to
 * DATE_MAX_AHEAD_DAYS after today (a day number, the caller's clock).
 * A date far outside (0000-01-01, 9999-12-31) parses, but as a job's or
 * a request's day it is a mistake: it would sort as the latest of
 * everything, or overflow PostgreSQL's timestamps. */
int date_plausible(int32_t day, int32_t today);

#endif
