/*
 * broker_adapter: what the order state machine (broker_adapter.c) and
 * the ending of orders that were not sent (broker_adapter_end.c) of the
 * broker-adapter service share. Internal to that service.
 */
#ifndef STONKS_BROKER_ADAPTER_H
#define STONKS_BROKER_ADAPTER_H

#include "domain/order.h"
#include "lib/worker.h"

/* An order row as the state machine needs it. */
typedef struct order_row {
    long long id;
    char status[24];
    order_intent o;
    int32_t decision_day;
    int64_t filled_qty;
    cents filled_gross; /* sum of recorded fills */
    cents commission; /* sum of recorded fills' commissions */
    int nfills;
    int cancel_requested; /* DELETE /orders/{id} of the trading-engine */
    char broker_order_id[64]; /* the broker's id, "" before it has one */
    long long age_s; /* since it was submitted (or made, before) */
    long long sent_ms; /* since a submission last went out; -1: none */
    char sent_at[48]; /* when, as the database writes it; "" if never */
    char send_hold[512]; /* why it must not be sent again; "" if not */
} order_row;

/* ba_move's sent_grace_ms for no condition on sent_at. */
#define BA_ANY_SENT (-1L)

/* Moves the order from status `from` to `to`, with code and reason
 * (NULL keeps what is there; final_at is now when `to` is final, else
 * NULL), under the trading lock (a booking of the broker's answer that
 * read the order before would write over it), and only
 * - while it is still in `from` (another adapter may have moved it on);
 * - on to submitting, while no cancel is requested (an order the
 *   trading-engine answered "queued" for is never sent) and the kill
 *   switch is off with its row there (it may have gone on since the
 *   gate's verdict: the order stays queued and is asked about again);
 * - when sent_grace_ms >= 0, while no submission went out in the last
 *   sent_grace_ms (sent_at as it is now: one another adapter sent
 *   meanwhile may yet show at the broker).
 * Returns 1 moved, 0 not (load it again), -1 database error. */
int ba_move(db *d, const char *coid, const char *from, const char *to,
            const char *code, const char *reason, long sent_grace_ms);

/* Tells of an order that was `what` (denied, rejected) with code and
 * reason (a notification, once per order and what). */
void ba_notify_refusal(worker *w, const order_row *row, const char *what,
                       const char *code, const char *reason);

/* Holds the order (in submitting) from being sent again, with the
 * gate's reasons why ("" for "denied"). Returns a DB_ code. */
int ba_hold_send(db *d, const char *coid, const char *why);

/* Ends the order as denied by the gate (from `from`; ba_move's rules
 * with sent_grace_ms), and tells: sets *final. An order another adapter
 * moved on, or sent meanwhile, is left as it is now, for the caller to
 * load again. reason may be err. Returns WORKER_OK or WORKER_RETRY (err
 * says why). */
int ba_end_denied(worker *w, order_row *row, const char *from,
                  const char *reason, long sent_grace_ms, int *final, char *err,
                  size_t errlen);

/* A cancel requested of an order that has not reached the broker (from
 * queued; or submitting, when the broker has not got it): it ends here
 * as canceled, never sent (*final), once no submission went out in the
 * last unseen_grace_ms (4 x BROKER_TIMEOUT_MS); else, or when another
 * adapter moved it on, it is left as it is now. Returns as
 * ba_end_denied. */
int ba_cancel_unsent(worker *w, order_row *row, const char *from, int *final,
                     char *err, size_t errlen);

/* An order in submitting that is not to be sent (a cancel requested,
 * or held by the gate's denial) and that the broker does not show:
 * ended as canceled or denied once no submission sent earlier can still
 * show up; until then WORKER_RETRY, to be looked at again later. An
 * order another adapter moved on is left as ba_end_denied leaves it. */
int ba_settle_unsent(worker *w, order_row *row, int *final, char *err,
                     size_t errlen);

/* In the caller's transaction: an order ended here as not sent (row:
 * as it is now, denied or canceled) that the broker shows after all
 * goes back to submitting, its denial or cancellation cleared and told.
 * Returns a DB_ code. */
int ba_revive(worker *w, const order_row *row);

#endif
