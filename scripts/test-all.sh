#!/usr/bin/env bash
# make test: lint, unit tests, then the integration tests against a
# private PostgreSQL and Redis (started here on their own ports, stopped
# on exit), all of it once plainly and once under AddressSanitizer +
# UndefinedBehaviorSanitizer. Ends with one "N passed, N failed" line.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

export STONKS_STACK_DIR=$ROOT/var/test-stack
# A port something else already listens on (another checkout's test
# run, say) is skipped: free_port takes the next free one.
source tests/integration/lib.sh
export STONKS_PG_PORT=${STONKS_TEST_PG_PORT:-$(free_port 15442)}
export STONKS_REDIS_PORT=${STONKS_TEST_REDIS_PORT:-$(free_port 16389)}
# The services' HTTP ports in tests, away from a demo or `make up` that
# may be running on the defaults (8001..8004).
export QUERY_API_URL=http://127.0.0.1:18401
export REGISTRY_URL=http://127.0.0.1:18402
export TRADING_ENGINE_URL=http://127.0.0.1:18403
export RISK_ENGINE_URL=http://127.0.0.1:18404
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

pass=0
fail=0
failed=()
times=()
step() {
    local name=$1
    shift
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        failed+=("$name")
    fi
    times+=("$name $((SECONDS - t0))s")
}

cleanup() { scripts/stack.sh stop; }
trap cleanup EXIT

UNIT=$(cd tests/unit && ls test_*.c | sed 's/\.c$//')
step lint scripts/lint.sh
step unit scripts/run-unit.sh build/rel/tests $UNIT
step unit-asan scripts/run-unit.sh build/asan/tests $UNIT
step valgrind scripts/valgrind.sh
FUZZ=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
step fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-3}" scripts/fuzz.sh $FUZZ

if stack_env=$(scripts/stack.sh start) && eval "$stack_env"; then
    for t in tests/integration/test_*.sh; do
        step "$(basename "$t" .sh)" "$t" bin/stonks
        step "$(basename "$t" .sh)-asan" "$t" bin/asan/stonks
    done
else
    fail=$((fail + 1))
    failed+=("stack")
fi

echo
echo "seconds: $(printf "%s, " "${times[@]}" | sed "s/, $//")"
[ $fail -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
