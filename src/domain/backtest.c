#include "domain/backtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/exchange.h"
#include "domain/signalset.h"
#include "domain/sizing.h"
#include "lib/xalloc.h"

/* An accepted order waiting for its bar. */
typedef struct pending {
    order_intent o;
    int32_t decision_day;
    uint32_t ticker;
} pending;

typedef struct sim {
    const backtest_ticker *t;
    size_t nt;
    const backtest_params *p;
    risk_limits limits; /* p's, with its commission */
    backtest_result *r;
    int flags;
    cents cash;
    int64_t *held;
    cents *basis; /* what the shares held cost, as the positions table
                     keeps it: gross, without commissions */
    cents *fee_basis; /* the buy commissions of the shares held */
    cents *mark; /* the price held shares are valued at, this session */
    size_t *nbar; /* bars dated on or before the session */
    size_t *sig_lo, *sig_hi; /* signals in the 30-day window */
    int *has_prev;
    rec_action *prev;
    pending *pend;
    size_t npend, cappend;
    risk_position *pos; /* one per ticker, for the rules */
    int64_t *orders_of; /* accepted orders per ticker this session */
    cents last_equity, peak_hist;
    int kill;
} sim;

void backtest_params_default(backtest_params *p)
{
    memset(p, 0, sizeof(*p));
    p->starting_cash = 10000000;
    p->slippage_bps = 5;
    strategy_params_default(&p->strategy);
    p->limits.max_position_notional = 1000000;
    p->limits.max_position_weight_bps = 1000;
    p->limits.max_gross_exposure_bps = 10000;
    p->limits.max_sector_weight_bps = 3000;
    p->limits.max_orders_per_day = 40;
    p->limits.max_orders_per_ticker_day = 1;
    p->limits.daily_loss_limit = 300000;
    p->limits.max_drawdown_bps = 2000;
    p->limits.min_price = 500;
    p->limits.cash_buffer_bps = 100;
    p->limits.market_hours = 1;
    p->limits.allow_extended_hours = 0;
    p->limits.max_price_age_sessions = 3;
    snprintf(p->model, sizeof(p->model), "strategy/1");
}

cents backtest_commission(const backtest_params *p, int64_t qty)
{
    cents total;

    if (risk_commission(p->commission_order, p->commission_share_e4, qty,
                        &total) < 0)
        return MONEY_MAX;
    return total;
}

static void *grow(void *a, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return a;
    *cap = *cap ? *cap * 2 : 64;
    return xreallocarray(a, *cap, size);
}

static void sim_init(sim *s, const backtest_ticker *t, size_t nt,
                     size_t nsessions, const backtest_params *p, int flags,
                     backtest_result *r)
{
    memset(s, 0, sizeof(*s));
    memset(r, 0, sizeof(*r));
    s->t = t;
    s->nt = nt;
    s->p = p;
    s->limits = p->limits;
    s->limits.commission_order = p->commission_order;
    s->limits.commission_share_e4 = p->commission_share_e4;
    s->r = r;
    s->flags = flags;
    s->cash = p->starting_cash;
    s->held = xcalloc(nt + 1, sizeof(*s->held));
    s->basis = xcalloc(nt + 1, sizeof(*s->basis));
    s->fee_basis = xcalloc(nt + 1, sizeof(*s->fee_basis));
    s->mark = xcalloc(nt + 1, sizeof(*s->mark));
    s->nbar = xcalloc(nt + 1, sizeof(*s->nbar));
    s->sig_lo = xcalloc(nt + 1, sizeof(*s->sig_lo));
    s->sig_hi = xcalloc(nt + 1, sizeof(*s->sig_hi));
    s->has_prev = xcalloc(nt + 1, sizeof(*s->has_prev));
    s->prev = xcalloc(nt + 1, sizeof(*s->prev));
    s->pos = xcalloc(nt + 1, sizeof(*s->pos));
    s->orders_of = xcalloc(nt + 1, sizeof(*s->orders_of));
    for (size_t i = 0; i < nt; i++) {
        snprintf(s->pos[i].ticker, TICKER_MAX, "%s", t[i].ticker);
        snprintf(s->pos[i].sector, SECTOR_MAX, "%s", t[i].sector);
    }
    s->last_equity = s->peak_hist = p->starting_cash;
    r->ntickers = nt;
    r->days = xcalloc(nsessions + 1, sizeof(*r->days));
    r->qty = xcalloc(nsessions * nt + 1, sizeof(*r->qty));
    r->mark = xcalloc(nsessions * nt + 1, sizeof(*r->mark));
    r->contribution = xcalloc(nt + 1, sizeof(*r->contribution));
    r->kill_day = -1;
}

static void sim_release(sim *s)
{
    free(s->held);
    free(s->basis);
    free(s->fee_basis);
    free(s->mark);
    free(s->nbar);
    free(s->sig_lo);
    free(s->sig_hi);
    free(s->has_prev);
    free(s->prev);
    free(s->pend);
    free(s->pos);
    free(s->orders_of);
}

/* Moves the bar and signal cursors to session day. */
static void advance(sim *s, int32_t day)
{
    for (size_t i = 0; i < s->nt; i++) {
        const backtest_ticker *t = &s->t[i];

        while (s->nbar[i] < t->nbars && t->bars[s->nbar[i]].day <= day)
            s->nbar[i]++;
        while (s->sig_hi[i] < t->nsig && t->sig[s->sig_hi[i]].day <= day)
            s->sig_hi[i]++;
        /* aggregate.h: no window reaches 30 days back or more */
        while (s->sig_lo[i] < s->sig_hi[i] &&
               (int64_t)day - t->sig[s->sig_lo[i]].day >= 30)
            s->sig_lo[i]++;
    }
}

/* Executes one order against bar b; 0 when it filled. */
static int execute(sim *s, const pending *pd, const fill_bar *b)
{
    backtest_result *r = s->r;
    const order_intent *o = &pd->o;
    uint32_t t = pd->ticker;
    fill_params fp = {.slippage_bps = s->p->slippage_bps,
                      .commission = backtest_commission(s->p, o->qty)};
    fill_result fr;
    backtest_fill *f;

    if (fill_order(o, b, &fp, &fr) < 0 || !fr.filled)
        return -1;
    r->fills = grow(r->fills, r->nfills, &r->capfills, sizeof(*r->fills));
    f = &r->fills[r->nfills++];
    memset(f, 0, sizeof(*f));
    f->decision_day = pd->decision_day;
    f->day = b->day;
    f->ticker = t;
    f->side = o->side;
    f->qty = fr.qty;
    f->price = fr.price;
    f->gross = fr.gross;
    f->commission = fr.commission;
    f->slippage =
        (o->side == SIDE_BUY ? fr.price - b->open : b->open - fr.price) *
        fr.qty;
    snprintf(f->coid, sizeof(f->coid), "%s", o->client_order_id);
    r->commissions += fr.commission;
    r->slippage += f->slippage;
    r->traded += (double)fr.gross / 100.0;
    if (o->side == SIDE_BUY) {
        s->cash -= fr.gross + fr.commission;
        s->held[t] += fr.qty;
        s->basis[t] += fr.gross;
        s->fee_basis[t] += fr.commission;
        r->contribution[t] -= fr.gross + fr.commission;
        return 0;
    }
    {
        cents cost = 0, fees = 0;
        int64_t q = fr.qty > s->held[t] ? s->held[t] : fr.qty;

        if (s->held[t] > 0) {
            money_muldiv(s->basis[t], q, s->held[t], &cost);
            money_muldiv(s->fee_basis[t], q, s->held[t], &fees);
        }
        s->cash += fr.gross - fr.commission;
        s->held[t] -= fr.qty;
        s->basis[t] -= cost;
        s->fee_basis[t] -= fees;
        f->realised = fr.gross - fr.commission - cost - fees;
        r->contribution[t] += fr.gross - fr.commission;
        r->closed++;
        if (f->realised > 0)
            r->wins++;
    }
    return 0;
}

/* Executes the orders meant for this session or an earlier one on
 * their ticker's bar of their exec_day, as the paper broker does; an
 * order whose exec_day has no bar of its ticker expires unfilled. */
static void fill_pending(sim *s, int32_t day)
{
    size_t keep = 0;

    for (size_t i = 0; i < s->npend; i++) {
        const pending *pd = &s->pend[i];
        const backtest_ticker *t = &s->t[pd->ticker];
        size_t b = s->nbar[pd->ticker];

        if (pd->o.exec_day > day) {
            s->pend[keep++] = *pd;
            continue;
        }
        while (b > 0 && t->fbars[b - 1].day >= pd->o.exec_day)
            b--;
        if (b < s->nbar[pd->ticker] && t->fbars[b].day == pd->o.exec_day &&
            execute(s, pd, &t->fbars[b]) == 0)
            continue;
        s->r->expired++;
    }
    s->npend = keep;
}

/* Values the positions at the last close; returns the equity. */
static cents value(sim *s, size_t di)
{
    backtest_day *d = &s->r->days[di];

    d->cash = s->cash;
    d->positions = 0;
    for (size_t i = 0; i < s->nt; i++) {
        const backtest_ticker *t = &s->t[i];

        s->mark[i] = 0;
        if (s->nbar[i] > 0)
            s->mark[i] = t->fbars[s->nbar[i] - 1].close;
        else if (s->held[i] > 0)
            s->mark[i] = s->basis[i] / s->held[i];
        d->positions += s->mark[i] * s->held[i];
        s->r->qty[di * s->nt + i] = s->held[i];
        s->r->mark[di * s->nt + i] = s->mark[i];
    }
    d->equity = d->cash + d->positions;
    return d->equity;
}

static cents reserve(const risk_limits *l, const order_intent *o)
{
    cents r;

    return risk_hold(l, o, &r) < 0 ? 0 : r;
}

/* The account the rules judge at the session's decisions. */
static void account(sim *s, risk_account *a, cents equity, int32_t exec_day)
{
    memset(a, 0, sizeof(*a));
    a->cash = s->cash;
    a->equity = equity;
    a->day_start_equity = s->last_equity;
    a->peak_equity = s->peak_hist > equity ? s->peak_hist : equity;
    a->kill_switch = s->kill;
    for (size_t i = 0; i < s->nt; i++) {
        s->pos[i].qty = s->held[i];
        s->pos[i].sellable = s->held[i];
        s->pos[i].price = s->mark[i];
        s->orders_of[i] = 0;
    }
    for (size_t i = 0; i < s->npend; i++) {
        const pending *pd = &s->pend[i];
        risk_position *rp = &s->pos[pd->ticker];

        if (rp->price == 0)
            rp->price = pd->o.ref_price;
        rp->qty += pd->o.side == SIDE_BUY ? pd->o.qty : -pd->o.qty;
        if (pd->o.side == SIDE_SELL)
            rp->sellable -= pd->o.qty;
        a->reserved += reserve(&s->limits, &pd->o);
        if (pd->o.exec_day == exec_day) {
            s->orders_of[pd->ticker]++;
            a->orders_today++;
        }
    }
    a->positions = s->pos;
    a->npositions = s->nt;
}

/* Sizes and screens one changed recommendation, as trading-engine's
 * decide() does. */
static void decide(sim *s, risk_account *a, backtest_decision *dc, int32_t day)
{
    const backtest_ticker *t = &s->t[dc->ticker];
    sizing_input in;
    sizing_result sr;
    order_intent o;
    risk_verdict v;
    const fill_bar *last =
        s->nbar[dc->ticker] > 0 ? &t->fbars[s->nbar[dc->ticker] - 1] : NULL;
    cents price = last ? last->close : 0;

    memset(&o, 0, sizeof(o));
    snprintf(o.ticker, sizeof(o.ticker), "%s", t->ticker);
    snprintf(o.sector, sizeof(o.sector), "%s", t->sector);
    order_client_id(t->ticker, day, rec_action_name(dc->action), s->p->model,
                    dc->coid);
    snprintf(o.client_order_id, sizeof(o.client_order_id), "%s", dc->coid);
    dc->equity = a->equity;
    dc->outcome = "no_order";
    if (price <= 0) {
        snprintf(dc->explanation, sizeof(dc->explanation),
                 "no order: no price for %s on or before the day", t->ticker);
        return;
    }
    memset(&in, 0, sizeof(in));
    in.action = dc->action;
    in.conviction = dc->conviction;
    in.target_weight = dc->target_weight;
    in.equity = a->equity;
    in.price = price;
    in.max_notional = s->limits.max_position_notional;
    in.max_weight_bps = s->limits.max_position_weight_bps;
    in.held = dc->action == ACTION_SELL ? risk_sellable_qty(a, t->ticker)
                                        : risk_position_qty(a, t->ticker);
    sizing_compute(&in, &sr);
    dc->ref_price = o.ref_price = price;
    o.price_day = last->day;
    dc->side = o.side = sr.side;
    if (sr.qty == 0) {
        snprintf(dc->explanation, sizeof(dc->explanation), "%s", sr.why);
        return;
    }
    dc->qty = o.qty = sr.qty;
    o.type = ORDER_MARKET;
    if (o.side == SIDE_BUY) {
        o.type = ORDER_LIMIT;
        o.limit_price = risk_buy_limit(price, s->limits.cash_buffer_bps);
    }
    o.exec_day = dc->exec_day;
    o.exec_minute = EXCHANGE_OPEN_MIN;
    a->ticker_orders_today = s->orders_of[dc->ticker];
    risk_check(&s->limits, a, &o, &v);
    if (v.trip_kill_switch) {
        if (!s->kill)
            s->r->kill_day = day;
        s->kill = a->kill_switch = 1;
    }
    if (!v.allowed) {
        dc->outcome = "denied";
        s->r->denied++;
        risk_verdict_text(&v, dc->explanation, sizeof(dc->explanation));
        for (size_t i = 0, len = 0; i < v.nreasons; i++) {
            int n = snprintf(dc->codes + len, sizeof(dc->codes) - len, "%s%s",
                             i ? "," : "", v.reasons[i].code);

            if (n < 0 || (size_t)n >= sizeof(dc->codes) - len)
                break;
            len += (size_t)n;
        }
        return;
    }
    dc->outcome = "ordered";
    s->r->ordered++;
    snprintf(dc->explanation, sizeof(dc->explanation), "%s", sr.why);
    s->pos[dc->ticker].qty += o.side == SIDE_BUY ? o.qty : -o.qty;
    if (o.side == SIDE_SELL)
        s->pos[dc->ticker].sellable -= o.qty;
    s->orders_of[dc->ticker]++;
    a->orders_today++;
    a->reserved += reserve(&s->limits, &o);
    s->pend = grow(s->pend, s->npend, &s->cappend, sizeof(*s->pend));
    s->pend[s->npend].o = o;
    s->pend[s->npend].decision_day = day;
    s->pend[s->npend].ticker = dc->ticker;
    s->npend++;
}

/* The recommendation of ticker i as of day. */
static void recommend(sim *s, size_t i, int32_t day, backtest_rec *out)
{
    const backtest_ticker *t = &s->t[i];
    size_t blo = s->nbar[i] > 21 ? s->nbar[i] - 21 : 0;
    recommendation rec;

    aggregate_compute(day, t->sig + s->sig_lo[i], s->sig_hi[i] - s->sig_lo[i],
                      t->bars + blo, s->nbar[i] - blo, &out->agg);
    strategy_recommend(&out->agg, &s->p->strategy, &rec);
    out->as_of = day;
    out->ticker = (uint32_t)i;
    out->action = rec.action;
    out->conviction = rec.conviction;
    out->target_weight = rec.target_weight;
}

/* Conviction and weight as the trading-engine reads them back: stored
 * with 6 decimals. Only what is logged or decided on is converted. */
static void as_stored(backtest_rec *rec)
{
    rec->conviction = signalset_stored(rec->conviction, 6);
    rec->target_weight = signalset_stored(rec->target_weight, 6);
}

static void decide_session(sim *s, int32_t day, cents equity)
{
    backtest_result *r = s->r;
    int32_t exec_day = exchange_next_open(day);
    risk_account a;

    account(s, &a, equity, exec_day);
    for (size_t i = 0; i < s->nt; i++) {
        backtest_rec rec;
        backtest_decision dc;
        int changed;

        recommend(s, i, day, &rec);
        changed = !s->has_prev[i] || s->prev[i] != rec.action;
        if (changed || (s->flags & BACKTEST_RECORD))
            as_stored(&rec);
        if (s->flags & BACKTEST_RECORD) {
            r->recs = grow(r->recs, r->nrecs, &r->caprecs, sizeof(*r->recs));
            r->recs[r->nrecs++] = rec;
        }
        memset(&dc, 0, sizeof(dc));
        dc.has_prev = s->has_prev[i];
        dc.prev = s->prev[i];
        s->has_prev[i] = 1;
        s->prev[i] = rec.action;
        if (!changed)
            continue;
        dc.as_of = day;
        dc.exec_day = exec_day;
        dc.ticker = (uint32_t)i;
        dc.action = rec.action;
        dc.conviction = rec.conviction;
        dc.target_weight = rec.target_weight;
        decide(s, &a, &dc, day);
        if (s->flags & BACKTEST_RECORD) {
            r->dec = grow(r->dec, r->ndec, &r->capdec, sizeof(*r->dec));
            r->dec[r->ndec++] = dc;
        }
    }
}

/* Counts the positions still open as trades closed at the last mark,
 * and adds their value to each ticker's contribution. */
static void finish(sim *s)
{
    backtest_result *r = s->r;

    r->open_at_end = s->npend;
    r->kill_switch = s->kill;
    for (size_t i = 0; i < s->nt; i++) {
        cents v = s->held[i] * s->mark[i];

        r->contribution[i] += v;
        if (s->held[i] == 0)
            continue;
        r->closed++;
        if (v - s->basis[i] - s->fee_basis[i] > 0)
            r->wins++;
    }
}

static void session(sim *s, size_t di, int32_t day, int trade)
{
    cents equity;

    advance(s, day);
    fill_pending(s, day);
    equity = value(s, di);
    s->r->days[di].day = day;
    s->r->days[di].peak = s->peak_hist > equity ? s->peak_hist : equity;
    if (trade)
        decide_session(s, day, equity);
    s->last_equity = equity;
    if (equity > s->peak_hist)
        s->peak_hist = equity;
    s->r->ndays = di + 1;
}

void backtest_run(const backtest_ticker *t, size_t nt, const int32_t *sessions,
                  size_t nsessions, const backtest_params *p, int flags,
                  backtest_progress_fn progress, void *ctx,
                  backtest_result *out)
{
    sim s;

    sim_init(&s, t, nt, nsessions, p, flags, out);
    for (size_t di = 0; di < nsessions; di++) {
        session(&s, di, sessions[di], 1);
        if (progress)
            progress(ctx, di + 1, nsessions);
    }
    finish(&s);
    sim_release(&s);
}

/* Whole shares of one buy-and-hold position: as many as budget pays
 * for at the buy price with the commissions. */
static int64_t hold_qty(const backtest_params *p, cents budget, cents price)
{
    __int128 per_share_e4 = (__int128)price * 100 + p->commission_share_e4;
    __int128 avail_e4 = ((__int128)budget - p->commission_order) * 100;

    if (per_share_e4 <= 0 || avail_e4 <= 0)
        return 0;
    return (int64_t)(avail_e4 / per_share_e4);
}

void backtest_buy_and_hold(const backtest_ticker *t, size_t nt,
                           const int32_t *sessions, size_t nsessions,
                           const backtest_params *p, backtest_result *out)
{
    sim s;
    size_t n = 0;
    cents budget;

    sim_init(&s, t, nt, nsessions, p, 0, out);
    if (nsessions > 0) {
        advance(&s, sessions[0]);
        for (size_t i = 0; i < nt; i++)
            n += s.nbar[i] > 0 && t[i].fbars[s.nbar[i] - 1].day == sessions[0];
    }
    budget = n ? p->starting_cash / (cents)n : 0;
    for (size_t i = 0; i < nt && n; i++) {
        const fill_bar *b;
        pending pd;
        cents price;

        if (s.nbar[i] == 0 || t[i].fbars[s.nbar[i] - 1].day != sessions[0])
            continue;
        b = &t[i].fbars[s.nbar[i] - 1];
        price = (cents)(((__int128)b->open * (10000 + p->slippage_bps) + 9999) /
                        10000);
        memset(&pd, 0, sizeof(pd));
        pd.ticker = (uint32_t)i;
        pd.decision_day = sessions[0];
        pd.o.qty = hold_qty(p, budget, price);
        pd.o.side = SIDE_BUY;
        pd.o.type = ORDER_MARKET;
        pd.o.exec_day = sessions[0];
        pd.o.ref_price = b->open;
        snprintf(pd.o.ticker, sizeof(pd.o.ticker), "%s", t[i].ticker);
        snprintf(pd.o.client_order_id, sizeof(pd.o.client_order_id),
                 "buy-and-hold-%s", t[i].ticker);
        if (pd.o.qty <= 0)
            continue;
        s.pend = grow(s.pend, s.npend, &s.cappend, sizeof(*s.pend));
        s.pend[s.npend++] = pd;
        out->ordered++;
    }
    for (size_t di = 0; di < nsessions; di++)
        session(&s, di, sessions[di], 0);
    finish(&s);
    sim_release(&s);
}

void backtest_result_release(backtest_result *r)
{
    free(r->days);
    free(r->qty);
    free(r->mark);
    free(r->recs);
    free(r->dec);
    free(r->fills);
    free(r->contribution);
    memset(r, 0, sizeof(*r));
}

/* splitmix64: a small generator whose output depends on the seed only,
 * the same on every machine. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void backtest_shuffle_sentiment(agg_signal *const *sig, const size_t *nsig,
                                size_t nt, uint64_t seed)
{
    size_t n = 0, k = 0;
    double *v;
    uint64_t state = seed;

    for (size_t i = 0; i < nt; i++)
        n += nsig[i];
    v = xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < nt; i++)
        for (size_t j = 0; j < nsig[i]; j++)
            v[k++] = sig[i][j].sentiment;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next_random(&state) % i);
        double tmp = v[i - 1];

        v[i - 1] = v[j];
        v[j] = tmp;
    }
    k = 0;
    for (size_t i = 0; i < nt; i++)
        for (size_t j = 0; j < nsig[i]; j++)
            sig[i][j].sentiment = v[k++];
    free(v);
}
