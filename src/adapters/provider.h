/*
 * provider: the one interface ingestion reads bars and news through, so
 * that INGEST_PROVIDER switches the source and nothing else:
 *   replay   the bundled Reuters and price files (adapters/replay)
 *   polygon  Polygon.io daily aggregates and news (adapters/polygon.c)
 *   alpaca   Alpaca market data bars and news (adapters/alpaca_data.c)
 *   rss      RSS/Atom feeds of RSS_FEEDS, SEC EDGAR's included, with the
 *            full text of 8-K filings (adapters/rss.c)
 *
 * A query is one ingestion job: a ticker (canonical, domain/ticker.h),
 * the symbols the feeds write it as (the ticker first, then its
 * 'ticker' aliases: GOOG for GOOGL), the days of news wanted and the
 * first day of bars wanted. The answer holds plain-text news items,
 * daily bars of that ticker, and the raw bytes they were read from
 * (stored by ingestion in the object store).
 *
 * Times: every timestamp is converted to Unix seconds, UTC. The day of
 * a bar is its America/New_York date (domain/exchange.h applies the US
 * daylight-saving rules). The day of a news item is the New York date
 * it was published on, or the next day when it came at or after that
 * day's close; ingestion maps it to a trading day.
 *
 * A provider is used by one thread at a time.
 */
#ifndef STONKS_PROVIDER_H
#define STONKS_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "domain/calendar.h"
#include "domain/ticker.h"
#include "lib/buf.h"
#include "lib/config.h"

typedef struct provider_news {
    char *provider_id; /* unique within the source */
    char *title; /* plain UTF-8 text */
    char *body; /* plain UTF-8 text, may be "" */
    char *news_type; /* the source's kind: "topStory", "8-K", "article" */
    long long published; /* Unix seconds, UTC */
    int32_t day; /* the date it counts from (see above) */
    int tagged; /* 1: the source files it under the query's ticker */
    char hash[65]; /* "" until provider_news_hash fills it */
} provider_news;

typedef struct provider_bar {
    int32_t day; /* New York date */
    double open, high, low, close;
    long long volume;
} provider_bar;

typedef struct provider_result {
    provider_news *news;
    size_t nnews, news_cap;
    provider_bar *bars;
    size_t nbars, bars_cap;
    buf raw; /* the raw payloads read, concatenated */
} provider_result;

typedef struct provider_query {
    const char *ticker; /* canonical */
    const char *const *feeds; /* feeds[0] == ticker, then aliases */
    size_t nfeeds;
    int32_t from, to; /* news days, inclusive */
    int32_t bars_from; /* bars of days bars_from..to */
} provider_query;

enum { PROVIDER_OK = 0, PROVIDER_FAIL = -1, PROVIDER_RETRY = -2 };

typedef struct provider provider;
struct provider {
    const char *name; /* INGEST_PROVIDER's value */
    const char *source; /* documents.source */
    const char *bar_source; /* price_bars.source */
    /* Fills out (initialised by the caller). Returns PROVIDER_OK,
     * PROVIDER_RETRY (the outside server is unreachable or refusing for
     * now) or PROVIDER_FAIL (the query or the answer is wrong), with a
     * message in err for both. */
    int (*fetch)(provider *p, const provider_query *q, provider_result *out,
                 char *err, size_t errlen);
    /* Optional: adds the days the market traded to cal; when NULL the
     * exchange's rules (domain/exchange.h) give them. */
    void (*trading_days)(provider *p, calendar *cal);
    void (*release)(provider *p);
    void *impl;
};

/* Opens the provider INGEST_PROVIDER names, checking its settings.
 * Returns NULL with a message naming the missing setting in err. Free
 * with provider_free (NULL is safe). */
provider *provider_open(const config *c, char *err, size_t errlen);
void provider_free(provider *p);

/* The settings the provider INGEST_PROVIDER names needs, checked
 * without opening anything (the constructors below start with the same
 * check); also run by `stonks config`. Returns 0, or -1 with a message
 * in err. */
int provider_check(const config *c, char *err, size_t errlen);
int provider_replay_check(const config *c, char *err, size_t errlen);
int provider_polygon_check(const config *c, char *err, size_t errlen);
int provider_alpaca_check(const config *c, char *err, size_t errlen);
int provider_rss_check(const config *c, char *err, size_t errlen);

/* The constructors provider_open dispatches to. */
provider *provider_replay_open(const config *c, char *err, size_t errlen);
provider *provider_polygon_open(const config *c, char *err, size_t errlen);
provider *provider_alpaca_open(const config *c, char *err, size_t errlen);
provider *provider_rss_open(const config *c, char *err, size_t errlen);

void provider_result_init(provider_result *r);
void provider_result_release(provider_result *r);

/* The longest provider id kept, in bytes: ids are unique per source in
 * an index, whose rows PostgreSQL limits to about 2,700 bytes. */
#define PROVIDER_ID_MAX 1024

/* 1 when id is at most PROVIDER_ID_MAX bytes; else logs a warning naming
 * the id's length and its first 80 bytes, and returns 0. */
int provider_id_ok(const char *id);

/* Logs that a bar (day < 0: of no readable day) or a news item (id NULL
 * or "": none readable) of ticker was skipped and why, as
 * "price bar skipped" / "news item skipped". */
void provider_skip_bar(const char *ticker, const char *why);
void provider_skip_news(const char *ticker, const char *id, const char *why);

/* The longest title and body kept, in bytes: a longer one is cut on a
 * UTF-8 character boundary, with a warning (a provider once sent a
 * title of 10 MB). A body holds a filing's text, cut at this size too. */
#define PROVIDER_TITLE_MAX 2048
#define PROVIDER_BODY_MAX (256u << 10)

/* Appends a news item; the strings are copied (len bytes each, cut to
 * PROVIDER_TITLE_MAX and PROVIDER_BODY_MAX). Returns NULL, adding
 * nothing, when provider_id_ok refuses id. */
provider_news *provider_add_news(provider_result *r, const char *id,
                                 const char *title, size_t tlen,
                                 const char *body, size_t blen,
                                 const char *news_type);
void provider_add_bar(provider_result *r, const provider_bar *b);

/* Sorts the bars by day and keeps one per day, the one added last (a
 * provider that repeats a page must not write a day twice). */
void provider_result_finish(provider_result *r);

/* The content hash of a news item (64 hex chars + NUL): SHA-256 of its
 * UTC publication date ("YYYY-MM-DD"), title and body joined by "\n".
 * Documents are unique per (source, content hash). */
void provider_content_hash(const provider_news *n, char out[65]);

/* The same, computed once per item and kept in n->hash: call it only
 * once the date, title and body are final. */
const char *provider_news_hash(provider_news *n);

/* Replaces the scheme and host of a next-page URL with base's, so that
 * a cursor never sends our keys to another host. Returns a new string
 * (the caller frees). */
char *provider_rebase_url(const char *base, const char *next);

/* 1 when the http(s) URLs a and b have the same scheme, host and port
 * (case aside, default ports made explicit); 0 otherwise, and for a
 * URL whose host part holds more than a name or address and a port
 * (user info, "\\", IPv6 brackets). */
int provider_same_origin(const char *a, const char *b);

/* Cursors already followed in one paginated query, so that a server
 * handing back a cursor it gave before cannot make us loop. */
typedef struct provider_cursors {
    char **seen;
    size_t n, cap;
} provider_cursors;

/* 1 when cursor was seen before; else records it and returns 0. */
int provider_cursor_seen(provider_cursors *c, const char *cursor);
void provider_cursors_release(provider_cursors *c);

struct fetch_client;
struct json_t;

/* GETs url with http, appends the answer to out->raw (and a newline),
 * and parses it as a JSON object into *root (the caller json_decref's
 * it). Returns PROVIDER_OK, PROVIDER_RETRY (unreachable, 429/5xx or a
 * cut answer after the retries) or PROVIDER_FAIL (another 4xx, over the
 * size limit, not JSON or not an object), with err set. */
int provider_get_json(struct fetch_client *http, const char *url,
                      provider_result *out, struct json_t **root, char *err,
                      size_t errlen);

/* Plain text of a JSON string member of o (HTML removed, entities
 * decoded, white space collapsed, a NUL read as a space) appended to
 * out; "" when absent. */
void provider_json_text(struct json_t *o, const char *key, buf *out);

/* The string of v for use as an id, or NULL when v is not a string or
 * holds a NUL (a warning says so: the id would read as another). */
const char *provider_json_id(struct json_t *v);

/* 1 when the JSON array of symbols arr (any spelling ticker_normalize
 * accepts) holds one of q's feeds. */
int provider_lists_ticker(struct json_t *arr, const provider_query *q);

/* Reads the members o, h, l, c and v of a bar object (Polygon's and
 * Alpaca's share these names), the volume rounded to whole shares, and
 * adds the bar of day to out when domain/pricebar.h finds it sane.
 * Otherwise (a member missing or not a number, a price out of range,
 * high below low, a volume that does not fit) the bar is skipped with a
 * warning naming ticker, day and reason, and 0 is returned; 1 when
 * added. */
int provider_add_json_bar(provider_result *out, const char *ticker, int32_t day,
                          struct json_t *r);

#endif
