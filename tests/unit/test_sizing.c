#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/date.h"
#include "domain/order.h"
#include "domain/risk.h"
#include "domain/sizing.h"

static void test_sizing_table(void **state)
{
    static const struct {
        const char *name;
        sizing_input in;
        int rc;
        order_side side;
        int64_t qty, target;
        const char *why;
    } cases[] = {
        {"buy from flat: 5% of 100000.00 at 53.12 is 94 shares",
         {ACTION_BUY, 1.0, 0.05, 10000000, 5312, 0, 0, 0},
         0,
         SIDE_BUY,
         94,
         94,
         "buy 94: target 94 shares (500 bp of 100000.00 at 53.12), holds 0"},
        {"buy tops up the difference",
         {ACTION_BUY, 0.6, 0.03, 10000000, 10000, 10, 0, 0},
         0,
         SIDE_BUY,
         20,
         30,
         "buy 20: target 30 shares (300 bp of 100000.00 at 100.00), holds "
         "10"},
        {"buy never sells when above target",
         {ACTION_BUY, 0.2, 0.01, 10000000, 10000, 15, 0, 0},
         0,
         SIDE_BUY,
         0,
         10,
         "no order: holds 15, target 10 shares (100 bp of 100000.00 at "
         "100.00)"},
        {"weight rounds to whole basis points first",
         {ACTION_BUY, 0.5, 0.00004, 10000000, 100, 0, 0, 0},
         0,
         SIDE_BUY,
         0,
         0,
         "no order: holds 0, target 0 shares (0 bp of 100000.00 at 1.00)"},
        {"a large account buys up to the position limit in dollars",
         {ACTION_BUY, 1.0, 0.05, 100000000, 5312, 0, 1000000, 1000},
         0,
         SIDE_BUY,
         188,
         188,
         "buy 188: target 188 shares (500 bp of 1000000.00 at 53.12, cut "
         "to 10000.00 by max_position_notional_cents), holds 0"},
        {"and up to the position limit in weight, whichever is lower",
         {ACTION_BUY, 1.0, 0.05, 10000000, 5312, 20, 10000000, 300},
         0,
         SIDE_BUY,
         36,
         56,
         "buy 36: target 56 shares (500 bp of 100000.00 at 53.12, cut to "
         "3000.00 by max_position_weight_bps), holds 20"},
        {"the weight cap rounds down: 3 % of 100000.50 is 3000.01, not .02",
         {ACTION_BUY, 1.0, 0.05, 10000050, 150001, 0, 0, 300},
         0,
         SIDE_BUY,
         1,
         1,
         "buy 1: target 1 shares (500 bp of 100000.50 at 1500.01, cut to "
         "3000.01 by max_position_weight_bps), holds 0"},
        {"a cut by weight rounds down, never over the limit",
         {ACTION_BUY, 0.872246, 0.043612, 9261491, 1465, 89, 0, 261},
         0,
         SIDE_BUY,
         75,
         164,
         "buy 75: target 164 shares (436 bp of 92614.91 at 14.65, cut to "
         "2417.24 by max_position_weight_bps), holds 89"},
        {"a weight equal to the limit rounds down too",
         {ACTION_BUY, 1.0, 0.0261, 9261491, 1465, 0, 0, 261},
         0,
         SIDE_BUY,
         164,
         164,
         "buy 164: target 164 shares (261 bp of 92614.91 at 14.65, cut to "
         "2417.24 by max_position_weight_bps), holds 0"},
        {"a position at the limit buys no more",
         {ACTION_BUY, 1.0, 0.05, 100000000, 5000, 200, 1000000, 0},
         0,
         SIDE_BUY,
         0,
         200,
         "no order: holds 200, target 200 shares (500 bp of 1000000.00 at "
         "50.00, cut to 10000.00 by max_position_notional_cents)"},
        {"limits above the target change nothing",
         {ACTION_BUY, 1.0, 0.05, 10000000, 5312, 0, 1000000, 1000},
         0,
         SIDE_BUY,
         94,
         94,
         "buy 94: target 94 shares (500 bp of 100000.00 at 53.12), holds 0"},
        {"sell at conviction 1 closes the position",
         {ACTION_SELL, 1.0, 0.0, 10000000, 5000, 37, 0, 0},
         0,
         SIDE_SELL,
         37,
         0,
         "sell 37 of 37 shares (conviction 10000 bp), keep 0"},
        {"sell cuts by the conviction, keeping the floor",
         {ACTION_SELL, 0.3, 0.0, 10000000, 5000, 37, 0, 0},
         0,
         SIDE_SELL,
         12,
         25,
         "sell 12 of 37 shares (conviction 3000 bp), keep 25"},
        {"sell without a position does nothing",
         {ACTION_SELL, 0.9, 0.0, 10000000, 5000, 0, 0, 0},
         0,
         SIDE_SELL,
         0,
         0,
         "no order: no position to sell"},
        {"one share at a small conviction is sold",
         {ACTION_SELL, 0.3, 0.0, 10000000, 5000, 1, 0, 0},
         0,
         SIDE_SELL,
         1,
         0,
         "sell 1 of 1 shares (conviction 3000 bp), keep 0"},
        {"hold never trades",
         {ACTION_HOLD, 0.9, 0.05, 10000000, 5000, 3, 0, 0},
         0,
         SIDE_BUY,
         0,
         3,
         "no order: HOLD"},
        {"buy needs a positive price",
         {ACTION_BUY, 1.0, 0.05, 10000000, 0, 0, 0, 0},
         -1,
         SIDE_BUY,
         0,
         0,
         "cannot size: price 0.00 and equity 100000.00 must be positive"},
        {"weight over 1 is refused",
         {ACTION_BUY, 1.0, 1.5, 10000000, 100, 0, 0, 0},
         -1,
         SIDE_BUY,
         0,
         0,
         "cannot size: weight 1.5000 and conviction 1.0000 must be in [0, "
         "1], position 0 not negative"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        sizing_result r;
        int rc = sizing_compute(&cases[i].in, &r);

        if (rc != cases[i].rc || r.qty != cases[i].qty ||
            r.target != cases[i].target || (r.qty && r.side != cases[i].side) ||
            strcmp(r.why, cases[i].why) != 0)
            fail_msg("%s: rc %d qty %lld target %lld side %d why '%s'",
                     cases[i].name, rc, (long long)r.qty, (long long)r.target,
                     (int)r.side, r.why);
    }
}

/* A buy cut to max_position_weight_bps must pass that rule: the cut
 * rounds the limit's value down, so shares whose price divides it
 * rounded up (2417.25 = 165 x 14.65 for 2.61% of 92614.91, the
 * backtest's PFE on 2011-08-15) are not one too many. */
static void test_cut_by_weight_passes_the_rule(void **state)
{
    risk_limits l;
    risk_account a;

    (void)state;
    memset(&l, 0, sizeof(l));
    memset(&a, 0, sizeof(a));
    for (cents eq = 9261400; eq < 9261600; eq += 7)
        for (int64_t bps = 100; bps <= 1000; bps += 9)
            for (cents px = 500; px < 3000; px += 7) {
                sizing_input in = {ACTION_BUY, 1.0, 0.2, eq, px, 0, 0, bps};
                sizing_result r;
                order_intent o;
                risk_verdict v;

                if (sizing_compute(&in, &r) != 0 || r.qty == 0)
                    continue;
                memset(&o, 0, sizeof(o));
                snprintf(o.ticker, sizeof(o.ticker), "X");
                o.side = SIDE_BUY;
                o.qty = r.qty;
                o.ref_price = px;
                a.equity = eq;
                l.max_position_weight_bps = bps;
                risk_verdict_init(&v);
                risk_rule_position_weight(&l, &a, &o, &v);
                if (!v.allowed)
                    fail_msg("equity %lld, %lld bp, price %lld: %s",
                             (long long)eq, (long long)bps, (long long)px,
                             v.reasons[0].message);
            }
}

static void test_client_order_id_is_deterministic(void **state)
{
    char a[ORDER_ID_MAX], b[ORDER_ID_MAX], c[ORDER_ID_MAX];
    int32_t day = date_from_ymd(2011, 9, 6);

    (void)state;
    order_client_id("AAPL", day, "BUY", "strategy/1", a);
    order_client_id("AAPL", day, "BUY", "strategy/1", b);
    order_client_id("AAPL", day + 1, "BUY", "strategy/1", c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 35);
    assert_memory_equal(a, "so-", 3);
    /* SHA-256("AAPL|2011-09-06|BUY|strategy/1"), first 16 bytes. */
    assert_string_equal(a, "so-8e5c9ddc763c4d13359df007e9266e2b");
}

static void test_names_parse_back(void **state)
{
    order_side s;
    order_type t;

    (void)state;
    assert_int_equal(order_side_parse(order_side_name(SIDE_SELL), &s), 0);
    assert_int_equal(s, SIDE_SELL);
    assert_int_equal(order_type_parse(order_type_name(ORDER_LIMIT), &t), 0);
    assert_int_equal(t, ORDER_LIMIT);
    /* any case, as query-api's filters take them */
    assert_int_equal(order_side_parse("BUY", &s), 0);
    assert_int_equal(s, SIDE_BUY);
    assert_int_equal(order_side_parse("Sell", &s), 0);
    assert_int_equal(s, SIDE_SELL);
    assert_int_equal(order_type_parse("MARKET", &t), 0);
    assert_int_equal(t, ORDER_MARKET);
    assert_int_equal(order_side_parse("buys", &s), -1);
    assert_int_equal(order_side_parse("", &s), -1);
    assert_int_equal(order_type_parse("stop", &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizing_table),
        cmocka_unit_test(test_cut_by_weight_passes_the_rule),
        cmocka_unit_test(test_client_order_id_is_deterministic),
        cmocka_unit_test(test_names_parse_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
