/*
 * classify: speed of the embedded sentiment model on the replay
 * headlines. Loads the weights ($STONKS_MODEL_PATH or
 * data/model/sentiment.weights), reads a headline CSV with `title` and
 * `summary` columns (the path argument, else data/replay/news.csv when
 * it exists, else data/replay/reuters_headlines_2011H2_40tickers.csv),
 * classifies title + " " + summary of every row, over and over on one
 * thread, and prints
 *   sentences_per_second N
 *   label_counts neg N neu N pos N
 * (the counts are of one pass over the rows). The time is taken in
 * ROUNDS rounds of at least ROUND_SECONDS each (over a second in all);
 * the rate printed is the median round, so that a burst of other work on
 * a shared machine does not decide the figure. The best and the mean
 * round are printed too.
 */
#include "domain/sentiment.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_WEIGHTS "data/model/sentiment.weights"
#define NEWS_CSV "data/replay/news.csv"
#define REUTERS_CSV "data/replay/reuters_headlines_2011H2_40tickers.csv"
#define MAX_FILE (256u << 20)
#define MAX_FIELDS 32
#define ROUNDS 11
#define ROUND_SECONDS 0.1

typedef struct field {
    size_t off; /* into the unquoted copy */
    size_t len;
} field;

/* Reads one CSV record from s[*pos..len) into fields, unquoting into
 * out; returns the field count, 0 at the end of the input. */
static int csv_record(const char *s, size_t len, size_t *pos, buf *out,
                      field *fields)
{
    size_t i = *pos;
    int n = 0;

    if (i >= len)
        return 0;
    buf_reset(out);
    for (;;) {
        size_t start = out->len;

        if (i < len && s[i] == '"') {
            for (i++; i < len; i++) {
                if (s[i] == '"' && i + 1 < len && s[i + 1] == '"')
                    buf_addc(out, s[i++]);
                else if (s[i] == '"')
                    break;
                else
                    buf_addc(out, s[i]);
            }
            i++;
        }
        while (i < len && s[i] != ',' && s[i] != '\n')
            buf_addc(out, s[i++]);
        if (n < MAX_FIELDS)
            fields[n++] = (field){start, out->len - start};
        buf_addc(out, '\0');
        if (i >= len || s[i] == '\n')
            break;
        i++;
    }
    *pos = i + 1;
    return n;
}

static int column(const buf *row, const field *f, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        const char *v = row->data + f[i].off;
        size_t len = f[i].len;

        while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == ' '))
            len--;
        if (len == strlen(name) && memcmp(v, name, len) == 0)
            return i;
    }
    return -1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;

    *len = 0;
    if (!f) {
        fprintf(stderr, "classify: cannot open %s: %s\n", path,
                strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t got;

        if (*len == cap) {
            if (cap >= MAX_FILE) {
                fprintf(stderr, "classify: %s is larger than %u bytes\n", path,
                        MAX_FILE);
                free(data);
                fclose(f);
                return NULL;
            }
            cap = cap ? 2 * cap : 1 << 20;
            data = xrealloc(data, cap);
        }
        got = fread(data + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return data;
}

/* Texts of all rows, NUL-separated in one buffer; offsets in starts. */
typedef struct texts {
    buf all;
    size_t *starts;
    size_t *lens;
    size_t n;
} texts;

static int load_texts(const char *path, texts *t)
{
    size_t len;
    size_t pos = 0;
    size_t cap = 0;
    char *data = read_file(path, &len);
    field f[MAX_FIELDS];
    buf row;
    int title;
    int summary;
    int n;
    int rc = -1;

    if (!data)
        return -1;
    buf_init(&row);
    n = csv_record(data, len, &pos, &row, f);
    title = column(&row, f, n, "title");
    summary = column(&row, f, n, "summary");
    if (title < 0 || summary < 0) {
        fprintf(stderr, "classify: %s has no title and summary columns\n",
                path);
        goto out;
    }
    while ((n = csv_record(data, len, &pos, &row, f)) > 0) {
        if (n <= title || n <= summary)
            continue;
        if (t->n == cap) {
            cap = cap ? 2 * cap : 4096;
            t->starts = xreallocarray(t->starts, cap, sizeof(size_t));
            t->lens = xreallocarray(t->lens, cap, sizeof(size_t));
        }
        t->starts[t->n] = t->all.len;
        buf_add(&t->all, row.data + f[title].off, f[title].len);
        buf_addc(&t->all, ' ');
        buf_add(&t->all, row.data + f[summary].off, f[summary].len);
        t->lens[t->n] = t->all.len - t->starts[t->n];
        buf_addc(&t->all, '\0');
        t->n++;
    }
    rc = t->n > 0 ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "classify: %s has no rows\n", path);
out:
    buf_release(&row);
    free(data);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Classifies all texts for at least ROUND_SECONDS; returns the rate. */
static double round_rate(const sentiment_model *m, const texts *t)
{
    double t0 = now_seconds();
    double elapsed = 0.0;
    long done = 0;
    volatile double sink = 0.0;

    while (elapsed < ROUND_SECONDS) {
        for (size_t i = 0; i < t->n; i++) {
            sentiment_result r;

            sentiment_classify(m, t->all.data + t->starts[i], t->lens[i], &r);
            sink += r.score;
        }
        done += (long)t->n;
        elapsed = now_seconds() - t0;
    }
    (void)sink;
    return (double)done / elapsed;
}

int main(int argc, char **argv)
{
    const char *weights = getenv("STONKS_MODEL_PATH");
    const char *path = argc > 1 ? argv[1] : NULL;
    sentiment_model *m;
    texts t = {0};
    long counts[3] = {0};
    double rates[ROUNDS];
    double mean = 0.0;
    double chars = 0.0;
    char err[512];
    int rc = 1;

    if (argc > 2 || (path && strcmp(path, "--help") == 0)) {
        fprintf(stderr, "usage: classify [HEADLINES.csv]\n");
        return 2;
    }
    if (!weights || !*weights)
        weights = DEFAULT_WEIGHTS;
    if (!path)
        path = access(NEWS_CSV, R_OK) == 0 ? NEWS_CSV : REUTERS_CSV;
    m = sentiment_model_load(weights, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "classify: %s\n", err);
        return 1;
    }
    buf_init(&t.all);
    if (load_texts(path, &t) < 0)
        goto out;

    for (size_t i = 0; i < t.n; i++) {
        sentiment_result r;

        sentiment_classify(m, t.all.data + t.starts[i], t.lens[i], &r);
        counts[r.label]++;
        chars += (double)t.lens[i];
    }
    for (int k = 0; k < ROUNDS; k++) {
        rates[k] = round_rate(m, &t);
        mean += rates[k] / ROUNDS;
    }
    qsort(rates, ROUNDS, sizeof(rates[0]), cmp_double);

    printf("model %s\n", sentiment_model_version(m));
    printf("file %s\n", path);
    printf("rows %zu\n", t.n);
    printf("mean_chars %.0f\n", chars / (double)t.n);
    printf("sentences_per_second %.0f\n", rates[ROUNDS / 2]);
    printf("sentences_per_second_best %.0f\n", rates[ROUNDS - 1]);
    printf("sentences_per_second_mean %.0f\n", mean);
    printf("label_counts neg %ld neu %ld pos %ld\n", counts[SENT_NEGATIVE],
           counts[SENT_NEUTRAL], counts[SENT_POSITIVE]);
    rc = 0;
out:
    free(t.starts);
    free(t.lens);
    buf_release(&t.all);
    sentiment_model_free(m);
    return rc;
}
