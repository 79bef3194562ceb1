#!/usr/bin/env bash
# The Parquet lake on S3 (LAKE_URI=s3a://stonks-lakehouse/warehouse, the
# chart's default) against s3rver on 127.0.0.1, installed like
# test_s3.sh does (npm ci from tests/s3/package-lock.json). A short
# replay is published to the bucket (created by the publisher); the
# object keys listed by the bucket are exactly lake_partitions' files
# under the prefix, with their sizes; the downloaded objects are
# byte-for-byte the files a local publication of the same rows writes,
# and `stonks sql` over the downloaded copy counts what PostgreSQL
# has; a second publication writes nothing; a day left with no row is
# deleted from the bucket; a file deleted behind the publisher's back
# is uploaded again.
#
# Usage: test_lake_s3.sh path/to/stonks   (POSTGRES_*, REDIS_* set)
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

PORT=${STONKS_LAKE_S3RVER_PORT:-$(free_port 18483)}
export REPLAY_TICKERS=AAPL,F
export REPLAY_START=2011-09-01 REPLAY_END=2011-09-07
export STONKS_VAR_DIR=$ROOT/var/it-lake-s3
export OBJECT_STORE=fs OBJECT_STORE_DIR=$STONKS_VAR_DIR/objects
export QUEUE_BLOCK_MS=100
unset TRINO_URL DUCKDB_LIBRARY
S3DIR=$ROOT/tests/s3
TMP=$STONKS_VAR_DIR/tmp
BUCKET=stonks-lakehouse
S3URI=s3a://$BUCKET/warehouse
LOCAL=$STONKS_VAR_DIR/lake-local
COPY=$STONKS_VAR_DIR/lake-copy
export S3_ENDPOINT=http://127.0.0.1:$PORT S3_REGION=us-east-1 S3_PATH_STYLE=1
export MINIO_ACCESS_KEY=S3RVER MINIO_SECRET_KEY=S3RVER
rm -rf "$STONKS_VAR_DIR"
mkdir -p "$TMP" "$STONKS_VAR_DIR/data"
s3rver=""
cleanup() {
    [ -n "$s3rver" ] && kill "$s3rver" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

if ! LAKE_URI=$LOCAL "$BIN" sql "SELECT 1" >/dev/null 2>"$TMP/probe.err"; then
    echo "  FAIL: this build cannot write the lake:"
    cat "$TMP/probe.err"
    exit 1
fi
if [ ! -d "$S3DIR/node_modules/s3rver" ]; then
    echo "installing s3rver (npm ci --prefix tests/s3)"
    if ! npm ci --prefix "$S3DIR" --no-audit --no-fund >"$TMP/npm.log" 2>&1
    then
        echo "  FAIL: npm ci for s3rver failed:"
        tail -n 20 "$TMP/npm.log"
        exit 1
    fi
fi
node "$S3DIR/node_modules/s3rver/bin/s3rver.js" -d "$STONKS_VAR_DIR/data" \
    -a 127.0.0.1 -p "$PORT" --silent >"$TMP/s3rver.log" 2>&1 &
s3rver=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.1
done

# Every stderr is kept in stderr.all, checked for sanitizer reports.
publish() { # publish URI [TABLE...]
    local rc uri=$1
    shift
    LAKE_URI=$uri "$BIN" lake-publisher --once "$@" 2>"$TMP/publish.err"
    rc=$?
    cat "$TMP/publish.err" >>"$TMP/stderr.all"
    return $rc
}
lake() { # lake URI SQL
    local rc
    LAKE_URI=$1 "$BIN" sql --no-header "$2" 2>"$TMP/sql.err"
    rc=$?
    cat "$TMP/sql.err" >>"$TMP/stderr.all"
    return $rc
}
EMPTY_SHA256=$(printf '' | sha256sum | cut -c1-64)
s3curl() { # s3curl PATH [curl options...]: a signed request to s3rver
    local path=$1
    shift
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" \
        --user "$MINIO_ACCESS_KEY:$MINIO_SECRET_KEY" \
        -H "x-amz-content-sha256: $EMPTY_SHA256" "$@" \
        "http://127.0.0.1:$PORT/$BUCKET/$path"
}
listing() { # the bucket's keys under warehouse/, sorted
    s3curl "?list-type=2&prefix=warehouse/&max-keys=1000" |
        grep -o '<Key>[^<]*</Key>' | sed 's/<Key>//; s/<\/Key>//' |
        LC_ALL=C sort
}
S3ID=s3://$BUCKET/warehouse # the books' name of the lake
booked() { # the S3 lake's files in lake_partitions, sorted
    sql "SELECT 'warehouse/' || file FROM lake_partitions
         WHERE lake = '$S3ID' ORDER BY 1" | LC_ALL=C sort
}

fresh_db stonks_it_lake_s3
echo "running $BIN demo over $REPLAY_TICKERS $REPLAY_START..$REPLAY_END"
if ! LAKE_URI=$LOCAL "$BIN" demo >"$TMP/demo.out" 2>&1; then
    echo "  FAIL: demo exited non-zero"
    tail -n 30 "$TMP/demo.out"
    exit 1
fi

echo "publishing to $S3URI"
out=$(publish "$S3URI")
assert_eq "lake-publisher --once to S3 succeeds" 0 $?
[ -n "$out" ] && echo "  $out"
files=$(sql "SELECT count(*) FROM lake_partitions WHERE lake = '$S3ID'")
check_keys=$(listing)
assert_eq "the bucket holds exactly the booked files" same \
    "$([ "$(booked)" == "$check_keys" ] && echo same || echo differ)"
assert_eq "one object per table and day ($files)" "$files" \
    "$(echo "$check_keys" | grep -c '/dt=.*/part-00000\.parquet$')"
assert_eq "every table has objects" 10 \
    "$(echo "$check_keys" | cut -d/ -f2 | sort -u | wc -l)"
checks=$((checks + 1))
badsize=0
while IFS='|' read -r file bytes; do
    got=$(s3curl "warehouse/$file" -I | tr -d '\r' |
        sed -n 's/^[Cc]ontent-[Ll]ength: //p')
    [ "$got" == "$bytes" ] || {
        echo "  FAIL: $file: booked $bytes bytes, S3 has '$got'"
        badsize=$((badsize + 1))
    }
done < <(sql "SELECT file, bytes FROM lake_partitions WHERE lake = '$S3ID'")
if [ "$badsize" -eq 0 ]; then
    echo "  ok: every object's size is the booked size"
else
    failures=$((failures + 1))
fi
assert_eq "nothing left in the local staging folder" 0 \
    "$(find "$STONKS_VAR_DIR/lake-staging" -type f | wc -l)"

echo "the same rows published to a local folder"
mv "$TMP/stderr.all" "$TMP/stderr.s3"
publish "$LOCAL" >"$TMP/local.out"
assert_eq "every day written again locally (no local file yet)" \
    "lake: $files partition files written" \
    "$(sed 's/ (.*//' "$TMP/local.out")"
cat "$TMP/stderr.s3" >>"$TMP/stderr.all"
mkdir -p "$COPY"
same=0
while read -r key; do
    mkdir -p "$COPY/$(dirname "${key#warehouse/}")"
    s3curl "$key" -o "$COPY/${key#warehouse/}"
    cmp -s "$COPY/${key#warehouse/}" "$LOCAL/${key#warehouse/}" &&
        same=$((same + 1))
done < <(listing)
assert_eq "downloaded objects equal the local files byte for byte" \
    "$files" "$same"
for t in documents signals price_bars recommendations; do
    assert_eq "stonks sql over the downloaded copy: $t rows" \
        "$(lake "$LOCAL" "SELECT count(*) FROM $t")" \
        "$(lake "$COPY" "SELECT count(*) FROM $t")"
done
assert_eq "and PostgreSQL's signals" "$(sql "SELECT count(*) FROM signals")" \
    "$(lake "$COPY" "SELECT count(*) FROM signals")"

echo "incremental publication to S3"
# (each lake has books of its own: the local folder's did not move S3's)
assert_eq "a second publication writes nothing" \
    "lake: 0 partition files written (0 rows), 0 removed, in $S3URI" \
    "$(publish "$S3URI")"
day=$(sql "SELECT min(day) FROM price_bars")
key="warehouse/price_bars/dt=$day/part-00000.parquet"
s3curl "$key" -X DELETE -o /dev/null
assert_eq "an object deleted by hand is uploaded again" \
    "lake: 1 partition files written, 0 removed" \
    "$(publish "$S3URI" price_bars | sed 's/ ([0-9]* rows)//; s/, in .*//')"
assert_eq "it is back" 200 \
    "$(s3curl "$key" -I -o /dev/null -w '%{http_code}')"
sql "DELETE FROM price_bars WHERE day = '$day'" >/dev/null
assert_eq "a day left with no row" \
    "lake: 0 partition files written, 1 removed" \
    "$(publish "$S3URI" price_bars | sed 's/ ([0-9]* rows)//; s/, in .*//')"
assert_eq "is deleted from the bucket" 404 \
    "$(s3curl "$key" -I -o /dev/null -w '%{http_code}')"
assert_eq "the bucket still holds exactly the booked files" same \
    "$([ "$(booked)" == "$(listing)" ] && echo same || echo differ)"

echo "refusals"
LAKE_URI=$S3URI MINIO_ACCESS_KEY=WRONG "$BIN" lake-publisher --once price_bars \
    >/dev/null 2>"$TMP/badkey.err"
assert_eq "an unknown access key: exit 1" 1 $?
assert_eq "and a message saying what to check" yes \
    "$(grep -q 'MINIO_ACCESS_KEY' "$TMP/badkey.err" && echo yes || echo no)"
LAKE_URI=$S3URI "$BIN" sql "SELECT 1" >/dev/null 2>"$TMP/sqls3.err"
assert_eq "embedded SQL over an S3 lake points to Trino" yes \
    "$(grep -q 'TRINO_URL' "$TMP/sqls3.err" && echo yes || echo no)"
assert_eq "no sanitizer report in any output" "" \
    "$(grep -l Sanitizer "$TMP"/* 2>/dev/null)"

finish
