#include "adapters/fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/budget.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"

#define BACKOFF_FIRST_MS 250L

struct fetch_client {
    char *provider, *user_agent;
    struct curl_slist *headers;
    struct budget *budget;
    int per_min, max_retries, follow;
    long timeout_ms, retry_max_ms;
    size_t max_body;
    long requests;
    unsigned int seed;
    CURL *h;
};

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

fetch_client *fetch_new(const config *c, const fetch_options *o)
{
    fetch_client *f = xcalloc(1, sizeof(*f));

    pthread_once(&fetch_once, fetch_global_init);
    f->provider = xstrdup(o->provider);
    f->user_agent = xstrdup(c->ingest_user_agent);
    for (const char *const *p = o->headers; p && *p; p++)
        f->headers = curl_slist_append(f->headers, *p);
    f->budget = o->budget;
    f->follow = o->follow_redirects;
    f->per_min = c->ingest_requests_per_min;
    f->max_retries = c->ingest_max_retries;
    f->timeout_ms = (long)c->ingest_http_timeout_s * 1000;
    f->retry_max_ms = (long)c->ingest_retry_max_s * 1000;
    f->max_body = (size_t)c->ingest_max_response;
    f->seed = (unsigned int)time(NULL) ^ (unsigned int)(size_t)f;
    f->h = curl_easy_init();
    return f;
}

void fetch_free(fetch_client *f)
{
    if (!f)
        return;
    if (f->h)
        curl_easy_cleanup(f->h);
    curl_slist_free_all(f->headers);
    free(f->provider);
    free(f->user_agent);
    free(f);
}

long fetch_requests(const fetch_client *f)
{
    return f->requests;
}

void fetch_response_release(fetch_response *res)
{
    buf_release(&res->body);
}

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr",
                                          "May", "Jun", "Jul", "Aug",
                                          "Sep", "Oct", "Nov", "Dec"};

long fetch_retry_after_ms(const char *value, long long now_s)
{
    char wday[4], mon[4], tz[4];
    int d, y, hh, mm, ss;
    char *end;
    long secs;

    while (*value == ' ')
        value++;
    if (isdigit((unsigned char)*value)) {
        secs = strtol(value, &end, 10);
        while (*end == ' ' || *end == '\r' || *end == '\n')
            end++;
        if (*end || secs < 0 || secs > 86400L * 365)
            return -1;
        return secs * 1000;
    }
    /* IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT" */
    if (sscanf(value, "%3s, %d %3s %d %d:%d:%d %3s", wday, &d, mon, &y, &hh,
               &mm, &ss, tz) != 8 ||
        strcmp(tz, "GMT") != 0)
        return -1;
    for (int m = 0; m < 12; m++) {
        if (strcmp(mon, month_names[m]) == 0) {
            struct tm tm = {.tm_year = y - 1900,
                            .tm_mon = m,
                            .tm_mday = d,
                            .tm_hour = hh,
                            .tm_min = mm,
                            .tm_sec = ss};
            long long at = (long long)timegm(&tm);

            return at <= now_s ? 0 : (long)((at - now_s) * 1000);
        }
    }
    return -1;
}

typedef struct sink {
    buf *b;
    size_t max;
    int too_large;
} sink;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *k = userdata;
    size_t n = size * nmemb;

    if (k->b->len + n > k->max) {
        k->too_large = 1;
        return 0;
    }
    buf_add(k->b, ptr, n);
    return n;
}

typedef struct head_info {
    char retry_after[64];
    char content_type[128];
    char location[256];
} head_info;

static void header_value(const char *line, size_t n, const char *name,
                         char *out, size_t cap)
{
    size_t k = strlen(name), len;

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    line += k + 1;
    n -= k + 1;
    while (n > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    while (n > 0 &&
           (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
        n--;
    len = n < cap - 1 ? n : cap - 1;
    memcpy(out, line, len);
    out[len] = '\0';
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    head_info *hi = userdata;
    size_t n = size * nmemb;

    /* A new response (after a redirect or 100) starts with its status
     * line: forget the headers of the one before. */
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
        memset(hi, 0, sizeof(*hi));
    header_value(ptr, n, "Retry-After", hi->retry_after,
                 sizeof(hi->retry_after));
    header_value(ptr, n, "Content-Type", hi->content_type,
                 sizeof(hi->content_type));
    header_value(ptr, n, "Location", hi->location, sizeof(hi->location));
    return n;
}

/* Waits for one unit of budget. Returns 0, or -1 (err set) when Redis
 * failed or a stop signal came. */
static int take_budget(fetch_client *f, char *err, size_t errlen)
{
    long wait_ms = 0;
    int logged = 0, rc;

    if (!f->budget)
        return 0;
    while ((rc = budget_take(f->budget, f->provider, f->per_min, &wait_ms, err,
                             errlen)) == 1) {
        if (!logged)
            LOG_INFO("provider request budget spent, waiting",
                     LF_S("provider", f->provider), LF_I("wait_ms", wait_ms),
                     LF_I("per_min", f->per_min));
        logged = 1;
        worker_sleep_ms((int)wait_ms + 1);
        if (worker_stopping()) {
            snprintf(err, errlen, "stopping while waiting for the %s budget",
                     f->provider);
            return -1;
        }
    }
    return rc;
}

static long backoff_ms(fetch_client *f, int attempt)
{
    long ms = BACKOFF_FIRST_MS << (attempt < 16 ? attempt : 16);
    long jitter;

    if (ms > f->retry_max_ms)
        ms = f->retry_max_ms;
    jitter = (long)(rand_r(&f->seed) % (unsigned int)(ms / 4 + 1));
    return ms - ms / 8 + jitter / 2;
}

/* 1 when the failure cc of a request means the server could not be
 * reached at all (no name, no connection, no TLS session, or a timeout
 * before the connection was made), which holds for every request to
 * it; else it was reached and answered badly (cut, reset, timed out
 * after connecting), which may be this request's alone. */
static int unreachable(fetch_client *f, CURLcode cc)
{
    curl_off_t connected = 0;

    switch (cc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
        return 1;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t sent = 0;

        /* a kept-alive connection reused has no connect time, but the
         * request was about to go (pretransfer): it was reached */
        curl_easy_getinfo(f->h, CURLINFO_CONNECT_TIME_T, &connected);
        curl_easy_getinfo(f->h, CURLINFO_PRETRANSFER_TIME_T, &sent);
        return connected == 0 && sent == 0;
    }
    default:
        return 0;
    }
}

/* One request. Returns FETCH_OK with res filled, or an error kind with
 * err set and *wait_ms the delay the server asked for (-1: none). */
static int attempt(fetch_client *f, const char *url, fetch_response *res,
                   long *wait_ms, char *err, size_t errlen)
{
    sink k = {&res->body, f->max_body, 0};
    head_info hi;
    CURLcode cc;

    memset(&hi, 0, sizeof(hi));
    buf_reset(&res->body);
    *wait_ms = -1;
    curl_easy_reset(f->h);
    curl_easy_setopt(f->h, CURLOPT_URL, url);
    curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, f->timeout_ms);
    curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, f->headers);
    curl_easy_setopt(f->h, CURLOPT_USERAGENT, f->user_agent);
    curl_easy_setopt(f->h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(f->h, CURLOPT_FOLLOWLOCATION, (long)f->follow);
    curl_easy_setopt(f->h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(f->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(f->h, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(f->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(f->h, CURLOPT_HEADERDATA, &hi);
    f->requests++;
    res->attempts++;
    cc = curl_easy_perform(f->h);
    if (k.too_large) {
        snprintf(err, errlen,
                 "GET %s: answer larger than %zu bytes "
                 "(INGEST_MAX_RESPONSE)",
                 url, f->max_body);
        return FETCH_FAIL;
    }
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "GET %s: %s%s", url, curl_easy_strerror(cc),
                 cc == CURLE_PARTIAL_FILE ? " (truncated answer)" : "");
        return unreachable(f, cc) ? FETCH_RETRY : FETCH_BUSY;
    }
    curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &res->status);
    snprintf(res->content_type, sizeof(res->content_type), "%s",
             hi.content_type);
    if (res->status / 100 == 2)
        return FETCH_OK;
    if (hi.retry_after[0])
        *wait_ms = fetch_retry_after_ms(hi.retry_after, (long long)time(NULL));
    if (res->status / 100 == 3) {
        /* not followed: a provider's keys would go with it */
        snprintf(err, errlen,
                 "GET %s: HTTP %ld to %.200s: redirects are not followed; "
                 "give the provider's setting the address it moved to",
                 url, res->status, hi.location[0] ? hi.location : "(none)");
        return FETCH_FAIL;
    }
    snprintf(err, errlen, "GET %s: HTTP %ld%s%.160s", url, res->status,
             res->body.len ? ": " : "", res->body.data);
    /* a rate limit is the key's, for every request: the worker waits */
    if (res->status == 429)
        return FETCH_RETRY;
    if (res->status / 100 == 5)
        return FETCH_BUSY;
    return FETCH_FAIL;
}

int fetch_get(fetch_client *f, const char *url, fetch_response *res, char *err,
              size_t errlen)
{
    int rc = FETCH_RETRY;

    memset(res, 0, sizeof(*res));
    buf_init(&res->body);
    if (!f->h) {
        snprintf(err, errlen, "cannot start a libcurl handle");
        return FETCH_RETRY;
    }
    for (int i = 0; i <= f->max_retries; i++) {
        long wait_ms;

        if (take_budget(f, err, errlen) < 0)
            return FETCH_RETRY;
        rc = attempt(f, url, res, &wait_ms, err, errlen);
        if ((rc != FETCH_RETRY && rc != FETCH_BUSY) || i == f->max_retries)
            break;
        if (wait_ms < 0)
            wait_ms = backoff_ms(f, i);
        if (wait_ms > f->retry_max_ms)
            wait_ms = f->retry_max_ms;
        LOG_WARN("provider request failed, retrying",
                 LF_S("provider", f->provider), LF_S("error", err),
                 LF_I("attempt", i + 1), LF_I("wait_ms", wait_ms));
        worker_sleep_ms((int)wait_ms);
        if (worker_stopping())
            return FETCH_RETRY; /* stopped, not failed: left for later */
    }
    if (rc == FETCH_BUSY) {
        size_t n = strlen(err);

        snprintf(err + n, errlen > n ? errlen - n : 0,
                 " (answered so %d time%s; the job is tried again later)",
                 res->attempts, res->attempts == 1 ? "" : "s");
    }
    return rc;
}
