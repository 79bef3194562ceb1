#include "services/trading.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/api.h"
#include "lib/api_doc.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/token.h"
#include "lib/url.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/svc.h"
#include "services/trading_limits.h"

#define OPEN_STATES "('queued', 'submitting', 'accepted', 'partially_filled')"

#define ALPACA_PAPER_HOST "paper-api.alpaca.markets"
#define ALPACA_LIVE_HOST "api.alpaca.markets"

/* Whether url is https:// to host, or any URL to a loopback address (a
 * local stand-in): the only places the keys and the orders may go to. A
 * host is named in any case and may end in '.', so it is compared as
 * the resolver reads it; anything else (the other mode's endpoint, a
 * proxy, an address, plain http over the network, where the keys would
 * travel in clear) is refused rather than guessed at. */
static int alpaca_url_is(const char *url, const char *host)
{
    const size_t n = strlen(host);
    url_parts u;

    if (url_split(url, &u) < 0)
        return 0;
    if (url_is_loopback(&u))
        return 1;
    return url_scheme_is(&u, "https") &&
           (u.host_len == n || (u.host_len == n + 1 && u.host[n] == '.')) &&
           strncasecmp(u.host, host, n) == 0;
}

int trading_mode_check(const config *c, char *err, size_t errlen)
{
    int live = strcmp(c->trading_mode, "live") == 0;
    int alpaca = strcmp(c->broker, "alpaca") == 0;

    if (live && strcmp(c->trading_live_confirm, LIVE_CONFIRM_VALUE) != 0) {
        snprintf(err, errlen,
                 "TRADING_MODE=live needs TRADING_LIVE_CONFIRM=%s as well",
                 LIVE_CONFIRM_VALUE);
        return -1;
    }
    if (live && !alpaca) {
        snprintf(err, errlen,
                 "TRADING_MODE=live needs a real broker (BROKER=alpaca); the "
                 "paper broker moves no money");
        return -1;
    }
    if (!alpaca)
        return 0;
    if (c->scheduler_mode && strcmp(c->scheduler_mode, "live") != 0) {
        snprintf(err, errlen,
                 "BROKER=alpaca trades today's market: it needs "
                 "SCHEDULER_MODE=live (a replay decides past sessions, whose "
                 "orders the broker would run today, at today's prices)");
        return -1;
    }
    if (!c->broker_base_url[0] || !c->broker_api_key[0] ||
        !c->broker_api_secret[0]) {
        snprintf(err, errlen,
                 "BROKER=alpaca needs BROKER_BASE_URL, BROKER_API_KEY and "
                 "BROKER_API_SECRET");
        return -1;
    }
    if (!live && !alpaca_url_is(c->broker_base_url, ALPACA_PAPER_HOST)) {
        snprintf(err, errlen,
                 "TRADING_MODE=paper with BROKER=alpaca needs BROKER_BASE_URL "
                 "to be Alpaca's paper endpoint, "
                 "https://" ALPACA_PAPER_HOST " (or a loopback address, for a "
                 "local stand-in); any other host may be the live one");
        return -1;
    }
    if (live && !alpaca_url_is(c->broker_base_url, ALPACA_LIVE_HOST)) {
        snprintf(err, errlen,
                 "TRADING_MODE=live needs BROKER_BASE_URL to be Alpaca's "
                 "live endpoint, https://" ALPACA_LIVE_HOST
                 " (or a loopback address, for a local stand-in): the keys "
                 "of a real account go nowhere else, and never in clear");
        return -1;
    }
    return 0;
}

int trading_start(const char *service, config *c)
{
    char err[512];

    if (cli_start(service, c) < 0)
        return -1;
    if (trading_mode_check(c, err, sizeof(err)) < 0) {
        LOG_ERROR("refusing to start", LF_S("error", err));
        fprintf(stderr, "stonks %s: %s\n", service, err);
        config_release(c);
        return -1;
    }
    return 0;
}

int trading_db_worker_rc(const db *d)
{
    const char *st = db_sqlstate(d);

    if (!st[0] || strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 ||
        strncmp(st, "53", 2) == 0 || strncmp(st, "57", 2) == 0)
        return WORKER_RETRY;
    return WORKER_FAIL;
}

const char *trading_mode(const config *c)
{
    return strcmp(c->trading_mode, "live") == 0 ? "live" : "paper";
}

int trading_ensure_account(db *d, const config *c, char *err, size_t errlen)
{
    cents cash;
    char s[MONEY_FMT_MAX];
    const char *p[1];
    int rc;

    if (money_parse(c->starting_cash, strlen(c->starting_cash), &cash) < 0 ||
        cash < 0) {
        snprintf(err, errlen,
                 "STARTING_CASH must be dollars like 100000.00, got '%.40s'",
                 c->starting_cash);
        return DB_FAIL;
    }
    snprintf(s, sizeof(s), "%lld", (long long)cash);
    p[0] = s;
    /* (a fresh account only: one whose row was deleted while fills
     * exist is not made again with the starting cash beside its
     * positions; trading_state_load refuses to judge without it) */
    rc = db_execp(d, "tr_account",
                  "INSERT INTO account (id, starting_cash_cents, cash_cents)"
                  " SELECT 1, $1::bigint, $1::bigint"
                  " WHERE NOT EXISTS (SELECT 1 FROM fills)"
                  " ON CONFLICT (id) DO NOTHING",
                  1, p, NULL);
    if (rc != DB_OK)
        snprintf(err, errlen, "%s", db_error(d));
    return rc;
}

/* Queries of the state, in the order trading_state_load runs them. */

static const char SQL_LIMITS[] = "SELECT name, value FROM risk_limits";

static const char SQL_RESTRICTED[] =
    "SELECT ticker FROM restricted_tickers ORDER BY ticker";

static const char SQL_INACTIVE[] =
    "SELECT ticker FROM symbols WHERE NOT active ORDER BY ticker";

static const char SQL_ACCOUNT[] =
    "SELECT a.cash_cents, a.starting_cash_cents,"
    " (SELECT k.active FROM kill_switch k WHERE k.id = 1)"
    " FROM account a WHERE a.id = 1";

static const char SQL_HELD[] =
    "SELECT p.ticker, coalesce(s.sector, ''), p.qty, p.cost_basis_cents,"
    " (SELECT b.close FROM price_bars b WHERE b.ticker = p.ticker"
    "  AND b.day <= $1::date ORDER BY b.day DESC LIMIT 1)"
    " FROM positions p LEFT JOIN symbols s ON s.ticker = p.ticker"
    " WHERE p.qty <> 0 ORDER BY p.ticker";

/* Fills of orders decided on the day or later: set aside. */
static const char SQL_LATE_FILLS[] =
    "SELECT f.ticker, f.side, sum(f.qty)::bigint, sum(f.gross_cents)::bigint,"
    " sum(f.commission_cents)::bigint, coalesce(min(s.sector), ''),"
    " (SELECT b.close FROM price_bars b WHERE b.ticker = f.ticker"
    "  AND b.day <= $1::date ORDER BY b.day DESC LIMIT 1)"
    " FROM fills f JOIN orders o ON o.id = f.order_id"
    " LEFT JOIN symbols s ON s.ticker = f.ticker"
    " WHERE o.decision_day >= $1::date AND o.client_order_id <> $2"
    " GROUP BY f.ticker, f.side ORDER BY 1, 2";

static const char SQL_OPEN[] =
    "SELECT o.ticker, coalesce(s.sector, ''), o.side,"
    " CASE WHEN o.decision_day < $1::date THEN o.qty - o.filled_qty"
    "  WHEN o.status IN " OPEN_STATES " THEN o.qty ELSE o.filled_qty END,"
    " o.ref_price_cents,"
    " (SELECT b.close FROM price_bars b WHERE b.ticker = o.ticker"
    "  AND b.day <= $1::date ORDER BY b.day DESC LIMIT 1),"
    " o.type, coalesce(o.limit_price_cents, 0)"
    " FROM orders o LEFT JOIN symbols s ON s.ticker = o.ticker"
    " WHERE o.client_order_id <> $2 AND ("
    "  (o.decision_day >= $1::date AND (o.status IN " OPEN_STATES
    "   OR o.filled_qty > 0))"
    "  OR (o.decision_day < $1::date AND o.status IN " OPEN_STATES "))"
    " ORDER BY o.id";

static const char SQL_COUNTS[] =
    "SELECT ticker, count(*) FROM orders WHERE exec_day = $1::date"
    " AND client_order_id <> $2 AND status <> 'denied'"
    " GROUP BY ticker ORDER BY ticker";

static const char SQL_HISTORY[] =
    "SELECT (SELECT equity_cents FROM portfolio_values WHERE day < $1::date"
    "  ORDER BY day DESC LIMIT 1),"
    " (SELECT max(equity_cents) FROM portfolio_values WHERE day < $1::date)";

static risk_position *position_for(trading_state *s, const char *ticker,
                                   const char *sector)
{
    risk_position *p;

    for (size_t i = 0; i < s->npos; i++)
        if (strcmp(s->pos[i].ticker, ticker) == 0)
            return &s->pos[i];
    if (s->npos == s->cappos) {
        s->cappos = s->cappos ? s->cappos * 2 : 16;
        s->pos = xreallocarray(s->pos, s->cappos, sizeof(*s->pos));
    }
    p = &s->pos[s->npos++];
    memset(p, 0, sizeof(*p));
    snprintf(p->ticker, sizeof(p->ticker), "%s", ticker);
    snprintf(p->sector, sizeof(p->sector), "%s", sector);
    s->acct.positions = s->pos;
    s->acct.npositions = s->npos;
    return p;
}

static ticker_count *count_for(trading_state *s, const char *ticker)
{
    ticker_count *t;

    for (size_t i = 0; i < s->ncounts; i++)
        if (strcmp(s->counts[i].ticker, ticker) == 0)
            return &s->counts[i];
    if (s->ncounts == s->capcounts) {
        s->capcounts = s->capcounts ? s->capcounts * 2 : 16;
        s->counts = xreallocarray(s->counts, s->capcounts, sizeof(*s->counts));
    }
    t = &s->counts[s->ncounts++];
    snprintf(t->ticker, sizeof(t->ticker), "%s", ticker);
    t->n = 0;
    return t;
}

/* A close from the database as cents; 0 when NULL or unusable. */
static cents close_cents(PGresult *r, int row, int col)
{
    cents c;

    if (PQgetisnull(r, row, col) ||
        money_from_text(PQgetvalue(r, row, col), &c) < 0)
        return 0;
    return c;
}

/* The limits of r's rows; the name of one with no row, or NULL. A
 * missing row is no limit to judge by: the order is refused (its field
 * would read 0, which turns most limits off). */
static const char *load_limits(trading_state *s, PGresult *r)
{
    for (size_t k = 0; k < trading_nlimits; k++) {
        const trading_limit_def *d = &trading_limit_defs[k];
        int i = 0;

        while (i < PQntuples(r) && strcmp(PQgetvalue(r, i, 0), d->name) != 0)
            i++;
        if (i == PQntuples(r))
            return d->name;
        *(int64_t *)((char *)&s->limits + d->offset) =
            atoll(PQgetvalue(r, i, 1));
    }
    return NULL;
}

/* The tickers of r's first column: *owned holds the strings, *list
 * and *n show them to the rules. */
static void load_tickers(PGresult *r, char ***owned, const char *const **list,
                         size_t *n)
{
    *n = (size_t)PQntuples(r);
    *owned = xcalloc(*n + 1, sizeof(char *));
    for (size_t i = 0; i < *n; i++)
        (*owned)[i] = xstrdup(PQgetvalue(r, (int)i, 0));
    *list = (const char *const *)*owned;
}

static void free_tickers(char **owned, size_t n)
{
    if (owned)
        for (size_t i = 0; i < n; i++)
            free(owned[i]);
    free(owned);
}

/* Held shares, valued at the last close (the average cost when there is
 * no bar yet). */
static void load_held(trading_state *s, PGresult *r)
{
    for (int i = 0; i < PQntuples(r); i++) {
        risk_position *p =
            position_for(s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        int64_t qty = atoll(PQgetvalue(r, i, 2));

        p->qty += qty;
        p->sellable += qty;
        p->price = close_cents(r, i, 4);
        if (p->price == 0 && qty > 0)
            p->price = atoll(PQgetvalue(r, i, 3)) / qty;
    }
}

/* Undoes the fills of orders decided on the day or later. */
static void set_aside_late_fills(trading_state *s, PGresult *r)
{
    for (int i = 0; i < PQntuples(r); i++) {
        risk_position *p =
            position_for(s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 5));
        int buy = strcmp(PQgetvalue(r, i, 1), "buy") == 0;
        int64_t qty = atoll(PQgetvalue(r, i, 2));
        cents gross = atoll(PQgetvalue(r, i, 3));
        cents fee = atoll(PQgetvalue(r, i, 4));

        /* A position the fill closed is not among the held ones. */
        if (p->price == 0)
            p->price = close_cents(r, i, 6);
        p->qty += buy ? -qty : qty;
        p->sellable += buy ? -qty : qty;
        s->acct.cash += (buy ? gross : -gross) + fee;
    }
}

static void value_held(trading_state *s)
{
    s->positions_value = 0;
    for (size_t i = 0; i < s->npos; i++) {
        cents v;

        if (money_mul(s->pos[i].price, s->pos[i].qty, &v) == 0)
            money_add(s->positions_value, v, &s->positions_value);
    }
    if (money_add(s->acct.cash, s->positions_value, &s->acct.equity) < 0)
        s->acct.equity = MONEY_MAX;
}

static void add_open_orders(trading_state *s, PGresult *r)
{
    for (int i = 0; i < PQntuples(r); i++) {
        risk_position *p =
            position_for(s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        order_intent o;

        memset(&o, 0, sizeof(o));
        o.side = strcmp(PQgetvalue(r, i, 2), "buy") == 0 ? SIDE_BUY : SIDE_SELL;
        o.qty = atoll(PQgetvalue(r, i, 3));
        o.ref_price = atoll(PQgetvalue(r, i, 4));
        /* a limit buy holds back its shares at the limit when that is
         * more than the notional plus the buffer (risk_buy_reserve) */
        if (order_type_parse(PQgetvalue(r, i, 6), &o.type) < 0)
            o.type = ORDER_MARKET;
        o.limit_price = atoll(PQgetvalue(r, i, 7));
        if (!p->sector[0])
            snprintf(p->sector, sizeof(p->sector), "%s", PQgetvalue(r, i, 1));
        if (p->price == 0)
            p->price =
                close_cents(r, i, 5) ? close_cents(r, i, 5) : o.ref_price;
        p->qty += o.side == SIDE_BUY ? o.qty : -o.qty;
        if (o.side == SIDE_SELL)
            p->sellable -= o.qty;
        money_add(s->acct.reserved, trading_reserve(&s->limits, &o),
                  &s->acct.reserved);
    }
}

static void load_counts(trading_state *s, PGresult *r)
{
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t n = atoll(PQgetvalue(r, i, 1));

        count_for(s, PQgetvalue(r, i, 0))->n = n;
        s->acct.orders_today += n;
    }
}

static void load_history(trading_state *s, PGresult *r)
{
    cents peak = s->starting_cash;

    s->acct.day_start_equity =
        PQgetisnull(r, 0, 0) ? s->starting_cash : atoll(PQgetvalue(r, 0, 0));
    if (!PQgetisnull(r, 0, 1) && atoll(PQgetvalue(r, 0, 1)) > peak)
        peak = atoll(PQgetvalue(r, 0, 1));
    if (s->acct.equity > peak)
        peak = s->acct.equity;
    s->acct.peak_equity = peak;
}

int trading_state_load(db *d, const config *c, int32_t decision_day,
                       int32_t exec_day, const char *exclude_coid,
                       trading_state *s, char *err, size_t errlen)
{
    char dd[11], ed[11];
    const char *p1[1], *p2[2], *pc[2];
    PGresult *r = NULL;
    int rc;

    memset(s, 0, sizeof(*s));
    s->decision_day = decision_day;
    s->exec_day = exec_day;
    s->acct.today = -1;
    s->acct.now_minute = -1;
    if (strcmp(c->scheduler_mode, "live") == 0)
        exchange_ny_time((int64_t)time(NULL), &s->acct.today,
                         &s->acct.now_minute);
    date_format(decision_day, dd);
    date_format(exec_day, ed);
    p1[0] = dd;
    p2[0] = dd;
    p2[1] = exclude_coid ? exclude_coid : "";
    pc[0] = ed;
    pc[1] = p2[1];
    rc = trading_ensure_account(d, c, err, errlen);
    if (rc != DB_OK)
        return rc;
    if ((rc = db_execp(d, "tr_limits", SQL_LIMITS, 0, NULL, &r)) != DB_OK)
        goto dberr;
    {
        const char *missing = load_limits(s, r);

        PQclear(r);
        if (missing) {
            snprintf(err, errlen,
                     "the risk limit %s has no row in risk_limits: no order "
                     "is judged without it; set it with PATCH /limits on "
                     "the risk-engine",
                     missing);
            db_set_error(d, err);
            return DB_FAIL;
        }
    }
    if (strcmp(c->broker, "paper") == 0)
        s->limits.commission_order = c->paper_commission_cents;
    if ((rc = db_execp(d, "tr_restricted", SQL_RESTRICTED, 0, NULL, &r)) !=
        DB_OK)
        goto dberr;
    load_tickers(r, &s->restricted, &s->limits.restricted,
                 &s->limits.nrestricted);
    PQclear(r);
    if ((rc = db_execp(d, "tr_inactive", SQL_INACTIVE, 0, NULL, &r)) != DB_OK)
        goto dberr;
    load_tickers(r, &s->inactive, &s->limits.inactive, &s->limits.ninactive);
    PQclear(r);
    if ((rc = db_execp(d, "tr_acct", SQL_ACCOUNT, 0, NULL, &r)) != DB_OK)
        goto dberr;
    if (PQntuples(r) == 0) {
        PQclear(r);
        snprintf(err, errlen,
                 "the account has no row while fills exist: no order is "
                 "judged without its cash; restore the row (starting cash "
                 "and the cash after every fill), or start a fresh paper "
                 "account (stonks demo empties the trading tables)");
        db_set_error(d, err);
        return DB_FAIL;
    }
    s->acct.cash = atoll(PQgetvalue(r, 0, 0));
    s->starting_cash = atoll(PQgetvalue(r, 0, 1));
    /* (no kill switch row, deleted by hand: on, as no row says off) */
    s->kill_switch_db = PQgetisnull(r, 0, 2) || PQgetvalue(r, 0, 2)[0] == 't';
    s->acct.kill_switch = s->kill_switch_db;
    PQclear(r);
    if ((rc = db_execp(d, "tr_held", SQL_HELD, 1, p1, &r)) != DB_OK)
        goto dberr;
    load_held(s, r);
    PQclear(r);
    if ((rc = db_execp(d, "tr_late", SQL_LATE_FILLS, 2, p2, &r)) != DB_OK)
        goto dberr;
    set_aside_late_fills(s, r);
    PQclear(r);
    value_held(s);
    if ((rc = db_execp(d, "tr_open", SQL_OPEN, 2, p2, &r)) != DB_OK)
        goto dberr;
    add_open_orders(s, r);
    PQclear(r);
    if ((rc = db_execp(d, "tr_counts", SQL_COUNTS, 2, pc, &r)) != DB_OK)
        goto dberr;
    load_counts(s, r);
    PQclear(r);
    if ((rc = db_execp(d, "tr_hist", SQL_HISTORY, 1, p1, &r)) != DB_OK)
        goto dberr;
    load_history(s, r);
    PQclear(r);
    return DB_OK;
dberr:
    snprintf(err, errlen, "%s", db_error(d));
    trading_state_release(s);
    return rc;
}

void trading_state_release(trading_state *s)
{
    free_tickers(s->restricted, s->limits.nrestricted);
    free_tickers(s->inactive, s->limits.ninactive);
    free(s->pos);
    free(s->counts);
    memset(s, 0, sizeof(*s));
}

void trading_state_focus(trading_state *s, const char *ticker)
{
    s->acct.ticker_orders_today = 0;
    for (size_t i = 0; i < s->ncounts; i++)
        if (strcmp(s->counts[i].ticker, ticker) == 0)
            s->acct.ticker_orders_today = s->counts[i].n;
}

cents trading_reserve(const risk_limits *l, const order_intent *o)
{
    cents r;

    return risk_hold(l, o, &r) < 0 ? 0 : r;
}

void trading_state_apply(trading_state *s, const order_intent *o)
{
    risk_position *p = position_for(s, o->ticker, o->sector);

    if (p->price == 0)
        p->price = o->ref_price;
    p->qty += o->side == SIDE_BUY ? o->qty : -o->qty;
    if (o->side == SIDE_SELL)
        p->sellable -= o->qty;
    count_for(s, o->ticker)->n++;
    s->acct.orders_today++;
    money_add(s->acct.reserved, trading_reserve(&s->limits, o),
              &s->acct.reserved);
}

int64_t trading_projected_qty(const trading_state *s, const char *ticker)
{
    return risk_position_qty(&s->acct, ticker);
}

int64_t trading_sellable_qty(const trading_state *s, const char *ticker)
{
    return risk_sellable_qty(&s->acct, ticker);
}

int trading_ticker_info(db *d, const char *ticker, int32_t day, cents *price,
                        int32_t *price_day, char sector[SECTOR_MAX], char *err,
                        size_t errlen)
{
    static const char sql[] =
        "SELECT s.sector, b.close, b.day - DATE '1970-01-01' FROM symbols s"
        " LEFT JOIN LATERAL (SELECT close, day FROM price_bars"
        "  WHERE ticker = s.ticker AND day <= $2::date"
        "  ORDER BY day DESC LIMIT 1) b ON true WHERE s.ticker = $1";
    char ds[11];
    const char *p[2];
    PGresult *r;
    int rc = 1;

    date_format(day, ds);
    p[0] = ticker;
    p[1] = ds;
    if (db_execp(d, "tr_ticker", sql, 2, p, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        return -1;
    }
    if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 1)) {
        snprintf(sector, SECTOR_MAX, "%s", PQgetvalue(r, 0, 0));
        *price = close_cents(r, 0, 1);
        /* (days since 1970 as a number: ::text follows DateStyle) */
        *price_day = (int32_t)atol(PQgetvalue(r, 0, 2));
        rc = *price > 0 ? 0 : 1;
    }
    PQclear(r);
    return rc;
}

int trading_price_intent(db *d, order_intent *o, int32_t decision_day,
                         char *err, size_t errlen)
{
    cents close = 0;
    int rc = trading_ticker_info(d, o->ticker, decision_day, &close,
                                 &o->price_day, o->sector, err, errlen);

    if (rc != 0)
        return rc;
    o->ref_price = close;
    return 0;
}

json_t *trading_reasons_json(const risk_verdict *v)
{
    json_t *a = json_array();

    for (size_t i = 0; i < v->nreasons; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "code",
                                           v->reasons[i].code, "message",
                                           v->reasons[i].message));
    return a;
}

static json_t *money_json(cents c)
{
    char s[MONEY_FMT_MAX];

    money_format(c, s);
    return json_string(s);
}

json_t *trading_intent_json(const order_intent *o, int32_t decision_day)
{
    char dd[11], ed[11];
    json_t *j;

    date_format(decision_day, dd);
    date_format(o->exec_day, ed);
    j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:s, s:s, s:i}",
                  "client_order_id", o->client_order_id, "ticker", o->ticker,
                  "side", order_side_name(o->side), "qty", (json_int_t)o->qty,
                  "type", order_type_name(o->type), "extended_hours",
                  o->extended_hours, "decision_day", dd, "exec_day", ed,
                  "exec_minute", o->exec_minute);
    if (o->type == ORDER_LIMIT)
        json_object_set_new(j, "limit_price", money_json(o->limit_price));
    return j;
}

json_t *trading_inputs_json(const trading_state *s, const order_intent *o)
{
    json_t *in = trading_intent_json(o, s->decision_day);
    json_t *pos = json_array(), *lim = json_object(), *acct;

    json_object_set_new(in, "ref_price", money_json(o->ref_price));
    if (o->ref_price > 0) {
        char pd[11];

        date_format(o->price_day, pd);
        json_object_set_new(in, "price_day", json_string(pd));
    }
    json_object_set_new(in, "sector", json_string(o->sector));
    for (size_t i = 0; i < s->npos; i++)
        if (s->pos[i].qty != 0)
            json_array_append_new(
                pos, json_pack("{s:s, s:s, s:I, s:o}", "ticker",
                               s->pos[i].ticker, "sector", s->pos[i].sector,
                               "qty", (json_int_t)s->pos[i].qty, "price",
                               money_json(s->pos[i].price)));
    acct = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:b, s:o}", "cash",
                     money_json(s->acct.cash), "reserved",
                     money_json(s->acct.reserved), "equity",
                     money_json(s->acct.equity), "day_start_equity",
                     money_json(s->acct.day_start_equity), "peak_equity",
                     money_json(s->acct.peak_equity), "orders_today",
                     (json_int_t)s->acct.orders_today, "ticker_orders_today",
                     (json_int_t)s->acct.ticker_orders_today, "kill_switch",
                     s->acct.kill_switch, "positions", pos);
    if (s->acct.today >= 0) {
        char td[11], now[24];

        json_object_set_new(acct, "today",
                            json_string(DAYSTR(s->acct.today, td)));
        snprintf(now, sizeof(now), "%02d:%02d", s->acct.now_minute / 60,
                 s->acct.now_minute % 60);
        json_object_set_new(acct, "now", json_string(now));
    }
    for (size_t i = 0; i < trading_nlimits; i++)
        json_object_set_new(
            lim, trading_limit_defs[i].name,
            json_integer(*(const int64_t *)((const char *)&s->limits +
                                            trading_limit_defs[i].offset)));
    return json_pack("{s:o, s:o, s:o}", "intent", in, "account", acct, "limits",
                     lim);
}

int trading_store_verdict(db *d, const config *c, const char *stage,
                          const order_intent *o, const risk_verdict *v,
                          const trading_state *s)
{
    static const char sql[] =
        "INSERT INTO risk_verdicts (client_order_id, stage, allowed, reasons,"
        " inputs, mode) VALUES ($1, $2, $3::boolean, $4::jsonb, $5::jsonb,"
        " $6)";
    json_t *reasons = trading_reasons_json(v);
    json_t *inputs = trading_inputs_json(s, o);
    char *rj = json_dumps(reasons, JSON_COMPACT);
    char *ij = json_dumps(inputs, JSON_COMPACT);
    const char *p[] = {
        o->client_order_id, stage, v->allowed ? "t" : "f", rj, ij,
        trading_mode(c)};
    int rc = db_execp(d, "tr_verdict", sql, 6, p, NULL);

    free(rj);
    free(ij);
    json_decref(reasons);
    json_decref(inputs);
    return rc;
}

int trading_notify(db *d, const char *dedupe, const char *kind,
                   const char *subject, const char *body)
{
    static const char sql[] =
        "INSERT INTO notifications (dedupe_key, kind, subject, body)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING";
    const char *p[] = {dedupe, kind, subject, body};
    int rc = db_execp(d, "tr_notify", sql, 4, p, NULL);

    if (rc == DB_OK)
        LOG_INFO("notification queued", LF_S("kind", kind),
                 LF_S("subject", subject));
    return rc;
}

int trading_kill_switch_set(db *d, int active, const char *reason,
                            const char *by, int *changed)
{
    /* (a row deleted by hand is written again: an UPDATE of no row left
     * the switch off whatever was asked, the drawdown trip included) */
    static const char sql[] =
        "WITH u AS (INSERT INTO kill_switch (id, active, reason,"
        " changed_by) VALUES (1, $1::boolean, $2, $3) ON CONFLICT (id)"
        " DO UPDATE SET active = EXCLUDED.active, reason = EXCLUDED.reason,"
        " changed_by = EXCLUDED.changed_by, changed_at = now()"
        " WHERE kill_switch.active <> EXCLUDED.active RETURNING active)"
        " INSERT INTO kill_switch_events (active, reason, changed_by)"
        " SELECT active, $2, $3 FROM u RETURNING id";
    const char *p[] = {active ? "t" : "f", reason, by};
    PGresult *r;
    int rc = db_execp(d, "tr_kill", sql, 3, p, &r);
    char key[64], subject[160], *body;

    *changed = 0;
    if (rc != DB_OK)
        return rc;
    *changed = PQntuples(r) == 1;
    if (*changed) {
        snprintf(key, sizeof(key), "kill_switch:%s", PQgetvalue(r, 0, 0));
        snprintf(subject, sizeof(subject), "[stonks] kill switch %s",
                 active ? "ON: no new orders" : "off: trading resumes");
        body = xasprintf("The kill switch was turned %s by %s.\nReason: %s\n",
                         active ? "on" : "off", by, reason);
        rc = trading_notify(d, key, "kill_switch", subject, body);
        free(body);
        LOG_WARN("kill switch changed", LF_I("active", active), LF_S("by", by),
                 LF_S("reason", reason));
    }
    PQclear(r);
    return rc;
}

static int json_day(json_t *j, const char *key, int32_t *day)
{
    json_t *v = json_object_get(j, key);

    /* YYYY-MM-DD only, as the message asks, not date_parse's YYYYMMDD */
    return json_is_string(v) && json_string_length(v) == 10 &&
                   date_parse(json_string_value(v), 10, day) == 0 &&
                   day_plausible_now(*day)
               ? 0
               : -1;
}

/* A limit price: dollars as a string, more than 0, in whole cents (a
 * third decimal would be rounded, and a buy could then pay more than
 * its stated limit), on a limit order only. */
static int limit_parse(json_t *lim, order_intent *o, char *err, size_t errlen)
{
    const char *s = json_string_value(lim);
    size_t len = json_string_length(lim);
    int rc = s ? money_parse_cents(s, len, &o->limit_price) : -1;

    if (rc == -1) {
        char max[MONEY_FMT_MAX];

        money_format(MONEY_MAX, max);
        snprintf(err, errlen,
                 "limit_price must be dollars as a string, like \"12.34\", "
                 "at most %s",
                 max);
        return -1;
    }
    if (rc == -2) {
        snprintf(err, errlen,
                 "limit_price must be whole cents, at most 2 decimals");
        return -1;
    }
    if (o->limit_price <= 0) {
        snprintf(err, errlen, "limit_price must be more than 0");
        return -1;
    }
    if (o->type != ORDER_LIMIT) {
        snprintf(err, errlen,
                 "limit_price is for a limit order (\"type\":\"limit\")");
        return -1;
    }
    return 0;
}

int trading_intent_parse(json_t *j, order_intent *o, int32_t *decision_day,
                         char *err, size_t errlen)
{
    const char *coid = json_string_value(json_object_get(j, "client_order_id"));
    const char *t = json_string_value(json_object_get(j, "ticker"));
    const char *side = json_string_value(json_object_get(j, "side"));
    const char *type = json_string_value(json_object_get(j, "type"));
    json_t *qty = json_object_get(j, "qty");
    json_t *lim = json_object_get(j, "limit_price");
    json_t *ext = json_object_get(j, "extended_hours");
    json_t *min = json_object_get(j, "exec_minute");

    memset(o, 0, sizeof(*o));
    if (!coid || !order_client_id_ok(coid)) {
        snprintf(err, errlen,
                 "client_order_id must be 1-%d letters, digits,"
                 " '-' or '_'",
                 ORDER_ID_MAX - 1);
        return -1;
    }
    snprintf(o->client_order_id, sizeof(o->client_order_id), "%s", coid);
    if (!t || ticker_normalize(t, strlen(t), o->ticker) < 0) {
        snprintf(err, errlen, "ticker must be a valid ticker symbol");
        return -1;
    }
    if (!side || order_side_parse(side, &o->side) < 0 || !type ||
        order_type_parse(type, &o->type) < 0) {
        snprintf(err, errlen, "side must be buy or sell, type market or limit");
        return -1;
    }
    if (!json_is_integer(qty) || json_integer_value(qty) <= 0 ||
        json_integer_value(qty) > 1000000000) {
        snprintf(err, errlen,
                 "qty must be a whole number of shares, 1 to "
                 "1000000000");
        return -1;
    }
    o->qty = json_integer_value(qty);
    if (lim && !json_is_null(lim) && limit_parse(lim, o, err, errlen) < 0)
        return -1;
    if (o->type == ORDER_LIMIT && o->limit_price <= 0) {
        snprintf(err, errlen, "a limit order needs limit_price");
        return -1;
    }
    /* null is no value, as for limit_price */
    if (ext && !json_is_null(ext) && !json_is_boolean(ext)) {
        snprintf(err, errlen, "extended_hours must be true or false");
        return -1;
    }
    o->extended_hours = json_is_true(ext);
    if (json_day(j, "decision_day", decision_day) < 0 ||
        json_day(j, "exec_day", &o->exec_day) < 0 || !json_is_integer(min) ||
        json_integer_value(min) < 0 || json_integer_value(min) >= 1440) {
        snprintf(err, errlen,
                 "decision_day and exec_day must be dates "
                 "YYYY-MM-DD from 1970-01-01 to a month ahead, "
                 "exec_minute 0-1439");
        return -1;
    }
    if (o->exec_day < *decision_day) {
        snprintf(err, errlen,
                 "exec_day must not be before decision_day: an order runs "
                 "in the session its decision was taken for, or later");
        return -1;
    }
    o->exec_minute = (int)json_integer_value(min);
    return 0;
}

void trading_exec_time_now(int32_t *day, int *minute, int32_t *today)
{
    int32_t d;
    int m;

    exchange_ny_time((int64_t)time(NULL), &d, &m);
    *today = d;
    *day = exchange_session_of(d, m);
    *minute = *day == d && m > EXCHANGE_OPEN_MIN ? m : EXCHANGE_OPEN_MIN;
}

int trading_reset(db *d)
{
    int rc = db_exec(d,
                     "TRUNCATE fills, orders, trading_decisions, trading_runs,"
                     " positions, account, risk_verdicts, notifications,"
                     " portfolio_values, reconciliations, paper_broker_orders,"
                     " kill_switch_events RESTART IDENTITY",
                     0, NULL, NULL);

    if (rc == DB_OK)
        rc = db_exec(d,
                     "UPDATE kill_switch SET active = false,"
                     " reason = 'reset for a fresh replay',"
                     " changed_by = 'demo', changed_at = now() WHERE id = 1",
                     0, NULL, NULL);
    return rc;
}

int trading_begin_locked(db *d)
{
    int rc = db_begin(d);

    if (rc != DB_OK)
        return rc;
    return db_exec(d, "SELECT pg_advisory_xact_lock(" TRADING_LOCK ")", 0, NULL,
                   NULL);
}

long trading_broker_tx_wait_ms(const config *c)
{
    return 2L * c->broker_timeout_ms;
}
