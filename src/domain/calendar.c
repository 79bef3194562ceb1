#include "domain/calendar.h"

#include <stdlib.h>

#include "lib/xalloc.h"

void calendar_init(calendar *c)
{
    c->days = NULL;
    c->n = 0;
    c->cap = 0;
}

void calendar_release(calendar *c)
{
    free(c->days);
    calendar_init(c);
}

void calendar_add(calendar *c, int32_t day)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->days = xreallocarray(c->days, c->cap, sizeof(*c->days));
    }
    c->days[c->n++] = day;
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a;
    int32_t y = *(const int32_t *)b;

    return (x > y) - (x < y);
}

void calendar_finish(calendar *c)
{
    size_t out = 0;

    if (c->n == 0)
        return;
    xqsort(c->days, c->n, sizeof(*c->days), cmp_day);
    for (size_t i = 1; i < c->n; i++) {
        if (c->days[i] != c->days[out])
            c->days[++out] = c->days[i];
    }
    c->n = out + 1;
}

/* Index of the first trading day >= day (n when there is none). */
static size_t lower_bound(const calendar *c, int32_t day)
{
    size_t lo = 0, hi = c->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (c->days[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int calendar_is_trading(const calendar *c, int32_t day)
{
    size_t i = lower_bound(c, day);

    return i < c->n && c->days[i] == day;
}

int32_t calendar_session_for(const calendar *c, int32_t day)
{
    size_t i = lower_bound(c, day);

    return i < c->n ? c->days[i] : -1;
}

int32_t calendar_prev(const calendar *c, int32_t day)
{
    size_t i = lower_bound(c, day);

    return i > 0 ? c->days[i - 1] : -1;
}

size_t calendar_range(const calendar *c, int32_t from, int32_t to, int32_t *out,
                      size_t max)
{
    size_t lo, hi;

    if (to < from)
        return 0;
    lo = lower_bound(c, from);
    hi = to == INT32_MAX ? c->n : lower_bound(c, to + 1);
    for (size_t i = lo; i < hi && i - lo < max; i++)
        out[i - lo] = c->days[i];
    return hi - lo;
}
