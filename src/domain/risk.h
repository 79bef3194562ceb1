/*
 * risk: the rules every order must pass, shared by the trading-engine's
 * screen and the risk-engine's gate so that the two cannot disagree.
 * Pure: the caller gathers the limits, the account and the intent; the
 * rules only compare numbers.
 *
 * Each rule looks at one thing and adds at most one reason; risk_check
 * runs every rule, so a denial lists all that is wrong, not only the
 * first. An order is allowed when no rule added a reason. Rules that
 * guard against more risk (position, weight, exposure, sector, minimum
 * price, daily loss, buying power) apply to buys only: a sell reduces
 * risk and must stay possible; so does the rule of symbols deactivated
 * in the registry (none bought, those held may go). The kill switch,
 * the drawdown trip, the
 * restricted list, market hours and the order counts apply to both
 * sides. A limit whose value is 0 is off.
 *
 * All money is integer cents and all ratios whole basis points; every
 * comparison is exact (money_ratio_cmp), so an order at a limit passes
 * and one cent over fails.
 */
#ifndef STONKS_RISK_H
#define STONKS_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "domain/money.h"
#include "domain/order.h"

typedef struct risk_limits {
    cents max_position_notional; /* value of one position after a buy */
    int64_t max_position_weight_bps; /* that value / equity */
    int64_t max_gross_exposure_bps; /* all positions + the buy / equity */
    int64_t max_sector_weight_bps; /* the buy's sector / equity */
    int64_t max_orders_per_day; /* orders of the session, both sides */
    int64_t max_orders_per_ticker_day; /* of one ticker in the session */
    cents daily_loss_limit; /* stop buying after losing this today */
    int64_t max_drawdown_bps; /* from peak equity: trips the switch */
    cents min_price; /* no buys of shares cheaper than this */
    int64_t cash_buffer_bps; /* buying power covers notional * (1+b) */
    /* The broker's commission, which buying power covers too: per
     * order, and per share in 1/10000 dollar. Not stored limits: the
     * services set them from the broker's settings. */
    cents commission_order;
    int64_t commission_share_e4;
    int64_t market_hours; /* 1: enforce the exchange calendar */
    int64_t allow_extended_hours; /* 1: limit orders may run pre/post */
    int64_t max_price_age_sessions; /* a buy's price missed <= this many
                                       closes before its session */
    const char *const *restricted; /* tickers never traded */
    size_t nrestricted;
    const char *const *inactive; /* deactivated in the registry: no buys */
    size_t ninactive;
} risk_limits;

/* Positions as they will be once every other open order has filled,
 * valued at the reference price of their ticker; sellable is what a
 * sell may take: the shares held, less every other open sell, without
 * the open buys (a buy that has not filled holds no shares to sell). */
typedef struct risk_position {
    char ticker[TICKER_MAX];
    char sector[SECTOR_MAX];
    int64_t qty;
    cents price;
    int64_t sellable;
} risk_position;

typedef struct risk_account {
    cents cash; /* after every fill so far */
    cents reserved; /* held back for other open buy orders */
    cents equity; /* cash + positions held, at price */
    cents day_start_equity; /* equity at the previous session's close */
    cents peak_equity; /* highest equity at any close */
    const risk_position *positions;
    size_t npositions;
    int64_t orders_today; /* other orders of the session */
    int64_t ticker_orders_today; /* of those, for the intent's ticker */
    int kill_switch; /* 1: on */
    /* New York date and minute of the check when trading today's
     * market (the live scheduler), else -1 (a replay: its sessions are
     * past by design) */
    int32_t today;
    int now_minute;
} risk_account;

#define RISK_MAX_REASONS 16
#define RISK_CODE_MAX 32
#define RISK_MESSAGE_MAX 200

typedef struct risk_reason {
    char code[RISK_CODE_MAX]; /* the rule's name, e.g. "buying_power" */
    char message[RISK_MESSAGE_MAX]; /* one line with the numbers */
} risk_reason;

typedef struct risk_verdict {
    int allowed; /* 1 when nreasons is 0 */
    int trip_kill_switch; /* 1: the drawdown rule fired */
    size_t nreasons;
    risk_reason reasons[RISK_MAX_REASONS];
} risk_verdict;

/* One rule: looks at the inputs and adds at most one reason to v. */
typedef void (*risk_rule_fn)(const risk_limits *l, const risk_account *a,
                             const order_intent *o, risk_verdict *v);

typedef struct risk_rule {
    const char *name; /* also the reason code */
    risk_rule_fn check;
    const char *what; /* one line, for docs and GET /limits */
} risk_rule;

/* Every rule, in the order risk_check runs them. */
extern const risk_rule risk_rules[];
extern const size_t risk_nrules;

/* Starts v as allowed with no reasons. */
void risk_verdict_init(risk_verdict *v);

/* Adds a reason (printf-style message) and clears v->allowed. Reasons
 * past RISK_MAX_REASONS are dropped. */
void risk_deny(risk_verdict *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The reasons of v as one line, "code: message; code: message", cut to
 * fit cap bytes (cap >= 1). */
void risk_verdict_text(const risk_verdict *v, char *out, size_t cap);

/* Runs every rule. v->allowed is 1 when none of them objects. */
void risk_check(const risk_limits *l, const risk_account *a,
                const order_intent *o, risk_verdict *v);

/* The rules one by one (the table above), for tests. */
void risk_rule_valid(const risk_limits *, const risk_account *,
                     const order_intent *, risk_verdict *);
void risk_rule_kill_switch(const risk_limits *, const risk_account *,
                           const order_intent *, risk_verdict *);
void risk_rule_drawdown(const risk_limits *, const risk_account *,
                        const order_intent *, risk_verdict *);
void risk_rule_restricted(const risk_limits *, const risk_account *,
                          const order_intent *, risk_verdict *);
void risk_rule_inactive(const risk_limits *, const risk_account *,
                        const order_intent *, risk_verdict *);
void risk_rule_market_hours(const risk_limits *, const risk_account *,
                            const order_intent *, risk_verdict *);
void risk_rule_stale_session(const risk_limits *, const risk_account *,
                             const order_intent *, risk_verdict *);
void risk_rule_orders_per_day(const risk_limits *, const risk_account *,
                              const order_intent *, risk_verdict *);
void risk_rule_orders_per_ticker(const risk_limits *, const risk_account *,
                                 const order_intent *, risk_verdict *);
void risk_rule_min_price(const risk_limits *, const risk_account *,
                         const order_intent *, risk_verdict *);
void risk_rule_position_notional(const risk_limits *, const risk_account *,
                                 const order_intent *, risk_verdict *);
void risk_rule_position_weight(const risk_limits *, const risk_account *,
                               const order_intent *, risk_verdict *);
void risk_rule_gross_exposure(const risk_limits *, const risk_account *,
                              const order_intent *, risk_verdict *);
void risk_rule_sector(const risk_limits *, const risk_account *,
                      const order_intent *, risk_verdict *);
void risk_rule_daily_loss(const risk_limits *, const risk_account *,
                          const order_intent *, risk_verdict *);
void risk_rule_buying_power(const risk_limits *, const risk_account *,
                            const order_intent *, risk_verdict *);
void risk_rule_no_short(const risk_limits *, const risk_account *,
                        const order_intent *, risk_verdict *);
void risk_rule_price_age(const risk_limits *, const risk_account *,
                         const order_intent *, risk_verdict *);

/* The commission of an order of qty shares: per_order plus qty x
 * per_share_e4 / 10000 dollars, in cents. -1 on overflow. */
int risk_commission(cents per_order, int64_t per_share_e4, int64_t qty,
                    cents *out);

/* The cash a buy must find free, and holds while open: its notional
 * (qty at the reference price) plus cash_buffer_bps, or for a limit
 * order qty at the limit when that is more, plus its commission; 0 for
 * a sell. -1 on overflow. The buying power rule, the trading-engine's
 * reserve and the backtest's share it. */
int risk_buy_reserve(const risk_limits *l, const order_intent *o, cents *out);

/* The cash an open order holds back from other orders: a buy's
 * risk_buy_reserve, and for a sale the part of its commission that the
 * sale, priced at the reference less cash_buffer_bps, does not bring in
 * (0 in the usual case). -1 on overflow. */
int risk_hold(const risk_limits *l, const order_intent *o, cents *out);

/* The limit price of a strategy buy: the reference price plus
 * buffer_bps (0..10000), rounded down to the cent. The reserve holds
 * qty times that much and more, so a session that opens higher cannot
 * make the fill cost more than was reserved (as a market order, a buy
 * at an open 3.7 % over the close with a 1 % buffer overdrew cash). A
 * buy whose session never trades at or below its limit does not fill.
 * The trading-engine and the backtest both buy so. */
cents risk_buy_limit(cents price, int64_t buffer_bps);

/* The shares of ticker in a->positions (0 when absent). */
int64_t risk_position_qty(const risk_account *a, const char *ticker);

/* The shares of ticker a sell may take (its sellable; 0 when absent). */
int64_t risk_sellable_qty(const risk_account *a, const char *ticker);

#endif
