/*
 * Training data: the Financial PhraseBank files, each sentence weighted
 * by the sum of the weights of the files that list it, so a sentence all
 * annotators agreed on (it is in all four files) counts more than one
 * only half of them agreed on. Sentences of the held-out file, and their
 * near-copies (same ASCII letters and digits, ignoring case, spaces,
 * punctuation and other bytes), are never trained on.
 */
#include "services/model_cli.h"

#include "services/labelled.h"

#include "domain/flip.h"
#include "domain/linmodel.h"
#include "domain/sentiment.h"
#include "domain/sentiment_train.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PB_DIR "data/sentiment/financial_phrasebank_v1.0/"
#define DEFAULT_HELDOUT "data/sentiment/heldout_allagree.txt"
#define DEFAULT_ALLAGREE PB_DIR "Sentences_AllAgree.txt"
#define DEFAULT_VERSION "embedded-linear/4"
/* The sample weight of a flipped sentence, as a share of its
 * original's (chosen by cross-validation; see docs/MODELS.md). */
#define DEFAULT_FLIP_WEIGHT 0.1
#define FLIP_WEIGHT_MAX 10.0
#define HELDOUT_PERCENT 25
#define MAX_DATA 16

typedef struct data_spec {
    const char *path;
    double weight;
} data_spec;

/* Sample weights by agreement level, chosen by cross-validation on the
 * training part (see data/sentiment/ATTRIBUTION.md). */
static const data_spec default_data[] = {
    {PB_DIR "Sentences_50Agree.txt", 1.0},
    {PB_DIR "Sentences_66Agree.txt", 0.5},
    {PB_DIR "Sentences_75Agree.txt", 0.5},
    {PB_DIR "Sentences_AllAgree.txt", 1.0},
};

/* uint64 key -> index, open addressing; key 0 is stored as 1. */
typedef struct keymap {
    uint64_t *keys;
    size_t *vals;
    size_t cap;
    size_t n;
} keymap;

static void keymap_init(keymap *m)
{
    m->cap = 1024;
    m->n = 0;
    m->keys = xcalloc(m->cap, sizeof(uint64_t));
    m->vals = xcalloc(m->cap, sizeof(size_t));
}

static void keymap_release(keymap *m)
{
    free(m->keys);
    free(m->vals);
}

static size_t keymap_slot(const keymap *m, uint64_t key)
{
    size_t slot = (size_t)(key >> 17) & (m->cap - 1);

    while (m->keys[slot] && m->keys[slot] != key)
        slot = (slot + 1) & (m->cap - 1);
    return slot;
}

/* Index stored for key, or SIZE_MAX. */
static size_t keymap_get(const keymap *m, uint64_t key)
{
    size_t slot = keymap_slot(m, key ? key : 1);

    return m->keys[slot] ? m->vals[slot] : SIZE_MAX;
}

static void keymap_put(keymap *m, uint64_t key, size_t val)
{
    size_t slot;

    key = key ? key : 1;
    if (2 * (m->n + 1) > m->cap) {
        keymap old = *m;

        m->cap *= 2;
        m->n = 0;
        m->keys = xcalloc(m->cap, sizeof(uint64_t));
        m->vals = xcalloc(m->cap, sizeof(size_t));
        for (size_t i = 0; i < old.cap; i++) {
            if (old.keys[i])
                keymap_put(m, old.keys[i], old.vals[i]);
        }
        keymap_release(&old);
    }
    slot = keymap_slot(m, key);
    if (!m->keys[slot])
        m->n++;
    m->keys[slot] = key;
    m->vals[slot] = val;
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A finite decimal number, all of s ("4", "0.5", "1e-3"; not "0x10"
 * or " 4"). */
static int parse_double(const char *s, double *v)
{
    char *end;

    if (strspn(s, "0123456789.eE+-") != strlen(s))
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    return errno || end == s || *end != '\0' || !isfinite(*v) ? -1 : 0;
}

/* The sample weight of a --data file: from DATA_WEIGHT_MIN (smaller
 * ones fit nothing: every weight stays zero) to DATA_WEIGHT_MAX. */
#define DATA_WEIGHT_MIN 0.001
#define DATA_WEIGHT_MAX 1000.0

/* "FILE" or "FILE:WEIGHT" (a path may hold ':' itself: only a number
 * after the last one is a weight). Returns 0, or -1 with a message. */
static int parse_data_spec(char *arg, data_spec *d, char *msg, size_t msglen)
{
    char *colon = strrchr(arg, ':');
    char *end;
    double w;

    d->path = arg;
    d->weight = 1.0;
    if (colon && colon[1] && (w = strtod(colon + 1, &end), *end == '\0')) {
        if (parse_double(colon + 1, &w) < 0 || !(w >= DATA_WEIGHT_MIN) ||
            w > DATA_WEIGHT_MAX) {
            snprintf(msg, msglen,
                     "--data %s: the weight must be from %g to %g (a path "
                     "ending in ':' and a number: add ':1')",
                     arg, DATA_WEIGHT_MIN, DATA_WEIGHT_MAX);
            return -1;
        }
        *colon = '\0';
        d->weight = w;
    }
    return 0;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* A sentence is held out when its near-copy key hashes into the first
 * HELDOUT_PERCENT of 100 buckets. */
static int is_heldout(uint64_t key)
{
    return (mix(key) >> 32) % 100 < HELDOUT_PERCENT;
}

static int write_heldout(const char *allagree, const char *out, char *err,
                         size_t errlen)
{
    labelled_set c = {0};
    keymap seen;
    file_wr w = {0};
    size_t held = 0;
    size_t distinct = 0;
    int rc = -1;

    keymap_init(&seen);
    if (file_same(allagree, out)) {
        snprintf(err, errlen, "--heldout %s is the --allagree file itself",
                 out);
        goto out;
    }
    if (labelled_read(allagree, &c, err, errlen) < 0)
        goto out;
    if (c.n == 0) {
        snprintf(err, errlen, "%s holds no labelled sentences", allagree);
        goto out;
    }
    if (file_create(out, &w, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < c.n; i++) {
        const labelled *s = &c.items[i];

        if (keymap_get(&seen, s->key) != SIZE_MAX)
            continue;
        keymap_put(&seen, s->key, i);
        distinct++;
        if (!is_heldout(s->key))
            continue;
        fprintf(w.f, "%s@%s\n", s->text,
                sentiment_label_name((sentiment_label)s->label));
        held++;
    }
    if (file_commit(&w, err, errlen) < 0)
        goto out;
    printf("held out %zu of %zu distinct sentences of %s into %s\n", held,
           distinct, allagree, out);
    rc = 0;
out:
    file_abandon(&w);
    keymap_release(&seen);
    labelled_set_release(&c);
    return rc;
}

typedef struct train_cfg {
    data_spec data[MAX_DATA];
    int ndata;
    const char *exclude;
    const char *cv_on;
    const char *out;
    const char *version;
    const char *allagree;
    const char *heldout;
    int cv;
    int cv_repeat;
    int cv_errors;
    int split;
    double flip_weight;
    sentiment_train_opts opts;
    /* the first option given of each kind, for train_modes_ok */
    const char *cv_only, *fit_only, *split_only, *weights_only;
} train_cfg;

static int read_keys(const char *path, keymap *keys, char *err, size_t errlen)
{
    labelled_set c = {0};
    int rc = labelled_read(path, &c, err, errlen);

    for (size_t i = 0; rc == 0 && i < c.n; i++)
        keymap_put(keys, c.items[i].key, i);
    labelled_set_release(&c);
    return rc;
}

/* Adds the sentences of one data file to set, merging repeats (a
 * sentence listed again in the file under another label is marked
 * relabelled while the file has the last word on it). */
static void merge_file(labelled_set *set, keymap *index, labelled_set *file,
                       int fileno, double weight, const keymap *excluded,
                       keymap *dropped)
{
    for (size_t i = 0; i < file->n; i++) {
        labelled *s = &file->items[i];
        size_t at;

        if (keymap_get(excluded, s->key) != SIZE_MAX) {
            keymap_put(dropped, s->key, 0);
            continue;
        }
        at = keymap_get(index, s->key);
        if (at == SIZE_MAX) {
            if (set->n == set->cap) {
                set->cap = set->cap ? 2 * set->cap : 1024;
                set->items =
                    xreallocarray(set->items, set->cap, sizeof(labelled));
            }
            set->items[set->n] = *s;
            set->items[set->n].weight = weight;
            set->items[set->n].last_file = fileno;
            set->items[set->n].relabelled = 0;
            keymap_put(index, s->key, set->n++);
            s->text = NULL;
            continue;
        }
        /* A near-copy inside one file counts once, with its first
         * label; a file further down the list (a higher agreement
         * level) adds weight and has the last word on the label. */
        if (set->items[at].last_file == fileno) {
            set->items[at].relabelled |= set->items[at].label != s->label;
            continue;
        }
        set->items[at].weight += weight;
        set->items[at].label = s->label;
        set->items[at].last_file = fileno;
        set->items[at].relabelled = 0;
    }
}

/* Gives each positive and negative sentence its flip (flip.h), unless
 * the flip is a near-copy of a labelled sentence, one of training or an
 * excluded (held-out) one: training on it would teach that sentence. */
static void add_flips(labelled_set *set, const keymap *index,
                      const keymap *excluded)
{
    for (size_t i = 0; i < set->n; i++) {
        labelled *s = &set->items[i];
        size_t cap = FLIP_OUT_MAX(s->len);
        char *f;
        size_t n;
        uint64_t key;

        if (s->label == SENT_NEUTRAL)
            continue;
        f = xmalloc(cap);
        n = flip_sentence(s->text, s->len, f, cap);
        key = n ? labelled_key(f, n) : 0;
        if (n == 0 || keymap_get(index, key) != SIZE_MAX ||
            keymap_get(excluded, key) != SIZE_MAX) {
            free(f);
            continue;
        }
        s->flip = f;
        s->flip_len = n;
    }
}

/* The training set of cfg into set: *excluded_n held-out sentences and
 * near-copies left out; conflicts[f], the sentences data file f listed
 * again under another label, that take its first label (no later file
 * gave them one). */
static int build_training(const train_cfg *cfg, labelled_set *set,
                          size_t *excluded_n, size_t *conflicts, char *err,
                          size_t errlen)
{
    keymap excluded;
    keymap dropped;
    keymap index;
    keymap cv;
    int rc = -1;

    keymap_init(&excluded);
    keymap_init(&dropped);
    keymap_init(&index);
    keymap_init(&cv);
    /* one file under two spellings would count its weight twice */
    for (int f = 0; f < cfg->ndata; f++)
        for (int g = 0; g < f; g++)
            if (file_same(cfg->data[g].path, cfg->data[f].path)) {
                snprintf(err, errlen,
                         "--data %s and %s are the same file: give it once, "
                         "with the weight it should have (FILE:WEIGHT)",
                         cfg->data[g].path, cfg->data[f].path);
                goto out;
            }
    if (cfg->exclude && read_keys(cfg->exclude, &excluded, err, errlen) < 0)
        goto out;
    for (int f = 0; f < cfg->ndata; f++) {
        labelled_set file = {0};

        if (labelled_read(cfg->data[f].path, &file, err, errlen) < 0) {
            labelled_set_release(&file);
            goto out;
        }
        merge_file(set, &index, &file, f, cfg->data[f].weight, &excluded,
                   &dropped);
        labelled_set_release(&file);
    }
    /* the --cv-on file matters only to cross-validation: writing weights
     * does not need it (nor the current directory to hold it) */
    if (cfg->cv > 0 && cfg->cv_on &&
        read_keys(cfg->cv_on, &cv, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < set->n; i++)
        set->items[i].in_cv =
            !cfg->cv_on || keymap_get(&cv, set->items[i].key) != SIZE_MAX;
    for (size_t i = 0; i < set->n; i++)
        conflicts[set->items[i].last_file] += set->items[i].relabelled;
    if (cfg->flip_weight > 0)
        add_flips(set, &index, &excluded);
    *excluded_n = dropped.n;
    rc = 0;
out:
    keymap_release(&excluded);
    keymap_release(&dropped);
    keymap_release(&index);
    keymap_release(&cv);
    return rc;
}

/* The label sentiment_classify would give. */
static int predict_label(const linmodel *m, const char *text, size_t len)
{
    double p[3];
    int best = SENT_NEUTRAL;

    if (linmodel_predict(m, text, len, p) == 0)
        return SENT_NEUTRAL;
    if (p[SENT_NEGATIVE] > p[best])
        best = SENT_NEGATIVE;
    if (p[SENT_POSITIVE] > p[best])
        best = SENT_POSITIVE;
    return best;
}

/* The fold of a sentence in repeat `rep` of k-fold cross-validation:
 * a hash of its near-copy key, so near-copies share a fold. Repeat 0 is
 * the assignment of a single run. */
static int fold_of(const labelled *s, int k, int rep)
{
    return (int)((mix(s->key + (uint64_t)rep * 0x9e3779b97f4a7c15ull) >> 8) %
                 (uint64_t)k);
}

/* Fits m to the sentences outside fold `fold` of repeat `rep` (all of
 * them when k is 0), then to the flips of those sentences, each with
 * the opposite label and flip_weight times its original's weight.
 * Returns the number of flips. */
static size_t fit(const labelled_set *set, int fold, int k, int rep,
                  const sentiment_train_opts *o, double flip_weight,
                  linmodel *m, int *iters)
{
    sentiment_example *ex = xcalloc(2 * set->n, sizeof(*ex));
    size_t n = 0;
    size_t flips = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < set->n; i++) {
            const labelled *s = &set->items[i];

            if (k > 0 && fold_of(s, k, rep) == fold)
                continue;
            if (pass == 0) {
                ex[n++] =
                    (sentiment_example){s->text, s->len, s->label, s->weight};
            } else if (s->flip && flip_weight > 0) {
                ex[n++] = (sentiment_example){
                    s->flip, s->flip_len,
                    s->label == SENT_POSITIVE ? SENT_NEGATIVE : SENT_POSITIVE,
                    s->weight * flip_weight};
                flips++;
            }
        }
    }
    *iters = sentiment_train(ex, n, o, m);
    free(ex);
    return flips;
}

/* 0 when every fold of every repeat has sentences to score and to
 * train on, else -1 with a message. */
static int folds_ok(const labelled_set *set, int k, int repeats, char *err,
                    size_t errlen)
{
    for (int rep = 0; rep < repeats; rep++) {
        size_t count[100] = {0};

        for (size_t i = 0; i < set->n; i++)
            count[fold_of(&set->items[i], k, rep)]++;
        for (int fold = 0; fold < k; fold++) {
            if (count[fold] == 0 || count[fold] == set->n) {
                snprintf(err, errlen,
                         "fold %d of repeat %d would be %s (%zu training "
                         "sentences): use fewer folds (--cv)",
                         fold + 1, rep + 1,
                         count[fold] ? "every sentence" : "empty", set->n);
                return -1;
            }
        }
    }
    return 0;
}

/* Scores K-fold cross-validation, repeated with `repeats` different fold
 * assignments (the confusion matrices are summed), on every training
 * sentence and on those listed in `on`. */
static void cross_validate(const labelled_set *set, int k, int repeats,
                           const sentiment_train_opts *o, double flip_weight,
                           const char *on, int show_errors)
{
    labelled_scores sel = {0};
    labelled_scores all = {0};

    for (int rep = 0; rep < repeats; rep++) {
        for (int fold = 0; fold < k; fold++) {
            linmodel m;
            int iters;

            linmodel_init(&m);
            fit(set, fold, k, rep, o, flip_weight, &m, &iters);
            for (size_t i = 0; i < set->n; i++) {
                const labelled *s = &set->items[i];
                int p;

                if (fold_of(s, k, rep) != fold)
                    continue;
                p = predict_label(&m, s->text, s->len);
                all.conf[s->label][p]++;
                if (s->in_cv)
                    sel.conf[s->label][p]++;
                if (show_errors && s->in_cv && p != s->label)
                    labelled_print_error(s->label, p, s->text);
            }
            linmodel_release(&m);
            fprintf(stderr, "repeat %d, fold %d/%d: %d iterations\n", rep + 1,
                    fold + 1, k, iters);
        }
    }
    labelled_scores_finish(&sel);
    labelled_scores_finish(&all);
    printf("%d-fold cross-validation x %d, l2 %g, class power %g, flip "
           "weight %g\n",
           k, repeats, o->l2, o->class_power, flip_weight);
    printf("# all training sentences\n");
    labelled_scores_print(&all);
    if (on && sel.n == 0) {
        printf("# training sentences listed in %s: none\n", on);
    } else if (on) {
        printf("# training sentences listed in %s\n", on);
        labelled_scores_print(&sel);
    }
}

/* 0 when --out can be written and is none of the inputs, checked
 * before the fit; else -1 with a message. */
static int out_ok(const train_cfg *cfg, char *err, size_t errlen)
{
    file_wr probe;

    for (int i = 0; i < cfg->ndata; i++) {
        if (file_same(cfg->out, cfg->data[i].path)) {
            snprintf(err, errlen, "--out %s is the --data file %s", cfg->out,
                     cfg->data[i].path);
            return -1;
        }
    }
    if (cfg->exclude && file_same(cfg->out, cfg->exclude)) {
        snprintf(err, errlen, "--out %s is the --exclude file", cfg->out);
        return -1;
    }
    if (file_create(cfg->out, &probe, err, errlen) < 0)
        return -1;
    file_abandon(&probe);
    return 0;
}

static int train_and_write(const train_cfg *cfg, const labelled_set *set,
                           size_t excluded, char *err, size_t errlen)
{
    linmodel m;
    double t0 = now_seconds();
    labelled_scores fit_scores = {0};
    size_t flips;
    int iters;
    int rc = -1;

    if (out_ok(cfg, err, errlen) < 0)
        return -1;
    linmodel_init(&m);
    snprintf(m.version, sizeof(m.version), "%s", cfg->version);
    flips = fit(set, 0, 0, 0, &cfg->opts, cfg->flip_weight, &m, &iters);
    for (size_t i = 0; i < set->n; i++) {
        const labelled *s = &set->items[i];

        fit_scores.conf[s->label][predict_label(&m, s->text, s->len)]++;
    }
    labelled_scores_finish(&fit_scores);
    printf("trained %s on %zu sentences (+ %zu flipped; %zu held-out "
           "sentences and near-copies left out): %d iterations, %.1f s\n",
           m.version, set->n, flips, excluded, iters, now_seconds() - t0);
    printf("accuracy on the training sentences %.4f\n", fit_scores.accuracy);
    if (linmodel_write(&m, cfg->out, err, errlen) < 0)
        goto out;
    printf("wrote %s\n", cfg->out);
    rc = 0;
out:
    linmodel_release(&m);
    return rc;
}

static void train_usage(FILE *f)
{
    fprintf(
        f, "usage: stonks train [--out FILE] [--data FILE[:WEIGHT]...]\n"
           "                    [--exclude FILE|none] [--l2 X]\n"
           "                    [--class-power X] [--max-iter N]\n"
           "                    [--flip-weight X]\n"
           "                    [--version NAME]\n"
           "                    [--cv K [--cv-repeat R] [--cv-on FILE]\n"
           "                     [--cv-errors]]\n"
           "       stonks train --split [--allagree FILE] "
           "[--heldout FILE]\n"
           "\n"
           "Fits the embedded sentiment model to labelled sentences\n"
           "(one 'sentence@label' a line) and writes the weights.\n"
           "  --out FILE       weights file (default " MODEL_CLI_DEFAULT_WEIGHTS
           ")\n"
           "  --data FILES     labelled files, each with an optional\n"
           "                   sample weight; a sentence in several files\n"
           "                   gets the sum (default: the four PhraseBank\n"
           "                   files in " PB_DIR ");\n"
           "                   a WEIGHT is from 0.001 to 1000; a file\n"
           "                   given twice (two paths to it) is refused\n"
           "  --exclude FILE   never train on these sentences or their\n"
           "                   near-copies (default " DEFAULT_HELDOUT ")\n"
           "  --l2 X           L2 penalty, 0 to 1000000 (default 4)\n"
           "  --class-power X  class weight exponent, 0 to 4 (default "
           "0.5)\n"
           "  --max-iter N     L-BFGS iterations at most, 1 to 100000\n"
           "                   (default 400)\n"
           "  --flip-weight X  also train on the mirror image of each\n"
           "                   positive and negative sentence (\"rose\"\n"
           "                   for \"fell\", its figures swapped), with\n"
           "                   the opposite label and X times its weight;\n"
           "                   0 for none, or 0.001 to 10 (default 0.1)\n"
           "  --version NAME   model name written into the weights\n"
           "                   (default " DEFAULT_VERSION ")\n"
           "  --cv K           report K-fold cross-validation (K 2 to 100)\n"
           "                   instead of writing weights, also on the\n"
           "                   sentences of --cv-on FILE alone (default\n"
           "                   the AllAgree file)\n"
           "  --cv-repeat R    repeat it with R fold assignments (1 to\n"
           "                   100) and sum the scores (default 1)\n"
           "  --cv-errors      list the misclassified --cv-on sentences\n"
           "  --split          write the held-out part of --allagree\n"
           "                   (25%% by a hash of the text) to --heldout\n");
}

/* A numeric option: a finite number in lo..hi, a whole one when
 * whole. Returns 0, or -1 with a message naming the option. */
static int num_opt(const char *name, const char *v, double lo, double hi,
                   int whole, double *out, char *msg, size_t msglen)
{
    if (parse_double(v, out) == 0 && *out >= lo && *out <= hi &&
        (!whole || *out == (double)(long)*out))
        return 0;
    snprintf(msg, msglen, "%s must be a %s from %.15g to %.15g, not '%s'", name,
             whole ? "whole number" : "number", lo, hi, v);
    return -1;
}

/* A model version: 1 to LINMODEL_VERSION_MAX - 1 printable ASCII bytes,
 * no space (it is one word of the weights file's header). */
static int version_ok(const char *v)
{
    size_t n = strlen(v);

    if (n == 0 || n >= LINMODEL_VERSION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] > '~')
            return 0;
    }
    return 1;
}

/* Remembers the first option of each kind: only for cross-validation,
 * for any fit (cross-validation or weights), only for --split, only for
 * writing weights. Returns 1 when a is an option of `stonks train`. */
static int note_kind(train_cfg *cfg, const char *a)
{
    static const char *const cv_only[] = {"--cv-repeat", "--cv-on",
                                          "--cv-errors"};
    static const char *const fit_only[] = {
        "--data",     "--exclude",     "--l2", "--class-power",
        "--max-iter", "--flip-weight", "--cv"};
    static const char *const split_only[] = {"--allagree", "--heldout"};
    static const char *const weights_only[] = {"--out", "--version"};
    const struct {
        const char *const *names;
        size_t n;
        const char **first;
    } kinds[] = {
#define KIND(names, first) {names, sizeof(names) / sizeof(names[0]), first}
        KIND(cv_only, &cfg->cv_only),
        KIND(fit_only, &cfg->fit_only),
        KIND(split_only, &cfg->split_only),
        KIND(weights_only, &cfg->weights_only),
#undef KIND
    };

    int known = strcmp(a, "--split") == 0;

    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (size_t i = 0; i < kinds[k].n; i++) {
            if (strcmp(a, kinds[k].names[i]) != 0)
                continue;
            known = 1;
            if (!*kinds[k].first)
                *kinds[k].first = kinds[k].names[i];
        }
    }
    return known;
}

/* The three modes (cross-validation, writing weights, --split) take
 * their own options: one given to another mode is refused, not ignored.
 * Returns 0, or -1 with the reason in msg. */
static int train_modes_ok(const train_cfg *cfg, char *msg, size_t msglen)
{
    const char *stray = NULL, *mode = NULL;

    if (cfg->split) {
        stray = cfg->cv_only    ? cfg->cv_only
                : cfg->fit_only ? cfg->fit_only
                                : cfg->weights_only;
        mode = "has no effect with --split";
    } else if (cfg->cv > 0) {
        stray = cfg->split_only ? cfg->split_only : cfg->weights_only;
        mode = "has no effect with --cv";
    } else if (cfg->cv_only) {
        stray = cfg->cv_only;
        mode = "needs --cv K";
    } else {
        stray = cfg->split_only;
        mode = "needs --split";
    }
    if (!stray)
        return 0;
    snprintf(msg, msglen, "%s %s", stray, mode);
    return -1;
}

/* Parses argv into cfg; returns 0, 1 after --help, or -1 on misuse
 * with the reason in msg. */
static int train_parse(int argc, char **argv, train_cfg *cfg, char *msg,
                       size_t msglen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d;
        int known;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        for (int j = 1; j < i; j++) {
            if (strncmp(a, "--", 2) == 0 && strcmp(argv[j], a) == 0) {
                snprintf(msg, msglen, "%s is given twice%s", a,
                         strcmp(a, "--data") == 0
                             ? ": list every file after one --data "
                               "(--data A.txt B.txt:2)"
                             : "");
                return -1;
            }
        }
        known = note_kind(cfg, a);
        if (strcmp(a, "--split") == 0) {
            cfg->split = 1;
            continue;
        }
        if (strcmp(a, "--cv-errors") == 0) {
            cfg->cv_errors = 1;
            continue;
        }
        if (strcmp(a, "--data") == 0) {
            cfg->ndata = 0;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                if (cfg->ndata == MAX_DATA) {
                    snprintf(msg, msglen, "--data takes at most %d files",
                             MAX_DATA);
                    return -1;
                }
                if (parse_data_spec(argv[++i], &cfg->data[cfg->ndata], msg,
                                    msglen) < 0)
                    return -1;
                cfg->ndata++;
            }
            if (cfg->ndata == 0) {
                snprintf(msg, msglen, "--data needs at least one file");
                return -1;
            }
            continue;
        }
        if (strncmp(a, "--", 2) == 0 && !known) {
            snprintf(msg, msglen, "unknown option '%s'", a);
            return -1;
        }
        if (strncmp(a, "--", 2) != 0 || !v || strncmp(v, "--", 2) == 0) {
            snprintf(msg, msglen, "%s %s", a,
                     strncmp(a, "--", 2) != 0 ? "is not an option"
                                              : "needs a value");
            return -1;
        }
        i++;
        if (strcmp(a, "--out") == 0) {
            cfg->out = v;
        } else if (strcmp(a, "--exclude") == 0) {
            cfg->exclude = strcmp(v, "none") == 0 ? NULL : v;
        } else if (strcmp(a, "--cv-on") == 0) {
            cfg->cv_on = v;
        } else if (strcmp(a, "--version") == 0) {
            if (!version_ok(v)) {
                snprintf(msg, msglen,
                         "--version must be 1 to %d printable characters "
                         "without spaces",
                         LINMODEL_VERSION_MAX - 1);
                return -1;
            }
            cfg->version = v;
        } else if (strcmp(a, "--allagree") == 0) {
            cfg->allagree = v;
        } else if (strcmp(a, "--heldout") == 0) {
            cfg->heldout = v;
        } else if (strcmp(a, "--l2") == 0) {
            if (num_opt(a, v, 0, 1e6, 0, &d, msg, msglen) < 0)
                return -1;
            cfg->opts.l2 = d;
        } else if (strcmp(a, "--class-power") == 0) {
            if (num_opt(a, v, 0, 4, 0, &d, msg, msglen) < 0)
                return -1;
            cfg->opts.class_power = d;
        } else if (strcmp(a, "--flip-weight") == 0) {
            if (parse_double(v, &d) < 0 || d < 0 || d > FLIP_WEIGHT_MAX ||
                (d > 0 && d < DATA_WEIGHT_MIN)) {
                snprintf(msg, msglen,
                         "--flip-weight must be 0 (no flips) or from %g to "
                         "%g, not '%s'",
                         DATA_WEIGHT_MIN, FLIP_WEIGHT_MAX, v);
                return -1;
            }
            cfg->flip_weight = d;
        } else if (strcmp(a, "--max-iter") == 0) {
            if (num_opt(a, v, 1, 100000, 1, &d, msg, msglen) < 0)
                return -1;
            cfg->opts.max_iter = (int)d;
        } else if (strcmp(a, "--cv") == 0) {
            if (num_opt(a, v, 2, 100, 1, &d, msg, msglen) < 0)
                return -1;
            cfg->cv = (int)d;
        } else if (strcmp(a, "--cv-repeat") == 0) {
            if (num_opt(a, v, 1, 100, 1, &d, msg, msglen) < 0)
                return -1;
            cfg->cv_repeat = (int)d;
        } else {
            snprintf(msg, msglen, "unknown option '%s'", a);
            return -1;
        }
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    train_cfg cfg = {
        .ndata = (int)(sizeof(default_data) / sizeof(default_data[0])),
        .exclude = DEFAULT_HELDOUT,
        .cv_on = DEFAULT_ALLAGREE,
        .out = MODEL_CLI_DEFAULT_WEIGHTS,
        .version = DEFAULT_VERSION,
        .allagree = DEFAULT_ALLAGREE,
        .heldout = DEFAULT_HELDOUT,
        .cv_repeat = 1,
        .flip_weight = DEFAULT_FLIP_WEIGHT,
    };
    labelled_set set = {0};
    size_t excluded = 0, conflicts[MAX_DATA] = {0};
    char err[512];
    int rc;

    memcpy(cfg.data, default_data, sizeof(default_data));
    sentiment_train_defaults(&cfg.opts);
    /* a file size limit fails the write (the old file stays) instead of
     * killing the process half-way */
    signal(SIGXFSZ, SIG_IGN);
    rc = train_parse(argc, argv, &cfg, err, sizeof(err));
    if (rc == 0 && train_modes_ok(&cfg, err, sizeof(err)) < 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "stonks train: %s\n", err);
    if (rc != 0) {
        train_usage(rc > 0 ? stdout : stderr);
        return rc > 0 ? 0 : 2;
    }
    if (cfg.split) {
        rc = write_heldout(cfg.allagree, cfg.heldout, err, sizeof(err));
        goto out;
    }
    rc = build_training(&cfg, &set, &excluded, conflicts, err, sizeof(err));
    if (rc == 0 && set.n == 0) {
        snprintf(err, sizeof(err), "no training sentences left");
        rc = -1;
    }
    if (rc < 0)
        goto out;
    if (cfg.cv > 0 &&
        folds_ok(&set, cfg.cv, cfg.cv_repeat, err, sizeof(err)) < 0)
        rc = -1;
    else if (cfg.cv > 0)
        cross_validate(&set, cfg.cv, cfg.cv_repeat, &cfg.opts, cfg.flip_weight,
                       cfg.cv_on, cfg.cv_errors);
    else
        rc = train_and_write(&cfg, &set, excluded, err, sizeof(err));
    /* (said last) */
    for (int f = 0; rc == 0 && f < cfg.ndata; f++)
        if (conflicts[f] > 0)
            printf("note: %s: %zu sentence%s listed again (or as a "
                   "near-copy) under another label: the first label is "
                   "kept\n",
                   cfg.data[f].path, conflicts[f],
                   conflicts[f] == 1 ? "" : "s");
out:
    if (rc < 0)
        fprintf(stderr, "stonks train: %s\n", err);
    labelled_set_release(&set);
    return rc < 0 ? 1 : 0;
}

static void eval_usage(FILE *f)
{
    fprintf(f, "usage: stonks eval --labels FILE [--model FILE] [--errors]\n"
               "\n"
               "Scores the embedded sentiment model on labelled sentences\n"
               "(one 'sentence@label' a line): accuracy, macro-F1, the\n"
               "confusion matrix and classification speed on one core.\n"
               "  --model FILE  weights (default $STONKS_MODEL_PATH, else\n"
               "                " MODEL_CLI_DEFAULT_WEIGHTS ")\n"
               "  --errors      also list the misclassified sentences\n");
}

/* Classifies every sentence for at least min_s seconds; returns the
 * rate in sentences per second. */
static double measure_speed(const sentiment_model *m, const labelled_set *c,
                            double min_s)
{
    double t0 = now_seconds();
    double elapsed = 0.0;
    long done = 0;
    volatile double sink = 0.0;

    while (elapsed < min_s) {
        for (size_t i = 0; i < c->n; i++) {
            sentiment_result r;

            sentiment_classify(m, c->items[i].text, c->items[i].len, &r);
            sink += r.score;
        }
        done += (long)c->n;
        elapsed = now_seconds() - t0;
    }
    (void)sink;
    return (double)done / elapsed;
}

int cmd_eval(int argc, char **argv)
{
    const char *labels = NULL;
    const char *model = getenv("STONKS_MODEL_PATH");
    int errors = 0, model_set = 0;
    sentiment_model *m = NULL;
    labelled_set c = {0};
    labelled_scores s = {0};
    char err[512];
    int rc = 1;

    if (!model || !*model)
        model = MODEL_CLI_DEFAULT_WEIGHTS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            eval_usage(stdout);
            return 0;
        }
        const char *why = NULL, *opt = argv[i];

        if (strcmp(argv[i], "--errors") == 0) {
            why = errors ? "is given twice" : NULL;
            errors = 1;
        } else if (strcmp(argv[i], "--labels") != 0 &&
                   strcmp(argv[i], "--model") != 0) {
            why = "is an unknown option";
        } else if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0) {
            why = "needs a file";
        } else if (strcmp(argv[i], "--labels") == 0) {
            why = labels ? "is given twice" : NULL;
            labels = argv[++i];
        } else {
            why = model_set ? "is given twice" : NULL;
            model = argv[++i];
            model_set = 1;
        }
        if (why) {
            fprintf(stderr, "stonks eval: %s %s\n", opt, why);
            eval_usage(stderr);
            return 2;
        }
    }
    if (!labels) {
        fprintf(stderr, "stonks eval: --labels FILE is required\n");
        eval_usage(stderr);
        return 2;
    }

    /* the file named on the command line first: its error is the one
     * a user can act on when both are missing */
    if (labelled_read(labels, &c, err, sizeof(err)) < 0)
        goto out;
    m = sentiment_model_load(model, err, sizeof(err));
    if (!m)
        goto out;
    if (c.n == 0) {
        snprintf(err, sizeof(err), "%s has no labelled sentences", labels);
        goto out;
    }
    for (size_t i = 0; i < c.n; i++) {
        sentiment_result r;

        sentiment_classify(m, c.items[i].text, c.items[i].len, &r);
        s.conf[c.items[i].label][r.label]++;
        if (errors && (int)r.label != c.items[i].label)
            labelled_print_error(c.items[i].label, (int)r.label,
                                 c.items[i].text);
    }
    labelled_scores_finish(&s);
    printf("model %s\n", sentiment_model_version(m));
    labelled_scores_print(&s);
    printf("sentences_per_second %.0f\n", measure_speed(m, &c, 0.5));
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "stonks eval: %s\n", err);
    sentiment_model_free(m);
    labelled_set_release(&c);
    return rc;
}
