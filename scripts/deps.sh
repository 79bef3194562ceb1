#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the demo need.
# Skips everything when dpkg already has them all, so a warm machine
# starts at once. Runs apt-get as root (or through sudo).
set -euo pipefail

PACKAGES=(
    gcc make pkg-config
    libpq-dev libhiredis-dev libjansson-dev libcmocka-dev
    libmicrohttpd-dev libcurl4-openssl-dev libxml2-dev
    postgresql redis-server
    clang-format python3 python3-aiosmtpd nginx wrk
    python3-yaml gettext-base procps curl clang libclang-rt-14-dev
    chromium valgrind libfaketime
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
        grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Wait up to 5 minutes for another apt (a fresh machine's unattended
# upgrades) instead of failing at once on its lock.
LOCK_WAIT=(-o DPkg::Lock::Timeout=300)
$SUDO apt-get "${LOCK_WAIT[@]}" update -qq
$SUDO apt-get "${LOCK_WAIT[@]}" install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
