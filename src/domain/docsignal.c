#include "domain/docsignal.h"

#include <stdint.h>
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

/* 1 when the letter at s[b] ends a ticker whose '.' can end a
 * sentence: a cashtag ("$F", "$brk.b") or the class of a share in upper
 * case ("BRK.B", "BRK-B", "BRK/B"). */
static int ticker_letter(const char *s, size_t b)
{
    size_t k;

    if (b > 0 && s[b - 1] == '$')
        return 1;
    if (b < 2 || (s[b - 1] != '.' && s[b - 1] != '-' && s[b - 1] != '/'))
        return 0;
    for (k = b - 1; k > 0 && is_alpha((unsigned char)s[k - 1]);)
        k--;
    if (k > 0 && s[k - 1] == '$')
        return b - 1 - k >= 1;
    for (size_t j = k; j < b - 1; j++) {
        if (s[j] < 'A' || s[j] > 'Z')
            return 0;
    }
    return b - 1 - k >= 2 && s[b] >= 'A' && s[b] <= 'Z';
}

/* 1 when a mention of d's text starts at offset off. */
static int mention_starts(const docsignal_doc *d, size_t off)
{
    for (size_t k = 0; k < d->nspans && d->spans[k].off <= off; k++) {
        if (d->spans[k].off == off)
            return 1;
    }
    return 0;
}

/* 1 when the '.' at s[i] ends an abbreviation rather than a sentence:
 * after one letter ("U.S.", "J.") that does not end a ticker, after a
 * known short word, or before a lower-case word. A company's "Inc.",
 * "Corp.", "Co.", "Ltd." or "plc." before a mention ends a sentence
 * ("Apple Inc. Google fell."). */
static int ends_abbreviation(const docsignal_doc *d, size_t i)
{
    static const char *const company[] = {"inc", "corp", "co", "ltd", "plc"};
    static const char *const abbr[] = {
        "mr",  "ms",  "mrs",  "dr",  "jr",  "st",  "vs",
        "no",  "jan", "feb",  "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec", "approx"};
    const char *s = d->text;
    size_t b = i;
    size_t k = i + 1;

    while (k < d->len && is_space((unsigned char)s[k]))
        k++;
    while (b > 0 && is_alpha((unsigned char)s[b - 1]))
        b--;
    if (b > 0 && s[b - 1] == '$') /* a cashtag: "$MS." */
        return k < d->len && is_lower((unsigned char)s[k]);
    if (i - b == 1 && !ticker_letter(s, b))
        return 1;
    for (size_t a = 0; a < sizeof(company) / sizeof(company[0]); a++) {
        if (word_eq(s + b, i - b, company[a]))
            return !mention_starts(d, k);
    }
    for (size_t a = 0; a < sizeof(abbr) / sizeof(abbr[0]); a++) {
        if (word_eq(s + b, i - b, abbr[a]))
            return 1;
    }
    return k < d->len && is_lower((unsigned char)s[k]);
}

/* 1 when a contrast word that opens a clause starts at s[i] (after
 * white space, '(', ',' or a dash). */
static int contrast_at(const char *s, size_t len, size_t i)
{
    static const char *const words[] = {"while", "whereas", "but", "although",
                                        "meanwhile"};
    size_t e = i;

    int dash = i >= 3 && (unsigned char)s[i - 3] == 0xe2 &&
               (unsigned char)s[i - 2] == 0x80 &&
               ((unsigned char)s[i - 1] == 0x93 ||
                (unsigned char)s[i - 1] == 0x94); /* – — */

    if (i == 0 || (!is_space((unsigned char)s[i - 1]) && s[i - 1] != '(' &&
                   s[i - 1] != ',' && !dash))
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
        d->overflow = 1;
        return;
    }
    d->unit_off[d->nunits] = off;
    d->unit_end[d->nunits] = end;
    d->nunits++;
}

/* Where a sentence that ends at s[i] is followed by white space (or the
 * end): past closing quotes and brackets ('"', ')', ']', the curly
 * quotes, closing guillemets), or 0 when something else follows. */
static size_t sentence_gap(const char *s, size_t len, size_t i)
{
    size_t k = i + 1;

    for (;;) {
        if (k < len &&
            (s[k] == '"' || s[k] == '\'' || s[k] == ')' || s[k] == ']')) {
            k++;
        } else if (k + 2 < len && (unsigned char)s[k] == 0xe2 &&
                   (unsigned char)s[k + 1] == 0x80 &&
                   ((unsigned char)s[k + 2] == 0x99 ||
                    (unsigned char)s[k + 2] == 0x9d ||
                    (unsigned char)s[k + 2] == 0xba)) {
            k += 3; /* ’ ” › */
        } else if (k + 1 < len && (unsigned char)s[k] == 0xc2 &&
                   (unsigned char)s[k + 1] == 0xbb) {
            k += 2; /* » */
        } else {
            break;
        }
    }
    return k >= len || is_space((unsigned char)s[k]) ? k : 0;
}

static void cut_units(docsignal_doc *d)
{
    const char *s = d->text;
    size_t start = 0;
    int parens = 0; /* open '(' in this sentence: a list's ';' stays */

    for (size_t i = 0; i < d->len; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t gap;

        if (c == '(') {
            parens++;
        } else if (c == ')') {
            parens -= parens > 0;
        } else if (c == '|' || (c == ';' && parens == 0)) {
            add_unit(d, start, i);
            start = i + 1;
            parens = 0;
        } else if ((c == '.' || c == '!' || c == '?') &&
                   (gap = sentence_gap(s, d->len, i)) > 0 &&
                   !(c == '.' && ends_abbreviation(d, i))) {
            add_unit(d, start, gap);
            start = gap;
            i = gap - 1;
            parens = 0;
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
    d->overflow = 0;
    d->idx = idx;
    d->whole_sentiment_done = 0;
    d->whole_event_done = 0;
    if (idx)
        d->nspans = mention_spans(idx, d->text, d->len, d->spans,
                                  DOCSIGNAL_MAX_SPANS + 1);
    if (d->nspans > DOCSIGNAL_MAX_SPANS) {
        d->nspans = DOCSIGNAL_MAX_SPANS;
        d->overflow = 1;
    }
    cut_units(d);
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

/* 1 when text[from..to), between two mentions of one ticker written
 * differently in one unit, makes them one naming: "Apple (AAPL)", "Apple Inc.
 * (NASDAQ: AAPL)", "Ford ($F)", "Apple's (NYSE/AAPL)", "Apple - AAPL":
 * only white space, brackets, '$', ':', '.', ',', '-', '/', a
 * possessive "'s" and the words of a company form or an exchange. */
static int one_naming(const char *text, size_t from, size_t to)
{
    static const char *const words[] = {
        "inc",  "corp", "co",  "ltd", "plc",    "nyse",  "nasdaq",
        "amex", "arca", "otc", "lse", "ticker", "symbol"};

    if (to < from || to - from > 32)
        return 0;
    for (size_t i = from; i < to;) {
        size_t e = i;
        int known = 0;

        if (is_space((unsigned char)text[i]) || strchr("([{$:.,-/", text[i])) {
            i++;
            continue;
        }
        /* a possessive: "Apple's (AAPL)" */
        if (i + 1 < to && text[i] == '\'' && (text[i + 1] | 0x20) == 's') {
            i += 2;
            continue;
        }
        if (i + 3 < to &&
            (!memcmp(text + i, "\xe2\x80\x99", 3) ||
             !memcmp(text + i, "\xe2\x80\x98", 3)) &&
            (text[i + 3] | 0x20) == 's') {
            i += 4;
            continue;
        }
        if (i + 2 < to && (!memcmp(text + i, "\xe2\x80\x93", 3) ||
                           !memcmp(text + i, "\xe2\x80\x94", 3))) {
            i += 3; /* – — */
            continue;
        }
        while (e < to && is_alpha((unsigned char)text[e]))
            e++;
        for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
            known |= e > i && word_eq(text + i, e - i, words[w]);
        if (!known)
            return 0;
        i = e;
    }
    return 1;
}

/* 1 when two mentions are written the same ("Apple", "Apple"). */
static int same_words(const docsignal_doc *d, const mention_span *a,
                      const mention_span *b)
{
    return a->len == b->len &&
           memcmp(d->text + a->off, d->text + b->off, a->len) == 0;
}

/* 1 when the text names ticker anywhere (for a text with more
 * mentions than the spans hold). */
static int named_at_all(const docsignal_doc *d, const char *ticker)
{
    char found[DOCSIGNAL_MAX_SPANS][TICKER_MAX];
    size_t n;

    if (!d->idx)
        return 0;
    n = mention_find(d->idx, d->text, d->len, found, DOCSIGNAL_MAX_SPANS);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(found[i], ticker) == 0)
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

/* The whole text's sentiment and event type, classified once. */
static void whole_sentiment(docsignal_doc *d, const sentiment_model *m,
                            sentiment_result *out)
{
    if (!d->whole_sentiment_done) {
        sentiment_classify(m, d->text, d->len, &d->whole_sentiment);
        d->whole_sentiment_done = 1;
    }
    *out = d->whole_sentiment;
}

static event_type whole_event(docsignal_doc *d)
{
    if (!d->whole_event_done) {
        d->whole_event = event_classify(d->text, d->len);
        d->whole_event_done = 1;
    }
    return d->whole_event;
}

void docsignal_for(docsignal_doc *d, const sentiment_model *m,
                   const char *ticker, docsignal *out)
{
    size_t mine = 0;
    buf joined;

    memset(out, 0, sizeof(*out));
    for (size_t k = 0, last = SIZE_MAX; k < d->nspans; k++) {
        const mention_span *sp = &d->spans[k];

        if (strcmp(sp->ticker, ticker) != 0)
            continue;
        if (last != SIZE_MAX && d->span_unit[last] == d->span_unit[k] &&
            !same_words(d, &d->spans[last], sp) &&
            one_naming(d->text, d->spans[last].off + d->spans[last].len,
                       sp->off)) {
            last = SIZE_MAX; /* a naming is a name and one symbol */
            continue;
        }
        last = k;
        if (d->spans[k].off < d->title_len)
            out->title_mentions++;
        else
            out->body_mentions++;
    }
    if (d->overflow && out->title_mentions + out->body_mentions == 0 &&
        named_at_all(d, ticker))
        out->body_mentions = 1;
    out->relevance = relevance(out);
    for (size_t u = 0; u < d->nunits; u++)
        mine += out->title_mentions + out->body_mentions > 0 &&
                unit_is_about(d, u, ticker);

    if (d->overflow || mine == 0 || mine == d->nunits) {
        out->whole_text = 1;
        whole_sentiment(d, m, &out->sentiment);
        out->event = whole_event(d);
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
        out->event = whole_event(d);
    buf_release(&joined);
}
