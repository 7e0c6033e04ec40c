#!/usr/bin/env bash
# Each C module is imported by exactly one Swift target (docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
check() { # module owner
    local bad
    bad=$(grep -rlE "^import $1\b" Sources Tests | grep -vE "^(Sources/$2|Tests/$2Tests)/" || true)
    if [ -n "$bad" ]; then echo "layer violation: $1 imported outside $2: $bad" >&2; fail=1; fi
}
check CCurl CurlTransport
check CPTY Exec
check GRDB Store
check Yams Config
check CNcursesw TUICurses
check CTermModes TUICurses
check CCmarkGFM Markdown
# TUIKit and AppFeature are pure: no C libraries, no stores, no agent.
if grep -rqE "^import (CNcursesw|CCmarkGFM|Store|CurlTransport|AgentCore|Exec|GRDB)\b" Sources/TUIKit Sources/AppFeature; then
    echo "layer violation: TUIKit/AppFeature must stay pure" >&2; fail=1
fi
# Pure targets never import UI or infrastructure.
if grep -rqE "^import (Store|CurlTransport|AgentCore|Exec)\b" Sources/AgentProtocol Sources/LLMClient; then
    echo "layer violation: AgentProtocol/LLMClient must stay free of I/O targets" >&2; fail=1
fi
exit $fail
