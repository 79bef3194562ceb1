/*
 * broker-adapter: takes orders from stonks:queue:broker_orders (jobs
 * {"client_order_id"}), asks the risk-engine, submits to the broker,
 * follows each order to a final state, records its fills, and keeps
 * positions and cash; now and then it reconciles positions with the
 * broker's.
 *
 * The order's status in PostgreSQL is the state machine, and every step
 * commits before the next one talks to the outside:
 *
 *   queued      -> POST RISK_ENGINE_URL/check. No answer (or an answer
 *                  whose verdict is not on record in our database) means
 *                  no order: the job is retried later. Denied -> denied.
 *                  Allowed -> submitting (unless the kill switch went
 *                  on meanwhile: then it is asked again), committed
 *                  before the broker is called.
 *   submitting  -> the broker may or may not have the order (a crash, a
 *                  timeout, a 5xx): look it up by client order id first;
 *                  when the broker says it has none, it is canceled if a
 *                  cancel was requested, else sent only after a new
 *                  verdict of the gate (denied -> denied). A
 *                  duplicate-id refusal means it has one: look it up.
 *                  Refused -> rejected, with the broker's reason
 *                  (unless another adapter moved it on meanwhile).
 *   accepted, partially_filled -> ask the broker; new fills are written
 *                  with the position and cash changes in one transaction.
 *   filled, canceled, expired, rejected, denied: final.
 *
 * So an order is never submitted twice: the deterministic client order
 * id and the look-up before any resubmission make a repeated job, a
 * retry after a timeout, or a restart after a kill between submit and
 * acknowledgement find the one order the broker has. When an order
 * becomes final, a job on stonks:queue:trading_decisions wakes the
 * trading-engine (it waits for fills before it trades the next session
 * in a replay). An order still open at a broker that must be polled
 * (Alpaca) is looked at again after its follow interval; the paper
 * broker fills when a bar arrives and the trading-engine asks again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/alpaca_trading.h"
#include "adapters/paper_broker.h"
#include "adapters/webclient.h"
#include "domain/date.h"
#include "lib/log.h"
#include "lib/sha256.h"
#include "lib/token.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/broker_adapter.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/svc.h"
#include "services/trading.h"

#define FOLLOW_MAX_MS 60000 /* follow_later */
#define RETRY_LATER_MS 5000 /* an order whose gate or broker is away */
#define RISK_TIMEOUT_MS 5000

typedef struct adapter {
    broker *broker;
    time_t last_reconcile;
} adapter;

static const char SQL_LOAD[] =
    "SELECT o.id, o.status, o.ticker, o.side, o.type, o.qty,"
    " coalesce(o.limit_price_cents, 0), o.ref_price_cents,"
    " o.extended_hours, o.decision_day - DATE '1970-01-01',"
    " o.exec_day - DATE '1970-01-01', o.exec_minute, o.filled_qty,"
    " (SELECT coalesce(sum(f.commission_cents), 0) FROM fills f"
    "  WHERE f.order_id = o.id),"
    " (SELECT coalesce(sum(f.gross_cents), 0) FROM fills f"
    "  WHERE f.order_id = o.id),"
    " (SELECT count(*) FROM fills f WHERE f.order_id = o.id),"
    " o.cancel_requested_at IS NOT NULL, coalesce(o.broker_order_id, ''),"
    " extract(epoch FROM now() - coalesce(o.submitted_at,"
    " o.created_at))::bigint,"
    " coalesce((extract(epoch FROM clock_timestamp() - o.sent_at)"
    " * 1000)::bigint, -1), coalesce(o.send_hold, ''),"
    " coalesce(o.sent_at::text, '')"
    " FROM orders o WHERE o.client_order_id = $1";

/* 1 found, 0 no such order, -1 database error. */
static int load_order(db *d, const char *coid, order_row *row)
{
    const char *p[] = {coid};
    PGresult *r;

    memset(row, 0, sizeof(*row));
    if (db_execp(d, "ba_load", SQL_LOAD, 1, p, &r) != DB_OK)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    row->id = atoll(PQgetvalue(r, 0, 0));
    snprintf(row->status, sizeof(row->status), "%s", PQgetvalue(r, 0, 1));
    snprintf(row->o.client_order_id, sizeof(row->o.client_order_id), "%s",
             coid);
    snprintf(row->o.ticker, sizeof(row->o.ticker), "%s", PQgetvalue(r, 0, 2));
    order_side_parse(PQgetvalue(r, 0, 3), &row->o.side);
    order_type_parse(PQgetvalue(r, 0, 4), &row->o.type);
    row->o.qty = atoll(PQgetvalue(r, 0, 5));
    row->o.limit_price = atoll(PQgetvalue(r, 0, 6));
    row->o.ref_price = atoll(PQgetvalue(r, 0, 7));
    row->o.extended_hours = PQgetvalue(r, 0, 8)[0] == 't';
    row->decision_day = atoi(PQgetvalue(r, 0, 9));
    row->o.exec_day = atoi(PQgetvalue(r, 0, 10));
    row->o.exec_minute = atoi(PQgetvalue(r, 0, 11));
    row->filled_qty = atoll(PQgetvalue(r, 0, 12));
    row->commission = atoll(PQgetvalue(r, 0, 13));
    row->filled_gross = atoll(PQgetvalue(r, 0, 14));
    row->nfills = atoi(PQgetvalue(r, 0, 15));
    row->cancel_requested = PQgetvalue(r, 0, 16)[0] == 't';
    snprintf(row->broker_order_id, sizeof(row->broker_order_id), "%s",
             PQgetvalue(r, 0, 17));
    row->age_s = atoll(PQgetvalue(r, 0, 18));
    row->sent_ms = atoll(PQgetvalue(r, 0, 19));
    snprintf(row->send_hold, sizeof(row->send_hold), "%s",
             PQgetvalue(r, 0, 20));
    snprintf(row->sent_at, sizeof(row->sent_at), "%s", PQgetvalue(r, 0, 21));
    PQclear(r);
    return 1;
}

static int wake_trading(worker *w)
{
    char *p[] = {"{\"wake\":\"order_final\"}"};

    return worker_push(w, Q_TRADING_DECISIONS, p, 1);
}

/* The gate. Returns 1 allowed, 0 denied (recorded), -1 no usable
 * answer (err says why; nothing may be submitted). */
static int ask_risk_engine(worker *w, const order_row *row, const char *body,
                           char *err, size_t errlen)
{
    char *url = xasprintf("%s/check", w->cfg->risk_engine_url);
    char auth[300] = "";
    const char *headers[] = {"Content-Type: application/json", auth, NULL};
    webclient_request req = {.method = "POST",
                             .url = url,
                             .body = body,
                             .body_len = strlen(body),
                             .headers = headers,
                             .timeout_ms = RISK_TIMEOUT_MS};
    webclient_response res;
    json_t *ans = NULL, *reasons;
    int rc = -1, allowed;
    size_t token_len;
    const char *token = token_first(w->cfg->api_tokens, &token_len);
    buf why;

    if (token_len > 0)
        snprintf(auth, sizeof(auth), "Authorization: Bearer %.*s",
                 (int)token_len, token);
    else
        headers[1] = NULL;
    buf_init(&why);
    if (webclient_do(&req, &res, err, errlen) < 0)
        goto out;
    ans = res.status == 200 ? json_loads(res.body.data, 0, NULL) : NULL;
    if (!json_is_boolean(json_object_get(ans, "allowed")) ||
        strcmp(json_string_value(json_object_get(ans, "client_order_id"))
                   ? json_string_value(json_object_get(ans, "client_order_id"))
                   : "",
               row->o.client_order_id) != 0) {
        snprintf(err, errlen, "risk-engine answered %ld without a verdict",
                 res.status);
        goto out;
    }
    allowed = json_is_true(json_object_get(ans, "allowed"));
    reasons = json_object_get(ans, "reasons");
    for (size_t i = 0; i < json_array_size(reasons); i++) {
        json_t *r = json_array_get(reasons, i);
        const char *c = json_string_value(json_object_get(r, "code"));
        const char *m = json_string_value(json_object_get(r, "message"));

        buf_addf(&why, "%s%s: %s", i ? "; " : "", c ? c : "?", m ? m : "");
    }
    rc = allowed;
out:
    json_decref(ans);
    webclient_response_release(&res);
    free(url);
    if (rc == 0) {
        snprintf(err, errlen, "%s", why.data);
    }
    buf_release(&why);
    return rc;
}

/* The verdict the risk-engine reported must be on record in our own
 * database: an answer from some other deployment's gate is no answer.
 * intent is what the gate was asked (the order's intent as JSON), since
 * the database's clock when it was asked (an order asked about again
 * has an earlier verdict too). */
static int gate_on_record(db *d, const order_row *row, const char *intent,
                          int allowed, const char *since)
{
    /* a verdict about this very order, every field of the intent the
     * gate was asked about (anyone may ask the risk-engine about a
     * client order id, with another size or limit) */
    static const char sql[] =
        "SELECT 1 FROM risk_verdicts WHERE client_order_id = $1"
        " AND stage = 'gate' AND allowed = $2::boolean"
        " AND created_at >= $4::timestamptz"
        " AND inputs->'intent' @> $3::jsonb";
    const char *p[] = {row->o.client_order_id, allowed ? "t" : "f", intent,
                       since};
    PGresult *r;
    int found;

    if (db_execp(d, "ba_onrecord", sql, 4, p, &r) != DB_OK)
        return -1;
    found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* Positions and cash after one fill; in the caller's transaction. */
static int book_fill(db *d, const order_row *row, int64_t qty, cents gross,
                     cents fee)
{
    char t[TICKER_MAX], q[24], g[24], f[24], cash[24], pnl[24];
    const char *pa[] = {cash, pnl, f};
    PGresult *r;
    cents delta_cash, realized = 0;

    snprintf(t, sizeof(t), "%s", row->o.ticker);
    snprintf(q, sizeof(q), "%lld", (long long)qty);
    snprintf(g, sizeof(g), "%lld", (long long)gross);
    snprintf(f, sizeof(f), "%lld", (long long)fee);
    if (row->o.side == SIDE_BUY) {
        const char *p[] = {t, q, g};

        if (db_execp(d, "ba_buy",
                     "INSERT INTO positions (ticker, qty, cost_basis_cents)"
                     " VALUES ($1, $2::bigint, $3::bigint)"
                     " ON CONFLICT (ticker) DO UPDATE SET"
                     " qty = positions.qty + EXCLUDED.qty,"
                     " cost_basis_cents = positions.cost_basis_cents +"
                     " EXCLUDED.cost_basis_cents, updated_at = now()",
                     3, p, NULL) != DB_OK)
            return -1;
        delta_cash = -(gross + fee);
    } else {
        const char *p[] = {t};
        int64_t held;
        cents basis, removed;
        char rm[24], rz[24];
        const char *pu[] = {t, q, rm, rz};

        if (db_execp(d, "ba_held",
                     "SELECT qty, cost_basis_cents FROM positions"
                     " WHERE ticker = $1 FOR UPDATE",
                     1, p, &r) != DB_OK)
            return -1;
        held = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : 0;
        basis = PQntuples(r) ? atoll(PQgetvalue(r, 0, 1)) : 0;
        PQclear(r);
        if (held <= 0 ||
            money_muldiv(basis, qty > held ? held : qty, held, &removed) < 0)
            removed = 0;
        realized = gross - removed;
        snprintf(rm, sizeof(rm), "%lld", (long long)removed);
        snprintf(rz, sizeof(rz), "%lld", (long long)realized);
        if (db_execp(d, "ba_sell",
                     "UPDATE positions SET qty = qty - $2::bigint,"
                     " cost_basis_cents = cost_basis_cents - $3::bigint,"
                     " realized_pnl_cents = realized_pnl_cents + $4::bigint,"
                     " updated_at = now() WHERE ticker = $1",
                     4, pu, NULL) != DB_OK)
            return -1;
        delta_cash = gross - fee;
    }
    snprintf(cash, sizeof(cash), "%lld", (long long)delta_cash);
    snprintf(pnl, sizeof(pnl), "%lld", (long long)realized);
    if (db_execp(d, "ba_cash",
                 "UPDATE account SET cash_cents = cash_cents + $1::bigint,"
                 " realized_pnl_cents = realized_pnl_cents + $2::bigint,"
                 " commissions_cents = commissions_cents + $3::bigint,"
                 " updated_at = now() WHERE id = 1 RETURNING id",
                 3, pa, &r) != DB_OK)
        return -1;
    if (PQntuples(r) == 0) {
        /* (its cash went nowhere while the fill and the position were
         * booked; the order's job waits until the row is restored) */
        PQclear(r);
        db_set_error(d, "the account has no row: a fill is not booked "
                        "without its cash; restore the row");
        return -1;
    }
    PQclear(r);
    return 0;
}

static void notify_fill(worker *w, const order_row *row, const broker_order *bo,
                        const char *status)
{
    char key[96], subject[200], px[MONEY_FMT_MAX], *body;
    cents avg = 0;

    if (bo->filled_qty > 0)
        money_muldiv(bo->filled_gross, 1, bo->filled_qty, &avg);
    money_format(avg, px);
    snprintf(key, sizeof(key), "fill:%s:%lld", row->o.client_order_id,
             (long long)bo->filled_qty);
    snprintf(subject, sizeof(subject),
             "[stonks %s] %s: %s %lld of %lld %s at %s", trading_mode(w->cfg),
             status, order_side_name(row->o.side), (long long)bo->filled_qty,
             (long long)row->o.qty, row->o.ticker, px);
    body = xasprintf("Mode: %s\nOrder %s (broker %s): %s %lld of %lld %s, "
                     "average price %s, status %s.\n",
                     trading_mode(w->cfg), row->o.client_order_id,
                     bo->broker_order_id, order_side_name(row->o.side),
                     (long long)bo->filled_qty, (long long)row->o.qty,
                     row->o.ticker, px, status);
    trading_notify(w->db, key, "fill", subject, body);
    free(body);
}

/* An answer of the broker that cannot be true: nothing of it is
 * booked; the job fails with the reason (retried, then dead-lettered). */
static int impossible(worker *w, const order_row *row, const char *why,
                      char *err, size_t errlen)
{
    snprintf(err, errlen,
             "the broker's answer about order %s is impossible (%s): not "
             "booked",
             row->o.client_order_id, why);
    LOG_ERROR("impossible answer from the broker: not booked",
              LF_S("mode", trading_mode(w->cfg)),
              LF_S("client_order_id", row->o.client_order_id),
              LF_S("reason", why));
    return WORKER_FAIL;
}

/* Applies what the broker reports about the order: new fills, the new
 * status. Sets *final. Returns WORKER_OK, WORKER_RETRY, or WORKER_FAIL
 * for an answer broker_order_check finds impossible. */
static int apply_broker_state(worker *w, order_row *row, const broker_order *bo,
                              int *final, char *err, size_t errlen)
{
    static const char sql_fill[] =
        "INSERT INTO fills (order_id, seq, ticker, side, qty, price_cents,"
        " gross_cents, commission_cents, day) VALUES ($1::bigint, $2::int,"
        " $3, $4, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::date)"
        " ON CONFLICT (order_id, seq) DO NOTHING RETURNING id";
    static const char sql_order[] =
        "UPDATE orders SET broker_order_id = $2, status = $3,"
        " filled_qty = $4::bigint, filled_avg_price_cents = $5::bigint,"
        " commission_cents = $6::bigint,"
        " submitted_at = coalesce(submitted_at, now()), updated_at = now(),"
        " final_at = CASE WHEN $3 IN ('filled', 'canceled', 'expired',"
        " 'rejected') THEN coalesce(final_at, now()) END"
        " WHERE client_order_id = $1";
    char id[24], seq[16], q[24], px[24], g[24], fee[24], ds[11], fq[24],
        avg[24], com[24];
    int64_t dq;
    cents dg, dfee, price = 0, avgp = 0;
    PGresult *r;
    order_row now;
    int booked = 0, found;
    char why[200];

    if (broker_order_check(&row->o, bo, why, sizeof(why)) < 0)
        return impossible(w, row, why, err, errlen);
    *final = broker_status_final(bo->status);
    if (trading_begin_locked(w->db) != DB_OK ||
        (found = load_order(w->db, row->o.client_order_id, &now)) < 0)
        goto dberr;
    /* An order ended here as not sent (denied or canceled before the
     * broker acknowledged it) that the broker shows after all: it is at
     * the broker, and followed again (its fills are real). */
    if (found && !now.broker_order_id[0] &&
        (strcmp(now.status, "denied") == 0 ||
         strcmp(now.status, "canceled") == 0)) {
        if (ba_revive(w, &now) != DB_OK)
            goto dberr;
        snprintf(now.status, sizeof(now.status), "submitting");
    }
    /* Under the lock, what is booked now: another adapter may have
     * booked a later answer of the broker since the row was read. An
     * answer older than that is dropped, never booked twice. */
    if (!found || broker_status_final(now.status) ||
        bo->filled_qty < now.filled_qty) {
        db_rollback(w->db);
        *final = !found || broker_status_final(now.status);
        return WORKER_OK;
    }
    row->filled_qty = now.filled_qty;
    row->filled_gross = now.filled_gross;
    row->commission = now.commission;
    row->nfills = now.nfills;
    dq = bo->filled_qty - row->filled_qty;
    dg = bo->filled_gross - row->filled_gross;
    dfee = bo->commission - row->commission;
    /* More shares cost more, and their commission does not go back; an
     * answer with no more shares books nothing (what it says of costs
     * is older or newer than the fills already booked, which stand). */
    if (dq > 0 && (dg <= 0 || dfee < 0)) {
        snprintf(why, sizeof(why),
                 "%lld shares filled for %lld cents with %lld cents "
                 "commission, after %lld for %lld cents with %lld",
                 (long long)bo->filled_qty, (long long)bo->filled_gross,
                 (long long)bo->commission, (long long)now.filled_qty,
                 (long long)now.filled_gross, (long long)now.commission);
        db_rollback(w->db);
        return impossible(w, row, why, err, errlen);
    }
    if (dq > 0) {
        const char *p[9];

        money_muldiv(dg, 1, dq, &price);
        snprintf(id, sizeof(id), "%lld", row->id);
        snprintf(seq, sizeof(seq), "%d", row->nfills + 1);
        snprintf(q, sizeof(q), "%lld", (long long)dq);
        snprintf(px, sizeof(px), "%lld", (long long)price);
        snprintf(g, sizeof(g), "%lld", (long long)dg);
        snprintf(fee, sizeof(fee), "%lld", (long long)dfee);
        p[0] = id;
        p[1] = seq;
        p[2] = row->o.ticker;
        p[3] = order_side_name(row->o.side);
        p[4] = q;
        p[5] = px;
        p[6] = g;
        p[7] = fee;
        p[8] =
            DAYSTR(bo->filled_day >= 0 ? bo->filled_day : row->o.exec_day, ds);
        if (db_execp(w->db, "ba_fill", sql_fill, 9, p, &r) != DB_OK)
            goto dberr;
        booked = PQntuples(r) == 1;
        PQclear(r);
        if (booked && book_fill(w->db, row, dq, dg, dfee) < 0)
            goto dberr;
    }
    if (bo->filled_qty > 0) /* of the fills booked */
        money_muldiv(row->filled_gross + (booked ? dg : 0), 1, bo->filled_qty,
                     &avgp);
    snprintf(fq, sizeof(fq), "%lld", (long long)bo->filled_qty);
    snprintf(avg, sizeof(avg), "%lld", (long long)avgp);
    /* the commission of the fills booked */
    snprintf(com, sizeof(com), "%lld",
             (long long)(row->commission + (booked ? dfee : 0)));
    {
        const char *p[] = {row->o.client_order_id,
                           bo->broker_order_id,
                           bo->status,
                           fq,
                           bo->filled_qty > 0 ? avg : NULL,
                           com};

        if (db_execp(w->db, "ba_order", sql_order, 6, p, NULL) != DB_OK)
            goto dberr;
    }
    if (booked || *final)
        notify_fill(w, row, bo, bo->status);
    if (db_commit(w->db) != DB_OK)
        goto dberr;
    if (booked || strcmp(row->status, bo->status) != 0)
        LOG_INFO("order update", LF_S("mode", trading_mode(w->cfg)),
                 LF_S("client_order_id", row->o.client_order_id),
                 LF_S("ticker", row->o.ticker), LF_S("status", bo->status),
                 LF_I("filled_qty", bo->filled_qty), LF_I("price", price));
    return WORKER_OK;
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    db_rollback(w->db);
    return trading_db_worker_rc(w->db);
}

/* Claims one submission of the order: records, committed, that one is
 * going out (sent_at), when the order may still be sent: in
 * submitting, no cancel requested, no hold, the kill switch off (and
 * its row there), and no other submission since the row was read
 * (another adapter's: the broker is looked up again first). Right
 * before the request, so that a cancel, the kill switch or another
 * adapter's denial or submission that came since the gate's verdict
 * stops it. Returns 1 claimed, 0 not to be sent, -1 database error. */
static int claim_send(db *d, const order_row *row)
{
    static const char sql[] =
        "UPDATE orders SET sent_at = clock_timestamp(), updated_at = now()"
        " WHERE client_order_id = $1 AND status = 'submitting'"
        " AND cancel_requested_at IS NULL AND send_hold IS NULL"
        " AND sent_at IS NOT DISTINCT FROM nullif($2, '')::timestamptz"
        " AND NOT coalesce((SELECT k.active FROM kill_switch k"
        " WHERE k.id = 1), true) RETURNING 1";
    const char *p[] = {row->o.client_order_id, row->sent_at};
    PGresult *r;
    int n;

    if (db_execp(d, "ba_claim", sql, 2, p, &r) != DB_OK)
        return -1;
    n = PQntuples(r);
    PQclear(r);
    return n == 1;
}

/* Submits (the order is in 'submitting', and the broker has not got
 * it as far as we know), unless claim_send finds it is not to be sent
 * any more: then nothing is sent and the caller loads the order again.
 * Sets *final. */
static int submit(worker *w, adapter *a, order_row *row, int *final, char *err,
                  size_t errlen)
{
    broker_order bo;
    broker_refusal ref;
    broker_rc rc;
    char msg[300];
    int moved, claimed = claim_send(w->db, row);

    if (claimed < 0) {
        snprintf(err, errlen, "%s", db_error(w->db));
        return WORKER_RETRY;
    }
    if (claimed == 0) /* a cancel, the kill switch, another adapter */
        return WORKER_OK;
    LOG_INFO("submitting order", LF_S("mode", trading_mode(w->cfg)),
             LF_S("broker", a->broker->name),
             LF_S("client_order_id", row->o.client_order_id),
             LF_S("ticker", row->o.ticker),
             LF_S("side", order_side_name(row->o.side)),
             LF_I("qty", row->o.qty));
    rc = a->broker->submit(a->broker, &row->o, &bo, &ref, err, errlen);
    if (rc == BROKER_REFUSED && ref.kind == REFUSAL_DUPLICATE) {
        LOG_WARN("broker has the client order id already: looking it up",
                 LF_S("client_order_id", row->o.client_order_id));
        rc = a->broker->lookup(a->broker, row->o.client_order_id, &bo, err,
                               errlen);
    } else if (rc == BROKER_UNAVAILABLE) {
        LOG_WARN("no clear answer from the broker: looking the order up",
                 LF_S("client_order_id", row->o.client_order_id),
                 LF_S("error", err));
        rc = a->broker->lookup(a->broker, row->o.client_order_id, &bo, err,
                               errlen);
    }
    if (rc == BROKER_REFUSED) {
        if (ref.http_status) /* a broker over HTTP */
            snprintf(msg, sizeof(msg), "HTTP %d, code %ld: %s", ref.http_status,
                     ref.code, ref.message);
        else
            snprintf(msg, sizeof(msg), "%s", ref.message);
        moved = ba_move(w->db, row->o.client_order_id, "submitting", "rejected",
                        broker_refusal_code(ref.kind), msg, BA_ANY_SENT);
        if (moved < 0)
            goto dberr;
        if (moved == 0) { /* another adapter moved it on: as it is now */
            LOG_INFO("broker refused an order another adapter had moved on",
                     LF_S("mode", trading_mode(w->cfg)),
                     LF_S("client_order_id", row->o.client_order_id),
                     LF_S("code", broker_refusal_code(ref.kind)));
            return WORKER_OK;
        }
        ba_notify_refusal(w, row, "rejected", broker_refusal_code(ref.kind),
                          msg);
        LOG_WARN("broker refused the order", LF_S("mode", trading_mode(w->cfg)),
                 LF_S("client_order_id", row->o.client_order_id),
                 LF_S("code", broker_refusal_code(ref.kind)),
                 LF_S("reason", ref.message));
        *final = 1;
        return WORKER_OK;
    }
    if (rc == BROKER_NOT_FOUND) {
        snprintf(err, errlen, "the broker does not have order %s yet",
                 row->o.client_order_id);
        return WORKER_RETRY;
    }
    if (rc == BROKER_UNAVAILABLE)
        return WORKER_RETRY;
    return apply_broker_state(w, row, &bo, final, err, errlen);
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    return WORKER_RETRY;
}

/* The database's clock now, into out (a timestamptz as text); -1 on a
 * database error. */
static int db_clock(db *d, char *out, size_t cap)
{
    PGresult *r;

    if (db_exec(d, "SELECT clock_timestamp()", 0, NULL, &r) != DB_OK)
        return -1;
    snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* Asks the gate about the order in status `from` (queued; or
 * submitting, when the broker has not got it and it is to be sent
 * again). Denied: the order ends as denied (*final). Allowed: a queued
 * order moves on to submitting (ba_move may leave it queued). */
static int gate(worker *w, order_row *row, const char *from, int *final,
                char *err, size_t errlen)
{
    /* what the gate is asked, and what its verdict must be about */
    json_t *j = trading_intent_json(&row->o, row->decision_day);
    char *intent = json_dumps(j, JSON_COMPACT), since[64];
    int allowed = -1, on_record = 0, moved;

    json_decref(j);
    if (db_clock(w->db, since, sizeof(since)) < 0) {
        snprintf(err, errlen, "%s", db_error(w->db));
        free(intent);
        return WORKER_RETRY;
    }
    allowed = ask_risk_engine(w, row, intent, err, errlen);
    if (allowed >= 0)
        on_record = gate_on_record(w->db, row, intent, allowed, since);
    free(intent);
    if (allowed < 0) {
        LOG_WARN("no answer from the risk-engine: no order",
                 LF_S("mode", trading_mode(w->cfg)),
                 LF_S("client_order_id", row->o.client_order_id),
                 LF_S("error", err));
        return WORKER_RETRY;
    }
    if (on_record <= 0) {
        snprintf(err, errlen, "%s",
                 on_record < 0 ? db_error(w->db)
                               : "the risk-engine's verdict is not in our "
                                 "database");
        LOG_ERROR("risk verdict not on record: no order",
                  LF_S("client_order_id", row->o.client_order_id));
        return WORKER_RETRY;
    }
    if (!allowed && strcmp(from, "submitting") == 0) {
        /* the broker may yet show a submission sent before: held, and
         * ended by ba_settle_unsent */
        if (ba_hold_send(w->db, row->o.client_order_id, err) != DB_OK) {
            snprintf(err, errlen, "%s", db_error(w->db));
            return WORKER_RETRY;
        }
        snprintf(row->send_hold, sizeof(row->send_hold), "%s",
                 err[0] ? err : "denied");
        LOG_WARN("risk-engine denied the order on asking again: not sent",
                 LF_S("mode", trading_mode(w->cfg)),
                 LF_S("client_order_id", row->o.client_order_id),
                 LF_S("reasons", err));
        return WORKER_OK;
    }
    if (!allowed)
        return ba_end_denied(w, row, "queued", err, 0, final, err, errlen);
    if (strcmp(from, "submitting") == 0)
        return WORKER_OK;
    moved = ba_move(w->db, row->o.client_order_id, "queued", "submitting", NULL,
                    NULL, BA_ANY_SENT);
    if (moved < 0) {
        snprintf(err, errlen, "%s", db_error(w->db));
        return WORKER_RETRY;
    }
    if (moved)
        snprintf(row->status, sizeof(row->status), "submitting");
    return WORKER_OK;
}

/* Queues the order's job again, to be taken delay_ms from now, in the
 * order's own chain (its client order id keys it: asked for twice, by
 * a batch run again or a trading-engine's look-up, it is still one). */
static int order_later(worker *w, const char *coid, long delay_ms)
{
    char *p = xasprintf("{\"client_order_id\":\"%s\"}", coid);
    int rc = worker_push_later(w, Q_BROKER_ORDERS, coid, p, delay_ms);

    free(p);
    return rc;
}

/* Queues a follow-up of an open order (the worker goes on with other
 * orders meanwhile: a sleep here held every other order, a cancel
 * included, behind each open one), after the broker's interval, or a
 * tenth of the order's age up to FOLLOW_MAX_MS once that is longer: an
 * order open for long is asked about less often, so that many open
 * orders stay within the broker's request budget (Alpaca: 200 a
 * minute; 100 orders open for ten minutes or more, 100 a minute). */
static int follow_later(worker *w, adapter *a, const order_row *row)
{
    long delay = a->broker->follow_ms;

    if (delay <= 0)
        return WORKER_OK;
    if (row->age_s * 100 > delay)
        delay = row->age_s * 100 < FOLLOW_MAX_MS ? (long)row->age_s * 100
                                                 : FOLLOW_MAX_MS;
    return order_later(w, row->o.client_order_id, delay);
}

/* Follows an open order: asks the broker and applies its answer. */
static int follow(worker *w, adapter *a, order_row *row, int *final, char *err,
                  size_t errlen)
{
    broker_order bo;
    broker_rc brc =
        a->broker->lookup(a->broker, row->o.client_order_id, &bo, err, errlen);

    if (brc == BROKER_NOT_FOUND) {
        LOG_ERROR("the broker lost an accepted order",
                  LF_S("client_order_id", row->o.client_order_id));
        return WORKER_OK;
    }
    if (brc != BROKER_OK)
        return WORKER_RETRY;
    return apply_broker_state(w, row, &bo, final, err, errlen);
}

/* A cancel requested of an order at the broker: asked of the broker,
 * then the order followed as usual, so that its final state (canceled,
 * or filled when a fill came first) and any fills are booked from the
 * broker's answer. */
static int cancel_at_broker(worker *w, adapter *a, order_row *row, int *final,
                            char *err, size_t errlen)
{
    broker_rc brc = a->broker->cancel(a->broker, row->o.client_order_id,
                                      row->broker_order_id, err, errlen);

    if (brc == BROKER_UNAVAILABLE)
        return WORKER_RETRY;
    LOG_INFO("cancel asked of the broker", LF_S("mode", trading_mode(w->cfg)),
             LF_S("broker", a->broker->name),
             LF_S("client_order_id", row->o.client_order_id));
    return follow(w, a, row, final, err, errlen);
}

/* An order in submitting. A submission that went out before (its
 * answer lost: a broker away, a timeout, a crash) may be at the broker:
 * looked up first. One the broker has not got is sent only after a
 * verdict of the gate given in this job (*fresh; else asked again: the
 * kill switch, the limits, the restricted list, the session may have
 * changed since), and not at all once a cancel is requested or the gate
 * denied it (ba_settle_unsent). claim_send stops a send that any of those
 * came before. */
static int on_submitting(worker *w, adapter *a, order_row *row, int *fresh,
                         int *final, char *err, size_t errlen)
{
    if (row->sent_ms >= 0) {
        broker_order bo;
        broker_rc brc = a->broker->lookup(a->broker, row->o.client_order_id,
                                          &bo, err, errlen);

        if (brc == BROKER_OK)
            return apply_broker_state(w, row, &bo, final, err, errlen);
        if (brc != BROKER_NOT_FOUND)
            return WORKER_RETRY;
    }
    if (row->cancel_requested || row->send_hold[0])
        return ba_settle_unsent(w, row, final, err, errlen);
    if (!*fresh) {
        int rc;

        LOG_INFO("the broker has not got the order: asking the gate again",
                 LF_S("mode", trading_mode(w->cfg)),
                 LF_S("client_order_id", row->o.client_order_id));
        rc = gate(w, row, "submitting", final, err, errlen);
        if (rc != WORKER_OK || *final)
            return rc;
        if (row->send_hold[0])
            return ba_settle_unsent(w, row, final, err, errlen);
    }
    *fresh = 0; /* one verdict, one submission */
    return submit(w, a, row, final, err, errlen);
}

/* Runs the order's state machine until it waits on the outside: at most
 * gate, submit and one follow-up per job. */
static int handle_order(worker *w, adapter *a, const char *coid, char *err,
                        size_t errlen)
{
    order_row row;
    int final = 0, rc = WORKER_OK, fresh = 0;

    for (int step = 0; step < 4 && rc == WORKER_OK && !final; step++) {
        int found = load_order(w->db, coid, &row);

        if (found < 0) {
            snprintf(err, errlen, "%s", db_error(w->db));
            return WORKER_RETRY;
        }
        if (found == 0) {
            snprintf(err, errlen, "no order with client_order_id %s", coid);
            return WORKER_FAIL;
        }
        if (strcmp(row.status, "queued") == 0) {
            rc = row.cancel_requested
                     ? ba_cancel_unsent(w, &row, "queued", &final, err, errlen)
                     : gate(w, &row, "queued", &final, err, errlen);
            /* (a verdict of the gate given now; a cancel gives none) */
            fresh = !row.cancel_requested && rc == WORKER_OK && !final;
        } else if (strcmp(row.status, "submitting") == 0) {
            /* (found at the broker: cancelled as an open order at the
             * next step when asked) */
            rc = on_submitting(w, a, &row, &fresh, &final, err, errlen);
        } else if (strcmp(row.status, "accepted") == 0 ||
                   strcmp(row.status, "partially_filled") == 0) {
            rc = row.cancel_requested
                     ? cancel_at_broker(w, a, &row, &final, err, errlen)
                     : follow(w, a, &row, &final, err, errlen);
            if (rc == WORKER_OK && !final)
                return follow_later(w, a, &row);
        } else {
            return WORKER_OK; /* final already */
        }
    }
    if (rc != WORKER_OK)
        return rc;
    if (!final && (strcmp(row.status, "queued") == 0 ||
                   strcmp(row.status, "submitting") == 0)) {
        /* (moved on and back by others meanwhile: looked at again) */
        snprintf(err, errlen, "order %s is still %s", coid, row.status);
        return WORKER_RETRY;
    }
    return final ? wake_trading(w) : WORKER_OK;
}

/* Compares our positions with the broker's and records the result. */
static void reconcile(worker *w, adapter *a)
{
    static const char sql_ours[] =
        "SELECT ticker, qty FROM positions WHERE qty <> 0 ORDER BY ticker";
    broker_position *theirs = NULL;
    size_t n = 0;
    PGresult *r;
    json_t *diff = json_array();
    char err[512], *dj, key[80], hex[65];
    const char *p[2];

    a->last_reconcile = time(NULL);
    if (a->broker->positions(a->broker, &theirs, &n, err, sizeof(err)) !=
            BROKER_OK ||
        db_execp(w->db, "ba_ours", sql_ours, 0, NULL, &r) != DB_OK) {
        LOG_WARN("cannot reconcile now", LF_S("error", err));
        free(theirs);
        json_decref(diff);
        return;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t q = atoll(PQgetvalue(r, i, 1)), b = 0;

        for (size_t k = 0; k < n; k++)
            if (strcmp(theirs[k].ticker, PQgetvalue(r, i, 0)) == 0) {
                b = theirs[k].qty;
                theirs[k].qty -= b; /* matched */
            }
        if (q != b)
            json_array_append_new(diff, json_pack("{s:s, s:I, s:I}", "ticker",
                                                  PQgetvalue(r, i, 0), "ours",
                                                  (json_int_t)q, "broker",
                                                  (json_int_t)b));
    }
    for (size_t k = 0; k < n; k++)
        if (theirs[k].qty != 0)
            json_array_append_new(diff, json_pack("{s:s, s:I, s:I}", "ticker",
                                                  theirs[k].ticker, "ours",
                                                  (json_int_t)0, "broker",
                                                  (json_int_t)theirs[k].qty));
    PQclear(r);
    free(theirs);
    dj = json_dumps(diff, JSON_COMPACT);
    p[0] = a->broker->name;
    p[1] = dj;
    db_execp(w->db, "ba_reconcile",
             "INSERT INTO reconciliations (broker, ok, differences)"
             " VALUES ($1, $2::jsonb = '[]'::jsonb, $2::jsonb)",
             2, p, NULL);
    if (json_array_size(diff) > 0) {
        sha256_hex(dj, strlen(dj), hex);
        snprintf(key, sizeof(key), "reconcile:%.32s", hex);
        trading_notify(w->db, key, "reconciliation",
                       "[stonks] positions differ from the broker's", dj);
        LOG_WARN("positions differ from the broker's",
                 LF_S("broker", a->broker->name), LF_S("differences", dj));
    }
    free(dj);
    json_decref(diff);
}

static int ba_handle(worker *w, queue_job *jobs, size_t n, char *err,
                     size_t errlen)
{
    adapter *a = w->state;
    int rc = WORKER_OK;

    for (size_t i = 0; i < n && rc == WORKER_OK; i++) {
        json_t *j = job_parse(&jobs[i], err, errlen);
        const char *coid =
            json_string_value(json_object_get(j, "client_order_id"));

        if (!coid || strlen(coid) >= ORDER_ID_MAX) {
            if (j)
                snprintf(err, errlen, "job needs a client_order_id");
            json_decref(j);
            return WORKER_FAIL;
        }
        log_set_job(jobs[i].id);
        rc = handle_order(w, a, coid, err, errlen);
        if (rc == WORKER_RETRY) {
            /* A gate or broker that does not answer: this order waits
             * in its own chain, and the batch goes on (it held every
             * other order, cancels and follow-ups included, until it
             * answered; run again whole, each follow-up of the batch
             * started one more chain). */
            LOG_WARN("order deferred", LF_S("client_order_id", coid),
                     LF_S("error", err), LF_I("in_ms", RETRY_LATER_MS));
            rc = order_later(w, coid, RETRY_LATER_MS);
        }
        json_decref(j);
    }
    if (rc == WORKER_OK &&
        time(NULL) - a->last_reconcile >= w->cfg->reconcile_interval_s)
        reconcile(w, a);
    return rc;
}

/* With no order to handle, positions are compared all the same (a
 * difference stayed unseen on quiet days, or with the kill switch on). */
static void ba_idle(worker *w)
{
    adapter *a = w->state;

    if (a && time(NULL) - a->last_reconcile >= w->cfg->reconcile_interval_s)
        reconcile(w, a);
}

static int ba_init(worker *w, char *err, size_t errlen)
{
    adapter *a = xcalloc(1, sizeof(*a));

    if (trading_mode_check(w->cfg, err, errlen) < 0 ||
        trading_ensure_account(w->db, w->cfg, err, errlen) != DB_OK) {
        free(a);
        return -1;
    }
    webclient_init();
    if (strcmp(w->cfg->broker, "alpaca") == 0) {
        alpaca_options o = {w->cfg->broker_base_url, w->cfg->broker_api_key,
                            w->cfg->broker_api_secret,
                            w->cfg->broker_timeout_ms};

        a->broker = alpaca_broker_new(&o);
    } else {
        fill_params fp = {w->cfg->paper_slippage_bps,
                          w->cfg->paper_commission_cents};

        a->broker = paper_broker_new(
            w->db, &fp, strcmp(w->cfg->scheduler_mode, "live") == 0);
    }
    w->state = a;
    LOG_INFO("broker-adapter ready", LF_S("mode", trading_mode(w->cfg)),
             LF_S("broker", a->broker->name),
             LF_S("risk_engine", w->cfg->risk_engine_url));
    reconcile(w, a);
    return 0;
}

static void ba_fini(worker *w)
{
    adapter *a = w->state;

    if (!a)
        return;
    broker_free(a->broker);
    free(a);
    w->state = NULL;
}

static const worker_def broker_def = {
    .service = "broker-adapter",
    .queue = Q_BROKER_ORDERS,
    .init = ba_init,
    .fini = ba_fini,
    .handle = ba_handle,
    .idle = ba_idle,
    .tx_wait_ms = trading_broker_tx_wait_ms,
};

int cmd_broker_adapter(int argc, char **argv)
{
    config c;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs("usage: stonks broker-adapter\n"
              "  Worker on stonks:queue:broker_orders: asks the risk-engine\n"
              "  (RISK_ENGINE_URL), submits to BROKER (paper | alpaca), "
              "follows\n"
              "  each order to a final state, books fills, positions and "
              "cash,\n"
              "  and reconciles positions with the broker.\n",
              stdout);
        return 0;
    }
    if (trading_start("broker-adapter", &c) < 0)
        return 2;
    rc = worker_run(&broker_def, &c);
    config_release(&c);
    return rc;
}
