#!/usr/bin/env bash
# Installs the Debian packages Talaria builds and tests with, once per machine.
# Idempotent: a stamp of the package list skips apt entirely when nothing is missing.
set -euo pipefail
PKGS=(libncursesw5-dev libsqlite3-dev libcurl4-openssl-dev libcmark-gfm-dev
      libcmark-gfm-extensions-dev tmux python3 python3-venv python3-pip curl git
      openssh-server openssh-client bubblewrap procps)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
fi
echo "[deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
