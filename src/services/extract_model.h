/*
 * extract_model: the one interface the extractor (and `stonks
 * extract-once`) uses for both signal models, chosen by EXTRACTOR_MODEL:
 *   embedded  the linear model in C (domain/docsignal over
 *             domain/sentiment): a sentiment per ticker from the parts
 *             of the text that name it, relevance from where it is
 *             named; never fails;
 *   ollama    an LLM through adapters/ollama: one request per document,
 *             the reply validated in C; it may fail, and a failure is
 *             reported, never replaced by a neutral signal.
 * Owned by the extraction work of issue 5. A model is used by one
 * thread at a time.
 */
#ifndef STONKS_EXTRACT_MODEL_H
#define STONKS_EXTRACT_MODEL_H

#include <stddef.h>

#include "domain/event.h"
#include "domain/mention.h"
#include "domain/sentiment.h"
#include "lib/config.h"

/* One document: clean text (its first title_len bytes the title) and
 * its tickers (canonical, distinct). */
typedef struct extract_doc {
    const char *text;
    size_t len;
    size_t title_len;
    const char (*tickers)[TICKER_MAX];
    size_t ntickers;
} extract_doc;

typedef struct extract_signal {
    double sentiment; /* [-1, 1] */
    sentiment_label label;
    double relevance; /* [0, 1] */
    double confidence; /* [0, 1] */
    event_type event;
} extract_signal;

/* Provenance of one extraction: the prompt's hash ("" for the embedded
 * model) and how much of the text the model saw. */
typedef struct extract_info {
    char prompt_hash[65];
    size_t text_shown, text_len;
} extract_info;

enum { EXTRACT_OK = 0, EXTRACT_FAIL = -1, EXTRACT_RETRY = -2 };

typedef struct extract_model extract_model;

/* Opens the model c->extractor_model names. Returns NULL with a message
 * in err (weights that do not load, ollama without OLLAMA_URL). Free
 * with extract_model_free (NULL is safe). */
extract_model *extract_model_open(const config *c, char *err, size_t errlen);

/* The settings extract_model_open needs (EXTRACTOR_MODEL=ollama:
 * OLLAMA_URL, OLLAMA_MODEL), checked without opening anything; also run
 * by `stonks config`. Returns 0, or -1 with a message in err. */
int extract_model_check(const config *c, char *err, size_t errlen);
void extract_model_free(extract_model *m);

/* Gives m the registry's mention index, used by the embedded model to
 * find where each ticker is named (without one, every ticker gets the
 * whole text). m takes ownership and frees the index it held. */
void extract_model_set_index(extract_model *m, mention_index *idx);

/* The model_version stored with the signals ("embedded-linear/4",
 * "ollama/llama3.1"), and the prompt version (NULL for the embedded
 * model). Owned by m. */
const char *extract_model_version(const extract_model *m);
const char *extract_model_prompt_version(const extract_model *m);

/* Extracts one signal per ticker of doc into out (doc->ntickers
 * entries, in the order of doc->tickers) and fills info. Returns
 * EXTRACT_OK; EXTRACT_FAIL when the model's answer is unusable (retry
 * the job a bounded number of times); EXTRACT_RETRY when the model's
 * server cannot be reached. err holds the reason for both. */
int extract_model_run(extract_model *m, const extract_doc *doc,
                      extract_signal *out, extract_info *info, char *err,
                      size_t errlen);

/* `stonks extract-once`: runs the configured model on one text given on
 * the command line and prints one JSON line per ticker. */
int cmd_extract_once(int argc, char **argv);

#endif
