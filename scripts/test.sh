#!/usr/bin/env bash
# `make test`: build, start the real peers, run every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS=${PEERS:-../shared/peers}

bash scripts/check-layers.sh
swift build --build-tests
export TALARIA_BIN="$ROOT/.build/debug/talaria"

RUN_TMP=
cleanup() {
    [ -n "${LLM_STARTED:-}" ] && bash "$PEERS/llm-down.sh" "$LLM_PORT" >/dev/null 2>&1 || true
    # What the tests started in their temporary folder (fake servers a test never released)
    # ends with the run, and so does the folder.
    if [ -n "$RUN_TMP" ]; then
        pkill -KILL -f "$RUN_TMP/" >/dev/null 2>&1 || true # SIGTERM stays blocked in children of Foundation's Process
        rm -rf "$RUN_TMP"
    fi
}
trap cleanup EXIT

LLM_PORT=${LLM_PORT:-8911}
if [ -d "$PEERS" ]; then
    echo "[test] starting the llama.cpp peer on :$LLM_PORT"
    # Stop it afterwards only if this run started it (a developer's running peer stays up).
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$LLM_PORT/health" 2>/dev/null || LLM_STARTED=1
    if out=$(bash "$PEERS/llm-up.sh" "$LLM_PORT"); then
        eval "$out"
        export LLM_BASE_URL LLM_MODEL
    else
        echo "[test] the LLM peer did not start" >&2
        LLM_STARTED=
        [ "${CI:-}" = true ] && exit 1
    fi
    # The MCP peers: the reference stdio servers and the streamable-HTTP test server (each
    # HTTP test starts its own instance on its own port through mcp-http-up.sh).
    echo "[test] installing the MCP peers"
    if bash "$PEERS/mcp-setup.sh" >/dev/null; then
        set -a; source "${TALARIA_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/talaria-peers}/mcp.env"; set +a
        export TALARIA_PEERS_SRC="$(cd "$PEERS" && pwd)"
    else
        echo "[test] the MCP peers did not install" >&2
        [ "${CI:-}" = true ] && exit 1
    fi
    # The ACP tests drive `talaria acp` with the protocol's own Python client.
    echo "[test] installing the ACP client"
    if py=$(bash scripts/acp-client-setup.sh); then
        export TALARIA_ACP_PYTHON="$py"
    else
        echo "[test] the ACP client did not install" >&2
        [ "${CI:-}" = true ] && exit 1
    fi
else
    echo "[test] $PEERS not found: real-model and MCP tests will be skipped (they fail under CI=true)"
fi

# Swift Testing and XCTest both run; parallel inside the process, 2 cores here. Line-buffered,
# so the log is whole up to the moment something goes wrong; a run that hangs is stopped long
# before CI's limit and names the tests that never finished.
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/talaria-test.XXXXXX")
export TMPDIR="$RUN_TMP"
# At most this many tests at once. Unbounded, all ~600 start together and every actor hop
# waits behind hundreds of ready jobs on the two pool threads: an MCP reconnect that takes
# 0.1 s alone took 13 s to get from one await to the next, and timing tests failed at random.
# (The real-model tests queue for the peer inside their slots, so leave room beside them.)
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${TEST_WIDTH:-24}"
timeout -k 30s "${TEST_TIMEOUT:-40m}" stdbuf -oL -eL swift test --skip-build 2>&1 | tee .build/test.log
status=${PIPESTATUS[0]}
if [ "$status" = 124 ]; then
    echo "[test] the tests did not finish within ${TEST_TIMEOUT:-40m}; started and never finished:" >&2
    sed -n 's/^.*Test "\(.*\)" started\.$/\1/p' .build/test.log | sort -u > .build/test-started.txt
    sed -n 's/^.*Test "\(.*\)" \(with [0-9]* test cases\{0,1\} \)\{0,1\}\(passed\|failed\|skipped\).*/\1/p' .build/test.log | sort -u > .build/test-ended.txt
    comm -23 .build/test-started.txt .build/test-ended.txt | sed 's/^/  /' >&2
fi
exit "$status"
