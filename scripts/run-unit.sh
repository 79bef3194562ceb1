#!/usr/bin/env bash
# Runs each unit-test binary given (cmocka), from the repository root,
# and prints a closing "N passed, N failed" line over all of them.
set -uo pipefail
dir=$1
shift
pass=0
fail=0
for t in "$@"; do
    if out=$("$dir/$t" 2>&1); then
        pass=$((pass + 1))
        echo "ok   $t"
    else
        fail=$((fail + 1))
        echo "FAIL $t"
        echo "$out" | tail -n 30
    fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
