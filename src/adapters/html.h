/*
 * html: plain text out of the HTML that providers deliver (news
 * summaries, RSS descriptions, SEC filings), with libxml2's HTML
 * parser, which reads broken markup the way browsers do.
 *
 * The text keeps paragraph structure: block elements (p, div, br, li,
 * tr, headings, ...) end a line, table cells are separated by a space,
 * runs of white space (U+00A0 and the typesetting spaces U+2000..200A,
 * U+202F, U+205F, U+3000 included) become one space, empty lines are
 * dropped, and
 * lines are trimmed. What a reader never sees is skipped: head, script,
 * style, template, noscript, the inline-XBRL header (ix:header) and any
 * element styled display:none. The input's encoding is the one the
 * caller names (an HTTP charset), else the document's own declaration
 * (meta charset, XML declaration), else UTF-8 with Latin-1 fallback as
 * libxml2 does; the output is always UTF-8.
 *
 * Doubly-encoded entities ("&amp;amp;", "&amp;#39;", common in feeds
 * that escape already-escaped HTML) are decoded until none is left (at
 * most three rounds), so the text never shows "&amp;".
 */
#ifndef STONKS_HTML_H
#define STONKS_HTML_H

#include <stddef.h>

#include "lib/buf.h"

/* The largest HTML input accepted (32 MiB). */
#define HTML_MAX_BYTES (32u << 20)

/* Initialises libxml2 once per process (safe to call many times). */
void html_init(void);

/* Appends the text of html[0..len) to out. encoding: a charset name or
 * NULL. Returns 0, or -1 with a message in err when the input is over
 * max bytes (max 0 means HTML_MAX_BYTES) or cannot be parsed. */
int html_to_text(const char *html, size_t len, const char *encoding, size_t max,
                 buf *out, char *err, size_t errlen);

/* Decodes the character references of s[0..len) into out: numeric
 * (&#39; &#x2019;) and the named ones news uses (amp lt gt quot apos
 * nbsp ndash mdash lsquo rsquo ldquo rdquo hellip bull middot copy reg
 * trade euro pound yen cent sect deg laquo raquo times), repeatedly
 * while a round still changed something (at most three rounds). Other
 * text, unknown names and invalid code points are copied unchanged. */
void html_decode_entities(const char *s, size_t len, buf *out);

/* The text of a field that may hold HTML or plain text (a feed's
 * description, an API's summary): markup is removed when there is any,
 * entities are decoded, white space collapsed to single spaces and
 * trimmed (one line). Appends to out. Same errors as html_to_text. */
int html_fragment_text(const char *s, size_t len, size_t max, buf *out,
                       char *err, size_t errlen);

#endif
