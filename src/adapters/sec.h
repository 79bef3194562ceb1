/*
 * sec: SEC EDGAR filings (8-K and the like) read into their form type,
 * company, dates, item numbers and plain text. Three shapes arrive:
 *  - a full-submission text file (".txt"): an <SEC-HEADER> block of
 *    "KEY: value" lines, then <DOCUMENT>s each holding <TYPE> and a
 *    <TEXT> body (HTML, or plain text in old filings). The main
 *    document is the first whose type is the submission's;
 *  - one <DOCUMENT> envelope alone (an exhibit cut out of a submission);
 *  - the primary HTML document itself, usually inline XBRL, where the
 *    form type, company and report date come from the dei: facts
 *    (DocumentType, EntityRegistrantName, DocumentPeriodEndDate) or,
 *    failing those, from the cover page text.
 * Item numbers are read from the text: "Item 5.02" (since 2004) or, in
 * older filings, "Item 9." style integers. Text comes from
 * adapters/html.h, so entities and encodings are handled there; old
 * plain text that is not UTF-8 is read as Latin-1, and a NUL byte in
 * it is a space.
 */
#ifndef STONKS_SEC_H
#define STONKS_SEC_H

#include <stddef.h>

/* The largest filing accepted (32 MiB). */
#define SEC_MAX_BYTES (32u << 20)
#define SEC_MAX_ITEMS 16

typedef struct sec_filing {
    char form_type[32]; /* "8-K", "EX-99.1", ... ; "" when unknown */
    char accession[32]; /* "0001213900-25-032135" or "" */
    char company[160]; /* registrant name or "" */
    char filed[11]; /* filing date YYYY-MM-DD or "" */
    char period[11]; /* date of report YYYY-MM-DD or "" */
    char items[SEC_MAX_ITEMS][8]; /* "2.02", ... in order of appearance */
    size_t nitems;
    char *text; /* plain text of the main document (UTF-8) */
    size_t text_len;
} sec_filing;

/* Parses data[0..len). Returns 0, or -1 with a message in err (over
 * max bytes, 0 meaning SEC_MAX_BYTES; a submission without a document;
 * unparsable HTML). On success release f with sec_filing_release. */
int sec_filing_parse(const char *data, size_t len, size_t max, sec_filing *f,
                     char *err, size_t errlen);
void sec_filing_release(sec_filing *f);

/* The full-submission URL of a filing from its index page URL
 * (".../0001213900-25-032135-index.htm" -> ".../0001213900-25-032135
 * .txt"). Returns a new string, or NULL when url is not an index URL. */
char *sec_submission_url(const char *index_url);

#endif
