#!/usr/bin/env bash
# The Helm chart (infra/helm/stonks-oracle) against the deployment topology:
# helm lint, helm template with the default values, with
# pipelineEnabled=false and with another namespace, existing Secrets and
# other hosts, the dashboard's nginx template through `nginx -t`, then
# tests/helm/check_chart.py over the rendered manifests.
#
# $1 (the stonks binary scripts/test-all.sh passes) is ignored: the chart
# does not depend on the build flavour. helm is fetched once by
# scripts/helm.sh into build/tools/, so a second run costs about a second.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

CHART=$ROOT/infra/helm/stonks-oracle
OUT=$ROOT/build/helm
mkdir -p "$OUT"
# Keep helm's own state inside build/.
export HELM_CACHE_HOME=$OUT/home/cache HELM_CONFIG_HOME=$OUT/home/config
export HELM_DATA_HOME=$OUT/home/data

if ! HELM=$("$ROOT/scripts/helm.sh"); then
    echo "  FAIL: cannot fetch helm (scripts/helm.sh)"
    exit 1
fi

# helm warns on stderr about the chart's links to infra/trino and
# infra/nginx; anything else a failed step said is shown.
quiet() { grep -v 'found symbolic link in path' || true; }

# Runs a step in the background (helm starts slowly; the steps are
# independent): `start NAME CMD...`, then `collect` reports them in order.
names=()
start() {
    local i=${#names[@]}
    names+=("$1")
    shift
    ("$@" >"$OUT/step$i.out" 2>"$OUT/step$i.err"
        echo $? >"$OUT/step$i.rc") &
}
collect() {
    wait
    local i
    for i in "${!names[@]}"; do
        checks=$((checks + 1))
        if [ "$(cat "$OUT/step$i.rc")" = 0 ]; then
            echo "  ok: ${names[$i]}"
        else
            echo "  FAIL: ${names[$i]}"
            cat "$OUT/step$i.out"
            quiet <"$OUT/step$i.err"
            failures=$((failures + 1))
        fi
    done
}

render() {
    local out=$1
    shift
    "$HELM" template stonks "$CHART" --namespace stonks-oracle "$@" >"$out"
}

# The custom render: tests/helm/check_chart.py's CUSTOM_* must match.
custom=(--set namespace=oracle-custom)
for s in core broker market gmail dashboard; do
    custom+=(--set "secrets.$s.existingSecret=custom-$s")
done
for h in dashboard query-api symbol-registry trading-engine superset trino; do
    custom+=(--set "ingress.hosts.$h.host=$h.oracle.test")
    custom+=(--set "ingress.hosts.$h.tlsSecret=$h-custom-tls")
done

# NOTES.txt is rendered only by install; render it through a copy of the
# chart where it is a template of a ConfigMap.
render_notes() {
    local copy=$OUT/notes-chart
    rm -rf "$copy"
    cp -RL "$CHART" "$copy" &&
        cp "$CHART/templates/NOTES.txt" "$copy/files/NOTES.txt" &&
        cat >"$copy/templates/zz-notes.yaml" <<'T' &&
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes
data:
  notes: {{ tpl (.Files.Get "files/NOTES.txt") . | quote }}
T
        "$HELM" template stonks "$copy" --namespace stonks-oracle \
            --show-only templates/zz-notes.yaml |
        /usr/bin/python3 -c 'import sys, yaml
print(yaml.safe_load(sys.stdin)["data"]["notes"])' >"$OUT/notes.txt"
}

# The shared nginx template with local upstreams, checked by nginx itself.
nginx_check() {
    local dir=$OUT/nginx
    rm -rf "$dir"
    mkdir -p "$dir/www"
    STONKS_DASHBOARD_LISTEN=127.0.0.1:18080 STONKS_WEB_ROOT=$dir/www \
        STONKS_QUERY_API_UPSTREAM=127.0.0.1:18001 \
        STONKS_REGISTRY_UPSTREAM=127.0.0.1:18002 \
        STONKS_RISK_UPSTREAM=127.0.0.1:18004 \
        envsubst '${STONKS_DASHBOARD_LISTEN} ${STONKS_WEB_ROOT}
            ${STONKS_QUERY_API_UPSTREAM} ${STONKS_REGISTRY_UPSTREAM}
            ${STONKS_RISK_UPSTREAM}' \
        <"$ROOT/infra/nginx/stonks.conf.template" >"$dir/stonks.conf" &&
        cat >"$dir/nginx.conf" <<T &&
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    include $dir/stonks.conf;
}
T
        nginx -t -q -p "$dir" -c "$dir/nginx.conf"
}

rm -f "$OUT"/step*.rc "$OUT"/step*.out "$OUT"/step*.err
start "helm lint --strict" "$HELM" lint --strict "$CHART" --quiet
start "helm template (defaults)" render "$OUT/default.yaml"
start "helm template (pipelineEnabled=false)" \
    render "$OUT/pipeline-off.yaml" --set pipelineEnabled=false
start "helm template (other namespace, existing Secrets, hosts)" \
    render "$OUT/custom.yaml" "${custom[@]}"
start "helm refuses a secret in config:" \
    bash -c '! "$0" template stonks "$1" --set config.REDIS_PASSWORD=x \
        >/dev/null 2>&1' "$HELM" "$CHART"
start "NOTES.txt renders" render_notes
if command -v nginx >/dev/null && command -v envsubst >/dev/null; then
    start "nginx -t accepts infra/nginx/stonks.conf.template" nginx_check
else
    echo "  note: nginx or envsubst missing: template not checked by nginx"
fi
echo "$("$HELM" version --short)" | sed 's/^/helm: /'
collect

binary=()
[ -x "$ROOT/bin/stonks" ] && binary=(--binary "$ROOT/bin/stonks")
report=$(/usr/bin/python3 "$ROOT/tests/helm/check_chart.py" \
    --default "$OUT/default.yaml" --pipeline-off "$OUT/pipeline-off.yaml" \
    --custom "$OUT/custom.yaml" --notes "$OUT/notes.txt" \
    --config-c "$ROOT/src/lib/config.c" \
    --trino-catalog "$ROOT/infra/trino/catalog" \
    --dockerfile "$ROOT/infra/docker/Dockerfile" "${binary[@]}" 2>&1)
status=$?
echo "$report" | sed '$d'
last=$(echo "$report" | tail -n 1)
if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    checks=$((checks + BASH_REMATCH[1] + BASH_REMATCH[2]))
    failures=$((failures + BASH_REMATCH[2]))
else
    echo "$last"
fi
if [ $status -ne 0 ] && [ "${BASH_REMATCH[2]:-0}" -eq 0 ]; then
    echo "  FAIL: check_chart.py exited $status"
    checks=$((checks + 1))
    failures=$((failures + 1))
fi
finish
