/*
 * The risk rules one at a time, each over a table of cases with the
 * exact verdict and reason, then risk_check over an order that breaks
 * several rules at once.
 *
 * The fixture: equity 100000.00 = cash 92000.00 + AAPL 10 x 400.00
 * (Information Technology) + XOM 50 x 80.00 (Energy); the order buys
 * 10 MSFT (Information Technology) at 25.00, at 09:30 on Tuesday
 * 2011-09-06.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/date.h"
#include "domain/risk.h"

static const char *const restricted[] = {"GM", "BAC"};
static const char *const inactive[] = {"F", "GM"};

static const risk_position base_positions[] = {
    {"AAPL", "Information Technology", 10, 40000, 10},
    {"XOM", "Energy", 50, 8000, 50},
};

typedef struct fixture {
    risk_limits l;
    risk_account a;
    order_intent o;
} fixture;

static fixture base(void)
{
    fixture f;

    memset(&f, 0, sizeof(f));
    f.l.max_position_notional = 1000000;
    f.l.max_position_weight_bps = 1000;
    f.l.max_gross_exposure_bps = 10000;
    f.l.max_sector_weight_bps = 2500;
    f.l.max_orders_per_day = 20;
    f.l.max_orders_per_ticker_day = 1;
    f.l.daily_loss_limit = 200000;
    f.l.max_drawdown_bps = 1500;
    f.l.min_price = 500;
    f.l.cash_buffer_bps = 100;
    f.l.market_hours = 1;
    f.l.allow_extended_hours = 1;
    f.l.restricted = restricted;
    f.l.nrestricted = 2;
    f.l.inactive = inactive;
    f.l.ninactive = 2;
    f.a.cash = 9200000;
    f.a.equity = 10000000;
    f.a.day_start_equity = 10000000;
    f.a.peak_equity = 10000000;
    f.a.positions = base_positions;
    f.a.npositions = 2;
    f.a.today = -1;
    f.a.now_minute = -1;
    strcpy(f.o.client_order_id, "so-test");
    strcpy(f.o.ticker, "MSFT");
    strcpy(f.o.sector, "Information Technology");
    f.o.side = SIDE_BUY;
    f.o.type = ORDER_MARKET;
    f.o.qty = 10;
    f.o.ref_price = 2500;
    f.o.exec_day = date_from_ymd(2011, 9, 6);
    f.o.exec_minute = 9 * 60 + 30;
    return f;
}

/* Runs one rule; want NULL means no reason, else exactly this one. */
static void expect(const char *name, risk_rule_fn rule, const fixture *f,
                   const char *code, const char *want)
{
    risk_verdict v;

    risk_verdict_init(&v);
    rule(&f->l, &f->a, &f->o, &v);
    if (!want) {
        if (v.nreasons != 0 || !v.allowed)
            fail_msg("%s: unexpected reason '%s'", name, v.reasons[0].message);
        return;
    }
    if (v.nreasons != 1 || v.allowed)
        fail_msg("%s: want one reason, got %zu", name, v.nreasons);
    if (strcmp(v.reasons[0].code, code) != 0 ||
        strcmp(v.reasons[0].message, want) != 0)
        fail_msg("%s:\n  got  %s: %s\n  want %s: %s", name, v.reasons[0].code,
                 v.reasons[0].message, code, want);
}

static void test_valid(void **state)
{
    static const struct {
        const char *name;
        int64_t qty;
        cents ref, limit;
        order_type type;
        int ext;
        const char *want;
    } cases[] = {
        {"well formed", 10, 2500, 0, ORDER_MARKET, 0, NULL},
        {"zero qty", 0, 2500, 0, ORDER_MARKET, 0, "quantity 0 is not positive"},
        {"no price", 10, 0, 0, ORDER_MARKET, 0,
         "no positive reference price for MSFT"},
        {"limit without price", 10, 2500, 0, ORDER_LIMIT, 0,
         "limit order without a positive limit price"},
        {"extended market order", 10, 2500, 0, ORDER_MARKET, 1,
         "extended hours are for limit orders, not market orders"},
        {"overflowing notional", INT64_MAX / 1000, 2500, 0, ORDER_MARKET, 0,
         "notional of 9223372036854775 shares overflows"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        f.o.qty = cases[i].qty;
        f.o.ref_price = cases[i].ref;
        f.o.limit_price = cases[i].limit;
        f.o.type = cases[i].type;
        f.o.extended_hours = cases[i].ext;
        expect(cases[i].name, risk_rule_valid, &f, "invalid", cases[i].want);
    }
}

static void test_verdict_text(void **state)
{
    risk_verdict v;
    char out[64], tiny[12];

    (void)state;
    risk_verdict_init(&v);
    risk_verdict_text(&v, out, sizeof(out));
    assert_string_equal(out, "");
    risk_deny(&v, "kill_switch", "trading is halted");
    risk_deny(&v, "min_price", "price %d is under %d", 3, 5);
    risk_verdict_text(&v, out, sizeof(out));
    assert_string_equal(out,
                        "kill_switch: trading is halted; min_price: price 3 "
                        "is under 5");
    risk_verdict_text(&v, tiny, sizeof(tiny));
    assert_string_equal(tiny, "kill_switch");
}

static void test_kill_switch(void **state)
{
    fixture f = base();

    (void)state;
    expect("off", risk_rule_kill_switch, &f, "kill_switch", NULL);
    f.a.kill_switch = 1;
    expect("on", risk_rule_kill_switch, &f, "kill_switch",
           "the kill switch is on: no new orders");
    f.o.side = SIDE_SELL;
    expect("on, sells too", risk_rule_kill_switch, &f, "kill_switch",
           "the kill switch is on: no new orders");
}

static void test_drawdown(void **state)
{
    static const struct {
        const char *name;
        cents equity, peak;
        int64_t limit;
        int trips;
        const char *want;
    } cases[] = {
        {"at the peak", 10000000, 10000000, 1500, 0, NULL},
        {"just under the limit", 8500001, 10000000, 1500, 0, NULL},
        {"exactly at the limit trips", 8500000, 10000000, 1500, 1,
         "equity 85000.00 is 15.00% below its peak 100000.00, at or over "
         "the 15.00% limit: kill switch tripped"},
        {"well over", 7000000, 10000000, 1500, 1,
         "equity 70000.00 is 30.00% below its peak 100000.00, at or over "
         "the 15.00% limit: kill switch tripped"},
        {"limit off", 1000, 10000000, 0, 0, NULL},
        {"above the peak", 11000000, 10000000, 1500, 0, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();
        risk_verdict v;

        f.a.equity = cases[i].equity;
        f.a.peak_equity = cases[i].peak;
        f.l.max_drawdown_bps = cases[i].limit;
        expect(cases[i].name, risk_rule_drawdown, &f, "drawdown",
               cases[i].want);
        risk_verdict_init(&v);
        risk_rule_drawdown(&f.l, &f.a, &f.o, &v);
        assert_int_equal(v.trip_kill_switch, cases[i].trips);
    }
}

/* The lists of tickers: restricted (both sides) and deactivated in the
 * registry (no buys, sales as before). */
static void test_ticker_lists(void **state)
{
    static const struct {
        risk_rule_fn rule;
        const char *code;
        const char *ticker;
        order_side side;
        const char *want;
    } cases[] = {
        {risk_rule_restricted, "restricted", "MSFT", SIDE_BUY, NULL},
        {risk_rule_restricted, "restricted", "GM", SIDE_BUY,
         "GM is on the restricted list"},
        {risk_rule_restricted, "restricted", "BAC", SIDE_SELL,
         "BAC is on the restricted list"},
        {risk_rule_restricted, "restricted", "BA", SIDE_BUY, NULL},
        {risk_rule_inactive, "inactive_symbol", "MSFT", SIDE_BUY, NULL},
        {risk_rule_inactive, "inactive_symbol", "F", SIDE_BUY,
         "F is deactivated in the registry: its shares held may be sold, "
         "none bought (PATCH /symbols/F {\"active\":true} follows it "
         "again)"},
        {risk_rule_inactive, "inactive_symbol", "F", SIDE_SELL, NULL},
        {risk_rule_inactive, "inactive_symbol", "FB", SIDE_BUY, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        strcpy(f.o.ticker, cases[i].ticker);
        f.o.side = cases[i].side;
        expect(cases[i].ticker, cases[i].rule, &f, cases[i].code,
               cases[i].want);
    }
}

static void test_market_hours(void **state)
{
    static const struct {
        const char *name;
        int y, m, d, hh, mm;
        order_type type;
        int ext, allow_ext, enforce;
        const char *want;
    } cases[] = {
        {"open", 2011, 9, 6, 9, 30, ORDER_MARKET, 0, 1, 1, NULL},
        {"last minute", 2011, 9, 6, 15, 59, ORDER_MARKET, 0, 1, 1, NULL},
        {"Labor Day", 2011, 9, 5, 10, 0, ORDER_MARKET, 0, 1, 1,
         "market closed on 2011-09-05 (Labor Day)"},
        {"Saturday", 2011, 9, 3, 10, 0, ORDER_MARKET, 0, 1, 1,
         "market closed on 2011-09-03 (weekend)"},
        {"Good Friday 2012", 2012, 4, 6, 10, 0, ORDER_MARKET, 0, 1, 1,
         "market closed on 2012-04-06 (Good Friday)"},
        {"Hurricane Sandy", 2012, 10, 29, 10, 0, ORDER_MARKET, 0, 1, 1,
         "market closed on 2012-10-29 (Hurricane Sandy)"},
        {"after the early close", 2011, 11, 25, 13, 30, ORDER_MARKET, 0, 1, 1,
         "after-hours at 13:30 New York on 2011-11-25: extended hours need "
         "a limit order marked extended_hours"},
        {"before the early close", 2011, 11, 25, 12, 59, ORDER_MARKET, 0, 1, 1,
         NULL},
        {"pre-market limit marked extended", 2011, 9, 6, 8, 0, ORDER_LIMIT, 1,
         1, 1, NULL},
        {"pre-market market order", 2011, 9, 6, 8, 0, ORDER_MARKET, 0, 1, 1,
         "pre-market at 08:00 New York on 2011-09-06: extended hours need "
         "a limit order marked extended_hours"},
        {"pre-market limit not marked", 2011, 9, 6, 8, 0, ORDER_LIMIT, 0, 1, 1,
         "pre-market at 08:00 New York on 2011-09-06: extended hours need "
         "a limit order marked extended_hours"},
        {"extended hours switched off", 2011, 9, 6, 17, 0, ORDER_LIMIT, 1, 0, 1,
         "after-hours at 17:00 New York on 2011-09-06: extended hours are "
         "not allowed"},
        {"marked extended, switched off", 2011, 9, 6, 10, 0, ORDER_LIMIT, 1, 0,
         1,
         "regular session at 10:00 New York on 2011-09-06: an order marked "
         "extended_hours may run after the close, and extended hours are "
         "not allowed"},
        {"marked extended, allowed", 2011, 9, 6, 10, 0, ORDER_LIMIT, 1, 1, 1,
         NULL},
        {"night", 2011, 9, 6, 21, 0, ORDER_LIMIT, 1, 1, 1,
         "market closed at 21:00 New York on 2011-09-06 (session "
         "09:30-16:00)"},
        {"after 17:00 on an early-close day", 2011, 11, 25, 17, 0, ORDER_LIMIT,
         1, 1, 1,
         "market closed at 17:00 New York on 2011-11-25 (session "
         "09:30-13:00)"},
        {"not enforced", 2011, 9, 5, 3, 0, ORDER_MARKET, 0, 1, 0, NULL},
        {"not enforced, marked extended, allowed", 2011, 9, 6, 10, 0,
         ORDER_LIMIT, 1, 1, 0, NULL},
        {"not enforced, marked extended, switched off", 2011, 9, 6, 10, 0,
         ORDER_LIMIT, 1, 0, 0,
         "an order marked extended_hours may run outside the regular "
         "session, and extended hours are not allowed (allow_extended_hours "
         "0)"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        f.o.exec_day = date_from_ymd(cases[i].y, cases[i].m, cases[i].d);
        f.o.exec_minute = cases[i].hh * 60 + cases[i].mm;
        f.o.type = cases[i].type;
        f.o.limit_price = 2500;
        f.o.extended_hours = cases[i].ext;
        f.l.allow_extended_hours = cases[i].allow_ext;
        f.l.market_hours = cases[i].enforce;
        expect(cases[i].name, risk_rule_market_hours, &f, "market_hours",
               cases[i].want);
    }
}

static void test_stale_session(void **state)
{
    fixture f = base();

    (void)state;
    expect("a replay", risk_rule_stale_session, &f, "stale_session", NULL);
    f.a.today = date_from_ymd(2011, 9, 6);
    expect("today's session", risk_rule_stale_session, &f, "stale_session",
           NULL);
    f.o.exec_day = date_from_ymd(2011, 9, 7);
    expect("tomorrow's", risk_rule_stale_session, &f, "stale_session", NULL);
    f.o.exec_day = date_from_ymd(2011, 9, 2);
    f.o.side = SIDE_SELL;
    expect("a sell of a past session", risk_rule_stale_session, &f,
           "stale_session",
           "the order's session 2011-09-02 is before today 2011-09-06 (New "
           "York): it would run in another market than the one it was "
           "decided for");
    /* today's, checked at 15:59, then at 16:00 (its close) */
    f.o.exec_day = date_from_ymd(2011, 9, 6);
    f.a.now_minute = 15 * 60 + 59;
    expect("today's before the close", risk_rule_stale_session, &f,
           "stale_session", NULL);
    f.a.now_minute = 16 * 60;
    expect("today's after the close", risk_rule_stale_session, &f,
           "stale_session",
           "the order's session 2011-09-06 closed at 16:00 (New York): it "
           "would run at the next session's open instead");
    f.o.exec_minute = 16 * 60 + 30; /* placed after the close */
    expect("an order for after the close", risk_rule_stale_session, &f,
           "stale_session", NULL);
    /* 2011-11-25, the day after Thanksgiving, closes at 13:00 */
    f.a.today = f.o.exec_day = date_from_ymd(2011, 11, 25);
    f.o.exec_minute = 9 * 60 + 30;
    f.a.now_minute = 13 * 60 + 5;
    expect("an early close", risk_rule_stale_session, &f, "stale_session",
           "the order's session 2011-11-25 closed at 13:00 (New York): it "
           "would run at the next session's open instead");
}

static void test_order_counts(void **state)
{
    fixture f = base();

    (void)state;
    f.a.orders_today = 19;
    expect("19 of 20", risk_rule_orders_per_day, &f, "orders_per_day", NULL);
    f.a.orders_today = 20;
    expect("20 of 20", risk_rule_orders_per_day, &f, "orders_per_day",
           "20 orders already this session, the limit is 20");
    f.o.side = SIDE_SELL;
    expect("sells count too", risk_rule_orders_per_day, &f, "orders_per_day",
           "20 orders already this session, the limit is 20");
    f.l.max_orders_per_day = 0;
    expect("off", risk_rule_orders_per_day, &f, "orders_per_day", NULL);

    f = base();
    expect("first of the ticker", risk_rule_orders_per_ticker, &f,
           "orders_per_ticker", NULL);
    f.a.ticker_orders_today = 1;
    expect("second of the ticker", risk_rule_orders_per_ticker, &f,
           "orders_per_ticker",
           "1 order of MSFT already this session, the limit is 1");
}

static void test_min_price(void **state)
{
    static const struct {
        cents price;
        order_side side;
        const char *want;
    } cases[] = {
        {500, SIDE_BUY, NULL},
        {499, SIDE_BUY, "price 4.99 of MSFT is under the minimum 5.00"},
        {100, SIDE_SELL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        f.o.ref_price = cases[i].price;
        f.o.side = cases[i].side;
        expect("min price", risk_rule_min_price, &f, "min_price",
               cases[i].want);
    }
}

static void test_position_notional(void **state)
{
    static const struct {
        const char *ticker;
        int64_t qty;
        cents price;
        order_side side;
        const char *want;
    } cases[] = {
        {"AAPL", 15, 40000, SIDE_BUY, NULL},
        {"AAPL", 16, 40000, SIDE_BUY,
         "AAPL position would be worth 10400.00, over the 10000.00 limit"},
        {"MSFT", 400, 2500, SIDE_BUY, NULL},
        {"MSFT", 401, 2500, SIDE_BUY,
         "MSFT position would be worth 10025.00, over the 10000.00 limit"},
        {"AAPL", 10, 40000, SIDE_SELL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        strcpy(f.o.ticker, cases[i].ticker);
        f.o.qty = cases[i].qty;
        f.o.ref_price = cases[i].price;
        f.o.side = cases[i].side;
        expect(cases[i].ticker, risk_rule_position_notional, &f,
               "position_notional", cases[i].want);
    }
}

static void test_position_weight(void **state)
{
    fixture f = base();

    (void)state;
    f.l.max_position_notional = 0;
    strcpy(f.o.ticker, "AAPL");
    f.o.ref_price = 40000;
    f.o.qty = 15; /* 25 x 400.00 = 10000.00 = 10.00% */
    expect("at 10%", risk_rule_position_weight, &f, "position_weight", NULL);
    f.o.qty = 16;
    expect("over 10%", risk_rule_position_weight, &f, "position_weight",
           "AAPL position would be 10400.00 (10.40% of equity 100000.00), "
           "over the 10.00% limit (10000.00)");
    /* 2417.25 of 92614.91 is 2.61% in whole basis points, as the
     * limit: the dollars tell them apart */
    f.l.max_position_weight_bps = 261;
    f.a.equity = 9261491;
    strcpy(f.o.ticker, "PFE");
    f.o.ref_price = 1465;
    f.o.qty = 165;
    expect("over by half a cent", risk_rule_position_weight, &f,
           "position_weight",
           "PFE position would be 2417.25 (2.61% of equity 92614.91), over "
           "the 2.61% limit (2417.24)");
    f.a.equity = 0;
    expect("no equity", risk_rule_position_weight, &f, "position_weight",
           "equity 0.00 is not positive");
    f.o.side = SIDE_SELL;
    expect("sell", risk_rule_position_weight, &f, "position_weight", NULL);
}

static void test_gross_exposure(void **state)
{
    fixture f = base();

    (void)state;
    f.l.max_gross_exposure_bps = 1000; /* 10000.00; holds 8000.00 */
    f.o.qty = 80; /* 2000.00 */
    expect("at the limit", risk_rule_gross_exposure, &f, "gross_exposure",
           NULL);
    f.o.qty = 81;
    expect("over", risk_rule_gross_exposure, &f, "gross_exposure",
           "gross exposure would be 10025.00 (10.03% of equity 100000.00), "
           "over the 10.00% limit (10000.00)");
    f.o.side = SIDE_SELL;
    expect("sell", risk_rule_gross_exposure, &f, "gross_exposure", NULL);
}

static void test_sector(void **state)
{
    fixture f = base();

    (void)state;
    /* IT holds 4000.00; 25% is 25000.00: 21000.00 more is allowed. */
    f.o.qty = 840;
    expect("at the limit", risk_rule_sector, &f, "sector_concentration", NULL);
    f.o.qty = 841;
    expect("over", risk_rule_sector, &f, "sector_concentration",
           "sector 'Information Technology' would be 25025.00 (25.03% of "
           "equity 100000.00), over the 25.00% limit (25000.00)");
    strcpy(f.o.sector, "Energy"); /* 4000.00 + 21025.00 */
    expect("other sector", risk_rule_sector, &f, "sector_concentration",
           "sector 'Energy' would be 25025.00 (25.03% of equity "
           "100000.00), over the 25.00% limit (25000.00)");
    strcpy(f.o.sector, "Utilities");
    expect("a sector with no position", risk_rule_sector, &f,
           "sector_concentration", NULL);
}

static void test_daily_loss(void **state)
{
    static const struct {
        cents equity;
        order_side side;
        const char *want;
    } cases[] = {
        {9800001, SIDE_BUY, NULL},
        {9800000, SIDE_BUY,
         "lost 2000.00 since the last close, at or over the 2000.00 daily "
         "limit: no new buys today"},
        {9000000, SIDE_SELL, NULL},
        {10500000, SIDE_BUY, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        f.a.equity = cases[i].equity;
        f.o.side = cases[i].side;
        expect("daily loss", risk_rule_daily_loss, &f, "daily_loss",
               cases[i].want);
    }
}

static void test_buying_power(void **state)
{
    static const struct {
        const char *name;
        cents cash, reserved;
        int64_t qty;
        order_side side;
        const char *want;
    } cases[] = {
        /* 10 x 25.00 = 250.00, plus 1% = 252.50 */
        {"plenty", 9200000, 0, 10, SIDE_BUY, NULL},
        {"exact", 25250, 0, 10, SIDE_BUY, NULL},
        {"a cent short", 25249, 0, 10, SIDE_BUY,
         "needs 252.50 (notional + 1.00% buffer), only 252.49 of cash is "
         "free"},
        {"reserved by other orders", 30000, 5000, 10, SIDE_BUY,
         "needs 252.50 (notional + 1.00% buffer), only 250.00 of cash is "
         "free"},
        {"sells need no cash", 0, 0, 10, SIDE_SELL, NULL},
    };
    /* with a commission of 1.00 an order and 0.5 cent a share (50 in
     * 1/10000 dollar): 252.50 + 1.00 + 0.05 = 253.55 */
    static const struct {
        const char *name;
        cents cash;
        const char *want;
    } fees[] = {
        {"exact with the commission", 25355, NULL},
        {"a cent short of the commission", 25354,
         "needs 253.55 (notional + 1.00% buffer + commission), only 253.54 "
         "of cash is free"},
    };
    cents r;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        f.a.cash = cases[i].cash;
        f.a.reserved = cases[i].reserved;
        f.o.qty = cases[i].qty;
        f.o.side = cases[i].side;
        expect(cases[i].name, risk_rule_buying_power, &f, "buying_power",
               cases[i].want);
    }
    for (size_t i = 0; i < sizeof(fees) / sizeof(*fees); i++) {
        fixture f = base();

        f.l.commission_order = 100;
        f.l.commission_share_e4 = 50;
        f.a.cash = fees[i].cash;
        f.o.qty = 10;
        f.o.side = SIDE_BUY;
        expect(fees[i].name, risk_rule_buying_power, &f, "buying_power",
               fees[i].want);
    }
    /* a limit buy: the shares at the limit when that is more than the
     * notional plus the buffer (10 x 30.00 = 300.00 > 252.50) */
    {
        fixture f = base();

        f.a.cash = 29999;
        f.o.qty = 10;
        f.o.side = SIDE_BUY;
        f.o.type = ORDER_LIMIT;
        f.o.limit_price = 3000;
        expect("limit over the buffer", risk_rule_buying_power, &f,
               "buying_power",
               "needs 300.00 (10 shares at the limit 30.00), only 299.99 of "
               "cash is free");
        f.a.cash = 30000;
        expect("limit over the buffer, covered", risk_rule_buying_power, &f,
               "buying_power", NULL);
        f.o.limit_price = 2000;
        f.a.cash = 25249;
        expect("limit under the price", risk_rule_buying_power, &f,
               "buying_power",
               "needs 252.50 (notional + 1.00% buffer), only 252.49 of cash "
               "is free");
    }
    /* a sale pays its commission from what it brings in: 1 x 25.00 less
     * 1 % is 24.75, so a commission of 1000.00 needs 975.25 free */
    {
        fixture f = base();

        f.l.commission_order = 100000;
        f.o.qty = 1;
        f.o.side = SIDE_SELL;
        f.a.cash = 97524;
        expect("a sale worth less than its commission", risk_rule_buying_power,
               &f, "buying_power",
               "the sale brings 24.75 (at the price less 1.00%), less than its "
               "commission 1000.00, and only 975.24 of cash is free");
        f.a.cash = 97525;
        expect("a sale worth less than its commission, covered",
               risk_rule_buying_power, &f, "buying_power", NULL);
        f.l.commission_order = 2475;
        f.a.cash = 0;
        expect("a sale worth its commission", risk_rule_buying_power, &f,
               "buying_power", NULL);
        f.l.commission_order = 2476;
        expect("a sale a cent short of its commission", risk_rule_buying_power,
               &f, "buying_power",
               "the sale brings 24.75 (at the price less 1.00%), less than its "
               "commission 24.76, and only 0.00 of cash is free");
    }
    /* what an open sale holds back: the shortfall of its commission */
    {
        fixture f = base();

        f.o.qty = 1;
        f.o.side = SIDE_SELL;
        f.l.commission_order = 100000;
        assert_int_equal(risk_hold(&f.l, &f.o, &r), 0);
        assert_int_equal(r, 97525);
        f.l.commission_order = 100;
        assert_int_equal(risk_hold(&f.l, &f.o, &r), 0);
        assert_int_equal(r, 0);
        /* a buy holds its reserve */
        f.o.side = SIDE_BUY;
        assert_int_equal(risk_hold(&f.l, &f.o, &r), 0);
        assert_int_equal(r, 2625);
        /* a second sale finds the first's shortfall held back */
        f.o.side = SIDE_SELL;
        f.l.commission_order = 100000;
        f.a.cash = 97525 * 2 - 1;
        f.a.reserved = 97525;
        expect("the second sale", risk_rule_buying_power, &f, "buying_power",
               "the sale brings 24.75 (at the price less 1.00%), less than its "
               "commission 1000.00, and only 975.24 of cash is free");
    }
    /* a cost too large to count is refused as such */
    {
        fixture f = base();

        f.o.qty = INT64_MAX / 2;
        f.o.side = SIDE_BUY;
        expect("overflow", risk_rule_buying_power, &f, "buying_power",
               "the cost of 4611686018427387903 shares of MSFT is too large "
               "to count");
    }
    /* the reserve is what the rule needs; a sell holds none */
    {
        fixture f = base();

        f.l.commission_order = 100;
        f.o.qty = 10;
        f.o.side = SIDE_BUY;
        assert_int_equal(risk_buy_reserve(&f.l, &f.o, &r), 0);
        assert_int_equal(r, 25350);
        f.o.side = SIDE_SELL;
        assert_int_equal(risk_buy_reserve(&f.l, &f.o, &r), 0);
        assert_int_equal(r, 0);
        f.o.side = SIDE_BUY;
        f.o.qty = INT64_MAX / 2;
        assert_int_equal(risk_buy_reserve(&f.l, &f.o, &r), -1);
    }
    assert_int_equal(risk_commission(100, 50, 10, &r), 0);
    assert_int_equal(r, 105);
    assert_int_equal(risk_commission(0, 0, 1000, &r), 0);
    assert_int_equal(r, 0);
}

static void test_no_short(void **state)
{
    static const struct {
        const char *ticker;
        int64_t qty;
        order_side side;
        const char *want;
    } cases[] = {
        {"AAPL", 10, SIDE_SELL, NULL},
        {"AAPL", 11, SIDE_SELL,
         "sells 11 shares of AAPL but holds 10 not already being sold: no "
         "short selling"},
        {"MSFT", 1, SIDE_SELL,
         "sells 1 share of MSFT but holds 0 not already being sold: no "
         "short selling"},
        {"MSFT", 1, SIDE_BUY, NULL},
    };
    /* 11 held, an open buy of 50 and an open sell of 4: the position
     * will be 57, but only 7 can be sold */
    static const risk_position open[] = {
        {"C", "Financials", 57, 4000, 7},
    };
    fixture g = base();

    (void)state;
    g.a.positions = open;
    g.a.npositions = 1;
    strcpy(g.o.ticker, "C");
    g.o.side = SIDE_SELL;
    g.o.qty = 7;
    expect("C 7", risk_rule_no_short, &g, "no_short", NULL);
    g.o.qty = 8;
    expect("C 8", risk_rule_no_short, &g, "no_short",
           "sells 8 shares of C but holds 7 not already being sold: no short "
           "selling");
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        strcpy(f.o.ticker, cases[i].ticker);
        f.o.qty = cases[i].qty;
        f.o.side = cases[i].side;
        expect(cases[i].ticker, risk_rule_no_short, &f, "no_short",
               cases[i].want);
    }
}

static void test_price_age(void **state)
{
    static const struct {
        const char *name;
        int y, m, d; /* the price's day; the order's session 2011-09-06 */
        order_side side;
        int64_t limit;
        const char *want;
    } cases[] = {
        {"the last session's close (Labor Day between)", 2011, 9, 2, SIDE_BUY,
         3, NULL},
        {"two closes missing", 2011, 8, 31, SIDE_BUY, 3, NULL},
        {"three closes missing: the limit", 2011, 8, 30, SIDE_BUY, 3, NULL},
        {"four closes missing", 2011, 8, 29, SIDE_BUY, 3,
         "the price of MSFT is the close of 2011-08-29, more than 3 sessions "
         "with no close before the order's session 2011-09-06: are price "
         "bars coming in? (max_price_age_sessions, 0: off)"},
        {"a close of 1970", 1970, 1, 1, SIDE_BUY, 1,
         "the price of MSFT is the close of 1970-01-01, more than 1 session "
         "with no close before the order's session 2011-09-06: are price "
         "bars coming in? (max_price_age_sessions, 0: off)"},
        {"a five-digit limit: the message is whole", 1970, 1, 1, SIDE_BUY,
         10000,
         "the price of MSFT is the close of 1970-01-01, more than 10000 "
         "sessions with no close before the order's session 2011-09-06: are "
         "price bars coming in? (max_price_age_sessions, 0: off)"},
        {"a sale is never held back", 2011, 1, 3, SIDE_SELL, 3, NULL},
        {"0 turns the rule off", 2011, 1, 3, SIDE_BUY, 0, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fixture f = base();

        f.l.max_price_age_sessions = cases[i].limit;
        f.o.price_day = date_from_ymd(cases[i].y, cases[i].m, cases[i].d);
        f.o.side = cases[i].side;
        expect(cases[i].name, risk_rule_price_age, &f, "price_age",
               cases[i].want);
    }
    {
        fixture f = base();

        f.l.max_price_age_sessions = 3;
        f.o.ref_price = 0; /* and no price day */
        expect("no price at all: the invalid rule's to tell",
               risk_rule_price_age, &f, "price_age", NULL);
    }
}

static void test_check_lists_every_reason(void **state)
{
    fixture f = base();
    risk_verdict v;
    static const char *const codes[] = {"kill_switch",     "restricted",
                                        "inactive_symbol", "market_hours",
                                        "stale_session",   "orders_per_ticker",
                                        "min_price",       "buying_power"};

    (void)state;
    f.a.today = date_from_ymd(2011, 9, 6);
    f.a.kill_switch = 1;
    strcpy(f.o.ticker, "GM");
    f.o.exec_day = date_from_ymd(2011, 9, 5);
    f.a.ticker_orders_today = 1;
    f.o.ref_price = 400;
    f.a.cash = 0;
    risk_check(&f.l, &f.a, &f.o, &v);
    assert_int_equal(v.allowed, 0);
    assert_int_equal(v.nreasons, sizeof(codes) / sizeof(*codes));
    for (size_t i = 0; i < v.nreasons; i++)
        assert_string_equal(v.reasons[i].code, codes[i]);
}

static void test_check_allows_a_clean_order(void **state)
{
    fixture f = base();
    risk_verdict v;

    (void)state;
    risk_check(&f.l, &f.a, &f.o, &v);
    assert_int_equal(v.allowed, 1);
    assert_int_equal(v.nreasons, 0);
    assert_int_equal(v.trip_kill_switch, 0);
}

static void test_reasons_are_capped(void **state)
{
    risk_verdict v;

    (void)state;
    risk_verdict_init(&v);
    for (int i = 0; i < RISK_MAX_REASONS + 3; i++)
        risk_deny(&v, "x", "reason %d", i);
    assert_int_equal(v.nreasons, RISK_MAX_REASONS);
    assert_int_equal(v.allowed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_verdict_text),
        cmocka_unit_test(test_kill_switch),
        cmocka_unit_test(test_drawdown),
        cmocka_unit_test(test_ticker_lists),
        cmocka_unit_test(test_market_hours),
        cmocka_unit_test(test_stale_session),
        cmocka_unit_test(test_order_counts),
        cmocka_unit_test(test_min_price),
        cmocka_unit_test(test_price_age),
        cmocka_unit_test(test_position_notional),
        cmocka_unit_test(test_position_weight),
        cmocka_unit_test(test_gross_exposure),
        cmocka_unit_test(test_sector),
        cmocka_unit_test(test_daily_loss),
        cmocka_unit_test(test_buying_power),
        cmocka_unit_test(test_no_short),
        cmocka_unit_test(test_check_lists_every_reason),
        cmocka_unit_test(test_check_allows_a_clean_order),
        cmocka_unit_test(test_reasons_are_capped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
