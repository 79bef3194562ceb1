/*
 * labelled: labelled sentence files for the model commands (model_cli):
 * one `sentence@label` a line, the label after the last '@' (negative,
 * neutral or positive); reading them with a clear error per bad line,
 * the near-copy key that tells repeats apart, and the scores (accuracy,
 * macro-F1, confusion matrix) of predictions against their labels.
 */
#ifndef STONKS_LABELLED_H
#define STONKS_LABELLED_H

#include <stddef.h>
#include <stdint.h>

/* The longest line and the most bytes a labelled file may hold (the
 * PhraseBank's four files: 2 MB). */
#define LABELLED_MAX_LINE 16384
#define LABELLED_MAX_FILE (64 << 20)

/* One sentence. labelled_read fills text, len, label and key (and sets
 * last_file to -1); the other fields are the trainer's. */
typedef struct labelled {
    char *text;
    size_t len;
    int label;
    uint64_t key; /* hash of the near-copy key */
    double weight;
    int last_file; /* the last data file that listed it */
    int relabelled; /* 1: last_file listed it again under another label
                     * (its first label there is taken) */
    int in_cv;
    char *flip; /* its mirror image (flip.h), or NULL */
    size_t flip_len;
} labelled;

typedef struct labelled_set {
    labelled *items;
    size_t n;
    size_t cap;
} labelled_set;

/* Predictions against labels; labelled_scores_finish fills accuracy
 * and macro_f1 from conf. */
typedef struct labelled_scores {
    long conf[3][3]; /* [true][predicted] */
    long n;
    double accuracy;
    double macro_f1;
} labelled_scores;

/* Frees every sentence of set and empties it. */
void labelled_set_release(labelled_set *set);

/* The near-copy key of a sentence: a hash of its lower-cased ASCII
 * letters and digits, so copies that differ in case, spacing,
 * punctuation or broken accents share it. */
uint64_t labelled_key(const char *s, size_t len);

/* Appends every `sentence@label` line of path to c. Blank lines are
 * skipped; anything else malformed is an error naming the line.
 * Returns 0, or -1 with the reason in err. */
int labelled_read(const char *path, labelled_set *c, char *err, size_t errlen);

/* Prints one misclassified sentence: "error", the true and the
 * predicted label and the text, tab-separated, control bytes as \xHH. */
void labelled_print_error(int truth, int predicted, const char *text);

/* Accuracy and macro-F1 (the mean F1 of the classes that occur as a
 * true or a predicted label) from s->conf. */
void labelled_scores_finish(labelled_scores *s);

/* Prints the sentence count, accuracy, macro-F1 and confusion matrix. */
void labelled_scores_print(const labelled_scores *s);

#endif
