#!/usr/bin/env bash
# make bench: every benchmark under bench/, each printing its figures.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
echo "== classify (embedded sentiment model, one core)"
bin/bench/classify
echo "== backtest (stonks backtest on the bundled data, one core)"
bin/bench/backtest
echo "== pipeline (make demo's replay, end to end)"
bench/pipeline.sh
echo "== registry (stonks seed and POST /symbols/import of 5,000 symbols)"
bench/registry.sh
