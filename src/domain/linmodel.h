/*
 * linmodel: the weights of the three-class linear sentiment model over
 * the hashed features of features.h, how text is scored with them, and
 * their text file format. The sentiment module wraps one of these for
 * callers; the trainer fills one and writes it.
 *
 * File format (text, one record a line, '#' lines ignored):
 *   stonks-sentiment-weights 1
 *   version NAME            model name and version, no spaces
 *   features N              FEAT_VERSION the weights were trained on
 *   buckets N               FEAT_TABLE_SIZE
 *   bias B0 B1 B2           negative, neutral, positive
 *   rows N
 *   IDX W0 W1 W2            N lines, IDX ascending; absent rows are 0
 *   end
 */
#ifndef STONKS_LINMODEL_H
#define STONKS_LINMODEL_H

#include <stddef.h>
#include <stdint.h>

#define LINMODEL_CLASSES 3
#define LINMODEL_VERSION_MAX 64
/* A weights file with a weight or bias of a larger size is refused:
 * trained ones stay within a few units, and sums of huge ones overflow. */
#define LINMODEL_WEIGHT_MAX 1000.0f

/* The weights exist in two forms: w, the dense table the trainer fills
 * and linmodel_write reads, and the packed form prediction reads: a
 * bitmap of the non-zero rows, the rank of each bitmap word, and only
 * those rows. The packed form is a few hundred kilobytes where the
 * dense one is megabytes, so the lookups stay in the CPU caches. */
typedef struct linmodel {
    char version[LINMODEL_VERSION_MAX];
    float bias[LINMODEL_CLASSES];
    float *w; /* FEAT_TABLE_SIZE rows of LINMODEL_CLASSES, or NULL */
    uint64_t *present; /* FEAT_TABLE_SIZE bits */
    uint32_t *rank; /* non-zero rows before each word of present */
    float *rows; /* the non-zero rows, in bucket order */
} linmodel;

/* Allocates a zero dense table and no packed form; release with
 * linmodel_release. */
void linmodel_init(linmodel *m);
void linmodel_release(linmodel *m);

/* Builds (or rebuilds) the packed form from w; call it after changing w
 * and before linmodel_predict. */
void linmodel_pack(linmodel *m);

/* Writes the class probabilities of text[0..len) into prob (using the
 * packed form) and returns the number of words with a letter seen (0: no
 * evidence, as for numbers or punctuation alone). A text of more than
 * FEAT_MAX_TOKENS tokens is read window by window (feat_window); its
 * logits are the mean of the windows' logits weighted by those words. */
size_t linmodel_predict(const linmodel *m, const char *text, size_t len,
                        double prob[LINMODEL_CLASSES]);

/* Reads a weights file into m (initialised by the caller), packs it and
 * frees the dense table (w becomes NULL). Returns 0, or -1 with a
 * message naming the file, the line and the problem in err. */
int linmodel_read(linmodel *m, const char *path, char *err, size_t errlen);

/* Writes the dense table of m; rows whose weights all round to zero are left
 * out. Returns 0, or -1 with a message in err. */
int linmodel_write(const linmodel *m, const char *path, char *err,
                   size_t errlen);

#endif
