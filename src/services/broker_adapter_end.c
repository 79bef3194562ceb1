/*
 * broker-adapter: the ending of orders that were not sent (denied by
 * the gate, canceled on request) and the status moves of the state
 * machine in broker_adapter.c.
 *
 * An order whose submission's answer was lost may be at the broker
 * though the broker does not show it yet: once it is not to be sent
 * (a cancel, the gate's denial: orders.send_hold) it is ended only when
 * no submission went out in the last unseen_grace_ms, and one ended
 * here that the broker shows after all is followed again (ba_revive).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "services/broker_adapter.h"
#include "services/svc.h"
#include "services/trading.h"

int ba_move(db *d, const char *coid, const char *from, const char *to,
            const char *code, const char *reason, long sent_grace_ms)
{
    static const char sql[] =
        "UPDATE orders SET status = $3, reject_code = coalesce($4,"
        " reject_code), reject_reason = coalesce($5, reject_reason),"
        " updated_at = now(), final_at = CASE WHEN $3 IN ('filled',"
        " 'canceled', 'expired', 'rejected', 'denied') THEN now() END"
        " WHERE client_order_id = $1 AND status = $2"
        " AND ($3 <> 'submitting' OR (cancel_requested_at IS NULL"
        " AND NOT coalesce((SELECT k.active FROM kill_switch k"
        " WHERE k.id = 1), true)))"
        " AND ($6::bigint < 0 OR sent_at IS NULL"
        " OR sent_at < clock_timestamp() - $6::bigint * interval '1 ms')"
        " RETURNING 1";
    char g[24];
    const char *p[] = {coid, from, to, code, reason, g};
    PGresult *r;
    int n;

    snprintf(g, sizeof(g), "%ld", sent_grace_ms);
    if (trading_begin_locked(d) != DB_OK ||
        db_execp(d, "ba_move", sql, 6, p, &r) != DB_OK) {
        db_rollback(d);
        return -1;
    }
    n = PQntuples(r);
    PQclear(r);
    if (db_commit(d) != DB_OK) {
        db_rollback(d);
        return -1;
    }
    return n == 1;
}

/* How long after a submission went out a broker's "no such order" is
 * believed (the request may still be on its way, or its order not yet
 * shown): twice the broker's transaction wait, 4 x BROKER_TIMEOUT_MS. */
static long unseen_grace_ms(const config *c)
{
    return 2 * trading_broker_tx_wait_ms(c);
}

void ba_notify_refusal(worker *w, const order_row *row, const char *what,
                       const char *code, const char *reason)
{
    char key[96], subject[200], *body;

    snprintf(key, sizeof(key), "%s:%s", what, row->o.client_order_id);
    snprintf(subject, sizeof(subject), "[stonks %s] order %s: %s %lld %s",
             trading_mode(w->cfg), what, order_side_name(row->o.side),
             (long long)row->o.qty, row->o.ticker);
    body = xasprintf("Mode: %s\nOrder %s (%s %lld %s) was %s.\n%s: %s\n",
                     trading_mode(w->cfg), row->o.client_order_id,
                     order_side_name(row->o.side), (long long)row->o.qty,
                     row->o.ticker, what, code, reason);
    trading_notify(w->db, key, "rejection", subject, body);
    free(body);
}

int ba_revive(worker *w, const order_row *row)
{
    char key[96], subject[200], *body;
    const char *p[] = {row->o.client_order_id};
    int rc = db_execp(w->db, "ba_revive",
                      "UPDATE orders SET status = 'submitting',"
                      " reject_code = NULL, reject_reason = NULL,"
                      " send_hold = NULL, final_at = NULL,"
                      " updated_at = now() WHERE client_order_id = $1",
                      1, p, NULL);

    if (rc != DB_OK)
        return rc;
    LOG_WARN("the broker shows an order ended here as not sent: it is "
             "followed again",
             LF_S("mode", trading_mode(w->cfg)),
             LF_S("client_order_id", row->o.client_order_id),
             LF_S("was", row->status));
    snprintf(key, sizeof(key), "revived:%s", row->o.client_order_id);
    snprintf(subject, sizeof(subject),
             "[stonks %s] order %s %s %lld %s is at the broker after all",
             trading_mode(w->cfg), row->status, order_side_name(row->o.side),
             (long long)row->o.qty, row->o.ticker);
    body = xasprintf("Mode: %s\nOrder %s was ended here as %s, not sent; "
                     "the broker shows it after all, and it is followed "
                     "again.\n",
                     trading_mode(w->cfg), row->o.client_order_id, row->status);
    rc = trading_notify(w->db, key, "order", subject, body);
    free(body);
    return rc;
}

int ba_hold_send(db *d, const char *coid, const char *why)
{
    const char *p[] = {coid, why[0] ? why : "denied"};

    return db_execp(d, "ba_hold",
                    "UPDATE orders SET send_hold = $2, updated_at = now()"
                    " WHERE client_order_id = $1 AND status = 'submitting'",
                    2, p, NULL);
}

int ba_end_denied(worker *w, order_row *row, const char *from,
                  const char *reason, long sent_grace_ms, int *final, char *err,
                  size_t errlen)
{
    int ended = ba_move(w->db, row->o.client_order_id, from, "denied", "risk",
                        reason, sent_grace_ms);

    if (ended < 0) {
        snprintf(err, errlen, "%s", db_error(w->db));
        return WORKER_RETRY;
    }
    if (ended == 0)
        return WORKER_OK;
    ba_notify_refusal(w, row, "denied", "risk", reason);
    LOG_WARN("risk-engine denied the order", LF_S("mode", trading_mode(w->cfg)),
             LF_S("client_order_id", row->o.client_order_id),
             LF_S("reasons", reason));
    *final = 1;
    return WORKER_OK;
}

int ba_cancel_unsent(worker *w, order_row *row, const char *from, int *final,
                     char *err, size_t errlen)
{
    int sent = row->sent_ms >= 0,
        ended = ba_move(w->db, row->o.client_order_id, from, "canceled", NULL,
                        sent ? "canceled on request; the broker did not "
                               "show the submission sent before"
                             : "canceled on request before it was sent",
                        sent ? unseen_grace_ms(w->cfg) : 0);

    if (ended < 0) {
        snprintf(err, errlen, "%s", db_error(w->db));
        return WORKER_RETRY;
    }
    if (ended == 0) /* moved on, or sent meanwhile: as it is now */
        return WORKER_OK;
    LOG_WARN("order canceled before it was sent",
             LF_S("mode", trading_mode(w->cfg)),
             LF_S("client_order_id", row->o.client_order_id));
    *final = 1;
    return WORKER_OK;
}

int ba_settle_unsent(worker *w, order_row *row, int *final, char *err,
                     size_t errlen)
{
    int cancel = row->cancel_requested;

    if (row->sent_ms >= 0 && row->sent_ms < unseen_grace_ms(w->cfg)) {
        snprintf(err, errlen,
                 "not to be sent (%s); waiting to see that the broker has "
                 "not got the submission sent %lld ms ago",
                 cancel ? "canceled" : "denied", row->sent_ms);
        return WORKER_RETRY;
    }
    if (cancel)
        return ba_cancel_unsent(w, row, "submitting", final, err, errlen);
    return ba_end_denied(w, row, "submitting", row->send_hold,
                         unseen_grace_ms(w->cfg), final, err, errlen);
}
