#include "lib/logread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lib/fileio.h"
#include "lib/xalloc.h"

int logread_last_error(const char *path, size_t from, char *out, size_t outlen)
{
    char why[256], *text = NULL, *save = NULL;
    file_ro f = {-1, 0, NULL};
    int found = 0;

    snprintf(out, outlen, "it wrote no error line");
    if (file_open(path, (size_t)-1, &f, why, sizeof(why)) < 0 ||
        f.size <= from) {
        file_close(&f);
        return 0;
    }
    if (f.size - from > LOGREAD_TAIL)
        from = f.size - LOGREAD_TAIL;
    text = xmalloc(f.size - from + 1);
    if (file_read_at(&f, from, text, f.size - from, why, sizeof(why)) == 0) {
        text[f.size - from] = '\0';
        for (char *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            json_t *j = json_loads(line, 0, NULL);
            const char *lv = json_string_value(json_object_get(j, "level"));
            const char *msg = json_string_value(json_object_get(j, "msg"));
            const char *e = json_string_value(json_object_get(j, "error"));

            if (lv && msg && strcmp(lv, "error") == 0) {
                snprintf(out, outlen, "%s%s%s", msg, e ? ": " : "", e ? e : "");
                found = 1;
            } else if (!j && strstr(line, "[emerg] ")) {
                /* nginx's own: "2026/12/05 ... [emerg] 12#12: bind()..." */
                snprintf(out, outlen, "%s", strstr(line, "[emerg] ") + 8);
                found = 1;
            }
            json_decref(j);
        }
    }
    file_close(&f);
    free(text);
    return found;
}

size_t logread_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}
