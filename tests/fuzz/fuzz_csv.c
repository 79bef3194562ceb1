/*
 * libFuzzer harness: the replay files. The input is split at its first
 * NUL byte into the news file's text and the price file's text; both go
 * through the production loader (the backtest's), then every range
 * query; then the same text is written to the two files of a private
 * folder and read through ingestion's index, which must accept exactly
 * the rows the loader accepted and read each of them back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/replay.h"

static char dir[64];

static void write_file(const char *name, const char *text, size_t len)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        abort();
}

static void remove_dir(void)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_NEWS_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", dir, REPLAY_PRICE_FILE);
    unlink(path);
    rmdir(dir);
}

/* The index of the same text agrees with the loader, row for row. */
static void check_index(const replay_data *r, const char *news, size_t nlen,
                        const char *prices, size_t plen)
{
    replay_index x;
    char err[256];

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/fuzz_csv.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
    write_file(REPLAY_NEWS_FILE, news, nlen);
    write_file(REPLAY_PRICE_FILE, prices, plen);
    memset(&x, 0, sizeof(x));
    if (replay_index_open(dir, &x, err, sizeof(err)) < 0)
        abort();
    if (x.news.nrefs != r->nnews || x.prices.nrefs != r->nbars)
        abort();
    for (size_t i = 0; i < x.news.nrefs; i++) {
        replay_news n;

        if (replay_index_read_news(&x, i, &n, err, sizeof(err)) < 0)
            abort();
    }
    for (size_t i = 0; i < x.prices.nrefs; i++) {
        replay_bar b;

        if (replay_index_read_bar(&x, i, &b, err, sizeof(err)) < 0)
            abort();
    }
    replay_index_close(&x);
}

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
    check_index(&r, text, nlen, prices, plen);
    replay_release(&r);
    return 0;
}
