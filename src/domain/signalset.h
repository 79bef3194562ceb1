/*
 * signalset: from news rows to the signals the live pipeline stores for
 * them, in memory, with the same domain code and the same rules, so
 * that the backtest and the services see identical inputs:
 *  - ingestion: one document per distinct (date, title, summary), its
 *    content hash the SHA-256 of "YYYY-MM-DD\ntitle\nsummary" in hex;
 *    tagged with every ticker whose feed listed it; it counts toward
 *    the trading day calendar_session_for gives its date (rows with no
 *    trading day on or after them are dropped);
 *  - parser: clean text (text_clean_article), mentioned tickers
 *    (mention_find), near-duplicates: documents with the same clean
 *    text form a group whose original is the earliest by (trading day,
 *    content hash);
 *  - extractor: per original document and tagged ticker one signal:
 *    sentiment score and confidence of the embedded model, relevance
 *    SIGNALSET_RELEVANCE_FEED for a feed tag and
 *    SIGNALSET_RELEVANCE_MENTION for a ticker only mentioned, each
 *    rounded as the database stores them (6, 6 and 2 decimals);
 *  - aggregation: duplicates count through their original only, and a
 *    ticker's signals are ordered by (trading day, content hash), which
 *    fixes every bit of the sums made over them.
 * Only signals of the traded tickers are kept.
 */
#ifndef STONKS_SIGNALSET_H
#define STONKS_SIGNALSET_H

#include <stddef.h>
#include <stdint.h>

#include "domain/aggregate.h"
#include "domain/calendar.h"
#include "domain/mention.h"
#include "domain/sentiment.h"

#define SIGNALSET_RELEVANCE_FEED 1.0
#define SIGNALSET_RELEVANCE_MENTION 0.6

/* A news row as a feed delivered it, already assigned to the traded
 * ticker whose feed it came from (a feed alias such as GOOG resolved to
 * GOOGL by the caller). Text is borrowed for signalset_build only. */
typedef struct signalset_row {
    uint32_t ticker; /* index into the traded tickers */
    int32_t date;
    const char *title, *summary;
    size_t title_len, summary_len;
} signalset_row;

typedef struct signalset_doc {
    char hash[65]; /* content hash, lower-case hex */
    int32_t date; /* as dated by the feed */
    int32_t session; /* the trading day it counts toward */
    uint32_t original; /* the document whose text it repeats, or itself */
} signalset_doc;

/* What a signal came from, parallel to the agg_signal arrays. */
typedef struct signalset_meta {
    uint32_t doc; /* index into docs */
    uint8_t feed; /* 1: feed tag, 0: mention */
    uint8_t label; /* sentiment_label */
    uint8_t event; /* event_type */
} signalset_meta;

typedef struct signalset {
    size_t ntickers;
    agg_signal **sig; /* per ticker, ordered by (day, content hash) */
    signalset_meta **meta; /* parallel to sig */
    size_t *nsig;
    signalset_doc *docs; /* ordered by content hash */
    size_t ndocs;
    size_t nrows; /* rows that had a trading day */
    size_t nduplicates; /* documents that are not their group's original */
    size_t nsignals;
    size_t nfeed_tags, nmention_tags; /* over every document */
    double relevance_feed, relevance_mention; /* as stored */
} signalset;

/* Builds the signals of rows[0..nrows) for the ntickers traded tickers
 * (sorted, unique, canonical), with the registry's mention index, the
 * model and the trading calendar (finished). Never fails; release with
 * signalset_release. */
void signalset_build(signalset *s, const signalset_row *rows, size_t nrows,
                     const char (*tickers)[TICKER_MAX], size_t ntickers,
                     const mention_index *idx, const sentiment_model *m,
                     const calendar *cal);
void signalset_release(signalset *s);

/* A value as the database gives it back after storing it as text with
 * the given number of decimals ("%.6f" for sentiment, "%.2f" for
 * relevance). */
double signalset_stored(double x, int decimals);

#endif
