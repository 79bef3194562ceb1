/*
 * Design: the sentiment features are
 *   - every word and number class (unigrams),
 *   - every pair of adjacent words inside a phrase (bigrams),
 *   - words inside the scope of a negation ("not", "no", "didn't", ...),
 *   - cues: a direction word ("rose", "narrowed") applied to a metric
 *     ("profit", "loss") found nearby in the same clause. A good metric
 *     going up or a bad metric going down is a positive cue; negation
 *     flips it. The cue is emitted alone, with the metric word, with the
 *     direction and metric words as a pair, with the clause's comparison
 *     with a previous period, and with a percentage right after the
 *     direction word; a direction word without a metric still counts,
 *   - "to X from Y" / "from Y to X" in a clause with a metric, read as a
 *     direction from the two numbers (scaled by "mn", "bn", ...),
 *   - "A compared to B", "A versus B", "A from B": a metric before the
 *     comparison word against a number or another metric after it, so
 *     "margin was 8.3 % compared to 11.8 %" and "swung to a profit from
 *     a loss" get a direction,
 *   - hits of a small positive and negative word list,
 *   - in a text with no direction cue at all, each metric word stated
 *     without a direction, as good or bad ("posted an operating loss
 *     of EUR 0.1 mn", "will lead to losses"): a bad metric named on its
 *     own is bad news more often than not.
 * Each kind of feature hashes into its own namespace of the one table.
 */
#include "domain/features.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* Namespaces of the hashed features. */
enum {
    NS_UNI = 1,
    NS_BI,
    NS_NEG,
    NS_CUE,
    NS_CUE_METRIC,
    NS_CUE_PAIR,
    NS_CUE_CMP,
    NS_CUE_SUM,
    NS_DIR_ONLY,
    NS_NUM_CMP,
    NS_LEX,
    NS_VS,
    NS_STATE,
};

/* Word classes of the sentiment lexicon. */
enum {
    L_NEGATOR = 1u << 0,
    L_UP = 1u << 1,
    L_DOWN = 1u << 2,
    L_GOOD = 1u << 3, /* a metric where more is better */
    L_BAD = 1u << 4, /* a metric where more is worse */
    L_CMP = 1u << 5, /* comparison with another period */
    L_POSW = 1u << 6,
    L_NEGW = 1u << 7,
    L_CONTRAST = 1u << 8, /* starts a new clause: "while", "but" */
    L_TO = 1u << 9,
    L_FROM = 1u << 10,
    L_VS = 1u << 11, /* "versus": compares what precedes and follows */
    L_PCT = 1u << 12, /* "%", "percent" */
    L_MINUS = 1u << 13, /* "negative" in front of a number */
    L_MILLION = 1u << 14,
    L_BILLION = 1u << 15,
    L_MOVE = 1u << 16, /* "went" in "went up to": a move, not a bound */
};

/* Word lists written for this project. Inflections are listed because
 * the tokenizer does not stem. */
static const feat_lex_group sent_words[] = {
    {L_NEGATOR, "not no never without neither nor cannot none nothing don't "
                "doesn't didn't won't can't isn't wasn't aren't weren't "
                "hasn't haven't hadn't couldn't wouldn't shouldn't fail "
                "fails failed"},
    {L_UP, "rose rise rises rising risen increase increased increases "
           "increasing grew grow grows growing grown up higher improved "
           "improve improves improving improvement jumped jump jumps "
           "climbed climb climbs gained gain gains doubled tripled "
           "surged surge surges soared soars expanded expand expands "
           "expanding boosted boost boosts exceeded exceed exceeds "
           "strengthened advanced widened widen widens widening "
           "rebounded rebound recovered raise raised raises raising "
           "beat beats topped tops accelerated rallied hike hiked hikes "
           "lifted lifts above quadrupled"},
    {L_DOWN, "fell fall falls falling fallen decreased decrease decreases "
             "decreasing declined decline declines declining dropped drop "
             "drops dropping down lower lowered lowers lowering slumped "
             "slump plunged plunge plunges narrowed narrow narrows "
             "narrowing shrank shrink shrinks shrunk cut cuts cutting "
             "reduced reduce reduces reducing reduction weakened weaken "
             "slipped slips tumbled tumbles halved contracted dipped dips "
             "eased sank slid slides slowed deteriorated worsened "
             "diminished missed misses trimmed trims slashed slashes "
             "below"},
    {L_GOOD, "profit profits profitability sales revenue revenues "
             "earnings income ebit ebitda eps margin margins turnover "
             "order orders intake backlog result results demand dividend "
             "dividends cash volume volumes deliveries shipments "
             "production output traffic passengers price prices share "
             "shares stock value exports performance productivity return "
             "returns capacity occupancy subscribers customers rating "
             "jobs employees staff personnel workforce headcount "
             "expectations estimates forecast forecasts guidance outlook "
             "target growth market savings"},
    {L_BAD, "loss losses cost costs expenses expense debt debts deficit "
            "unemployment layoffs charges writedowns impairment "
            "impairments provisions liabilities borrowings gearing "
            "redundancies defaults risk risks inflation"},
    {L_CMP, "comparison year-on-year year-over-year yoy earlier previous "
            "prior corresponding ago last same"},
    {L_FROM | L_CMP | L_VS, "from"},
    {L_TO, "to"},
    {L_CMP | L_VS, "compared versus vs"},
    {L_VS, "against"},
    {L_PCT, "% percent pct"},
    {L_MINUS, "negative"},
    {L_MILLION, "million mn mln m"},
    {L_BILLION, "billion bn bln"},
    {L_MOVE, "gone went go goes going moved shot came"},
    {L_NEGW, "disappointment stoppage threat threats uncompetitive "
             "lost weak weaker weakness poor bad worse worst difficult "
             "difficulties challenging problem problems bankruptcy "
             "bankrupt insolvency layoff laid lawsuit sued fraud "
             "investigation probe fined penalty warning warns warned "
             "downgrade downgraded downgrades underperform negative "
             "adverse uncertainty uncertain concern concerns crisis "
             "recession shortfall delay delayed delays closure shut "
             "shutdown halt halted suspended strike disappointing "
             "disappointed failure terminated cancelled canceled "
             "unprofitable default writedown pressure hurt recall dispute "
             "lose losing slowdown temporary painful damaged "
             "uncertainties cancellation leak criticism criticised "
             "criticized worries fears"},
    {L_CONTRAST, "while but whereas although though however despite meanwhile"},
    {L_POSW, "savings praised enthusiasm promise preferred ideal leader "
             "rewarded achieve achieved "
             "strong stronger strongest robust record solid successful "
             "success win wins won awarded upgrade upgraded upgrades "
             "outperform positive favorable favourable benefit benefits "
             "opportunity opportunities efficient efficiency profitable "
             "healthy excellent good pleased confident optimistic "
             "breakthrough surpassed enhance enhanced attractive best "
             "boosting strengthen strengthening satisfied successfully "
             "promising proud excited recommended better"},
};

static feat_lexicon sent_lex;
static pthread_once_t sent_lex_once = PTHREAD_ONCE_INIT;

static void sent_lex_init(void)
{
    feat_lexicon_build(&sent_lex, sent_words,
                       sizeof(sent_words) / sizeof(sent_words[0]));
}

/* Byte classes: every byte of a word, digits, ASCII letters. Bytes
 * >= 0x80 are word bytes so that UTF-8 names stay whole, except 0xC2,
 * 0xE2, 0xE3 and 0xEF, which start punctuation (feat_punct2,
 * feat_punct3) as well as characters of words (the pound and euro
 * signs, CJK, the replacement character), so are looked at on their
 * own (word_at). */
enum { B_WORD = 1, B_DIGIT = 2, B_ALPHA = 4 };

static const uint8_t byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0,
    0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static const uint8_t lower_byte[256] = {
    0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,
    15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27,  28,  29,
    30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,  41,  42,  43,  44,
    45,  46,  47,  48,  49,  50,  51,  52,  53,  54,  55,  56,  57,  58,  59,
    60,  61,  62,  63,  64,  97,  98,  99,  100, 101, 102, 103, 104, 105, 106,
    107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
    122, 91,  92,  93,  94,  95,  96,  97,  98,  99,  100, 101, 102, 103, 104,
    105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
    120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134,
    135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
    150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164,
    165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179,
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194,
    195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209,
    210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224,
    225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
    240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254,
    255,
};

static inline int is_alpha(unsigned char c)
{
    return byte_class[c] & B_ALPHA;
}

static inline int is_digit(unsigned char c)
{
    return byte_class[c] & B_DIGIT;
}

static inline int is_word_byte(unsigned char c)
{
    return byte_class[c] & B_WORD;
}

static inline unsigned char lower(unsigned char c)
{
    return lower_byte[c];
}

/* 1 when s[i] (i < len) starts or continues a word. */
static inline __attribute__((always_inline)) int word_at(const unsigned char *s,
                                                         size_t len, size_t i)
{
    if (is_word_byte(s[i]))
        return 1;
    if (s[i] == 0xC2)
        return !feat_punct2(s, len, i);
    return (s[i] == 0xE2 || s[i] == 0xE3 || s[i] == 0xEF) &&
           !feat_punct3(s, len, i);
}

/* 1 when a curly apostrophe starts at s[i]: U+2019, or U+2018 typed in
 * its place. */
static inline int curly_apostrophe(const unsigned char *s, size_t len, size_t i)
{
    return i + 2 < len && s[i] == 0xE2 && s[i + 1] == 0x80 &&
           (s[i + 2] == 0x99 || s[i + 2] == 0x98);
}

uint64_t feat_hash_pair(uint64_t a, uint64_t b)
{
    return (a * 0x100000001b3ull) ^
           (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
}

uint64_t feat_hash_word(const char *s, size_t len)
{
    uint64_t h = FNV_OFFSET;

    for (size_t i = 0; i < len; i++)
        h = (h ^ lower((unsigned char)s[i])) * FNV_PRIME;
    return h;
}

int feat_sentiment_word(const char *w, size_t len)
{
    pthread_once(&sent_lex_once, sent_lex_init);
    return (feat_lexicon_get(&sent_lex, feat_hash_word(w, len)) &
            (L_UP | L_DOWN | L_POSW | L_NEGW)) != 0;
}

/* A '.' after these words is an abbreviation, not the end of a clause. */
static int is_abbreviation(const char *s, size_t len)
{
    static const char *const abbr[] = {"inc", "corp", "co", "ltd", "mr",
                                       "ms",  "dr",   "no", "jr",  "st",
                                       "plc", "bhd",  "vs"};
    char w[5];

    if (len == 1)
        return 1;
    if (len > 4)
        return 0;
    for (size_t i = 0; i < len; i++)
        w[i] = (char)lower((unsigned char)s[i]);
    for (size_t i = 0; i < sizeof(abbr) / sizeof(abbr[0]); i++) {
        if (strlen(abbr[i]) == len && memcmp(abbr[i], w, len) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the '.' at text[i] ends an abbreviation ("U.S.", "Inc.")
 * rather than a clause. */
static int ends_abbreviation(const char *text, const feat_token *toks, size_t n,
                             size_t i)
{
    const feat_token *t = n > 0 ? &toks[n - 1] : NULL;

    if (!t || t->kind != FEAT_K_WORD || t->off + t->len != i)
        return 0;
    return memchr(text + t->off, '.', t->len) != NULL ||
           is_abbreviation(text + t->off, t->len);
}

/* Scans one word or number starting at text[i]; returns the end. */
static size_t scan_word(const char *text, size_t len, size_t i, uint64_t *hash,
                        unsigned *classes)
{
    const unsigned char *s = (const unsigned char *)text;
    int numeric = is_digit(s[i]);
    unsigned digits = 0;
    uint64_t h = FNV_OFFSET;

    for (;;) {
        unsigned char c;

        /* The hot loop: a run of word bytes. */
        while (i < len && (byte_class[s[i]] & B_WORD)) {
            digits |= byte_class[s[i]];
            h = (h ^ lower_byte[s[i]]) * FNV_PRIME;
            i++;
        }
        if (i < len && s[i] >= 0xC2) {
            if (word_at(s, len, i)) {
                h = (h ^ s[i]) * FNV_PRIME; /* 0xC2, 0xE2, 0xE3, 0xEF */
                i++;
                continue;
            }
            if (curly_apostrophe(s, len, i) && i + 3 < len &&
                is_alpha(s[i + 3])) {
                /* didn’t reads as didn't */
                if (lower(s[i + 3]) == 's' &&
                    (i + 4 >= len || !word_at(s, len, i + 4))) {
                    i += 4;
                    break;
                }
                h = (h ^ '\'') * FNV_PRIME;
                i += 3;
                continue;
            }
        }
        if (i + 1 >= len || !word_at(s, len, i + 1))
            break;
        c = s[i];
        if ((c == '.' || c == ',') && numeric && is_digit(s[i + 1])) {
            i++;
        } else if ((c == '.' || c == '-') && !numeric) {
            /* u.s, amazon.com, pre-tax */
            h = (h ^ c) * FNV_PRIME;
            i++;
        } else if (c == '\'' && is_alpha(s[i + 1])) {
            if (lower(s[i + 1]) == 's' &&
                (i + 2 >= len || !word_at(s, len, i + 2))) {
                i += 2;
                break;
            }
            h = (h ^ c) * FNV_PRIME;
            i++;
        } else {
            break;
        }
    }
    *classes = digits;
    *hash = h;
    return i;
}

/* The value of a number token, skipping a currency prefix ("eur131"). */
static double parse_number(const unsigned char *s, size_t len)
{
    double v = 0.0;
    double scale = 0.0;
    size_t i = 0;

    while (i < len && is_alpha(s[i]))
        i++;
    for (; i < len; i++) {
        unsigned char c = s[i];

        if (is_digit(c)) {
            if (scale > 0.0) {
                v += (c - '0') * scale;
                scale /= 10.0;
            } else {
                v = v * 10.0 + (c - '0');
            }
        } else if (c == '.' && scale == 0.0) {
            scale = 0.1;
        } else if (c != ',') {
            break;
        }
    }
    return v;
}

static inline int is_year(size_t len, double v)
{
    return len == 4 && v >= 1900 && v <= 2099;
}

/* The hash of a number token: its class, not its digits. */
static uint64_t number_class(const char *s, size_t len)
{
    double v = parse_number((const unsigned char *)s, len);

    if (is_year(len, v))
        return feat_hash_word("<year>", 6);
    return feat_hash_word("<num>", 5);
}

/* "eur131m", "sek72": a currency code glued to a number. */
static int is_currency_number(const char *s, size_t len)
{
    static const char *const codes[] = {"eur", "euro", "usd", "sek", "gbp",
                                        "nok", "dkk",  "rub", "ltl", "eek",
                                        "pln", "jpy",  "chf", "us"};

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        size_t n = strlen(codes[i]);

        if (len > n && is_digit((unsigned char)s[n]) &&
            lower((unsigned char)s[0]) == codes[i][0] &&
            feat_hash_word(s, n) == feat_hash_word(codes[i], n))
            return 1;
    }
    return 0;
}

/* 1 when code point c is a letter of a script: Latin (not the signs
 * of U+00D7 and U+00F7), Greek, Cyrillic and the other alphabets up to
 * U+1FFF (not the Arabic-Indic digits and punctuation), kana and CJK,
 * Hangul, full-width Latin. Symbols, punctuation and emoji are not. */
static int is_letter_cp(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    /* combining marks, which show on a letter before them and are none
     * alone, and the Hangul fillers, which show nothing */
    if ((c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
        (c >= 0x1DC0 && c <= 0x1DFF) || c == 0x115F || c == 0x1160 ||
        c == 0x3164)
        return 0;
    if (c >= 0xC0 && c <= 0x1FFF)
        return c != 0xD7 && c != 0xF7 && c != 0x60C && c != 0x61B &&
               c != 0x61F && c != 0x6D4 && !(c >= 0x660 && c <= 0x66D) &&
               !(c >= 0x6F0 && c <= 0x6F9);
    return (c >= 0x3040 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A);
}

int feat_has_letter(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;

    for (size_t i = 0; i < len;) {
        uint32_t c = s[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

        if (c >= 0x80 && c < 0xC0) { /* a stray continuation byte */
            i++;
            continue;
        }
        if (i + n > len)
            return 0;
        if (n > 1) {
            c &= n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07;
            for (size_t k = 1; k < n; k++)
                c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (is_letter_cp(c))
            return 1;
        i += n;
    }
    return 0;
}

static int add_token(feat_token *toks, size_t n, size_t max, uint64_t hash,
                     size_t off, size_t len, int kind)
{
    if (n >= max)
        return 0;
    /* Runs of punctuation collapse into their first mark. */
    if (kind >= FEAT_K_PUNCT && n > 0 && toks[n - 1].kind >= FEAT_K_PUNCT) {
        if (kind == FEAT_K_BREAK)
            toks[n - 1].kind = FEAT_K_BREAK;
        return 0;
    }
    toks[n].hash = hash;
    toks[n].off = (uint32_t)off;
    toks[n].len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
    toks[n].kind = (uint8_t)kind;
    toks[n].letter = 0;
    return 1;
}

size_t feat_tokenize(const char *text, size_t len, feat_token *toks, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;
    size_t i = 0;

    if (len > UINT32_MAX)
        len = UINT32_MAX;
    while (i < len && n < max) {
        unsigned char c = s[i];

        if (word_at(s, len, i)) {
            size_t start = i;
            uint64_t h;
            unsigned classes = 0;
            int kind = is_digit(c) ? FEAT_K_NUM : FEAT_K_WORD;

            i = scan_word(text, len, i, &h, &classes);
            if (kind == FEAT_K_WORD && (classes & B_DIGIT) &&
                is_currency_number(text + start, i - start))
                kind = FEAT_K_NUM;
            if (kind == FEAT_K_NUM)
                h = number_class(text + start, i - start);
            if (add_token(toks, n, max, h, start, i - start, kind))
                toks[n++].letter = (classes & B_ALPHA) ||
                                   feat_has_letter(text + start, i - start);
            continue;
        }
        if (c == ' ') {
            i++;
            continue;
        }
        if (c == 0xC2) {
            /* feat_punct2: the no-break space, guillemets and the other
             * Latin-1 signs separate words */
            i += 2;
            continue;
        }
        if (c == 0xE2 || c == 0xE3 || c == 0xEF) {
            /* feat_punct3: curly double quotes are quotes; other punctuation
             * (apostrophes, dashes, ellipsis, CJK, full-width) separates
             * words */
            if (c == 0xE2 && s[i + 1] == 0x80 &&
                (s[i + 2] == 0x9C || s[i + 2] == 0x9D))
                n += add_token(toks, n, max, 0, i, 3, FEAT_K_PUNCT);
            i += 3;
            continue;
        }
        switch (c) {
        case '%':
            n += add_token(toks, n, max, feat_hash_word("%", 1), i, 1,
                           FEAT_K_WORD);
            break;
        case '.':
            /* "EUR0 .03": a decimal point cut off its number */
            if (i + 1 < len && is_digit(s[i + 1]))
                break;
            if (i + 1 >= len || !ends_abbreviation(text, toks, n, i))
                n += add_token(toks, n, max, 0, i, 1, FEAT_K_BREAK);
            break;
        case ';':
        case '!':
        case '?':
        case '|':
            n += add_token(toks, n, max, 0, i, 1, FEAT_K_BREAK);
            break;
        case ',':
        case ':':
        case '(':
        case ')':
        case '[':
        case ']':
        case '"':
        case '/':
            n += add_token(toks, n, max, 0, i, 1, FEAT_K_PUNCT);
            break;
        default:
            break;
        }
        i++;
    }
    return n;
}

size_t feat_window(const char *text, size_t len, feat_token *toks, size_t *next)
{
    size_t n = feat_tokenize(text, len, toks, FEAT_MAX_TOKENS);
    size_t end;
    feat_token probe;

    *next = len;
    if (n < FEAT_MAX_TOKENS)
        return n;
    /* exactly FEAT_MAX_TOKENS tokens is one window */
    end = (size_t)toks[n - 1].off + toks[n - 1].len;
    if (feat_tokenize(text + end, len - end, &probe, 1) == 0)
        return n;
    for (size_t k = n; k > FEAT_MAX_TOKENS / 2; k--) {
        if (toks[k - 1].kind == FEAT_K_BREAK) {
            *next = toks[k - 1].off + toks[k - 1].len;
            return k;
        }
    }
    *next = toks[n - 1].off;
    return n - 1;
}

double feat_token_number(const char *text, const feat_token *t)
{
    double v = parse_number((const unsigned char *)text + t->off, t->len);
    size_t o = t->off;

    /* "EUR -0.4 mn", but not the "-7" of "6.06-7". */
    if (o > 0 && text[o - 1] == '-' &&
        (o == 1 || text[o - 2] == ' ' || text[o - 2] == '('))
        v = -v;
    return v;
}

/* The key of one word ("a_b": the pair) of a group list. */
static uint64_t lex_key(const char *w, size_t len)
{
    const char *join = memchr(w, '_', len);

    if (!join)
        return feat_hash_word(w, len);
    return feat_hash_pair(
        feat_hash_word(w, (size_t)(join - w)),
        feat_hash_word(join + 1, len - (size_t)(join - w) - 1));
}

static void lex_add(feat_lexicon *lx, uint64_t h, uint32_t flags, size_t *count)
{
    size_t slot = (size_t)(h >> 40) & (FEAT_LEX_SLOTS - 1);

    while (lx->keys[slot] && lx->keys[slot] != h)
        slot = (slot + 1) & (FEAT_LEX_SLOTS - 1);
    if (!lx->keys[slot])
        ++*count;
    assert(*count < FEAT_LEX_SLOTS / 2);
    lx->keys[slot] = h;
    lx->flags[slot] |= flags;
}

void feat_lexicon_build(feat_lexicon *lx, const feat_lex_group *groups,
                        size_t n)
{
    size_t count = 0;

    memset(lx, 0, sizeof(*lx));
    for (size_t i = 0; i < n; i++) {
        const char *w = groups[i].words;

        while (*w) {
            size_t len = strcspn(w, " ");

            assert(len < 32);
            if (len > 0)
                lex_add(lx, lex_key(w, len), groups[i].flags, &count);
            w += len;
            w += *w == ' ';
        }
    }
}

uint32_t feat_lexicon_get(const feat_lexicon *lx, uint64_t hash)
{
    size_t slot = (size_t)(hash >> 40) & (FEAT_LEX_SLOTS - 1);

    while (lx->keys[slot]) {
        if (lx->keys[slot] == hash)
            return lx->flags[slot];
        slot = (slot + 1) & (FEAT_LEX_SLOTS - 1);
    }
    return 0;
}

/* Murmur3's 64-bit finaliser, then the top bits as the bucket. */
static inline uint32_t bucket(uint64_t ns, uint64_t h)
{
    h ^= ns * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)(h >> (64 - FEAT_TABLE_BITS));
}

static inline uint64_t pair(uint64_t a, uint64_t b)
{
    return feat_hash_pair(a, b);
}

typedef struct emitter {
    uint32_t *out;
    size_t n;
    size_t max;
} emitter;

static inline void emit(emitter *e, uint64_t ns, uint64_t h)
{
    if (e->n < e->max)
        e->out[e->n++] = bucket(ns, h);
}

/* Index of the nearest metric for the direction word at i, or -1. The
 * subject ("profit rose") is looked for first, then the object ("cut
 * costs", "increase in sales"); neither search leaves the clause. */
/* The metric a metric word stands for: "loss per share" is a loss. */
static long metric_head(const feat_token *toks, const uint32_t *fl, long m)
{
    if (m >= 2 && toks[m - 1].hash == feat_hash_word("per", 3) &&
        (fl[m - 2] & (L_GOOD | L_BAD)))
        return m - 2;
    return m;
}

static long find_metric(const feat_token *toks, const uint32_t *fl, size_t n,
                        size_t i)
{
    int words = 0;

    for (size_t j = i; j-- > 0 && words < 10;) {
        if (toks[j].kind == FEAT_K_BREAK || (fl[j] & L_CONTRAST))
            break;
        if (fl[j] & (L_GOOD | L_BAD))
            return metric_head(toks, fl, (long)j);
        if (toks[j].kind <= FEAT_K_NUM)
            words++;
    }
    words = 0;
    for (size_t j = i + 1; j < n && words < 4; j++) {
        /* "fell to a loss" names where it went, not what fell */
        if (toks[j].kind == FEAT_K_BREAK ||
            (fl[j] & (L_CONTRAST | L_TO | L_FROM)))
            break;
        if (fl[j] & (L_GOOD | L_BAD))
            return (long)j;
        if (toks[j].kind <= FEAT_K_NUM)
            words++;
    }
    return -1;
}

static int negated_before(const feat_token *toks, const uint32_t *fl, size_t i)
{
    int words = 0;

    for (size_t j = i; j-- > 0 && words < 3;) {
        if (toks[j].kind >= FEAT_K_PUNCT)
            break;
        if (fl[j] & L_NEGATOR)
            return 1;
        words++;
    }
    return 0;
}

static int is_plain_number(const char *text, const feat_token *toks, size_t j)
{
    return toks[j].kind == FEAT_K_NUM &&
           !is_year(toks[j].len, feat_token_number(text, &toks[j]));
}

/* The value of the number token toks[j] scaled by its unit: a suffix
 * ("131m", "1.2bn") or the next word ("1.2 billion"). */
static double scaled_number(const char *text, const feat_token *toks,
                            const uint32_t *fl, size_t n, size_t j)
{
    const char *s = text + toks[j].off;
    size_t len = toks[j].len;
    double v = feat_token_number(text, &toks[j]);
    size_t k = len;

    while (k > 0 && is_alpha((unsigned char)s[k - 1]))
        k--;
    if (k < len && k > 0 && is_digit((unsigned char)s[k - 1])) {
        uint64_t h = feat_hash_word(s + k, len - k);

        if (h == feat_hash_word("m", 1) || h == feat_hash_word("mn", 2))
            return v * 1e6;
        if (h == feat_hash_word("bn", 2))
            return v * 1e9;
        return v;
    }
    if (j + 1 < n && (fl[j + 1] & L_MILLION))
        return v * 1e6;
    if (j + 1 < n && (fl[j + 1] & L_BILLION))
        return v * 1e9;
    return v;
}

/* The first number within three tokens after toks[i], skipping words
 * such as currency names; years do not count. Returns 1 if found. */
static int number_after(const char *text, const feat_token *toks,
                        const uint32_t *fl, size_t n, size_t i, double *v)
{
    for (size_t j = i + 1; j < n && j <= i + 3; j++) {
        if (toks[j].kind >= FEAT_K_PUNCT)
            return 0;
        if (toks[j].kind == FEAT_K_NUM) {
            if (is_year(toks[j].len, feat_token_number(text, &toks[j])))
                return 0;
            *v = scaled_number(text, toks, fl, n, j);
            return 1;
        }
    }
    return 0;
}

static int is_percent(const uint32_t *fl, size_t n, size_t j)
{
    return j + 1 < n && (fl[j + 1] & L_PCT);
}

static void clause_numbers(const char *text, const feat_token *toks,
                           const uint32_t *fl, size_t n, emitter *e)
{
    size_t start = 0;

    while (start < n) {
        size_t end = start;
        int have_to = 0;
        int have_from = 0;
        double to = 0.0;
        double from = 0.0;
        long metric = -1;

        while (end < n && toks[end].kind != FEAT_K_BREAK)
            end++;
        for (size_t j = start; j < end; j++) {
            if ((fl[j] & L_TO) && !have_to)
                have_to = number_after(text, toks, fl, end, j, &to);
            else if ((fl[j] & L_FROM) && !have_from)
                have_from = number_after(text, toks, fl, end, j, &from);
            if (metric < 0 && (fl[j] & (L_GOOD | L_BAD)))
                metric = (long)j;
        }
        if (have_to && have_from && metric >= 0 && to != from) {
            int pol = (to > from ? 1 : -1) * (fl[metric] & L_GOOD ? 1 : -1);

            emit(e, NS_NUM_CMP, (uint64_t)(pol + 2));
            emit(e, NS_NUM_CMP, pair((uint64_t)(pol + 2), toks[metric].hash));
        }
        start = end + 1;
    }
}

/* "A compared to B", "A versus B", "A from B": a metric before the word
 * set against another metric, or against a number, after it. Returns
 * the polarity (+1 / -1) or 0 when there is nothing to compare. */
static int comparison(const char *text, const feat_token *toks,
                      const uint32_t *fl, size_t n, size_t c, long *metric)
{
    long m1 = -1;
    long m2 = -1;
    long b = -1;
    int minus = 0;
    int good;

    for (size_t j = c + 1; j < n && j <= c + 6; j++) {
        if (toks[j].kind >= FEAT_K_PUNCT)
            break;
        if (m2 < 0 && (fl[j] & (L_GOOD | L_BAD)))
            m2 = (long)j;
        minus |= (fl[j] & L_MINUS) != 0;
        if (is_plain_number(text, toks, j)) {
            b = (long)j;
            break;
        }
    }
    for (size_t j = c; j-- > 0 && c - j <= 14;) {
        if (toks[j].kind == FEAT_K_BREAK)
            break;
        if (fl[j] & (L_GOOD | L_BAD)) {
            m1 = metric_head(toks, fl, (long)j);
            break;
        }
    }
    if (m1 < 0)
        return 0;
    *metric = m1;
    good = (fl[m1] & L_GOOD) != 0;
    if (m2 >= 0 && good != ((fl[m2] & L_GOOD) != 0))
        return good ? 1 : -1;
    if (b < 0)
        return 0;
    for (size_t j = (size_t)m1 + 1; j < c; j++) {
        double va;
        double vb;

        if (!is_plain_number(text, toks, j) ||
            is_percent(fl, n, j) != is_percent(fl, n, (size_t)b))
            continue;
        va = scaled_number(text, toks, fl, n, j);
        vb = scaled_number(text, toks, fl, n, (size_t)b);
        if (minus && vb > 0)
            vb = -vb;
        if (va == vb)
            return 0;
        return (va > vb ? 1 : -1) * (good ? 1 : -1);
    }
    return 0;
}

static void comparisons(const char *text, const feat_token *toks,
                        const uint32_t *fl, size_t n, emitter *e)
{
    for (size_t c = 0; c < n; c++) {
        long m = -1;
        int pol;

        if (!(fl[c] & L_VS))
            continue;
        pol = comparison(text, toks, fl, n, c, &m);
        if (!pol)
            continue;
        emit(e, NS_VS, (uint64_t)(pol + 2));
        emit(e, NS_VS, (uint64_t)(pol + 2));
        emit(e, NS_VS, pair((uint64_t)(pol + 2), toks[m].hash));
    }
}

/* 1 when a percentage follows the direction word at i closely:
 * "grew 7 percent", "declined by 11.2 %", "a decline of 60.8 %". */
static int percent_after(const feat_token *toks, const uint32_t *fl, size_t n,
                         size_t i)
{
    for (size_t j = i + 1; j < n && j <= i + 3; j++) {
        if (toks[j].kind >= FEAT_K_PUNCT)
            return 0;
        if (toks[j].kind == FEAT_K_NUM)
            return j + 1 < n && (fl[j + 1] & L_PCT);
    }
    return 0;
}

static void cues(const char *text, const feat_token *toks, const uint32_t *fl,
                 size_t n, emitter *e)
{
    int sum = 0;
    int count = 0;

    for (size_t i = 0; i < n; i++) {
        int dir;
        int neg;
        int pct;
        long m;

        if (!(fl[i] & (L_UP | L_DOWN)))
            continue;
        /* "up to 5 %" is a bound, not a direction ("went up to" is). */
        if ((fl[i] & L_UP) && i + 1 < n && (fl[i + 1] & L_TO) &&
            toks[i].len == 2 && !(i > 0 && (fl[i - 1] & L_MOVE)))
            continue;
        dir = fl[i] & L_UP ? 1 : -1;
        neg = negated_before(toks, fl, i);
        if (neg)
            dir = -dir;
        m = find_metric(toks, fl, n, i);
        pct = percent_after(toks, fl, n, i);
        if (m < 0) {
            emit(e, NS_DIR_ONLY, (uint64_t)(dir + 2));
            if (pct)
                emit(e, NS_DIR_ONLY, (uint64_t)(dir + 5));
            continue;
        }

        int pol = dir * (fl[m] & L_GOOD ? 1 : -1);
        int cmp = 0;

        if (pct)
            emit(e, NS_CUE_CMP, (uint64_t)(pol + 5));

        for (size_t j = i + 1; j < n && toks[j].kind != FEAT_K_BREAK; j++)
            cmp |= (fl[j] & L_CMP) != 0;
        emit(e, NS_CUE, (uint64_t)(pol + 2));
        emit(e, NS_CUE, (uint64_t)(pol + 2));
        emit(e, NS_CUE_METRIC, pair((uint64_t)(pol + 2), toks[m].hash));
        emit(e, NS_CUE_PAIR, pair(toks[i].hash ^ (uint64_t)neg, toks[m].hash));
        if (cmp)
            emit(e, NS_CUE_CMP, (uint64_t)(pol + 2));
        sum += pol;
        count++;
    }
    if (count > 0)
        emit(e, NS_CUE_SUM, (uint64_t)(sum > 0 ? 3 : sum < 0 ? 1 : 2));
    for (size_t i = 0; count == 0 && i < n; i++) {
        if (fl[i] & (L_GOOD | L_BAD))
            emit(e, NS_STATE, (uint64_t)(fl[i] & L_GOOD ? 1 : 2));
    }
    clause_numbers(text, toks, fl, n, e);
    comparisons(text, toks, fl, n, e);
}

size_t feat_extract(const char *text, const feat_token *toks, size_t n,
                    uint32_t *out, size_t max)
{
    uint32_t fl[FEAT_MAX_TOKENS];
    emitter e = {out, 0, max};
    uint64_t prev = 0;
    int have_prev = 0;
    int neg_scope = 0;

    pthread_once(&sent_lex_once, sent_lex_init);
    if (n > FEAT_MAX_TOKENS)
        n = FEAT_MAX_TOKENS;
    for (size_t i = 0; i < n; i++) {
        const feat_token *t = &toks[i];
        uint64_t h = t->hash;

        fl[i] = 0;
        if (t->kind >= FEAT_K_PUNCT) {
            have_prev = 0;
            neg_scope = 0;
            continue;
        }
        if (t->kind == FEAT_K_WORD)
            fl[i] = feat_lexicon_get(&sent_lex, h);
        emit(&e, NS_UNI, h);
        if (have_prev)
            emit(&e, NS_BI, pair(prev, h));
        if (neg_scope > 0) {
            emit(&e, NS_NEG, h);
            neg_scope--;
        }
        if (fl[i] & (L_POSW | L_NEGW)) {
            int pos = (fl[i] & L_POSW) != 0;

            if (negated_before(toks, fl, i))
                pos = !pos;
            emit(&e, NS_LEX, (uint64_t)pos);
        }
        if (fl[i] & L_NEGATOR)
            neg_scope = 3;
        prev = h;
        have_prev = 1;
    }
    cues(text, toks, fl, n, &e);
    return e.n;
}
