/*
 * alpaca_data: Alpaca's market data API as a provider
 * (INGEST_PROVIDER=alpaca), keys from BROKER_API_KEY/BROKER_API_SECRET.
 *   bars: GET /v2/stocks/bars?symbols={T}&timeframe=1Day&start=..&end=..
 *         &adjustment=all&feed=..; bars.{SYMBOL}[].t is RFC 3339 (New
 *         York midnight in UTC)
 *   news: GET /v1beta1/news?symbols={T,aliases}&start=..&end=..&sort=asc
 *         an article is tagged when its symbols name a feed symbol.
 * Both follow next_page_token (appended as page_token to the first
 * URL) until it is null or empty; a token seen before ends the query.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/fetch.h"
#include "adapters/provider.h"
#include "adapters/provider_parse.h"
#include "adapters/tstamp.h"
#include "domain/date.h"
#include "lib/budget.h"
#include "lib/log.h"
#include "lib/xalloc.h"

typedef struct alpaca {
    char *base, *feed;
    int max_pages;
    budget *budget;
    fetch_client *http;
} alpaca;

int alpaca_parse_bars(const provider_query *q, json_t *root,
                      provider_result *out, char **next, char *err,
                      size_t errlen)
{
    json_t *bars = json_object_get(root, "bars"), *list;
    const char *sym;

    (void)err;
    (void)errlen;
    json_object_foreach(bars, sym, list)
    {
        char t[TICKER_MAX];
        json_t *r;
        size_t i;

        if (ticker_normalize(sym, strlen(sym), t) < 0 ||
            strcmp(t, q->ticker) != 0)
            continue;
        json_array_foreach(list, i, r)
        {
            json_t *ts = json_object_get(r, "t");
            long long when;
            int32_t day;

            if (!json_is_string(ts) ||
                tstamp_parse(json_string_value(ts), &when) < 0) {
                provider_skip_bar(q->ticker,
                                  "time (t) is missing or not a time");
                continue;
            }
            day = tstamp_ny_date(when);
            if (day < q->bars_from || day > q->to)
                continue;
            provider_add_json_bar(out, q->ticker, day, r);
        }
    }
    *next = provider_page_next(root, "next_page_token");
    return PROVIDER_OK;
}

int alpaca_parse_news(const provider_query *q, json_t *root,
                      provider_result *out, char **next, char *err,
                      size_t errlen)
{
    json_t *news = json_object_get(root, "news"), *r;
    size_t i;

    (void)err;
    (void)errlen;
    json_array_foreach(news, i, r)
    {
        json_t *id = json_object_get(r, "id");
        json_t *when = json_object_get(r, "created_at");
        char pid[32];
        long long t;
        buf title, body;

        if (!json_is_integer(id)) {
            provider_skip_news(q->ticker, NULL,
                               "id is missing or not an "
                               "integer");
            continue;
        }
        snprintf(pid, sizeof(pid), "%lld", (long long)json_integer_value(id));
        if (!json_is_string(when) ||
            tstamp_parse(json_string_value(when), &t) < 0) {
            provider_skip_news(q->ticker, pid,
                               "created_at is missing or not a time");
            continue;
        }
        if (tstamp_news_day(t) < q->from || tstamp_news_day(t) > q->to)
            continue;
        buf_init(&title);
        buf_init(&body);
        provider_json_text(r, "headline", &title);
        provider_json_text(r, "summary", &body);
        if (body.len == 0)
            provider_json_text(r, "content", &body);
        if (title.len == 0)
            provider_skip_news(q->ticker, pid, "headline is missing or empty");
        else {
            provider_news *n =
                provider_add_news(out, pid, title.data, title.len, body.data,
                                  body.len, "article");

            if (n) {
                n->published = t;
                n->day = tstamp_news_day(t);
                n->tagged =
                    provider_lists_ticker(json_object_get(r, "symbols"), q);
            }
        }
        buf_release(&title);
        buf_release(&body);
    }
    *next = provider_page_next(root, "next_page_token");
    return PROVIDER_OK;
}

static int paginate(alpaca *al, const provider_query *q, char *first,
                    provider_page_fn fn, provider_result *out, char *err,
                    size_t errlen)
{
    provider_cursors seen = {0};
    char *url = xstrdup(first);
    int rc = PROVIDER_OK, pages = 0;

    for (;;) {
        json_t *root = NULL;
        char *next = NULL, *tok;

        if (pages == al->max_pages) {
            LOG_WARN("alpaca query has more pages than INGEST_MAX_PAGES",
                     LF_S("ticker", q->ticker), LF_I("pages", pages));
            break;
        }
        rc = provider_get_json(al->http, url, out, &root, err, errlen);
        if (rc != PROVIDER_OK)
            break;
        pages++;
        rc = fn(q, root, out, &next, err, errlen);
        json_decref(root);
        if (rc != PROVIDER_OK || !next)
            break;
        if (provider_cursor_seen(&seen, next)) {
            LOG_WARN("alpaca repeated a page token; stopping there",
                     LF_S("ticker", q->ticker), LF_I("pages", pages));
            free(next);
            break;
        }
        tok = curl_easy_escape(NULL, next, (int)strlen(next));
        free(url);
        url = xasprintf("%s&page_token=%s", first, tok ? tok : "");
        curl_free(tok);
        free(next);
    }
    free(url);
    free(first);
    provider_cursors_release(&seen);
    return rc;
}

static int alpaca_fetch(provider *p, const provider_query *q,
                        provider_result *out, char *err, size_t errlen)
{
    alpaca *al = p->impl;
    char a[11], b[11];
    int rc = PROVIDER_OK;
    buf syms;

    if (q->bars_from <= q->to) {
        date_format(q->bars_from, a);
        date_format(q->to, b);
        rc = paginate(al, q,
                      xasprintf("%s/v2/stocks/bars?symbols=%s&timeframe=1Day"
                                "&start=%s&end=%s&adjustment=all&feed=%s"
                                "&limit=10000",
                                al->base, q->ticker, a, b, al->feed),
                      alpaca_parse_bars, out, err, errlen);
    }
    if (rc != PROVIDER_OK)
        return rc;
    buf_init(&syms);
    for (size_t f = 0; f < q->nfeeds; f++) {
        if (f > 0)
            buf_addc(&syms, ',');
        buf_adds(&syms, q->feeds[f]);
    }
    date_format(q->from - 1, a);
    date_format(q->to + 1, b);
    rc = paginate(al, q,
                  xasprintf("%s/v1beta1/news?symbols=%s&start=%sT00:00:00Z"
                            "&end=%sT23:59:59Z&sort=asc&limit=50",
                            al->base, syms.data, a, b),
                  alpaca_parse_news, out, err, errlen);
    buf_release(&syms);
    return rc;
}

static void alpaca_release(provider *p)
{
    alpaca *al = p->impl;

    fetch_free(al->http);
    budget_free(al->budget);
    free(al->base);
    free(al->feed);
    free(al);
}

int provider_alpaca_check(const config *c, char *err, size_t errlen)
{
    if (!c->alpaca_data_url[0] || !c->broker_api_key[0] ||
        !c->broker_api_secret[0]) {
        snprintf(err, errlen,
                 "INGEST_PROVIDER=alpaca needs ALPACA_DATA_URL, "
                 "BROKER_API_KEY and BROKER_API_SECRET");
        return -1;
    }
    return 0;
}

provider *provider_alpaca_open(const config *c, char *err, size_t errlen)
{
    char *key, *secret;
    alpaca *al;
    provider *p;

    if (provider_alpaca_check(c, err, errlen) < 0)
        return NULL;
    al = xcalloc(1, sizeof(*al));
    al->budget = budget_open(c, err, errlen);
    if (!al->budget) {
        free(al);
        return NULL;
    }
    al->base = xstrdup(c->alpaca_data_url);
    while (strlen(al->base) > 0 && al->base[strlen(al->base) - 1] == '/')
        al->base[strlen(al->base) - 1] = '\0';
    al->feed = xstrdup(c->alpaca_data_feed);
    al->max_pages = c->ingest_max_pages;
    key = xasprintf("APCA-API-KEY-ID: %s", c->broker_api_key);
    secret = xasprintf("APCA-API-SECRET-KEY: %s", c->broker_api_secret);
    {
        const char *headers[] = {key, secret, "Accept: application/json", NULL};
        const fetch_options o = {"alpaca", headers, al->budget, 0};

        al->http = fetch_new(c, &o);
    }
    memset(secret, 0, strlen(secret));
    free(key);
    free(secret);
    p = xcalloc(1, sizeof(*p));
    p->name = "alpaca";
    p->source = "alpaca";
    p->bar_source = "alpaca";
    p->fetch = alpaca_fetch;
    p->release = alpaca_release;
    p->impl = al;
    return p;
}
