#!/usr/bin/env bash
# Benchmark: end-to-end documents per second of the demo replay
# (2011-07-06..2011-12-30, 40 tickers, every service its own process,
# real PostgreSQL and Redis): from the start of the replay until every
# recommendation is written (pipeline), and until the trading services
# are idle too. Runs the replay RUNS times (default 3) and prints each
# figure and the median of the pipeline figure. The pipeline is measured
# alone (DEMO_TRADING=0, the default here); DEMO_TRADING=1 runs the
# trading services beside it, as `make demo` does.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-3}

cleanup() { scripts/stack.sh stop; }
trap cleanup EXIT
eval "$(scripts/stack.sh start)"
figures=()
with=""
[ "${DEMO_TRADING:-0}" = 1 ] && with=" (trading included)"
for i in $(seq 1 "$RUNS"); do
    out=$(DEMO_TRADING=${DEMO_TRADING:-0} bin/stonks demo 2>&1)
    f=$(echo "$out" | awk '/^pipeline_docs_per_second/ {print $2}')
    s=$(echo "$out" | awk '/^pipeline_seconds/ {print $2}')
    t=$(echo "$out" | awk '/^demo_docs_per_second/ {print $2}')
    n=$(echo "$out" | awk '/^totals:/ {sub(",", "", $3); print $3}')
    echo "run $i: $f documents/s through the pipeline ($s s for $n" \
        "documents); $t documents/s until every service was idle$with"
    figures+=("$f")
done
median=$(printf '%s\n' "${figures[@]}" | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "pipeline_docs_per_second_median $median"
