#include "domain/money.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int money_parse(const char *s, size_t len, cents *out)
{
    size_t i = 0;
    int neg = 0, nwhole = 0, round_up = 0;
    int64_t whole = 0, frac = 0;
    cents v;

    if (i < len && s[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (whole > MONEY_MAX / 100)
            return -1;
        whole = whole * 10 + (s[i] - '0');
        nwhole++;
    }
    if (i < len && s[i] == '.') {
        int nfrac = 0;

        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
            if (nfrac < 2)
                frac = frac * 10 + (s[i] - '0');
            else if (nfrac == 2)
                round_up = s[i] >= '5';
        }
        if (nfrac == 0)
            return -1;
        if (nfrac == 1)
            frac *= 10;
    }
    if (i != len || nwhole == 0)
        return -1;
    v = whole * 100 + frac + round_up;
    if (v > MONEY_MAX)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

int money_parse_cents(const char *s, size_t len, cents *out)
{
    const char *dot = memchr(s, '.', len);

    if (money_parse(s, len, out) < 0)
        return -1;
    return dot && len - (size_t)(dot - s) - 1 > 2 ? -2 : 0;
}

void money_format(cents c, char out[MONEY_FMT_MAX])
{
    /* Work on the magnitude as unsigned: -INT64_MIN does not exist. */
    uint64_t m = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;

    snprintf(out, MONEY_FMT_MAX, "%s%llu.%02llu", c < 0 ? "-" : "",
             (unsigned long long)(m / 100), (unsigned long long)(m % 100));
}

int money_from_double(double dollars, cents *out)
{
    double c;

    if (!isfinite(dollars))
        return -1;
    c = round(dollars * 100.0);
    if (fabs(c) > (double)MONEY_MAX)
        return -1;
    *out = (cents)c;
    return 0;
}

int money_from_text(const char *s, cents *out)
{
    if (money_parse(s, strlen(s), out) == 0)
        return 0;
    return money_from_double(strtod(s, NULL), out);
}

int money_add(cents a, cents b, cents *out)
{
    return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

int money_sub(cents a, cents b, cents *out)
{
    return __builtin_sub_overflow(a, b, out) ? -1 : 0;
}

int money_mul(cents a, int64_t n, cents *out)
{
    return __builtin_mul_overflow(a, n, out) ? -1 : 0;
}

int money_muldiv(cents a, int64_t num, int64_t den, cents *out)
{
    __int128 p, q, r;

    if (den <= 0)
        return -1;
    p = (__int128)a * num;
    q = p / den;
    r = p % den;
    /* Half away from zero: compare twice the remainder with den. */
    if (r < 0)
        r = -r;
    if (r * 2 >= den)
        q += p < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN)
        return -1;
    *out = (cents)q;
    return 0;
}

int money_bps(cents a, int64_t bps, cents *out)
{
    return money_muldiv(a, bps, 10000, out);
}

cents money_bps_floor(cents a, int64_t bps)
{
    return (cents)(((__int128)a * bps) / 10000);
}

int money_ratio_cmp(cents part, cents whole, int64_t bps)
{
    __int128 l = (__int128)part * 10000;
    __int128 r = (__int128)bps * whole;

    return (l > r) - (l < r);
}

int64_t money_ratio_bps(cents part, cents whole)
{
    cents v;

    if (whole <= 0 || money_muldiv(part, 10000, whole, &v) < 0)
        return 0;
    return v;
}
