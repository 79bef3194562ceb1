/*
 * watchlist: the watchlist CSV of data/watchlist.csv
 * (ticker,name,sector,aliases; aliases separated by '|', "$X" an
 * alternative ticker), read by the same rules wherever it comes from:
 * POST /symbols/import, `stonks seed` and `stonks backtest
 * --watchlist`. A row is checked as the registry API checks a symbol
 * (services/registry.h): names and aliases trimmed, of bounded length,
 * UTF-8, with a letter or digit.
 */
#ifndef STONKS_WATCHLIST_H
#define STONKS_WATCHLIST_H

#include <stddef.h>

#include "adapters/csv.h"
#include "services/registry.h"

/* One data line (4 fields) into s: the ticker, the name and sector
 * (trimmed), the aliases and alternative tickers, active. Returns 0, or
 * -1 with a message in err. */
int watchlist_row(const csv_line *l, reg_symbol *s, char *err, size_t errlen);

#endif
