#!/usr/bin/env bash
# The model commands (issue 5) from the command line: `stonks eval` on
# the shipped held-out sentences gives the documented figures exactly;
# on a file small enough to score by hand it gives the hand-computed
# accuracy, macro-F1 and confusion matrix; `stonks train` with the
# defaults writes the shipped weights byte for byte (deterministic
# training) and `--split` the shipped held-out file; cross-validation
# prints its figures; bad files and bad option values are refused with
# a message naming the problem, and nothing is written. Needs no
# PostgreSQL or Redis.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

T=$ROOT/var/it-model
mkdir -p "$T"
HELDOUT=data/sentiment/heldout_allagree.txt
# The binary by an absolute path, for runs from another directory.
ABS_BIN=$(realpath "$BIN")

echo "== eval on the held-out sentences"
"$BIN" eval --labels "$HELDOUT" >"$T/eval.out" 2>&1
assert_eq "eval exit" 0 $?
assert_eq "eval figures" "model embedded-linear/4
sentences 383
accuracy 0.9295
macro-F1 0.9141
confusion (rows: true label, columns: predicted)
            negative   neutral  positive
negative          53         5         4
neutral            1       218         4
positive           2        11        85" "$(head -9 "$T/eval.out")"
assert_eq "eval prints its speed" 1 \
    "$(grep -cE '^sentences_per_second [1-9][0-9]*$' "$T/eval.out")"

echo "== eval on five sentences scored by hand"
# The model gets the first four right and reads "loss narrowed" as good
# news, which this file labels negative on purpose: accuracy 4/5; F1
# negative 2*2/(2+3) = 0.8, neutral 1, positive 2*1/(1+2) = 0.6667;
# macro-F1 their mean 0.8222.
cat >"$T/hand.txt" <<'EOF'
Operating profit rose to EUR 13.1 mn from EUR 8.7 mn .@positive
Net sales decreased by 15 % to EUR 5.2 mn .@negative
The company is headquartered in Helsinki .@neutral
Pre-tax profit fell to EUR 2 mn from EUR 9 mn .@negative
The loss narrowed to EUR 1.2 mn from EUR 3.4 mn .@negative
EOF
"$BIN" eval --labels "$T/hand.txt" --errors >"$T/hand.out" 2>&1
assert_eq "hand-scored file" "error	negative	positive	The loss narrowed to EUR 1.2 mn from EUR 3.4 mn .
model embedded-linear/4
sentences 5
accuracy 0.8000
macro-F1 0.8222
confusion (rows: true label, columns: predicted)
            negative   neutral  positive
negative           2         0         1
neutral            0         1         0
positive           0         0         1" "$(head -10 "$T/hand.out")"

# A byte order mark and CRLF line ends change nothing; a class that
# occurs neither as a true nor as a predicted label has no F1.
printf '\xef\xbb\xbfOperating profit rose to EUR 13.1 mn from EUR 8.7 mn .@positive\r\nThe company is headquartered in Helsinki .@neutral\r\n' \
    >"$T/bom.txt"
"$BIN" eval --labels "$T/bom.txt" >"$T/bom.out" 2>&1
assert_eq "BOM and CRLF: all right, two classes" "sentences 2
accuracy 1.0000
macro-F1 1.0000" "$(sed -n 2,4p "$T/bom.out")"

echo "== train: deterministic, reproduces the shipped files"
"$BIN" train --out "$T/w" >"$T/train.out" 2>&1
assert_eq "train exit" 0 $?
assert_eq "default training writes the shipped weights" same \
    "$(cmp -s "$T/w" data/model/sentiment.weights && echo same || echo differ)"
"$BIN" train --split --heldout "$T/heldout.txt" >/dev/null 2>&1
assert_eq "--split writes the shipped held-out file" same \
    "$(cmp -s "$T/heldout.txt" "$HELDOUT" && echo same || echo differ)"
"$BIN" train --cv 5 >"$T/cv.out" 2>/dev/null
assert_eq "5-fold cross-validation on the AllAgree training sentences" \
    "sentences 1197
accuracy 0.9591
macro-F1 0.9519" \
    "$(sed -n '/^# training sentences listed in/,$p' "$T/cv.out" | sed -n 2,4p)"

echo "== bad input is refused, with the reason"
refused() { # WHAT EXPECTED-MESSAGE COMMAND...: exit 1 or 2, that message
    local what=$1 want=$2
    shift 2
    "$@" >"$T/bad.out" 2>&1
    local rc=$?
    assert_eq "$what" "refused: $want" \
        "$([ $rc -eq 1 ] || [ $rc -eq 2 ] && echo refused || echo "exit $rc"): $(head -1 "$T/bad.out")"
}
refused "extract-once: an empty --tickers" "stonks extract-once: --tickers \
is required (one ticker or more, such as AAPL,MSFT)" \
    "$BIN" extract-once --tickers '' --text 'Profit rose'
assert_eq "extract-once: a byte order mark and a soft hyphen are not read" \
    '{"ticker":"AAPL","sentiment":-0.928586,"label":"negative",'\
'"relevance":0.60,"confidence":0.933730,"event_type":"earnings",'\
'"model":"embedded-linear/4","text_shown":25,"text_len":25}' \
    "$("$BIN" extract-once --tickers AAPL --alias AAPL=Apple \
        --text $'\uFEFFApple pro\u00ADfit fell sharply')"
printf 'Profit rose .@positive\nno label here\n' >"$T/nolabel.txt"
printf 'Profit rose .@positive\n   @negative\n' >"$T/nosentence.txt"
printf 'Profit rose .@Positive\n' >"$T/badlabel.txt"
: >"$T/empty.txt"
refused "eval: missing file" \
    "stonks eval: cannot open $T/none.txt: No such file or directory" \
    "$BIN" eval --labels "$T/none.txt"
refused "eval: line without a label" \
    "stonks eval: $T/nolabel.txt:2: expected 'sentence@label' with label negative, neutral or positive" \
    "$BIN" eval --labels "$T/nolabel.txt"
refused "eval: label not lower-case" \
    "stonks eval: $T/badlabel.txt:1: expected 'sentence@label' with label negative, neutral or positive" \
    "$BIN" eval --labels "$T/badlabel.txt"
refused "eval: no sentence before the label" \
    "stonks eval: $T/nosentence.txt:2: no sentence before the '@'" \
    "$BIN" eval --labels "$T/nosentence.txt"
printf 'Profit rose \xe9 .@positive\n' >"$T/latin1.txt"
refused "eval: not UTF-8" \
    "stonks eval: $T/latin1.txt:1: not UTF-8 text (or a NUL byte)" \
    "$BIN" eval --labels "$T/latin1.txt"
refused "eval: empty file" \
    "stonks eval: $T/empty.txt has no labelled sentences" \
    "$BIN" eval --labels "$T/empty.txt"
refused "eval: --labels twice" "stonks eval: --labels is given twice" \
    "$BIN" eval --labels "$T/hand.txt" --labels "$T/hand.txt"
refused "eval: --labels without a file" "stonks eval: --labels needs a file" \
    "$BIN" eval --labels
refused "train: infinite L2" \
    "stonks train: --l2 must be a number from 0 to 1000000, not 'inf'" \
    "$BIN" train --out "$T/bad.w" --l2 inf
refused "train: class power not a number" \
    "stonks train: --class-power must be a number from 0 to 4, not 'nan'" \
    "$BIN" train --out "$T/bad.w" --class-power nan
refused "train: fractional iterations" \
    "stonks train: --max-iter must be a whole number from 1 to 100000, not '2.5'" \
    "$BIN" train --out "$T/bad.w" --max-iter 2.5
refused "train: sample weight not a number" \
    "stonks train: --data $T/hand.txt:nan: the weight must be from 0.001 to 1000 (a path ending in ':' and a number: add ':1')" \
    "$BIN" train --out "$T/bad.w" --data "$T/hand.txt:nan"
refused "train: version with a line break" \
    "stonks train: --version must be 1 to 63 printable characters without spaces" \
    "$BIN" train --out "$T/bad.w" --version $'a\nb'
refused "train: more folds than the data fills" \
    "stonks train: fold 1 of repeat 1 would be empty (5 training sentences): use fewer folds (--cv)" \
    "$BIN" train --data "$T/hand.txt" --exclude none --cv 100
refused "train: a cross-validation option without --cv" \
    "stonks train: --cv-repeat needs --cv K" \
    "$BIN" train --out "$T/bad.w" --cv-repeat 3
refused "train: a fit option with --split" \
    "stonks train: --l2 has no effect with --split" \
    "$BIN" train --split --heldout "$T/bad.w" --l2 3
refused "train: unknown option" "stonks train: unknown option '--bogus'" \
    "$BIN" train --out "$T/bad.w" --bogus 1
refused "train: unknown option at the end" \
    "stonks train: unknown option '--bogus'" "$BIN" train --bogus
refused "train: an option given twice" "stonks train: --l2 is given twice" \
    "$BIN" train --out "$T/bad.w" --l2 4 --l2 5
refused "train: --data given twice" \
    "stonks train: --data is given twice: list every file after one --data (--data A.txt B.txt:2)" \
    "$BIN" train --out "$T/bad.w" --data "$T/hand.txt" --data "$T/hand.txt"
refused "train: one --data file under two spellings" \
    "stonks train: --data $T/hand.txt and $T/../it-model/hand.txt are the same file: give it once, with the weight it should have (FILE:WEIGHT)" \
    "$BIN" train --out "$T/bad.w" --exclude none \
    --data "$T/hand.txt" "$T/../it-model/hand.txt:2"
ln -f "$T/hand.txt" "$T/hand.link"
refused "train: one --data file under two names (a hard link)" \
    "stonks train: --data $T/hand.txt and $T/hand.link are the same file: give it once, with the weight it should have (FILE:WEIGHT)" \
    "$BIN" train --cv 2 --exclude none \
    --data "$T/hand.txt:0.5" "$T/hand.link"
refused "train: an option's value missing" "stonks train: --out needs a value" \
    "$BIN" train --out --l2 4
refused "train: flip weight out of range" \
    "stonks train: --flip-weight must be 0 (no flips) or from 0.001 to 10, not '11'" \
    "$BIN" train --out "$T/bad.w" --flip-weight 11
refused "train: flip weight too small to count" \
    "stonks train: --flip-weight must be 0 (no flips) or from 0.001 to 10, not '1e-300'" \
    "$BIN" train --out "$T/bad.w" --flip-weight 1e-300
refused "train: hexadecimal" \
    "stonks train: --l2 must be a number from 0 to 1000000, not '0x10'" \
    "$BIN" train --out "$T/bad.w" --l2 0x10
assert_eq "no weights written by a refused training" no \
    "$([ -e "$T/bad.w" ] && echo yes || echo no)"

echo "== sentences and output"
# Sentences without an ASCII letter are told apart (they were one).
printf 'Καλό κέρδος .@positive\nΚακή ζημιά .@negative\n利润下降@negative\nProfit rose .@positive\n' \
    >"$T/greek.txt"
"$BIN" train --data "$T/greek.txt" --exclude none --out "$T/greek.w" \
    >"$T/greek.out" 2>&1
assert_eq "non-ASCII sentences kept apart" \
    "trained embedded-linear/4 on 4 sentences (+ 1 flipped; 0 held-out" \
    "$(head -1 "$T/greek.out" | cut -c1-65)"
# A sentence listed again in one file under other labels (two such in
# the PhraseBank's 50Agree file): the first label is kept, and said,
# once for the sentence (here listed three times, under three labels).
printf '%s\n' 'Profit rose .@positive' 'Sales fell .@negative' \
    'profit rose.@neutral' 'Sales fell .@negative' 'Profit rose!@negative' \
    >"$T/twice.txt"
"$BIN" train --data "$T/twice.txt" --exclude none --out "$T/twice.w" \
    >"$T/twice.out" 2>&1
assert_eq "a sentence under two labels in one file: said, the first kept" \
    "trained embedded-linear/4 on 2 sentences (+ 2 flipped; 0 held-out
note: $T/twice.txt: 1 sentence listed again (or as a near-copy) under \
another label: the first label is kept" \
    "$(head -1 "$T/twice.out" | cut -c1-65)
$(tail -n 1 "$T/twice.out")"
printf 'profit rose .@positive\n' >"$T/later.txt"
"$BIN" train --data "$T/twice.txt" "$T/later.txt" --exclude none \
    --out "$T/twice.w" >"$T/twice.out" 2>&1
assert_eq "... not when a later file labels it (it has the last word)" "" \
    "$(grep '^note:' "$T/twice.out")"
printf 'Profit fell .@negative\rProfit rose .@positive\r' >"$T/cr.txt"
refused "eval: a lone carriage return" \
    "stonks eval: $T/cr.txt:1: a carriage return inside the line (lines end with \\n or \\r\\n)" \
    "$BIN" eval --labels "$T/cr.txt"
# --errors writes control bytes of a sentence as \xHH.
printf 'Profit\tfell \033[31m sharply .@positive\n' >"$T/esc.txt"
"$BIN" eval --labels "$T/esc.txt" --errors >"$T/esc.out" 2>&1
assert_eq "errors escaped" \
    "error	positive	negative	Profit\\x09fell \\x1b[31m sharply ." \
    "$(head -1 "$T/esc.out")"

echo "== the inputs and the old weights survive a bad write"
cp "$T/hand.txt" "$T/hand.copy"
refused "train: --out is an input" \
    "stonks train: --out $T/hand.txt is the --data file $T/hand.txt" \
    "$BIN" train --data "$T/hand.txt" --exclude none --out "$T/hand.txt"
refused "train --split: an empty --allagree file" \
    "stonks train: $T/empty.txt holds no labelled sentences" \
    "$BIN" train --split --allagree "$T/empty.txt" --heldout "$T/h.txt"
assert_eq "no held-out file written from it" "no" \
    "$([ -e "$T/h.txt" ] && echo yes || echo no)"
refused "train --split: --heldout is the input" \
    "stonks train: --heldout $T/hand.txt is the --allagree file itself" \
    "$BIN" train --split --allagree "$T/hand.txt" --heldout "$T/hand.txt"
assert_eq "the input is untouched" same \
    "$(cmp -s "$T/hand.txt" "$T/hand.copy" && echo same || echo differ)"
refused "train: --out a device" \
    "stonks train: cannot write /dev/null: not a regular file" \
    "$BIN" train --out /dev/null
# A write cut short (here by a 100 KiB file size limit, as a full disk
# would) leaves the weights that were there.
cp data/model/sentiment.weights "$T/old.w"
refused "train: a write cut short" \
    "stonks train: cannot write $T/old.w: File too large (left as it was)" \
    bash -c "trap '' XFSZ; ulimit -f 100; exec \"\$0\" train --out \"\$1\" 2>&1 >/dev/null" \
    "$BIN" "$T/old.w"
assert_eq "the old weights are still whole" same \
    "$(cmp -s "$T/old.w" data/model/sentiment.weights && echo same || echo differ)"
assert_eq "no temporary file left" 0 "$(ls "$T" | grep -c '\.tmp\.')"
# A new file keeps the old one's permissions.
chmod 600 "$T/old.w"
"$BIN" train --out "$T/old.w" >/dev/null 2>&1
assert_eq "permissions kept" 600 "$(stat -c %a "$T/old.w")"
# A new file follows the umask; a link not yet pointing anywhere is
# written through to its target.
(umask 077 && "$BIN" train --out "$T/new.w" >/dev/null 2>&1)
assert_eq "a new file follows the umask" 600 "$(stat -c %a "$T/new.w")"
ln -s target.w "$T/link.w"
"$BIN" train --out "$T/link.w" >/dev/null 2>&1
assert_eq "written through a dangling link" "symbolic link same" \
    "$(stat -c %F "$T/link.w") $(cmp -s "$T/target.w" \
        data/model/sentiment.weights && echo same || echo differ)"

printf 'Sales rose to 5 from 3 .@positive\nThe plant is in Oulu .@neutral\nCosts fell .@negative\n' \
    >"$T/flip.txt"
printf 'Costs rose .@negative\n' >"$T/flip-ex.txt"
printf 'Sales fell to 3 from 5 .@negative\n' >>"$T/flip.txt"
# Writing weights reads only the files it is given: it works from any
# directory (the --cv-on file matters to cross-validation alone).
(cd "$T" && "$ABS_BIN" train \
    --data flip.txt --exclude none \
    --out elsewhere.w >/dev/null 2>&1)
assert_eq "train from another directory" "0 yes" \
    "$? $([ -s "$T/elsewhere.w" ] && echo yes || echo no)"

# A missing labels file is the error eval reports, also where the
# default weights file is not found either.
(cd "$T" && "$ABS_BIN" eval \
    --labels none.txt >"$T/nolabels.out" 2>&1)
assert_eq "eval elsewhere: the missing labels named" \
    "stonks eval: cannot open none.txt: No such file or directory (looked \
for in $T)" \
    "$(head -1 "$T/nolabels.out")"

echo "== flipped sentences"
# A positive or negative sentence is also learnt flipped ("rose" for
# "fell", the figures of its comparison swapped), with the opposite
# label, unless the flip is a near-copy of a labelled sentence: one of
# training, or one held out.
"$BIN" train --data "$T/flip.txt" --exclude none --out "$T/flip.w" \
    >"$T/flip.out" 2>&1
assert_eq "a flip that is a training sentence is not added" \
    "trained embedded-linear/4 on 4 sentences (+ 1 flipped; 0 held-out" \
    "$(head -1 "$T/flip.out" | cut -c1-65)"
"$BIN" train --data "$T/flip.txt" --exclude "$T/flip-ex.txt" \
    --out "$T/flip.w" >"$T/flip.out" 2>&1
assert_eq "nor one that is held out" \
    "trained embedded-linear/4 on 4 sentences (+ 0 flipped; 0 held-out" \
    "$(head -1 "$T/flip.out" | cut -c1-65)"
"$BIN" train --data "$T/flip.txt" --exclude none --flip-weight 0 \
    --out "$T/flip.w" >"$T/flip.out" 2>&1
assert_eq "--flip-weight 0 adds none" \
    "trained embedded-linear/4 on 4 sentences (+ 0 flipped; 0 held-out" \
    "$(head -1 "$T/flip.out" | cut -c1-65)"
rm -rf "$T"
finish
