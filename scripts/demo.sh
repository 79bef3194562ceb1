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
LOG_LEVEL=warn bin/stonks lake-publisher --once ||
    echo "demo: the lake was not published (see docs/LAKE.md)" >&2
echo
echo "SQL over the lake: bin/stonks sql \"SELECT ticker, count(*) FROM" \
    "signals GROUP BY 1\""
# The demo serves no dashboard: name no address of one (make up's
# depends on its options, docs/DASHBOARD.md).
echo "Dashboard over this data: run \`make up\` (docs/DASHBOARD.md)"
