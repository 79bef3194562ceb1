/*
 * sentiment_train: fits the weights of the linear sentiment model
 * (linmodel.h) to labelled sentences. Multinomial logistic regression
 * with an L2 penalty, each sentence weighted by its sample weight times
 * the weight of its class, minimised with full-batch L-BFGS. There is no
 * randomness and the sentences are visited in the order given, so the
 * same input gives the same weights, bit for bit, on the same build.
 */
#ifndef STONKS_SENTIMENT_TRAIN_H
#define STONKS_SENTIMENT_TRAIN_H

#include "domain/linmodel.h"

#include <stddef.h>

typedef struct sentiment_example {
    const char *text; /* owned by the caller */
    size_t len;
    int label; /* a sentiment_label */
    double weight; /* sample weight, > 0 */
} sentiment_example;

typedef struct sentiment_train_opts {
    double l2; /* penalty on every weight but the bias */
    double class_power; /* class weight = (total / (3 * class)) ^ power */
    int max_iter; /* L-BFGS iterations */
} sentiment_train_opts;

/* The settings the shipped model was trained with. */
void sentiment_train_defaults(sentiment_train_opts *o);

/* Fits m (from linmodel_init; its weights and bias are overwritten and
 * packed, its version is left alone) to ex[0..n). Returns the number of
 * iterations run. */
int sentiment_train(const sentiment_example *ex, size_t n,
                    const sentiment_train_opts *o, linmodel *m);

#endif
