#include "domain/risk.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/date.h"
#include "domain/exchange.h"

void risk_verdict_init(risk_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->allowed = 1;
}

void risk_verdict_text(const risk_verdict *v, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < v->nreasons && len + 1 < cap; i++) {
        int n = snprintf(out + len, cap - len, "%s%s: %s", i ? "; " : "",
                         v->reasons[i].code, v->reasons[i].message);

        if (n < 0)
            break;
        len += (size_t)n < cap - len ? (size_t)n : cap - len - 1;
    }
}

void risk_deny(risk_verdict *v, const char *code, const char *fmt, ...)
{
    risk_reason *r;
    va_list ap;

    v->allowed = 0;
    if (v->nreasons == RISK_MAX_REASONS)
        return;
    r = &v->reasons[v->nreasons++];
    snprintf(r->code, sizeof(r->code), "%s", code);
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

int64_t risk_position_qty(const risk_account *a, const char *ticker)
{
    for (size_t i = 0; i < a->npositions; i++)
        if (strcmp(a->positions[i].ticker, ticker) == 0)
            return a->positions[i].qty;
    return 0;
}

int64_t risk_sellable_qty(const risk_account *a, const char *ticker)
{
    for (size_t i = 0; i < a->npositions; i++)
        if (strcmp(a->positions[i].ticker, ticker) == 0)
            return a->positions[i].sellable;
    return 0;
}

/* "12.34%" from basis points, for messages. */
/* "s" after a count other than one. */
static const char *plural(int64_t n)
{
    return n == 1 ? "" : "s";
}

static const char *pct(int64_t bps, char out[32])
{
    int neg = bps < 0;
    int64_t m = neg ? -bps : bps;

    snprintf(out, 32, "%s%lld.%02lld%%", neg ? "-" : "", (long long)(m / 100),
             (long long)(m % 100));
    return out;
}

static const char *usd(cents c, char out[MONEY_FMT_MAX])
{
    money_format(c, out);
    return out;
}

/* The intent's notional, or 0 when it cannot be computed (the validity
 * rule reports that). */
static cents notional(const order_intent *o)
{
    cents n;

    return order_notional(o, &n) < 0 ? 0 : n;
}

/* The value of the intent's position after the buy, at the intent's
 * price. */
static cents position_after(const risk_account *a, const order_intent *o)
{
    cents v;
    int64_t q = risk_position_qty(a, o->ticker) + o->qty;

    return money_mul(o->ref_price, q, &v) < 0 ? MONEY_MAX : v;
}

void risk_rule_valid(const risk_limits *l, const risk_account *a,
                     const order_intent *o, risk_verdict *v)
{
    cents n;

    (void)l;
    (void)a;
    if (o->qty <= 0)
        risk_deny(v, "invalid", "quantity %lld is not positive",
                  (long long)o->qty);
    else if (o->ref_price <= 0)
        risk_deny(v, "invalid", "no positive reference price for %s",
                  o->ticker);
    else if (o->type == ORDER_LIMIT && o->limit_price <= 0)
        risk_deny(v, "invalid", "limit order without a positive limit price");
    else if (o->type == ORDER_MARKET && o->extended_hours)
        risk_deny(v, "invalid",
                  "extended hours are for limit orders, not market orders");
    else if (order_notional(o, &n) < 0 || n > MONEY_MAX)
        risk_deny(v, "invalid", "notional of %lld shares overflows",
                  (long long)o->qty);
}

void risk_rule_kill_switch(const risk_limits *l, const risk_account *a,
                           const order_intent *o, risk_verdict *v)
{
    (void)l;
    (void)o;
    if (a->kill_switch)
        risk_deny(v, "kill_switch", "the kill switch is on: no new orders");
}

void risk_rule_drawdown(const risk_limits *l, const risk_account *a,
                        const order_intent *o, risk_verdict *v)
{
    cents drop;
    char p1[32], p2[32], e[MONEY_FMT_MAX], pk[MONEY_FMT_MAX];

    (void)o;
    if (l->max_drawdown_bps <= 0 || a->peak_equity <= 0 ||
        money_sub(a->peak_equity, a->equity, &drop) < 0 || drop <= 0)
        return;
    if (money_ratio_cmp(drop, a->peak_equity, l->max_drawdown_bps) < 0)
        return;
    v->trip_kill_switch = 1;
    risk_deny(v, "drawdown",
              "equity %s is %s below its peak %s, at or over the %s "
              "limit: kill switch tripped",
              usd(a->equity, e), pct(money_ratio_bps(drop, a->peak_equity), p1),
              usd(a->peak_equity, pk), pct(l->max_drawdown_bps, p2));
}

void risk_rule_restricted(const risk_limits *l, const risk_account *a,
                          const order_intent *o, risk_verdict *v)
{
    (void)a;
    for (size_t i = 0; i < l->nrestricted; i++)
        if (strcmp(l->restricted[i], o->ticker) == 0) {
            risk_deny(v, "restricted", "%s is on the restricted list",
                      o->ticker);
            return;
        }
}

void risk_rule_inactive(const risk_limits *l, const risk_account *a,
                        const order_intent *o, risk_verdict *v)
{
    (void)a;
    if (o->side != SIDE_BUY)
        return;
    for (size_t i = 0; i < l->ninactive; i++)
        if (strcmp(l->inactive[i], o->ticker) == 0) {
            risk_deny(v, "inactive_symbol",
                      "%s is deactivated in the registry: its shares held "
                      "may be sold, none bought (PATCH /symbols/%s "
                      "{\"active\":true} follows it again)",
                      o->ticker, o->ticker);
            return;
        }
}

void risk_rule_stale_session(const risk_limits *l, const risk_account *a,
                             const order_intent *o, risk_verdict *v)
{
    char day[11], today[11];
    exchange_day e;

    (void)l;
    if (a->today < 0 || o->exec_day > a->today)
        return;
    date_format(o->exec_day, day);
    date_format(a->today, today);
    if (o->exec_day < a->today) {
        risk_deny(v, "stale_session",
                  "the order's session %s is before today %s (New York): "
                  "it would run in another market than the one it was "
                  "decided for",
                  day, today);
        return;
    }
    /* today's session, over already: a day order sent now would run at
     * the next one's open (an order for after the close may still go) */
    exchange_describe(o->exec_day, &e);
    if (e.open && a->now_minute >= e.close_min && o->exec_minute < e.close_min)
        risk_deny(v, "stale_session",
                  "the order's session %s closed at %02d:%02d (New York): "
                  "it would run at the next session's open instead",
                  day, e.close_min / 60, e.close_min % 60);
}

void risk_rule_market_hours(const risk_limits *l, const risk_account *a,
                            const order_intent *o, risk_verdict *v)
{
    exchange_day e;
    exchange_phase ph;
    char day[11];
    int h = o->exec_minute / 60, m = o->exec_minute % 60;

    (void)a;
    if (!l->market_hours) {
        /* no time is checked, but the mark would still let the broker
         * run the order outside the regular session */
        if (o->extended_hours && !l->allow_extended_hours)
            risk_deny(v, "market_hours",
                      "an order marked extended_hours may run outside the "
                      "regular session, and extended hours are not allowed "
                      "(allow_extended_hours 0)");
        return;
    }
    date_format(o->exec_day, day);
    exchange_describe(o->exec_day, &e);
    if (!e.open) {
        risk_deny(v, "market_hours", "market closed on %s (%s)", day,
                  e.closed_why);
        return;
    }
    ph = exchange_phase_at(o->exec_day, o->exec_minute);
    if (ph == PHASE_REGULAR) {
        /* the mark lets the broker run the order after the close too */
        if (o->extended_hours && !l->allow_extended_hours)
            risk_deny(v, "market_hours",
                      "regular session at %02d:%02d New York on %s: an "
                      "order marked extended_hours may run after the close, "
                      "and extended hours are not allowed",
                      h, m, day);
        return;
    }
    if (ph == PHASE_CLOSED) {
        risk_deny(v, "market_hours",
                  "market closed at %02d:%02d New York on %s (session "
                  "%02d:%02d-%02d:%02d)",
                  h, m, day, e.open_min / 60, e.open_min % 60, e.close_min / 60,
                  e.close_min % 60);
        return;
    }
    if (!l->allow_extended_hours)
        risk_deny(v, "market_hours",
                  "%s at %02d:%02d New York on %s: extended hours are not "
                  "allowed",
                  exchange_phase_name(ph), h, m, day);
    else if (o->type != ORDER_LIMIT || !o->extended_hours)
        risk_deny(v, "market_hours",
                  "%s at %02d:%02d New York on %s: extended hours need a "
                  "limit order marked extended_hours",
                  exchange_phase_name(ph), h, m, day);
}

/* A buy is sized and screened at its reference price, the last close
 * known: when the price bars stopped coming in (ingestion down, a
 * symbol no longer quoted), that close may be months old and every
 * check of the buy meaningless. Its age is the number of sessions
 * between the price's day and the order's session whose close is
 * missing: 0 for a strategy order (decided on the close of the session
 * before its own) and for a manual order with the last session's bar
 * in. Sales are not held back: they must stay possible while data is
 * missing. */
void risk_rule_price_age(const risk_limits *l, const risk_account *a,
                         const order_intent *o, risk_verdict *v)
{
    int64_t age = 0, lim = l->max_price_age_sessions;
    char pd[11], ed[11];

    (void)a;
    /* (no price at all is the invalid rule's to tell) */
    if (o->side != SIDE_BUY || lim <= 0 || o->ref_price <= 0)
        return;
    /* counted to lim + 1 at most: a price of 1970 costs no more */
    for (int32_t d = exchange_next_open(o->price_day);
         d < o->exec_day && age <= lim; d = exchange_next_open(d))
        age++;
    if (age <= lim)
        return;
    date_format(o->price_day, pd);
    date_format(o->exec_day, ed);
    /* counted as the limit counts: sessions without a close, not the
     * distance in sessions (a close two sessions back misses one) */
    risk_deny(v, "price_age",
              "the price of %s is the close of %s, more than %lld "
              "session%s with no close before the order's session %s: are "
              "price bars coming in? (max_price_age_sessions, 0: off)",
              o->ticker, pd, (long long)lim, plural(lim), ed);
}

void risk_rule_orders_per_day(const risk_limits *l, const risk_account *a,
                              const order_intent *o, risk_verdict *v)
{
    (void)o;
    if (l->max_orders_per_day > 0 && a->orders_today >= l->max_orders_per_day)
        risk_deny(v, "orders_per_day",
                  "%lld order%s already this session, the limit is %lld",
                  (long long)a->orders_today, plural(a->orders_today),
                  (long long)l->max_orders_per_day);
}

void risk_rule_orders_per_ticker(const risk_limits *l, const risk_account *a,
                                 const order_intent *o, risk_verdict *v)
{
    if (l->max_orders_per_ticker_day > 0 &&
        a->ticker_orders_today >= l->max_orders_per_ticker_day)
        risk_deny(v, "orders_per_ticker",
                  "%lld order%s of %s already this session, the limit is %lld",
                  (long long)a->ticker_orders_today,
                  plural(a->ticker_orders_today), o->ticker,
                  (long long)l->max_orders_per_ticker_day);
}

void risk_rule_min_price(const risk_limits *l, const risk_account *a,
                         const order_intent *o, risk_verdict *v)
{
    char p[MONEY_FMT_MAX], m[MONEY_FMT_MAX];

    (void)a;
    if (o->side != SIDE_BUY || l->min_price <= 0 || o->ref_price <= 0 ||
        o->ref_price >= l->min_price)
        return;
    risk_deny(v, "min_price", "price %s of %s is under the minimum %s",
              usd(o->ref_price, p), o->ticker, usd(l->min_price, m));
}

void risk_rule_position_notional(const risk_limits *l, const risk_account *a,
                                 const order_intent *o, risk_verdict *v)
{
    cents after;
    char x[MONEY_FMT_MAX], m[MONEY_FMT_MAX];

    if (o->side != SIDE_BUY || l->max_position_notional <= 0)
        return;
    after = position_after(a, o);
    if (after > l->max_position_notional)
        risk_deny(v, "position_notional",
                  "%s position would be worth %s, over the %s limit", o->ticker,
                  usd(after, x), usd(l->max_position_notional, m));
}

/* Denies with code when part / equity would exceed limit_bps. */
static void weight_check(const risk_account *a, cents part, int64_t limit_bps,
                         const char *code, const char *what, risk_verdict *v)
{
    char w[32], lim[32], x[MONEY_FMT_MAX], e[MONEY_FMT_MAX], m[MONEY_FMT_MAX];

    if (limit_bps <= 0)
        return;
    if (a->equity <= 0) {
        risk_deny(v, code, "equity %s is not positive", usd(a->equity, e));
        return;
    }
    /* the limit in dollars too: percentages in whole basis points can
     * read alike ("2.61% ..., over the 2.61% limit") */
    if (money_ratio_cmp(part, a->equity, limit_bps) > 0)
        risk_deny(v, code,
                  "%s would be %s (%s of equity %s), over the %s limit (%s)",
                  what, usd(part, x), pct(money_ratio_bps(part, a->equity), w),
                  usd(a->equity, e), pct(limit_bps, lim),
                  usd(money_bps_floor(a->equity, limit_bps), m));
}

void risk_rule_position_weight(const risk_limits *l, const risk_account *a,
                               const order_intent *o, risk_verdict *v)
{
    char what[64];

    if (o->side != SIDE_BUY)
        return;
    snprintf(what, sizeof(what), "%s position", o->ticker);
    weight_check(a, position_after(a, o), l->max_position_weight_bps,
                 "position_weight", what, v);
}

void risk_rule_gross_exposure(const risk_limits *l, const risk_account *a,
                              const order_intent *o, risk_verdict *v)
{
    cents gross = notional(o);

    if (o->side != SIDE_BUY || l->max_gross_exposure_bps <= 0)
        return;
    for (size_t i = 0; i < a->npositions; i++) {
        int64_t q = a->positions[i].qty < 0 ? -a->positions[i].qty
                                            : a->positions[i].qty;
        cents pv;

        if (money_mul(a->positions[i].price, q, &pv) < 0 ||
            money_add(gross, pv, &gross) < 0) {
            gross = MONEY_MAX;
            break;
        }
    }
    weight_check(a, gross, l->max_gross_exposure_bps, "gross_exposure",
                 "gross exposure", v);
}

void risk_rule_sector(const risk_limits *l, const risk_account *a,
                      const order_intent *o, risk_verdict *v)
{
    cents total = notional(o);
    char what[SECTOR_MAX + 16];

    if (o->side != SIDE_BUY || l->max_sector_weight_bps <= 0)
        return;
    for (size_t i = 0; i < a->npositions; i++) {
        cents pv;

        if (strcmp(a->positions[i].sector, o->sector) != 0)
            continue;
        if (money_mul(a->positions[i].price, a->positions[i].qty, &pv) < 0 ||
            money_add(total, pv, &total) < 0) {
            total = MONEY_MAX;
            break;
        }
    }
    snprintf(what, sizeof(what), "sector '%s'",
             o->sector[0] ? o->sector : "unknown");
    weight_check(a, total, l->max_sector_weight_bps, "sector_concentration",
                 what, v);
}

void risk_rule_daily_loss(const risk_limits *l, const risk_account *a,
                          const order_intent *o, risk_verdict *v)
{
    cents loss;
    char x[MONEY_FMT_MAX], m[MONEY_FMT_MAX];

    if (o->side != SIDE_BUY || l->daily_loss_limit <= 0 ||
        a->day_start_equity <= 0 ||
        money_sub(a->day_start_equity, a->equity, &loss) < 0)
        return;
    if (loss >= l->daily_loss_limit)
        risk_deny(v, "daily_loss",
                  "lost %s since the last close, at or over the %s daily "
                  "limit: no new buys today",
                  usd(loss, x), usd(l->daily_loss_limit, m));
}

int risk_commission(cents per_order, int64_t per_share_e4, int64_t qty,
                    cents *out)
{
    cents per_share = 0;

    if (money_muldiv(qty, per_share_e4, 100, &per_share) < 0 ||
        money_add(per_share, per_order, out) < 0)
        return -1;
    return 0;
}

/* The most a buy's shares can cost, before the commission: notional
 * plus the buffer, or qty at the limit when that is more. *at_limit
 * says which. */
static int buy_cost(const risk_limits *l, const order_intent *o, cents *out,
                    int *at_limit)
{
    cents n, lim;

    *at_limit = 0;
    if (order_notional(o, &n) < 0 ||
        money_bps(n, 10000 + l->cash_buffer_bps, out) < 0)
        return -1;
    if (o->type != ORDER_LIMIT)
        return 0;
    if (money_mul(o->limit_price, o->qty, &lim) < 0)
        return -1;
    if (lim > *out) {
        *out = lim;
        *at_limit = 1;
    }
    return 0;
}

/* What a buy needs: buy_cost plus the commission. */
static int buy_need(const risk_limits *l, const order_intent *o, cents *out,
                    int *at_limit)
{
    cents cost, fee;

    if (buy_cost(l, o, &cost, at_limit) < 0 ||
        risk_commission(l->commission_order, l->commission_share_e4, o->qty,
                        &fee) < 0 ||
        money_add(cost, fee, out) < 0)
        return -1;
    return 0;
}

int risk_buy_reserve(const risk_limits *l, const order_intent *o, cents *out)
{
    int at_limit;

    *out = 0;
    return o->side == SIDE_BUY ? buy_need(l, o, out, &at_limit) : 0;
}

cents risk_buy_limit(cents price, int64_t buffer_bps)
{
    /* price > 0 and buffer_bps in 0..10000, so this is the floor */
    __int128 lim = (__int128)price * (10000 + buffer_bps) / 10000;

    return lim > MONEY_MAX ? price : (cents)lim;
}

/* A sale's commission and what the sale brings in, priced at the
 * reference less cash_buffer_bps; -1 on overflow. */
static int sale_terms(const risk_limits *l, const order_intent *o, cents *fee,
                      cents *proceeds)
{
    if (risk_commission(l->commission_order, l->commission_share_e4, o->qty,
                        fee) < 0 ||
        money_bps(notional(o), 10000 - l->cash_buffer_bps, proceeds) < 0)
        return -1;
    return 0;
}

/* What a sale needs: the part of its commission it does not bring in;
 * its terms in *fee and *proceeds. */
static int sale_need(const risk_limits *l, const order_intent *o, cents *out,
                     cents *fee, cents *proceeds)
{
    *out = 0;
    if (sale_terms(l, o, fee, proceeds) < 0)
        return -1;
    if (*fee > *proceeds)
        *out = *fee - *proceeds;
    return 0;
}

int risk_hold(const risk_limits *l, const order_intent *o, cents *out)
{
    cents fee, proceeds;

    if (o->side == SIDE_BUY)
        return risk_buy_reserve(l, o, out);
    return sale_need(l, o, out, &fee, &proceeds);
}

/* A sell pays its commission out of what it brings in; free cash must
 * cover the rest, so a sale worth less than its commission cannot take
 * cash below zero. */
static void sale_covers_commission(const risk_limits *l, const order_intent *o,
                                   cents avail, risk_verdict *v)
{
    cents fee = MONEY_MAX, proceeds = 0, need = MONEY_MAX;
    char f[MONEY_FMT_MAX], g[MONEY_FMT_MAX], c[MONEY_FMT_MAX], p[32];

    if (sale_need(l, o, &need, &fee, &proceeds) == 0 && need <= avail)
        return;
    risk_deny(v, "buying_power",
              "the sale brings %s (at the price less %s), less than its "
              "commission %s, and only %s of cash is free",
              usd(proceeds, g), pct(l->cash_buffer_bps, p), usd(fee, f),
              usd(avail, c));
}

void risk_rule_buying_power(const risk_limits *l, const risk_account *a,
                            const order_intent *o, risk_verdict *v)
{
    cents need, avail;
    char n[MONEY_FMT_MAX], c[MONEY_FMT_MAX], p[32], what[80];
    int fee = l->commission_order > 0 || l->commission_share_e4 > 0;
    int at_limit = 0;

    if (money_sub(a->cash, a->reserved, &avail) < 0 || avail < 0)
        avail = 0;
    if (o->side == SIDE_SELL) {
        sale_covers_commission(l, o, avail, v);
        return;
    }
    if (buy_need(l, o, &need, &at_limit) < 0) {
        risk_deny(v, "buying_power",
                  "the cost of %lld shares of %s is too large to count",
                  (long long)o->qty, o->ticker);
        return;
    }
    if (need <= avail)
        return;
    if (at_limit)
        snprintf(what, sizeof(what), "%lld share%s at the limit %s",
                 (long long)o->qty, plural(o->qty), usd(o->limit_price, p));
    else
        snprintf(what, sizeof(what), "notional + %s buffer",
                 pct(l->cash_buffer_bps, p));
    risk_deny(v, "buying_power", "needs %s (%s%s), only %s of cash is free",
              usd(need, n), what, fee ? " + commission" : "", usd(avail, c));
}

void risk_rule_no_short(const risk_limits *l, const risk_account *a,
                        const order_intent *o, risk_verdict *v)
{
    int64_t free = risk_sellable_qty(a, o->ticker);

    (void)l;
    if (o->side == SIDE_SELL && o->qty > free)
        risk_deny(v, "no_short",
                  "sells %lld share%s of %s but holds %lld not already "
                  "being sold: no short selling",
                  (long long)o->qty, plural(o->qty), o->ticker,
                  (long long)free);
}

const risk_rule risk_rules[] = {
    {"invalid", risk_rule_valid,
     "the order is well formed: positive quantity and prices"},
    {"kill_switch", risk_rule_kill_switch, "no orders while it is on"},
    {"drawdown", risk_rule_drawdown,
     "equity max_drawdown_bps below its peak trips the kill switch"},
    {"restricted", risk_rule_restricted, "restricted tickers never trade"},
    {"inactive_symbol", risk_rule_inactive,
     "no buys of a symbol deactivated in the registry; its shares held may "
     "be sold"},
    {"market_hours", risk_rule_market_hours,
     "the exchange is open at the order's time (calendar, early closes)"},
    {"stale_session", risk_rule_stale_session,
     "trading today's market (live scheduler), no order of a session "
     "before today"},
    {"orders_per_day", risk_rule_orders_per_day,
     "at most max_orders_per_day orders per session"},
    {"orders_per_ticker", risk_rule_orders_per_ticker,
     "at most max_orders_per_ticker_day orders of one ticker per session"},
    {"price_age", risk_rule_price_age,
     "no buys at a price more than max_price_age_sessions sessions old"},
    {"min_price", risk_rule_min_price, "no buys under min_price_cents"},
    {"position_notional", risk_rule_position_notional,
     "a position stays at or under max_position_notional_cents"},
    {"position_weight", risk_rule_position_weight,
     "a position stays at or under max_position_weight_bps of equity"},
    {"gross_exposure", risk_rule_gross_exposure,
     "all positions stay at or under max_gross_exposure_bps of equity"},
    {"sector_concentration", risk_rule_sector,
     "a sector stays at or under max_sector_weight_bps of equity"},
    {"daily_loss", risk_rule_daily_loss,
     "no buys after losing daily_loss_limit_cents since the last close"},
    {"buying_power", risk_rule_buying_power,
     "free cash covers a buy's notional plus cash_buffer_bps (a limit buy: "
     "its shares at the limit, when more) and the commission; a sale's "
     "commission beyond what it brings in"},
    {"no_short", risk_rule_no_short,
     "never sell more than is held and not already being sold (open buys "
     "hold nothing yet)"},
};

const size_t risk_nrules = sizeof(risk_rules) / sizeof(risk_rules[0]);

void risk_check(const risk_limits *l, const risk_account *a,
                const order_intent *o, risk_verdict *v)
{
    risk_verdict_init(v);
    for (size_t i = 0; i < risk_nrules; i++)
        risk_rules[i].check(l, a, o, v);
}
