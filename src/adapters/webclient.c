#include "adapters/webclient.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define WEBCLIENT_DEFAULT_TIMEOUT_MS 10000
#define WEBCLIENT_DEFAULT_CONNECT_MS 3000
#define WEBCLIENT_DEFAULT_MAX_BODY (1u << 20)

static pthread_once_t webclient_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void webclient_init(void)
{
    pthread_once(&webclient_once, global_init);
}

typedef struct sink {
    buf *b;
    size_t max;
    int too_large;
} sink;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;

    if (s->b->len + n > s->max) {
        s->too_large = 1;
        return 0; /* aborts the transfer */
    }
    buf_add(s->b, ptr, n);
    return n;
}

int webclient_do(const webclient_request *req, webclient_response *res,
                 char *err, size_t errlen)
{
    CURL *h;
    struct curl_slist *hdrs = NULL;
    sink s;
    CURLcode cc;
    int rc = -1;

    webclient_init();
    memset(res, 0, sizeof(*res));
    buf_init(&res->body);
    s.b = &res->body;
    s.max = req->max_body ? req->max_body : WEBCLIENT_DEFAULT_MAX_BODY;
    s.too_large = 0;
    h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "cannot start a libcurl handle");
        return -1;
    }
    for (const char *const *p = req->headers; p && *p; p++)
        hdrs = curl_slist_append(hdrs, *p);
    /* No "Expect: 100-continue" round trip for small JSON bodies. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     req->timeout_ms ? req->timeout_ms
                                     : WEBCLIENT_DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms ? req->connect_timeout_ms
                                             : WEBCLIENT_DEFAULT_CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
    }
    cc = curl_easy_perform(h);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
        rc = 0;
    } else if (s.too_large) {
        snprintf(err, errlen, "%s %s: answer larger than %zu bytes",
                 req->method, req->url, s.max);
    } else {
        curl_off_t pre = 0;

        res->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
        curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
        res->sent = pre > 0;
        snprintf(err, errlen, "%s %s: %s", req->method, req->url,
                 curl_easy_strerror(cc));
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return rc;
}

void webclient_response_release(webclient_response *res)
{
    buf_release(&res->body);
}
