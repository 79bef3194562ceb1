/*
 * libFuzzer harness: replies of an Ollama server. The first input byte
 * picks the check (the whole /api/chat answer with a status, or the
 * signal list JSON alone) and how many tickers the document has (1 to
 * 4); the rest is the reply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/ollama.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char tickers[4][TICKER_MAX] = {"AAPL", "MSFT", "GOOGL",
                                                "BRK.B"};
    static const long statuses[4] = {200, 200, 400, 500};
    ollama_signal out[4];
    ollama_doc doc;
    char err[256];
    char *reply;
    size_t len;

    if (size == 0)
        return 0;
    len = size - 1;
    /* A copy without a terminating NUL past len: overreads show. */
    reply = malloc(len ? len : 1);
    memcpy(reply, data + 1, len);
    memset(&doc, 0, sizeof(doc));
    doc.text = "Apple beats estimates; Microsoft flat.";
    doc.len = strlen(doc.text);
    doc.title_len = 14;
    doc.tickers = tickers;
    doc.ntickers = (size_t)((data[0] >> 1) & 3) + 1;
    if (data[0] & 1)
        ollama_validate_signals(reply, len, &doc, out, err, sizeof(err));
    else
        ollama_parse_reply(statuses[(data[0] >> 3) & 3], reply, len, &doc, out,
                           err, sizeof(err));
    free(reply);
    return 0;
}
