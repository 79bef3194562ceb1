#!/usr/bin/env bash
# Benchmark: resident memory of every service after the demo replay
# (issue 12: each under 20 MB). Runs `bin/stonks demo` (the full replay
# unless REPLAY_* say otherwise) and samples /proc/<pid>/status of each
# child every 0.5 s; the last VmRSS seen before a child exits is its
# memory after the replay, VmHWM its peak. Prints one line per process,
# the largest per service, and exits 1 when one is over the limit.
# Uses a running stack when POSTGRES_PORT is set, else starts one.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LIMIT_KB=${MEMORY_LIMIT_KB:-20480}
export STONKS_VAR_DIR=${STONKS_VAR_DIR:-$ROOT/var/bench-memory}
export QUERY_API_URL=${QUERY_API_URL:-http://127.0.0.1:18305}
export REGISTRY_URL=${REGISTRY_URL:-http://127.0.0.1:18306}
export TRADING_ENGINE_URL=${TRADING_ENGINE_URL:-http://127.0.0.1:18307}
export RISK_ENGINE_URL=${RISK_ENGINE_URL:-http://127.0.0.1:18308}
SAMPLES=$STONKS_VAR_DIR/memory.samples

if [ -z "${POSTGRES_PORT:-}" ]; then
    cleanup() { scripts/stack.sh stop; }
    trap cleanup EXIT
    eval "$(scripts/stack.sh start)"
fi
mkdir -p "$STONKS_VAR_DIR"
: >"$SAMPLES"
bin/stonks demo >"$STONKS_VAR_DIR/demo.out" 2>&1 &
demo=$!
while kill -0 "$demo" 2>/dev/null; do
    for pid in $(ps --ppid "$demo" -o pid= 2>/dev/null); do
        svc=$(tr "\\0" " " 2>/dev/null <"/proc/$pid/cmdline" |
            awk '{print $2}')
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [ -n "$svc" ] && [ -n "$rss" ] &&
            echo "$pid $svc $rss $hwm" >>"$SAMPLES"
    done
    sleep 0.5
done
wait "$demo"
rc=$?
[ $rc -eq 0 ] || echo "memory: the demo exited $rc" \
    "(see $STONKS_VAR_DIR/demo.out)"
# The last sample of each process; then the largest per service.
awk -v limit="$LIMIT_KB" '
    { svc[$1] = $2; rss[$1] = $3; hwm[$1] = $4 }
    END {
        for (p in svc) {
            s = svc[p]
            if (!(s in best) || rss[p] > best[s]) best[s] = rss[p]
            if (!(s in peak) || hwm[p] > peak[s]) peak[s] = hwm[p]
        }
        for (s in best)
            printf "%-16s rss %6.1f MB  peak %6.1f MB%s\n", s,
                best[s] / 1024, peak[s] / 1024,
                (best[s] + 0 > limit + 0 ? "  OVER" : "")
    }' "$SAMPLES" | sort >"$STONKS_VAR_DIR/memory.txt"
cat "$STONKS_VAR_DIR/memory.txt"
n=$(wc -l <"$STONKS_VAR_DIR/memory.txt")
over=$(grep -c OVER "$STONKS_VAR_DIR/memory.txt")
echo "memory: $n services, $over over $((LIMIT_KB / 1024)) MB"
[ "$rc" -eq 0 ] && [ "$n" -gt 0 ] && [ "$over" -eq 0 ]
