#!/usr/bin/env bash
# The s3 object store against s3rver (npm, an S3-compatible server; it
# checks the access key but not SigV4 signatures, which test_sigv4 and
# test_s3 check instead), on 127.0.0.1. s3rver is installed from
# tests/s3/package-lock.json with `npm ci` when tests/s3/node_modules is
# missing (not committed). Round trip through `stonks objstore`, then one
# replayed ingestion job whose raw payload must land in the bucket.
#
# Usage: test_s3.sh path/to/stonks   (POSTGRES_*, REDIS_* set)
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

PORT=${STONKS_S3RVER_PORT:-$(free_port 18482)}
VAR=$ROOT/var/it-s3
S3DIR=$ROOT/tests/s3
rm -rf "$VAR"
mkdir -p "$VAR/data"
s3rver=""
cleanup() {
    [ -n "$s3rver" ] && kill "$s3rver" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

if [ ! -d "$S3DIR/node_modules/s3rver" ]; then
    echo "installing s3rver (npm ci --prefix tests/s3)"
    if ! npm ci --prefix "$S3DIR" --no-audit --no-fund >"$VAR/npm.log" 2>&1
    then
        echo "  FAIL: npm ci for s3rver failed:"
        tail -n 20 "$VAR/npm.log"
        exit 1
    fi
fi
node "$S3DIR/node_modules/s3rver/bin/s3rver.js" -d "$VAR/data" \
    -a 127.0.0.1 -p "$PORT" --silent >"$VAR/s3rver.log" 2>&1 &
s3rver=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.1
done

export OBJECT_STORE=s3 S3_ENDPOINT=http://127.0.0.1:$PORT S3_REGION=us-east-1
export S3_BUCKET=stonks-it-raw S3_PATH_STYLE=1
export MINIO_ACCESS_KEY=S3RVER MINIO_SECRET_KEY=S3RVER

head -c 300000 /dev/urandom >"$VAR/payload.bin"
printf 'caf\xc3\xa9 & co\n' >"$VAR/small.txt"
want="sha256/$(sha256sum "$VAR/payload.bin" | cut -c1-64)"
key=$("$BIN" objstore put "$VAR/payload.bin" 2>"$VAR/put.err")
assert_eq "put prints the content-addressed key" "$want" "$key"
assert_eq "the bucket was created" yes \
    "$([ -d "$VAR/data/stonks-it-raw" ] && echo yes || echo no)"
assert_eq "head gives the size" 300000 "$("$BIN" objstore head "$key")"
"$BIN" objstore get "$key" >"$VAR/back.bin"
assert_eq "get returns the same bytes" same \
    "$(cmp -s "$VAR/payload.bin" "$VAR/back.bin" && echo same || echo differ)"
assert_eq "put again: same key" "$want" \
    "$("$BIN" objstore put "$VAR/payload.bin")"
k2=$("$BIN" objstore put "$VAR/small.txt")
assert_eq "small object round trip" "$(cat "$VAR/small.txt")" \
    "$("$BIN" objstore get "$k2")"
missing=sha256/$(printf '0%.0s' $(seq 64))
"$BIN" objstore head "$missing" >/dev/null 2>"$VAR/head.err"
assert_eq "head of a missing object exits 1" 1 $?
"$BIN" objstore get "$missing" >/dev/null 2>"$VAR/get.err"
assert_eq "get of a missing object: clear error" \
    "stonks objstore: object $missing not found" "$(cat "$VAR/get.err")"
# An object changed by hand (fs backend) no longer stands for its key.
kfs=$(OBJECT_STORE=fs OBJECT_STORE_DIR=$VAR/fs "$BIN" objstore put \
    "$VAR/small.txt")
hex=${kfs#sha256/}
printf 'changed\n' >"$VAR/fs/sha256/${hex:0:2}/${hex:2:2}/$hex"
OBJECT_STORE=fs OBJECT_STORE_DIR=$VAR/fs "$BIN" objstore get "$kfs" \
    >"$VAR/changed.out" 2>"$VAR/changed.err"
rc=$?
assert_eq "get of an object changed since: exit 1, said, nothing printed" \
    "1 stonks objstore: object $kfs does not hold what it was written with \
(its bytes hash to sha256/$(printf 'changed\n' | sha256sum | cut -c1-16)...): \
changed or cut since 0" \
    "$rc $(cat "$VAR/changed.err") $(wc -c <"$VAR/changed.out")"
# A FIFO is refused, not waited on for ever.
rm -f "$VAR/fifo"
mkfifo "$VAR/fifo"
out=$(OBJECT_STORE=fs OBJECT_STORE_DIR=$VAR/fs timeout 10 "$BIN" objstore \
    put "$VAR/fifo" 2>&1)
assert_eq "put of a FIFO: refused at once" \
    "1 stonks objstore: $VAR/fifo is not a regular file" "$? $out"
MINIO_ACCESS_KEY=WRONG "$BIN" objstore put "$VAR/small.txt" \
    >/dev/null 2>"$VAR/badkey.err"
assert_eq "an unknown access key is refused" 1 $?
assert_eq "the refusal says what to check" \
    "stonks objstore: S3 HEAD (bucket): HTTP 403 (access denied: check MINIO_ACCESS_KEY and MINIO_SECRET_KEY)" \
    "$(cat "$VAR/badkey.err")"

# Ingestion keeps its raw payloads in the bucket.
fresh_db stonks_it_s3
"$BIN" migrate >/dev/null 2>&1 && "$BIN" seed >/dev/null 2>&1
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion stonks:dead:ingestion \
    >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:ingestion '*' p \
    '{"ticker":"AAPL","day":"2011-09-02","from":"2011-09-01"}' >/dev/null
INGEST_PROVIDER=replay HTTP_PORT=0 QUEUE_BLOCK_MS=100 "$BIN" ingestion \
    >"$VAR/ingestion.log" 2>&1 &
worker=$!
for _ in $(seq 200); do
    [ "$(sql 'SELECT count(*) FROM ingest_runs')" == 1 ] && break
    sleep 0.1
done
kill -TERM "$worker"
wait "$worker"
raw=$(sql "SELECT raw_key FROM ingest_runs")
assert_eq "ingestion: raw payload in the bucket" yes \
    "$("$BIN" objstore head "$raw" >/dev/null && echo yes || echo no)"
assert_eq "ingestion: its bytes hash to its key" "$raw" \
    "sha256/$("$BIN" objstore get "$raw" | sha256sum | cut -c1-64)"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion stonks:queue:parsing \
    >/dev/null

finish
