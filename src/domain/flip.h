/*
 * flip: the mirror image of a labelled sentence, for training the
 * sentiment model. Every direction word is replaced by its opposite
 * ("rose" and "fell", "higher" and "lower", "widened" and "narrowed")
 * and the two figures a comparison sets side by side trade places, so
 * "Profit rose to EUR 5 mn from EUR 3 mn" becomes "Profit fell to EUR 3
 * mn from EUR 5 mn": the same kind of news told the other way round,
 * with the opposite label. The trainer (services/model_cli.c) adds
 * these to the positive and negative sentences it learns from, at a
 * small weight, so a word's weight is learnt from both directions.
 *
 * Text is split at ASCII white space, as in the Financial PhraseBank
 * (whose punctuation stands apart: "rose , while"); a direction word
 * with punctuation attached is left alone, and "up" and "down" are
 * flipped only as directions ("up 5 %", "down from", "went up to"; not
 * "cut up to 30 jobs" or "set up a unit"). The comparisons understood:
 *   "to X ... from Y" and "from Y ... to X"   X and Y trade places
 *   "X , up from Y" (a direction word before  the figure before and the
 *   "from"), "X compared with Y",             one after trade places
 *   "X versus Y", "X against Y"
 *   "X ( Y )"                                 the same
 * A figure is a word that starts with a digit and is not a year (1900
 * to 2099). A comparison whose two figures cannot be found, or whose
 * figures are of different scales ("EUR 415,000" and "EUR 7.4
 * million", a percentage and an amount), makes the sentence
 * unflippable (0), since swapping the words alone would contradict its
 * figures. So does a sentiment word the pairs cannot reverse (the rest
 * of the word lists of features.c: "record", "slumped", "laid",
 * "cut") or "fell short": its flip would keep that word's side. Kept
 * as they are: fixed phrases ("home improvement", "higher education",
 * "last fall"), a direction word with a capital after another word (a
 * name: "Rose Poultry"), and "up" or "down" after a verb it belongs to
 * ("signed up 1,500 clients"); "lower" after a modal or "to" is a verb
 * and becomes "raise".
 */
#ifndef STONKS_FLIP_H
#define STONKS_FLIP_H

#include <stddef.h>

/* A sentence of more words than this is not flipped. */
#define FLIP_MAX_WORDS 256

/* Room that is always enough for the flip of a text of len bytes:
 * no replacement is more than twice its word plus one space. */
#define FLIP_OUT_MAX(len) (2 * (len) + 1)

/* Writes the flip of text[0..len) to out (NUL-terminated, words joined
 * by one space) and returns its length; returns 0, out unspecified,
 * when the text has no direction word, a comparison without its two
 * figures, more than FLIP_MAX_WORDS words, or does not fit in cap. */
size_t flip_sentence(const char *text, size_t len, char *out, size_t cap);

#endif
