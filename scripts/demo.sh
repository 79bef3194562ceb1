#!/usr/bin/env bash
# make demo: start the private PostgreSQL and Redis, replay the bundled
# data through the services (bin/stonks demo), publish the result to the
# Parquet lake (LAKE_URI, var/lake/warehouse by default; then
# `bin/stonks sql "SELECT ..."` answers from it), stop what was started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

cleanup() { scripts/stack.sh stop; }
trap cleanup EXIT
eval "$(scripts/stack.sh start)"
bin/stonks demo "$@"
bin/stonks lake-publisher --once ||
    echo "demo: the lake was not published (see docs/LAKE.md)" >&2
