/*
 * query_api_read: the pipeline's tables over HTTP. Lists are keyset
 * pages, newest first (prices oldest first, for charts); the cursor
 * holds the sort key of the last row given, so a page never repeats or
 * skips a row however many rows arrive meanwhile at the head.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/event.h"
#include "services/query_api.h"
#include "services/symbols.h"

int qa_time_range(api_call *c, char from[40], char to[40], const char **pf,
                  const char **pt)
{
    int hf, ht;

    if ((hf = api_param_time(c, "from", from)) < 0 ||
        (ht = api_param_time(c, "to", to)) < 0)
        return -1;
    *pf = hf ? from : NULL;
    *pt = ht ? to : NULL;
    if (hf && ht && strcmp(from, to) > 0) {
        api_error(c, 400, "invalid_parameter", "from is after to");
        return -1;
    }
    return 0;
}

int qa_day_range(api_call *c, char from[11], char to[11], const char **pf,
                 const char **pt)
{
    char f[40], t[40];

    if (qa_time_range(c, f, t, pf, pt) < 0)
        return -1;
    /* The canonical form starts with the UTC day. */
    snprintf(from, 11, "%.10s", f);
    snprintf(to, 11, "%.10s", t);
    *pf = *pf ? from : NULL;
    *pt = *pt ? to : NULL;
    return 0;
}

/* Open ends of a range, so that a statement compares with constants
 * (both types take them) and its generic plan can use an index. */
static void open_ends(const char **from, const char **to)
{
    if (!*from)
        *from = "-infinity";
    if (!*to)
        *to = "infinity";
}

int qa_param_enum(api_call *c, const char *name, const char *const *choices,
                  char *out, size_t cap)
{
    char v[32];
    int got = http_query_param(c->req, name, v, sizeof(v));
    char list[256] = "";

    if (got == 0)
        return 0;
    /* in any case, as tickers are: ?action=buy is BUY, ?side=SELL sell */
    for (size_t i = 0; got > 0 && choices[i]; i++)
        if (strcasecmp(choices[i], v) == 0) {
            snprintf(out, cap, "%s", choices[i]);
            return 1;
        }
    for (size_t i = 0; choices[i]; i++) {
        size_t len = strlen(list);

        snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
                 choices[i]);
    }
    api_error(c, 400, "invalid_parameter", "%s must be one of: %s", name, list);
    return -1;
}

void qa_run_page(api_call *c, const char *name, const char *sql, const char **p,
                 int nfilters, const char *kinds, long limit)
{
    char cur[API_CURSOR_PARTS][API_CURSOR_PART_MAX], lim[24];
    int ncur = (int)strlen(kinds), has;
    PGresult *r;

    has = api_cursor(c, kinds, cur);
    if (has < 0)
        return;
    for (int i = 0; i < ncur; i++)
        p[nfilters + i] = has ? cur[i] : NULL;
    snprintf(lim, sizeof(lim), "%ld", limit + 1);
    p[nfilters + ncur] = lim;
    r = api_query(c, name, sql, nfilters + ncur + 1, p);
    if (!r)
        return;
    api_page(c, r, limit, ncur);
    PQclear(r);
}

/* Two statements, with and without a ticker: one with "ticker = $1
 * OR $1 IS NULL" would get a generic plan that scans every row. */
#define DOCUMENTS_SELECT                                                       \
    "SELECT to_char(d.published_at AT TIME ZONE 'UTC', "                       \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS key1, d.id AS key2, " QA_DOC_COLS \
    " FROM documents d "
#define DOCUMENTS_WHERE                                                        \
    " AND d.published_at >= $2::timestamptz AND d.published_at <= "            \
    "$3::timestamptz AND ($4::text IS NULL OR d.source = $4) AND "             \
    "($5::timestamptz IS NULL OR (d.published_at, d.id) < "                    \
    "($5::timestamptz, $6::bigint)) ORDER BY d.published_at DESC, d.id "       \
    "DESC LIMIT $7::int"

static const char SQL_DOCUMENTS_TICKER[] =
    DOCUMENTS_SELECT "JOIN document_tickers t ON t.document_id = d.id "
                     "WHERE t.ticker = $1" DOCUMENTS_WHERE;
static const char SQL_DOCUMENTS_ALL[] =
    DOCUMENTS_SELECT "WHERE $1::text IS NULL" DOCUMENTS_WHERE;

void qa_documents(api_call *c)
{
    char t[TICKER_MAX], from[40], to[40], source[65];
    const char *p[7];
    int ht, hs;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        qa_time_range(c, from, to, &p[1], &p[2]) < 0 ||
        (hs = api_param_str(c, "source", 64, source, sizeof(source))) < 0 ||
        api_limit(c, &limit) < 0)
        return;
    p[0] = ht ? t : NULL;
    p[3] = hs ? source : NULL;
    open_ends(&p[1], &p[2]);
    if (ht)
        qa_run_page(c, "qa_documents_t", SQL_DOCUMENTS_TICKER, p, 4, "ti",
                    limit);
    else
        qa_run_page(c, "qa_documents", SQL_DOCUMENTS_ALL, p, 4, "ti", limit);
}

static const char SQL_DOCUMENT[] =
    "SELECT d.id, d.source, d.provider_id, d.title, d.body, "
    "x.clean_text, d.published_at AT TIME ZONE 'UTC' AS published_at, "
    "d.trading_day, d.news_type, d.status, d.content_hash, "
    "x.text_hash, d.duplicate_of, d.created_at AT TIME ZONE 'UTC' AS "
    "created_at, d.updated_at AT TIME ZONE 'UTC' AS updated_at, "
    "coalesce((SELECT json_agg(json_build_object('ticker', t.ticker, "
    "'origin', t.origin, 'raw_key', t.raw_key) ORDER BY t.ticker) FROM "
    "document_tickers t WHERE t.document_id = d.id), '[]') AS tickers, "
    "coalesce((SELECT json_agg(DISTINCT t.raw_key) FROM "
    "document_tickers t WHERE t.document_id = d.id AND t.raw_key IS "
    "NOT NULL), '[]') AS raw_keys FROM documents d LEFT JOIN "
    "document_texts x ON x.document_id = d.id WHERE d.id = $1::bigint";

static const char SQL_DOCUMENT_SIGNALS[] =
    "SELECT " QA_SIGNAL_COLS
    " FROM signals s JOIN documents d ON d.id = s.document_id WHERE "
    "s.document_id = $1::bigint ORDER BY s.ticker, s.model_version";

void qa_document(api_call *c)
{
    long long id;
    char ids[24];
    const char *p[1] = {ids};
    PGresult *r, *sig;
    buf *b = &c->res->body;

    if (api_arg_id(c, 0, &id) < 0)
        return;
    snprintf(ids, sizeof(ids), "%lld", id);
    r = api_query(c, "qa_document", SQL_DOCUMENT, 1, p);
    if (!r)
        return;
    if (PQntuples(r) == 0) {
        api_error(c, 404, "not_found", "no document %lld", id);
        PQclear(r);
        return;
    }
    sig = api_query(c, "qa_document_signals", SQL_DOCUMENT_SIGNALS, 1, p);
    if (sig) {
        buf_reset(b);
        api_row_object(b, r, 0, 0);
        b->len--; /* the object goes on with its signals */
        buf_adds(b, ",\"signals\":");
        api_rows_array(b, sig, 0);
        buf_addc(b, '}');
    }
    PQclear(sig);
    PQclear(r);
}

/* event_type: one of the names the domain gives. */
static int event_param(api_call *c, char *out, size_t cap)
{
    char v[32], list[256] = "";
    int got = http_query_param(c->req, "event_type", v, sizeof(v));

    if (got == 0)
        return 0;
    for (int i = 0; i < EVENT_TYPE_COUNT; i++) {
        const char *name = event_type_name((event_type)i);
        size_t len = strlen(list);

        if (got > 0 && strcmp(name, v) == 0) {
            snprintf(out, cap, "%s", name);
            return 1;
        }
        snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", name);
    }
    api_error(c, 400, "invalid_parameter", "event_type must be one of: %s",
              list);
    return -1;
}

#define SIGNALS_SELECT                                                         \
    "SELECT s.trading_day::text AS key1, s.document_id AS key2, s.ticker "     \
    "AS key3, s.model_version AS key4, " QA_SIGNAL_COLS " FROM signals "       \
    "s JOIN documents d ON d.id = s.document_id WHERE "
#define SIGNALS_WHERE                                                          \
    " AND s.trading_day >= $2::date AND s.trading_day <= $3::date AND "        \
    "($4::text IS NULL OR s.event_type = $4) AND ($5::date IS NULL OR "        \
    "(s.trading_day, s.document_id, s.ticker, s.model_version) < "             \
    "($5::date, $6::bigint, $7, $8)) ORDER BY s.trading_day DESC, "            \
    "s.document_id DESC, s.ticker DESC, s.model_version DESC LIMIT "           \
    "$9::int"

static const char SQL_SIGNALS_TICKER[] =
    SIGNALS_SELECT "s.ticker = $1" SIGNALS_WHERE;
static const char SQL_SIGNALS_ALL[] =
    SIGNALS_SELECT "$1::text IS NULL" SIGNALS_WHERE;

void qa_signals(api_call *c)
{
    char t[TICKER_MAX], from[11], to[11], ev[32];
    const char *p[9];
    int ht, he;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        qa_day_range(c, from, to, &p[1], &p[2]) < 0 ||
        (he = event_param(c, ev, sizeof(ev))) < 0 || api_limit(c, &limit) < 0)
        return;
    p[0] = ht ? t : NULL;
    p[3] = he ? ev : NULL;
    open_ends(&p[1], &p[2]);
    if (ht)
        qa_run_page(c, "qa_signals_t", SQL_SIGNALS_TICKER, p, 4, "diss", limit);
    else
        qa_run_page(c, "qa_signals", SQL_SIGNALS_ALL, p, 4, "diss", limit);
}

#define AGGREGATES_SELECT                                                      \
    "SELECT a.as_of::text AS key1, a.ticker AS key2, " QA_AGGREGATE_COLS       \
    " FROM aggregates a WHERE "
#define AGGREGATES_WHERE                                                       \
    " AND a.as_of >= $2::date AND a.as_of <= $3::date AND ($4::date IS "       \
    "NULL OR (a.as_of, a.ticker) < ($4::date, $5)) ORDER BY a.as_of "          \
    "DESC, a.ticker DESC LIMIT $6::int"

static const char SQL_AGGREGATES_TICKER[] =
    AGGREGATES_SELECT "a.ticker = $1" AGGREGATES_WHERE;
static const char SQL_AGGREGATES_ALL[] =
    AGGREGATES_SELECT "$1::text IS NULL" AGGREGATES_WHERE;

void qa_aggregates(api_call *c)
{
    char t[TICKER_MAX], from[11], to[11];
    const char *p[6];
    int ht;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        qa_day_range(c, from, to, &p[1], &p[2]) < 0 || api_limit(c, &limit) < 0)
        return;
    p[0] = ht ? t : NULL;
    open_ends(&p[1], &p[2]);
    if (ht)
        qa_run_page(c, "qa_aggregates_t", SQL_AGGREGATES_TICKER, p, 3, "ds",
                    limit);
    else
        qa_run_page(c, "qa_aggregates", SQL_AGGREGATES_ALL, p, 3, "ds", limit);
}

static const char *const actions[] = {"BUY", "SELL", "HOLD", NULL};

#define RECOMMENDATIONS_SELECT                                                 \
    "SELECT r.as_of::text AS key1, r.ticker AS key2, " QA_RECOMMENDATION_COLS  \
    " FROM recommendations r WHERE "
#define RECOMMENDATIONS_WHERE                                                  \
    " AND r.as_of >= $2::date AND r.as_of <= $3::date AND ($4::text IS "       \
    "NULL OR r.action = $4) AND ($5::date IS NULL OR (r.as_of, r.ticker) "     \
    "< ($5::date, $6)) ORDER BY r.as_of DESC, r.ticker DESC LIMIT $7::int"

static const char SQL_RECOMMENDATIONS_TICKER[] =
    RECOMMENDATIONS_SELECT "r.ticker = $1" RECOMMENDATIONS_WHERE;
static const char SQL_RECOMMENDATIONS_ALL[] =
    RECOMMENDATIONS_SELECT "$1::text IS NULL" RECOMMENDATIONS_WHERE;

void qa_recommendations(api_call *c)
{
    char t[TICKER_MAX], from[11], to[11], action[8];
    const char *p[7];
    int ht, ha;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        qa_day_range(c, from, to, &p[1], &p[2]) < 0 ||
        (ha = qa_param_enum(c, "action", actions, action, sizeof(action))) <
            0 ||
        api_limit(c, &limit) < 0)
        return;
    p[0] = ht ? t : NULL;
    p[3] = ha ? action : NULL;
    open_ends(&p[1], &p[2]);
    if (ht)
        qa_run_page(c, "qa_recommendations_t", SQL_RECOMMENDATIONS_TICKER, p, 4,
                    "ds", limit);
    else
        qa_run_page(c, "qa_recommendations", SQL_RECOMMENDATIONS_ALL, p, 4,
                    "ds", limit);
}

/* One row per active symbol that has a recommendation: its latest,
 * one index probe per symbol. */
static const char SQL_LATEST[] =
    "SELECT " QA_RECOMMENDATION_COLS " FROM symbols sy CROSS JOIN "
    "LATERAL (SELECT * FROM recommendations x WHERE x.ticker = "
    "sy.ticker ORDER BY x.as_of DESC LIMIT 1) r WHERE sy.active ORDER "
    "BY sy.ticker";

void qa_recommendations_latest(api_call *c)
{
    PGresult *r = api_query(c, "qa_latest", SQL_LATEST, 0, NULL);

    if (!r)
        return;
    api_page(c, r, PQntuples(r), 0);
    PQclear(r);
}

static const char SQL_PRICES[] =
    "SELECT b.day::text AS key, b.ticker, b.day, b.open, b.high, b.low, "
    "b.close, b.volume, b.source FROM price_bars b WHERE b.ticker = $1 "
    "AND b.day >= $2::date AND b.day <= $3::date AND ($4::date IS NULL "
    "OR b.day > $4::date) ORDER BY b.day LIMIT $5::int";

void qa_prices(api_call *c)
{
    char t[TICKER_MAX], from[11], to[11];
    const char *p[5];
    int ht;
    long limit;

    if ((ht = symbols_param_symbol(c, "ticker", t)) < 0 ||
        qa_day_range(c, from, to, &p[1], &p[2]) < 0 || api_limit(c, &limit) < 0)
        return;
    if (!ht) {
        api_error(c, 400, "missing_parameter",
                  "ticker is required for /prices");
        return;
    }
    p[0] = t;
    open_ends(&p[1], &p[2]);
    qa_run_page(c, "qa_prices", SQL_PRICES, p, 3, "d", limit);
}
