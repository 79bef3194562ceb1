#!/usr/bin/env bash
# Packs infra/superset/dashboard/ (Superset's export format, version 1:
# the Trino connection, three datasets, three charts and the dashboard)
# into one ZIP that Superset's CLI imports:
#
#   infra/superset/bundle.sh [OUT]   (build/superset/stonks_dashboard.zip)
#   superset import-dashboards -p stonks_dashboard.zip -u admin
#
# The connection is named as the chart's superset-init creates it
# ("Stonks lakehouse"), so the import reuses it. Standard library only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/superset/stonks_dashboard.zip}
mkdir -p "$(dirname "$OUT")"
python3 - "$ROOT/infra/superset/dashboard" "$OUT" <<'PY'
import os, sys, zipfile

src, out = sys.argv[1:3]
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    for folder, _, files in sorted(os.walk(src)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            z.write(path, os.path.join("stonks_dashboard",
                                       os.path.relpath(path, src)))
os.replace(out + ".tmp", out)
print(out)
PY
