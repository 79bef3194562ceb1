/*
 * http: the server behind http.h, on libmicrohttpd with an epoll thread
 * pool.
 *
 * Each request owns one http_conn, made by the URI callback (the only
 * place MHD shows the raw query string) and freed by the completion
 * callback. The access handler is called at least twice per request:
 * first with the headers, then once per piece of body, then a last time
 * with nothing left to upload; the service handler runs on that last
 * call only, with the whole body in hand. A body over max_body is never
 * stored: when its Content-Length says so up front and the client waits
 * for "100 Continue" (or the body is very large), the 413 goes out at
 * once and MHD closes the connection; otherwise the rest of the body is
 * read and dropped so that the 413 reaches a client that sent it all
 * (closing a socket with unread data would reset the connection and
 * lose the answer). The bodies a server holds at once are bounded too
 * (body_pool): a piece that would go past it turns its request into a
 * 503 "busy", read and dropped the same way, so that many slow bodies
 * of just under max_body cannot fill the memory.
 *
 * MHD's own timeout counts idle time only, so a client that sends a
 * byte a second would hold its connection for ever. Each connection
 * therefore has an http_sock with a deadline: set when it opens and
 * after each answer, cleared once a request is in hand. A reaper thread
 * shuts down (shutdown(2), not close: MHD owns the descriptor) the
 * sockets past their deadline, and MHD then closes them as it does any
 * connection the client dropped. The list is changed and walked under
 * one lock, and MHD reports a connection closed before it closes its
 * descriptor, so the reaper never touches a descriptor reused since.
 */
#include "lib/http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/hex.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define HTTP_DEFAULT_THREADS 2
#define HTTP_DEFAULT_MAX_BODY (1u << 20)
#define HTTP_DEFAULT_TIMEOUT_S 10
#define HTTP_DEFAULT_REQUEST_TIMEOUT_S 30
#define HTTP_REAP_INTERVAL_MS 250
#define HTTP_REQUEST_ID_MAX 64
/* A too-large body is read and dropped up to this many times max_body;
 * past that the connection is closed. */
#define HTTP_DISCARD_FACTOR 8

/* Connections one server holds at most, and the descriptors left to
 * the rest of the process (database pool, Redis, outgoing requests,
 * logs). libmicrohttpd's own limit is FD_SETSIZE - 4 (1020) whatever
 * the poller, and a server at its limit stops accepting: 1020 idle
 * sockets of one client, held until their timeout, kept every other
 * client waiting. Each connection may fill a 32 KiB pool of request
 * headers, so 4096 of them stay within 128 MiB, half of an API pod's
 * memory limit (infra/helm values); their bodies are held within
 * HTTP_DEFAULT_BODY_POOL together (a body of max_body each would be
 * 4 GiB). */
#define HTTP_MAX_CONNECTIONS 4096u
#define HTTP_FD_RESERVE 512u
#define HTTP_MHD_CONNECTIONS 1020u
#define HTTP_DEFAULT_BODY_POOL ((size_t)64 << 20)

/* One open connection (MHD's socket context). */
typedef struct http_sock {
    struct http_sock *prev, *next;
    int fd;
    double deadline; /* monotonic seconds; 0: a request is in hand */
} http_sock;

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler handler;
    void *ctx;
    size_t max_body;
    size_t body_pool; /* bytes of request bodies held at once, at most */
    atomic_size_t body_held; /* bytes of request bodies held now */
    int port;
    double request_timeout; /* seconds */
    pthread_mutex_t lock; /* socks, stopping */
    pthread_cond_t wake;
    http_sock *socks;
    int stopping;
    int reaping; /* the reaper thread runs */
    pthread_t reaper;
};

typedef struct http_conn {
    char *query; /* raw query string, "" when none */
    const char *refusal; /* why the request is refused before reading */
    buf body;
    size_t dropped; /* bytes of a too-large body read and dropped */
    size_t held; /* bytes of body counted in the server's body_held */
    int too_large;
    int busy; /* the server's body_pool was full: answered 503 */
    int started; /* the header call happened */
} http_conn;

static atomic_ullong http_next_id;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sets the deadline of c's socket: now plus the request timeout when
 * armed, none otherwise. */
static void set_deadline(http_server *s, struct MHD_Connection *c, int armed)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    http_sock *hs = info ? info->socket_context : NULL;

    if (!hs)
        return;
    pthread_mutex_lock(&s->lock);
    hs->deadline = armed ? now_s() + s->request_timeout : 0;
    pthread_mutex_unlock(&s->lock);
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    http_server *s = cls;
    http_sock *hs = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

        hs = xcalloc(1, sizeof(*hs));
        hs->fd = info ? info->connect_fd : -1;
        pthread_mutex_lock(&s->lock);
        hs->deadline = now_s() + s->request_timeout;
        hs->next = s->socks;
        if (s->socks)
            s->socks->prev = hs;
        s->socks = hs;
        pthread_mutex_unlock(&s->lock);
        *socket_context = hs;
        return;
    }
    if (!hs)
        return;
    pthread_mutex_lock(&s->lock);
    if (hs->prev)
        hs->prev->next = hs->next;
    else
        s->socks = hs->next;
    if (hs->next)
        hs->next->prev = hs->prev;
    pthread_mutex_unlock(&s->lock);
    free(hs);
    *socket_context = NULL;
}

/* Closes the connections whose request did not arrive in time. */
static void *reap(void *arg)
{
    http_server *s = arg;

    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec until;
        double now = now_s();
        int late = 0;

        for (http_sock *hs = s->socks; hs; hs = hs->next) {
            if (hs->deadline == 0 || now < hs->deadline || hs->fd < 0)
                continue;
            hs->deadline = 0;
            shutdown(hs->fd, SHUT_RDWR);
            late++;
        }
        if (late) {
            pthread_mutex_unlock(&s->lock);
            LOG_INFO("http: closed connections whose request did not arrive "
                     "in time",
                     LF_I("connections", late),
                     LF_D("timeout_s", s->request_timeout));
            pthread_mutex_lock(&s->lock);
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += HTTP_REAP_INTERVAL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!s->stopping)
            pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* An encoded NUL in s[0..n) would end the decoded path early
 * ("/symbols/AAPL%00x" would act on AAPL); in the query, where
 * form_decode keeps it as text, it is a control character the
 * parameters' checks would not see. */
static int has_nul(const char *s, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0')
            return 1;
    return 0;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    http_conn *hc = xcalloc(1, sizeof(*hc));
    const char *q = strchr(uri, '?');

    (void)cls;
    (void)c;
    hc->query = xstrdup(q ? q + 1 : "");
    if (has_nul(uri, strcspn(uri, "?")))
        hc->refusal = "the path contains an encoded NUL byte (%00)";
    else if (has_nul(hc->query, strlen(hc->query)))
        hc->refusal = "the query string contains an encoded NUL byte (%00)";
    buf_init(&hc->body);
    return hc;
}

/* Counts n more bytes of hc's body in s's body_held. Returns 0, or -1
 * when that would go past s's body_pool (nothing counted). */
static int body_take(http_server *s, http_conn *hc, size_t n)
{
    size_t held = atomic_load(&s->body_held);

    do {
        if (n > s->body_pool || held > s->body_pool - n)
            return -1;
    } while (!atomic_compare_exchange_weak(&s->body_held, &held, held + n));
    hc->held += n;
    return 0;
}

/* Gives back what hc's body counted in s's body_held. */
static void body_give_back(http_server *s, http_conn *hc)
{
    atomic_fetch_sub(&s->body_held, hc->held);
    hc->held = 0;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_conn *hc = *con_cls;

    (void)toe;
    set_deadline(cls, c, 1);
    if (!hc)
        return;
    body_give_back(cls, hc);
    free(hc->query);
    buf_release(&hc->body);
    free(hc);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    LOG_WARN("http server", LF_S("detail", msg));
}

/* A client's X-Request-Id is kept when it is short and made of safe
 * characters; anything else is replaced by one of ours. */
static int request_id_ok(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++) {
        char ch = s[n];

        if (n >= HTTP_REQUEST_ID_MAX)
            return 0;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
              ch == ':'))
            return 0;
    }
    return n > 0;
}

static void make_request_id(char out[HTTP_REQUEST_ID_MAX + 1])
{
    unsigned long long n = atomic_fetch_add(&http_next_id, 1);

    snprintf(out, HTTP_REQUEST_ID_MAX + 1, "%016llx", n);
}

static void add_header(struct MHD_Response *r, const char *name,
                       const char *value)
{
    if (MHD_add_response_header(r, name, value) == MHD_NO)
        LOG_WARN("http: response header refused", LF_S("name", name));
}

/* Sends res (consuming its body) with the request id. */
static enum MHD_Result send_response(struct MHD_Connection *c,
                                     http_response *res, const char *rid)
{
    size_t len;
    char *data = buf_detach(&res->body, &len);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    if (!r) {
        free(data);
        return MHD_NO;
    }
    add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
               res->content_type ? res->content_type : "application/json");
    add_header(r, "X-Request-Id", rid);
    for (int i = 0; i < res->nheaders; i++)
        add_header(r, res->headers[i][0], res->headers[i][1]);
    ret = MHD_queue_response(c, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void response_init(http_response *res)
{
    memset(res, 0, sizeof(*res));
    res->status = 200;
    buf_init(&res->body);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status,
                                  const char *code, const char *message,
                                  const char *rid)
{
    http_response res;
    enum MHD_Result ret;

    response_init(&res);
    http_error(&res, status, code, message);
    ret = send_response(c, &res, rid);
    buf_release(&res.body);
    return ret;
}

static enum MHD_Result send_too_large(struct MHD_Connection *c,
                                      const http_server *s, const char *rid)
{
    char msg[128];

    snprintf(msg, sizeof(msg),
             "request body is larger than %zu bytes (HTTP_MAX_BODY)",
             s->max_body);
    return send_error(c, 413, "payload_too_large", msg, rid);
}

static enum MHD_Result send_busy(struct MHD_Connection *c, const char *rid)
{
    http_response res;
    enum MHD_Result ret;

    response_init(&res);
    http_error(&res, 503, "busy",
               "the server holds too many request bodies at once; retry "
               "in a moment");
    http_set_header(&res, "Retry-After", "1");
    ret = send_response(c, &res, rid);
    buf_release(&res.body);
    return ret;
}

typedef struct header_scan {
    int content_length; /* Content-Length headers seen */
    int transfer_encoding;
    int authorization; /* Authorization headers seen */
    int control; /* a control character in a name or value */
} header_scan;

static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return 1;
    return 0;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    header_scan *hs = cls;

    (void)kind;
    if (strcasecmp(key, "Content-Length") == 0)
        hs->content_length++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        hs->transfer_encoding++;
    else if (strcasecmp(key, "Authorization") == 0)
        hs->authorization++;
    if (has_control(key) || has_control(value))
        hs->control = 1;
    return MHD_YES;
}

/* Framing that two parsers could read differently (the way requests
 * are smuggled past a proxy), two credentials of which the handler
 * would read the first and a proxy perhaps the last, and header values
 * a handler might pass on into another request, are refused. Returns
 * why, or NULL. */
static const char *header_refusal(struct MHD_Connection *c)
{
    header_scan hs = {0, 0, 0, 0};

    MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &hs);
    if (hs.content_length > 1)
        return "the request has more than one Content-Length header";
    if (hs.content_length && hs.transfer_encoding)
        return "the request has both Content-Length and Transfer-Encoding "
               "headers; send one of them";
    if (hs.authorization > 1)
        return "the request has more than one Authorization header; send "
               "one";
    if (hs.control)
        return "a request header contains a control character (CR, LF, NUL "
               "or another byte below 0x20)";
    return NULL;
}

static const char *request_id_of(struct MHD_Connection *c, char *own)
{
    const char *rid =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");

    if (rid && request_id_ok(rid))
        return rid;
    make_request_id(own);
    return own;
}

/* Decodes the form-encoded text s[0..n) ('+' is a space, %XX a byte)
 * into out. Returns the decoded length, or -1 when it does not fit in
 * cap bytes with the NUL. A '%' not followed by two hex digits is kept
 * as it is, and so is "%00": a NUL would end the value early
 * ("AAPL%00x" would pass for AAPL). */
static long form_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 &&
                   hex_digit(s[i + 2]) >= 0 &&
                   (s[i + 1] != '0' || s[i + 2] != '0')) {
            ch = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return (long)o;
}

/* Walks the parameters of a query string: on each call sets the raw
 * name and value spans of the next one and returns the rest, or NULL
 * at the end. Empty segments ("a=1&&b=2") are skipped. */
static const char *query_next(const char *q, const char **name, size_t *nlen,
                              const char **val, size_t *vlen)
{
    while (*q == '&')
        q++;
    if (!*q)
        return NULL;
    {
        const char *end = strchr(q, '&');
        const char *eq;
        size_t seg = end ? (size_t)(end - q) : strlen(q);

        eq = memchr(q, '=', seg);
        *name = q;
        *nlen = eq ? (size_t)(eq - q) : seg;
        *val = eq ? eq + 1 : q + seg;
        *vlen = eq ? seg - *nlen - 1 : 0;
        return q + seg;
    }
}

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A query parameter given twice ("limit=5&limit=6", or "l%69mit=6" for
 * the second) would be read as its first value by one handler and
 * perhaps as its last by a proxy or a cache before it, so the request
 * is refused. Compares the decoded names, sorted (a query of thousands
 * of names costs no more than sorting them). Returns 1 with the refusal
 * naming the parameter in msg, or 0. */
static int query_repeated(const char *query, char *msg, size_t cap)
{
    size_t max = 1, n = 0, nl, vl;
    const char *q = query, *name, *val;
    char **names, *store, *p;
    int found = 0;

    for (const char *s = query; *s; s++)
        max += *s == '&';
    names = xcalloc(max, sizeof(*names));
    store = p = xmalloc(strlen(query) + max + 1);
    while ((q = query_next(q, &name, &nl, &val, &vl))) {
        long len = form_decode(name, nl, p, nl + 1);

        if (len < 0)
            continue; /* cannot happen: decoding never lengthens */
        names[n++] = p;
        p += len + 1;
    }
    qsort(names, n, sizeof(*names), strp_cmp);
    for (size_t i = 1; i < n && !found; i++) {
        if (strcmp(names[i - 1], names[i]) != 0)
            continue;
        snprintf(msg, cap,
                 "query parameter '%.*s' is given more than once; give it "
                 "once",
                 HTTP_QUERY_NAME_MAX, names[i]);
        found = 1;
    }
    free(store);
    free(names);
    return found;
}

/* The header call: decides whether a declared body is refused. Returns
 * 1 when the 413 must go out now. */
static int refuse_early(struct MHD_Connection *c, const http_server *s,
                        http_conn *hc)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *expect =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
    unsigned long long declared;
    char *end;

    if (!cl)
        return 0;
    declared = strtoull(cl, &end, 10);
    if (end == cl || declared <= s->max_body)
        return 0;
    hc->too_large = 1;
    return (expect && strcasecmp(expect, "100-continue") == 0) ||
           declared > (unsigned long long)s->max_body * HTTP_DISCARD_FACTOR;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    http_server *s = cls;
    http_conn *hc = *con_cls;
    char own_rid[HTTP_REQUEST_ID_MAX + 1];
    http_request req;
    http_response res;
    enum MHD_Result ret;

    (void)version;
    if (!hc)
        return MHD_NO; /* no URI callback: cannot happen */
    if (!hc->started) {
        const char *code = "invalid_request", *why = hc->refusal;
        char msg[HTTP_QUERY_NAME_MAX + 80];
        int status = 400;

        hc->started = 1;
        if (!why)
            why = header_refusal(c);
        if (!why && strlen(hc->query) > HTTP_QUERY_MAX) {
            snprintf(msg, sizeof(msg),
                     "the query string is longer than %d bytes",
                     HTTP_QUERY_MAX);
            status = 414;
            code = "query_too_long";
            why = msg;
        }
        if (!why && query_repeated(hc->query, msg, sizeof(msg))) {
            code = "invalid_parameter";
            why = msg;
        }
        if (why) {
            set_deadline(s, c, 0);
            LOG_INFO("http: request refused", LF_S("method", method),
                     LF_S("error", why));
            return send_error(c, status, code, why, request_id_of(c, own_rid));
        }
        if (refuse_early(c, s, hc)) {
            set_deadline(s, c, 0);
            return send_too_large(c, s, request_id_of(c, own_rid));
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!hc->too_large && !hc->busy) {
            if (hc->body.len + *upload_size > s->max_body)
                hc->too_large = 1;
            else if (body_take(s, hc, *upload_size) < 0)
                hc->busy = 1;
            if (hc->too_large || hc->busy) {
                hc->dropped = hc->body.len;
                buf_release(&hc->body);
                buf_init(&hc->body);
                body_give_back(s, hc);
            }
        }
        if (hc->too_large || hc->busy) {
            hc->dropped += *upload_size;
            if (hc->dropped > s->max_body * HTTP_DISCARD_FACTOR)
                return MHD_NO;
        } else {
            buf_add(&hc->body, upload, *upload_size);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    set_deadline(s, c, 0);
    if (hc->too_large)
        return send_too_large(c, s, request_id_of(c, own_rid));
    if (hc->busy) {
        LOG_INFO("http: request refused", LF_S("method", method),
                 LF_S("error", "the request bodies held are at the limit"));
        return send_busy(c, request_id_of(c, own_rid));
    }

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = url;
    req.query = hc->query;
    req.body = hc->body.data ? hc->body.data : "";
    req.body_len = hc->body.len;
    req.authorization =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    req.content_type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    req.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    req.if_none_match =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    req.request_id = request_id_of(c, own_rid);
    req.conn = c;

    response_init(&res);
    s->handler(s->ctx, &req, &res);
    ret = send_response(c, &res, req.request_id);
    buf_release(&res.body);
    return ret;
}

static int parse_bind(const char *bind, int port, struct sockaddr_storage *ss,
                      socklen_t *len, int *v6)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, bind, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof(*a4);
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, bind, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a6);
        *v6 = 1;
        return 0;
    }
    return -1;
}

/* MHD reports why it could not start only through its log; a bind
 * failure is by far the usual cause, so check it directly for a
 * message a person can act on. */
static int explain_failure(const struct sockaddr_storage *ss, socklen_t len,
                           const char *addr, int port, char *err, size_t errlen)
{
    int fd = socket(ss->ss_family, SOCK_STREAM, 0);
    int one = 1, why = 0;

    snprintf(err, errlen, "cannot start the HTTP server on %s:%d", addr, port);
    if (fd < 0)
        return 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
        why = errno;
        snprintf(err, errlen, "cannot listen on %s:%d: %s", addr, port,
                 strerror(why));
    }
    close(fd);
    return why;
}

/* How many connections a server may hold: what the limit of open files
 * allows beside HTTP_FD_RESERVE, up to HTTP_MAX_CONNECTIONS and never
 * fewer than libmicrohttpd's default. The soft limit is first raised
 * towards the hard one (servers of this process share it). */
static unsigned int connection_limit(void)
{
    const rlim_t want = HTTP_MAX_CONNECTIONS + HTTP_FD_RESERVE;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return HTTP_MHD_CONNECTIONS;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want &&
        rl.rlim_max > rl.rlim_cur) {
        struct rlimit up = rl;

        up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                          ? want
                          : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = up.rlim_cur;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return HTTP_MAX_CONNECTIONS;
    if (rl.rlim_cur < HTTP_MHD_CONNECTIONS + HTTP_FD_RESERVE)
        return HTTP_MHD_CONNECTIONS;
    return (unsigned int)(rl.rlim_cur - HTTP_FD_RESERVE);
}

http_server *http_start(const http_options *o, http_handler h, void *ctx,
                        char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    const union MHD_DaemonInfo *info;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    unsigned int threads =
        o->threads > 0 ? (unsigned)o->threads : HTTP_DEFAULT_THREADS;
    unsigned int timeout =
        o->timeout_s > 0 ? (unsigned)o->timeout_s : HTTP_DEFAULT_TIMEOUT_S;
    int request_timeout = o->request_timeout_s > 0
                              ? o->request_timeout_s
                              : HTTP_DEFAULT_REQUEST_TIMEOUT_S;
    const char *bind_addr = o->bind && o->bind[0] ? o->bind : "127.0.0.1";
    http_server *s;
    int v6;

    if (o->port < 0 || o->port > 65535 ||
        parse_bind(bind_addr, o->port, &ss, &sslen, &v6) < 0) {
        snprintf(err, errlen, "invalid HTTP listen address %s:%d", bind_addr,
                 o->port);
        errno = 0;
        return NULL;
    }
    if (v6)
        flags |= MHD_USE_IPv6;
    if (atomic_load(&http_next_id) == 0)
        atomic_store(&http_next_id, ((unsigned long long)time(NULL) << 24) ^
                                        ((unsigned long long)getpid() << 8));
    s = xcalloc(1, sizeof(*s));
    s->handler = h;
    s->ctx = ctx;
    s->max_body = o->max_body ? o->max_body : HTTP_DEFAULT_MAX_BODY;
    s->body_pool = o->body_pool ? o->body_pool : HTTP_DEFAULT_BODY_POOL;
    if (s->body_pool < s->max_body)
        s->body_pool = s->max_body;
    atomic_init(&s->body_held, 0);
    s->request_timeout = request_timeout;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    /* A pool of one is no pool: MHD then runs its single internal
     * thread, which is what the option would have given. */
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        threads > 1 ? threads : 0U, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U, MHD_OPTION_CONNECTION_LIMIT,
        connection_limit(), MHD_OPTION_END);
    if (!s->daemon) {
        int why = explain_failure(&ss, sslen, bind_addr, o->port, err, errlen);

        http_stop(s);
        errno = why;
        return NULL;
    }
    s->reaping = pthread_create(&s->reaper, NULL, reap, s) == 0;
    if (!s->reaping)
        LOG_WARN("http: cannot start the request timeout thread; slow "
                 "requests are cut by the idle timeout only");
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : o->port;
    return s;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->reaping)
        pthread_join(s->reaper, NULL);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int http_port(const http_server *s)
{
    return s->port;
}

const char *http_request_header(const http_request *req, const char *name)
{
    if (!req->conn)
        return NULL; /* a request made up by a test */
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int http_query_param(const http_request *req, const char *name, char *out,
                     size_t cap)
{
    const char *q = req->query ? req->query : "";
    const char *n, *v;
    size_t nl, vl;
    char key[HTTP_QUERY_NAME_MAX];

    while ((q = query_next(q, &n, &nl, &v, &vl))) {
        if (form_decode(n, nl, key, sizeof(key)) < 0 || strcmp(key, name))
            continue;
        return form_decode(v, vl, out, cap) < 0 ? -1 : 1;
    }
    return 0;
}

int http_query_unknown(const http_request *req, const char *const *allowed,
                       char *name, size_t cap)
{
    const char *q = req->query ? req->query : "";
    const char *n, *v;
    size_t nl, vl;

    while ((q = query_next(q, &n, &nl, &v, &vl))) {
        char key[HTTP_QUERY_NAME_MAX];
        int known = 0;

        if (form_decode(n, nl, key, sizeof(key)) >= 0)
            for (size_t i = 0; allowed && allowed[i]; i++)
                if (strcmp(allowed[i], key) == 0)
                    known = 1;
        if (!known) {
            snprintf(name, cap, "%.*s", (int)(nl > 64 ? 64 : nl), n);
            return 1;
        }
    }
    return 0;
}

void http_set_header(http_response *res, const char *name, const char *value)
{
    assert(res->nheaders < 8);
    assert(strlen(name) < sizeof(res->headers[0][0]));
    assert(strlen(value) < sizeof(res->headers[0][1]));
    snprintf(res->headers[res->nheaders][0], sizeof(res->headers[0][0]), "%s",
             name);
    snprintf(res->headers[res->nheaders][1], sizeof(res->headers[0][1]), "%s",
             value);
    res->nheaders++;
}

void http_error(http_response *res, int status, const char *code,
                const char *message)
{
    res->status = status;
    res->content_type = "application/json";
    buf_reset(&res->body);
    buf_adds(&res->body, "{\"error\":{\"code\":");
    buf_add_json_str(&res->body, code, strlen(code));
    buf_adds(&res->body, ",\"message\":");
    buf_add_json_str(&res->body, message, strlen(message));
    buf_adds(&res->body, "}}");
}

/* Writes an error answer to a request the handler refuses, with the
 * log line api_error writes too. */
static void refuse(const http_request *req, http_response *res, int status,
                   const char *code, const char *message)
{
    http_error(res, status, code, message);
    LOG_INFO("request refused", LF_S("request_id", req->request_id),
             LF_S("method", req->method), LF_S("path", req->path),
             LF_I("status", status), LF_S("error", message));
}

int http_media_type(const char *ct, const char *type, char *charset, size_t cap)
{
    size_t n = strlen(type);

    if (!ct || strncasecmp(ct, type, n) != 0)
        return 0;
    ct += n;
    ct += strspn(ct, " \t");
    if (*ct != '\0' && *ct != ';')
        return 0;
    while (*ct == ';') {
        const char *name = ct + 1 + strspn(ct + 1, " \t"), *val;
        size_t nlen = strcspn(name, "=; \t"), vlen;

        ct = name + nlen;
        ct += strspn(ct, " \t");
        if (*ct != '=') {
            ct += strcspn(ct, ";");
            continue;
        }
        ct++;
        ct += strspn(ct, " \t");
        val = *ct == '"' ? ct + 1 : ct;
        vlen = strcspn(val, *ct == '"' ? "\"" : "; \t");
        ct = val + vlen;
        ct += strcspn(ct, ";");
        if (nlen == 7 && strncasecmp(name, "charset", 7) == 0 &&
            !(vlen == 5 && strncasecmp(val, "utf-8", 5) == 0)) {
            snprintf(charset, cap, "%.*s", (int)vlen, val);
            return -1;
        }
    }
    return 1;
}

void http_refuse_media(const http_request *req, http_response *res,
                       const char *type, int got, const char *charset)
{
    char msg[256];

    if (got < 0)
        snprintf(msg, sizeof(msg),
                 "the body must be UTF-8: send Content-Type: %s without a "
                 "charset or with charset=utf-8 (not '%.64s')",
                 type, charset);
    else
        snprintf(msg, sizeof(msg), "send the body as Content-Type: %s", type);
    refuse(req, res, 415, "unsupported_media_type", msg);
}

int http_require_json(const http_request *req, http_response *res)
{
    char charset[128];
    int got = http_media_type(req->content_type, "application/json", charset,
                              sizeof(charset));

    if (got > 0)
        return 1;
    http_refuse_media(req, res, "application/json", got, charset);
    return 0;
}

/* Matches path against a template, whatever the length of a segment;
 * when args is not NULL, copies each segment a {name} matches into buf
 * (which holds strlen(path) + 1 bytes: every segment follows a '/')
 * and points args at them. */
static int match_path(const char *tpl, const char *path, char *buf,
                      const char **args)
{
    int nargs = 0;

    while (*tpl && *path) {
        if (*tpl == '{') {
            const char *tend = strchr(tpl, '}');
            size_t n = strcspn(path, "/");

            if (!tend || n == 0 || nargs == HTTP_MAX_ARGS)
                return 0;
            if (args) {
                memcpy(buf, path, n);
                buf[n] = '\0';
                args[nargs] = buf;
                buf += n + 1;
            }
            nargs++;
            tpl = tend + 1;
            path += n;
            continue;
        }
        if (*tpl != *path)
            return 0;
        tpl++;
        path++;
    }
    return *tpl == '\0' && *path == '\0';
}

static int same_method(const char *route, const char *req)
{
    return strcmp(route, req) == 0 ||
           (strcmp(req, "HEAD") == 0 && strcmp(route, "GET") == 0);
}

long http_route_find(const http_route *routes, size_t n,
                     const http_request *req, char *buf, const char **args,
                     char *allow, size_t cap)
{
    allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!match_path(routes[i].path, req->path, buf, args))
            continue;
        if (same_method(routes[i].method, req->method))
            return (long)i;
        if (!strstr(allow, routes[i].method)) {
            size_t len = strlen(allow);

            snprintf(allow + len, cap - len, "%s%s", len ? ", " : "",
                     routes[i].method);
        }
    }
    return -1;
}

void http_not_allowed(const http_request *req, http_response *res,
                      const char *allow)
{
    char msg[512];

    snprintf(msg, sizeof(msg), "%s is not allowed on %.200s (allowed: %s)",
             req->method, req->path, allow);
    http_set_header(res, "Allow", allow);
    refuse(req, res, 405, "method_not_allowed", msg);
}
