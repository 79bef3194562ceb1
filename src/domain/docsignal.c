#include "domain/docsignal.h"

#include <stdlib.h>
#include <string.h>

#include "domain/text.h"
#include "lib/buf.h"

size_t docsignal_title_len(const char *title, size_t tlen, const char *clean,
                           size_t clen)
{
    size_t n;
    char *t = text_clean_article(title, tlen, NULL, 0, &n);

    if (n > clen || memcmp(t, clean, n) != 0)
        n = 0;
    free(t);
    return n;
}

static int is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static int word_eq(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);

    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 'a' - 'A');
        if (c != (unsigned char)w[i])
            return 0;
    }
    return 1;
}

/* 1 when the letter at s[b] ends a ticker: a cashtag ("$F") or the
 * class of a share ("BRK.B"), whose '.' can end a sentence. */
static int ticker_letter(const char *s, size_t b)
{
    size_t k = b;

    if (b > 0 && s[b - 1] == '$')
        return 1;
    if (b < 3 || s[b - 1] != '.')
        return 0;
    for (k = b - 1; k > 0 && s[k - 1] >= 'A' && s[k - 1] <= 'Z';)
        k--;
    return b - 1 - k >= 2 && (k == 0 || !is_alpha((unsigned char)s[k - 1]));
}

/* 1 when the '.' at s[i] ends an abbreviation rather than a sentence:
 * after one letter ("U.S.", "J.") that does not end a ticker, after a
 * known short word, or before a lower-case word. */
static int ends_abbreviation(const char *s, size_t len, size_t i)
{
    static const char *const abbr[] = {
        "inc", "corp", "co",  "ltd",  "plc", "mr",  "ms",  "mrs",   "dr",
        "jr",  "st",   "vs",  "no",   "jan", "feb", "mar", "apr",   "jun",
        "jul", "aug",  "sep", "sept", "oct", "nov", "dec", "approx"};
    size_t b = i;
    size_t k = i + 1;

    while (b > 0 && is_alpha((unsigned char)s[b - 1]))
        b--;
    if (i - b == 1 && !ticker_letter(s, b))
        return 1;
    for (size_t a = 0; a < sizeof(abbr) / sizeof(abbr[0]); a++) {
        if (word_eq(s + b, i - b, abbr[a]))
            return 1;
    }
    while (k < len && is_space((unsigned char)s[k]))
        k++;
    return k < len && is_lower((unsigned char)s[k]);
}

/* 1 when a contrast word that opens a clause starts at s[i]. */
static int contrast_at(const char *s, size_t len, size_t i)
{
    static const char *const words[] = {"while", "whereas", "but", "although",
                                        "meanwhile"};
    size_t e = i;

    if (i == 0 || !is_space((unsigned char)s[i - 1]))
        return 0;
    while (e < len && is_alpha((unsigned char)s[e]))
        e++;
    if (e < len && !is_space((unsigned char)s[e]) && s[e] != ',')
        return 0;
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        if (word_eq(s + i, e - i, words[w]))
            return 1;
    }
    return 0;
}

static void add_unit(docsignal_doc *d, size_t off, size_t end)
{
    while (off < end && is_space((unsigned char)d->text[off]))
        off++;
    while (end > off && is_space((unsigned char)d->text[end - 1]))
        end--;
    if (off == end)
        return;
    if (d->nunits == DOCSIGNAL_MAX_UNITS) {
        d->unit_end[d->nunits - 1] = end;
        return;
    }
    d->unit_off[d->nunits] = off;
    d->unit_end[d->nunits] = end;
    d->nunits++;
}

static void cut_units(docsignal_doc *d)
{
    const char *s = d->text;
    size_t start = 0;

    for (size_t i = 0; i < d->len; i++) {
        unsigned char c = (unsigned char)s[i];
        int after_space = i + 1 >= d->len || is_space((unsigned char)s[i + 1]);

        if (c == ';' || c == '|') {
            add_unit(d, start, i);
            start = i + 1;
        } else if ((c == '.' || c == '!' || c == '?') && after_space &&
                   !(c == '.' && ends_abbreviation(s, d->len, i))) {
            add_unit(d, start, i + 1);
            start = i + 1;
        } else if (is_alpha(c) && contrast_at(s, d->len, i)) {
            add_unit(d, start, i);
            start = i;
        }
    }
    add_unit(d, start, d->len);
}

static size_t unit_of(const docsignal_doc *d, size_t off)
{
    for (size_t u = 0; u < d->nunits; u++) {
        if (off < d->unit_end[u])
            return u;
    }
    return d->nunits ? d->nunits - 1 : 0;
}

void docsignal_doc_init(docsignal_doc *d, const mention_index *idx,
                        const char *text, size_t len, size_t title_len)
{
    size_t owner = DOCSIGNAL_MAX_UNITS;

    d->text = text ? text : "";
    d->len = text ? len : 0;
    d->title_len = title_len <= d->len ? title_len : d->len;
    d->nunits = 0;
    d->nspans = 0;
    cut_units(d);
    if (idx)
        d->nspans =
            mention_spans(idx, d->text, d->len, d->spans, DOCSIGNAL_MAX_SPANS);
    for (size_t k = 0; k < d->nspans; k++)
        d->span_unit[k] = unit_of(d, d->spans[k].off);
    for (size_t u = 0; u < d->nunits; u++) {
        for (size_t k = 0; k < d->nspans; k++) {
            if (d->span_unit[k] == u) {
                owner = u;
                break;
            }
        }
        d->unit_owner[u] = owner;
    }
}

/* 1 when unit u belongs to ticker. */
static int unit_is_about(const docsignal_doc *d, size_t u, const char *ticker)
{
    size_t owner = d->unit_owner[u];

    if (owner == DOCSIGNAL_MAX_UNITS)
        return 1;
    for (size_t k = 0; k < d->nspans; k++) {
        if (d->span_unit[k] == owner && strcmp(d->spans[k].ticker, ticker) == 0)
            return 1;
    }
    return 0;
}

static double relevance(const docsignal *s)
{
    size_t steps;

    if (s->title_mentions > 0)
        return DOCSIGNAL_RELEVANCE_TITLE;
    if (s->body_mentions == 0)
        return DOCSIGNAL_RELEVANCE_TAG;
    steps = s->body_mentions - 1 < 2 ? s->body_mentions - 1 : 2;
    return DOCSIGNAL_RELEVANCE_BODY + DOCSIGNAL_RELEVANCE_STEP * (double)steps;
}

void docsignal_for(const docsignal_doc *d, const sentiment_model *m,
                   const char *ticker, docsignal *out)
{
    size_t mine = 0;
    buf joined;

    memset(out, 0, sizeof(*out));
    for (size_t k = 0; k < d->nspans; k++) {
        if (strcmp(d->spans[k].ticker, ticker) != 0)
            continue;
        if (d->spans[k].off < d->title_len)
            out->title_mentions++;
        else
            out->body_mentions++;
    }
    out->relevance = relevance(out);
    for (size_t u = 0; u < d->nunits; u++)
        mine += out->title_mentions + out->body_mentions > 0 &&
                unit_is_about(d, u, ticker);

    if (mine == 0 || mine == d->nunits) {
        out->whole_text = 1;
        sentiment_classify(m, d->text, d->len, &out->sentiment);
        out->event = event_classify(d->text, d->len);
        return;
    }
    buf_init(&joined);
    for (size_t u = 0; u < d->nunits; u++) {
        if (!unit_is_about(d, u, ticker))
            continue;
        if (joined.len > 0)
            buf_adds(&joined, " | ");
        buf_add(&joined, d->text + d->unit_off[u],
                d->unit_end[u] - d->unit_off[u]);
    }
    sentiment_classify(m, joined.data, joined.len, &out->sentiment);
    out->event = event_classify(joined.data, joined.len);
    if (out->event == EVENT_OTHER)
        out->event = event_classify(d->text, d->len);
    buf_release(&joined);
}
