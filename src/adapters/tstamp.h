/*
 * tstamp: the time stamps providers write, read into Unix seconds UTC,
 * and the New York dates that bars and news belong to. The US
 * daylight-saving rules in force since 2007 are applied by
 * domain/exchange.h (exchange_ny_time): second Sunday of March to first
 * Sunday of November, changing at 02:00 local time.
 */
#ifndef STONKS_TSTAMP_H
#define STONKS_TSTAMP_H

#include <stdint.h>

/* The New York date of a Unix time in seconds. */
int32_t tstamp_ny_date(long long unix_s);

/* The day news published at unix_s counts from: its New York date, or
 * the next date when it came at or after the close of a trading day
 * (16:00, 13:00 on early-close days). */
int32_t tstamp_news_day(long long unix_s);

/* Parses an ISO 8601 / RFC 3339 time ("2024-06-24T18:33:53Z",
 * "2025-12-12T18:02:43-05:00", "2024-06-24", fractions allowed) or an
 * RFC 822 date ("Fri, 12 Dec 2025 18:03:44 EST", "+0000", "GMT") into
 * Unix seconds. Returns 0, or -1 when the text is neither. */
int tstamp_parse(const char *s, long long *unix_s);

#endif
