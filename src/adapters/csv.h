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

/* Splits line[0..len) (without its newline) into fields, unquoting into
 * scratch (at least len bytes). Returns the number of fields, or -1
 * when the line has more than CSV_MAX_FIELDS fields or an unterminated
 * quote. */
int csv_split(const char *line, size_t len, char *scratch, csv_line *out);

#endif
