#include "domain/date.h"

/*
 * Day numbers use a calendar shifted to start on March 1, so the leap
 * day is the last day of its year and every month before it has a fixed
 * offset. Years are grouped into 400-year eras of 146097 days, which
 * keeps the arithmetic exact for negative years too.
 */

#define DAYS_PER_ERA 146097
#define EPOCH_SHIFT 719468 /* days from 0000-03-01 to 1970-01-01 */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int32_t date_from_ymd(int y, int m, int d)
{
    int64_t year = (int64_t)y - (m <= 2 ? 1 : 0);
    int64_t era = floor_div(year, 400);
    int64_t yoe = year - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (int32_t)(era * DAYS_PER_ERA + doe - EPOCH_SHIFT);
}

void date_to_ymd(int32_t day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + EPOCH_SHIFT;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = month;
    *y = (int)(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && is_leap(y))
        return 29;
    return dim[m - 1];
}

/* Reads n decimal digits; returns -1 when one of them is not a digit. */
static int read_digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int date_parse(const char *s, size_t len, int32_t *day)
{
    int y, m, d;

    if (len == 10) {
        if (s[4] != '-' || s[7] != '-')
            return -1;
        y = read_digits(s, 4);
        m = read_digits(s + 5, 2);
        d = read_digits(s + 8, 2);
    } else if (len == 8) {
        y = read_digits(s, 4);
        m = read_digits(s + 4, 2);
        d = read_digits(s + 6, 2);
    } else {
        return -1;
    }

    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *day = date_from_ymd(y, m, d);
    return 0;
}

static void put_digits(char *out, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void date_format(int32_t day, char out[11])
{
    int32_t lo = date_from_ymd(0, 1, 1);
    int32_t hi = date_from_ymd(9999, 12, 31);
    int y, m, d;

    if (day < lo)
        day = lo;
    if (day > hi)
        day = hi;
    date_to_ymd(day, &y, &m, &d);

    put_digits(out, y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = '\0';
}

int date_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday. */
    int64_t r = ((int64_t)day + 4) % 7;

    return (int)(r < 0 ? r + 7 : r);
}

int date_plausible(int32_t day, int32_t today)
{
    return day >= 0 && day <= today + DATE_MAX_AHEAD_DAYS;
}
