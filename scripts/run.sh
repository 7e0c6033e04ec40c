#!/usr/bin/env bash
# `make run`: start Talaria, bringing up the built-in local model when no endpoint exists.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/talaria
if ! "$BIN" local status --quiet >/dev/null 2>&1 && ! "$BIN" config endpoint >/dev/null 2>&1; then
    echo "No model endpoint is configured and no local server answers."
    echo "Starting the built-in local model (first time: downloads ~470 MB and builds llama.cpp, ~10 min)."
    "$BIN" local up
fi
exec "$BIN" "$@"
