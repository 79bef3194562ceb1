/*
 * exchange: the New York Stock Exchange calendar computed from rules,
 * for the risk gate's market-hours check and for choosing the session an
 * order executes in. Unlike calendar.h (the days that have bars), this
 * needs no data and answers for the future.
 *
 * Rules (checked against the published NYSE calendars for 2011-2026):
 * closed on weekends and on New Year's Day (a Sunday moves to Monday; a
 * Saturday is not observed), Martin Luther King Jr. Day (third Monday of
 * January), Washington's Birthday (third Monday of February), Good
 * Friday, Memorial Day (last Monday of May), Juneteenth (from 2022),
 * Independence Day, Labor Day (first Monday of September), Thanksgiving
 * (fourth Thursday of November) and Christmas (Juneteenth, Independence
 * Day and Christmas on a Saturday move to Friday, on a Sunday to
 * Monday); also on the one-off closures 2012-10-29 and 2012-10-30
 * (Hurricane Sandy), 2018-12-05 (George H. W. Bush) and 2025-01-09
 * (Jimmy Carter). The regular session is 09:30-16:00 New York time; it
 * ends at 13:00 on July 3 and December 24 when they fall on Monday to
 * Thursday, and on the day after Thanksgiving. Extended hours are
 * 04:00-09:30 and from the close to 20:00 (17:00 after an early close).
 *
 * Times are minutes after midnight, New York local time.
 */
#ifndef STONKS_EXCHANGE_H
#define STONKS_EXCHANGE_H

#include <stdint.h>

#define EXCHANGE_OPEN_MIN (9 * 60 + 30)
#define EXCHANGE_CLOSE_MIN (16 * 60)
#define EXCHANGE_EARLY_CLOSE_MIN (13 * 60)
#define EXCHANGE_PRE_MIN (4 * 60)
#define EXCHANGE_POST_END_MIN (20 * 60)
#define EXCHANGE_EARLY_POST_END_MIN (17 * 60)

typedef struct exchange_day {
    int open; /* 1 when the exchange trades that day */
    int early_close; /* 1 when the session ends at 13:00 */
    int open_min, close_min; /* the regular session, when open */
    const char *closed_why; /* "weekend", a holiday's name, or NULL */
} exchange_day;

typedef enum exchange_phase {
    PHASE_CLOSED = 0, /* holiday, weekend, or night */
    PHASE_PRE, /* extended hours before the open */
    PHASE_REGULAR,
    PHASE_POST, /* extended hours after the close */
} exchange_phase;

/* Describes day (a day number of date.h). Always succeeds. */
void exchange_describe(int32_t day, exchange_day *out);

/* 1 when day is a trading day. */
int exchange_is_open(int32_t day);

/* The session of an order placed at minute (New York) of day: day
 * itself when the exchange trades then and its regular session has not
 * ended, else the next trading day. */
int32_t exchange_session_of(int32_t day, int minute);

/* The first trading day strictly after day / strictly before day. */
int32_t exchange_next_open(int32_t day);
int32_t exchange_prev_open(int32_t day);

/* The phase of the market on day at minute (0..1439). */
exchange_phase exchange_phase_at(int32_t day, int minute);

/* "closed", "pre-market", "regular", "after-hours". */
const char *exchange_phase_name(exchange_phase p);

/* New York local date and minute of a Unix time (seconds, UTC), with
 * the US daylight-saving rules in force since 2007 (second Sunday of
 * March to first Sunday of November, changes at 02:00 local). */
void exchange_ny_time(int64_t unix_s, int32_t *day, int *minute);

/* 1 when day's session is over at minute of today (New York): day is
 * before today, or is today and the exchange does not trade it or has
 * closed (an early close too). */
int exchange_session_over(int32_t day, int32_t today, int minute);

/* The Unix time (seconds, UTC) of minute (0..1439) of day in New York:
 * the inverse of exchange_ny_time. A minute the spring change skips
 * (02:00-02:59) is read as EST, so it falls an hour later; a minute
 * the autumn change repeats (01:00-01:59) is its first, EDT. */
int64_t exchange_ny_unix(int32_t day, int minute);

/* Easter Sunday of a Gregorian year. */
int32_t exchange_easter(int year);

#endif
