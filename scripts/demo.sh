#!/usr/bin/env bash
# make demo: start the private PostgreSQL and Redis, replay the bundled
# data through the services (bin/stonks demo), stop what was started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

cleanup() { scripts/stack.sh stop; }
trap cleanup EXIT
eval "$(scripts/stack.sh start)"
bin/stonks demo "$@"
