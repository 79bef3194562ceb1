/*
 * event: the type of event an article reports, from rules over its
 * words. One type per text; "other" when no rule fires.
 */
#ifndef STONKS_EVENT_H
#define STONKS_EVENT_H

#include <stddef.h>

typedef enum event_type {
    EVENT_OTHER = 0,
    EVENT_EARNINGS,
    EVENT_GUIDANCE,
    EVENT_ANALYST_RATING,
    EVENT_MERGER_ACQUISITION,
    EVENT_LEGAL_REGULATORY,
    EVENT_PRODUCT,
    EVENT_MANAGEMENT_CHANGE,
    EVENT_DIVIDEND_BUYBACK,
    EVENT_MACRO,
    EVENT_TYPE_COUNT
} event_type;

event_type event_classify(const char *text, size_t len);

/* "earnings", "guidance", "analyst_rating", "merger_acquisition",
 * "legal_regulatory", "product", "management_change",
 * "dividend_buyback", "macro", "other". */
const char *event_type_name(event_type t);

/* The event type named name (one of the names above), or -1. */
int event_type_parse(const char *name);

#endif
