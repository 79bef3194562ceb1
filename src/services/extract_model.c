#include "services/extract_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/ollama.h"
#include "domain/docsignal.h"
#include "domain/features.h"
#include "domain/text.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "services/cli.h"

struct extract_model {
    int ollama;
    sentiment_model *embedded;
    mention_index *idx;
    ollama_options opts;
    char *model_name; /* ollama model, owned */
    char *url; /* owned */
    char version[96];
};

int extract_model_check(const config *c, char *err, size_t errlen)
{
    if (strcmp(c->extractor_model, "ollama") != 0)
        return 0;
    if (!c->ollama_url || !*c->ollama_url) {
        snprintf(err, errlen,
                 "EXTRACTOR_MODEL=ollama needs OLLAMA_URL "
                 "(e.g. http://127.0.0.1:11434)");
        return -1;
    }
    if (!c->ollama_model || !*c->ollama_model) {
        snprintf(err, errlen,
                 "EXTRACTOR_MODEL=ollama needs OLLAMA_MODEL "
                 "(e.g. llama3.1)");
        return -1;
    }
    return 0;
}

extract_model *extract_model_open(const config *c, char *err, size_t errlen)
{
    extract_model *m;

    if (extract_model_check(c, err, errlen) < 0)
        return NULL;
    m = xcalloc(1, sizeof(*m));
    if (strcmp(c->extractor_model, "ollama") == 0) {
        m->ollama = 1;
        m->url = xstrdup(c->ollama_url);
        m->model_name = xstrdup(c->ollama_model);
        m->opts.url = m->url;
        m->opts.model = m->model_name;
        m->opts.timeout_s = c->ollama_timeout_s;
        m->opts.num_ctx = c->ollama_num_ctx;
        snprintf(m->version, sizeof(m->version), "ollama/%.80s",
                 c->ollama_model);
        return m;
    }
    m->embedded = sentiment_model_load(c->model_path, err, errlen);
    if (!m->embedded) {
        size_t used = strlen(err);

        if (strncmp(err, "cannot open", 11) == 0 && used < errlen)
            snprintf(err + used, errlen - used,
                     " (STONKS_MODEL_PATH names the weights file; the "
                     "default is relative to the repository's folder)");
        free(m);
        return NULL;
    }
    snprintf(m->version, sizeof(m->version), "%s",
             sentiment_model_version(m->embedded));
    return m;
}

void extract_model_free(extract_model *m)
{
    if (!m)
        return;
    sentiment_model_free(m->embedded);
    mention_index_free(m->idx);
    free(m->model_name);
    free(m->url);
    free(m);
}

void extract_model_set_index(extract_model *m, mention_index *idx)
{
    mention_index_free(m->idx);
    m->idx = idx;
}

const char *extract_model_version(const extract_model *m)
{
    return m->version;
}

const char *extract_model_prompt_version(const extract_model *m)
{
    return m->ollama ? OLLAMA_PROMPT_VERSION : NULL;
}

static void run_embedded(const extract_model *m, const extract_doc *doc,
                         extract_signal *out)
{
    docsignal_doc d;

    docsignal_doc_init(&d, m->idx, doc->text, doc->len, doc->title_len);
    for (size_t i = 0; i < doc->ntickers; i++) {
        docsignal s;

        docsignal_for(&d, m->embedded, doc->tickers[i], &s);
        out[i].sentiment = s.sentiment.score;
        out[i].label = s.sentiment.label;
        out[i].confidence = s.sentiment.confidence;
        out[i].relevance = s.relevance;
        out[i].event = s.event;
    }
}

int extract_model_run(extract_model *m, const extract_doc *doc,
                      extract_signal *out, extract_info *info, char *err,
                      size_t errlen)
{
    ollama_doc od = {doc->text, doc->len, doc->title_len, doc->tickers,
                     doc->ntickers};
    ollama_signal *os;
    ollama_prompt_info pi;
    int rc;

    memset(info, 0, sizeof(*info));
    info->text_len = doc->len;
    if (!m->ollama) {
        run_embedded(m, doc, out);
        info->text_shown = doc->len;
        return EXTRACT_OK;
    }
    os = xcalloc(doc->ntickers ? doc->ntickers : 1, sizeof(*os));
    rc = ollama_extract(&m->opts, &od, os, &pi, err, errlen);
    if (rc == OLLAMA_OK) {
        for (size_t i = 0; i < doc->ntickers; i++) {
            out[i].sentiment = os[i].sentiment;
            out[i].label = os[i].label;
            out[i].relevance = os[i].relevance;
            out[i].confidence = os[i].confidence;
            out[i].event = os[i].event;
        }
        memcpy(info->prompt_hash, pi.hash, sizeof(info->prompt_hash));
        info->text_shown = pi.text_shown;
    }
    free(os);
    if (rc == OLLAMA_OK)
        return EXTRACT_OK;
    return rc == OLLAMA_UNREACHABLE ? EXTRACT_RETRY : EXTRACT_FAIL;
}

/* The most text extract-once reads from standard input. */
#define ONCE_MAX_TEXT (16 << 20)

static void extract_once_usage(FILE *f)
{
    fprintf(f,
            "usage: stonks extract-once --tickers T1[,T2...] [--title TEXT]\n"
            "                           [--alias TICKER=NAME]... "
            "(--text TEXT | -)\n"
            "\n"
            "Runs the model EXTRACTOR_MODEL names (embedded or ollama, with\n"
            "the OLLAMA_* settings) on one document, as the extractor would,\n"
            "and prints one JSON line per ticker (text_shown and text_len:\n"
            "the bytes of the clean text the model saw, and of all of it;\n"
            "Ollama may see a cut). '-' reads the text from standard\n"
            "input (at most %d MiB). --alias gives the embedded model a\n"
            "company name (the extractor reads them from the registry).\n"
            "At most %d tickers, each once. Exit status: 0 signals\n"
            "printed, 1 (Ollama) the document cannot be asked about (text\n"
            "that is not UTF-8, a context too small) or the model's answer\n"
            "was refused, 2 usage, settings or unreadable input, 3 the\n"
            "model's server cannot be reached.\n",
            ONCE_MAX_TEXT >> 20, OLLAMA_MAX_TICKERS);
}

typedef struct once_args {
    char (*tickers)[TICKER_MAX];
    size_t ntickers;
    const char *title;
    const char *text;
    int stdin_text;
    mention_index *idx;
    char (*aliased)[TICKER_MAX]; /* the tickers --alias named */
    size_t naliased;
} once_args;

/* 1 when --tickers listed sym. */
static int has_ticker(const once_args *a, const char *sym)
{
    for (size_t i = 0; i < a->ntickers; i++) {
        if (strcmp(a->tickers[i], sym) == 0)
            return 1;
    }
    return 0;
}

/* Adds the comma-separated tickers of list. Returns 0, or -1 with the
 * reason in msg. */
static int parse_tickers(const char *list, once_args *a, char *msg,
                         size_t msglen)
{
    char *copy = xstrdup(list);
    char *save = NULL;
    int rc = 0;

    for (char *t = strtok_r(copy, ",", &save); t && rc == 0;
         t = strtok_r(NULL, ",", &save)) {
        char sym[TICKER_MAX];

        if (a->ntickers == OLLAMA_MAX_TICKERS)
            snprintf(msg, msglen, "at most %d tickers", OLLAMA_MAX_TICKERS);
        else if (ticker_normalize(t, strlen(t), sym) < 0)
            snprintf(msg, msglen, "'%.32s' is not a ticker symbol", t);
        else if (has_ticker(a, sym))
            snprintf(msg, msglen, "ticker %s is listed twice", sym);
        else {
            a->tickers =
                xreallocarray(a->tickers, a->ntickers + 1, sizeof(*a->tickers));
            memcpy(a->tickers[a->ntickers++], sym, sizeof(sym));
            mention_index_add_ticker(a->idx, sym);
            continue;
        }
        rc = -1;
    }
    free(copy);
    return rc;
}

/* Length of the white space at s[i] as names see it (mention.h): ASCII
 * white space or U+00A0, else 0. */
static size_t name_space_len(const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    return c == 0xC2 && (unsigned char)s[i + 1] == 0xA0 ? 2 : 0;
}

/* Bytes of name once white space is trimmed from both ends. */
static size_t trimmed_len(const char *name)
{
    size_t b = 0, e = strlen(name), last = 0;

    while (name[b] && name_space_len(name, b) > 0)
        b += name_space_len(name, b);
    for (size_t i = b; i < e;) {
        size_t sl = name_space_len(name, i);

        i += sl > 0 ? sl : 1;
        if (sl == 0)
            last = i;
    }
    return last > b ? last - b : 0;
}

/* 1 when name has an ASCII digit. */
static int has_digit(const char *name)
{
    return name[strcspn(name, "0123456789")] != '\0';
}

/* --alias TICKER=NAME: a ticker symbol and a name of 2 or more bytes
 * besides white space at its ends. Returns 0, or -1 with the reason in
 * msg. */
static int parse_alias(const char *v, once_args *a, char *msg, size_t msglen)
{
    const char *eq = strchr(v, '=');
    char sym[TICKER_MAX];

    if (!eq || ticker_normalize(v, (size_t)(eq - v), sym) < 0 ||
        trimmed_len(eq + 1) < 2 ||
        !(feat_has_letter(eq + 1, strlen(eq + 1)) || has_digit(eq + 1))) {
        snprintf(msg, msglen,
                 "--alias takes TICKER=NAME (a ticker symbol, a name of 2 "
                 "or more bytes besides white space, with a letter or "
                 "digit), not '%.64s'",
                 v);
        return -1;
    }
    if (mention_phrase_generic(eq + 1)) {
        /* as the registry refuses such a name (registry.h) */
        snprintf(msg, msglen,
                 "--alias %.16s=%.64s: a name of only common words or "
                 "company suffixes (\"The\", \"Inc\") would match in any "
                 "text",
                 sym, eq + 1);
        return -1;
    }
    mention_index_add_alias(a->idx, sym, eq + 1);
    a->aliased =
        xreallocarray(a->aliased, a->naliased + 1, sizeof(*a->aliased));
    memcpy(a->aliased[a->naliased++], sym, sizeof(sym));
    return 0;
}

/* The first ticker --alias named that --tickers does not list, or
 * NULL. */
static const char *unlisted_alias(const once_args *a)
{
    for (size_t k = 0; k < a->naliased; k++) {
        if (!has_ticker(a, a->aliased[k]))
            return a->aliased[k];
    }
    return NULL;
}

/* Returns 0, or -1 with the reason in msg. An option but --alias
 * given twice is refused, as other commands do (cli_given_before). */
static int once_parse(int argc, char **argv, once_args *a, char *msg,
                      size_t msglen)
{
    int *seen = xcalloc((size_t)argc, sizeof(int)), nseen = 0, rc = -1;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(o, "-") == 0) {
            if (a->stdin_text) {
                snprintf(msg, msglen, "'-' is given twice");
                goto out;
            }
            a->stdin_text = 1;
            continue;
        }
        if (strcmp(o, "--tickers") != 0 && strcmp(o, "--title") != 0 &&
            strcmp(o, "--text") != 0 && strcmp(o, "--alias") != 0) {
            snprintf(msg, msglen, "unknown option '%.64s'", o);
            goto out;
        }
        if (strcmp(o, "--alias") != 0 &&
            cli_given_before(argv, i, seen, &nseen)) {
            snprintf(msg, msglen, "%s is given twice", o);
            goto out;
        }
        if (!v) {
            snprintf(msg, msglen, "%s needs a value", o);
            goto out;
        }
        i++;
        if (strcmp(o, "--tickers") == 0) {
            if (parse_tickers(v, a, msg, msglen) < 0)
                goto out;
        } else if (strcmp(o, "--title") == 0) {
            a->title = v;
        } else if (strcmp(o, "--text") == 0) {
            a->text = v;
        } else if (parse_alias(v, a, msg, msglen) < 0) {
            goto out;
        }
    }
    if (a->ntickers == 0)
        snprintf(msg, msglen,
                 "--tickers is required (one ticker or more, "
                 "such as AAPL,MSFT)");
    else if (unlisted_alias(a))
        snprintf(msg, msglen, "--alias names %s, which is not in --tickers",
                 unlisted_alias(a));
    else if ((a->text != NULL) == a->stdin_text)
        snprintf(msg, msglen, "give the text with --text TEXT or '-', once");
    else
        rc = 0;
out:
    free(seen);
    return rc;
}

static void print_signal(const extract_model *m, const char *ticker,
                         const extract_signal *s, const extract_info *info)
{
    buf b;

    buf_init(&b);
    buf_addf(&b,
             "{\"ticker\":\"%s\",\"sentiment\":%.6f,\"label\":\"%s\","
             "\"relevance\":%.2f,\"confidence\":%.6f,\"event_type\":\"%s\","
             "\"model\":",
             ticker, s->sentiment, sentiment_label_name(s->label), s->relevance,
             s->confidence, event_type_name(s->event));
    buf_add_json_str(&b, extract_model_version(m),
                     strlen(extract_model_version(m)));
    if (extract_model_prompt_version(m))
        buf_addf(&b, ",\"prompt_version\":\"%s\",\"prompt_hash\":\"%s\"",
                 extract_model_prompt_version(m), info->prompt_hash);
    buf_addf(&b, ",\"text_shown\":%zu,\"text_len\":%zu}", info->text_shown,
             info->text_len);
    puts(b.data);
    buf_release(&b);
}

int cmd_extract_once(int argc, char **argv)
{
    once_args a = {0};
    config c;
    extract_model *m = NULL;
    extract_signal *sig = NULL;
    extract_info info;
    buf input;
    char *clean = NULL;
    size_t clen = 0;
    extract_doc doc;
    char err[1024];
    int rc = 2;

    if (cli_wants_help(argc, argv)) {
        extract_once_usage(stdout);
        return 0;
    }
    buf_init(&input);
    a.idx = mention_index_new();
    if (once_parse(argc, argv, &a, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks extract-once: %s\n", err);
        extract_once_usage(stderr);
        goto out_args;
    }
    if (cli_start_tool("extract-once", &c) < 0)
        goto out_args;
    m = extract_model_open(&c, err, sizeof(err));
    config_release(&c);
    if (!m) {
        fprintf(stderr, "stonks extract-once: %s\n", err);
        goto out_args;
    }
    extract_model_set_index(m, a.idx);
    a.idx = NULL;

    if (a.stdin_text) {
        char chunk[4096];
        size_t got;

        while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0 &&
               input.len <= ONCE_MAX_TEXT)
            buf_add(&input, chunk, got);
        if (ferror(stdin)) {
            fprintf(stderr,
                    "stonks extract-once: cannot read the text from "
                    "standard input: %s\n",
                    strerror(errno));
            goto out_args;
        }
        if (input.len >= 3 && memcmp(input.data, "\xef\xbb\xbf", 3) == 0) {
            /* a byte order mark is not text */
            memmove(input.data, input.data + 3, input.len - 3);
            input.len -= 3;
            input.data[input.len] = '\0';
        }
        if (input.len > ONCE_MAX_TEXT) {
            fprintf(stderr,
                    "stonks extract-once: the text is over %d MiB; give "
                    "a shorter one\n",
                    ONCE_MAX_TEXT >> 20);
            goto out_args;
        }
    } else {
        buf_adds(&input, a.text);
    }
    clean = text_clean_article(a.title, a.title ? strlen(a.title) : 0,
                               input.data, input.len, &clen);
    doc.text = clean;
    doc.len = clen;
    doc.title_len =
        a.title ? docsignal_title_len(a.title, strlen(a.title), clean, clen)
                : 0;
    doc.tickers = (const char(*)[TICKER_MAX])a.tickers;
    doc.ntickers = a.ntickers;
    sig = xcalloc(a.ntickers, sizeof(*sig));
    rc = extract_model_run(m, &doc, sig, &info, err, sizeof(err));
    if (rc == EXTRACT_OK) {
        for (size_t i = 0; i < a.ntickers; i++)
            print_signal(m, a.tickers[i], &sig[i], &info);
    } else {
        /* (it may quote the model's answer: no control bytes to the
         * terminal) */
        text_mask_controls(err);
        fprintf(stderr, "stonks extract-once: %s\n", err);
    }
    rc = rc == EXTRACT_OK ? 0 : rc == EXTRACT_FAIL ? 1 : 3;
out_args:
    free(sig);
    free(clean);
    buf_release(&input);
    extract_model_free(m);
    mention_index_free(a.idx);
    free(a.tickers);
    free(a.aliased);
    return rc;
}
