#!/usr/bin/env bash
# make demo: start the private PostgreSQL and Redis, replay the bundled
# data through the services (bin/stonks demo), publish the result to the
# Parquet lake (LAKE_URI, var/lake/warehouse by default; then
# `bin/stonks sql "SELECT ..."` answers from it), stop what it started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# PostgreSQL and Redis are stopped at the end only when this run
# started them: a `make up` or a test may be using them.
eval "$(scripts/stack.sh env)"
started=1
if scripts/stack.sh running; then
    started=0
fi
cleanup() { if [ "$started" = 1 ]; then scripts/stack.sh stop; fi; }
trap cleanup EXIT
# (a failed start stops here: eval of a failed $(...) would go on with
# whatever servers the default settings name)
stack_env=$(scripts/stack.sh start)
eval "$stack_env"
bin/stonks demo "$@"
LOG_LEVEL=warn bin/stonks lake-publisher --once ||
    echo "demo: the lake was not published (see docs/LAKE.md)" >&2
echo
echo "SQL over the lake: bin/stonks sql \"SELECT ticker, count(*) FROM" \
    "signals GROUP BY 1\""
# The demo serves no dashboard: name no address of one (make up's
# depends on its options, docs/DASHBOARD.md).
echo "Dashboard over this data: run \`make up\` (docs/DASHBOARD.md)"
