/*
 * features: tokens and hashed features of short financial text, shared by
 * the sentiment model (and its trainer) and the event rules. Everything
 * here works in caller-owned fixed-size arrays and never allocates, so it
 * is safe to call from any number of threads and costs no heap traffic
 * per sentence.
 *
 * A token is a lower-cased word (its FNV-1a hash, kept as 64 bits), a
 * number, or a punctuation mark that ends a clause or a phrase. Feature
 * indices are buckets of a table with FEAT_TABLE_SIZE rows; the feature
 * set itself (which words, pairs and cues are hashed, and how) is
 * versioned by FEAT_VERSION, and a weights file trained on another
 * version is refused at load time.
 */
#ifndef STONKS_FEATURES_H
#define STONKS_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever the tokens, hashing or cue features change. */
#define FEAT_VERSION 3

#define FEAT_TABLE_BITS 18
#define FEAT_TABLE_SIZE (1u << FEAT_TABLE_BITS)

/* feat_tokenize stops after this many tokens: a window. Callers read a
 * longer text window by window (feat_window). */
#define FEAT_MAX_TOKENS 160
/* The most features one text can produce; feat_extract stops there. */
#define FEAT_MAX_FEATURES 1024

/* Kinds of token. */
enum feat_kind {
    FEAT_K_WORD = 0,
    FEAT_K_NUM, /* a digit first, or a currency code glued to one
                   ("eur131m"); see feat_token_number */
    FEAT_K_PUNCT, /* , : ( ) " and the like: ends a phrase */
    FEAT_K_BREAK, /* . ; ! ? | : ends a clause ("Inc." and "U.S." not) */
};

typedef struct feat_token {
    /* FNV-1a of the lower-cased bytes ("'s" dropped); for a number,
     * the hash of its class, "<num>" or "<year>" */
    uint64_t hash;
    uint32_t off; /* the token is text[off .. off + len) */
    uint16_t len;
    uint8_t kind; /* enum feat_kind */
    uint8_t letter; /* 1: a word or number with a letter of a script in
                       it (ASCII, or "\xc3\xa9"; not a '%', a symbol or
                       punctuation such as "\xc2\xab"): evidence of
                       language */
} feat_token;

/* Splits text[0..len) into at most max tokens and returns how many it
 * wrote. Bytes >= 0x80 are word characters, so UTF-8 names stay whole. */
size_t feat_tokenize(const char *text, size_t len, feat_token *toks,
                     size_t max);

/* The value of a FEAT_K_NUM token ("1,250.5" is 1250.5, "EUR -0.4" is
 * -0.4); a unit suffix such as "m" is ignored. */
double feat_token_number(const char *text, const feat_token *t);

/* 1 when a 2-byte punctuation character starts at s[i]: the no-break
 * space and U+00A1..U+00BF (inverted marks, guillemets, the copyright,
 * degree and section signs) but the currency signs U+00A2..U+00A5,
 * which stay part of their word as the euro sign does. They separate
 * words as ASCII punctuation and white space do. */
static inline int feat_punct2(const unsigned char *s, size_t len, size_t i)
{
    return s[i] == 0xC2 && i + 1 < len && s[i + 1] >= 0xA0 &&
           s[i + 1] <= 0xBF && !(s[i + 1] >= 0xA2 && s[i + 1] <= 0xA5);
}

/* 1 when a 3-byte punctuation character starts at s[i]: the General
 * Punctuation block U+2000..U+206F (curly quotes and apostrophes,
 * dashes, ellipsis), the marks U+2120 and U+2122, CJK punctuation
 * U+3000..U+303F and the full-width forms of ASCII punctuation. They
 * separate words as ASCII punctuation does; any other character that
 * starts with the same bytes ("\xe2\x82\xac", the euro sign) is part of
 * a word. The tokenizer and mentions (mention.c) share it. */
static inline int feat_punct3(const unsigned char *s, size_t len, size_t i)
{
    unsigned char c1, c2;

    if (i + 2 >= len || (s[i + 2] & 0xC0) != 0x80)
        return 0;
    c1 = s[i + 1];
    c2 = s[i + 2];
    switch (s[i]) {
    case 0xE2:
        return c1 == 0x80 || c1 == 0x81 ||
               (c1 == 0x84 && (c2 == 0xA0 || c2 == 0xA2));
    case 0xE3:
        return c1 == 0x80;
    case 0xEF:
        return (c1 == 0xBC && ((c2 >= 0x81 && c2 <= 0x8F) ||
                               (c2 >= 0x9A && c2 <= 0xA0) || c2 >= 0xBB)) ||
               (c1 == 0xBD && (c2 == 0x80 || (c2 >= 0x9B && c2 <= 0xA5)));
    default:
        return 0;
    }
}

/* 1 when text[0..len) holds a letter of a script: Latin (not U+00D7,
 * U+00F7), Greek, Cyrillic and the other alphabets up to U+1FFF (not
 * the Arabic-Indic digits and punctuation), kana and CJK, Hangul,
 * full-width Latin; not digits, symbols, punctuation or emoji. */
int feat_has_letter(const char *text, size_t len);

/* The next window of text[0..len): its tokens (at most FEAT_MAX_TOKENS)
 * into toks; returns how many and sets *next to where the window after
 * it starts (len when the text ends in this one). A full window ends
 * after its last clause break in its second half; without one, its last
 * token is left to the next window, which reads it with what follows
 * ("U.S." or "Inc." then stays one word). Every token of the text is in
 * exactly one window. */
size_t feat_window(const char *text, size_t len, feat_token *toks,
                   size_t *next);

/* FNV-1a 64 of the lower-cased bytes of s[0..len): the same hash the
 * tokenizer gives the word. */
uint64_t feat_hash_word(const char *s, size_t len);

/* 1 when the word (any case) is in the sentiment features' lists of
 * direction and sentiment words ("rose", "cut", "record", "laid"),
 * else 0. Thread-safe. */
int feat_sentiment_word(const char *w, size_t len);

/* The hash of the word pair (a, b) from the hashes of its words; the
 * order matters. */
uint64_t feat_hash_pair(uint64_t a, uint64_t b);

/* Writes the table buckets of the features of toks[0..n), the tokens of
 * text, into out (at most max; FEAT_MAX_FEATURES is always enough) and
 * returns the count. Every feature has value 1; a bucket may repeat. */
size_t feat_extract(const char *text, const feat_token *toks, size_t n,
                    uint32_t *out, size_t max);

/*
 * A small read-only word set keyed by feat_hash_word, for word lists
 * such as the event keywords. Build it once (feat_lexicon_build) and
 * share it; lookups never write.
 */
#define FEAT_LEX_SLOTS 2048

/* Words sharing the same flags: a space-separated list, where "a_b"
 * stands for the word pair "a b". */
typedef struct feat_lex_group {
    uint32_t flags;
    const char *words;
} feat_lex_group;

typedef struct feat_lexicon {
    uint64_t keys[FEAT_LEX_SLOTS];
    uint32_t flags[FEAT_LEX_SLOTS];
} feat_lexicon;

/* Fills lx from groups[0..n); a word listed twice gets the union of its
 * flags. Words are at most 31 bytes, and there must be fewer than
 * FEAT_LEX_SLOTS / 2 of them (both asserted). */
void feat_lexicon_build(feat_lexicon *lx, const feat_lex_group *groups,
                        size_t n);

/* The flags of the word with this hash, 0 when it is not in the set. */
uint32_t feat_lexicon_get(const feat_lexicon *lx, uint64_t hash);

#endif
