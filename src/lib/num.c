#include "lib/num.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int num_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    for (; *s; s++) {
        if (v > (max - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

int num_int(const char *s, long long min, long long max, long long *out)
{
    int neg = *s == '-';
    uint64_t v, limit = neg ? (uint64_t)LLONG_MAX + 1 : (uint64_t)LLONG_MAX;
    long long n;

    if (num_uint(s + neg, limit, &v) < 0)
        return -1;
    n = neg ? (v == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v)
            : (long long)v;
    if (n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

int num_decimal(const char *s, double lo, double hi, double *out)
{
    const char *p = s + (*s == '-');
    size_t n = strspn(p, "0123456789");
    double v;

    if (n == 0 || (p[n] == '.' && strspn(p + n + 1, "0123456789") == 0))
        return -1;
    if (p[n] == '.')
        n += 1 + strspn(p + n + 1, "0123456789");
    if (p[n])
        return -1;
    v = strtod(s, NULL);
    if (!(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}
