/*
 * trading_limits: the rows of the risk_limits table and the fields of
 * risk_limits (domain/risk.h) they fill, with their units and ranges.
 * One list, used to load the limits, to check edits through the
 * risk-engine's API, and to answer GET /limits.
 */
#ifndef STONKS_TRADING_LIMITS_H
#define STONKS_TRADING_LIMITS_H

#include <stddef.h>
#include <stdint.h>

typedef struct trading_limit_def {
    const char *name; /* risk_limits.name */
    const char *unit; /* cents, bps, count, flag */
    size_t offset; /* of the int64_t field in struct risk_limits */
    int64_t max; /* largest value accepted (the smallest is 0) */
} trading_limit_def;

extern const trading_limit_def trading_limit_defs[];
extern const size_t trading_nlimits;

/* The definition named name, or NULL. */
const trading_limit_def *trading_limit_find(const char *name);

#endif
