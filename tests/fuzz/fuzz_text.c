/*
 * libFuzzer harness: what the parser and the extractor do to article
 * text: UTF-8 validation, cleaning, near-duplicate keys, ticker
 * mentions against the real watchlist's names, the embedded sentiment
 * model, the event rules and the per-ticker signals (units, spans,
 * relevance), and the trainer's flip of a sentence (FLIP_OUT_MAX is
 * always room enough). The input's first NUL splits title from
 * summary.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/docsignal.h"
#include "domain/event.h"
#include "domain/flip.h"
#include "domain/mention.h"
#include "domain/sentiment.h"
#include "domain/text.h"

static mention_index *idx;
static sentiment_model *model;

static void setup(void)
{
    static const char *const names[][2] = {{"AAPL", "Apple"},
                                           {"GOOGL", "Google"},
                                           {"GOOGL", "GOOG"},
                                           {"T", "AT&T"},
                                           {"F", "Ford"},
                                           {"C", "Citigroup"},
                                           {"GE", "General Electric"},
                                           {"BAC", "Bank of America"},
                                           {"JPM", "JPMorgan"},
                                           {"MCD", "McDonald's"}};
    char err[256];

    idx = mention_index_new();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        mention_index_add_ticker(idx, names[i][0]);
        mention_index_add_alias(idx, names[i][0], names[i][1]);
    }
    model =
        sentiment_model_load("data/model/sentiment.weights", err, sizeof(err));
    if (!model)
        abort(); /* run from the repository root */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, '\0', size);
    size_t tlen = nul ? (size_t)(nul - s) : size;
    char found[16][TICKER_MAX];
    sentiment_result sr;
    size_t clen, wlen, nfound;
    char *clean, *ws;
    docsignal_doc d;

    if (!idx)
        setup();
    text_valid_utf8(s, size);
    clean = text_clean_article(s, tlen, nul ? nul + 1 : "",
                               nul ? size - tlen - 1 : 0, &clen);
    assert(strlen(clean) == clen);
    ws = text_collapse_ws(s, size, &wlen);
    nfound = mention_find(idx, clean, clen, found, 16);
    docsignal_doc_init(&d, idx, clean, clen,
                       docsignal_title_len(s, tlen, clean, clen));
    for (size_t i = 0; i < nfound; i++) {
        docsignal ds;

        docsignal_for(&d, model, found[i], &ds);
        assert(ds.relevance >= 0.3 && ds.relevance <= 1.0);
        assert(ds.sentiment.score >= -1.0 && ds.sentiment.score <= 1.0);
    }
    for (size_t u = 0; u < d.nunits; u++)
        assert(d.unit_off[u] < d.unit_end[u] && d.unit_end[u] <= clen);
    sentiment_classify(model, clean, clen, &sr);
    assert(sr.score >= -1.0 && sr.score <= 1.0);
    assert(sr.confidence >= 0.0 && sr.confidence <= 1.0);
    event_type_name(event_classify(clean, clen));
    {
        size_t cap = FLIP_OUT_MAX(tlen);
        char *a = malloc(cap);
        char *b = malloc(2 * cap + 16);
        size_t na = flip_sentence(s, tlen, a, cap);
        size_t nb = flip_sentence(s, tlen, b, 2 * cap + 16);

        assert(na == nb && (na == 0 || memcmp(a, b, na + 1) == 0));
        assert(na == 0 || strlen(a) == na);
        free(a);
        free(b);
    }
    free(clean);
    free(ws);
    return 0;
}
