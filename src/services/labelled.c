/*
 * Reading labelled sentence files and scoring predictions (labelled.h).
 */
#include "services/labelled.h"

#include "domain/sentiment.h"
#include "domain/text.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void labelled_set_release(labelled_set *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].text);
        free(c->items[i].flip);
    }
    free(c->items);
    memset(c, 0, sizeof(*c));
}

/* The near-copy key: FNV-1a over the lower-cased ASCII letters and
 * digits, everything else skipped. Non-ASCII bytes are skipped too: the
 * PhraseBank files spell the same accented names with different broken
 * encodings, and a held-out sentence must also catch those copies. */
uint64_t labelled_key(const char *s, size_t len)
{
    const uint64_t empty = 0xcbf29ce484222325ull;
    uint64_t h = empty;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c | 0x20);
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            continue;
        h = (h ^ c) * 0x100000001b3ull;
    }
    /* a sentence without an ASCII letter or digit (Greek, Chinese,
     * punctuation) is keyed by all its bytes, not merged with the rest */
    if (h == empty) {
        for (size_t i = 0; i < len; i++)
            h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    }
    return h;
}

static int parse_label(const char *s)
{
    if (strcmp(s, "negative") == 0)
        return SENT_NEGATIVE;
    if (strcmp(s, "neutral") == 0)
        return SENT_NEUTRAL;
    if (strcmp(s, "positive") == 0)
        return SENT_POSITIVE;
    return -1;
}

/* Reads one line of f into line (room for LABELLED_MAX_LINE bytes and a NUL),
 * without its "\n" or "\r\n". Returns its length, -1 at the end of the
 * file, -2 for a line over LABELLED_MAX_LINE bytes (the rest of it is not read:
 * the caller stops). */
static long read_line(FILE *f, char *line)
{
    long n = 0;
    int ch;

    while ((ch = getc(f)) != EOF && ch != '\n') {
        if (n == LABELLED_MAX_LINE + 1)
            return -2; /* one byte over, which may be the '\r' of CRLF */
        line[n++] = (char)ch;
    }
    if (ch == EOF && n == 0)
        return -1;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (n > LABELLED_MAX_LINE)
        return -2;
    line[n] = '\0';
    return n;
}

/* Appends every `sentence@label` line of path to c. Blank lines are
 * skipped; anything else malformed is an error naming the line. */
int labelled_read(const char *path, labelled_set *c, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *line = xmalloc(LABELLED_MAX_LINE + 2);
    long got;
    long lineno = 0;
    int rc = -1;

    if (!f) {
        file_open_error(path, errno, err, errlen);
        free(line);
        return -1;
    }
    while ((got = read_line(f, line)) != -1) {
        size_t len = (size_t)got;
        char *at;
        int label;

        lineno++;
        if (ftell(f) > LABELLED_MAX_FILE) {
            snprintf(err, errlen, "%s: more than %d MB of sentences", path,
                     LABELLED_MAX_FILE >> 20);
            goto out;
        }
        if (got == -2) {
            snprintf(err, errlen, "%s:%ld: line longer than %d bytes", path,
                     lineno, LABELLED_MAX_LINE);
            goto out;
        }
        if (memchr(line, '\r', len)) {
            snprintf(err, errlen,
                     "%s:%ld: a carriage return inside the line (lines end "
                     "with \\n or \\r\\n)",
                     path, lineno);
            goto out;
        }
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        /* a UTF-8 byte order mark is not part of the first sentence */
        if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            memmove(line, line + 3, len - 2);
            len -= 3;
        }
        if (len == 0)
            continue;
        if (!text_valid_utf8(line, len) || memchr(line, '\0', len)) {
            snprintf(err, errlen, "%s:%ld: not UTF-8 text (or a NUL byte)",
                     path, lineno);
            goto out;
        }
        /* as the parser's clean text: "pro\u00adfit" is "profit" */
        if ((len = text_drop_invisible(line, len)) == 0)
            continue;
        at = strrchr(line, '@');
        label = at ? parse_label(at + 1) : -1;
        if (label < 0) {
            snprintf(err, errlen,
                     "%s:%ld: expected 'sentence@label' with label "
                     "negative, neutral or positive",
                     path, lineno);
            goto out;
        }
        if (strspn(line, " \t") == (size_t)(at - line)) {
            snprintf(err, errlen, "%s:%ld: no sentence before the '@'", path,
                     lineno);
            goto out;
        }
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 1024;
            c->items = xreallocarray(c->items, c->cap, sizeof(labelled));
        }
        c->items[c->n++] = (labelled){
            .text = xstrndup(line, (size_t)(at - line)),
            .len = (size_t)(at - line),
            .label = label,
            .key = labelled_key(line, (size_t)(at - line)),
            .last_file = -1,
        };
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(line);
    fclose(f);
    return rc;
}

/* One misclassified sentence: "error", the true and the predicted
 * label and the text, tab-separated; control bytes of the text (a tab,
 * an escape) are written as \xHH, so they break neither the columns nor
 * the terminal. */
void labelled_print_error(int truth, int predicted, const char *text)
{
    printf("error\t%s\t%s\t", sentiment_label_name((sentiment_label)truth),
           sentiment_label_name((sentiment_label)predicted));
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        /* C1 controls (U+0080..U+009F) and the bidi overrides and
         * isolates (U+202A..U+202E, U+2066..U+2069) too */
        size_t n =
            p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f                   ? 2
            : p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae ? 3
            : p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9 ? 3
            : *p < 0x20 || *p == 0x7f || *p == '\\'                        ? 1
                                                                           : 0;

        if (n == 0)
            putchar(*p);
        for (size_t k = 0; k < n; k++)
            printf("\\x%02x", p[k]);
        p += n ? n - 1 : 0;
    }
    putchar('\n');
}

/* Accuracy and macro-F1, the mean F1 of the classes that occur as a
 * true or a predicted label (a class absent from both has no F1). */
void labelled_scores_finish(labelled_scores *s)
{
    long right = 0;
    double f1 = 0.0;
    int classes = 0;

    s->n = 0;
    for (int t = 0; t < 3; t++) {
        for (int p = 0; p < 3; p++)
            s->n += s->conf[t][p];
        right += s->conf[t][t];
    }
    for (int k = 0; k < 3; k++) {
        long tp = s->conf[k][k];
        long pred = s->conf[0][k] + s->conf[1][k] + s->conf[2][k];
        long real = s->conf[k][0] + s->conf[k][1] + s->conf[k][2];

        if (pred + real > 0) {
            f1 += 2.0 * (double)tp / (double)(pred + real);
            classes++;
        }
    }
    s->accuracy = s->n ? (double)right / (double)s->n : 0.0;
    s->macro_f1 = classes ? f1 / classes : 0.0;
}

void labelled_scores_print(const labelled_scores *s)
{
    printf("sentences %ld\n", s->n);
    printf("accuracy %.4f\n", s->accuracy);
    printf("macro-F1 %.4f\n", s->macro_f1);
    printf("confusion (rows: true label, columns: predicted)\n");
    printf("%-10s %9s %9s %9s\n", "", "negative", "neutral", "positive");
    for (int t = 0; t < 3; t++)
        printf("%-10s %9ld %9ld %9ld\n",
               sentiment_label_name((sentiment_label)t), s->conf[t][0],
               s->conf[t][1], s->conf[t][2]);
}
