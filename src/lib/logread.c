#include "lib/logread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lib/fileio.h"
#include "lib/xalloc.h"

typedef void (*line_fn)(const char *line, json_t *j, void *ctx);

/* Calls fn on each line, with its JSON (NULL for a line that is not
 * JSON), of the last LOGREAD_TAIL bytes path holds past byte from. */
static void each_line(const char *path, size_t from, line_fn fn, void *ctx)
{
    char why[256], *text = NULL, *save = NULL;
    file_ro f = {-1, 0, NULL};

    if (file_open(path, (size_t)-1, &f, why, sizeof(why)) < 0 ||
        f.size <= from) {
        file_close(&f);
        return;
    }
    if (f.size - from > LOGREAD_TAIL)
        from = f.size - LOGREAD_TAIL;
    text = xmalloc(f.size - from + 1);
    if (file_read_at(&f, from, text, f.size - from, why, sizeof(why)) == 0) {
        text[f.size - from] = '\0';
        for (char *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            json_t *j = json_loads(line, 0, NULL);

            fn(line, j, ctx);
            json_decref(j);
        }
    }
    file_close(&f);
    free(text);
}

typedef struct {
    char *out;
    size_t outlen;
    int found;
} error_find;

static void error_line(const char *line, json_t *j, void *ctx)
{
    error_find *x = ctx;
    const char *lv = json_string_value(json_object_get(j, "level"));
    const char *msg = json_string_value(json_object_get(j, "msg"));
    const char *e = json_string_value(json_object_get(j, "error"));

    if (lv && msg && strcmp(lv, "error") == 0) {
        snprintf(x->out, x->outlen, "%s%s%s", msg, e ? ": " : "", e ? e : "");
        x->found = 1;
    } else if (!j && strstr(line, "[emerg] ")) {
        /* nginx's own: "2026/12/05 ... [emerg] 12#12: bind()..." */
        snprintf(x->out, x->outlen, "%s", strstr(line, "[emerg] ") + 8);
        x->found = 1;
    }
}

int logread_last_error(const char *path, size_t from, char *out, size_t outlen)
{
    error_find x = {out, outlen, 0};

    snprintf(out, outlen, "it wrote no error line");
    each_line(path, from, error_line, &x);
    return x.found;
}

typedef struct {
    const char *msg, *field;
    long long value;
} int_find;

static void int_line(const char *line, json_t *j, void *ctx)
{
    int_find *x = ctx;
    const char *msg = json_string_value(json_object_get(j, "msg"));
    json_t *v = json_object_get(j, x->field);

    (void)line;
    if (msg && strcmp(msg, x->msg) == 0 && json_is_integer(v) &&
        json_integer_value(v) >= 0)
        x->value = json_integer_value(v);
}

long long logread_last_int(const char *path, size_t from, const char *msg,
                           const char *field)
{
    int_find x = {msg, field, -1};

    each_line(path, from, int_line, &x);
    return x.value;
}

size_t logread_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}
