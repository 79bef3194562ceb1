/*
 * rss: the feeds of RSS_FEEDS (RSS 2.0, RSS 1.0, Atom; SEC EDGAR's
 * "latest filings" Atom feed among them) as a provider
 * (INGEST_PROVIDER=rss). Feeds are not filed by ticker: every item
 * published in the query's days is returned untagged, and the parser
 * finds the tickers it mentions. A worker fetches each feed at most once
 * per RSS_REFRESH_S and serves the jobs in between from that copy.
 *
 * SEC entries (a category term naming the form) whose form is listed
 * in SEC_FULL_TEXT_FORMS get the text of their filing: the entry links
 * to the filing's index page, the full submission is the ".txt" beside
 * it, and its main document's text becomes the body (adapters/sec.h).
 * Only a filing on the scheme, host and port of the feed that lists it
 * is fetched, without following redirects; another keeps its summary.
 * Filings are cached for the worker's life (at most RSS_FILING_CACHE).
 *
 * The provider id of an item is its link (distinct per company for SEC,
 * whose Atom id is shared by a filing's filer and issuer entries), else
 * its id, else its title.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/feed.h"
#include "adapters/fetch.h"
#include "adapters/provider.h"
#include "adapters/sec.h"
#include "adapters/tstamp.h"
#include "lib/budget.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define RSS_FILING_CACHE 512
#define RSS_MAX_BODY PROVIDER_BODY_MAX /* cut silently, once cached */

typedef struct rss_feed {
    char *url;
    double fetched_at; /* monotonic seconds; 0: never */
    buf raw;
    feed parsed;
} rss_feed;

typedef struct rss_filing {
    char *url;
    char *text;
    char form[32];
} rss_filing;

typedef struct rss {
    rss_feed *feeds;
    size_t nfeeds;
    char **forms;
    size_t nforms;
    rss_filing *filings;
    size_t nfilings;
    int refresh_s;
    size_t max_response;
    budget *budget;
    fetch_client *http;
    fetch_client *filing_http; /* follows no redirect */
} rss;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The charset of a Content-Type ("text/xml; charset=ISO-8859-1"). */
static void charset_of(const char *ctype, char *out, size_t cap)
{
    const char *p = strstr(ctype, "charset=");
    size_t n = 0;

    out[0] = '\0';
    if (!p)
        return;
    p += 8;
    if (*p == '"')
        p++;
    while (p[n] && p[n] != ';' && p[n] != '"' && p[n] != ' ' && n < cap - 1)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

static int refresh(rss *r, rss_feed *f, char *err, size_t errlen)
{
    fetch_response res;
    feed parsed;
    char charset[48];
    int rc;

    if (f->fetched_at > 0 && now_s() - f->fetched_at < r->refresh_s)
        return PROVIDER_OK;
    rc = fetch_get(r->http, f->url, &res, err, errlen);
    if (rc != FETCH_OK) {
        /* a feed serves every ticker's job: busy, it holds them all */
        fetch_response_release(&res);
        return rc == FETCH_FAIL ? PROVIDER_FAIL : PROVIDER_RETRY;
    }
    /* The document's own declaration wins; an HTTP charset is used only
     * for a document that declares none. */
    charset_of(res.content_type, charset, sizeof(charset));
    if (strncmp(res.body.data, "<?xml", 5) == 0 &&
        strstr(res.body.data, "encoding=") &&
        strstr(res.body.data, "encoding=") < strstr(res.body.data, "?>"))
        charset[0] = '\0';
    if (feed_parse(res.body.data, res.body.len, charset[0] ? charset : NULL,
                   r->max_response, &parsed, err, errlen) < 0) {
        fetch_response_release(&res);
        return PROVIDER_FAIL;
    }
    feed_release(&f->parsed);
    f->parsed = parsed;
    buf_reset(&f->raw);
    buf_add(&f->raw, res.body.data, res.body.len);
    f->fetched_at = now_s();
    fetch_response_release(&res);
    LOG_INFO("feed fetched", LF_S("url", f->url),
             LF_I("items", f->parsed.nitems));
    return PROVIDER_OK;
}

static int wants_text(const rss *r, const char *form)
{
    for (size_t i = 0; i < r->nforms; i++)
        if (strcmp(r->forms[i], form) == 0)
            return 1;
    return 0;
}

/* The text of the filing an SEC entry of the feed at feed_url links
 * to, cached. Returns PROVIDER_OK with *text set (owned by the cache;
 * NULL when the link is no filing index, or is on another scheme, host
 * or port than the feed: a feed must not make us fetch other servers)
 * or an error. */
static int filing_text(rss *r, const char *feed_url, const feed_item *it,
                       provider_result *out, const char **text, char *err,
                       size_t errlen)
{
    char *url = sec_submission_url(it->link);
    fetch_response res;
    sec_filing f;
    rss_filing *slot;
    int rc;

    *text = NULL;
    if (!url)
        return PROVIDER_OK;
    if (!provider_same_origin(url, feed_url)) {
        LOG_WARN("filing text not fetched: the entry links to another "
                 "scheme, host or port than its feed; the entry keeps its "
                 "summary",
                 LF_S("link", it->link), LF_S("feed", feed_url));
        free(url);
        return PROVIDER_OK;
    }
    for (size_t i = 0; i < r->nfilings; i++) {
        if (strcmp(r->filings[i].url, url) == 0) {
            *text = r->filings[i].text;
            free(url);
            return PROVIDER_OK;
        }
    }
    rc = fetch_get(r->filing_http, url, &res, err, errlen);
    if (rc != FETCH_OK) {
        /* busy (one filing still 503 after the retries) is a filing
         * not read, whose entry keeps its summary: it must not hold
         * back every job of the day */
        fetch_response_release(&res);
        free(url);
        return rc == FETCH_RETRY ? PROVIDER_RETRY : PROVIDER_FAIL;
    }
    buf_add(&out->raw, res.body.data, res.body.len);
    buf_addc(&out->raw, '\n');
    if (sec_filing_parse(res.body.data, res.body.len, r->max_response, &f, err,
                         errlen) < 0) {
        fetch_response_release(&res);
        free(url);
        return PROVIDER_FAIL;
    }
    fetch_response_release(&res);
    if (r->nfilings == RSS_FILING_CACHE) {
        free(r->filings[0].url);
        free(r->filings[0].text);
        memmove(r->filings, r->filings + 1,
                (RSS_FILING_CACHE - 1) * sizeof(*r->filings));
        r->nfilings--;
    }
    slot = &r->filings[r->nfilings++];
    slot->url = url;
    if (f.text_len > RSS_MAX_BODY) {
        /* Cut on a UTF-8 boundary. */
        size_t n = RSS_MAX_BODY;

        while (n > 0 && ((unsigned char)f.text[n] & 0xC0) == 0x80)
            n--;
        f.text[n] = '\0';
    }
    slot->text = f.text;
    snprintf(slot->form, sizeof(slot->form), "%s", f.form_type);
    *text = slot->text;
    return PROVIDER_OK;
}

static int add_items(rss *r, rss_feed *f, const provider_query *q,
                     provider_result *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < f->parsed.nitems; i++) {
        const feed_item *it = &f->parsed.items[i];
        const char *body = it->summary, *pid;
        int32_t day;
        provider_news *n;

        if (it->published < 0 || !it->title[0])
            continue;
        day = tstamp_news_day(it->published);
        pid = it->link[0] ? it->link : it->id[0] ? it->id : it->title;
        if (day < q->from || day > q->to || !provider_id_ok(pid))
            continue;
        if (it->category[0] && wants_text(r, it->category)) {
            const char *text;
            int rc = filing_text(r, f->url, it, out, &text, err, errlen);

            if (rc == PROVIDER_RETRY)
                return rc;
            if (rc == PROVIDER_FAIL)
                LOG_WARN("filing text not read; the entry keeps its summary",
                         LF_S("link", it->link), LF_S("error", err));
            else if (text)
                body = text;
        }
        n = provider_add_news(out, pid, it->title, strlen(it->title), body,
                              strlen(body),
                              it->category[0] ? it->category : "rss");
        n->published = it->published;
        n->day = day;
        n->tagged = 0;
    }
    return PROVIDER_OK;
}

static int rss_fetch(provider *p, const provider_query *q, provider_result *out,
                     char *err, size_t errlen)
{
    rss *r = p->impl;

    for (size_t i = 0; i < r->nfeeds; i++) {
        rss_feed *f = &r->feeds[i];
        int rc = refresh(r, f, err, errlen);

        if (rc == PROVIDER_RETRY)
            return rc;
        if (rc == PROVIDER_FAIL) {
            LOG_ERROR("feed skipped", LF_S("url", f->url), LF_S("error", err));
            if (f->fetched_at == 0)
                continue;
        }
        buf_add(&out->raw, f->raw.data, f->raw.len);
        buf_addc(&out->raw, '\n');
        rc = add_items(r, f, q, out, err, errlen);
        if (rc != PROVIDER_OK)
            return rc;
    }
    return PROVIDER_OK;
}

static void rss_release(provider *p)
{
    rss *r = p->impl;

    for (size_t i = 0; i < r->nfeeds; i++) {
        free(r->feeds[i].url);
        buf_release(&r->feeds[i].raw);
        feed_release(&r->feeds[i].parsed);
    }
    for (size_t i = 0; i < r->nforms; i++)
        free(r->forms[i]);
    for (size_t i = 0; i < r->nfilings; i++) {
        free(r->filings[i].url);
        free(r->filings[i].text);
    }
    free(r->feeds);
    free(r->forms);
    free(r->filings);
    fetch_free(r->http);
    fetch_free(r->filing_http);
    budget_free(r->budget);
    free(r);
}

/* Splits a comma-separated list into trimmed, non-empty strings. */
static char **split_list(const char *s, size_t *n)
{
    char *copy = xstrdup(s), *save = NULL, **out = NULL;
    size_t cap = 0;

    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        size_t len;

        while (*t == ' ')
            t++;
        len = strlen(t);
        while (len > 0 && t[len - 1] == ' ')
            t[--len] = '\0';
        if (!len)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            out = xreallocarray(out, cap, sizeof(*out));
        }
        out[(*n)++] = xstrdup(t);
    }
    free(copy);
    return out;
}

int provider_rss_check(const config *c, char *err, size_t errlen)
{
    size_t nurls;
    char **urls = split_list(c->rss_feeds, &nurls);

    for (size_t i = 0; i < nurls; i++)
        free(urls[i]);
    free(urls);
    if (nurls == 0) {
        snprintf(err, errlen,
                 "INGEST_PROVIDER=rss needs RSS_FEEDS (a "
                 "comma-separated list of feed URLs)");
        return -1;
    }
    return 0;
}

provider *provider_rss_open(const config *c, char *err, size_t errlen)
{
    char **urls;
    size_t nurls;
    provider *p;
    rss *r;

    if (provider_rss_check(c, err, errlen) < 0)
        return NULL;
    urls = split_list(c->rss_feeds, &nurls);
    r = xcalloc(1, sizeof(*r));
    r->budget = budget_open(c, err, errlen);
    if (!r->budget) {
        for (size_t i = 0; i < nurls; i++)
            free(urls[i]);
        free(urls);
        free(r);
        return NULL;
    }
    r->feeds = xcalloc(nurls, sizeof(*r->feeds));
    r->nfeeds = nurls;
    for (size_t i = 0; i < nurls; i++) {
        r->feeds[i].url = urls[i];
        buf_init(&r->feeds[i].raw);
    }
    free(urls);
    r->forms = split_list(c->sec_full_text_forms, &r->nforms);
    r->filings = xcalloc(RSS_FILING_CACHE, sizeof(*r->filings));
    r->refresh_s = c->rss_refresh_s;
    r->max_response = (size_t)c->ingest_max_response;
    {
        const char *headers[] = {
            "Accept: application/rss+xml, application/atom+xml, "
            "application/xml, text/xml, text/html;q=0.5",
            NULL};
        const fetch_options o = {"rss", headers, r->budget, 1};
        const fetch_options filings = {"rss", headers, r->budget, 0};

        r->http = fetch_new(c, &o);
        r->filing_http = fetch_new(c, &filings);
    }
    p = xcalloc(1, sizeof(*p));
    p->name = "rss";
    p->source = "rss";
    p->bar_source = "rss";
    p->fetch = rss_fetch;
    p->release = rss_release;
    p->impl = r;
    return p;
}
