#include "lib/s3.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sha256.h"
#include "lib/sigv4.h"
#include "lib/xalloc.h"

#define S3_DEFAULT_TIMEOUT_MS 30000L

struct s3_client {
    char *endpoint, *region, *bucket, *access_key, *secret_key;
    char *scheme, *hostport; /* endpoint split at "://" */
    int path_style;
    long timeout_ms;
    CURL *h;
    buf sent; /* request headers of the last request */
};

static pthread_once_t s3_once = PTHREAD_ONCE_INIT;

static void s3_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int s3_options_check(const s3_options *o, char *err, size_t errlen)
{
    const char *sep;

    if (!o->endpoint || !o->endpoint[0] || !o->bucket || !o->bucket[0] ||
        !o->region || !o->region[0]) {
        snprintf(err, errlen,
                 "OBJECT_STORE=s3 needs S3_ENDPOINT, S3_REGION and S3_BUCKET");
        return -1;
    }
    if (!o->access_key || !o->access_key[0] || !o->secret_key ||
        !o->secret_key[0]) {
        snprintf(err, errlen,
                 "OBJECT_STORE=s3 needs MINIO_ACCESS_KEY and "
                 "MINIO_SECRET_KEY");
        return -1;
    }
    sep = strstr(o->endpoint, "://");
    if (!sep || (strncmp(o->endpoint, "http://", 7) != 0 &&
                 strncmp(o->endpoint, "https://", 8) != 0)) {
        snprintf(err, errlen,
                 "S3_ENDPOINT must start with http:// or "
                 "https://, got '%.80s'",
                 o->endpoint);
        return -1;
    }
    return 0;
}

s3_client *s3_new(const s3_options *o, char *err, size_t errlen)
{
    const char *sep;
    s3_client *s;

    if (s3_options_check(o, err, errlen) < 0)
        return NULL;
    sep = strstr(o->endpoint, "://");
    pthread_once(&s3_once, s3_global_init);
    s = xcalloc(1, sizeof(*s));
    s->endpoint = xstrdup(o->endpoint);
    while (strlen(s->endpoint) > 8 &&
           s->endpoint[strlen(s->endpoint) - 1] == '/')
        s->endpoint[strlen(s->endpoint) - 1] = '\0';
    s->scheme = xstrndup(s->endpoint, (size_t)(sep - o->endpoint));
    s->hostport = xstrdup(s->endpoint + (sep - o->endpoint) + 3);
    s->region = xstrdup(o->region);
    s->bucket = xstrdup(o->bucket);
    s->access_key = xstrdup(o->access_key);
    s->secret_key = xstrdup(o->secret_key);
    s->path_style = o->path_style;
    s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : S3_DEFAULT_TIMEOUT_MS;
    buf_init(&s->sent);
    s->h = curl_easy_init();
    if (!s->h) {
        snprintf(err, errlen, "cannot start a libcurl handle");
        s3_free(s);
        return NULL;
    }
    return s;
}

void s3_free(s3_client *s)
{
    if (!s)
        return;
    if (s->h)
        curl_easy_cleanup(s->h);
    if (s->secret_key)
        memset(s->secret_key, 0, strlen(s->secret_key));
    free(s->endpoint);
    free(s->scheme);
    free(s->hostport);
    free(s->region);
    free(s->bucket);
    free(s->access_key);
    free(s->secret_key);
    buf_release(&s->sent);
    free(s);
}

const char *s3_last_request_headers(const s3_client *s)
{
    return s->sent.data;
}

/* The URL of key (NULL: the bucket itself). */
static char *object_url(const s3_client *s, const char *key)
{
    buf u;

    buf_init(&u);
    if (s->path_style)
        buf_addf(&u, "%s/%s", s->endpoint, s->bucket);
    else
        buf_addf(&u, "%s://%s.%s", s->scheme, s->bucket, s->hostport);
    buf_addc(&u, '/');
    if (key)
        sigv4_uri_encode(&u, key, strlen(key), 1);
    return buf_detach(&u, NULL);
}

typedef struct sink {
    buf *b;
    size_t max;
    int too_large;
    int keep_head; /* past max, drop the rest instead of failing: the
                    * answer to a PUT or DELETE, read for its error */
} sink;

/* The answer to a request that sends or removes an object: its first
 * 4 KiB (an error's text), whatever its length. */
#define ANSWER_KEPT 4096

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *k = userdata;
    size_t n = size * nmemb;

    if (!k->b)
        return n;
    if (k->b->len + n > k->max) {
        if (k->keep_head) {
            buf_add(k->b, ptr, k->max - k->b->len);
            return n;
        }
        k->too_large = 1;
        return 0;
    }
    buf_add(k->b, ptr, n);
    return n;
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
                    void *userdata)
{
    s3_client *s = userdata;

    (void)h;
    if (type == CURLINFO_HEADER_OUT)
        buf_add(&s->sent, data, size);
    return 0;
}

static long content_length_header(buf *hdrs)
{
    const char *p = hdrs->data;

    while (p && *p) {
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            return strtol(p + 15, NULL, 10);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buf_add(userdata, ptr, size * nmemb);
    return size * nmemb;
}

/* One signed request. Returns the HTTP status, or -1 with err set. */
static long request(s3_client *s, const char *method, const char *key,
                    const void *body, size_t len, sink *k, buf *resp_headers,
                    char *err, size_t errlen)
{
    struct curl_slist *hdrs = NULL;
    char hash[65], *url, *line, sigv4[160];
    CURLcode cc;
    long status = -1;

    sha256_hex(body ? body : "", body ? len : 0, hash);
    url = object_url(s, key);
    line = xasprintf("x-amz-content-sha256: %s", hash);
    /* No "Expect:" override here: curl 7.88 signs a header blanked that
     * way although it never sends it, and S3 then refuses the signature
     * (test_s3 checks the signed headers against those sent). */
    hdrs = curl_slist_append(hdrs, line);
    if (body)
        hdrs =
            curl_slist_append(hdrs, "Content-Type: application/octet-stream");
    snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", s->region);

    curl_easy_reset(s->h);
    buf_reset(&s->sent);
    curl_easy_setopt(s->h, CURLOPT_URL, url);
    curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(s->h, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(s->h, CURLOPT_USERNAME, s->access_key);
    curl_easy_setopt(s->h, CURLOPT_PASSWORD, s->secret_key);
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, k);
    curl_easy_setopt(s->h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(s->h, CURLOPT_DEBUGDATA, s);
    curl_easy_setopt(s->h, CURLOPT_VERBOSE, 1L);
    if (resp_headers) {
        curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(s->h, CURLOPT_HEADERDATA, resp_headers);
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(s->h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, method);
        if (body) {
            curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)len);
        }
    }
    cc = curl_easy_perform(s->h);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
    } else if (k && k->too_large) {
        snprintf(err, errlen, "S3 object %.80s is larger than %zu bytes",
                 key ? key : "", k->max);
    } else {
        snprintf(err, errlen, "S3 %s %s/%s: %s", method, s->endpoint, s->bucket,
                 curl_easy_strerror(cc));
    }
    curl_slist_free_all(hdrs);
    free(line);
    free(url);
    return status;
}

static int status_error(const char *method, const char *key, long status,
                        const buf *body, char *err, size_t errlen)
{
    snprintf(err, errlen, "S3 %s %.80s: HTTP %ld%s%s%.200s", method,
             key ? key : "(bucket)", status,
             status == 403 ? " (access denied: check MINIO_ACCESS_KEY and "
                             "MINIO_SECRET_KEY)"
                           : "",
             body && body->len ? ": " : "",
             body && body->len ? body->data : "");
    return S3_ERROR;
}

int s3_put(s3_client *s, const char *key, const void *data, size_t len,
           char *err, size_t errlen)
{
    buf body;
    sink k;
    long st;
    int rc;

    buf_init(&body);
    k = (sink){&body, ANSWER_KEPT, 0, 1};
    st = request(s, "PUT", key, data ? data : "", len, &k, NULL, err, errlen);
    if (st < 0)
        rc = S3_ERROR;
    else if (st / 100 == 2)
        rc = S3_OK;
    else
        rc = status_error("PUT", key, st, &body, err, errlen);
    buf_release(&body);
    return rc;
}

int s3_get(s3_client *s, const char *key, size_t max, buf *out, char *err,
           size_t errlen)
{
    sink k = {out, max, 0, 0};
    long st;

    buf_reset(out);
    st = request(s, "GET", key, NULL, 0, &k, NULL, err, errlen);
    if (st < 0)
        return S3_ERROR;
    if (st == 404)
        return S3_MISSING;
    if (st != 200)
        return status_error("GET", key, st, out, err, errlen);
    return S3_OK;
}

int s3_head(s3_client *s, const char *key, long long *size, char *err,
            size_t errlen)
{
    buf hdrs;
    long st;

    buf_init(&hdrs);
    st = request(s, "HEAD", key, NULL, 0, NULL, &hdrs, err, errlen);
    if (st == 200 && size)
        *size = content_length_header(&hdrs);
    buf_release(&hdrs);
    if (st < 0)
        return S3_ERROR;
    if (st == 404)
        return S3_MISSING;
    if (st != 200)
        return status_error("HEAD", key, st, NULL, err, errlen);
    return S3_OK;
}

int s3_delete(s3_client *s, const char *key, char *err, size_t errlen)
{
    buf body;
    sink k;
    long st;
    int rc;

    buf_init(&body);
    k = (sink){&body, ANSWER_KEPT, 0, 1};
    st = request(s, "DELETE", key, NULL, 0, &k, NULL, err, errlen);
    if (st < 0)
        rc = S3_ERROR;
    else if (st == 404)
        rc = S3_MISSING;
    else if (st / 100 == 2)
        rc = S3_OK;
    else
        rc = status_error("DELETE", key, st, &body, err, errlen);
    buf_release(&body);
    return rc;
}

int s3_ensure_bucket(s3_client *s, char *err, size_t errlen)
{
    buf body;
    sink k;
    long st;
    int rc = S3_OK;

    st = request(s, "HEAD", NULL, NULL, 0, NULL, NULL, err, errlen);
    if (st < 0)
        return S3_ERROR;
    if (st == 200)
        return S3_OK;
    if (st != 404)
        return status_error("HEAD", NULL, st, NULL, err, errlen);
    buf_init(&body);
    k = (sink){&body, ANSWER_KEPT, 0, 1};
    st = request(s, "PUT", NULL, "", 0, &k, NULL, err, errlen);
    if (st < 0)
        rc = S3_ERROR;
    else if (st / 100 != 2 && !strstr(body.data, "BucketAlreadyOwnedByYou"))
        rc = status_error("PUT", NULL, st, &body, err, errlen);
    buf_release(&body);
    return rc;
}
