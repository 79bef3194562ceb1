/*
 * libFuzzer harness: JSON answers of the outside providers, through the
 * parsers their clients use. The first input byte b picks the parser,
 * b % 9:
 *   0 Polygon bars    1 Polygon news    2 Alpaca bars    3 Alpaca news
 *   4 Alpaca order    5 Alpaca error    6 Alpaca positions
 *   7 Alpaca account  8 Alpaca clock
 * and (b / 9) % 4 the query's ticker (AAPL, NFLX, TSLA, GOOGL with its
 * alias GOOG) or the error's HTTP status (400, 403, 422, 404). The rest
 * is the answer. The bars and news kept go through
 * provider_result_finish and the content hash, as ingestion does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/alpaca_trading.h"
#include "adapters/html.h"
#include "adapters/provider.h"
#include "adapters/provider_parse.h"
#include "domain/date.h"

static void page(provider_page_fn fn, int tick, const char *text, size_t len)
{
    static const char *const feeds[4][2] = {
        {"AAPL", NULL}, {"NFLX", NULL}, {"TSLA", NULL}, {"GOOGL", "GOOG"}};
    provider_query q;
    provider_result out;
    json_t *root;
    char err[256], hash[65], *next = NULL;

    memset(&q, 0, sizeof(q));
    q.ticker = feeds[tick][0];
    q.feeds = feeds[tick];
    q.nfeeds = feeds[tick][1] ? 2 : 1;
    q.from = date_from_ymd(1990, 1, 1);
    q.to = date_from_ymd(2040, 12, 31);
    q.bars_from = q.from;
    if (provider_parse_json(text, len, &root, err, sizeof(err)) != PROVIDER_OK)
        return;
    provider_result_init(&out);
    fn(&q, root, &out, &next, err, sizeof(err));
    json_decref(root);
    if (next) {
        char *url = provider_rebase_url("http://127.0.0.1:1", next);

        free(url);
        free(next);
    }
    provider_result_finish(&out);
    for (size_t i = 0; i < out.nnews; i++)
        provider_content_hash(&out.news[i], hash);
    provider_result_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const provider_page_fn pages[4] = {
        polygon_parse_bars, polygon_parse_news, alpaca_parse_bars,
        alpaca_parse_news};
    static const long statuses[4] = {400, 403, 422, 404};
    const char *text;
    broker_order order;
    broker_refusal ref;
    broker_position *pos;
    alpaca_account acct;
    char err[256], *copy;
    size_t len, n;
    int kind, tick, open;

    if (size == 0)
        return 0;
    html_init();
    kind = data[0] % 9;
    tick = (data[0] / 9) % 4;
    len = size - 1;
    /* A copy without a terminating NUL past len: overreads show. */
    copy = malloc(len ? len : 1);
    memcpy(copy, data + 1, len);
    text = copy;
    switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
        page(pages[kind], tick, text, len);
        break;
    case 4:
        alpaca_parse_order(text, len, &order, err, sizeof(err));
        break;
    case 5:
        alpaca_parse_refusal(statuses[tick], text, len, &ref);
        broker_refusal_code(ref.kind);
        break;
    case 6:
        if (alpaca_parse_positions(text, len, &pos, &n) == 0)
            free(pos);
        break;
    case 7:
        alpaca_parse_account(text, len, &acct);
        break;
    default:
        alpaca_parse_clock(text, len, &open);
        break;
    }
    free(copy);
    return 0;
}
