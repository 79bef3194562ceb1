#include "adapters/csv.h"

int csv_split(const char *line, size_t len, char *scratch, csv_line *out)
{
    size_t i = 0, w = 0;

    out->n = 0;
    for (;;) {
        size_t start = w;

        if (out->n == CSV_MAX_FIELDS)
            return CSV_TOO_MANY;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    return CSV_OPEN_QUOTE;
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        scratch[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                scratch[w++] = line[i++];
            }
            if (i < len && line[i] != ',')
                return CSV_AFTER_QUOTE;
        } else {
            while (i < len && line[i] != ',')
                scratch[w++] = line[i++];
        }
        out->field[out->n] = scratch + start;
        out->len[out->n] = w - start;
        out->n++;
        if (i >= len)
            return out->n;
        i++; /* the comma */
    }
}

_Static_assert(CSV_MAX_FIELDS == 16, "csv_error_text's message names 16");

const char *csv_error_text(int code)
{
    switch (code) {
    case CSV_TOO_MANY:
        return "more than 16 fields";
    case CSV_OPEN_QUOTE:
        return "a quoted field is not closed: a '\"' opens it and none "
               "ends it on its line (write a quote inside a field as '\"\"')";
    case CSV_AFTER_QUOTE:
        return "text follows a quoted field's closing '\"' before the next "
               "comma (write a quote inside a field as '\"\"')";
    default:
        return NULL;
    }
}
