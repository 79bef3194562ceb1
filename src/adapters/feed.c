#include "adapters/feed.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/html.h"
#include "adapters/tstamp.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

static int is(const xmlNode *n, const char *local)
{
    return n->type == XML_ELEMENT_NODE && n->name &&
           strcmp((const char *)n->name, local) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *local)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is(c, local))
            return c;
    return NULL;
}

/* The element's text content, raw (entities decoded once by XML). */
static char *content(const xmlNode *n)
{
    xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
    char *s = xstrdup(c ? (const char *)c : "");

    xmlFree(c);
    return s;
}

/* The plain text of an element that may hold HTML. */
static char *plain(const xmlNode *n)
{
    char *raw = content(n), err[128];
    buf b;

    buf_init(&b);
    if (html_fragment_text(raw, strlen(raw), 0, &b, err, sizeof(err)) < 0)
        buf_reset(&b);
    free(raw);
    return buf_detach(&b, NULL);
}

static char *trimmed(const xmlNode *n)
{
    char *s = content(n);
    size_t a = 0, z = strlen(s);
    char *t;

    while (a < z &&
           (s[a] == ' ' || s[a] == '\n' || s[a] == '\r' || s[a] == '\t'))
        a++;
    while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\n' || s[z - 1] == '\r' ||
                     s[z - 1] == '\t'))
        z--;
    t = xstrndup(s + a, z - a);
    free(s);
    return t;
}

static char *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = xstrdup(v ? (const char *)v : "");

    xmlFree(v);
    return s;
}

static char *atom_link(const xmlNode *item)
{
    const xmlNode *first = NULL;

    for (const xmlNode *c = item->children; c; c = c->next) {
        xmlChar *rel;
        int alt;

        if (!is(c, "link"))
            continue;
        if (!xmlHasProp(c, (const xmlChar *)"href"))
            return trimmed(c); /* RSS <link>text</link> */
        rel = xmlGetProp(c, (const xmlChar *)"rel");
        alt = !rel || strcmp((const char *)rel, "alternate") == 0;
        xmlFree(rel);
        if (alt)
            return attr(c, "href");
        if (!first)
            first = c;
    }
    return first ? attr(first, "href") : xstrdup("");
}

static const xmlNode *first_of(const xmlNode *item, const char *const *names)
{
    for (; *names; names++) {
        const xmlNode *c = child(item, *names);

        if (c)
            return c;
    }
    return NULL;
}

static void read_item(const xmlNode *item, feed_item *it)
{
    static const char *const ids[] = {"id", "guid", NULL};
    static const char *const summaries[] = {"summary", "description", "content",
                                            "encoded", NULL};
    static const char *const times[] = {"published", "pubDate", "date",
                                        "updated",   "issued",  NULL};
    const xmlNode *n;

    it->title = plain(child(item, "title"));
    it->link = atom_link(item);
    it->id = trimmed(first_of(item, ids));
    it->summary = plain(first_of(item, summaries));
    n = child(item, "category");
    if (n && xmlHasProp(n, (const xmlChar *)"term"))
        it->category = attr(n, "term");
    else
        it->category = trimmed(n);
    it->time_text = trimmed(first_of(item, times));
    if (!it->time_text[0] || tstamp_parse(it->time_text, &it->published) < 0)
        it->published = -1;
}

typedef struct collector {
    feed *f;
    size_t cap;
} collector;

static void collect(const xmlNode *n, collector *c, int depth)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is(n, "item") || is(n, "entry")) {
            if (c->f->nitems == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 32;
                c->f->items =
                    xreallocarray(c->f->items, c->cap, sizeof(feed_item));
            }
            read_item(n, &c->f->items[c->f->nitems++]);
            continue;
        }
        if (depth < 8)
            collect(n->children, c, depth + 1);
    }
}

int feed_parse(const char *data, size_t len, const char *encoding, size_t max,
               feed *f, char *err, size_t errlen)
{
    const xmlNode *root, *chan;
    collector c = {f, 0};
    xmlDocPtr doc;

    memset(f, 0, sizeof(*f));
    if (!max)
        max = FEED_MAX_BYTES;
    if (len > max || len > (size_t)0x7fffffff) {
        snprintf(err, errlen, "feed of %zu bytes is over the %zu-byte limit",
                 len, max);
        return -1;
    }
    html_init();
    doc = xmlReadMemory(data, (int)len, NULL, encoding,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (!doc) {
        const xmlError *e = xmlGetLastError();

        snprintf(err, errlen, "feed is not well-formed XML: %.120s",
                 e && e->message ? e->message : "unknown error");
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (root && is(root, "feed")) {
        f->format = xstrdup("atom");
        chan = root;
    } else if (root && is(root, "rss")) {
        f->format = xstrdup("rss");
        chan = child(root, "channel");
    } else if (root && is(root, "RDF")) {
        f->format = xstrdup("rdf");
        chan = child(root, "channel");
    } else {
        snprintf(err, errlen, "not an RSS or Atom feed (root element <%.40s>)",
                 root && root->name ? (const char *)root->name : "none");
        xmlFreeDoc(doc);
        return -1;
    }
    f->title = plain(chan ? child(chan, "title") : NULL);
    collect(root->children, &c, 0);
    xmlFreeDoc(doc);
    return 0;
}

void feed_release(feed *f)
{
    for (size_t i = 0; i < f->nitems; i++) {
        feed_item *it = &f->items[i];

        free(it->title);
        free(it->link);
        free(it->id);
        free(it->summary);
        free(it->category);
        free(it->time_text);
    }
    free(f->items);
    free(f->format);
    free(f->title);
    memset(f, 0, sizeof(*f));
}
