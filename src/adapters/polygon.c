/*
 * polygon: Polygon.io as a provider (INGEST_PROVIDER=polygon).
 *   bars: GET /v2/aggs/ticker/{T}/range/1/day/{from}/{to}?adjusted=true
 *         results[].t is the bar's start in Unix ms (New York midnight)
 *   news: GET /v2/reference/news?ticker={T}&published_utc.gte=..&
 *         published_utc.lte=..&order=asc&sort=published_utc, once per
 *         feed symbol; an article is tagged with the ticker when its
 *         tickers list names one of the feed symbols.
 * Both follow next_url to the end. next_url is rebased on
 * POLYGON_BASE_URL (the key never goes to another host) and a URL seen
 * before ends the query. The key travels in "Authorization: Bearer".
 */
#include <jansson.h>
#include <math.h>
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

#define BAR_MS_MAX 1e15

typedef struct polygon {
    char *base;
    int max_pages;
    budget *budget;
    fetch_client *http;
} polygon;

/* 1 when the page carries Polygon's status "ERROR" (err says so). */
static int page_failed(json_t *root, char *err, size_t errlen)
{
    json_t *status = json_object_get(root, "status");
    const char *msg = json_string_value(json_object_get(root, "error"));

    if (!json_is_string(status) ||
        strcmp(json_string_value(status), "ERROR") != 0)
        return 0;
    snprintf(err, errlen, "polygon answered status ERROR: %.200s",
             msg ? msg : "no message");
    return 1;
}

int polygon_parse_bars(const provider_query *q, json_t *root,
                       provider_result *out, char **next, char *err,
                       size_t errlen)
{
    json_t *res = json_object_get(root, "results"), *r;
    size_t i;

    *next = NULL;
    if (page_failed(root, err, errlen))
        return PROVIDER_FAIL;
    json_array_foreach(res, i, r)
    {
        json_t *t = json_object_get(r, "t");
        double ms = json_number_value(t);
        int32_t day;

        /* A time past +-30,000 years is no bar's (and would not fit the
         * conversion to whole seconds). */
        if (!json_is_number(t) || fabs(ms) > BAR_MS_MAX) {
            provider_skip_bar(q->ticker, "time (t) is missing or not a time "
                                         "in milliseconds");
            continue;
        }
        day = tstamp_ny_date((long long)(ms / 1000.0));
        if (day < q->bars_from || day > q->to)
            continue;
        provider_add_json_bar(out, q->ticker, day, r);
    }
    *next = provider_page_next(root, "next_url");
    return PROVIDER_OK;
}

int polygon_parse_news(const provider_query *q, json_t *root,
                       provider_result *out, char **next, char *err,
                       size_t errlen)
{
    json_t *res = json_object_get(root, "results"), *r;
    size_t i;

    *next = NULL;
    if (page_failed(root, err, errlen))
        return PROVIDER_FAIL;
    json_array_foreach(res, i, r)
    {
        const char *id = provider_json_id(json_object_get(r, "id"));
        json_t *when = json_object_get(r, "published_utc");
        long long t;
        provider_news *n;
        buf title, body;

        if (!id) {
            /* (provider_json_id told of an id holding a NUL) */
            if (!json_is_string(json_object_get(r, "id")))
                provider_skip_news(q->ticker, NULL,
                                   "id is missing or not text");
            continue;
        }
        if (!json_is_string(when) ||
            tstamp_parse(json_string_value(when), &t) < 0) {
            provider_skip_news(q->ticker, id,
                               "published_utc is missing or not a time");
            continue;
        }
        if (tstamp_news_day(t) < q->from || tstamp_news_day(t) > q->to)
            continue;
        buf_init(&title);
        buf_init(&body);
        provider_json_text(r, "title", &title);
        provider_json_text(r, "description", &body);
        if (title.len == 0)
            provider_skip_news(q->ticker, id, "title is missing or empty");
        else {
            n = provider_add_news(out, id, title.data, title.len, body.data,
                                  body.len, "article");
            if (n) {
                n->published = t;
                n->day = tstamp_news_day(t);
                n->tagged =
                    provider_lists_ticker(json_object_get(r, "tickers"), q);
            }
        }
        buf_release(&title);
        buf_release(&body);
    }
    *next = provider_page_next(root, "next_url");
    return PROVIDER_OK;
}

/* Runs a paginated query from url. */
static int paginate(polygon *pg, const provider_query *q, char *url,
                    provider_page_fn fn, provider_result *out, char *err,
                    size_t errlen)
{
    provider_cursors seen = {0};
    int rc = PROVIDER_OK, pages = 0;

    while (url) {
        json_t *root = NULL;
        char *next;

        if (provider_cursor_seen(&seen, url)) {
            LOG_WARN("polygon repeated a page URL; stopping there",
                     LF_S("ticker", q->ticker), LF_I("pages", pages));
            break;
        }
        if (pages == pg->max_pages) {
            LOG_WARN("polygon query has more pages than INGEST_MAX_PAGES",
                     LF_S("ticker", q->ticker), LF_I("pages", pages));
            break;
        }
        rc = provider_get_json(pg->http, url, out, &root, err, errlen);
        if (rc != PROVIDER_OK)
            break;
        pages++;
        rc = fn(q, root, out, &next, err, errlen);
        json_decref(root);
        if (rc != PROVIDER_OK)
            break;
        free(url);
        url = next ? provider_rebase_url(pg->base, next) : NULL;
        free(next);
    }
    free(url);
    provider_cursors_release(&seen);
    return rc;
}

static int polygon_fetch(provider *p, const provider_query *q,
                         provider_result *out, char *err, size_t errlen)
{
    polygon *pg = p->impl;
    char a[11], b[11];
    int rc = PROVIDER_OK;

    if (q->bars_from <= q->to) {
        date_format(q->bars_from, a);
        date_format(q->to, b);
        rc = paginate(pg, q,
                      xasprintf("%s/v2/aggs/ticker/%s/range/1/day/%s/%s"
                                "?adjusted=true&sort=asc&limit=50000",
                                pg->base, q->ticker, a, b),
                      polygon_parse_bars, out, err, errlen);
    }
    /* Published the evening before `from` may count from `from`, and
     * New York's evening of `to` is the next UTC date. */
    date_format(q->from - 1, a);
    date_format(q->to + 1, b);
    for (size_t f = 0; rc == PROVIDER_OK && f < q->nfeeds; f++)
        rc = paginate(pg, q,
                      xasprintf("%s/v2/reference/news?ticker=%s"
                                "&published_utc.gte=%sT00:00:00Z"
                                "&published_utc.lte=%sT23:59:59Z"
                                "&order=asc&sort=published_utc&limit=1000",
                                pg->base, q->feeds[f], a, b),
                      polygon_parse_news, out, err, errlen);
    return rc;
}

static void polygon_release(provider *p)
{
    polygon *pg = p->impl;

    fetch_free(pg->http);
    budget_free(pg->budget);
    free(pg->base);
    free(pg);
}

int provider_polygon_check(const config *c, char *err, size_t errlen)
{
    if (!c->polygon_base_url[0] || !c->market_data_api_key[0]) {
        snprintf(err, errlen,
                 "INGEST_PROVIDER=polygon needs POLYGON_BASE_URL "
                 "and MARKET_DATA_API_KEY");
        return -1;
    }
    return 0;
}

provider *provider_polygon_open(const config *c, char *err, size_t errlen)
{
    polygon *pg;
    provider *p;
    char *auth;

    if (provider_polygon_check(c, err, errlen) < 0)
        return NULL;
    pg = xcalloc(1, sizeof(*pg));
    pg->budget = budget_open(c, err, errlen);
    if (!pg->budget) {
        free(pg);
        return NULL;
    }
    pg->base = xstrdup(c->polygon_base_url);
    while (strlen(pg->base) > 0 && pg->base[strlen(pg->base) - 1] == '/')
        pg->base[strlen(pg->base) - 1] = '\0';
    pg->max_pages = c->ingest_max_pages;
    auth = xasprintf("Authorization: Bearer %s", c->market_data_api_key);
    {
        const char *headers[] = {auth, "Accept: application/json", NULL};
        const fetch_options o = {"polygon", headers, pg->budget, 0};

        pg->http = fetch_new(c, &o);
    }
    memset(auth, 0, strlen(auth));
    free(auth);
    p = xcalloc(1, sizeof(*p));
    p->name = "polygon";
    p->source = "polygon";
    p->bar_source = "polygon";
    p->fetch = polygon_fetch;
    p->release = polygon_release;
    p->impl = pg;
    return p;
}
