#!/usr/bin/env bash
# Benchmark: end-to-end documents per second of the demo replay
# (2011-07-06..2011-12-30, 40 tickers, every service its own process,
# real PostgreSQL and Redis). Runs the replay RUNS times (default 3) and
# prints each figure and the median.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-3}

cleanup() { scripts/stack.sh stop; }
trap cleanup EXIT
eval "$(scripts/stack.sh start)"
figures=()
for i in $(seq 1 "$RUNS"); do
    out=$(bin/stonks demo 2>&1)
    f=$(echo "$out" | awk '/^demo_docs_per_second/ {print $2}')
    s=$(echo "$out" | awk '/^replay_seconds/ {print $2}')
    echo "run $i: $f documents/s ($s s for 9242 documents)"
    figures+=("$f")
done
median=$(printf '%s\n' "${figures[@]}" | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "pipeline_docs_per_second_median $median"
