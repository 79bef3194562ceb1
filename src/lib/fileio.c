#include "lib/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"

char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    buf b;

    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
            fclose(f);
            buf_release(&b);
            return NULL;
        }
        buf_add(&b, chunk, n);
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        buf_release(&b);
        return NULL;
    }
    fclose(f);
    return buf_detach(&b, len);
}
