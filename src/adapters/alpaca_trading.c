#include "adapters/alpaca_trading.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/webclient.h"
#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#define ALPACA_MAX_ANSWER (4u << 20)

typedef struct alpaca {
    broker base;
    char *base_url;
    char key_header[160];
    char secret_header[160];
    long timeout_ms;
} alpaca;

/* Case-insensitive substring test on ASCII. */
static int has(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

broker_refusal_kind alpaca_classify(long status, const char *m)
{
    if (has(m, "client_order_id must be unique") || has(m, "duplicate"))
        return REFUSAL_DUPLICATE;
    if (has(m, "buying power"))
        return REFUSAL_BUYING_POWER;
    if (has(m, "insufficient qty"))
        return REFUSAL_INSUFFICIENT_QTY;
    if (has(m, "wash trade"))
        return REFUSAL_WASH_TRADE;
    if (has(m, "market") && (has(m, "closed") || has(m, "not open")))
        return REFUSAL_MARKET_CLOSED;
    if (status == 400 || status == 422)
        return REFUSAL_INVALID;
    if (status == 403)
        return REFUSAL_FORBIDDEN;
    return REFUSAL_OTHER;
}

static int call(alpaca *a, const char *method, const char *path,
                const char *body, webclient_response *res, char *err,
                size_t errlen)
{
    const char *headers[] = {a->key_header, a->secret_header,
                             "Content-Type: application/json",
                             "Accept: application/json", NULL};
    char *url = xasprintf("%s%s", a->base_url, path);
    webclient_request req = {
        .method = method,
        .url = url,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .headers = headers,
        .timeout_ms = a->timeout_ms,
        .max_body = ALPACA_MAX_ANSWER,
    };
    int rc = webclient_do(&req, res, err, errlen);

    free(url);
    return rc;
}

/* A JSON string or number as cents; 0 for null or absent. */
static int json_cents(json_t *v, cents *out)
{
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v))
        return money_parse(json_string_value(v), json_string_length(v), out);
    if (json_is_number(v))
        return money_from_double(json_number_value(v), out);
    return -1;
}

/* A JSON string or number holding a whole number of shares. */
static int json_shares(json_t *v, int64_t *out)
{
    cents c;

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_cents(v, &c) < 0 || c % 100 != 0)
        return -1; /* fractional shares are never ordered here */
    *out = c / 100;
    return 0;
}

/* "2021-03-16T18:38:01.942282Z" -> New York day; -1 when absent. */
static int32_t json_ny_day(json_t *v)
{
    struct tm tm;
    const char *s = json_string_value(v);
    int32_t day;
    int minute;

    if (!s)
        return -1;
    memset(&tm, 0, sizeof(tm));
    if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return -1;
    exchange_ny_time((int64_t)timegm(&tm), &day, &minute);
    return day;
}

static void map_status(const char *s, char out[24])
{
    static const char *const open_states[] = {
        "new",          "accepted", "pending_new",    "accepted_for_bidding",
        "calculated",   "held",     "pending_cancel", "pending_replace",
        "done_for_day", "stopped",  "suspended"};

    for (size_t i = 0; i < sizeof(open_states) / sizeof(*open_states); i++)
        if (strcmp(s, open_states[i]) == 0) {
            snprintf(out, 24, "accepted");
            return;
        }
    if (strcmp(s, "replaced") == 0)
        snprintf(out, 24, "canceled");
    else
        snprintf(out, 24, "%.23s", s);
}

int alpaca_parse_order(const char *text, size_t len, broker_order *out,
                       char *err, size_t errlen)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    const char *id, *status;
    cents avg;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    out->filled_day = -1;
    if (!json_is_object(o)) {
        snprintf(err, errlen, "alpaca: order answer is not a JSON object");
        goto out;
    }
    id = json_string_value(json_object_get(o, "id"));
    status = json_string_value(json_object_get(o, "status"));
    if (!id || !status || strlen(id) >= sizeof(out->broker_order_id)) {
        snprintf(err, errlen, "alpaca: order answer lacks id or status");
        goto out;
    }
    snprintf(out->broker_order_id, sizeof(out->broker_order_id), "%s", id);
    map_status(status, out->status);
    {
        const char *sym = json_string_value(json_object_get(o, "symbol"));
        const char *side = json_string_value(json_object_get(o, "side"));

        /* cut to the field: a longer one differs from ours all the same */
        snprintf(out->symbol, sizeof(out->symbol), "%s", sym ? sym : "");
        snprintf(out->side, sizeof(out->side), "%s", side ? side : "");
        if (json_shares(json_object_get(o, "qty"), &out->qty) < 0)
            out->qty = -1; /* not whole shares: not our order */
    }
    if (json_shares(json_object_get(o, "filled_qty"), &out->filled_qty) < 0 ||
        json_cents(json_object_get(o, "filled_avg_price"), &avg) < 0 ||
        json_cents(json_object_get(o, "commission"), &out->commission) < 0 ||
        money_mul(avg, out->filled_qty, &out->filled_gross) < 0) {
        snprintf(err, errlen, "alpaca: order %s has unreadable quantities", id);
        goto out;
    }
    out->filled_day = json_ny_day(json_object_get(o, "filled_at"));
    rc = 0;
out:
    json_decref(o);
    return rc;
}

void alpaca_parse_refusal(long status, const char *text, size_t len,
                          broker_refusal *ref)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    const char *m = json_string_value(json_object_get(o, "message"));

    ref->http_status = (int)status;
    ref->code = (long)json_integer_value(json_object_get(o, "code"));
    snprintf(ref->message, sizeof(ref->message), "%s", m ? m : "no message");
    ref->kind = alpaca_classify(status, ref->message);
    json_decref(o);
}

static int unavailable_status(long status)
{
    return status == 401 || status == 408 || status == 429 || status >= 500;
}

static char *order_body(const order_intent *o)
{
    json_t *j = json_object();
    char qty[24], lim[MONEY_FMT_MAX];
    char *s;

    snprintf(qty, sizeof(qty), "%lld", (long long)o->qty);
    json_object_set_new(j, "symbol", json_string(o->ticker));
    json_object_set_new(j, "qty", json_string(qty));
    json_object_set_new(j, "side", json_string(order_side_name(o->side)));
    json_object_set_new(j, "type", json_string(order_type_name(o->type)));
    json_object_set_new(j, "time_in_force", json_string("day"));
    json_object_set_new(j, "client_order_id", json_string(o->client_order_id));
    if (o->type == ORDER_LIMIT) {
        money_format(o->limit_price, lim);
        json_object_set_new(j, "limit_price", json_string(lim));
    }
    if (o->extended_hours)
        json_object_set_new(j, "extended_hours", json_true());
    s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static broker_rc alpaca_submit(broker *b, const order_intent *o,
                               broker_order *out, broker_refusal *ref,
                               char *err, size_t errlen)
{
    alpaca *a = (alpaca *)b;
    webclient_response res;
    char *body = order_body(o);
    broker_rc rc = BROKER_UNAVAILABLE;

    memset(ref, 0, sizeof(*ref));
    memset(out, 0, sizeof(*out));
    if (call(a, "POST", "/v2/orders", body, &res, err, errlen) < 0)
        goto out;
    if (res.status == 200 || res.status == 201) {
        if (alpaca_parse_order(res.body.data, res.body.len, out, err, errlen) ==
            0)
            rc = BROKER_OK;
        goto out;
    }
    if (unavailable_status(res.status)) {
        snprintf(err, errlen, "alpaca: POST /v2/orders answered %ld",
                 res.status);
        goto out;
    }
    alpaca_parse_refusal(res.status, res.body.data, res.body.len, ref);
    rc = BROKER_REFUSED;
out:
    webclient_response_release(&res);
    free(body);
    return rc;
}

static broker_rc alpaca_lookup(broker *b, const char *coid, broker_order *out,
                               char *err, size_t errlen)
{
    alpaca *a = (alpaca *)b;
    webclient_response res;
    char *path;
    broker_rc rc = BROKER_UNAVAILABLE;

    memset(out, 0, sizeof(*out));
    for (const char *p = coid; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            snprintf(err, errlen, "alpaca: unusable client order id");
            return BROKER_UNAVAILABLE;
        }
    path = xasprintf("/v2/orders:by_client_order_id?client_order_id=%s", coid);
    if (call(a, "GET", path, NULL, &res, err, errlen) < 0)
        goto out;
    if (res.status == 404) {
        rc = BROKER_NOT_FOUND;
    } else if (res.status != 200) {
        snprintf(err, errlen, "alpaca: order lookup answered %ld", res.status);
    } else if (alpaca_parse_order(res.body.data, res.body.len, out, err,
                                  errlen) == 0) {
        rc = BROKER_OK;
    }
out:
    webclient_response_release(&res);
    free(path);
    return rc;
}

/* DELETE /v2/orders/{id}, the id Alpaca gave the order (looked up by
 * our client order id when the caller does not know it). 204 (or 200):
 * the request is taken; 422: the order can no longer be cancelled
 * (filled or final first). */
static broker_rc alpaca_cancel(broker *b, const char *coid,
                               const char *broker_order_id, char *err,
                               size_t errlen)
{
    alpaca *a = (alpaca *)b;
    webclient_response res;
    broker_order bo;
    broker_rc rc = BROKER_OK;
    char *path;

    memset(&bo, 0, sizeof(bo));
    if (broker_order_id && broker_order_id[0])
        snprintf(bo.broker_order_id, sizeof(bo.broker_order_id), "%s",
                 broker_order_id);
    else
        rc = alpaca_lookup(b, coid, &bo, err, errlen);
    if (rc != BROKER_OK)
        return rc;
    for (const char *p = bo.broker_order_id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-') {
            snprintf(err, errlen, "alpaca: unusable order id");
            return BROKER_UNAVAILABLE;
        }
    if (!bo.broker_order_id[0]) {
        snprintf(err, errlen, "alpaca: the order's answer has no id");
        return BROKER_UNAVAILABLE;
    }
    path = xasprintf("/v2/orders/%s", bo.broker_order_id);
    rc = BROKER_UNAVAILABLE;
    if (call(a, "DELETE", path, NULL, &res, err, errlen) < 0)
        goto out;
    if (res.status == 200 || res.status == 204 || res.status == 422)
        rc = BROKER_OK;
    else if (res.status == 404)
        rc = BROKER_NOT_FOUND;
    else
        snprintf(err, errlen, "alpaca: DELETE /v2/orders/{id} answered %ld",
                 res.status);
out:
    webclient_response_release(&res);
    free(path);
    return rc;
}

int alpaca_parse_positions(const char *text, size_t len, broker_position **out,
                           size_t *n)
{
    json_t *arr = json_loadb(text, len, 0, NULL);

    *out = NULL;
    *n = 0;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return -1;
    }
    *out = xcalloc(json_array_size(arr) + 1, sizeof(**out));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *p = json_array_get(arr, i);
        const char *sym = json_string_value(json_object_get(p, "symbol"));
        broker_position *bp = &(*out)[*n];

        if (!sym || ticker_normalize(sym, strlen(sym), bp->ticker) < 0 ||
            json_shares(json_object_get(p, "qty"), &bp->qty) < 0)
            continue;
        (*n)++;
    }
    json_decref(arr);
    return 0;
}

static broker_rc alpaca_positions(broker *b, broker_position **out, size_t *n,
                                  char *err, size_t errlen)
{
    alpaca *a = (alpaca *)b;
    webclient_response res;
    broker_rc rc = BROKER_UNAVAILABLE;

    *out = NULL;
    *n = 0;
    if (call(a, "GET", "/v2/positions", NULL, &res, err, errlen) < 0)
        goto out;
    if (res.status != 200 ||
        alpaca_parse_positions(res.body.data, res.body.len, out, n) < 0) {
        snprintf(err, errlen, "alpaca: GET /v2/positions answered %ld",
                 res.status);
        goto out;
    }
    rc = BROKER_OK;
out:
    webclient_response_release(&res);
    return rc;
}

int alpaca_parse_account(const char *text, size_t len, alpaca_account *out)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    const char *st;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(o) ||
        json_cents(json_object_get(o, "cash"), &out->cash) < 0 ||
        json_cents(json_object_get(o, "buying_power"), &out->buying_power) <
            0 ||
        json_cents(json_object_get(o, "equity"), &out->equity) < 0)
        goto out;
    st = json_string_value(json_object_get(o, "status"));
    snprintf(out->status, sizeof(out->status), "%s", st ? st : "");
    rc = 0;
out:
    json_decref(o);
    return rc;
}

int alpaca_parse_clock(const char *text, size_t len, int *is_open)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    json_t *v = json_object_get(o, "is_open");
    int rc = json_is_boolean(v) ? 0 : -1;

    if (rc == 0)
        *is_open = json_is_true(v);
    json_decref(o);
    return rc;
}

broker_rc alpaca_get_account(broker *b, alpaca_account *out, char *err,
                             size_t errlen)
{
    alpaca *a = (alpaca *)b;
    webclient_response res;
    broker_rc rc = BROKER_UNAVAILABLE;

    memset(out, 0, sizeof(*out));
    if (call(a, "GET", "/v2/account", NULL, &res, err, errlen) < 0)
        goto out;
    if (res.status != 200 ||
        alpaca_parse_account(res.body.data, res.body.len, out) < 0) {
        snprintf(err, errlen, "alpaca: GET /v2/account answered %ld",
                 res.status);
        goto out;
    }
    rc = BROKER_OK;
out:
    webclient_response_release(&res);
    return rc;
}

broker_rc alpaca_get_clock(broker *b, int *is_open, char *err, size_t errlen)
{
    alpaca *a = (alpaca *)b;
    webclient_response res;
    broker_rc rc = BROKER_UNAVAILABLE;

    if (call(a, "GET", "/v2/clock", NULL, &res, err, errlen) < 0)
        goto out;
    if (res.status != 200 ||
        alpaca_parse_clock(res.body.data, res.body.len, is_open) < 0) {
        snprintf(err, errlen, "alpaca: GET /v2/clock answered %ld", res.status);
        goto out;
    }
    rc = BROKER_OK;
out:
    webclient_response_release(&res);
    return rc;
}

static void alpaca_free(broker *b)
{
    alpaca *a = (alpaca *)b;

    if (!a)
        return;
    free(a->base_url);
    /* The secret leaves no copy behind in freed memory. */
    memset(a->secret_header, 0, sizeof(a->secret_header));
    free(a);
}

broker *alpaca_broker_new(const alpaca_options *o)
{
    alpaca *a = xcalloc(1, sizeof(*a));
    size_t n = strlen(o->base_url);

    while (n > 0 && o->base_url[n - 1] == '/')
        n--;
    a->base.name = "alpaca";
    a->base.follow_ms = 1000;
    a->base.submit = alpaca_submit;
    a->base.lookup = alpaca_lookup;
    a->base.cancel = alpaca_cancel;
    a->base.positions = alpaca_positions;
    a->base.free = alpaca_free;
    a->base_url = xstrndup(o->base_url, n);
    snprintf(a->key_header, sizeof(a->key_header), "APCA-API-KEY-ID: %s",
             o->key_id);
    snprintf(a->secret_header, sizeof(a->secret_header),
             "APCA-API-SECRET-KEY: %s", o->secret);
    a->timeout_ms = o->timeout_ms;
    return &a->base;
}
