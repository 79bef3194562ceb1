#!/usr/bin/env bash
# make up: start the private PostgreSQL and Redis (scripts/stack.sh),
# build the dashboard when needed, and run every service with
# `bin/stonks up` until Ctrl-C or SIGTERM; then stop PostgreSQL and
# Redis, when this run started them (another `make up`, refused, or a
# test may be using them). Their data stays under var/, so the
# dashboard shows what `make demo` left. Options are passed to
# `stonks up` (see `bin/stonks up --help`).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

scripts/web.sh
eval "$(scripts/stack.sh env)"
started=1
if scripts/stack.sh running; then
    started=0
fi
pid=""
cleanup() {
    # stonks up stops its services on SIGINT; wait for it before the
    # servers they use go (a SIGTERM to this script had left them all
    # running, orphaned)
    if [ -n "$pid" ]; then
        kill -INT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [ "$started" = 1 ]; then
        scripts/stack.sh stop
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
# a SIGTERM is how a supervisor asks for a stop: done, it is a success,
# as it is for stonks up (make had reported "Error 143")
trap 'exit 0' TERM
# (a failed start stops here, the trap stopping what it did start)
stack_env=$(scripts/stack.sh start)
eval "$stack_env"
bin/stonks up "$@" &
pid=$!
rc=0
wait "$pid" || rc=$?
pid=""
exit "$rc"
