/*
 * libFuzzer harness: the replay files. The input is split at its first
 * NUL byte into the news file's text and the price file's text; both go
 * through the production loader, then every range query.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "adapters/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t nlen = nul ? (size_t)(nul - text) : size;
    const char *prices = nul ? nul + 1 : "";
    size_t plen = nul ? size - nlen - 1 : 0;
    char err[256];
    replay_data r;

    if (replay_load_buffers(text, nlen, prices, plen, &r, err, sizeof(err)) < 0)
        return 0;
    for (size_t i = 0; i < r.nnews; i++) {
        const replay_news *first;

        replay_news_range(&r, r.news[i].ticker, r.news[i].date, r.news[i].date,
                          &first);
    }
    for (size_t i = 0; i < r.nbars; i++) {
        const replay_bar *first;

        replay_bars_range(&r, r.bars[i].ticker, 0, r.bars[i].day, &first);
    }
    replay_release(&r);
    return 0;
}
