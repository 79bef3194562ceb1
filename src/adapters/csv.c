#include "adapters/csv.h"

int csv_split(const char *line, size_t len, char *scratch, csv_line *out)
{
    size_t i = 0, w = 0;

    out->n = 0;
    for (;;) {
        size_t start = w;

        if (out->n == CSV_MAX_FIELDS)
            return -1;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    return -1;
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
                return -1;
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
