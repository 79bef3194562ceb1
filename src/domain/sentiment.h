/*
 * sentiment: the embedded financial-sentiment classifier. A linear model
 * over hashed features of the text (words, word pairs, and cues for
 * direction applied to a metric, negation and comparison). The weights
 * are a text file shipped in data/model/ and loaded once; classifying
 * reads the model only, so one model serves any number of threads.
 */
#ifndef STONKS_SENTIMENT_H
#define STONKS_SENTIMENT_H

#include <stddef.h>

typedef enum sentiment_label {
    SENT_NEGATIVE = 0,
    SENT_NEUTRAL = 1,
    SENT_POSITIVE = 2,
} sentiment_label;

typedef struct sentiment_result {
    sentiment_label label;
    double score; /* [-1, 1]: P(positive) - P(negative) */
    double confidence; /* [0, 1]: probability of the chosen label; 0
                          for a text without a word (no evidence) */
    double prob[3]; /* indexed by sentiment_label */
} sentiment_result;

typedef struct sentiment_model sentiment_model;

/* Loads a model from a weights file. Returns NULL and writes a message
 * naming the file and the problem into err on failure. Free with
 * sentiment_model_free (NULL is safe). */
sentiment_model *sentiment_model_load(const char *path, char *err,
                                      size_t errlen);
void sentiment_model_free(sentiment_model *m);

/* The model's name and version, e.g. "embedded-linear/4"; owned by m. */
const char *sentiment_model_version(const sentiment_model *m);

/* Classifies text[0..len). Never fails: a text without a word (empty,
 * only punctuation) is neutral with confidence 0. */
void sentiment_classify(const sentiment_model *m, const char *text, size_t len,
                        sentiment_result *out);

/* "negative", "neutral", "positive". */
const char *sentiment_label_name(sentiment_label l);

/* The label named name ("negative", "neutral", "positive"), or -1. */
int sentiment_label_parse(const char *name);

#endif
