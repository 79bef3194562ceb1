#!/usr/bin/env bash
# Starts or stops the private PostgreSQL and Redis of this checkout,
# under var/ (or STONKS_STACK_DIR), listening on 127.0.0.1 only.
#
#   scripts/stack.sh start   initdb on first use, start both, create the
#                            database; prints the settings to export
#   scripts/stack.sh stop    stop both (only the processes started here)
#   scripts/stack.sh env     print the settings without starting
#   scripts/stack.sh running exit 0 when either answers on its port, or
#                            this folder's runs on another
#   scripts/stack.sh wipe    stop both and remove their data: the next
#                            start has a fresh database
#   scripts/stack.sh restart-pg | restart-redis
#                            kill one server abruptly and start it again
#
# Ports: STONKS_PG_PORT (default 15432), STONKS_REDIS_PORT (16379), both
# below the kernel's ephemeral range, so no outgoing connection holds them.
# PostgreSQL refuses to run as root: as root its binaries run as the
# `postgres` user, which then owns the data folder.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${STONKS_STACK_DIR:-$ROOT/var/stack}
PG_PORT=${STONKS_PG_PORT:-15432}
REDIS_PORT=${STONKS_REDIS_PORT:-16379}
for p in "$PG_PORT" "$REDIS_PORT"; do
    if ! [[ "$p" =~ ^[1-9][0-9]{3,4}$ ]] || [ "$p" -lt 1024 ] ||
        [ "$p" -gt 65535 ]; then
        echo "stack: port '$p' (STONKS_PG_PORT, STONKS_REDIS_PORT) is not" \
            "a number from 1024 to 65535" >&2
        exit 2
    fi
done
if [ "$PG_PORT" = "$REDIS_PORT" ]; then
    echo "stack: STONKS_PG_PORT and STONKS_REDIS_PORT are both $PG_PORT:" \
        "give each server its own port" >&2
    exit 2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGDATA=$DIR/pg
REDIS_DIR=$DIR/redis

# As root, PostgreSQL runs as `postgres`, which must reach its data
# folder. A checkout under a private home (/root) is out of its reach:
# the data folder then lives under /var/tmp, named after this checkout.
if [ "$(id -u)" -eq 0 ] &&
    ! (cd / && runuser -u postgres -- test -x "$ROOT") 2>/dev/null; then
    PGDATA=/var/tmp/stonks-$(echo "$DIR" | md5sum | cut -c1-12)/pg
fi

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

print_env() {
    cat <<ENV
export POSTGRES_HOST=127.0.0.1
export POSTGRES_PORT=$PG_PORT
export POSTGRES_DB=stonks
export POSTGRES_USER=stonks
export REDIS_HOST=127.0.0.1
export REDIS_PORT=$REDIS_PORT
ENV
}

start_pg() {
    if [ -z "$PGBIN" ]; then
        echo "stack: PostgreSQL server binaries not found" \
            "(install the postgresql package: make deps)" >&2
        exit 1
    fi
    mkdir -p "$DIR"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        mkdir -p "$PGDATA"
        [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$(dirname "$PGDATA")"
        [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        # Byte-order collation: the text keys (hashes, tickers, ids) are
        # compared without the locale's strcoll; for UTF-8 text the
        # order is the same as C.UTF-8's (code points).
        as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust \
            -E UTF8 --locale=C.UTF-8 --lc-collate=C >/dev/null
    fi
    if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        return 0
    fi
    # The demo's database is disposable: no fsync (a crash of the
    # machine may lose it), but commits are synchronous, so a commit
    # acknowledged is in the kernel's hands and a killed server
    # (restart-pg) keeps it; asynchronous commit lost the last 200 ms of
    # them, with their follow-up jobs already queued. No JIT, whose
    # compile time (50 ms for the demo's report) is more than it saves
    # on queries this small. No Unix socket (-k ''): every
    # client here connects over TCP, and one in the data folder failed
    # the start in a checkout whose path holds a space (pg_ctl passes
    # -o through the shell) or is too long for a socket's name.
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
        -t 60 -o "-p $PG_PORT -k '' -c listen_addresses=127.0.0.1 \
            -c fsync=off -c synchronous_commit=on \
            -c full_page_writes=off -c max_connections=200 -c jit=off" \
        start >/dev/null; then
        echo "stack: PostgreSQL did not start on 127.0.0.1:$PG_PORT; see" \
            "$PGDATA/server.log (a port another program holds? set" \
            "STONKS_PG_PORT)" >&2
        exit 1
    fi
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q \
        -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
SELECT 'CREATE ROLE stonks LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'stonks')\gexec
SELECT 'CREATE DATABASE stonks OWNER stonks'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'stonks')\gexec
SQL
}

# 0 when the pid in redis.pid is a live Redis (a pid left by one that
# died may be another program's by now).
redis_pid_alive() {
    local pid
    pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && grep -q '^redis' "/proc/$pid/comm" 2>/dev/null
}

start_redis() {
    mkdir -p "$REDIS_DIR"
    if ! redis_pid_alive; then
        rm -f "$REDIS_DIR/redis.pid"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
            --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" \
            --logfile "$REDIS_DIR/redis.log" --save "" --appendonly yes \
            --appendfsync everysec
    fi
    # Ready means PONG: while Redis loads its append-only file it answers
    # "LOADING" to every command.
    for _ in $(seq 1 1200); do
        if [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; then
            redis_is_ours && return 0
            echo "stack: 127.0.0.1:$REDIS_PORT answers, but not as the" \
                "Redis started here (see $REDIS_DIR/redis.log): another" \
                "one holds the port; set STONKS_REDIS_PORT" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "stack: Redis did not start; see $REDIS_DIR/redis.log" >&2
    exit 1
}

# 1 when the Redis on REDIS_PORT is the one whose pid redis.pid holds
# (another, on the same port, answered PONG while ours could not bind:
# two stacks then shared one Redis and took each other's jobs).
redis_is_ours() {
    local pid
    pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null) || return 1
    redis-cli -p "$REDIS_PORT" info server 2>/dev/null | tr -d '\r' |
        grep -qx "process_id:$pid"
}

# The ports this folder's servers run on now, when they run: "" when
# not. A server of this folder already running on other ports than the
# settings name would be taken for one that did not start (a wait, then
# a misleading error) while the clients of the settings found nothing.
running_pg_port() {
    [ -n "$PGBIN" ] && [ -f "$PGDATA/PG_VERSION" ] &&
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 &&
        sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null
    return 0
}

running_redis_port() {
    # (Redis names its address in its process title)
    redis_pid_alive &&
        tr '\0' ' ' <"/proc/$(cat "$REDIS_DIR/redis.pid")/cmdline" |
        sed -n 's/.*:\([0-9][0-9]*\).*/\1/p'
    return 0
}

refuse_other_ports() {
    local pg redis
    pg=$(running_pg_port)
    redis=$(running_redis_port)
    if { [ -n "$pg" ] && [ "$pg" != "$PG_PORT" ]; } ||
        { [ -n "$redis" ] && [ "$redis" != "$REDIS_PORT" ]; }; then
        echo "stack: the servers of $DIR already run on other ports" \
            "(PostgreSQL ${pg:-stopped}, Redis ${redis:-stopped}) than" \
            "the settings name ($PG_PORT, $REDIS_PORT): set" \
            "STONKS_PG_PORT and STONKS_REDIS_PORT to theirs, or stop them" \
            "first (scripts/stack.sh stop)" >&2
        exit 1
    fi
}

stop_all() {
    if [ -n "$PGBIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null \
            2>&1 || true
    fi
    if [ -f "$REDIS_DIR/redis.pid" ]; then
        pid=$(cat "$REDIS_DIR/redis.pid")
        # ours by its pid: the port may be another Redis's (other
        # settings than at the start)
        if redis_pid_alive; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.05
            done
            # (still there: its pid file stays, and wipe removes nothing)
            kill -0 "$pid" 2>/dev/null && return 0
        fi
        rm -f "$REDIS_DIR/redis.pid"
    fi
}

# 0 when neither server of this folder runs any more.
both_stopped() {
    if [ -n "$PGBIN" ] && [ -f "$PGDATA/PG_VERSION" ] &&
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        return 1
    fi
    ! [ -f "$REDIS_DIR/redis.pid" ]
}

# For the resilience tests: stop a server abruptly, then start it again.
restart_pg() {
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
    start_pg
}

restart_redis() {
    if redis_pid_alive; then
        kill -9 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$REDIS_DIR/redis.pid"
    start_redis
}

case "${1:-}" in
stop-pg) as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null ;;
restart-pg)
    refuse_other_ports
    restart_pg
    ;;
restart-redis)
    refuse_other_ports
    restart_redis
    ;;
start)
    refuse_other_ports
    start_pg
    start_redis
    print_env
    ;;
stop) stop_all ;;
wipe)
    stop_all
    if ! both_stopped; then
        echo "stack: the servers did not stop; nothing removed" >&2
        exit 1
    fi
    rm -rf "$PGDATA" "$REDIS_DIR"
    ;;
env) print_env ;;
running)
    # either, on its port or this folder's on any: a script that finds
    # one of them running did not start it, and stops neither
    { [ -n "$PGBIN" ] &&
        "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; } ||
        [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] ||
        [ -n "$(running_pg_port)$(running_redis_port)" ]
    ;;
*)
    echo "usage: scripts/stack.sh start|stop|wipe|env|running|restart-pg|" \
        "restart-redis" >&2
    exit 2
    ;;
esac
