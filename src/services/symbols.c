#include "services/symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
#include "services/svc.h"

#define SEARCH_MAX 64

const api_param symbols_list_params[] = {
    {"active", "boolean", "only active (true) or inactive (false) symbols"},
    {"sector", "string", "exact sector, any case, blanks around it aside"},
    {"q", "string",
     "text in the ticker, name or an alias, any case (up to 64 bytes)"},
    {"alt_ticker", "string",
     "only the symbol holding this alternative ticker, exactly (GOOG)"},
    {"limit", "integer", "page size, 1-500 (50)"},
    {"cursor", "string", "next_cursor of the previous page"},
    {NULL, NULL, NULL},
};

const api_param symbols_history_params[] = {
    {"limit", "integer", "page size, 1-500 (50)"},
    {"cursor", "string", "next_cursor of the previous page"},
    {NULL, NULL, NULL},
};

/* The symbol whose alternative ticker $1 is. */
#define SQL_ALT_OWNER                                                          \
    "SELECT ticker FROM symbol_aliases WHERE kind = 'ticker' AND alias = $1"

int symbols_resolve(db *d, const char *t, char out[TICKER_MAX])
{
    const char *p[] = {t};
    PGresult *r;
    int rc = 1;

    if (db_execp(d, "symbols_resolve",
                 "SELECT coalesce((SELECT ticker FROM symbols WHERE ticker ="
                 " $1), (" SQL_ALT_OWNER "))",
                 1, p, &r) != DB_OK)
        return -1;
    if (!PQgetisnull(r, 0, 0)) {
        snprintf(out, TICKER_MAX, "%s", PQgetvalue(r, 0, 0));
        rc = 0;
    }
    PQclear(r);
    return rc;
}

int symbols_check_ticker(api_call *c, const char *what, const char *in,
                         size_t len, char out[TICKER_MAX])
{
    if (ticker_normalize(in, len, out) == 0)
        return 0;
    api_error(c, 400, "invalid_ticker",
              "%s is not a valid ticker: 1-10 letters or digits, with an "
              "optional class of 1-4 after '.', '-' or '/' (BRK.B)",
              what);
    return -1;
}

int symbols_arg_ticker(api_call *c, int index, char out[TICKER_MAX])
{
    const char *s = c->args[index];

    return symbols_check_ticker(c, "the ticker in the path", s, strlen(s), out);
}

int symbols_param_ticker(api_call *c, const char *name, char out[TICKER_MAX])
{
    char v[64];
    int got = http_query_param(c->req, name, v, sizeof(v));

    if (got == 0)
        return 0;
    if (got < 0) {
        api_error(c, 400, "invalid_ticker", "%s is too long for a ticker",
                  name);
        return -1;
    }
    return symbols_check_ticker(c, name, v, strlen(v), out) < 0 ? -1 : 1;
}

int symbols_param_symbol(api_call *c, const char *name, char out[TICKER_MAX])
{
    const char *p[] = {out};
    int got = symbols_param_ticker(c, name, out);
    PGresult *r;

    if (got <= 0)
        return got;
    r = api_query(c, "sym_param",
                  "SELECT coalesce((SELECT ticker FROM symbols WHERE ticker "
                  "= $1), (" SQL_ALT_OWNER "), $1)",
                  1, p);
    if (!r)
        return -1;
    snprintf(out, TICKER_MAX, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 1;
}

/* "%text%" for ILIKE, with the pattern characters of text escaped. */
static void like_pattern(const char *text, char *out, size_t cap)
{
    size_t o = 0;

    out[o++] = '%';
    for (const char *p = text; *p && o + 3 < cap; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o++] = '%';
    out[o] = '\0';
}

static const char SQL_LIST[] =
    "SELECT s.ticker AS key, " SYMBOLS_COLS
    " FROM symbols s WHERE ($1::boolean IS NULL OR s.active = "
    "$1::boolean) AND ($2::text IS NULL OR lower(s.sector) = "
    "lower(btrim($2::text, E' \\t'))) AND ($3::text IS NULL OR "
    "s.ticker ILIKE $3 OR s.name ILIKE $3 OR EXISTS (SELECT 1 FROM "
    "symbol_aliases a WHERE "
    "a.ticker = s.ticker AND a.alias ILIKE $3)) AND ($4::text IS NULL "
    "OR s.ticker > $4) AND ($6::text IS NULL OR s.ticker = (SELECT "
    "a.ticker FROM symbol_aliases a WHERE a.kind = 'ticker' AND a.alias "
    "= $6)) ORDER BY s.ticker LIMIT $5::int";

void symbols_list(api_call *c)
{
    char sector[128], q[SEARCH_MAX + 1], pattern[2 * SEARCH_MAX + 3];
    char cur[1][API_CURSOR_PART_MAX], lim[24], alt[TICKER_MAX];
    int active = 0, has_active, has_sector, has_q, has_cur, has_alt;
    const char *p[6];
    long limit;
    PGresult *r;

    if ((has_active = api_param_bool(c, "active", &active)) < 0 ||
        (has_sector = api_param_str(c, "sector", 100, sector, sizeof(sector))) <
            0 ||
        (has_q = api_param_str(c, "q", SEARCH_MAX, q, sizeof(q))) < 0 ||
        (has_alt = symbols_param_ticker(c, "alt_ticker", alt)) < 0 ||
        api_limit(c, &limit) < 0 || (has_cur = api_cursor(c, "s", cur)) < 0)
        return;
    if (has_q)
        like_pattern(q, pattern, sizeof(pattern));
    snprintf(lim, sizeof(lim), "%ld", limit + 1);
    p[0] = has_active ? (active ? "true" : "false") : NULL;
    p[1] = has_sector ? sector : NULL;
    p[2] = has_q ? pattern : NULL;
    p[3] = has_cur ? cur[0] : NULL;
    p[4] = lim;
    p[5] = has_alt ? alt : NULL;
    r = api_query(c, "sym_list", SQL_LIST, 6, p);
    if (!r)
        return;
    api_page(c, r, limit, 1);
    PQclear(r);
}

void symbols_get(api_call *c)
{
    char t[TICKER_MAX], msg[128];
    const char *p[1] = {t};
    PGresult *r;

    if (symbols_arg_ticker(c, 0, t) < 0)
        return;
    r = api_query(c, "sym_get", SYMBOLS_GET_SQL, 1, p);
    if (!r)
        return;
    snprintf(msg, sizeof(msg), "no symbol %s", t);
    if (PQntuples(r) == 0) {
        /* an alternative ticker (GOOG): say whose, as orders take it */
        PGresult *a = api_query(c, "sym_alt", SQL_ALT_OWNER, 1, p);

        if (!a) {
            PQclear(r);
            return;
        }
        if (PQntuples(a) == 1)
            snprintf(msg, sizeof(msg),
                     "no symbol %s: it is an alternative ticker of %s "
                     "(GET /symbols/%s)",
                     t, PQgetvalue(a, 0, 0), PQgetvalue(a, 0, 0));
        PQclear(a);
    }
    api_one(c, r, msg);
    PQclear(r);
}

static const char SQL_HISTORY[] =
    "SELECT e.id AS key, e.id, e.ticker, e.action, e.detail AS symbol, "
    "e.request_id, e.at AT TIME ZONE 'UTC' AS at FROM symbol_events e "
    "WHERE e.ticker = $1 AND ($2::bigint IS NULL OR e.id < $2::bigint) "
    "ORDER BY e.id DESC LIMIT $3::int";

void symbols_history(api_call *c)
{
    char t[TICKER_MAX], lim[24], cur[1][API_CURSOR_PART_MAX];
    const char *p[3];
    long limit;
    int has_cur;
    PGresult *r;

    if (symbols_arg_ticker(c, 0, t) < 0 || api_limit(c, &limit) < 0 ||
        (has_cur = api_cursor(c, "i", cur)) < 0)
        return;
    p[0] = t;
    r = api_query(c, "sym_exists", "SELECT 1 FROM symbols WHERE ticker = $1", 1,
                  p);
    if (!r)
        return;
    if (PQntuples(r) == 0) {
        api_error(c, 404, "not_found", "no symbol %s", t);
        PQclear(r);
        return;
    }
    PQclear(r);
    snprintf(lim, sizeof(lim), "%ld", limit + 1);
    p[1] = has_cur ? cur[0] : NULL;
    p[2] = lim;
    r = api_query(c, "sym_history", SQL_HISTORY, 3, p);
    if (!r)
        return;
    api_page(c, r, limit, 1);
    PQclear(r);
}

int replay_tickers_parse(const config *c, char ***out, size_t *n, char *err,
                         size_t errlen)
{
    char bad[24];

    if (ticker_list_parse(c->replay_tickers, out, n, bad) < 0) {
        snprintf(err, errlen, "REPLAY_TICKERS: invalid ticker '%s'", bad);
        return -1;
    }
    if (*n == 0) {
        snprintf(err, errlen,
                 "REPLAY_TICKERS names no ticker; leave it empty for every "
                 "active symbol");
        return -1;
    }
    return 0;
}

int replay_tickers_resolve(db *d, const config *c, char ***out, size_t *n,
                           char *err, size_t errlen)
{
    char **given;
    size_t ngiven;
    int rc = replay_tickers_parse(c, &given, &ngiven, err, errlen);

    *out = NULL;
    *n = 0;
    for (size_t i = 0; rc == 0 && i < ngiven; i++) {
        char sym[TICKER_MAX];
        size_t k = 0;

        rc = symbols_resolve(d, given[i], sym);
        if (rc < 0)
            snprintf(err, errlen, "%s", db_error(d));
        else if (rc > 0)
            snprintf(err, errlen,
                     "REPLAY_TICKERS: '%s' is not a symbol of the registry "
                     "nor an alternative ticker of one",
                     given[i]);
        if (rc != 0)
            break;
        while (k < *n && strcmp((*out)[k], sym) != 0)
            k++;
        if (k == *n) { /* GOOG,GOOGL is GOOGL once */
            *out = xreallocarray(*out, *n + 1, sizeof(char *));
            (*out)[(*n)++] = xstrdup(sym);
        }
    }
    ticker_list_free(given, ngiven);
    if (rc == 0)
        return 0;
    ticker_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

int replay_tickers_active(db *d, char *const *tickers, size_t n, char *err,
                          size_t errlen)
{
    static const char sql[] =
        "SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)"
        " WHERE NOT EXISTS (SELECT 1 FROM symbols WHERE ticker = u.t"
        " AND active) ORDER BY u.i LIMIT 1";
    pgarr arr;
    const char *p[1];
    PGresult *r;
    int rc = 0;

    pgarr_init(&arr);
    for (size_t i = 0; i < n; i++)
        pgarr_adds(&arr, tickers[i]);
    p[0] = pgarr_text(&arr);
    if (db_execp(d, "sym_replay_active", sql, 1, p, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        pgarr_release(&arr);
        return -1;
    }
    if (PQntuples(r) > 0) {
        snprintf(err, errlen,
                 "REPLAY_TICKERS: '%s' is not an active symbol of the "
                 "registry",
                 PQgetvalue(r, 0, 0));
        rc = -1;
    }
    PQclear(r);
    pgarr_release(&arr);
    return rc;
}
