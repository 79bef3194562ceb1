/*
 * csv: a reader of comma-separated lines (RFC 4180 quoting: a field in
 * double quotes may hold commas and "" for a quote). Fields point into
 * a caller-owned scratch buffer; nothing is allocated per line.
 */
#ifndef STONKS_CSV_H
#define STONKS_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 16

typedef struct csv_line {
    const char *field[CSV_MAX_FIELDS];
    size_t len[CSV_MAX_FIELDS];
    int n;
} csv_line;

/* Why csv_split refuses a line. */
#define CSV_TOO_MANY (-1) /* more than CSV_MAX_FIELDS fields */
#define CSV_OPEN_QUOTE (-2) /* a quoted field not closed on the line */
#define CSV_AFTER_QUOTE (-3) /* text after a closing quote, before ',' */

/* Splits line[0..len) (without its newline) into fields, unquoting into
 * scratch (at least len bytes). Returns the number of fields, or one of
 * the negative CSV_ codes above. */
int csv_split(const char *line, size_t len, char *scratch, csv_line *out);

/* What a negative code of csv_split means, in words ("a quoted field is
 * not closed: ..."); NULL for a count of fields. */
const char *csv_error_text(int code);

#endif
