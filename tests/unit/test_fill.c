#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/fill.h"

static order_intent order(order_side side, order_type type, int64_t qty,
                          cents limit)
{
    order_intent o;

    memset(&o, 0, sizeof(o));
    strcpy(o.ticker, "F");
    o.side = side;
    o.type = type;
    o.qty = qty;
    o.limit_price = limit;
    o.ref_price = 1000;
    return o;
}

static void test_fill_table(void **state)
{
    /* One bar: open 10.00, high 10.50, low 9.60, close 10.20. */
    static const fill_bar bar = {15000, 1000, 1050, 960, 1020};
    static const struct {
        const char *name;
        order_side side;
        order_type type;
        int64_t qty;
        cents limit;
        int64_t slip_bps;
        cents commission;
        int rc, filled;
        cents price, gross, fee;
    } cases[] = {
        {"market buy at open plus 5 bp: 10.005 rounds up", SIDE_BUY,
         ORDER_MARKET, 100, 0, 5, 0, 0, 1, 1001, 100100, 0},
        {"market sell at open minus 5 bp: 9.995 rounds down", SIDE_SELL,
         ORDER_MARKET, 100, 0, 5, 0, 0, 1, 999, 99900, 0},
        {"market buy without slippage, with commission", SIDE_BUY, ORDER_MARKET,
         3, 0, 0, 125, 0, 1, 1000, 3000, 125},
        {"market buy with 50 bp slippage", SIDE_BUY, ORDER_MARKET, 1, 0, 50, 0,
         0, 1, 1005, 1005, 0},
        {"buy limit above the open fills at the open plus slippage", SIDE_BUY,
         ORDER_LIMIT, 10, 1010, 5, 0, 0, 1, 1001, 10010, 0},
        {"buy limit at the open: slippage stops at the limit", SIDE_BUY,
         ORDER_LIMIT, 10, 1000, 5, 0, 0, 1, 1000, 10000, 0},
        {"buy limit inside the range fills at the limit", SIDE_BUY, ORDER_LIMIT,
         10, 970, 5, 0, 0, 1, 970, 9700, 0},
        {"buy limit at the low fills", SIDE_BUY, ORDER_LIMIT, 10, 960, 5, 0, 0,
         1, 960, 9600, 0},
        {"buy limit under the low does not fill", SIDE_BUY, ORDER_LIMIT, 10,
         959, 5, 0, 0, 0, 0, 0, 0},
        {"sell limit under the open fills at the open less slippage", SIDE_SELL,
         ORDER_LIMIT, 10, 990, 5, 0, 0, 1, 999, 9990, 0},
        {"sell limit at the open: slippage stops at the limit", SIDE_SELL,
         ORDER_LIMIT, 10, 1000, 5, 0, 0, 1, 1000, 10000, 0},
        {"sell limit inside the range fills at the limit", SIDE_SELL,
         ORDER_LIMIT, 10, 1040, 5, 0, 0, 1, 1040, 10400, 0},
        {"sell limit over the high does not fill", SIDE_SELL, ORDER_LIMIT, 10,
         1051, 5, 0, 0, 0, 0, 0, 0},
        {"zero quantity is refused", SIDE_BUY, ORDER_MARKET, 0, 0, 5, 0, -1, 0,
         0, 0, 0},
        {"limit without a price is refused", SIDE_BUY, ORDER_LIMIT, 1, 0, 5, 0,
         -1, 0, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        order_intent o =
            order(cases[i].side, cases[i].type, cases[i].qty, cases[i].limit);
        fill_params p = {cases[i].slip_bps, cases[i].commission};
        fill_result r;
        int rc = fill_order(&o, &bar, &p, &r);

        if (rc != cases[i].rc || r.filled != cases[i].filled ||
            r.price != cases[i].price || r.gross != cases[i].gross ||
            r.commission != cases[i].fee ||
            (r.filled && (r.qty != cases[i].qty || r.day != 15000)))
            fail_msg("%s: rc %d filled %d price %lld gross %lld fee %lld",
                     cases[i].name, rc, r.filled, (long long)r.price,
                     (long long)r.gross, (long long)r.commission);
    }
}

static void test_bad_bar_is_refused(void **state)
{
    fill_bar bar = {15000, 0, 1050, 960, 1020};
    order_intent o = order(SIDE_BUY, ORDER_MARKET, 1, 0);
    fill_params p = {5, 0};
    fill_result r;

    (void)state;
    assert_int_equal(fill_order(&o, &bar, &p, &r), -1);
    bar.open = 1000;
    bar.low = 1100; /* low above high */
    assert_int_equal(fill_order(&o, &bar, &p, &r), -1);
}

static void test_overflow_is_refused(void **state)
{
    fill_bar bar = {15000, MONEY_MAX, MONEY_MAX, MONEY_MAX, MONEY_MAX};
    order_intent o = order(SIDE_BUY, ORDER_MARKET, INT64_MAX / 2, 0);
    fill_params p = {0, 0};
    fill_result r;

    (void)state;
    assert_int_equal(fill_order(&o, &bar, &p, &r), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_table),
        cmocka_unit_test(test_bad_bar_is_refused),
        cmocka_unit_test(test_overflow_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
