#include "domain/sentiment.h"

#include "domain/linmodel.h"
#include "lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct sentiment_model {
    linmodel lm;
};

sentiment_model *sentiment_model_load(const char *path, char *err,
                                      size_t errlen)
{
    sentiment_model *m = xmalloc(sizeof(*m));

    linmodel_init(&m->lm);
    if (linmodel_read(&m->lm, path, err, errlen) < 0) {
        sentiment_model_free(m);
        return NULL;
    }
    return m;
}

void sentiment_model_free(sentiment_model *m)
{
    if (!m)
        return;
    linmodel_release(&m->lm);
    free(m);
}

const char *sentiment_model_version(const sentiment_model *m)
{
    return m->lm.version;
}

void sentiment_classify(const sentiment_model *m, const char *text, size_t len,
                        sentiment_result *out)
{
    double *p = out->prob;
    int best = SENT_NEUTRAL;

    int evidence = text && linmodel_predict(&m->lm, text, len, p) > 0;

    /* No words means no evidence: neutral, whatever the bias says, and
     * no confidence in it (aggregates then give the text no weight). */
    if (!evidence) {
        p[SENT_NEGATIVE] = 0.0;
        p[SENT_NEUTRAL] = 1.0;
        p[SENT_POSITIVE] = 0.0;
    }
    if (p[SENT_NEGATIVE] > p[best])
        best = SENT_NEGATIVE;
    if (p[SENT_POSITIVE] > p[best])
        best = SENT_POSITIVE;
    out->label = (sentiment_label)best;
    out->confidence = evidence ? p[best] : 0.0;
    out->score = p[SENT_POSITIVE] - p[SENT_NEGATIVE];
}

const char *sentiment_label_name(sentiment_label l)
{
    switch (l) {
    case SENT_NEGATIVE:
        return "negative";
    case SENT_NEUTRAL:
        return "neutral";
    case SENT_POSITIVE:
        return "positive";
    }
    return "neutral";
}

int sentiment_label_parse(const char *name)
{
    for (int l = SENT_NEGATIVE; l <= SENT_POSITIVE; l++) {
        if (strcmp(sentiment_label_name((sentiment_label)l), name) == 0)
            return l;
    }
    return -1;
}
