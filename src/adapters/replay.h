/*
 * replay: the bundled real data as a market-data and news provider. It
 * loads the Reuters headline file and the daily price file of a folder
 * once, then answers "the bars and the news of ticker T between two
 * days" from memory. Rows keep their raw CSV line for the raw payload.
 *
 * A row that cannot be read (wrong field count, bad date or number,
 * invalid UTF-8, a field over REPLAY_MAX_FIELD bytes) is skipped and
 * counted, never fatal: the rest of the file is still served.
 */
#ifndef STONKS_REPLAY_H
#define STONKS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "domain/ticker.h"

#define REPLAY_NEWS_FILE "reuters_headlines_2011H2_40tickers.csv"
#define REPLAY_PRICE_FILE "daily_ohlcv_2011-2012H1_40tickers.csv"
#define REPLAY_MAX_FILE (256u << 20)
#define REPLAY_MAX_FIELD 65536

typedef struct replay_news {
    char ticker[TICKER_MAX];
    int32_t date;
    const char *title, *summary, *news_type, *line;
    size_t title_len, summary_len, news_type_len, line_len;
    size_t order; /* position in the file */
} replay_news;

typedef struct replay_bar {
    char ticker[TICKER_MAX];
    int32_t day;
    double open, high, low, close;
    long long volume;
    const char *line;
    size_t line_len;
} replay_bar;

typedef struct replay_data {
    char *news_text, *price_text, *scratch;
    replay_news *news; /* sorted by ticker, date, order */
    size_t nnews;
    replay_bar *bars; /* sorted by ticker, day */
    size_t nbars;
    size_t news_cap, bars_cap;
    size_t rejected; /* rows skipped as unreadable */
} replay_data;

/* Loads both files from dir. Returns 0, or -1 with a message naming the
 * file in err (missing, unreadable, over REPLAY_MAX_FILE, wrong header).
 * Release with replay_release. */
int replay_load(const char *dir, replay_data *r, char *err, size_t errlen);
void replay_release(replay_data *r);

/* As replay_load, from two texts in memory (copied): the news file's
 * and the price file's contents. */
int replay_load_buffers(const char *news, size_t nlen, const char *prices,
                        size_t plen, replay_data *r, char *err, size_t errlen);

/* The news rows of ticker dated from..to (inclusive): *first points at
 * the first, the return value is how many follow contiguously. */
size_t replay_news_range(const replay_data *r, const char *ticker, int32_t from,
                         int32_t to, const replay_news **first);

/* Likewise for bars. */
size_t replay_bars_range(const replay_data *r, const char *ticker, int32_t from,
                         int32_t to, const replay_bar **first);

#endif
