/*
 * backtest: the trading half of the live system replayed over history
 * in one process: aggregation, recommendation, sizing, the risk rules
 * and the paper broker's fill model, on the signals of signalset.h and
 * daily bars. Pure: the caller loads the data and writes the results.
 *
 * The clock. Sessions are the trading days given, in order. On session
 * S, first the orders meant for S fill against their ticker's bar of S
 * at its open, by fill_order, as the paper broker executes them (an
 * order whose session has no bar of its ticker expires unfilled); then
 * positions are valued at the last close on or before S; then, after S's close,
 * every ticker's aggregate as of S is computed from its signals dated S or
 * earlier and its bars dated S or earlier, and recommended on. So an order that
 * fills at the open of session D was decided on the signals and bars of the
 * sessions before D only: nothing dated D or later can reach a decision
 * executed on D.
 *
 * The decisions follow the trading-engine's replay rules exactly: only
 * a recommendation whose action differs from the ticker's previous one
 * (or the first one) is decided on, tickers in order; the account the
 * rules judge is the cash after every fill so far, positions at the
 * last close, the session's earlier accepted orders projected (and
 * their cash reserved), the previous session's equity as the day's
 * start and the highest equity so far as the peak; a buy is sized
 * against the equity and the last close; a drawdown denial trips a
 * kill switch that stays on for the rest of the run. Conviction and
 * target weight are taken as the database stores them (6 decimals).
 * Orders are market orders for the open of exchange_next_open(S).
 */
#ifndef STONKS_BACKTEST_H
#define STONKS_BACKTEST_H

#include <stddef.h>
#include <stdint.h>

#include "domain/aggregate.h"
#include "domain/fill.h"
#include "domain/money.h"
#include "domain/order.h"
#include "domain/risk.h"
#include "domain/strategy.h"

/* One traded ticker's inputs; all borrowed for the run. bars and fbars
 * are the same days in the same order (fbars in cents, as the paper
 * broker reads them), sorted by day; sig sorted as signalset orders
 * it. */
typedef struct backtest_ticker {
    char ticker[TICKER_MAX];
    char sector[SECTOR_MAX];
    const agg_bar *bars;
    const fill_bar *fbars;
    size_t nbars;
    const agg_signal *sig;
    size_t nsig;
} backtest_ticker;

typedef struct backtest_params {
    cents starting_cash;
    int64_t slippage_bps;
    int64_t commission_share_e4; /* per share, in 1/10000 dollar */
    cents commission_order; /* per filled order */
    strategy_params strategy;
    risk_limits limits;
    char model[48]; /* part of every client order id */
} backtest_params;

/* $100,000, 5 bp slippage, no commission, the strategy's defaults, and
 * the risk limits the migrations set (db/migrations/002_trading.sql,
 * 011_price_age.sql; the integration test checks that they agree);
 * model "strategy/1". */
void backtest_params_default(backtest_params *p);

/* Every recommendation, one per ticker and session. */
typedef struct backtest_rec {
    int32_t as_of;
    uint32_t ticker;
    rec_action action;
    double conviction, target_weight; /* as stored: 6 decimals */
    aggregate agg;
} backtest_rec;

/* A decision: a recommendation that changed. */
typedef struct backtest_decision {
    int32_t as_of, exec_day;
    uint32_t ticker;
    rec_action action;
    int has_prev;
    rec_action prev;
    double conviction, target_weight;
    const char *outcome; /* "no_order", "ordered", "denied" (static) */
    order_side side;
    int64_t qty;
    cents ref_price, equity;
    char coid[ORDER_ID_MAX];
    char codes[160]; /* denied: the rules' codes, ',' between them */
    char explanation[512];
} backtest_decision;

typedef struct backtest_fill {
    int32_t decision_day, day;
    uint32_t ticker;
    order_side side;
    int64_t qty;
    cents price, gross, commission;
    cents slippage; /* what the fill cost against the open: negative
                       for a limit buy filled under the open */
    cents realised; /* sells: proceeds - commissions - cost sold */
    char coid[ORDER_ID_MAX];
} backtest_fill;

typedef struct backtest_day {
    int32_t day;
    cents cash, positions, equity, peak;
} backtest_day;

typedef struct backtest_result {
    size_t ntickers;
    backtest_day *days; /* one per session */
    size_t ndays;
    int64_t *qty; /* ndays x ntickers: shares held at each close */
    cents *mark; /* ndays x ntickers: the price they are valued at */
    backtest_rec *recs; /* BACKTEST_RECORD only */
    size_t nrecs;
    backtest_decision *dec; /* BACKTEST_RECORD only */
    size_t ndec;
    backtest_fill *fills;
    size_t nfills;
    cents *contribution; /* per ticker: profit and loss at the end */
    cents commissions, slippage;
    double traded; /* dollars bought and sold */
    size_t ordered, denied, expired, open_at_end;
    size_t wins, closed; /* closing trades; open positions close at the
                            last mark */
    int kill_switch;
    int32_t kill_day; /* session it tripped on, -1 */
    size_t caprecs, capdec, capfills;
} backtest_result;

/* Keep the recommendation and decision logs (the main run); null-model
 * runs leave them out. */
#define BACKTEST_RECORD 1

/* Called after each session with how many are done. */
typedef void (*backtest_progress_fn)(void *ctx, size_t done, size_t total);

/* Runs the strategy over sessions[0..nsessions) (ascending). Fills out
 * (release with backtest_result_release). progress may be NULL. */
void backtest_run(const backtest_ticker *t, size_t nt, const int32_t *sessions,
                  size_t nsessions, const backtest_params *p, int flags,
                  backtest_progress_fn progress, void *ctx,
                  backtest_result *out);

/* Buy-and-hold of the same tickers with equal weights: at the open of
 * the first session, each ticker with a bar that day gets an equal
 * share of the starting cash, bought in whole shares through the same
 * fill model and costs, and is held to the end. */
void backtest_buy_and_hold(const backtest_ticker *t, size_t nt,
                           const int32_t *sessions, size_t nsessions,
                           const backtest_params *p, backtest_result *out);

void backtest_result_release(backtest_result *r);

/* The null model's input: permutes the sentiment values among all the
 * signals of sig[0..nt) (each sig[i] of nsig[i] entries), with a
 * deterministic generator seeded by seed. Confidence, relevance and
 * days stay where they are. */
void backtest_shuffle_sentiment(agg_signal *const *sig, const size_t *nsig,
                                size_t nt, uint64_t seed);

/* The commission of a fill of qty shares: per order plus per share,
 * rounded half away from zero to the cent. */
cents backtest_commission(const backtest_params *p, int64_t qty);

#endif
