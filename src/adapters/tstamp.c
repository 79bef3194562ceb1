#include "adapters/tstamp.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "domain/date.h"
#include "domain/exchange.h"

int32_t tstamp_ny_date(long long unix_s)
{
    int32_t day;
    int minute;

    exchange_ny_time((int64_t)unix_s, &day, &minute);
    return day;
}

int32_t tstamp_news_day(long long unix_s)
{
    exchange_day e;
    int32_t day;
    int minute;

    exchange_ny_time((int64_t)unix_s, &day, &minute);
    exchange_describe(day, &e);
    if (e.open && minute >= e.close_min)
        return day + 1;
    return day;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int valid_ymd(int y, int m, int d)
{
    int y2, m2, d2;

    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    date_to_ymd(date_from_ymd(y, m, d), &y2, &m2, &d2);
    return y2 == y && m2 == m && d2 == d;
}

/* "Z", "+HH:MM", "-HHMM", "+HH"; offset in seconds east of UTC. */
static int zone_offset(const char *s, long *off)
{
    int hh, mm = 0, sign;

    if (*s == 'Z' || *s == 'z') {
        *off = 0;
        return s[1] ? -1 : 0;
    }
    if (*s != '+' && *s != '-')
        return -1;
    sign = *s == '-' ? -1 : 1;
    s++;
    if (digits(s, 2, &hh) < 0)
        return -1;
    s += 2;
    if (*s == ':')
        s++;
    if (*s && digits(s, 2, &mm) < 0)
        return -1;
    if (*s && s[2])
        return -1;
    *off = sign * (hh * 3600L + mm * 60L);
    return 0;
}

static int parse_iso(const char *s, long long *out)
{
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    long off = 0;

    if (strlen(s) < 10 || digits(s, 4, &y) < 0 || s[4] != '-' ||
        digits(s + 5, 2, &mo) < 0 || s[7] != '-' || digits(s + 8, 2, &d) < 0)
        return -1;
    s += 10;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        if (digits(s + 1, 2, &hh) < 0 || s[3] != ':' ||
            digits(s + 4, 2, &mi) < 0)
            return -1;
        s += 6;
        if (*s == ':') {
            if (digits(s + 1, 2, &ss) < 0)
                return -1;
            s += 3;
        }
        if (*s == '.' || *s == ',') {
            s++;
            while (isdigit((unsigned char)*s))
                s++;
        }
        if (*s && zone_offset(s, &off) < 0)
            return -1;
    } else if (*s) {
        return -1;
    }
    if (!valid_ymd(y, mo, d) || hh > 23 || mi > 59 || ss > 60)
        return -1;
    *out = (long long)date_from_ymd(y, mo, d) * 86400 + hh * 3600 + mi * 60 +
           ss - off;
    return 0;
}

static const struct {
    const char *name;
    long offset;
} rfc822_zones[] = {
    {"GMT", 0},         {"UT", 0},          {"UTC", 0},
    {"EST", -5 * 3600}, {"EDT", -4 * 3600}, {"CST", -6 * 3600},
    {"CDT", -5 * 3600}, {"MST", -7 * 3600}, {"MDT", -6 * 3600},
    {"PST", -8 * 3600}, {"PDT", -7 * 3600}, {"Z", 0},
};

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static int parse_rfc822(const char *s, long long *out)
{
    char mon[8], zone[8] = "";
    int d, y, hh, mi, ss = 0, m = -1, n;
    long off = 0;
    const char *comma = strchr(s, ',');

    if (comma)
        s = comma + 1;
    /* Widths bound the fields (an overlong one would not fit an int);
     * a sign is refused below. */
    n = sscanf(s, " %2d %7s %4d %2d:%2d:%2d %7s", &d, mon, &y, &hh, &mi, &ss,
               zone);
    if (n < 6) {
        ss = 0;
        if (sscanf(s, " %2d %7s %4d %2d:%2d %7s", &d, mon, &y, &hh, &mi, zone) <
            5)
            return -1;
    }
    if (y < 0 || hh < 0 || mi < 0 || ss < 0)
        return -1;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(mon, months[i], 3) == 0)
            m = i + 1;
    if (m < 0)
        return -1;
    if (y < 100)
        y += y < 50 ? 2000 : 1900;
    if (zone[0] == '+' || zone[0] == '-') {
        if (zone_offset(zone, &off) < 0)
            return -1;
    } else if (zone[0]) {
        size_t i, nz = sizeof(rfc822_zones) / sizeof(rfc822_zones[0]);

        for (i = 0; i < nz; i++)
            if (strcasecmp(zone, rfc822_zones[i].name) == 0)
                break;
        if (i == nz)
            return -1;
        off = rfc822_zones[i].offset;
    }
    if (!valid_ymd(y, m, d) || hh > 23 || mi > 59 || ss > 60)
        return -1;
    *out = (long long)date_from_ymd(y, m, d) * 86400 + hh * 3600 + mi * 60 +
           ss - off;
    return 0;
}

int tstamp_parse(const char *s, long long *unix_s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (parse_iso(s, unix_s) == 0)
        return 0;
    return parse_rfc822(s, unix_s);
}
