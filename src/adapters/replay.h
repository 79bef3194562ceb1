/*
 * replay: the bundled real data as a market-data and news provider. It
 * reads the Reuters headline file and the daily price file of a folder
 * once, then answers "the bars and the news of ticker T between two
 * days". Rows keep their raw CSV line for the raw payload.
 *
 * Two forms: replay_data holds both files and every parsed row in
 * memory (the backtest and the scheduler read all of it); replay_index
 * holds only where each row is in its file, sorted by ticker and day,
 * and reads and parses the rows of one range when asked (the ingestion
 * worker, which lives long and reads a few rows per job). Both accept
 * and order the same rows.
 *
 * A row that cannot be read (wrong field count, bad date or number,
 * a bar domain/pricebar.h refuses, invalid UTF-8, a field over
 * REPLAY_MAX_FIELD bytes) is skipped and
 * counted, never fatal: the rest of the file is still served.
 */
#ifndef STONKS_REPLAY_H
#define STONKS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "domain/ticker.h"
#include "lib/fileio.h"

#define REPLAY_NEWS_FILE "reuters_headlines_2011H2_40tickers.csv"
#define REPLAY_PRICE_FILE "daily_ohlcv_2011-2012H1_40tickers.csv"
#define REPLAY_MAX_FILE (256u << 20)

/* The log line of ingestion's count of skipped rows (field "rows"),
 * and what the backtest and the demo say the skipped rows were. */
#define REPLAY_SKIPPED_MSG "replay rows skipped as unreadable"
#define REPLAY_SKIPPED_WHY                                                     \
    "unreadable: a wrong number of fields, a field over 64 KiB, a bad date "   \
    "(or one over 31 days ahead) or number, not UTF-8; or a price bar of a "   \
    "closed day or given again"
#define REPLAY_MAX_FIELD 65536 /* bytes: 64 KiB, as REPLAY_SKIPPED_WHY says */

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
    size_t rejected; /* rows skipped: unreadable, a bar of a day the
                      * exchange is closed, a bar given again later */
} replay_data;

/* Checks that dir is a folder that can be read and holds both replay
 * files as readable regular files of at most REPLAY_MAX_FILE bytes,
 * each with its header, reading their first 64 KiB only (what `stonks
 * config` and the services' start-up checks can tell). Returns 0, or
 * -1 with a message naming REPLAY_DIR and the folder or file in err. */
int replay_dir_check(const char *dir, char *err, size_t errlen);

/* Writes to err that the price file of dir has no readable bar, with
 * the count of rows of both files skipped (rejected). */
void replay_no_bars_msg(const char *dir, size_t rejected, char *err,
                        size_t errlen);

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

/* Where one accepted row is: bytes off..off+len of its file (the line
 * without its line end), its ticker (an index into the file's sorted
 * ticker list) and its day. */
typedef struct replay_ref {
    uint32_t off, len;
    int32_t day;
    uint32_t ticker;
} replay_ref;

typedef struct replay_file {
    file_ro file; /* kept open for the reads of the rows */
    char (*tickers)[TICKER_MAX]; /* sorted, distinct */
    size_t ntickers;
    replay_ref *refs; /* sorted by ticker, day, position in the file */
    size_t nrefs;
} replay_file;

typedef struct replay_index {
    replay_file news, prices;
    size_t rejected; /* rows skipped: unreadable, a bar of a day the
                      * exchange is closed, a bar given again later */
    char *win; /* bytes win_off.. of win_file, read last */
    const replay_file *win_file;
    size_t win_off, win_len, win_cap;
    char *scratch; /* the fields of the row last read */
    size_t scratch_cap;
} replay_index;

/* Reads both files of dir once, piece by piece, and keeps the index of
 * the rows replay_load would accept, and both files open. Returns 0, or
 * -1 with a message naming the file in err, as replay_load (x is then
 * released). Release with replay_index_close; a zeroed x is safe. */
int replay_index_open(const char *dir, replay_index *x, char *err,
                      size_t errlen);
void replay_index_close(replay_index *x);

/* The news rows of ticker dated from..to (inclusive), in the order of
 * replay_news_range: *first is the index of the first, the return value
 * how many follow. Read each with replay_index_read_news. */
size_t replay_index_news(const replay_index *x, const char *ticker,
                         int32_t from, int32_t to, size_t *first);

/* Likewise for bars (replay_bars_range). */
size_t replay_index_bars(const replay_index *x, const char *ticker,
                         int32_t from, int32_t to, size_t *first);

/* Reads and parses news row i (of x->news.refs) into out; its strings
 * point into x and hold until the next read. Returns 0, or -1 with a
 * message in err when the file cannot be read or no longer holds the
 * row it was indexed with (it changed since). */
int replay_index_read_news(replay_index *x, size_t i, replay_news *out,
                           char *err, size_t errlen);

/* Likewise for bar row i (of x->prices.refs). */
int replay_index_read_bar(replay_index *x, size_t i, replay_bar *out, char *err,
                          size_t errlen);

#endif
