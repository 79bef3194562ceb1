#!/usr/bin/env bash
# Fetches DuckDB's C library and header into DIR (default build/duckdb)
# when the system has none: `make` runs this once, before compiling
# src/adapters/duckdb_lake.c.
#
# DuckDB's C library is not a Debian package. The npm package
# @duckdb/node-bindings-linux-x64 carries libduckdb.so, and the `duckdb`
# package of the same DuckDB version carries duckdb.h. `npm pack` fetches
# each pinned version as a tarball (nothing is installed, no script
# runs); the tarballs' integrity is checked against the values pinned
# below before the two files are extracted.
#
# It never fails the build: without npm or a network, it says so, writes
# DIR/.stamp with "missing", and the build compiles the lake code without
# DuckDB (`stonks lake-publisher` and `stonks sql` then explain what is
# missing). `make duckdb` (or removing DIR) tries again.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$ROOT/build/duckdb}

VERSION=1.4.4
LIB_PACKAGE=@duckdb/node-bindings-linux-x64
LIB_VERSION=$VERSION-r.4
LIB_INTEGRITY=sha512-jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA==
HDR_PACKAGE=duckdb
HDR_VERSION=$VERSION
HDR_INTEGRITY=sha512-hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog==

mkdir -p "$DIR"
if [ -f "$DIR/duckdb.h" ] && [ -f "$DIR/libduckdb.so" ]; then
    echo "ok $VERSION" >"$DIR/.stamp"
    exit 0
fi

missing() {
    echo "duckdb: $1" >&2
    echo "duckdb: building without DuckDB: \`stonks lake-publisher\` and" \
        "\`stonks sql\` (embedded engine) will refuse to run." >&2
    echo "duckdb: \`make duckdb\` tries again (see docs/LAKE.md)." >&2
    echo "missing" >"$DIR/.stamp"
    exit 0
}

command -v npm >/dev/null 2>&1 || missing "npm is not installed"
command -v python3 >/dev/null 2>&1 || missing "python3 is not installed"

tmp=$(mktemp -d "$DIR/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "duckdb: fetching $LIB_PACKAGE@$LIB_VERSION and" \
    "$HDR_PACKAGE@$HDR_VERSION with npm pack" >&2
if ! (cd "$tmp" && npm pack --silent --fetch-retries=1 \
    --fetch-timeout=60000 "$LIB_PACKAGE@$LIB_VERSION" \
    "$HDR_PACKAGE@$HDR_VERSION" >/dev/null); then
    missing "npm pack failed"
fi

# Checks both tarballs, then extracts one member of each, with Python's
# standard library only.
if ! python3 - "$tmp" "$LIB_INTEGRITY" "$HDR_INTEGRITY" <<'PY'; then
import base64, glob, hashlib, os, sys, tarfile

tmp, lib_integrity, hdr_integrity = sys.argv[1:4]
wanted = [
    ("duckdb-node-bindings-linux-x64-*.tgz", lib_integrity,
     "package/libduckdb.so", "libduckdb.so"),
    ("duckdb-[0-9]*.tgz", hdr_integrity,
     "package/src/duckdb/src/include/duckdb.h", "duckdb.h"),
]
for pattern, integrity, member, name in wanted:
    found = glob.glob(os.path.join(tmp, pattern))
    if len(found) != 1:
        sys.exit("duckdb: no tarball matches %s" % pattern)
    data = open(found[0], "rb").read()
    digest = hashlib.sha512(data).digest()
    actual = "sha512-" + base64.b64encode(digest).decode()
    if actual != integrity:
        sys.exit("duckdb: %s has integrity %s, expected %s"
                 % (found[0], actual, integrity))
    with tarfile.open(found[0]) as tar:
        src = tar.extractfile(member)
        with open(os.path.join(tmp, name), "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
PY
    missing "the fetched tarballs failed their check"
fi

chmod 0644 "$tmp/duckdb.h" "$tmp/libduckdb.so"
mv "$tmp/libduckdb.so" "$DIR/libduckdb.so"
mv "$tmp/duckdb.h" "$DIR/duckdb.h"
echo "ok $VERSION" >"$DIR/.stamp"
echo "duckdb: $VERSION in $DIR" >&2
