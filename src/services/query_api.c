#include "services/query_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/webclient.h"
#include "domain/date.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/symbols.h"

#define FORWARD_TIMEOUT_MS 5000
#define FORWARD_MAX_BODY (4u << 20)
#define DEAD_LIST_MAX 100

/* Every queue of the architecture, in pipeline order. */
static const char *const qa_queues[] = {
    Q_INGESTION,     Q_PARSING,        Q_EXTRACTION,
    Q_AGGREGATION,   Q_RECOMMENDATION, "trading_decisions",
    "broker_orders", "lake_publish",   NULL};

/* The queue client, opened when first needed; the caller holds qlock.
 * Returns NULL with a message in err. */
static queue_client *queue_of(qa_state *st, char *err, size_t errlen)
{
    char consumer[128];

    if (!st->q) {
        worker_consumer_name("query-api", consumer, sizeof(consumer));
        st->q = queue_open(st->cfg, consumer, err, errlen);
    }
    return st->q;
}

static void queue_failed(qa_state *st, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", queue_error(st->q));
    queue_close(st->q);
    st->q = NULL;
}

/* Unix seconds t as the API writes times, "YYYY-MM-DDTHH:MM:SSZ". */
static void buf_add_utc(buf *b, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32];

    if (!gmtime_r(&tt, &tm) ||
        !strftime(s, sizeof(s), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm))
        snprintf(s, sizeof(s), "null");
    buf_adds(b, s);
}

/* The "live" member: the live scheduler's last tick (KEY_LIVE_TICK),
 * or null when there is none or it cannot be read (written by hand).
 * Its age is the time since it started, by this clock at now (0 for a
 * start ahead of it); a scheduler starts a tick every interval_s, so
 * one older than two intervals is stale: the scheduler stopped (or was
 * killed mid-tick), or fails before it ticks. */
static void status_live(buf *b, const char *v, long long now, int interval_s)
{
    char day[11], end;
    long long started, done, age;
    long tickers;
    int session, extracted, aggregated, stopped;
    int32_t d;

    if (!v ||
        sscanf(v, "%10s %lld %lld %ld %d %d %d %d%c", day, &started, &done,
               &tickers, &session, &extracted, &aggregated, &stopped,
               &end) != 8 ||
        date_parse(day, strlen(day), &d) < 0 || started <= 0 || done < 0 ||
        tickers < 0 || (session | extracted | aggregated | stopped) & ~1) {
        buf_adds(b, "null");
        return;
    }
    buf_addf(b, "{\"day\":\"%s\",\"started_at\":", day);
    buf_add_utc(b, started);
    buf_adds(b, ",\"done_at\":");
    if (done)
        buf_add_utc(b, done);
    else
        buf_adds(b, "null");
    buf_addf(b,
             ",\"tickers\":%ld,\"session\":%s,\"documents_extracted\":%s,"
             "\"aggregation_queued\":%s,\"stopped\":%s",
             tickers, session ? "true" : "false", extracted ? "true" : "false",
             aggregated ? "true" : "false", stopped ? "true" : "false");
    age = now > started ? now - started : 0;
    buf_addf(b, ",\"age_s\":%lld,\"stale\":%s}", age,
             age > 2LL * interval_s ? "true" : "false");
}

/* The "queues", "replay" and "live" members of the pipeline status. */
static void status_queues(api_call *c, buf *b)
{
    qa_state *st = c->state;
    char err[512] = "";
    queue_client *q;
    char *sealed = NULL, *progress = NULL, *live = NULL;

    size_t mark = b->len;

    pthread_mutex_lock(&st->qlock);
    /* (a connection kept from an earlier request and cut since, by a
     * Redis restarted meanwhile, is mended by the queue client) */
    q = queue_of(st, err, sizeof(err));
    buf_adds(b, "\"queues\":[");
    for (size_t i = 0; q && qa_queues[i]; i++) {
        queue_stats qs;

        if (queue_stats_get(q, qa_queues[i], &qs) < 0) {
            queue_failed(st, err, sizeof(err));
            b->len = mark;
            b->data[mark] = '\0';
            buf_adds(b, "\"queues\":[");
            q = NULL;
            break;
        }
        buf_addf(b,
                 "%s{\"name\":\"%s\",\"depth\":%lld,"
                 "\"in_flight\":%lld,\"dead\":%lld}",
                 i ? "," : "", qa_queues[i], qs.depth, qs.in_flight, qs.dead);
    }
    if (q) {
        sealed = queue_get(q, KEY_SEALED);
        progress = queue_get(q, KEY_PROGRESS);
        live = queue_get(q, KEY_LIVE_TICK);
    }
    pthread_mutex_unlock(&st->qlock);
    buf_adds(b, "],\"queues_error\":");
    if (err[0])
        buf_add_json_str(b, err, strlen(err));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"replay\":{\"sealed_day\":");
    if (sealed)
        buf_add_json_str(b, sealed, strlen(sealed));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"progress\":");
    if (progress)
        buf_add_json_str(b, progress, strlen(progress));
    else
        buf_adds(b, "null");
    buf_adds(b, "},\"live\":");
    status_live(b, live, (long long)time(NULL), st->cfg->scheduler_interval_s);
    free(sealed);
    free(progress);
    free(live);
}

static const char SQL_STATUS[] =
    "SELECT json_build_object( 'ingestion', (SELECT "
    "api_ts(max(done_at)) FROM ingest_runs), 'parser', (SELECT "
    "api_ts(max(updated_at)) FROM documents WHERE status <> 'new'), "
    "'extractor', (SELECT api_ts(max(created_at)) FROM signals), "
    "'aggregation', (SELECT api_ts(max(computed_at)) FROM aggregates), "
    "'recommendation', (SELECT api_ts(max(computed_at)) FROM "
    "recommendations))::text, json_build_object('new', count(*) FILTER "
    "(WHERE status = 'new'), 'parsed', count(*) FILTER (WHERE status = "
    "'parsed'), 'extracted', count(*) FILTER (WHERE status = "
    "'extracted'))::text, to_regclass('trading_runs') IS NOT NULL, "
    "to_regclass('lake_partitions') IS NOT NULL FROM documents";

/* The lake-publisher's last file, when its table exists (a database
 * migrated only in part has none). */
static const char SQL_STATUS_LAKE[] =
    "SELECT json_build_object('lake-publisher', (SELECT "
    "api_ts(max(published_at)) FROM lake_partitions))::text";

static const char SQL_STATUS_TRADING[] =
    "SELECT json_build_object( 'trading-engine', (SELECT "
    "api_ts(max(done_at)) FROM trading_runs), 'broker-adapter', "
    "(SELECT api_ts(max(updated_at)) FROM orders WHERE status <> "
    "'queued'))::text";

static void qa_pipeline_status(api_call *c)
{
    buf *b = &c->res->body;
    PGresult *r = api_query(c, "qa_status", SQL_STATUS, 0, NULL);
    PGresult *t = NULL, *l = NULL;

    if (!r)
        return;
    if ((PQgetvalue(r, 0, 2)[0] == 't' &&
         !(t = api_query(c, "qa_status_trading", SQL_STATUS_TRADING, 0,
                         NULL))) ||
        (PQgetvalue(r, 0, 3)[0] == 't' &&
         !(l = api_query(c, "qa_status_lake", SQL_STATUS_LAKE, 0, NULL)))) {
        PQclear(r);
        PQclear(t);
        return;
    }
    buf_adds(b, "{");
    status_queues(c, b);
    buf_adds(b, ",\"last_run\":");
    if (l) {
        /* two objects PostgreSQL built, "{...}" and "{...}": one */
        api_add_json(b, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0) - 1);
        buf_addc(b, ',');
        api_add_json(b, PQgetvalue(l, 0, 0) + 1,
                     (size_t)PQgetlength(l, 0, 0) - 1);
    } else {
        api_add_json(b, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    }
    buf_adds(b, ",\"last_run_trading\":");
    if (t)
        api_add_json(b, PQgetvalue(t, 0, 0), (size_t)PQgetlength(t, 0, 0));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"documents\":");
    api_add_json(b, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
    buf_addc(b, '}');
    PQclear(r);
    PQclear(t);
    PQclear(l);
}

static void qa_dead_letters(api_call *c)
{
    qa_state *st = c->state;
    long long limit = 20;
    char err[512] = "";
    char *list = NULL;
    size_t i = 0;
    queue_client *q;

    while (qa_queues[i] && strcmp(qa_queues[i], c->args[0]))
        i++;
    if (!qa_queues[i]) {
        api_error(
            c, 404, "not_found",
            "no queue of that name; the queues are listed by /pipeline/status");
        return;
    }
    if (api_param_int(c, "limit", 1, DEAD_LIST_MAX, &limit) < 0)
        return;
    pthread_mutex_lock(&st->qlock);
    q = queue_of(st, err, sizeof(err));
    if (q) {
        list = queue_dead_list(q, qa_queues[i], (long)limit);
        if (!list)
            queue_failed(st, err, sizeof(err));
    }
    pthread_mutex_unlock(&st->qlock);
    if (!list) {
        api_error(c, 503, "queue_unavailable", "Redis: %s", err);
        return;
    }
    buf_adds(&c->res->body, "{\"items\":");
    buf_adds(&c->res->body, list);
    buf_adds(&c->res->body, "}");
    free(list);
}

/* Passes the call on to base + path with the caller's token and
 * request id, and answers with what came back. */
static void forward(api_call *c, const char *base, const char *path,
                    const char *service)
{
    webclient_request wr;
    webclient_response res;
    char err[512], *url, *auth = NULL, *rid;
    const char *headers[4];
    size_t blen = strlen(base), nh = 0;
    const char *ct = http_request_header(c->req, "Content-Type");
    char *cth = NULL;

    if (!base[0]) {
        api_error(c, 503, "not_available", "%s is not configured", service);
        return;
    }
    while (blen && base[blen - 1] == '/')
        blen--;
    url = xasprintf("%.*s%s", (int)blen, base, path);
    rid = xasprintf("X-Request-Id: %s", c->req->request_id);
    headers[nh++] = rid;
    if (c->req->authorization) {
        auth = xasprintf("Authorization: %s", c->req->authorization);
        headers[nh++] = auth;
    }
    memset(&wr, 0, sizeof(wr));
    wr.method = c->req->method;
    wr.url = url;
    wr.timeout_ms = FORWARD_TIMEOUT_MS;
    wr.max_body = FORWARD_MAX_BODY;
    if (strcmp(c->req->method, "GET") && strcmp(c->req->method, "HEAD")) {
        wr.body = c->req->body;
        wr.body_len = c->req->body_len;
        if (ct) {
            cth = xasprintf("Content-Type: %s", ct);
            headers[nh++] = cth;
        }
    }
    headers[nh] = NULL;
    wr.headers = headers;
    if (webclient_do(&wr, &res, err, sizeof(err)) < 0) {
        /* a change sent but not answered may have been made all the
         * same: a timeout, or a service that died before it answered */
        int unknown = res.sent && strcmp(c->req->method, "GET") &&
                      strcmp(c->req->method, "HEAD");

        if (unknown)
            api_error(c, res.timed_out ? 504 : 502,
                      res.timed_out ? "upstream_timeout"
                                    : "upstream_unavailable",
                      "%s did not answer%s: the change may or may not have "
                      "been made; look before sending it again (GET "
                      "/trading/status)",
                      service, res.timed_out ? " in time" : "");
        else if (res.timed_out)
            api_error(c, 504, "upstream_timeout", "%s did not answer in %d ms",
                      service, FORWARD_TIMEOUT_MS);
        else
            api_error(c, 502, "upstream_unavailable", "%s: %s", service, err);
    } else {
        const char *b = res.body.data ? res.body.data : "";

        while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
            b++;
        c->res->status = (int)res.status;
        c->res->content_type = *b == '{' || *b == '['
                                   ? "application/json"
                                   : "text/plain; charset=utf-8";
        buf_reset(&c->res->body);
        buf_add(&c->res->body, res.body.data, res.body.len);
    }
    webclient_response_release(&res);
    free(url);
    free(rid);
    free(auth);
    free(cth);
}

static void qa_trading_status(api_call *c)
{
    forward(c, c->cfg->trading_engine_url, "/status", "trading-engine");
}

static void qa_kill_switch(api_call *c)
{
    forward(c, c->cfg->trading_engine_url, "/kill-switch", "trading-engine");
}

/* day, as risk-engine's own GET /exposure?day= takes it (checked here:
 * only a date in exactly that form is passed on). */
static void qa_risk_exposure(api_call *c)
{
    char day[16], path[40] = "/exposure";
    int32_t d;
    int has = api_param_str(c, "day", 10, day, sizeof(day));

    if (has < 0)
        return;
    if (has > 0 &&
        (strlen(day) != 10 || date_parse(day, strlen(day), &d) < 0)) {
        api_error(c, 400, "invalid_parameter",
                  "day must be a date YYYY-MM-DD, not '%s'", day);
        return;
    }
    if (has > 0)
        snprintf(path, sizeof(path), "/exposure?day=%s", day);
    forward(c, c->cfg->risk_engine_url, path, "risk-engine");
}

static void qa_risk_limits(api_call *c)
{
    forward(c, c->cfg->risk_engine_url, "/limits", "risk-engine");
}

#define P_LIMIT                                                                \
    {                                                                          \
        "limit", "integer", "page size, 1-500 (50)"                            \
    }
#define P_CURSOR                                                               \
    {                                                                          \
        "cursor", "string", "next_cursor of the previous page"                 \
    }
#define P_TICKER                                                               \
    {                                                                          \
        "ticker", "ticker", "one symbol (any case, BRK-B = BRK.B)"             \
    }
#define P_FROM                                                                 \
    {                                                                          \
        "from", "date-time",                                                   \
            "from this instant or UTC day on (ISO 8601: 2011-09-01 or "        \
            "2011-09-01T13:30:00Z)"                                            \
    }
#define P_TO                                                                   \
    {                                                                          \
        "to", "date-time", "up to this instant or UTC day, included"           \
    }
#define P_END                                                                  \
    {                                                                          \
        NULL, NULL, NULL                                                       \
    }

static const api_param documents_params[] = {
    P_TICKER, P_FROM,
    P_TO,     {"source", "string", "the feed, e.g. reuters-replay"},
    P_LIMIT,  P_CURSOR,
    P_END};
static const api_param signals_params[] = {
    P_TICKER,
    P_FROM,
    P_TO,
    {"event_type", "string",
     "earnings, guidance, analyst_rating, merger_acquisition, "
     "legal_regulatory, product, management_change, dividend_buyback, "
     "macro or other"},
    P_LIMIT,
    P_CURSOR,
    P_END};
static const api_param aggregates_params[] = {P_TICKER, P_FROM,   P_TO,
                                              P_LIMIT,  P_CURSOR, P_END};
static const api_param recommendations_params[] = {
    P_TICKER, P_FROM,   P_TO, {"action", "string", "BUY, SELL or HOLD"},
    P_LIMIT,  P_CURSOR, P_END};
static const api_param prices_params[] = {
    {"ticker", "ticker", "the symbol (required)"},
    P_FROM,
    P_TO,
    P_LIMIT,
    P_CURSOR,
    P_END};
static const api_param orders_params[] = {
    P_TICKER,
    {"status", "string",
     "queued, submitting, accepted, partially_filled, filled, canceled, "
     "expired, rejected or denied; or open: the first four"},
    {"side", "string", "buy or sell"},
    {"source", "string", "decision or manual"},
    {"from", "date-time", "decision day from (UTC day of the instant)"},
    {"to", "date-time", "decision day up to, included"},
    P_LIMIT,
    P_CURSOR,
    P_END};
static const api_param fills_params[] = {
    {"order_id", "integer", "fills of one order"},
    P_TICKER,
    P_FROM,
    P_TO,
    P_LIMIT,
    P_CURSOR,
    P_END};
static const api_param positions_params[] = {
    {"open", "boolean", "true: only positions with shares"}, P_END};
static const api_param portfolio_params[] = {P_FROM, P_TO, P_LIMIT, P_CURSOR,
                                             P_END};
static const api_param exposure_params[] = {
    {"day", "string", "the book as of that session, YYYY-MM-DD"}, P_END};
static const api_param decisions_params[] = {
    P_TICKER, {"outcome", "string", "ordered, no_order or denied"},
    P_FROM,   P_TO,
    P_LIMIT,  P_CURSOR,
    P_END};
static const api_param verdicts_params[] = {
    {"client_order_id", "string", "verdicts of one order"},
    {"stage", "string", "screen (trading-engine) or gate (risk-engine)"},
    {"allowed", "boolean", "only allowed (true) or denied (false)"},
    P_LIMIT,
    P_CURSOR,
    P_END};
static const api_param dead_params[] = {
    {"limit", "integer", "how many, newest first, 1-100 (20)"}, P_END};

#define REF(name) "{\"$ref\":\"#/components/schemas/" name "\"}"
#define PAGE_OF(name)                                                          \
    "{\"type\":\"object\",\"properties\":{\"items\":{"                         \
    "\"type\":\"array\",\"items\":" REF(                                       \
        name) "},\"next_cursor\":{\"type\":\"string\",\"nullable\":true}}}"
/* A price figure of an aggregate: null when it cannot be known. */
#define NULLABLE_NUMBER "{\"type\":\"number\",\"nullable\":true}"
static const char QA_SCHEMAS[] =
    "\"Document\":{\"type\":\"object\",\"properties\":{"
    "\"id\":{\"type\":\"integer\"},\"source\":{"
    "\"type\":\"string\"},\"provider_id\":{\"type\":\"string\"}"
    ",\"title\":{\"type\":\"string\"},\"published_at\":{"
    "\"type\":\"string\",\"format\":\"date-time\"}"
    ",\"trading_day\":{\"type\":\"string\",\"format\":\"date\"}"
    ",\"news_type\":{\"type\":\"string\"},\"status\":{"
    "\"type\":\"string\"},\"duplicate_of\":{\"type\":\"integer\","
    "\"nullable\":true},\"tickers\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\"}}}},\"DocumentDetail\":{"
    "\"allOf\":[{\"$ref\":\"#/components/schemas/Document\"}"
    ",{\"type\":\"object\",\"properties\":{\"body\":{"
    "\"type\":\"string\"},\"clean_text\":{\"type\":\"string\","
    "\"nullable\":true},\"content_hash\":{\"type\":\"string\"}"
    ",\"text_hash\":{\"type\":\"string\",\"nullable\":true}"
    ",\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    ",\"updated_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    ",\"tickers\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"properties\":{\"ticker\":{"
    "\"type\":\"string\"},\"origin\":{\"type\":\"string\"}"
    ",\"raw_key\":{\"type\":\"string\",\"nullable\":true}"
    "}}},\"raw_keys\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"string\"}},\"signals\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/Signal\"}"
    "}}}]},\"Signal\":{\"type\":\"object\",\"properties\":{"
    "\"document_id\":{\"type\":\"integer\"},\"ticker\":{"
    "\"type\":\"string\"},\"model_version\":{\"type\":\"string\"}"
    ",\"trading_day\":{\"type\":\"string\",\"format\":\"date\"}"
    ",\"sentiment\":{\"type\":\"number\"},\"label\":{"
    "\"type\":\"string\"},\"relevance\":{\"type\":\"number\"}"
    ",\"confidence\":{\"type\":\"number\"},\"event_type\":{"
    "\"type\":\"string\"},\"title\":{\"type\":\"string\"}"
    ",\"published_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    ",\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    "}},\"Aggregate\":{\"type\":\"object\",\"properties\":{"
    "\"ticker\":{\"type\":\"string\"},\"as_of\":{"
    "\"type\":\"string\",\"format\":\"date\"},\"sent_1d\":{"
    "\"type\":\"number\"},\"sent_7d\":{\"type\":\"number\"}"
    ",\"sent_30d\":{\"type\":\"number\"},\"count_1d\":{"
    "\"type\":\"integer\"},\"count_7d\":{\"type\":\"integer\"}"
    ",\"count_30d\":{\"type\":\"integer\"},\"ret_1d\":" NULLABLE_NUMBER
    ",\"ret_5d\":" NULLABLE_NUMBER ",\"ret_20d\":" NULLABLE_NUMBER
    ",\"vol_20d\":" NULLABLE_NUMBER ",\"last_close\":" NULLABLE_NUMBER
    ",\"computed_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    "}},\"Recommendation\":{\"type\":\"object\","
    "\"properties\":{\"ticker\":{\"type\":\"string\"}"
    ",\"as_of\":{\"type\":\"string\",\"format\":\"date\"}"
    ",\"action\":{\"type\":\"string\",\"enum\":["
    "\"BUY\",\"SELL\",\"HOLD\"]},\"conviction\":{"
    "\"type\":\"number\"},\"target_weight\":{\"type\":\"number\"}"
    ",\"rationale\":{\"type\":\"string\"},\"computed_at\":{"
    "\"type\":\"string\",\"format\":\"date-time\"}"
    "}},\"Price\":{\"type\":\"object\",\"properties\":{"
    "\"ticker\":{\"type\":\"string\"},\"day\":{"
    "\"type\":\"string\",\"format\":\"date\"},\"open\":{"
    "\"type\":\"number\"},\"high\":{\"type\":\"number\"}"
    ",\"low\":{\"type\":\"number\"},\"close\":{"
    "\"type\":\"number\"},\"volume\":{\"type\":\"integer\"}"
    ",\"source\":{\"type\":\"string\"}}},\"Order\":{"
    "\"type\":\"object\",\"properties\":{\"id\":{"
    "\"type\":\"integer\"},\"client_order_id\":{"
    "\"type\":\"string\"},\"decision_id\":{\"type\":\"integer\","
    "\"nullable\":true},\"source\":{\"type\":\"string\"}"
    ",\"mode\":{\"type\":\"string\",\"enum\":[\"paper\","
    "\"live\"]},\"broker\":{\"type\":\"string\"}"
    ",\"ticker\":{\"type\":\"string\"},\"side\":{"
    "\"type\":\"string\"},\"type\":{\"type\":\"string\"}"
    ",\"time_in_force\":{\"type\":\"string\"},\"qty\":{"
    "\"type\":\"integer\"},\"limit_price_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"ref_price_cents\":{"
    "\"type\":\"integer\"},\"extended_hours\":{"
    "\"type\":\"boolean\"},\"decision_day\":{\"type\":\"string\","
    "\"format\":\"date\"},\"exec_day\":{\"type\":\"string\","
    "\"format\":\"date\"},\"exec_minute\":{\"type\":\"integer\"}"
    ",\"status\":{\"type\":\"string\"},\"broker_order_id\":{"
    "\"type\":\"string\",\"nullable\":true},\"filled_qty\":{"
    "\"type\":\"integer\"},\"filled_avg_price_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"commission_cents\":{"
    "\"type\":\"integer\"},\"reject_code\":{\"type\":\"string\","
    "\"nullable\":true},\"reject_reason\":{\"type\":\"string\","
    "\"nullable\":true},\"created_at\":{\"type\":\"string\","
    "\"format\":\"date-time\"},\"submitted_at\":{"
    "\"type\":\"string\",\"format\":\"date-time\","
    "\"nullable\":true},\"updated_at\":{\"type\":\"string\","
    "\"format\":\"date-time\"},\"final_at\":{\"type\":\"string\","
    "\"format\":\"date-time\",\"nullable\":true}"
    "}},\"Fill\":{\"type\":\"object\",\"properties\":{"
    "\"id\":{\"type\":\"integer\"},\"order_id\":{"
    "\"type\":\"integer\"},\"seq\":{\"type\":\"integer\"}"
    ",\"ticker\":{\"type\":\"string\"},\"side\":{"
    "\"type\":\"string\"},\"qty\":{\"type\":\"integer\"}"
    ",\"price_cents\":{\"type\":\"integer\"},\"gross_cents\":{"
    "\"type\":\"integer\"},\"commission_cents\":{"
    "\"type\":\"integer\"},\"day\":{\"type\":\"string\","
    "\"format\":\"date\"},\"mode\":{\"type\":\"string\"}"
    ",\"filled_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    "}},\"Position\":{\"type\":\"object\",\"properties\":{"
    "\"ticker\":{\"type\":\"string\"},\"qty\":{"
    "\"type\":\"integer\"},\"cost_basis_cents\":{"
    "\"type\":\"integer\"},\"realized_pnl_cents\":{"
    "\"type\":\"integer\"},\"last_price_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"last_price_day\":{"
    "\"type\":\"string\",\"format\":\"date\"},\"market_value_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"unrealized_pnl_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"updated_at\":{"
    "\"type\":\"string\",\"format\":\"date-time\"}"
    "}},\"Account\":{\"type\":\"object\",\"properties\":{"
    "\"starting_cash_cents\":{\"type\":\"integer\"}"
    ",\"cash_cents\":{\"type\":\"integer\"},\"realized_pnl_cents\":{"
    "\"type\":\"integer\"},\"commissions_cents\":{"
    "\"type\":\"integer\"},\"updated_at\":{\"type\":\"string\","
    "\"format\":\"date-time\"}}},\"PortfolioValue\":{"
    "\"type\":\"object\",\"properties\":{\"day\":{"
    "\"type\":\"string\",\"format\":\"date\"},\"cash_cents\":{"
    "\"type\":\"integer\"},\"positions_cents\":{"
    "\"type\":\"integer\"},\"equity_cents\":{\"type\":\"integer\"}"
    ",\"peak_cents\":{\"type\":\"integer\"},\"pnl_cents\":{"
    "\"type\":\"integer\"}}},\"Decision\":{\"type\":\"object\","
    "\"properties\":{\"id\":{\"type\":\"integer\"}"
    ",\"ticker\":{\"type\":\"string\"},\"as_of\":{"
    "\"type\":\"string\",\"format\":\"date\"},\"action\":{"
    "\"type\":\"string\"},\"previous_action\":{"
    "\"type\":\"string\",\"nullable\":true},\"conviction\":{"
    "\"type\":\"number\"},\"target_weight\":{\"type\":\"number\"}"
    ",\"model\":{\"type\":\"string\"},\"client_order_id\":{"
    "\"type\":\"string\"},\"outcome\":{\"type\":\"string\"}"
    ",\"side\":{\"type\":\"string\",\"nullable\":true}"
    ",\"qty\":{\"type\":\"integer\"},\"ref_price_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"equity_cents\":{"
    "\"type\":\"integer\",\"nullable\":true},\"explanation\":{"
    "\"type\":\"string\"},\"mode\":{\"type\":\"string\"}"
    ",\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    "}},\"Verdict\":{\"type\":\"object\",\"properties\":{"
    "\"id\":{\"type\":\"integer\"},\"client_order_id\":{"
    "\"type\":\"string\"},\"stage\":{\"type\":\"string\"}"
    ",\"allowed\":{\"type\":\"boolean\"},\"reasons\":{"
    "},\"inputs\":{},\"mode\":{\"type\":\"string\"}"
    ",\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}"
    ",\"order_on_record\":{\"type\":\"boolean\"}"
    "}},\"Lineage\":{\"type\":\"object\",\"properties\":{"
    "\"order\":{\"$ref\":\"#/components/schemas/Order\"}"
    ",\"decision\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Decisio"
    "n\"}],\"nullable\":true},\"recommendation\":{"
    "\"allOf\":[{\"$ref\":\"#/components/schemas/Recommendation\"}"
    "],\"nullable\":true},\"aggregate\":{\"allOf\":["
    "{\"$ref\":\"#/components/schemas/Aggregate\"}"
    "],\"nullable\":true},\"signals\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/Signal\"}"
    "},\"documents\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"properties\":{\"id\":{"
    "\"type\":\"integer\"},\"source\":{\"type\":\"string\"}"
    ",\"title\":{\"type\":\"string\"},\"published_at\":{"
    "\"type\":\"string\",\"format\":\"date-time\"}"
    ",\"trading_day\":{\"type\":\"string\",\"format\":\"date\"}"
    ",\"raw_keys\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"string\"}}}}},\"raw_payload_keys\":{"
    "\"type\":\"array\",\"items\":{\"type\":\"string\"}"
    "}}},\"PipelineStatus\":{\"type\":\"object\","
    "\"properties\":{\"queues\":{\"type\":\"array\","
    "\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"depth\":{"
    "\"type\":\"integer\"},\"in_flight\":{\"type\":\"integer\"}"
    ",\"dead\":{\"type\":\"integer\"}}}},\"queues_error\":{"
    "\"type\":\"string\",\"nullable\":true},\"replay\":{"
    "\"type\":\"object\",\"properties\":{\"sealed_day\":{"
    "\"type\":\"string\",\"nullable\":true},\"progress\":{"
    "\"type\":\"string\",\"nullable\":true}}},\"live\":{"
    "\"type\":\"object\",\"nullable\":true,\"properties\":{"
    "\"day\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"started_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"done_at\":{\"type\":\"string\",\"format\":\"date-time\","
    "\"nullable\":true},\"tickers\":{\"type\":\"integer\"},"
    "\"session\":{\"type\":\"boolean\"},\"documents_extracted\":{"
    "\"type\":\"boolean\"},\"aggregation_queued\":{\"type\":"
    "\"boolean\"},\"stopped\":{\"type\":\"boolean\"},\"age_s\":{"
    "\"type\":\"integer\",\"description\":\"seconds since the tick "
    "started, by query-api's clock when it answers\"},\"stale\":{"
    "\"type\":\"boolean\",\"description\":\"age_s over twice "
    "SCHEDULER_INTERVAL_S (query-api's setting): no tick came since\"}}}"
    ",\"last_run\":{"
    "\"type\":\"object\",\"additionalProperties\":{"
    "\"type\":\"string\",\"format\":\"date-time\","
    "\"nullable\":true}},\"last_run_trading\":{"
    "\"type\":\"object\",\"nullable\":true,\"additionalProperties\":{"
    "\"type\":\"string\",\"format\":\"date-time\","
    "\"nullable\":true}},\"documents\":{\"type\":\"object\","
    "\"additionalProperties\":{\"type\":\"integer\"}"
    "}}},\"Forwarded\":{\"type\":\"object\",\"description\":\"the "
    "answer of the service called, as it came\"}," SYMBOLS_SCHEMAS;

static const api_route qa_routes[] = {
    {"GET", "/symbols", symbols_list, API_READ,
     "List symbols, by ticker; filter by active, sector, text, "
     "alternative ticker",
     symbols_list_params, NULL, NULL, REF("SymbolPage"), 0, NULL, 0},
    {"GET", "/symbols/{ticker}", symbols_get, API_READ, "One symbol", NULL,
     NULL, NULL, REF("Symbol"), 0, NULL, 0},
    {"GET", "/symbols/{ticker}/history", symbols_history, API_READ,
     "Registry changes of a symbol, newest first", symbols_history_params, NULL,
     NULL, NULL, 0, NULL, 0},
    {"GET", "/documents", qa_documents, API_READ,
     "News documents, newest first; filter by ticker, time, source",
     documents_params, NULL, NULL, PAGE_OF("Document"), 0, NULL, 0},
    {"GET", "/documents/{id}", qa_document, API_READ,
     "One document: full text, tickers with origin and raw payload key, "
     "signals",
     NULL, NULL, NULL, REF("DocumentDetail"), 0, NULL, 0},
    {"GET", "/signals", qa_signals, API_READ,
     "Signals (document x ticker), newest trading day first", signals_params,
     NULL, NULL, PAGE_OF("Signal"), 0, NULL, 0},
    {"GET", "/aggregates", qa_aggregates, API_READ,
     "Per-ticker features by day, newest first", aggregates_params, NULL, NULL,
     PAGE_OF("Aggregate"), 0, NULL, 0},
    {"GET", "/recommendations", qa_recommendations, API_READ,
     "Recommendation history, newest first", recommendations_params, NULL, NULL,
     PAGE_OF("Recommendation"), 0, NULL, 0},
    {"GET", "/recommendations/latest", qa_recommendations_latest, API_READ,
     "The latest recommendation of every active symbol, by ticker", NULL, NULL,
     NULL, PAGE_OF("Recommendation"), 0, NULL, 0},
    {"GET", "/prices", qa_prices, API_READ,
     "Daily bars of one ticker, oldest first", prices_params, NULL, NULL,
     PAGE_OF("Price"), 0, NULL, 0},
    {"GET", "/orders", qa_orders, API_READ, "Orders, newest first",
     orders_params, NULL, NULL, PAGE_OF("Order"), 0, NULL, 0},
    {"GET", "/orders/{id}", qa_order, API_READ, "One order", NULL, NULL, NULL,
     REF("Order"), 0, NULL, 0},
    {"GET", "/orders/{id}/lineage", qa_order_lineage, API_READ,
     "Why an order exists: decision, recommendation, aggregate, "
     "signals, documents, raw payload keys",
     NULL, NULL, NULL, REF("Lineage"), 0, NULL, 0},
    {"GET", "/fills", qa_fills, API_READ, "Fills, newest first", fills_params,
     NULL, NULL, PAGE_OF("Fill"), 0, NULL, 0},
    {"GET", "/positions", qa_positions, API_READ,
     "Positions, valued at the last close", positions_params, NULL, NULL,
     PAGE_OF("Position"), 0, NULL, 0},
    {"GET", "/account", qa_account, API_READ, "Cash and realized P&L", NULL,
     NULL, NULL, REF("Account"), 0, NULL, 0},
    {"GET", "/portfolio/value", qa_portfolio, API_READ,
     "Portfolio value at each session's close, oldest first", portfolio_params,
     NULL, NULL, PAGE_OF("PortfolioValue"), 0, NULL, 0},
    {"GET", "/decisions", qa_decisions, API_READ,
     "Trading decisions taken from recommendations, newest first",
     decisions_params, NULL, NULL, PAGE_OF("Decision"), 0, NULL, 0},
    {"GET", "/risk/verdicts", qa_verdicts, API_READ,
     "Risk verdicts with their reasons and inputs, newest first",
     verdicts_params, NULL, NULL, PAGE_OF("Verdict"), 0, NULL, 0},
    {"GET", "/risk/exposure", qa_risk_exposure, API_READ,
     "Current exposure against each limit, or as of a past day (from "
     "risk-engine)",
     exposure_params, NULL, NULL, REF("Forwarded"), 0, NULL, 1},
    {"GET", "/risk/limits", qa_risk_limits, API_READ,
     "The risk limits (from risk-engine)", NULL, NULL, NULL, REF("Forwarded"),
     0, NULL, 1},
    {"GET", "/trading/status", qa_trading_status, API_READ,
     "Mode, kill switch, open orders, last decisions (from trading-engine)",
     NULL, NULL, NULL, REF("Forwarded"), 0, NULL, 1},
    {"POST", "/trading/kill-switch", qa_kill_switch, API_WRITE,
     "Turn the kill switch on or off (passed to trading-engine with the "
     "caller's token)",
     NULL, "application/json",
     "{\"type\":\"object\",\"required\":[\"active\"]"
     ",\"properties\":{\"active\":{\"type\":\"boolean\"}"
     ",\"reason\":{\"type\":\"string\"}}}",
     REF("Forwarded"), 0, NULL, 1},
    {"GET", "/pipeline/status", qa_pipeline_status, API_READ,
     "Queue depths, in-flight and dead jobs, replay progress, last run "
     "per service",
     NULL, NULL, NULL, REF("PipelineStatus"), 0, NULL, 1},
    {"GET", "/pipeline/dead/{queue}", qa_dead_letters, API_READ,
     "Dead letters of one queue, newest first", dead_params, NULL, NULL,
     "{\"type\":\"object\",\"properties\":{\"items\":{"
     "\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}",
     0, NULL, 1},
};

const api_def query_api = {
    "query-api",
    "Stonks Oracle query API",
    "Read access to everything the pipeline and trading store: "
    "symbols, news documents and their signals, aggregates, "
    "recommendations, prices, orders with their lineage, fills, "
    "positions, portfolio value, risk verdicts and the pipeline's "
    "status; and the trading-engine's and risk-engine's own answers "
    "passed through, so that a dashboard needs no other door.",
    qa_routes,
    sizeof(qa_routes) / sizeof(qa_routes[0]),
    QA_SCHEMAS,
    1,
};

int cmd_query_api(int argc, char **argv)
{
    config c;
    qa_state st;
    int rc;

    if (cli_wants_help(argc, argv)) {
        printf(
            "usage: stonks query-api\n HTTP service on HTTP_BIND:HTTP_PORT: "
            "reads over the pipeline's and\n trading's tables, order lineage, "
            "pipeline status, and the\n trading-engine's and risk-engine's "
            "answers passed through.\n Documentation on /docs.\n");
        return 0;
    }
    if (cli_start("query-api", &c) < 0)
        return 2;
    webclient_init();
    memset(&st, 0, sizeof(st));
    st.cfg = &c;
    pthread_mutex_init(&st.qlock, NULL);
    rc = api_main(&query_api, &c, &st);
    queue_close(st.q);
    pthread_mutex_destroy(&st.qlock);
    config_release(&c);
    return rc;
}
