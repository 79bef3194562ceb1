#include "domain/linmodel.h"

#include "domain/features.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "stonks-sentiment-weights 1"
#define LINE_MAX_LEN 256

#define WORDS (FEAT_TABLE_SIZE / 64)

/* Bits set in x; written out because the builtin becomes a library call
 * on CPUs without a popcount instruction in the baseline. */
static inline uint32_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

void linmodel_init(linmodel *m)
{
    memset(m, 0, sizeof(*m));
    m->w = xcalloc((size_t)FEAT_TABLE_SIZE * LINMODEL_CLASSES, sizeof(float));
}

void linmodel_release(linmodel *m)
{
    free(m->w);
    free(m->present);
    free(m->rank);
    free(m->rows);
    m->w = NULL;
    m->present = NULL;
    m->rank = NULL;
    m->rows = NULL;
}

static int row_is_zero(const float *w)
{
    return w[0] == 0.0f && w[1] == 0.0f && w[2] == 0.0f;
}

void linmodel_pack(linmodel *m)
{
    size_t count = 0;

    free(m->present);
    free(m->rank);
    free(m->rows);
    m->present = xcalloc(WORDS, sizeof(uint64_t));
    m->rank = xcalloc(WORDS, sizeof(uint32_t));
    for (size_t i = 0; i < FEAT_TABLE_SIZE; i++) {
        if (!row_is_zero(m->w + i * LINMODEL_CLASSES)) {
            m->present[i / 64] |= 1ull << (i % 64);
            count++;
        }
    }
    m->rows = xcalloc(count ? count * LINMODEL_CLASSES : 1, sizeof(float));
    count = 0;
    for (size_t word = 0; word < WORDS; word++) {
        m->rank[word] = (uint32_t)count;
        for (size_t b = 0; b < 64; b++) {
            const float *w = m->w + (word * 64 + b) * LINMODEL_CLASSES;

            if (!(m->present[word] & (1ull << b)))
                continue;
            memcpy(m->rows + count * LINMODEL_CLASSES, w,
                   LINMODEL_CLASSES * sizeof(float));
            count++;
        }
    }
}

/* Adds to z the weights of the features of toks[0..ntok) of text and
 * returns how many of them are words with a letter. */
static size_t window_logits(const linmodel *m, const char *text,
                            const feat_token *toks, size_t ntok,
                            float z[LINMODEL_CLASSES])
{
    uint32_t feats[FEAT_MAX_FEATURES];
    size_t nfeat = feat_extract(text, toks, ntok, feats, FEAT_MAX_FEATURES);
    size_t words = 0;

    for (size_t i = 0; i < ntok; i++)
        words += toks[i].letter;
    for (size_t i = 0; i < nfeat; i++) {
        uint32_t f = feats[i];
        uint64_t bits = m->present[f / 64];
        uint64_t bit = 1ull << (f % 64);
        const float *row;

        if (!(bits & bit))
            continue;
        row = m->rows + (m->rank[f / 64] + popcount64(bits & (bit - 1))) *
                            LINMODEL_CLASSES;
        z[0] += row[0];
        z[1] += row[1];
        z[2] += row[2];
    }
    return words;
}

size_t linmodel_predict(const linmodel *m, const char *text, size_t len,
                        double prob[LINMODEL_CLASSES])
{
    feat_token toks[FEAT_MAX_TOKENS];
    float z[LINMODEL_CLASSES];
    double zw[LINMODEL_CLASSES] = {0.0, 0.0, 0.0};
    size_t next;
    size_t ntok = feat_window(text, len, toks, &next);
    size_t words;
    double max;
    double sum = 0.0;

    memcpy(z, m->bias, sizeof(z));
    words = window_logits(m, text, toks, ntok, z);
    if (next < len) {
        /* A long text: the mean of its windows' logits, each weighted by
         * its words, so that length alone does not make it certain. */
        size_t off = 0, rest = len;
        size_t all = words;

        for (int k = 0; k < LINMODEL_CLASSES; k++)
            zw[k] = (double)words * z[k];
        while (next < rest) {
            size_t w;

            off += next;
            rest = len - off;
            ntok = feat_window(text + off, rest, toks, &next);
            memcpy(z, m->bias, sizeof(z));
            w = window_logits(m, text + off, toks, ntok, z);
            for (int k = 0; k < LINMODEL_CLASSES; k++)
                zw[k] += (double)w * z[k];
            all += w;
        }
        words = all;
        for (int k = 0; k < LINMODEL_CLASSES; k++)
            z[k] = all ? (float)(zw[k] / (double)all) : m->bias[k];
    }
    max = fmax(z[0], fmax(z[1], z[2]));
    for (int k = 0; k < LINMODEL_CLASSES; k++) {
        prob[k] = exp(z[k] - max);
        sum += prob[k];
    }
    for (int k = 0; k < LINMODEL_CLASSES; k++)
        prob[k] /= sum;
    return words;
}

typedef struct reader {
    FILE *f;
    const char *path;
    long lineno;
    char line[LINE_MAX_LEN];
    char *err;
    size_t errlen;
} reader;

static int fail(reader *r, const char *what)
{
    if (r->lineno > 0)
        snprintf(r->err, r->errlen, "%s:%ld: %s", r->path, r->lineno, what);
    else
        snprintf(r->err, r->errlen, "%s: %s", r->path, what);
    return -1;
}

/* Reads the next line that is not a comment, without its newline. */
static int next_line(reader *r)
{
    for (;;) {
        size_t n;

        if (!fgets(r->line, sizeof(r->line), r->f)) {
            if (ferror(r->f))
                return fail(r, strerror(errno));
            return fail(r, "unexpected end of file (truncated weights?)");
        }
        r->lineno++;
        n = strlen(r->line);
        if (n > 0 && r->line[n - 1] == '\n')
            r->line[--n] = '\0';
        else if (!feof(r->f))
            return fail(r, "line too long");
        if (n > 0 && r->line[n - 1] == '\r')
            r->line[--n] = '\0';
        if (r->line[0] != '#')
            return 0;
    }
}

/* Parses "KEY VALUE" where VALUE is a non-negative integer. */
static int read_count(reader *r, const char *key, unsigned long *v)
{
    size_t klen = strlen(key);
    char *end;

    if (next_line(r) < 0)
        return -1;
    if (strncmp(r->line, key, klen) != 0 || r->line[klen] != ' ')
        return fail(r, "malformed header line");
    errno = 0;
    *v = strtoul(r->line + klen + 1, &end, 10);
    if (errno || *end != '\0' || r->line[klen + 1] < '0' ||
        r->line[klen + 1] > '9')
        return fail(r, "malformed number in header");
    return 0;
}

/* Parses LINMODEL_CLASSES floats of size at most LINMODEL_WEIGHT_MAX
 * from s; returns 0 or -1. */
static int parse_floats(const char *s, float *out)
{
    for (int k = 0; k < LINMODEL_CLASSES; k++) {
        char *end;

        errno = 0;
        out[k] = strtof(s, &end);
        /* a weight too small for a float is as good as its nearest */
        if (errno == ERANGE && fabsf(out[k]) < 1.0f)
            errno = 0;
        if (end == s || errno || !isfinite(out[k]) ||
            fabsf(out[k]) > LINMODEL_WEIGHT_MAX)
            return -1;
        s = end;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0' ? 0 : -1;
}

static int read_header(reader *r, linmodel *m, unsigned long *rows)
{
    unsigned long v;
    const char *name;

    if (next_line(r) < 0)
        return -1;
    if (strcmp(r->line, MAGIC) != 0)
        return fail(r, "not a sentiment weights file (bad first line)");
    if (next_line(r) < 0)
        return -1;
    if (strncmp(r->line, "version ", 8) != 0)
        return fail(r, "expected 'version NAME'");
    name = r->line + 8;
    if (!*name || strlen(name) >= sizeof(m->version))
        return fail(r, "bad model version name");
    for (const char *p = name; *p; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p > '~')
            return fail(r, "bad model version name (printable ASCII, no "
                           "spaces)");
    }
    memcpy(m->version, name, strlen(name) + 1);
    if (read_count(r, "features", &v) < 0)
        return -1;
    if (v != FEAT_VERSION)
        return fail(r, "weights were trained on another feature version; "
                       "retrain with 'stonks train'");
    if (read_count(r, "buckets", &v) < 0)
        return -1;
    if (v != FEAT_TABLE_SIZE)
        return fail(r, "bucket count does not match this build");
    if (next_line(r) < 0)
        return -1;
    if (strncmp(r->line, "bias ", 5) != 0 ||
        parse_floats(r->line + 5, m->bias) < 0)
        return fail(r, "expected 'bias B0 B1 B2' (numbers of size at "
                       "most 1000)");
    if (read_count(r, "rows", rows) < 0)
        return -1;
    if (*rows > FEAT_TABLE_SIZE)
        return fail(r, "more rows than buckets");
    return 0;
}

static int read_rows(reader *r, linmodel *m, unsigned long rows)
{
    long prev = -1;

    for (unsigned long i = 0; i < rows; i++) {
        char *end;
        unsigned long idx;

        if (next_line(r) < 0)
            return -1;
        errno = 0;
        idx = strtoul(r->line, &end, 10);
        if (errno || r->line[0] < '0' || r->line[0] > '9' || *end != ' ')
            return fail(r, "malformed row (expected 'IDX W0 W1 W2')");
        if (idx >= FEAT_TABLE_SIZE || (long)idx <= prev)
            return fail(r, "row index out of range or not ascending");
        if (parse_floats(end, m->w + idx * LINMODEL_CLASSES) < 0)
            return fail(r, "malformed weights in row (three numbers of size "
                           "at most 1000)");
        prev = (long)idx;
    }
    if (next_line(r) < 0)
        return -1;
    if (strcmp(r->line, "end") != 0)
        return fail(r, "expected 'end' after the rows");
    while (fgets(r->line, sizeof(r->line), r->f)) {
        r->lineno++;
        if (r->line[0] != '#' && strspn(r->line, " \t\r\n") != strlen(r->line))
            return fail(r, "text after 'end'");
    }
    return 0;
}

int linmodel_read(linmodel *m, const char *path, char *err, size_t errlen)
{
    reader r = {.path = path, .err = err, .errlen = errlen};
    unsigned long rows;
    int rc = -1;

    r.f = fopen(path, "r");
    if (!r.f) {
        snprintf(err, errlen, "cannot open sentiment weights %s: %s", path,
                 strerror(errno));
        return -1;
    }
    if (read_header(&r, m, &rows) < 0)
        goto out;
    if (read_rows(&r, m, rows) < 0)
        goto out;
    linmodel_pack(m);
    free(m->w);
    m->w = NULL;
    rc = 0;
out:
    fclose(r.f);
    return rc;
}

/* A weight written with 4 significant digits that prints as zero. */
static int is_zero(float w)
{
    return fabsf(w) < 5e-5f;
}

int linmodel_write(const linmodel *m, const char *path, char *err,
                   size_t errlen)
{
    file_wr out;
    unsigned long rows = 0;

    for (size_t i = 0; i < FEAT_TABLE_SIZE * LINMODEL_CLASSES; i++) {
        if (!(fabsf(m->w[i]) <= LINMODEL_WEIGHT_MAX) ||
            (i < LINMODEL_CLASSES &&
             !(fabsf(m->bias[i]) <= LINMODEL_WEIGHT_MAX))) {
            snprintf(err, errlen,
                     "a weight is beyond +-%g (the fit diverged: train with a "
                     "larger L2); %s not written",
                     (double)LINMODEL_WEIGHT_MAX, path);
            return -1;
        }
    }
    if (file_create(path, &out, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < FEAT_TABLE_SIZE; i++) {
        const float *w = m->w + i * LINMODEL_CLASSES;

        rows += !(is_zero(w[0]) && is_zero(w[1]) && is_zero(w[2]));
    }
    fprintf(out.f, "%s\nversion %s\nfeatures %d\nbuckets %u\n", MAGIC,
            m->version, FEAT_VERSION, FEAT_TABLE_SIZE);
    fprintf(out.f, "bias %.6g %.6g %.6g\nrows %lu\n", m->bias[0], m->bias[1],
            m->bias[2], rows);
    for (size_t i = 0; i < FEAT_TABLE_SIZE; i++) {
        const float *w = m->w + i * LINMODEL_CLASSES;

        if (is_zero(w[0]) && is_zero(w[1]) && is_zero(w[2]))
            continue;
        fprintf(out.f, "%zu %.4g %.4g %.4g\n", i, w[0], w[1], w[2]);
    }
    fprintf(out.f, "end\n");
    return file_commit(&out, err, errlen);
}
