/*
 * libFuzzer harness: documents from the internet. The first input byte
 * picks the parser (RSS/Atom feed, SEC filing, HTML page, HTML
 * entities); the rest is the document.
 */
#include <stddef.h>
#include <stdint.h>

#include "adapters/feed.h"
#include "adapters/html.h"
#include "adapters/sec.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data + 1;
    size_t len = size ? size - 1 : 0;
    char err[256];
    buf out;

    if (size == 0)
        return 0;
    html_init();
    switch (data[0] % 4) {
    case 0: {
        feed f;

        if (feed_parse(doc, len, NULL, 0, &f, err, sizeof(err)) == 0)
            feed_release(&f);
        break;
    }
    case 1: {
        sec_filing f;

        if (sec_filing_parse(doc, len, 0, &f, err, sizeof(err)) == 0)
            sec_filing_release(&f);
        break;
    }
    case 2:
        buf_init(&out);
        html_to_text(doc, len, NULL, 0, &out, err, sizeof(err));
        buf_release(&out);
        break;
    default:
        buf_init(&out);
        html_decode_entities(doc, len, &out);
        html_fragment_text(doc, len, 0, &out, err, sizeof(err));
        buf_release(&out);
    }
    return 0;
}
