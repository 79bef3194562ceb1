/*
 * pricebar: the one check a daily price bar passes before it is stored,
 * whatever its source (the replay file, Polygon, Alpaca). A bar is sane
 * when its four prices are finite and within PRICEBAR_PRICE_MIN and
 * PRICEBAR_PRICE_MAX, low <= min(open, close), high >= max(open, close)
 * (so high >= low), and its volume is finite, >= 0 and below 2^63 (it
 * is stored as a bigint). Pure: the caller logs and skips.
 */
#ifndef STONKS_PRICEBAR_H
#define STONKS_PRICEBAR_H

/* The prices accepted, in dollars: the lake stores a price as
 * round(price * 10000) in a bigint, so a smaller price would read as 0
 * there and a much larger one would not fit; no share trades near the
 * top. */
#define PRICEBAR_PRICE_MIN 0.0001
#define PRICEBAR_PRICE_MAX 100000000.0

/* NULL when the bar is sane, else the first reason it is not (a static
 * string naming the field, e.g. "low is above open or close"). */
const char *pricebar_check(double open, double high, double low, double close,
                           double volume);

#endif
