/*
 * The small pure parts of trading around the risk rules: how Alpaca's
 * refusals are classified, how a notification e-mail is written, when
 * live trading is allowed to start, and which requests a cancel at
 * Alpaca sends (to a loopback server of the test's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/alpaca_trading.h"
#include "adapters/smtp.h"
#include "lib/http.h"
#include "lib/log.h"
#include "services/trading.h"

static void test_alpaca_refusals(void **state)
{
    static const struct {
        long status;
        const char *message;
        broker_refusal_kind want;
        const char *code;
    } cases[] = {
        {403, "insufficient buying power", REFUSAL_BUYING_POWER,
         "buying_power"},
        {403, "potential wash trade detected. use complex orders",
         REFUSAL_WASH_TRADE, "wash_trade"},
        {403, "market is closed", REFUSAL_MARKET_CLOSED, "market_closed"},
        {422, "client_order_id must be unique", REFUSAL_DUPLICATE,
         "duplicate_client_order_id"},
        {422, "qty must be integer", REFUSAL_INVALID, "invalid"},
        {422, "fractional orders must be DAY orders", REFUSAL_INVALID,
         "invalid"},
        {400, "qty or notional is required", REFUSAL_INVALID, "invalid"},
        {403, "Order failed", REFUSAL_FORBIDDEN, "forbidden"},
        {403,
         "insufficient qty available for order (requested: 1000, "
         "available: 0)",
         REFUSAL_INSUFFICIENT_QTY, "insufficient_qty"},
        {404, "asset not found", REFUSAL_OTHER, "refused"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        broker_refusal_kind k =
            alpaca_classify(cases[i].status, cases[i].message);

        if (k != cases[i].want ||
            strcmp(broker_refusal_code(k), cases[i].code) != 0)
            fail_msg("%ld '%s': kind %d code %s", cases[i].status,
                     cases[i].message, (int)k, broker_refusal_code(k));
    }
}

static void test_final_statuses(void **state)
{
    (void)state;
    assert_int_equal(broker_status_final("filled"), 1);
    assert_int_equal(broker_status_final("rejected"), 1);
    assert_int_equal(broker_status_final("expired"), 1);
    assert_int_equal(broker_status_final("canceled"), 1);
    assert_int_equal(broker_status_final("accepted"), 0);
    assert_int_equal(broker_status_final("partially_filled"), 0);
}

/* Answers about a limit buy of 10 at 25.00: possible ones pass, each
 * impossible one is refused with its reason. */
static void test_impossible_answers(void **state)
{
    static const struct {
        const char *status;
        int64_t qty;
        cents gross, fee;
        const char *why; /* NULL: possible */
    } cases[] = {
        {"accepted", 0, 0, 0, NULL},
        {"partially_filled", 4, 10000, 0, NULL},
        {"filled", 10, 25000, 100, NULL},
        {"expired", 3, 7500, 0, NULL},
        {"totally_bogus", 0, 0, 0, "status 'totally_bogus' is not one we know"},
        {"filled", 1000000, 101500000, 0,
         "1000000 shares filled of an order for 10"},
        {"accepted", -3, 0, 0, "-3 shares filled of an order for 10"},
        {"filled", 9, 22500, 0, "filled with 9 shares of 10"},
        {"partially_filled", 0, 0, 0, "partially filled with 0 shares of 10"},
        {"partially_filled", 10, 25000, 0,
         "partially filled with 10 shares of 10"},
        {"filled", 10, -25000, 0, "10 shares filled for -25000 cents"},
        {"filled", 10, 0, 0, "10 shares filled for 0 cents"},
        {"canceled", 0, 500, 0, "0 shares filled for 500 cents"},
        {"filled", 10, 25000, -500000, "a commission of -500000 cents"},
        {"filled", 10, 25001, 0,
         "10 shares for 25001 cents, beyond the limit of 2500 cents a share"},
    };
    order_intent o;

    (void)state;
    memset(&o, 0, sizeof(o));
    snprintf(o.ticker, sizeof(o.ticker), "AAPL");
    o.side = SIDE_BUY;
    o.type = ORDER_LIMIT;
    o.qty = 10;
    o.limit_price = 2500;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        broker_order bo;
        char err[200] = "";
        int rc;

        memset(&bo, 0, sizeof(bo));
        snprintf(bo.status, sizeof(bo.status), "%s", cases[i].status);
        bo.filled_qty = cases[i].qty;
        bo.filled_gross = cases[i].gross;
        bo.commission = cases[i].fee;
        rc = broker_order_check(&o, &bo, err, sizeof(err));
        if (rc != (cases[i].why ? -1 : 0) ||
            (cases[i].why && strcmp(err, cases[i].why) != 0))
            fail_msg("case %zu: rc %d, '%s'", i, rc, err);
    }
    /* an answer about another order */
    {
        broker_order bo = {.status = "filled",
                           .symbol = "MSFT",
                           .filled_qty = 10,
                           .filled_gross = 25000};
        char err[200] = "";

        assert_int_equal(broker_order_check(&o, &bo, err, sizeof(err)), -1);
        assert_string_equal(err, "the answer is about MSFT, not AAPL");
        snprintf(bo.symbol, sizeof(bo.symbol), "AAPL");
        snprintf(bo.side, sizeof(bo.side), "sell");
        assert_int_equal(broker_order_check(&o, &bo, err, sizeof(err)), -1);
        assert_string_equal(err, "the answer is about a sell, not a buy");
        snprintf(bo.side, sizeof(bo.side), "buy");
        bo.qty = 11;
        assert_int_equal(broker_order_check(&o, &bo, err, sizeof(err)), -1);
        assert_string_equal(err, "the answer is about an order for 11 "
                                 "shares, not 10");
        bo.qty = 10;
        assert_int_equal(broker_order_check(&o, &bo, err, sizeof(err)), 0);
    }
    /* a limit sale must get at least its limit */
    o.side = SIDE_SELL;
    {
        broker_order bo = {
            .status = "filled", .filled_qty = 10, .filled_gross = 24999};
        char err[200] = "";

        assert_int_equal(broker_order_check(&o, &bo, err, sizeof(err)), -1);
        assert_string_equal(err, "10 shares for 24999 cents, beyond the "
                                 "limit of 2500 cents a share");
        bo.filled_gross = 25000;
        assert_int_equal(broker_order_check(&o, &bo, err, sizeof(err)), 0);
    }
}

static void test_mail_format(void **state)
{
    smtp_message m = {"oracle@example.test", "desk@example.test\r\nBcc: x",
                      "[stonks] kill switch ON", "line one\nline two"};
    char *text = smtp_format(&m, "Fri, 04 Dec 2026 18:00:00 +0000");

    (void)state;
    assert_string_equal(text, "Date: Fri, 04 Dec 2026 18:00:00 +0000\r\n"
                              "From: oracle@example.test\r\n"
                              "To: desk@example.testBcc: x\r\n"
                              "Subject: [stonks] kill switch ON\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: 8bit\r\n"
                              "\r\n"
                              "line one\r\nline two\r\n");
    free(text);
}

static void test_live_needs_both_settings(void **state)
{
    static const struct {
        const char *mode, *confirm, *broker, *url;
        int ok;
    } cases[] = {
        {"paper", "", "paper", "", 1},
        {"live", "", "alpaca", "https://api.alpaca.markets", 0},
        {"live", "yes", "alpaca", "https://api.alpaca.markets", 0},
        {"live", "I_UNDERSTAND_REAL_MONEY", "paper", "", 0},
        {"live", "I_UNDERSTAND_REAL_MONEY", "alpaca",
         "https://api.alpaca.markets", 1},
        {"paper", "", "alpaca", "https://paper-api.alpaca.markets", 1},
        {"paper", "", "alpaca", "https://api.alpaca.markets", 0},
        {"paper", "", "alpaca", "", 0},
        /* the live host as a resolver reads it, and any host but the
         * paper one: refused in paper mode */
        {"paper", "", "alpaca", "https://API.alpaca.markets", 0},
        {"paper", "", "alpaca", "HTTPS://Api.Alpaca.Markets./v2", 0},
        {"paper", "", "alpaca", "https://proxy.example.com/alpaca", 0},
        {"paper", "", "alpaca", "https://paper-api.alpaca.markets.evil.com", 0},
        {"paper", "", "alpaca", "https://user@paper-api.alpaca.markets", 0},
        {"paper", "", "alpaca", "https://PAPER-API.alpaca.markets.:443/", 1},
        {"paper", "", "alpaca", "http://127.0.0.1:18065", 1},
        {"paper", "", "alpaca", "http://localhost:18065", 1},
        /* keys in clear over the network, or to another host: refused
         * in either mode */
        {"paper", "", "alpaca", "http://paper-api.alpaca.markets", 0},
        {"live", "I_UNDERSTAND_REAL_MONEY", "alpaca",
         "http://api.alpaca.markets", 0},
        {"live", "I_UNDERSTAND_REAL_MONEY", "alpaca", "https://evil.example",
         0},
        {"live", "I_UNDERSTAND_REAL_MONEY", "alpaca",
         "https://paper-api.alpaca.markets", 0},
        {"live", "I_UNDERSTAND_REAL_MONEY", "alpaca",
         "HTTPS://API.Alpaca.Markets./v2", 1},
        {"live", "I_UNDERSTAND_REAL_MONEY", "alpaca", "http://127.0.0.1:18065",
         1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        config c;
        char err[256];

        memset(&c, 0, sizeof(c));
        c.scheduler_mode = "live";
        c.trading_mode = (char *)cases[i].mode;
        c.trading_live_confirm = (char *)cases[i].confirm;
        c.broker = (char *)cases[i].broker;
        c.broker_base_url = (char *)cases[i].url;
        c.broker_api_key = "key";
        c.broker_api_secret = "secret";
        if ((trading_mode_check(&c, err, sizeof(err)) == 0) != cases[i].ok)
            fail_msg("case %zu (%s/%s/%s): %s", i, cases[i].mode,
                     cases[i].broker, cases[i].url, err);
    }
}

/* A replay decides past sessions: a real broker would run their orders
 * today, at today's prices, so it takes the live scheduler only. */
static void test_broker_needs_the_live_scheduler(void **state)
{
    config c;
    char err[256] = "";

    (void)state;
    memset(&c, 0, sizeof(c));
    c.scheduler_mode = "replay";
    c.trading_mode = "live";
    c.trading_live_confirm = "I_UNDERSTAND_REAL_MONEY";
    c.broker = "alpaca";
    c.broker_base_url = "https://api.alpaca.markets";
    c.broker_api_key = "key";
    c.broker_api_secret = "secret";
    assert_int_equal(trading_mode_check(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "BROKER=alpaca trades today's market: it needs "
                             "SCHEDULER_MODE=live (a replay decides past "
                             "sessions, whose orders the broker would run "
                             "today, at today's prices)");
    c.trading_mode = "paper";
    c.broker_base_url = "https://paper-api.alpaca.markets";
    assert_int_equal(trading_mode_check(&c, err, sizeof(err)), -1);
    c.broker = "paper";
    assert_int_equal(trading_mode_check(&c, err, sizeof(err)), 0);
    c.broker = "alpaca";
    c.scheduler_mode = "live";
    assert_int_equal(trading_mode_check(&c, err, sizeof(err)), 0);
}

/* A loopback Alpaca that knows one order: it records each request's
 * method and path (one at a time: one HTTP thread). */
#define ALPACA_ID "61e69015-8549-4bfd-b9c3-01e75843f47d"

static char seen[8][160];
static int nseen;

static void alpaca_handler(void *ctx, const http_request *req,
                           http_response *res)
{
    (void)ctx;
    if (nseen < 8)
        snprintf(seen[nseen++], sizeof(seen[0]), "%s %s%s%s", req->method,
                 req->path, req->query[0] ? "?" : "", req->query);
    if (strcmp(req->method, "DELETE") == 0 &&
        strcmp(req->path, "/v2/orders/" ALPACA_ID) == 0) {
        res->status = 204;
        return;
    }
    if (strcmp(req->method, "GET") == 0 &&
        strcmp(req->path, "/v2/orders:by_client_order_id") == 0) {
        buf_adds(&res->body, "{\"id\":\"" ALPACA_ID "\","
                             "\"client_order_id\":\"man-1\","
                             "\"status\":\"accepted\",\"symbol\":\"KO\","
                             "\"side\":\"buy\",\"qty\":\"3\","
                             "\"filled_qty\":\"0\"}");
        return;
    }
    http_error(res, 404, "not_found", "no such route");
}

/* A cancel names the order by the id Alpaca gave it: with that id
 * known (orders.broker_order_id) one DELETE; without, a look-up first. */
static void test_alpaca_cancel_requests(void **state)
{
    (void)state;
    http_options ho = {"127.0.0.1", 0, 1, 4096, 5, 0, 0};
    char err[256], url[64];
    http_server *s;
    alpaca_options ao = {url, "key-id", "secret", 5000};
    broker *b;

    log_init("test_trading_rules", LOG_LEVEL_OFF);
    s = http_start(&ho, alpaca_handler, NULL, err, sizeof(err));
    assert_non_null(s);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_port(s));
    b = alpaca_broker_new(&ao);

    nseen = 0;
    assert_int_equal(b->cancel(b, "man-1", ALPACA_ID, err, sizeof(err)),
                     BROKER_OK);
    assert_int_equal(nseen, 1);
    assert_string_equal(seen[0], "DELETE /v2/orders/" ALPACA_ID);

    nseen = 0;
    assert_int_equal(b->cancel(b, "man-1", "", err, sizeof(err)), BROKER_OK);
    assert_int_equal(nseen, 2);
    assert_string_equal(seen[0], "GET /v2/orders:by_client_order_id"
                                 "?client_order_id=man-1");
    assert_string_equal(seen[1], "DELETE /v2/orders/" ALPACA_ID);

    /* an id that is not Alpaca's form is never put in a path */
    nseen = 0;
    assert_int_equal(b->cancel(b, "man-1", "../v2/account", err, sizeof(err)),
                     BROKER_UNAVAILABLE);
    assert_string_equal(err, "alpaca: unusable order id");
    assert_int_equal(nseen, 0);
    broker_free(b);
    http_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpaca_refusals),
        cmocka_unit_test(test_final_statuses),
        cmocka_unit_test(test_impossible_answers),
        cmocka_unit_test(test_mail_format),
        cmocka_unit_test(test_live_needs_both_settings),
        cmocka_unit_test(test_broker_needs_the_live_scheduler),
        cmocka_unit_test(test_alpaca_cancel_requests),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
