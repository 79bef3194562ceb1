#!/usr/bin/env bash
# Builds the dashboard into web/dist when it is missing or older than
# its sources: `npm ci` when web/node_modules is missing or older than
# package-lock.json, then `npm run build` (type check + Vite). Says
# nothing when the build is up to date. Used by make up, make demo and
# the e2e test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WEB=$ROOT/web
STAMP=$WEB/dist/index.html

if ! command -v npm >/dev/null 2>&1; then
    echo "web: npm not found; the dashboard needs Node.js 20.19+ and npm" >&2
    exit 1
fi
if [ ! -f "$WEB/node_modules/.package-lock.json" ] ||
    [ "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ]; then
    echo "web: installing the dashboard's packages (npm ci)"
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if [ -f "$STAMP" ] && [ -z "$(find "$WEB/src" "$WEB/index.html" \
    "$WEB/package.json" "$WEB/package-lock.json" "$WEB/vite.config.ts" \
    "$WEB/tsconfig.json" -newer "$STAMP" -print -quit)" ]; then
    exit 0
fi
echo "web: building the dashboard (web/dist)"
log=$(mktemp)
if ! (cd "$WEB" && npm run build) >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "web: the dashboard build failed" >&2
    exit 1
fi
rm -f "$log"
