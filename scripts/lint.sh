#!/usr/bin/env bash
# Fails on C lines over 80 columns and on files clang-format would
# change (the style is in .clang-format).
set -uo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files -co --exclude-standard '*.c' '*.h')
rc=0
wide=$(awk 'length($0) > 80 { print FILENAME ":" FNR }' $files)
if [ -n "$wide" ]; then
    echo "lint: lines over 80 columns:"
    echo "$wide"
    rc=1
fi
for f in $files; do
    if ! clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1
    then
        echo "lint: $f is not formatted (run: make format)"
        rc=1
    fi
done
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
