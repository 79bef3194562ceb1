/*
 * ollama: signal extraction by a large language model served by Ollama
 * (POST /api/chat, one request per document), the alternative to the
 * embedded model (EXTRACTOR_MODEL=ollama). Owned by the extraction work
 * of issue 5.
 *
 * The request asks for one signal per ticker of the document: stream
 * false, temperature 0, `format` set to the JSON schema of the signal
 * list (the document's tickers as the ticker enum, one item each), and
 * options.num_ctx. The document is untrusted text: it goes into a data
 * block between the lines "<<<DOCUMENT" and "DOCUMENT>>>" (a run of
 * three '<' or '>' inside it is broken with a space, so it cannot close
 * the block), and the instructions say that text inside the block is
 * data, never instructions. Whatever the document says, the reply must
 * match the schema, which the code checks again.
 *
 * Prompt size: Ollama cuts a prompt longer than num_ctx silently, so the
 * client cuts it first, openly. A token is estimated as
 * OLLAMA_BYTES_PER_TOKEN bytes of UTF-8 (English text averages about 4
 * bytes a token with the Llama tokenizers; 3 leaves room for numbers,
 * names and other languages), and OLLAMA_REPLY_TOKENS_BASE plus
 * OLLAMA_REPLY_TOKENS_PER_TICKER tokens are kept for the reply. When the
 * document does not fit in the rest, its text is cut at a character
 * boundary and the data block says so ("cut to N of M bytes"); when
 * even the instructions do not fit, the request is refused.
 *
 * The reply is accepted only when it is a finished answer (done true,
 * done_reason not "length") whose message content is a JSON object
 * {"signals": [...]} matching the schema exactly: no other keys, one
 * item per ticker of the document and no other ticker, sentiment in
 * [-1, 1], relevance and confidence in [0, 1], label one of
 * sentiment_label_name, event_type one of event_type_name. Anything else
 * is an error: a bad reply is never turned into a neutral signal.
 */
#ifndef STONKS_OLLAMA_H
#define STONKS_OLLAMA_H

#include <stddef.h>

#include "domain/event.h"
#include "domain/sentiment.h"
#include "domain/ticker.h"
#include "lib/buf.h"

#define OLLAMA_PROMPT_VERSION "signals/1"
#define OLLAMA_BYTES_PER_TOKEN 3
#define OLLAMA_REPLY_TOKENS_BASE 64
#define OLLAMA_REPLY_TOKENS_PER_TICKER 96
#define OLLAMA_MAX_TICKERS 64
#define OLLAMA_MAX_REPLY (4u << 20)

typedef struct ollama_options {
    const char *url; /* "http://127.0.0.1:11434" */
    const char *model; /* "llama3.1" */
    int timeout_s; /* the whole request */
    int num_ctx; /* context window asked for */
} ollama_options;

/* One document: its clean text (title first when title_len > 0) and
 * its tickers (canonical, distinct, 1..OLLAMA_MAX_TICKERS). */
typedef struct ollama_doc {
    const char *text;
    size_t len;
    size_t title_len;
    const char (*tickers)[TICKER_MAX];
    size_t ntickers;
} ollama_doc;

typedef struct ollama_signal {
    double sentiment; /* [-1, 1] */
    sentiment_label label;
    double relevance; /* [0, 1] */
    double confidence; /* [0, 1] */
    event_type event;
} ollama_signal;

/* What was sent: the prompt's SHA-256 (hex, over the system message,
 * a newline, the user message, a newline and the schema as sent), and
 * how much of the document the prompt holds. */
typedef struct ollama_prompt_info {
    char hash[65];
    size_t text_shown; /* bytes of the document in the prompt */
    size_t text_len; /* bytes of the document */
} ollama_prompt_info;

/* Results of ollama_extract. OLLAMA_FAIL: the request or the reply is
 * wrong (error object, cut or invalid reply, failed validation, time
 * out, prompt that cannot fit): worth a bounded number of retries, then
 * a dead letter. OLLAMA_UNREACHABLE: no connection to the server, or a
 * server that says it is busy (ollama_status_busy): try again later. */
enum { OLLAMA_OK = 0, OLLAMA_FAIL = -1, OLLAMA_UNREACHABLE = -2 };

/* 1 for an HTTP status that tells of the server, not of the document:
 * 503 (Ollama's "server busy" when its queue is full, OLLAMA_MAX_QUEUE)
 * and 429. As a failure of the job, its attempts were spent within
 * milliseconds and a good document was dead-lettered. */
int ollama_status_busy(long status);

/* Builds the /api/chat request body for doc into body (reset first) and
 * fills info. Returns 0, or -1 with a message in err (no tickers, too
 * many, a prompt that cannot fit in num_ctx). Pure: no I/O. */
int ollama_build_request(const ollama_options *o, const ollama_doc *doc,
                         buf *body, ollama_prompt_info *info, char *err,
                         size_t errlen);

/* Checks an /api/chat answer (HTTP status and body) for doc and, when it
 * is a valid signal list, writes one signal per ticker of doc into out,
 * in the order of doc->tickers. Returns 0, or -1 with a message saying
 * what is wrong. Pure: no I/O. */
int ollama_parse_reply(long status, const char *body, size_t len,
                       const ollama_doc *doc, ollama_signal *out, char *err,
                       size_t errlen);

/* Validates the message content alone (the signal list JSON) the same
 * way. Returns 0, or -1 with a message. Pure. */
int ollama_validate_signals(const char *content, size_t len,
                            const ollama_doc *doc, ollama_signal *out,
                            char *err, size_t errlen);

/* Sends the request for doc to o->url and parses the answer into out
 * (doc->ntickers entries) and info. Returns OLLAMA_OK, OLLAMA_FAIL or
 * OLLAMA_UNREACHABLE, with a message in err for the last two. Safe from
 * several threads. */
int ollama_extract(const ollama_options *o, const ollama_doc *doc,
                   ollama_signal *out, ollama_prompt_info *info, char *err,
                   size_t errlen);

#endif
