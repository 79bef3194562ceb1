#include "domain/text.h"

#include <stdint.h>
#include <string.h>

#include "lib/buf.h"

size_t text_utf8_len(const char *s, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[i];
    size_t n;
    uint32_t cp, min;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong or F5..FF */
    }
    if (len - i <= n)
        return 0;
    for (size_t k = 1; k <= n; k++) {
        if ((p[i + k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n + 1;
}

int text_valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if (!(n = text_utf8_len(s, len, i)))
            return 0;
    return 1;
}

/* Length of the white space at s[i], or 0: ASCII space and every ASCII
 * control character (so no NUL reaches the output, which PostgreSQL
 * text would refuse), and U+00A0 (the no-break space, which the Reuters
 * summaries contain). */
static size_t ws_len(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c <= ' ' || c == 0x7F)
        return 1;
    if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0)
        return 2;
    return 0;
}

size_t text_invisible_len(const char *s, size_t len, size_t i)
{
    const unsigned char *p = (const unsigned char *)s;

    if (p[i] == 0xC2)
        return i + 1 < len && p[i + 1] == 0xAD ? 2 : 0;
    if (p[i] == 0xCD) /* U+034F */
        return i + 1 < len && p[i + 1] == 0x8F ? 2 : 0;
    if (p[i] == 0xD8) /* U+061C */
        return i + 1 < len && p[i + 1] == 0x9C ? 2 : 0;
    if (i + 2 >= len)
        return 0;
    if (p[i] == 0xF3) /* U+E0000-E007F, the tags */
        return i + 3 < len && p[i + 1] == 0xA0 &&
                       (p[i + 2] == 0x80 || p[i + 2] == 0x81) &&
                       (p[i + 3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    if (p[i] == 0xE1) /* U+17B4, U+17B5, U+180E */
        return (p[i + 1] == 0x9E && (p[i + 2] == 0xB4 || p[i + 2] == 0xB5)) ||
                       (p[i + 1] == 0xA0 && p[i + 2] == 0x8E)
                   ? 3
                   : 0;
    if (p[i] == 0xEF) /* U+FEFF; U+FE00-FE0F, the variation selectors */
        return (p[i + 1] == 0xBB && p[i + 2] == 0xBF) ||
                       (p[i + 1] == 0xB8 && p[i + 2] >= 0x80 &&
                        p[i + 2] <= 0x8F)
                   ? 3
                   : 0;
    if (p[i] == 0xE2) /* U+200C-200F, U+202A-202E, U+2060, U+2066-2069 */
        return (p[i + 1] == 0x80 && ((p[i + 2] >= 0x8C && p[i + 2] <= 0x8F) ||
                                     (p[i + 2] >= 0xAA && p[i + 2] <= 0xAE))) ||
                       (p[i + 1] == 0x81 &&
                        (p[i + 2] == 0xA0 ||
                         (p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)))
                   ? 3
                   : 0;
    return 0;
}

/* 1 when s[k..n) is the start of a UTF-8 character that the end cut
 * short: a lead byte and fewer continuation bytes than it needs. */
static int cut_short(const char *s, size_t n, size_t k)
{
    unsigned char c = (unsigned char)s[k];
    size_t need = c >= 0xF5   ? 0
                  : c >= 0xF0 ? 4
                  : c >= 0xE0 ? 3
                  : c >= 0xC2 ? 2
                              : 0;

    if (need == 0 || n - k >= need)
        return 0;
    for (size_t i = k + 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 0;
    return 1;
}

void text_mask_controls(char *s)
{
    size_t n = strlen(s);

    for (size_t k = 0; k < n;) {
        unsigned char c = (unsigned char)s[k];
        size_t len;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                s[k] = '?';
            k++;
            continue;
        }
        len = text_utf8_len(s, n, k);
        if (len == 0 && cut_short(s, n, k)) {
            s[k] = '\0';
            return;
        }
        if (len == 0) { /* not UTF-8: a terminal may act on it (0x9b) */
            s[k++] = '?';
            continue;
        }
        if (c == 0xC2 && (unsigned char)s[k + 1] < 0xA0) /* C1: U+0080-9F */
            s[k] = s[k + 1] = '?';
        k += len;
    }
}

void text_mask_prefix(char *out, size_t cap, const char *s, size_t len)
{
    size_t n;

    if (cap == 0)
        return;
    n = len < cap - 1 ? len : cap - 1;

    memcpy(out, s, n);
    out[n] = '\0';
    text_mask_controls(out);
}

size_t text_drop_invisible(char *s, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; i < len;) {
        size_t n = text_invisible_len(s, len, i);

        if (n == 0)
            s[o++] = s[i++];
        else
            i += n;
    }
    if (o < len)
        s[o] = '\0';
    return o;
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len) {
        size_t n = ws_len(s, len, i);

        if (n == 0)
            break;
        i += n;
    }
    return i;
}

/* Appends s[0..len) to b with runs of white space collapsed to one
 * space and none at either end. Returns how many bytes it added. */
static size_t add_collapsed(buf *b, const char *s, size_t len)
{
    size_t start = b->len;
    size_t i = 0;
    int pending = 0;

    while (i < len) {
        size_t n = ws_len(s, len, i);
        size_t j = i;

        if (n > 0) {
            pending = b->len > start;
            i = skip_ws(s, len, i);
            continue;
        }
        if ((n = text_invisible_len(s, len, i)) > 0) {
            i += n;
            continue;
        }
        while (j < len && ws_len(s, len, j) == 0 &&
               text_invisible_len(s, len, j) == 0)
            j++;
        if (pending)
            buf_addc(b, ' ');
        buf_add(b, s + i, j - i);
        pending = 0;
        i = j;
    }
    return b->len - start;
}

char *text_collapse_ws(const char *s, size_t len, size_t *out_len)
{
    buf b;

    buf_init(&b);
    add_collapsed(&b, s, len);
    return buf_detach(&b, out_len);
}

/*
 * Wire prefixes: editorial labels that say how a story was filed, not
 * what it is about; the list is documented in text.h. A numbered tag
 * may carry a number ("UPDATE 2", "UPDATE2"). Topic slugs ("US
 * STOCKS-", "GLOBAL MARKETS-", "PRESS DIGEST -", "IFR-", "MOVES-") are
 * not here: they are part of the subject.
 */
typedef struct wire_tag {
    const char *word;
    int numbered;
} wire_tag;

static const wire_tag wire_tags[] = {
    {"ANALYSIS", 0},
    {"BRIEF", 0},
    {"CHRONOLOGY", 0},
    {"COLUMN", 0},
    {"CORRECTED", 0},
    {"CORRECTION", 0},
    {"DEALTALK", 0},
    {"EXCLUSIVE", 0},
    {"EXCLUSVE", 0},
    {"FACTBOX", 0},
    {"FEATURE", 0},
    {"INSIGHT", 0},
    {"INSTANT VIEW", 0},
    {"INTERVIEW", 0},
    {"NEWSMAKER", 0},
    {"PREVIEW", 0},
    {"Q&A", 0},
    {"QUOTEBOX", 0},
    {"REFILE", 0},
    {"REPEAT", 0},
    {"RPT", 0},
    {"SCENARIOS", 0},
    {"SPECIAL REPORT", 0},
    {"TABLE", 0},
    {"TEXT", 0},
    {"TIMELINE", 0},
    {"UPDATE", 1},
    {"URGENT", 0},
    {"WRAPUP", 1},
};

static int ascii_upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Bytes taken by the wire prefix at the start of s, or 0 when there is
 * none. The tag must be followed by '-' (then it must be written in
 * upper case, as the wire does) or ':' (any case: "Analysis: "); white
 * space and further dashes after the separator are taken as well. */
static size_t wire_prefix_len(const char *s, size_t len)
{
    for (size_t t = 0; t < sizeof(wire_tags) / sizeof(wire_tags[0]); t++) {
        const char *w = wire_tags[t].word;
        size_t n = strlen(w);
        int upper = 1;
        size_t i;

        if (n > len)
            continue;
        for (i = 0; i < n; i++) {
            if (ascii_upper((unsigned char)s[i]) != w[i])
                break;
            if (s[i] != w[i])
                upper = 0;
        }
        if (i < n)
            continue;

        if (wire_tags[t].numbered) {
            size_t j = i;

            while (j < len && s[j] == ' ')
                j++;
            if (j < len && s[j] >= '0' && s[j] <= '9') {
                while (j < len && s[j] >= '0' && s[j] <= '9')
                    j++;
                i = j;
            }
        }

        i = skip_ws(s, len, i);
        if (i >= len || (s[i] != ':' && s[i] != '-'))
            continue;
        if (s[i] == '-' && !upper)
            continue;
        i++;
        for (;;) {
            i = skip_ws(s, len, i);
            if (i < len && s[i] == '-')
                i++;
            else
                break;
        }
        return i;
    }
    return 0;
}

char *text_clean_article(const char *title, size_t tlen, const char *summary,
                         size_t slen, size_t *out_len)
{
    size_t ti = skip_ws(title, tlen, 0);
    size_t si = 0;
    size_t mark;
    buf b;

    if (!title)
        title = "";
    if (!summary)
        summary = "";
    for (;;) {
        size_t n = wire_prefix_len(title + ti, tlen - ti);

        if (n == 0)
            break;
        ti += n;
    }

    for (;;) {
        si = skip_ws(summary, slen, si);
        if (si < slen && summary[si] == '*')
            si++;
        else
            break;
    }

    buf_init(&b);
    add_collapsed(&b, title + ti, tlen - ti);
    mark = b.len;
    if (mark > 0)
        buf_adds(&b, " | ");
    if (add_collapsed(&b, summary + si, slen - si) == 0) {
        b.len = mark;
        b.data[mark] = '\0';
    }
    return buf_detach(&b, out_len);
}
