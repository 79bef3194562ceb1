#!/usr/bin/env bash
# Runs each named libFuzzer harness (build/fuzz/bin/<name>): first over
# its regression inputs (tests/fuzz/regressions/<name>/, every crash ever
# found), then for FUZZ_SECONDS seconds from its seeds
# (tests/fuzz/seeds/<name>/) and the corpus it grew before
# (build/fuzz/corpus/<name>/). A new crash is copied into the regression
# folder, so that it is replayed by every later run, and fails the run.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${FUZZ_SECONDS:-10}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0
fail=0
for name in "$@"; do
    h=${name#fuzz_}
    bin=build/fuzz/bin/$name
    reg=tests/fuzz/regressions/$h
    corpus=build/fuzz/corpus/$h
    mkdir -p "$corpus" "$reg" build/fuzz/crashes
    inputs=$(find "$reg" -type f ! -name .keep)
    if [ -n "$inputs" ] && ! "$bin" $inputs >build/fuzz/$h.regress.log 2>&1
    then
        echo "FAIL $name: a regression input crashes again"
        tail -n 20 build/fuzz/$h.regress.log
        fail=$((fail + 1))
        continue
    fi
    rm -f build/fuzz/crashes/$h-*
    if "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
        -artifact_prefix="build/fuzz/crashes/$h-" "$corpus" \
        "tests/fuzz/seeds/$h" >build/fuzz/$h.log 2>&1; then
        runs=$(grep -o 'Done [0-9]* runs' build/fuzz/$h.log | awk '{print $2}')
        echo "ok   $name: ${runs:-?} runs in ${SECONDS_EACH}s, no crash"
        pass=$((pass + 1))
    else
        echo "FAIL $name: crash found (kept in $reg)"
        for c in build/fuzz/crashes/$h-*; do
            [ -f "$c" ] && cp "$c" "$reg/"
        done
        grep -m 5 -E 'ERROR|runtime error|SUMMARY' build/fuzz/$h.log
        fail=$((fail + 1))
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
