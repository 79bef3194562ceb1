#include "adapters/html.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t html_once = PTHREAD_ONCE_INIT;

static void html_global_init(void)
{
    xmlInitParser();
}

void html_init(void)
{
    pthread_once(&html_once, html_global_init);
}

static const struct {
    const char *name;
    unsigned int cp;
} named_entities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"hellip", 0x2026}, {"bull", 0x2022},  {"middot", 0xB7},  {"copy", 0xA9},
    {"reg", 0xAE},      {"trade", 0x2122}, {"euro", 0x20AC},  {"pound", 0xA3},
    {"yen", 0xA5},      {"cent", 0xA2},    {"sect", 0xA7},    {"deg", 0xB0},
    {"laquo", 0xAB},    {"raquo", 0xBB},   {"times", 0xD7},
};

static void add_utf8(buf *b, unsigned int cp)
{
    if (cp < 0x80) {
        buf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        buf_addc(b, (char)(0xC0 | (cp >> 6)));
        buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_addc(b, (char)(0xE0 | (cp >> 12)));
        buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_addc(b, (char)(0xF0 | (cp >> 18)));
        buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* The code point of the reference at s[0] == '&' and its length, or 0
 * when it is not a reference this module decodes. */
static size_t entity_at(const char *s, size_t len, unsigned int *cp)
{
    size_t i = 1;

    if (len < 3)
        return 0;
    if (s[1] == '#') {
        unsigned long v = 0;
        int hex = i + 1 < len && (s[2] == 'x' || s[2] == 'X');
        size_t start;

        i = hex ? 3 : 2;
        start = i;
        while (i < len && i - start < 8 &&
               (hex ? isxdigit((unsigned char)s[i])
                    : isdigit((unsigned char)s[i]))) {
            int c = (unsigned char)s[i];

            v = v * (hex ? 16 : 10) +
                (unsigned long)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
            i++;
        }
        if (i == start || i >= len || s[i] != ';' || v == 0 || v > 0x10FFFF ||
            (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = (unsigned int)v;
        return i + 1;
    }
    while (i < len && i < 10 && isalnum((unsigned char)s[i]))
        i++;
    if (i >= len || s[i] != ';')
        return 0;
    for (size_t k = 0; k < sizeof(named_entities) / sizeof(*named_entities);
         k++) {
        if (strlen(named_entities[k].name) == i - 1 &&
            strncmp(named_entities[k].name, s + 1, i - 1) == 0) {
            *cp = named_entities[k].cp;
            return i + 1;
        }
    }
    return 0;
}

/* One round; returns how many references were decoded. */
static size_t decode_round(const char *s, size_t len, buf *out)
{
    size_t n = 0;

    for (size_t i = 0; i < len;) {
        unsigned int cp;
        size_t k = s[i] == '&' ? entity_at(s + i, len - i, &cp) : 0;

        if (k) {
            add_utf8(out, cp);
            i += k;
            n++;
        } else {
            buf_addc(out, s[i++]);
        }
    }
    return n;
}

void html_decode_entities(const char *s, size_t len, buf *out)
{
    buf a, b;

    buf_init(&a);
    buf_init(&b);
    buf_add(&a, s, len);
    for (int round = 0; round < 3; round++) {
        buf_reset(&b);
        if (decode_round(a.data, a.len, &b) == 0)
            break;
        buf_reset(&a);
        buf_add(&a, b.data, b.len);
    }
    buf_add(out, a.data, a.len);
    buf_release(&a);
    buf_release(&b);
}

static int name_is(const xmlNode *n, const char *name)
{
    return n->name && strcasecmp((const char *)n->name, name) == 0;
}

static int skipped(const xmlNode *n)
{
    static const char *const names[] = {"head",     "script",   "style",
                                        "template", "noscript", "ix:header"};
    xmlChar *style;
    int hidden = 0;

    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (name_is(n, names[i]))
            return 1;
    style = xmlGetProp(n, (const xmlChar *)"style");
    if (style) {
        char *compact = (char *)style;
        size_t w = 0;

        for (size_t r = 0; compact[r]; r++)
            if (!isspace((unsigned char)compact[r]))
                compact[w++] = (char)tolower((unsigned char)compact[r]);
        compact[w] = '\0';
        hidden = strstr(compact, "display:none") != NULL;
        xmlFree(style);
    }
    return hidden;
}

static int is_block(const xmlNode *n)
{
    static const char *const names[] = {
        "p",          "div",  "br",      "li",      "tr",     "h1",
        "h2",         "h3",   "h4",      "h5",      "h6",     "table",
        "ul",         "ol",   "section", "article", "header", "footer",
        "blockquote", "pre",  "hr",      "dt",      "dd",     "title",
        "center",     "form", "body",    "html",    "page",   "document"};

    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (name_is(n, names[i]))
            return 1;
    return 0;
}

static void walk(const xmlNode *n, buf *raw, int depth)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            /* A line break in markup is white space; only block
             * elements end lines. */
            for (const xmlChar *c = n->content; c && *c; c++)
                buf_addc(raw, *c == '\n' ? ' ' : (char)*c);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE || skipped(n))
            continue;
        if (name_is(n, "td") || name_is(n, "th"))
            buf_addc(raw, ' ');
        if (is_block(n))
            buf_addc(raw, '\n');
        if (depth < 256)
            walk(n->children, raw, depth + 1);
        if (is_block(n))
            buf_addc(raw, '\n');
    }
}

/* ASCII white space, U+00A0 and the Unicode spaces of typesetting are
 * spaces; '\n' ends a line. */
static size_t space_at(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0)
        return 2;
    /* U+2000..U+200A (en quad .. hair space), U+202F, U+205F. */
    if (c == 0xE2 && i + 2 < len) {
        unsigned char b1 = (unsigned char)s[i + 1];
        unsigned char b2 = (unsigned char)s[i + 2];

        if ((b1 == 0x80 && (b2 <= 0x8A || b2 == 0xAF)) ||
            (b1 == 0x81 && b2 == 0x9F))
            return 3;
    }
    /* U+3000 ideographic space. */
    if (c == 0xE3 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0x80)
        return 3;
    return 0;
}

/* Collapses raw into out: one space between words, one '\n' between
 * non-empty lines (or a space when one_line), trimmed. */
static void tidy(const char *s, size_t len, int one_line, buf *out)
{
    int pending_space = 0, pending_nl = 0, any = 0;

    for (size_t i = 0; i < len;) {
        size_t k = space_at(s, len, i);

        if (k) {
            pending_space = 1;
            i += k;
            continue;
        }
        if (s[i] == '\n') {
            pending_nl = 1;
            i++;
            continue;
        }
        if (any && pending_nl)
            buf_addc(out, one_line ? ' ' : '\n');
        else if (any && pending_space)
            buf_addc(out, ' ');
        pending_space = pending_nl = 0;
        any = 1;
        buf_addc(out, s[i++]);
    }
}

static int parse_text(const char *html, size_t len, const char *encoding,
                      size_t max, int one_line, buf *out, char *err,
                      size_t errlen)
{
    htmlDocPtr doc;
    buf raw, dec;

    if (!max)
        max = HTML_MAX_BYTES;
    if (len > max) {
        snprintf(err, errlen,
                 "HTML document of %zu bytes is over the %zu-byte limit", len,
                 max);
        return -1;
    }
    if (len > (size_t)0x7fffffff) {
        snprintf(err, errlen, "HTML document too large for the parser");
        return -1;
    }
    html_init();
    if (len == 0)
        return 0;
    doc = htmlReadMemory(html, (int)len, NULL, encoding,
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                             HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (!doc) {
        snprintf(err, errlen, "cannot parse the HTML document (%zu bytes)",
                 len);
        return -1;
    }
    buf_init(&raw);
    buf_init(&dec);
    walk(xmlDocGetRootElement(doc), &raw, 0);
    xmlFreeDoc(doc);
    html_decode_entities(raw.data, raw.len, &dec);
    tidy(dec.data, dec.len, one_line, out);
    buf_release(&raw);
    buf_release(&dec);
    return 0;
}

int html_to_text(const char *html, size_t len, const char *encoding, size_t max,
                 buf *out, char *err, size_t errlen)
{
    return parse_text(html, len, encoding, max, 0, out, err, errlen);
}

int html_fragment_text(const char *s, size_t len, size_t max, buf *out,
                       char *err, size_t errlen)
{
    int markup = memchr(s, '<', len) != NULL;

    if (!max)
        max = HTML_MAX_BYTES;
    if (len > max) {
        snprintf(err, errlen, "text of %zu bytes is over the %zu-byte limit",
                 len, max);
        return -1;
    }
    if (markup) {
        buf wrapped;
        int rc;

        /* A fragment parsed alone would land in <body>; the wrapper makes
         * sure nothing of it is taken for <head>. */
        buf_init(&wrapped);
        buf_adds(&wrapped, "<html><body><div>");
        buf_add(&wrapped, s, len);
        buf_adds(&wrapped, "</div></body></html>");
        rc = parse_text(wrapped.data, wrapped.len, "UTF-8", max + 64, 1, out,
                        err, errlen);
        buf_release(&wrapped);
        return rc;
    }
    {
        buf dec;

        buf_init(&dec);
        html_decode_entities(s, len, &dec);
        tidy(dec.data, dec.len, 1, out);
        buf_release(&dec);
    }
    return 0;
}
