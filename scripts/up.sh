#!/usr/bin/env bash
# make up: start the private PostgreSQL and Redis (scripts/stack.sh),
# build the dashboard when needed, and run every service with
# `bin/stonks up` until Ctrl-C; then stop PostgreSQL and Redis. Their
# data stays under var/, so the dashboard shows what `make demo` left.
# Options are passed to `stonks up` (see `bin/stonks up --help`).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

scripts/web.sh
cleanup() { scripts/stack.sh stop; }
trap cleanup EXIT
eval "$(scripts/stack.sh start)"
bin/stonks up "$@"
