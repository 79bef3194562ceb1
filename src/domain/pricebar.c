#include "domain/pricebar.h"

#include <math.h>
#include <stddef.h>

/* 2^63: the first volume that does not fit a bigint. */
#define VOLUME_LIMIT 9223372036854775808.0

const char *pricebar_check(double open, double high, double low, double close,
                           double volume)
{
    static const char *const why[4][4] = {
        {"open is not a finite number", "open is not positive",
         "open is below 0.0001", "open is above 100000000"},
        {"high is not a finite number", "high is not positive",
         "high is below 0.0001", "high is above 100000000"},
        {"low is not a finite number", "low is not positive",
         "low is below 0.0001", "low is above 100000000"},
        {"close is not a finite number", "close is not positive",
         "close is below 0.0001", "close is above 100000000"},
    };
    const double p[4] = {open, high, low, close};

    for (int k = 0; k < 4; k++) {
        if (!isfinite(p[k]))
            return why[k][0];
        if (!(p[k] > 0))
            return why[k][1];
        if (p[k] < PRICEBAR_PRICE_MIN)
            return why[k][2];
        if (p[k] > PRICEBAR_PRICE_MAX)
            return why[k][3];
    }
    if (low > high)
        return "low is above high";
    if (low > open || low > close)
        return "low is above open or close";
    if (high < open || high < close)
        return "high is below open or close";
    if (!isfinite(volume))
        return "volume is not a finite number";
    if (volume < 0)
        return "volume is negative";
    if (volume >= VOLUME_LIMIT)
        return "volume does not fit 64 bits";
    return NULL;
}
