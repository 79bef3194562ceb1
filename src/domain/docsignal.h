/*
 * docsignal: the embedded model's signal of one document for each ticker
 * it is about (issue 5: "a document about several tickers can carry a
 * different sentiment for each"). Owned by the extraction work of issue
 * 5; the extractor uses it, and so should anything that must give the
 * same signals (the backtest's signalset).
 *
 * The clean text is cut into units: sentences (ended by '.', '!' or '?'
 * and any closing quotes or brackets before white space, except after
 * an initial or an abbreviation such as "Mr." or "U.S.", after a
 * company's "Inc." or "Corp." unless a mention follows, or before a
 * lower-case word; after a cashtag or a class share a '.' does end
 * one), parts ended by ';' outside parentheses or by '|' (the clean
 * text joins title and summary with " | "), and clauses opened by a
 * contrast word ("while", "whereas", "but", "although", "meanwhile")
 * after white space, '(', ',' or a dash. Each unit goes to the
 * tickers it names (mention_spans); a unit that names none continues
 * the previous unit that named one, and the units before the first
 * mention go to every ticker. A ticker's sentiment and event type are
 * those of its units joined by " | "; when its units are the whole text,
 * or the text never names it (a feed tag only), the whole text is
 * classified. An event type of "other" from the units falls back to the
 * event type of the whole text.
 *
 * Relevance says where the text names the ticker:
 *   DOCSIGNAL_RELEVANCE_TITLE   named in the title;
 *   DOCSIGNAL_RELEVANCE_BODY    named in the body only, plus
 *                               DOCSIGNAL_RELEVANCE_STEP for each further
 *                               body mention, at most two steps (a name
 *                               with its symbol beside it, "Apple
 *                               (AAPL)", is one mention);
 *   DOCSIGNAL_RELEVANCE_TAG     not named at all (the feed listed the
 *                               document under the ticker).
 * Everything is deterministic and read-only on the model and the index.
 */
#ifndef STONKS_DOCSIGNAL_H
#define STONKS_DOCSIGNAL_H

#include <stddef.h>

#include "domain/event.h"
#include "domain/mention.h"
#include "domain/sentiment.h"

#define DOCSIGNAL_RELEVANCE_TITLE 1.0
#define DOCSIGNAL_RELEVANCE_BODY 0.6
#define DOCSIGNAL_RELEVANCE_STEP 0.1
#define DOCSIGNAL_RELEVANCE_TAG 0.3

/* A text with more units or mentions than these is classified whole
 * for every ticker (its units are not told apart); a ticker named only
 * after the last mention seen gets the relevance of one body mention. */
#define DOCSIGNAL_MAX_UNITS 256
#define DOCSIGNAL_MAX_SPANS 512

/* One document, cut into units, with its mentions. Filled by
 * docsignal_doc_init; it points into the caller's text, which must
 * outlive it. No heap memory: nothing to release. */
typedef struct docsignal_doc {
    const char *text;
    size_t len;
    size_t title_len; /* text[0..title_len) is the title */
    size_t nunits;
    size_t unit_off[DOCSIGNAL_MAX_UNITS];
    size_t unit_end[DOCSIGNAL_MAX_UNITS];
    /* the unit whose mentions decide who a unit belongs to, or
     * DOCSIGNAL_MAX_UNITS for "every ticker" */
    size_t unit_owner[DOCSIGNAL_MAX_UNITS];
    mention_span spans[DOCSIGNAL_MAX_SPANS + 1]; /* one more: "over" */
    size_t span_unit[DOCSIGNAL_MAX_SPANS];
    size_t nspans;
    int overflow; /* more units or mentions than the arrays hold */
    const mention_index *idx; /* the index the mentions came from */
    /* the whole text's sentiment and event type, once docsignal_for has
     * needed them (a long text is classified once, not per ticker) */
    int whole_sentiment_done, whole_event_done;
    sentiment_result whole_sentiment;
    event_type whole_event;
} docsignal_doc;

/* The signal of a document for one ticker. */
typedef struct docsignal {
    sentiment_result sentiment;
    event_type event;
    double relevance; /* [0, 1] */
    size_t title_mentions, body_mentions;
    int whole_text; /* 1: the whole text was classified */
} docsignal;

/* The length of the title at the start of clean, the clean text of an
 * article (text_clean_article of title and summary): the length of the
 * cleaned title when clean starts with it, else 0. */
size_t docsignal_title_len(const char *title, size_t tlen, const char *clean,
                           size_t clen);

/* Cuts text[0..len) (title_len bytes of title first) into units and
 * finds its mentions with idx (NULL: none). */
void docsignal_doc_init(docsignal_doc *d, const mention_index *idx,
                        const char *text, size_t len, size_t title_len);

/* The signal of d for ticker (canonical form). Never fails. d keeps the
 * whole text's result for the next ticker, so give it one model. */
void docsignal_for(docsignal_doc *d, const sentiment_model *m,
                   const char *ticker, docsignal *out);

#endif
