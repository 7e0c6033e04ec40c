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
# The host composes sessions; it knows no front-end.
if grep -rqE "^import (TUIKit|AppFeature|AppRuntime|TUICurses|Markdown|TUIApp|Headless|Serve|ACP|Bench)\b" Sources/SessionHost; then
    echo "layer violation: SessionHost must not import a front-end" >&2; fail=1
fi
# Front-ends are peers: none imports another.
for fe in TUIApp Headless Serve ACP Bench; do
    others=$(echo "TUIApp Headless Serve ACP Bench" | tr ' ' '\n' | grep -vx "$fe" | paste -sd'|')
    if grep -rqE "^import ($others)\b" "Sources/$fe"; then
        echo "layer violation: $fe imports another front-end" >&2; fail=1
    fi
done
# The executable parses arguments and wires: no actor or class of its own, no terminal loop.
if grep -rnE "^\s*(public |private |fileprivate )?(final )?(actor|class) " Sources/talaria; then
    echo "layer violation: the executable holds only parsing and wiring (move the type to a library target)" >&2; fail=1
fi
if grep -rqE "^import (AppRuntime|TUICurses|TUIKit)\b" Sources/talaria; then
    echo "layer violation: the executable must not drive the terminal (that is TUIApp's)" >&2; fail=1
fi
# One home: Foundation's home and ~ expansion ignore $HOME on Linux; UserHome decides.
if grep -rnE "NSHomeDirectory\(\)|expandingTildeInPath|homeDirectoryForCurrentUser" Sources --include=*.swift | grep -v "^Sources/AgentProtocol/UserHome.swift"; then
    echo "use UserHome.path / UserHome.expand (they read \$HOME)" >&2; fail=1
fi
# A file past ~450 lines holds two things.
long=$(find Sources -name "*.swift" -exec wc -l {} + | awk '$2 != "total" && $1 > 460 { print $2 " (" $1 " lines)" }')
if [ -n "$long" ]; then echo "too long, split by job: $long" >&2; fail=1; fi
exit $fail
