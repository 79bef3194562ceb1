#include "domain/mention.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/features.h"
#include "domain/text.h"
#include "lib/xalloc.h"

/*
 * Design: text is read once, left to right, as tokens: a maximal run of
 * word bytes (ASCII letters and digits, and every byte >= 0x80 so that
 * UTF-8 letters never split a word), or one punctuation character: an
 * ASCII byte, or a UTF-8 one such as a curly apostrophe (punct_len). Each token
 * is looked up in one hash table keyed by token text. An entry holds the
 * tickers whose symbol (before any class suffix) is that token, and the alias
 * phrases whose first token it is, longest first. At each token the longest
 * matching phrase wins and the scan resumes after it; otherwise the token may
 * be a bare ticker. A '$' starts a cashtag and a '(' may open a list of
 * tickers.
 *
 * The index is immutable once built, so queries share it freely; the
 * only memory a query takes is for more than HITS_LOCAL distinct hits.
 */

#define HITS_LOCAL 32
#define LIST_ITEMS_MAX 32
#define BASE_MAX 10
#define CLASS_MAX 4
/* Letters an alias needs for its upper-case form to count too: shorter
 * ones ("AmEx", "Citi", "Coke") are as often acronyms in capitals. */
#define CAPS_LETTERS_MIN 5

typedef struct m_ticker {
    char sym[TICKER_MAX];
    int common; /* ticker_is_common_word */
    int listed; /* registered by mention_index_add_ticker, or an alias */
    size_t target; /* the ticker it stands for: itself, or for a symbol
                      alias the ticker the alias was given for */
} m_ticker;

typedef struct m_phrase {
    char *text; /* single spaces, trimmed; ASCII apostrophes */
    size_t len;
    size_t ticker;
} m_phrase;

typedef struct m_entry {
    char *key;
    size_t key_len;
    uint32_t hash;
    size_t *tickers;
    size_t ntickers;
    size_t *phrases; /* longest first, then by text, then by ticker */
    size_t nphrases;
    size_t *caps; /* upper-case forms of phrases (CAPS_LETTERS_MIN), in
                     the same order; tried after phrases and tickers */
    size_t ncaps;
} m_entry;

struct mention_index {
    m_ticker *tickers;
    size_t ntickers, cap_tickers;
    m_phrase *phrases;
    size_t nphrases, cap_phrases;
    m_entry *entries;
    size_t nentries, cap_entries;
    size_t *slots; /* entry index + 1; 0 is empty; a power of 2 long */
    size_t nslots;
    int punct_keys; /* some phrase starts with a non-word byte */
};

static int is_word(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

static int is_upper_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_alnum(unsigned char c)
{
    return is_upper_alnum(c) || (c >= 'a' && c <= 'z');
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static int tolower_ascii(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Length of the white space at s[i], or 0: ASCII white space and the
 * no-break space U+00A0. */
static size_t space_len(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0)
        return 2;
    return 0;
}

/* Length of the UTF-8 punctuation at s[i], or 0: U+00A1..U+00BF
 * (inverted marks, guillemets, copyright sign, ...) and the 3-byte
 * punctuation the tokenizer knows too (feat_punct3: curly quotes and
 * apostrophes, dashes, ellipsis, trade marks, CJK and full-width
 * punctuation). They separate words as ASCII punctuation does, so
 * "Apple" followed by a curly apostrophe and "s" mentions Apple. */
static size_t punct_len(const char *s, size_t len, size_t i)
{
    if ((unsigned char)s[i] == 0xC2 && i + 1 < len &&
        (unsigned char)s[i + 1] >= 0xA1 && (unsigned char)s[i + 1] <= 0xBF)
        return 2;
    return feat_punct3((const unsigned char *)s, len, i) ? 3 : 0;
}

/* 1 when a word character starts at s[i] (i < len). */
static int word_at(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c < 0x80)
        return is_word(c);
    return space_len(s, len, i) == 0 && punct_len(s, len, i) == 0;
}

/* 1 when the character that ends right before s[i] is a word one. */
static int word_before(const char *s, size_t i)
{
    size_t j;

    if (i == 0)
        return 0;
    j = i - 1;
    while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80)
        j--;
    if ((unsigned char)s[i - 1] < 0x80)
        return is_word((unsigned char)s[i - 1]);
    return word_at(s, i, j);
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len) {
        size_t sl = space_len(s, len, i);

        if (sl == 0)
            break;
        i += sl;
    }
    return i;
}

static size_t token_end(const char *s, size_t len, size_t i)
{
    size_t pl = punct_len(s, len, i);

    if (pl > 0)
        return i + pl;
    if (!word_at(s, len, i))
        return i + 1;
    while (i < len && word_at(s, len, i))
        i++;
    return i;
}

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

mention_index *mention_index_new(void)
{
    mention_index *idx = xcalloc(1, sizeof(*idx));

    idx->nslots = 64;
    idx->slots = xcalloc(idx->nslots, sizeof(*idx->slots));
    return idx;
}

void mention_index_free(mention_index *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->nentries; i++) {
        free(idx->entries[i].key);
        free(idx->entries[i].tickers);
        free(idx->entries[i].phrases);
        free(idx->entries[i].caps);
    }
    for (size_t i = 0; i < idx->nphrases; i++)
        free(idx->phrases[i].text);
    free(idx->entries);
    free(idx->phrases);
    free(idx->tickers);
    free(idx->slots);
    free(idx);
}

static const m_entry *lookup(const mention_index *idx, const char *key,
                             size_t len)
{
    uint32_t h = hash_bytes(key, len);
    size_t mask = idx->nslots - 1;

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const m_entry *e;

        if (idx->slots[i] == 0)
            return NULL;
        e = &idx->entries[idx->slots[i] - 1];
        if (e->hash == h && e->key_len == len && !memcmp(e->key, key, len))
            return e;
    }
}

static void slot_insert(mention_index *idx, size_t entry)
{
    size_t mask = idx->nslots - 1;
    size_t i = idx->entries[entry].hash & mask;

    while (idx->slots[i] != 0)
        i = (i + 1) & mask;
    idx->slots[i] = entry + 1;
}

static m_entry *entry_get(mention_index *idx, const char *key, size_t len)
{
    const m_entry *found = lookup(idx, key, len);
    m_entry *e;

    if (found)
        return &idx->entries[found - idx->entries];

    if (idx->nentries == idx->cap_entries) {
        idx->cap_entries = idx->cap_entries ? idx->cap_entries * 2 : 64;
        idx->entries = xreallocarray(idx->entries, idx->cap_entries,
                                     sizeof(*idx->entries));
    }
    e = &idx->entries[idx->nentries++];
    memset(e, 0, sizeof(*e));
    e->key = xstrndup(key, len);
    e->key_len = len;
    e->hash = hash_bytes(key, len);

    if (idx->nentries * 2 > idx->nslots) {
        free(idx->slots);
        idx->nslots *= 2;
        idx->slots = xcalloc(idx->nslots, sizeof(*idx->slots));
        for (size_t i = 0; i < idx->nentries; i++)
            slot_insert(idx, i);
    } else {
        slot_insert(idx, idx->nentries - 1);
    }
    return e;
}

static size_t base_len(const char *sym)
{
    const char *dot = strchr(sym, '.');

    return dot ? (size_t)(dot - sym) : strlen(sym);
}

/* The ticker with canonical symbol sym, created when new. */
static size_t ticker_get(mention_index *idx, const char *sym)
{
    m_entry *e = entry_get(idx, sym, base_len(sym));
    m_ticker *t;

    for (size_t i = 0; i < e->ntickers; i++) {
        if (!strcmp(idx->tickers[e->tickers[i]].sym, sym))
            return e->tickers[i];
    }

    if (idx->ntickers == idx->cap_tickers) {
        idx->cap_tickers = idx->cap_tickers ? idx->cap_tickers * 2 : 64;
        idx->tickers = xreallocarray(idx->tickers, idx->cap_tickers,
                                     sizeof(*idx->tickers));
    }
    t = &idx->tickers[idx->ntickers];
    memcpy(t->sym, sym, strlen(sym) + 1);
    t->common = ticker_is_common_word(sym);
    t->listed = 0;
    t->target = idx->ntickers;

    e->tickers =
        xreallocarray(e->tickers, e->ntickers + 1, sizeof(*e->tickers));
    e->tickers[e->ntickers++] = idx->ntickers;
    return idx->ntickers++;
}

void mention_index_add_ticker(mention_index *idx, const char *ticker)
{
    char sym[TICKER_MAX];
    size_t t;

    if (ticker_normalize(ticker, strlen(ticker), sym) < 0)
        return;
    t = ticker_get(idx, sym);
    idx->tickers[t].listed = 1;
    /* a listed ticker stands for itself, whatever alias named it first */
    idx->tickers[t].target = t;
}

/* Order of phrases within an entry: longest first, so the first that
 * matches is the longest match. */
static int phrase_before(const mention_index *idx, const m_phrase *a,
                         const m_phrase *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c;

    if (a->len != b->len)
        return a->len > b->len;
    c = memcmp(a->text, b->text, n);
    if (c != 0)
        return c < 0;
    return strcmp(idx->tickers[a->ticker].sym, idx->tickers[b->ticker].sym) < 0;
}

/* An alias that is an everyday word written as a symbol ("ALL", "IT")
 * is registered as another symbol of the ticker, so that it counts only
 * where a common-word ticker does. Returns 1 when phrase was one. */
static int add_symbol_alias(mention_index *idx, const char *sym,
                            const char *phrase)
{
    char alias[TICKER_MAX];
    size_t t, a;

    if (ticker_normalize(phrase, strlen(phrase), alias) < 0 ||
        strcmp(alias, phrase) != 0 || !ticker_is_common_word(alias))
        return 0;
    t = ticker_get(idx, sym);
    a = ticker_get(idx, alias);
    if (a != t && !idx->tickers[a].listed) {
        idx->tickers[a].listed = 1;
        idx->tickers[a].target = t;
    }
    return 1;
}

/* Adds phrase text[0..len) of ticker t to the entry keyed by its first
 * token, to its upper-case forms when caps is set, unless it is there
 * already. Takes text (frees it when it was there). */
static void phrase_add(mention_index *idx, size_t t, char *text, size_t len,
                       int caps)
{
    m_entry *e = entry_get(idx, text, token_end(text, len, 0));
    size_t **list = caps ? &e->caps : &e->phrases;
    size_t *n = caps ? &e->ncaps : &e->nphrases;
    size_t pos;
    m_phrase *p;

    for (size_t i = 0; i < *n; i++) {
        const m_phrase *q = &idx->phrases[(*list)[i]];

        if (q->ticker == t && q->len == len && !memcmp(q->text, text, len)) {
            free(text);
            return;
        }
    }
    if (!word_at(text, len, 0))
        idx->punct_keys = 1;

    if (idx->nphrases == idx->cap_phrases) {
        idx->cap_phrases = idx->cap_phrases ? idx->cap_phrases * 2 : 64;
        idx->phrases = xreallocarray(idx->phrases, idx->cap_phrases,
                                     sizeof(*idx->phrases));
    }
    p = &idx->phrases[idx->nphrases];
    p->text = text;
    p->len = len;
    p->ticker = t;

    *list = xreallocarray(*list, *n + 1, sizeof(**list));
    pos = *n;
    while (pos > 0 && phrase_before(idx, p, &idx->phrases[(*list)[pos - 1]]))
        pos--;
    memmove(*list + pos + 1, *list + pos, (*n - pos) * sizeof(**list));
    (*list)[pos] = idx->nphrases++;
    (*n)++;
}

/* Length of an apostrophe at s[i], or 0: ASCII, U+2019 (the curly one)
 * or U+2018 (what typing turns a leading one into: "‘Tis"). */
static size_t apostrophe_len(const char *s, size_t len, size_t i)
{
    if (s[i] == '\'')
        return 1;
    if (i + 2 < len && (unsigned char)s[i] == 0xE2 &&
        (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x99 || (unsigned char)s[i + 2] == 0x98))
        return 3;
    return 0;
}

/* The upper-case form of phrase text[0..len), or NULL when it has no
 * lower-case letter or fewer than CAPS_LETTERS_MIN letters. */
static char *caps_form(const char *text, size_t len)
{
    size_t letters = 0, lower = 0;
    char *up;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        letters += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        lower += c >= 'a' && c <= 'z';
    }
    if (lower == 0 || letters < CAPS_LETTERS_MIN)
        return NULL;
    up = xstrndup(text, len);
    for (size_t i = 0; i < len; i++)
        up[i] = ascii_upper(up[i]);
    return up;
}

int mention_phrase_has_word(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return 1;
    return feat_has_letter(s, len);
}

size_t mention_phrase_text(const char *phrase, char *out)
{
    size_t len = 0;

    for (size_t i = 0, n = strlen(phrase); i < n;) {
        size_t al = apostrophe_len(phrase, n, i),
               il = text_invisible_len(phrase, n, i);

        if (il > 0) { /* as the parser's clean text drops them */
            i += il;
            continue;
        }
        if (al > 0) {
            out[len++] = '\'';
            i += al;
            continue;
        }
        if (space_len(phrase, n, i) == 0) {
            out[len++] = phrase[i++];
            continue;
        }
        i = skip_space(phrase, n, i);
        if (len > 0 && i < n)
            out[len++] = ' ';
    }
    out[len] = '\0';
    return len;
}

/* The length of the character that ends right before s[end] (end > 0). */
static size_t char_before_len(const char *s, size_t end)
{
    size_t k = 1;

    while (k < end && k < 4 && ((unsigned char)s[end - k] & 0xC0) == 0x80)
        k++;
    return ((unsigned char)s[end - k] & 0xC0) == 0xC0 ||
                   (unsigned char)s[end - k] < 0x80
               ? k
               : 1;
}

/* Where the words of text[0..len) start and end: the text without the
 * punctuation and white space around them. */
static void words_span(const char *text, size_t len, size_t *from, size_t *to)
{
    size_t i = 0, end = len;

    while (i < len && !word_at(text, len, i)) {
        size_t sl = space_len(text, len, i), pl = punct_len(text, len, i);

        i += sl ? sl : pl ? pl : 1;
    }
    while (end > i && !word_before(text, end))
        end -= char_before_len(text, end);
    *from = i;
    *to = end;
}

char *mention_phrase_key(const char *phrase)
{
    char *text = xmalloc(strlen(phrase) + 1);
    size_t len = mention_phrase_text(phrase, text), from, to;

    words_span(text, len, &from, &to);
    memmove(text, text + from, to - from);
    text[to - from] = '\0';
    for (size_t i = 0; i < to - from; i++)
        text[i] = (char)tolower_ascii((unsigned char)text[i]);
    return text;
}

/* mention_phrase_symbol of text[0..len), a phrase as the index keeps
 * it (mention_phrase_text). */
static int span_symbol(const char *text, size_t len, char out[TICKER_MAX])
{
    size_t from, to;

    words_span(text, len, &from, &to);
    return ticker_written_as_symbol(text + from, to - from, out);
}

int mention_phrase_symbol(const char *phrase, char out[TICKER_MAX])
{
    char *text = xmalloc(strlen(phrase) + 1);
    int yes = span_symbol(text, mention_phrase_text(phrase, text), out);

    free(text);
    return yes;
}

int mention_phrase_caps_symbol(const char *phrase, char out[TICKER_MAX])
{
    char *text = xmalloc(strlen(phrase) + 1);
    size_t len = mention_phrase_text(phrase, text);
    char *up = caps_form(text, len);
    int yes = up && span_symbol(up, len, out);

    free(up);
    free(text);
    return yes;
}

int mention_phrase_same(const char *a, const char *b)
{
    char *ka = mention_phrase_key(a), *kb = mention_phrase_key(b);
    int same = strcmp(ka, kb) == 0;

    free(ka);
    free(kb);
    return same;
}

/* The length of text[0..len) (mention_phrase_text) before a possessive
 * 's or 'S after its last word, or len when it ends in none. */
static size_t possessive_cut(const char *text, size_t len)
{
    size_t from, to;

    words_span(text, len, &from, &to);
    if (to - from > 2 && text[to - 2] == '\'' &&
        (text[to - 1] == 's' || text[to - 1] == 'S'))
        return to - 2;
    return len;
}

char *mention_phrase_base_key(const char *phrase)
{
    char *text = xmalloc(strlen(phrase) + 1), *key = NULL;
    size_t len = mention_phrase_text(phrase, text);
    size_t cut = possessive_cut(text, len);

    if (cut < len) {
        /* (the key of what is left: "Apple Inc.'s" is "apple inc") */
        text[cut] = '\0';
        key = mention_phrase_key(text);
    }
    free(text);
    return key;
}

int mention_phrase_possessive_symbol(const char *phrase, char out[TICKER_MAX])
{
    char *text = xmalloc(strlen(phrase) + 1);
    size_t len = mention_phrase_text(phrase, text);
    size_t cut = possessive_cut(text, len);
    int yes = cut < len && span_symbol(text, cut, out);

    free(text);
    return yes;
}

int mention_phrase_any_symbol(const char *phrase, char out[TICKER_MAX])
{
    return mention_phrase_symbol(phrase, out) ||
           mention_phrase_caps_symbol(phrase, out) ||
           mention_phrase_possessive_symbol(phrase, out);
}

/* 1 when a is b with a possessive. */
static int possessive_of(const char *a, const char *b)
{
    char *ka = mention_phrase_base_key(a), *kb;
    int yes = 0;

    if (ka) {
        kb = mention_phrase_key(b);
        yes = strcmp(ka, kb) == 0;
        free(kb);
    }
    free(ka);
    return yes;
}

int mention_phrase_possessive_pair(const char *a, const char *b)
{
    return possessive_of(a, b) || possessive_of(b, a);
}

/* Words that name no company by themselves, besides the common words
 * of ticker_is_common_word: company suffixes and words news uses for
 * any company. Sorted, upper case. */
static const char *const generic_words[] = {
    "AG",
    "BUT",
    "CO",
    "COMPANIES",
    "COMPANY",
    "CORP",
    "CORPORATION",
    "COS",
    "FROM",
    "GMBH",
    "GROUP",
    "HAVE",
    "HOLDING",
    "HOLDINGS",
    "INC",
    "INCORPORATED",
    "INTERNATIONAL",
    "ITS",
    "LIMITED",
    "LLC",
    "LLP",
    "LP",
    "LTD",
    "MARKET",
    "NV",
    "PLC",
    "SA",
    "SAID",
    "SE",
    "SHARES",
    "SPA",
    "STOCK",
    "THAT",
    "THEIR",
    "THIS",
    "TRUST",
    "WILL",
};

static int cmp_generic(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

/* 1 when the word w[0..n) (no white space in it) names no company by
 * itself, once the punctuation around it is set aside ("Inc."). */
static int generic_word(const char *w, size_t n)
{
    char up[24];
    size_t from, to;

    words_span(w, n, &from, &to);
    if (from == to)
        return 1;
    /* "Q Corp", "X Corp": a letter is a word of the name, except the
     * English words A and I */
    if (to - from == 1)
        return strchr("AaIi", w[from]) != NULL;
    if (to - from >= sizeof(up))
        return 0;
    for (size_t i = from; i < to; i++)
        up[i - from] = ascii_upper(w[i]);
    up[to - from] = '\0';
    return ticker_is_common_word(up) ||
           bsearch(up, generic_words,
                   sizeof(generic_words) / sizeof(generic_words[0]),
                   sizeof(generic_words[0]), cmp_generic) != NULL;
}

int mention_phrase_generic(const char *phrase)
{
    char *text = xmalloc(strlen(phrase) + 1), sym[TICKER_MAX];
    size_t len = mention_phrase_text(phrase, text), i = 0;
    int generic = 1;

    /* a common word written as a symbol ("ALL", "IT") is a symbol
     * alias, which counts as a cashtag only */
    if (ticker_normalize(text, len, sym) == 0 && strcmp(sym, text) == 0 &&
        ticker_is_common_word(sym)) {
        free(text);
        return 0;
    }
    while (generic && i < len) {
        const char *sp = memchr(text + i, ' ', len - i);
        size_t end = sp ? (size_t)(sp - text) : len;

        generic = generic_word(text + i, end - i);
        i = end + 1;
    }
    free(text);
    return generic;
}

void mention_index_add_alias(mention_index *idx, const char *ticker,
                             const char *phrase)
{
    char sym[TICKER_MAX];
    char *text, *caps;
    size_t len, t;

    if (ticker_normalize(ticker, strlen(ticker), sym) < 0)
        return;
    text = xmalloc(strlen(phrase) + 1);
    len = mention_phrase_text(phrase, text);
    /* " IT " is the symbol alias "IT" too */
    if (len < 2 || !mention_phrase_has_word(text, len) ||
        add_symbol_alias(idx, sym, text)) {
        free(text);
        return;
    }

    t = ticker_get(idx, sym);
    caps = caps_form(text, len);
    phrase_add(idx, t, text, len, 0);
    if (caps)
        phrase_add(idx, t, caps, len, 1);
}

/* The distinct tickers found so far, in order of discovery, and, when
 * spans is set, every mention with its place. */
typedef struct hits {
    size_t *ids;
    size_t n, cap;
    size_t local[HITS_LOCAL];
    mention_span *spans;
    size_t nspans, max_spans;
} hits;

static void hits_add(hits *h, size_t id)
{
    for (size_t i = 0; i < h->n; i++) {
        if (h->ids[i] == id)
            return;
    }
    if (h->n == h->cap) {
        if (h->ids == h->local) {
            h->ids = xreallocarray(NULL, h->cap * 2, sizeof(*h->ids));
            memcpy(h->ids, h->local, sizeof(h->local));
        } else {
            h->ids = xreallocarray(h->ids, h->cap * 2, sizeof(*h->ids));
        }
        h->cap *= 2;
    }
    h->ids[h->n++] = id;
}

/* Records that ticker id (or the ticker it stands for) is mentioned at
 * text[off .. off + len). A place two rules find (a ticker list and a
 * bare ticker in it) is one mention. */
static void hit(const mention_index *idx, hits *h, size_t id, size_t off,
                size_t len)
{
    const m_ticker *t = &idx->tickers[idx->tickers[id].target];

    hits_add(h, idx->tickers[id].target);
    if (!h->spans || h->nspans == h->max_spans)
        return;
    for (size_t k = 0; k < h->nspans; k++) {
        if (h->spans[k].off == off && strcmp(h->spans[k].ticker, t->sym) == 0)
            return;
    }
    memcpy(h->spans[h->nspans].ticker, t->sym, strlen(t->sym) + 1);
    h->spans[h->nspans].off = off;
    h->spans[h->nspans].len = len;
    h->nspans++;
}

static void hits_sort(const mention_index *idx, hits *h)
{
    for (size_t i = 1; i < h->n; i++) {
        size_t id = h->ids[i];
        size_t k = i;

        while (k > 0 && strcmp(idx->tickers[h->ids[k - 1]].sym,
                               idx->tickers[id].sym) > 0) {
            h->ids[k] = h->ids[k - 1];
            k--;
        }
        h->ids[k] = id;
    }
}

/* A symbol written in text: base s[start..base_end), and a class
 * suffix s[cls_start..cls_end) when cls_end > cls_start. */
typedef struct sym_span {
    size_t start, base_end, cls_start, cls_end;
} sym_span;

static int is_sym_char(unsigned char c, int any_case)
{
    return any_case ? is_alnum(c) : is_upper_alnum(c);
}

/* Reads a symbol at s[i]: 1-10 letters or digits ending at a word
 * boundary, then perhaps a class separator (one of seps) and 1-4
 * letters or digits ending at a word boundary. Returns 0 when there is
 * no symbol there. */
static int parse_sym(const char *s, size_t len, size_t i, int any_case,
                     const char *seps, sym_span *sp)
{
    size_t k = i, m;

    while (k < len && is_sym_char((unsigned char)s[k], any_case))
        k++;
    if (k == i || k - i > BASE_MAX || (k < len && word_at(s, len, k)))
        return 0;
    sp->start = i;
    sp->base_end = sp->cls_start = sp->cls_end = k;

    if (k + 1 >= len || s[k] == '\0' || !strchr(seps, s[k]))
        return 1;
    m = k + 1;
    while (m < len && is_sym_char((unsigned char)s[m], any_case))
        m++;
    if (m > k + 1 && m - k - 1 <= CLASS_MAX &&
        (m == len || !word_at(s, len, m))) {
        sp->cls_start = k + 1;
        sp->cls_end = m;
    }
    return 1;
}

/* The listed ticker a written symbol stands for: the full symbol with
 * its class when that is listed, else the base alone. Sets *id and
 * *end (where the symbol used ends) and returns 1, or returns 0. */
static int resolve(const mention_index *idx, const char *s, const sym_span *sp,
                   size_t *id, size_t *end)
{
    char sym[TICKER_MAX];
    size_t n = 0, blen;
    const m_entry *e;

    for (size_t k = sp->start; k < sp->base_end; k++)
        sym[n++] = ascii_upper(s[k]);
    blen = n;
    e = lookup(idx, sym, blen);
    if (!e)
        return 0;

    if (sp->cls_end > sp->cls_start) {
        sym[n++] = '.';
        for (size_t k = sp->cls_start; k < sp->cls_end; k++)
            sym[n++] = ascii_upper(s[k]);
        sym[n] = '\0';
        for (size_t i = 0; i < e->ntickers; i++) {
            const m_ticker *t = &idx->tickers[e->tickers[i]];

            if (t->listed && !strcmp(t->sym, sym)) {
                *id = e->tickers[i];
                *end = sp->cls_end;
                return 1;
            }
        }
    }

    sym[blen] = '\0';
    for (size_t i = 0; i < e->ntickers; i++) {
        const m_ticker *t = &idx->tickers[e->tickers[i]];

        if (t->listed && !strcmp(t->sym, sym)) {
            *id = e->tickers[i];
            *end = sp->base_end;
            return 1;
        }
    }
    return 0;
}

/* A cashtag at s[i] == '$': any case, any listed ticker (common words
 * too). Returns where it ends, or 0. */
static size_t match_cashtag(const mention_index *idx, const char *s, size_t len,
                            size_t i, hits *h)
{
    unsigned char c;
    sym_span sp;
    size_t id, end;

    if (word_before(s, i))
        return 0;
    if (i + 1 >= len)
        return 0;
    c = (unsigned char)s[i + 1];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
        return 0;
    if (!parse_sym(s, len, i + 1, 1, ".-/", &sp) ||
        !resolve(idx, s, &sp, &id, &end))
        return 0;
    hit(idx, h, id, i, end - i);
    return end;
}

/* A ticker list at s[i] == '(': two or more upper-case symbols, each
 * starting with a letter, separated by ',', ';' or '/' and optional
 * white space, then ')'. Every listed ticker in it counts, common
 * words too. Adds nothing when the parentheses hold anything else. */
static void match_ticker_list(const mention_index *idx, const char *s,
                              size_t len, size_t i, hits *h)
{
    size_t ids[LIST_ITEMS_MAX], offs[LIST_ITEMS_MAX], ends[LIST_ITEMS_MAX];
    size_t nids = 0, items = 0, k = i + 1;

    for (;;) {
        sym_span sp;
        size_t id, end;

        k = skip_space(s, len, k);
        if (k >= len || s[k] < 'A' || s[k] > 'Z' ||
            !parse_sym(s, len, k, 0, ".-", &sp))
            return;
        if (++items > LIST_ITEMS_MAX)
            return;
        if (resolve(idx, s, &sp, &id, &end)) {
            offs[nids] = sp.start;
            ends[nids] = end;
            ids[nids++] = id;
        }
        k = skip_space(s, len, sp.cls_end);
        if (k >= len)
            return;
        if (s[k] == ')')
            break;
        if (s[k] != ',' && s[k] != ';' && s[k] != '/')
            return;
        k++;
    }

    if (items < 2)
        return;
    for (size_t n = 0; n < nids; n++)
        hit(idx, h, ids[n], offs[n], ends[n] - offs[n]);
}

/* Where phrase p ends when it matches at s[i], else 0. A space in the
 * phrase matches any run of white space; a phrase that ends in a word
 * byte must end on a word boundary. */
static size_t phrase_match(const m_phrase *p, const char *s, size_t len,
                           size_t i)
{
    size_t k = i;

    for (size_t q = 0; q < p->len; q++) {
        if (p->text[q] == '\'') {
            size_t al = k < len ? apostrophe_len(s, len, k) : 0;

            if (al == 0)
                return 0;
            k += al;
            continue;
        }
        if (p->text[q] != ' ') {
            if (k >= len || s[k] != p->text[q])
                return 0;
            k++;
            continue;
        }
        if (k >= len || space_len(s, len, k) == 0)
            return 0;
        k = skip_space(s, len, k);
    }
    if (is_word((unsigned char)p->text[p->len - 1]) && k < len &&
        word_at(s, len, k))
        return 0;
    return k;
}

/* 1 when phrase p is written as the symbol of a listed ticker that
 * stands for itself ("AAPL" or "AAPL." given as another ticker's
 * alias): that symbol stays its own ticker's. */
static int own_symbol(const mention_index *idx, const m_phrase *p)
{
    char sym[TICKER_MAX];
    const m_entry *e;

    /* "BRK-B" and "BRK/B" being "BRK.B" */
    if (!span_symbol(p->text, p->len, sym))
        return 0;
    e = lookup(idx, sym, base_len(sym));
    for (size_t k = 0; e && k < e->ntickers; k++) {
        const m_ticker *t = &idx->tickers[e->tickers[k]];

        if (t->listed && t->target == e->tickers[k] && !strcmp(t->sym, sym))
            return 1;
    }
    return 0;
}

/* The longest phrase of list (n long) matching at s[i] and ending past
 * min_end (with every other phrase of that length that matches too, for
 * a name shared by two tickers). Returns where it ends, or 0. */
static size_t match_phrases(const mention_index *idx, const size_t *list,
                            size_t n_list, const char *s, size_t len, size_t i,
                            size_t min_end, hits *h)
{
    size_t best_len = 0, best_end = 0;

    for (size_t n = 0; n < n_list; n++) {
        const m_phrase *p = &idx->phrases[list[n]];
        size_t end;

        if (best_end && p->len < best_len)
            break;
        if (own_symbol(idx, p))
            continue;
        end = phrase_match(p, s, len, i);
        if (end <= min_end)
            continue;
        hit(idx, h, p->ticker, i, end - i);
        if (!best_end) {
            best_len = p->len;
            best_end = end;
        }
    }
    return best_end;
}

/* A bare ticker: the upper-case word s[i..j), perhaps with a class
 * suffix, that is a listed ticker and not a common word. */
static size_t match_bare(const mention_index *idx, const char *s, size_t len,
                         size_t i, size_t j, hits *h)
{
    sym_span sp;
    size_t id, end;

    if (!parse_sym(s, len, i, 0, ".-/", &sp) || sp.base_end != j ||
        !resolve(idx, s, &sp, &id, &end) || idx->tickers[id].common)
        return 0;
    hit(idx, h, id, i, end - i);
    return end;
}

/* Reads text once and records what it mentions into h. */
static void scan(const mention_index *idx, const char *text, size_t len,
                 hits *h)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t j, end = 0;
        const m_entry *e;

        if (space_len(text, len, i) > 0) {
            i = skip_space(text, len, i);
            continue;
        }
        if (c == '$')
            end = match_cashtag(idx, text, len, i, h);
        if (c == '(')
            match_ticker_list(idx, text, len, i, h);

        j = token_end(text, len, i);
        e = NULL;
        if (end == 0 && (word_at(text, len, i) || idx->punct_keys)) {
            /* a phrase keeps its apostrophes straight */
            if (apostrophe_len(text, len, i) > 1)
                e = lookup(idx, "'", 1);
            else
                e = lookup(idx, text + i, j - i);
        }
        if (e && e->nphrases > 0)
            end =
                match_phrases(idx, e->phrases, e->nphrases, text, len, i, 0, h);
        /* a name in capitals of more than one word ("GE HEALTHCARE")
         * before a bare ticker ("GE"), a one-word one after it */
        if (end == 0 && e && e->ncaps > 0)
            end = match_phrases(idx, e->caps, e->ncaps, text, len, i, j, h);
        if (end == 0 && e && e->ntickers > 0)
            end = match_bare(idx, text, len, i, j, h);
        if (end == 0 && e && e->ncaps > 0)
            end = match_phrases(idx, e->caps, e->ncaps, text, len, i, 0, h);
        i = end > 0 ? end : j;
    }
}

size_t mention_find(const mention_index *idx, const char *text, size_t len,
                    char (*out)[TICKER_MAX], size_t max)
{
    hits h = {.n = 0, .cap = HITS_LOCAL};
    size_t nout;

    h.ids = h.local;
    scan(idx, text, len, &h);
    hits_sort(idx, &h);
    nout = h.n < max ? h.n : max;
    for (size_t n = 0; n < nout; n++)
        strcpy(out[n], idx->tickers[h.ids[n]].sym);
    if (h.ids != h.local)
        free(h.ids);
    return nout;
}

size_t mention_spans(const mention_index *idx, const char *text, size_t len,
                     mention_span *out, size_t max)
{
    hits h = {.n = 0, .cap = HITS_LOCAL, .spans = out, .max_spans = max};

    h.ids = h.local;
    scan(idx, text, len, &h);
    if (h.ids != h.local)
        free(h.ids);
    return h.nspans;
}
