#!/usr/bin/env bash
# The Agent Client Protocol's Python client (PyPI agent-client-protocol), in a venv of its own,
# for the ACP end-to-end tests. Prints the venv's python.
set -euo pipefail
dir="${TALARIA_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/talaria-peers}/acp-venv"
version=0.12.1
if ! "$dir/bin/python" -c "import acp, sys; sys.exit(0)" >/dev/null 2>&1; then
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install --quiet --disable-pip-version-check "agent-client-protocol==$version" >&2
fi
echo "$dir/bin/python"
