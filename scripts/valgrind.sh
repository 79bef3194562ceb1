#!/usr/bin/env bash
# make valgrind: the domain unit tests (build/rel/tests) under valgrind
# memcheck; a test fails on any memory error or any definite or indirect
# leak. The list leaves out tests that need servers or take long under
# valgrind (over 20 s). Ends with "valgrind: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DIR=${VALGRIND_TEST_DIR:-build/rel/tests}
# (test_sizing's sweep of a million orders took 59 s under it)
TESTS=${*:-date calendar text ticker mention aggregate strategy sentiment
    event money risk fill exchange perf lib tstamp secrets
    trading_rules html feed sec}

if ! command -v valgrind >/dev/null; then
    echo "valgrind: not installed (scripts/deps.sh installs it)"
    exit 1
fi
pass=0
fail=0
for t in $TESTS; do
    bin=$DIR/test_$t
    if [ ! -x "$bin" ]; then
        echo "FAIL test_$t: $bin not built"
        fail=$((fail + 1))
        continue
    fi
    start=$SECONDS
    if out=$(valgrind -q --leak-check=full --error-exitcode=1 \
        --errors-for-leak-kinds=definite,indirect "$bin" 2>&1); then
        pass=$((pass + 1))
        echo "ok   test_$t ($((SECONDS - start)) s)"
    else
        fail=$((fail + 1))
        echo "FAIL test_$t"
        echo "$out" | grep -v '^\[' | tail -n 40
    fi
done
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
