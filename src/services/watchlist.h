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

#define WATCHLIST_HEADER "ticker,name,sector,aliases"
#define WATCHLIST_MAX_ROWS 5000

/* A checked row and its line number (from 1). */
typedef struct watchlist_entry {
    reg_symbol s;
    int line;
} watchlist_entry;

/* Reads a whole watchlist, text[0..len), UTF-8 (a byte order mark is
 * skipped, blank lines ignored): the first line must be the header
 * WATCHLIST_HEADER (any case, each name between any spaces or tabs;
 * else the message names the first column that differs), then one row
 * per symbol (watchlist_row), at most WATCHLIST_MAX_ROWS, each ticker
 * once, at least one. Messages
 * name the place: "FILE:LINE: " when file is set, else "line LINE: "
 * (an HTTP body). A file's line that is not UTF-8 is refused as such
 * ("FILE:LINE: not UTF-8 ..."), a body's field by reg_check_text, as
 * the API says it. Returns the number of rows, with them in *rows (free
 * with watchlist_free), or -1 with a message in err. */
long watchlist_parse(const char *text, size_t len, const char *file,
                     watchlist_entry **rows, char *err, size_t errlen);

/* watchlist_parse of the file at path (up to 4 MiB). */
long watchlist_load(const char *path, watchlist_entry **rows, char *err,
                    size_t errlen);

void watchlist_free(watchlist_entry *rows, long n);

#endif
