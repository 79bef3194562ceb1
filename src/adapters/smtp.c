#include "adapters/smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/webclient.h"
#include "lib/buf.h"
#include "lib/url.h"

#define SMTP_DEFAULT_TIMEOUT_MS 15000

/* Appends s with CR and LF removed (header values stay one line). */
static void add_header_value(buf *b, const char *s)
{
    for (; *s; s++)
        if (*s != '\r' && *s != '\n')
            buf_addc(b, *s);
}

char *smtp_format(const smtp_message *m, const char *date)
{
    buf b;

    buf_init(&b);
    buf_addf(&b, "Date: %s\r\n", date);
    buf_adds(&b, "From: ");
    add_header_value(&b, m->from);
    buf_adds(&b, "\r\nTo: ");
    add_header_value(&b, m->to);
    buf_adds(&b, "\r\nSubject: ");
    add_header_value(&b, m->subject);
    buf_adds(&b, "\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = m->body; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            buf_addc(&b, '\r');
        buf_addc(&b, *p);
    }
    if (b.len < 2 || b.data[b.len - 1] != '\n')
        buf_adds(&b, "\r\n");
    return buf_detach(&b, NULL);
}

typedef struct reader {
    const char *data;
    size_t len, off;
} reader;

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    reader *r = userdata;
    size_t n = size * nmemb;

    if (n > r->len - r->off)
        n = r->len - r->off;
    memcpy(ptr, r->data + r->off, n);
    r->off += n;
    return n;
}

/* 1 when the URL's host is 127.x.y.z, [::1] or localhost. */
static int loopback(const char *url)
{
    url_parts u;

    return url_split(url, &u) == 0 && url_is_loopback(&u);
}

static void rfc5322_now(char out[64])
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

int smtp_send(const smtp_options *o, const smtp_message *m, char *err,
              size_t errlen)
{
    CURL *h;
    struct curl_slist *rcpt = NULL;
    char date[64], from[320];
    reader r;
    CURLcode cc;
    char *text;

    webclient_init();
    rfc5322_now(date);
    text = smtp_format(m, date);
    r.data = text;
    r.len = strlen(text);
    r.off = 0;
    h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "cannot start a libcurl handle");
        free(text);
        return -1;
    }
    snprintf(from, sizeof(from), "<%s>", m->from);
    rcpt = curl_slist_append(rcpt, m->to);
    curl_easy_setopt(h, CURLOPT_URL, o->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     loopback(o->url) ? (long)CURLUSESSL_TRY
                                      : (long)CURLUSESSL_ALL);
    if (o->username && o->username[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, o->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &r);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     o->timeout_ms ? o->timeout_ms : SMTP_DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK)
        snprintf(err, errlen, "SMTP %s: %s", o->url, curl_easy_strerror(cc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    free(text);
    return cc == CURLE_OK ? 0 : -1;
}
