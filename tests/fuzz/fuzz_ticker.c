/*
 * libFuzzer harness: ticker normalisation and date parsing, the two
 * validators every outside symbol and date goes through. Checks the
 * invariants too: a canonical ticker normalises to itself, and a parsed
 * date formats back to a date that parses to the same day.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/date.h"
#include "domain/ticker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[TICKER_MAX], again[TICKER_MAX], text[11];
    int32_t day, back;

    if (ticker_normalize(s, size, out) == 0) {
        assert(ticker_normalize(out, strlen(out), again) == 0);
        assert(strcmp(out, again) == 0);
        ticker_is_common_word(out);
    }
    if (date_parse(s, size, &day) == 0) {
        date_format(day, text);
        assert(date_parse(text, 10, &back) == 0 && back == day);
        date_weekday(day);
    }
    return 0;
}
