#include "adapters/paper_broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/xalloc.h"

typedef struct paper {
    broker base;
    db *db;
    fill_params costs;
    int live; /* paper_broker_new */
} paper;

static const char SQL_INSERT[] =
    "INSERT INTO paper_broker_orders (broker_order_id, client_order_id,"
    " ticker, side, type, qty, limit_price_cents, exec_day, status)"
    " VALUES ($1, $2, $3, $4, $5, $6::bigint, $7::bigint, $8::date,"
    " 'accepted') ON CONFLICT (client_order_id) DO NOTHING"
    " RETURNING broker_order_id";

static const char SQL_GET[] =
    "SELECT broker_order_id, ticker, side, type, qty, limit_price_cents,"
    " exec_day - DATE '1970-01-01', status, filled_qty,"
    " coalesce(fill_price_cents, 0), commission_cents,"
    " coalesce(filled_day - DATE '1970-01-01', -1)"
    " FROM paper_broker_orders WHERE client_order_id = $1";

/* Live: 1 once session day has closed (New York time), when a daily
 * bar of it is final; one read during the session is partial (a limit
 * not reached by 10:00 may be by the close). */
static int session_over(int32_t day)
{
    int32_t today;
    int minute;

    exchange_ny_time((int64_t)time(NULL), &today, &minute);
    return exchange_session_over(day, today, minute);
}

/* The bar of the ticker on the order's session. */
static const char SQL_BAR[] =
    "SELECT day - DATE '1970-01-01', open, high, low, close FROM price_bars"
    " WHERE ticker = $1 AND day = $2::date";

/* Whether the session is known to have no bar for the ticker: its
 * ingestion is recorded ($3 0: a replay's, of past data) or that of a
 * later day ($3 1: live, where a day's run comes before its bar), or
 * bars of five later sessions exist. */
static const char SQL_NO_BAR[] =
    "SELECT EXISTS (SELECT 1 FROM ingest_runs WHERE ticker = $1"
    "  AND day >= $2::date + $3::int)"
    " OR (SELECT count(*) FROM price_bars WHERE ticker = $1"
    "  AND day > $2::date) >= 5";

/* What the account has free for a buy ($1), as a cash account's broker
 * counts it: the cash, less what the fills not yet booked there cost
 * (plus what they brought in; with several broker-adapters, a fill is
 * made here before it is booked), less what the other open orders hold
 * back, pricing their shares at the limit (a limit order) or at the
 * last close before their session (a market order): a buy its shares
 * with the commission ($2), a sale the part of its commission its
 * shares may not bring in (its fill pays that out of the cash). */
static const char SQL_CASH[] =
    "SELECT a.cash_cents - coalesce((SELECT sum(CASE p.side"
    "  WHEN 'buy' THEN p.filled_qty * p.fill_price_cents + p.commission_cents"
    "  ELSE p.commission_cents - p.filled_qty * p.fill_price_cents END)"
    " FROM paper_broker_orders p JOIN orders o"
    " ON o.client_order_id = p.client_order_id"
    " WHERE p.filled_qty > o.filled_qty), 0)"
    " - coalesce((SELECT sum(CASE p.side WHEN 'buy'"
    "  THEN p.qty * x.price + $2::bigint"
    "  ELSE greatest($2::bigint - p.qty * x.price, 0) END)"
    " FROM paper_broker_orders p, LATERAL (SELECT CASE WHEN"
    "  p.type = 'limit' THEN p.limit_price_cents ELSE coalesce((SELECT"
    "   (round(b.close::numeric, 2) * 100)::bigint FROM price_bars b"
    "   WHERE b.ticker = p.ticker AND b.day < p.exec_day"
    "   ORDER BY b.day DESC LIMIT 1), 0) END AS price) x"
    " WHERE p.status = 'accepted' AND p.client_order_id <> $1), 0)::bigint"
    " FROM account a WHERE a.id = 1";

static const char SQL_EXECUTE[] =
    "UPDATE paper_broker_orders SET status = $2, filled_qty = $3::bigint,"
    " fill_price_cents = $4::bigint, commission_cents = $5::bigint,"
    " filled_day = $6::date, updated_at = now()"
    " WHERE client_order_id = $1 AND status = 'accepted'";

static const char SQL_POSITIONS[] =
    "SELECT ticker, sum(CASE side WHEN 'buy' THEN filled_qty"
    " ELSE -filled_qty END) FROM paper_broker_orders WHERE filled_qty > 0"
    " GROUP BY ticker HAVING sum(CASE side WHEN 'buy' THEN filled_qty"
    " ELSE -filled_qty END) <> 0 ORDER BY ticker";

/* Shares of a ticker the book holds and is not already selling, but
 * for the order itself (sent again, it is a duplicate). */
static const char SQL_SELLABLE[] =
    "SELECT coalesce(sum(CASE WHEN side = 'buy' THEN filled_qty"
    " WHEN status = 'accepted' THEN -qty ELSE -filled_qty END), 0)"
    " FROM paper_broker_orders WHERE ticker = $1"
    " AND client_order_id <> $2";

static const char SQL_LOCK[] =
    "LOCK TABLE paper_broker_orders IN SHARE ROW EXCLUSIVE MODE";

static const char *day_text(int32_t day, char out[11])
{
    date_format(day, out);
    return out;
}

static broker_rc db_failed(paper *p, char *err, size_t errlen)
{
    snprintf(err, errlen, "paper broker: %s", db_error(p->db));
    return BROKER_UNAVAILABLE;
}

static broker_rc paper_submit(broker *b, const order_intent *o,
                              broker_order *out, broker_refusal *ref, char *err,
                              size_t errlen)
{
    paper *p = (paper *)b;
    char id[ORDER_ID_MAX + 8], qty[24], lim[24], day[11];
    const char *params[8];
    PGresult *r;
    int found;

    memset(out, 0, sizeof(*out));
    memset(ref, 0, sizeof(*ref));
    snprintf(id, sizeof(id), "pb-%s", o->client_order_id);
    snprintf(qty, sizeof(qty), "%lld", (long long)o->qty);
    snprintf(lim, sizeof(lim), "%lld", (long long)o->limit_price);
    params[0] = id;
    params[1] = o->client_order_id;
    params[2] = o->ticker;
    params[3] = order_side_name(o->side);
    params[4] = order_type_name(o->type);
    params[5] = qty;
    params[6] = o->type == ORDER_LIMIT ? lim : NULL;
    params[7] = day_text(o->exec_day, day);
    if (o->side == SIDE_SELL) {
        /* as a cash account's broker: no short sale, whatever the books
         * of the caller say (serialised with other orders) */
        const char *sp[2] = {o->ticker, o->client_order_id};
        int64_t held;

        if (db_begin(p->db) != DB_OK ||
            db_execp(p->db, "pb_lock", SQL_LOCK, 0, NULL, NULL) != DB_OK ||
            db_execp(p->db, "pb_sellable", SQL_SELLABLE, 2, sp, &r) != DB_OK)
            goto dberr;
        held = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (o->qty > held) {
            db_rollback(p->db);
            ref->kind = REFUSAL_INSUFFICIENT_QTY;
            snprintf(ref->message, sizeof(ref->message),
                     "insufficient qty: sells %lld %s, the account holds "
                     "%lld not already being sold",
                     (long long)o->qty, o->ticker, (long long)held);
            return BROKER_REFUSED;
        }
    }
    if (db_execp(p->db, "pb_insert", SQL_INSERT, 8, params, &r) != DB_OK)
        goto dberr;
    if (o->side == SIDE_SELL && db_commit(p->db) != DB_OK) {
        PQclear(r);
        goto dberr;
    }
    found = PQntuples(r) == 1;
    PQclear(r);
    if (!found) {
        ref->kind = REFUSAL_DUPLICATE;
        snprintf(ref->message, sizeof(ref->message),
                 "client_order_id must be unique");
        return BROKER_REFUSED;
    }
    snprintf(out->broker_order_id, sizeof(out->broker_order_id), "%s", id);
    snprintf(out->status, sizeof(out->status), "accepted");
    out->filled_day = -1;
    return BROKER_OK;
dberr:
    if (o->side == SIDE_SELL)
        db_rollback(p->db);
    return db_failed(p, err, errlen);
}

static int to_cents(const char *s, cents *out)
{
    return money_from_text(s, out);
}

/* Executes an accepted order when its bar is known. Returns 0 (done or
 * nothing to do yet) or -1 on a database error. */
static int execute(paper *p, const char *coid, PGresult *row)
{
    order_intent o;
    fill_bar bar;
    fill_result f;
    PGresult *r;
    char day[11], q[24], px[24], fee[24];
    const char *params[6];
    const char *bp[2];
    int locked = 0;

    memset(&o, 0, sizeof(o));
    memset(&f, 0, sizeof(f));
    snprintf(o.ticker, sizeof(o.ticker), "%s", PQgetvalue(row, 0, 1));
    order_side_parse(PQgetvalue(row, 0, 2), &o.side);
    order_type_parse(PQgetvalue(row, 0, 3), &o.type);
    o.qty = atoll(PQgetvalue(row, 0, 4));
    o.limit_price = atoll(PQgetvalue(row, 0, 5));
    o.exec_day = atoi(PQgetvalue(row, 0, 6));
    if (p->live && !session_over(o.exec_day))
        return 0; /* its bar is not final: the price may still come */
    bp[0] = o.ticker;
    bp[1] = day_text(o.exec_day, day);
    if (db_execp(p->db, "pb_bar", SQL_BAR, 2, bp, &r) != DB_OK)
        return -1;
    if (PQntuples(r) == 0) {
        const char *np[] = {bp[0], bp[1], p->live ? "1" : "0"};
        int gone;

        PQclear(r);
        if (db_execp(p->db, "pb_nobar", SQL_NO_BAR, 3, np, &r) != DB_OK)
            return -1;
        gone = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (!gone)
            return 0; /* the bar may still come */
        memset(&bar, 0, sizeof(bar));
        goto record;
    }
    bar.day = atoi(PQgetvalue(r, 0, 0));
    if (to_cents(PQgetvalue(r, 0, 1), &bar.open) < 0 ||
        to_cents(PQgetvalue(r, 0, 2), &bar.high) < 0 ||
        to_cents(PQgetvalue(r, 0, 3), &bar.low) < 0 ||
        to_cents(PQgetvalue(r, 0, 4), &bar.close) < 0 ||
        fill_order(&o, &bar, &p->costs, &f) < 0) {
        /* A bar the model cannot use: the order expires unfilled. */
        memset(&f, 0, sizeof(f));
    }
    PQclear(r);
    if (f.filled && o.side == SIDE_BUY) {
        /* as the broker of a cash account: a buy whose fill (a market
         * buy at an open far above the close it was held for) costs
         * more than the cash there is, less what the other open orders
         * hold back, does not fill; one buy at a time (the lock lasts
         * until the fill is recorded) */
        char fee_each[24];
        const char *cp[2] = {coid, fee_each};
        cents cash;

        snprintf(fee_each, sizeof(fee_each), "%lld",
                 (long long)p->costs.commission);
        if (db_begin(p->db) != DB_OK ||
            db_execp(p->db, "pb_lock", SQL_LOCK, 0, NULL, NULL) != DB_OK ||
            db_execp(p->db, "pb_cash", SQL_CASH, 2, cp, &r) != DB_OK)
            goto dberr;
        locked = 1;
        if (PQntuples(r) != 1) {
            /* (no account row, deleted by hand: read as no cash, the
             * buy expired; it waits for the row instead) */
            PQclear(r);
            db_set_error(p->db, "the account has no row: a buy is not "
                                "executed without its cash; restore the row");
            goto dberr;
        }
        cash = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (f.gross > cash || f.commission > cash - f.gross)
            memset(&f, 0, sizeof(f));
    }
record:
    snprintf(q, sizeof(q), "%lld", (long long)(f.filled ? f.qty : 0));
    snprintf(px, sizeof(px), "%lld", (long long)f.price);
    snprintf(fee, sizeof(fee), "%lld", (long long)f.commission);
    params[0] = coid;
    params[1] = f.filled ? "filled" : "expired";
    params[2] = q;
    params[3] = f.filled ? px : NULL;
    params[4] = fee;
    params[5] = f.filled ? day_text(bar.day, day) : NULL;
    if (db_execp(p->db, "pb_execute", SQL_EXECUTE, 6, params, NULL) != DB_OK ||
        (locked && db_commit(p->db) != DB_OK))
        goto dberr;
    return 0;
dberr:
    db_rollback(p->db);
    return -1;
}

static broker_rc paper_lookup(broker *b, const char *coid, broker_order *out,
                              char *err, size_t errlen)
{
    paper *p = (paper *)b;
    const char *params[] = {coid};
    PGresult *r;
    int64_t qty;
    cents price;

    memset(out, 0, sizeof(*out));
    if (db_execp(p->db, "pb_get", SQL_GET, 1, params, &r) != DB_OK)
        return db_failed(p, err, errlen);
    if (PQntuples(r) == 0) {
        PQclear(r);
        return BROKER_NOT_FOUND;
    }
    if (strcmp(PQgetvalue(r, 0, 7), "accepted") == 0) {
        int rc = execute(p, coid, r);

        PQclear(r);
        if (rc < 0 ||
            db_execp(p->db, "pb_get", SQL_GET, 1, params, &r) != DB_OK)
            return db_failed(p, err, errlen);
    }
    snprintf(out->broker_order_id, sizeof(out->broker_order_id), "%s",
             PQgetvalue(r, 0, 0));
    snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(r, 0, 7));
    snprintf(out->symbol, sizeof(out->symbol), "%s", PQgetvalue(r, 0, 1));
    snprintf(out->side, sizeof(out->side), "%s", PQgetvalue(r, 0, 2));
    out->qty = atoll(PQgetvalue(r, 0, 4));
    qty = atoll(PQgetvalue(r, 0, 8));
    price = atoll(PQgetvalue(r, 0, 9));
    out->filled_qty = qty;
    if (money_mul(price, qty, &out->filled_gross) < 0)
        out->filled_gross = 0;
    out->commission = atoll(PQgetvalue(r, 0, 10));
    out->filled_day = atoi(PQgetvalue(r, 0, 11));
    PQclear(r);
    return BROKER_OK;
}

/* Cancels the order if it is still open once its session's bar, when
 * there is one, has been applied: a session that traded has decided the
 * order already. */
static broker_rc paper_cancel(broker *b, const char *coid,
                              const char *broker_order_id, char *err,
                              size_t errlen)
{
    paper *p = (paper *)b;
    const char *params[] = {coid};
    broker_order bo;
    /* the look-up applies the session's bar first */
    broker_rc rc = paper_lookup(b, coid, &bo, err, errlen);

    (void)broker_order_id;
    if (rc != BROKER_OK)
        return rc;
    if (db_execp(p->db, "pb_cancel",
                 "UPDATE paper_broker_orders SET status = 'canceled',"
                 " updated_at = now() WHERE client_order_id = $1"
                 " AND status = 'accepted'",
                 1, params, NULL) != DB_OK)
        return db_failed(p, err, errlen);
    return BROKER_OK;
}

static broker_rc paper_positions(broker *b, broker_position **out, size_t *n,
                                 char *err, size_t errlen)
{
    paper *p = (paper *)b;
    PGresult *r;

    *out = NULL;
    *n = 0;
    if (db_execp(p->db, "pb_positions", SQL_POSITIONS, 0, NULL, &r) != DB_OK)
        return db_failed(p, err, errlen);
    *n = (size_t)PQntuples(r);
    *out = xcalloc(*n + 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        snprintf((*out)[i].ticker, sizeof((*out)[i].ticker), "%s",
                 PQgetvalue(r, (int)i, 0));
        (*out)[i].qty = atoll(PQgetvalue(r, (int)i, 1));
    }
    PQclear(r);
    return BROKER_OK;
}

static void paper_free(broker *b)
{
    free(b);
}

broker *paper_broker_new(db *d, const fill_params *costs, int live)
{
    paper *p = xcalloc(1, sizeof(*p));

    p->base.name = "paper";
    p->base.follow_ms = 0;
    p->base.submit = paper_submit;
    p->base.lookup = paper_lookup;
    p->base.cancel = paper_cancel;
    p->base.positions = paper_positions;
    p->base.free = paper_free;
    p->db = d;
    p->costs = *costs;
    p->live = live;
    return &p->base;
}
