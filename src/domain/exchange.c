#include "domain/exchange.h"

#include <stddef.h>

#include "domain/date.h"

/* Weekday numbers of date.h. */
enum { SUN = 0, MON = 1, THU = 4, FRI = 5, SAT = 6 };

/* The n-th (1-based) given weekday of a month. */
static int32_t nth_weekday(int y, int m, int wday, int n)
{
    int32_t first = date_from_ymd(y, m, 1);
    int shift = (wday - date_weekday(first) + 7) % 7;

    return first + shift + 7 * (n - 1);
}

static int32_t last_weekday(int y, int m, int wday)
{
    int32_t last = date_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);

    last -= 1;
    return last - (date_weekday(last) - wday + 7) % 7;
}

/* A fixed-date holiday observed on Friday when it falls on Saturday and
 * on Monday when it falls on Sunday. */
static int32_t observed(int y, int m, int d)
{
    int32_t day = date_from_ymd(y, m, d);
    int wd = date_weekday(day);

    if (wd == SAT)
        return day - 1;
    if (wd == SUN)
        return day + 1;
    return day;
}

int32_t exchange_easter(int year)
{
    /* The anonymous Gregorian computus. */
    int a = year % 19, b = year / 100, c = year % 100;
    int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;

    return date_from_ymd(year, month, day);
}

static const struct {
    int y, m, d;
    const char *why;
} one_off_closures[] = {
    {2012, 10, 29, "Hurricane Sandy"},
    {2012, 10, 30, "Hurricane Sandy"},
    {2018, 12, 5, "National Day of Mourning for George H. W. Bush"},
    {2025, 1, 9, "National Day of Mourning for Jimmy Carter"},
};

/* The holiday's name when day is a full-day closure, else NULL. */
static const char *holiday(int32_t day)
{
    int y, m, d;

    date_to_ymd(day, &y, &m, &d);
    for (size_t i = 0; i < sizeof(one_off_closures) / sizeof(*one_off_closures);
         i++)
        if (one_off_closures[i].y == y && one_off_closures[i].m == m &&
            one_off_closures[i].d == d)
            return one_off_closures[i].why;
    /* New Year's Day: a Saturday is not observed on the Friday before. */
    if (day == date_from_ymd(y, 1, 1) && date_weekday(day) != SUN)
        return "New Year's Day";
    if (day == date_from_ymd(y, 1, 2) && date_weekday(day) == MON)
        return "New Year's Day";
    if (day == nth_weekday(y, 1, MON, 3))
        return "Martin Luther King Jr. Day";
    if (day == nth_weekday(y, 2, MON, 3))
        return "Washington's Birthday";
    if (day == exchange_easter(y) - 2)
        return "Good Friday";
    if (day == last_weekday(y, 5, MON))
        return "Memorial Day";
    if (y >= 2022 && day == observed(y, 6, 19))
        return "Juneteenth";
    if (day == observed(y, 7, 4))
        return "Independence Day";
    if (day == nth_weekday(y, 9, MON, 1))
        return "Labor Day";
    if (day == nth_weekday(y, 11, THU, 4))
        return "Thanksgiving Day";
    if (day == observed(y, 12, 25))
        return "Christmas Day";
    return NULL;
}

static int early_close(int32_t day)
{
    int y, m, d, wd = date_weekday(day);

    date_to_ymd(day, &y, &m, &d);
    if (((m == 7 && d == 3) || (m == 12 && d == 24)) && wd >= MON && wd <= THU)
        return 1;
    return day == nth_weekday(y, 11, THU, 4) + 1;
}

void exchange_describe(int32_t day, exchange_day *out)
{
    int wd = date_weekday(day);

    out->open = 0;
    out->early_close = 0;
    out->open_min = 0;
    out->close_min = 0;
    out->closed_why = NULL;
    if (wd == SAT || wd == SUN) {
        out->closed_why = "weekend";
        return;
    }
    out->closed_why = holiday(day);
    if (out->closed_why)
        return;
    out->open = 1;
    out->early_close = early_close(day);
    out->open_min = EXCHANGE_OPEN_MIN;
    out->close_min =
        out->early_close ? EXCHANGE_EARLY_CLOSE_MIN : EXCHANGE_CLOSE_MIN;
}

int exchange_is_open(int32_t day)
{
    exchange_day e;

    exchange_describe(day, &e);
    return e.open;
}

int32_t exchange_session_of(int32_t day, int minute)
{
    exchange_day e;

    exchange_describe(day, &e);
    return e.open && minute < e.close_min ? day : exchange_next_open(day);
}

int32_t exchange_next_open(int32_t day)
{
    do
        day++;
    while (!exchange_is_open(day));
    return day;
}

int32_t exchange_prev_open(int32_t day)
{
    do
        day--;
    while (!exchange_is_open(day));
    return day;
}

exchange_phase exchange_phase_at(int32_t day, int minute)
{
    exchange_day e;
    int post_end;

    exchange_describe(day, &e);
    if (!e.open)
        return PHASE_CLOSED;
    post_end =
        e.early_close ? EXCHANGE_EARLY_POST_END_MIN : EXCHANGE_POST_END_MIN;
    if (minute >= EXCHANGE_PRE_MIN && minute < e.open_min)
        return PHASE_PRE;
    if (minute >= e.open_min && minute < e.close_min)
        return PHASE_REGULAR;
    if (minute >= e.close_min && minute < post_end)
        return PHASE_POST;
    return PHASE_CLOSED;
}

const char *exchange_phase_name(exchange_phase p)
{
    switch (p) {
    case PHASE_PRE:
        return "pre-market";
    case PHASE_REGULAR:
        return "regular";
    case PHASE_POST:
        return "after-hours";
    case PHASE_CLOSED:
        break;
    }
    return "closed";
}

void exchange_ny_time(int64_t unix_s, int32_t *day, int *minute)
{
    int64_t utc_day =
        unix_s >= 0 ? unix_s / 86400 : -((-unix_s + 86399) / 86400);
    int64_t utc_min = (unix_s - utc_day * 86400) / 60;
    int y, m, d;
    int64_t dst_start, dst_end, local;

    date_to_ymd((int32_t)utc_day, &y, &m, &d);
    /* 02:00 EST is 07:00 UTC; 02:00 EDT is 06:00 UTC. */
    dst_start = (int64_t)nth_weekday(y, 3, SUN, 2) * 1440 + 7 * 60;
    dst_end = (int64_t)nth_weekday(y, 11, SUN, 1) * 1440 + 6 * 60;
    local = utc_day * 1440 + utc_min;
    local -= (local >= dst_start && local < dst_end) ? 4 * 60 : 5 * 60;
    *day = (int32_t)(local >= 0 ? local / 1440 : -((-local + 1439) / 1440));
    *minute = (int)(local - (int64_t)*day * 1440);
}

int exchange_session_over(int32_t day, int32_t today, int minute)
{
    exchange_day e;

    if (day != today)
        return day < today;
    exchange_describe(day, &e);
    return !e.open || minute >= e.close_min;
}

int64_t exchange_ny_unix(int32_t day, int minute)
{
    int64_t edt = ((int64_t)day * 1440 + minute + 4 * 60) * 60;
    int32_t d;
    int m;

    exchange_ny_time(edt, &d, &m);
    return d == day && m == minute ? edt : edt + 3600;
}
