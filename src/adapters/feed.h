/*
 * feed: RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds read with libxml2
 * into a flat list of items. The XML declaration's encoding is honoured
 * (SEC EDGAR serves ISO-8859-1); all output is UTF-8. Titles and
 * summaries are plain text: markup inside them (Atom type="html", RSS
 * descriptions holding escaped HTML) is removed and entities, also
 * doubly-encoded ones, are decoded (adapters/html.h). The parser reads
 * no external entity or DTD and touches no network.
 */
#ifndef STONKS_FEED_H
#define STONKS_FEED_H

#include <stddef.h>

/* The largest feed accepted (16 MiB). */
#define FEED_MAX_BYTES (16u << 20)

typedef struct feed_item {
    char *title; /* plain text, never NULL */
    char *link; /* Atom rel="alternate" (or the first) href, RSS <link> */
    char *id; /* Atom <id>, RSS <guid>; "" when none */
    char *summary; /* plain text of summary/description/content */
    char *category; /* Atom category@term or RSS <category>; "" if none */
    char *time_text; /* the date as written, "" when none */
    long long published; /* Unix seconds UTC; -1 when none or unreadable */
} feed_item;

typedef struct feed {
    char *format; /* "rss", "atom" or "rdf" */
    char *title; /* the feed's own title */
    feed_item *items;
    size_t nitems;
} feed;

/* Parses data[0..len). encoding: a charset that overrides the
 * document's declaration (an HTTP charset the caller trusts), or NULL.
 * Returns 0, or -1 with a message in err: over max bytes (0 means
 * FEED_MAX_BYTES), not well-formed XML, or neither RSS nor Atom. On
 * success release f with feed_release. */
int feed_parse(const char *data, size_t len, const char *encoding, size_t max,
               feed *f, char *err, size_t errlen);
void feed_release(feed *f);

#endif
