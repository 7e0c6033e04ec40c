#!/usr/bin/env bash
# Fuzzes every parser that reads outside input, one libFuzzer target each (FUZZ_SECONDS per
# target, default 600; FUZZ_TARGETS="parsers skills" runs some):
#   parsers   SSE decoder, tool-call parsers (native deltas, <tool_call>, bare/fenced JSON), JSON
#   terminal  the input decoder, the VT screen of the terminal pane, wrapping
#   shell     the approval policy's shell reader
#   memory    memory's imported files and the user-model answers
#   html      web_fetch's HTML tree and its markdown
#   gateway   each platform's update decoding, answer splitting and markup
#   skills    SKILL.md front matter, the YAML subset, validation, the safety scan
#   config    config.yaml through Yams (every section) and a Hermes config
#   ui        theme and keymap files, the markdown renderer and code highlighter
#   serve     the serve API's request bodies and Ops
#   mcp       MCP messages as the SDK's client reads them, and what Talaria makes of them
# Each target's sources and its harness (Fuzz/NAME) are compiled as one module with
# -sanitize=fuzzer,address. The committed corpus is Fuzz/NAME/corpus; a run works in
# fuzz-corpus-NAME (not committed) and merges what adds coverage back into Fuzz/NAME/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.build-fuzz
SECONDS_EACH=${FUZZ_SECONDS:-600}
TARGETS=${FUZZ_TARGETS:-parsers terminal shell memory html gateway skills config ui serve mcp}
export SWIFT_BACKTRACE=enable=no # a crash is libFuzzer's to report, not a backtracer waiting for a key
# What a global's one-time initializer allocates (a compiled NSRegularExpression in a `static let`)
# lives until exit and is not a leak; LeakSanitizer reports it at the end of a run.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# sources NAME FILE…: copies FILEs into the target's build folder, dropping the imports of the
# modules that are compiled into it.
sources() {
    local name=$1; shift
    rm -rf "$OUT/$name/src"; mkdir -p "$OUT/$name/src"
    for f in "$@"; do
        sed -e '/^import AgentProtocol$/d' -e '/^import LLMClient$/d' -e '/^import TUIKit$/d' -e '/^import Markdown$/d' \
            -e '/^import Yams$/d' -e '/^import MCP$/d' -e '/^@testable import/d' "$f" > "$OUT/$name/src/$(basename "$f")"
    done
}

# build NAME [swiftc options…]
build() {
    local name=$1; shift
    local module; module=Fuzz$(tr '[:lower:]' '[:upper:]' <<< "${name:0:1}")${name:1}
    swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name "$module" -swift-version 6 "$@" \
        "$OUT/$name"/src/*.swift -o "$OUT/$name/fuzz-$name"
}

# run NAME MAX_LEN [extra corpus dirs…]: fuzzes, then merges new coverage into the committed corpus.
run() {
    local name=$1 len=$2; shift 2
    mkdir -p "Fuzz/$name/corpus" "fuzz-corpus-$name"
    echo "== $name: $SECONDS_EACH s"
    local status=0
    "$OUT/$name/fuzz-$name" -max_total_time="$SECONDS_EACH" -timeout=5 -max_len="$len" -print_final_stats=1 \
        "fuzz-corpus-$name" "Fuzz/$name/corpus" "$@" || status=$?
    # What it found is kept even when it crashed; the crash is still the target's result.
    "$OUT/$name/fuzz-$name" -merge=1 -timeout=5 -max_len="$len" "Fuzz/$name/corpus" "fuzz-corpus-$name" 2>&1 | tail -1
    return $status
}

target_parsers() {
    mkdir -p fuzz-corpus-parsers
    cp -n Tests/LLMClientTests/Fixtures/sse/*.txt fuzz-corpus-parsers/ 2>/dev/null || true
    sources parsers Sources/AgentProtocol/*.swift Sources/LLMClient/*.swift Fuzz/parsers/FuzzParsers.swift
    echo "import Foundation" > "$OUT/parsers/src/_imports.swift"
    build parsers
    run parsers 4096
}

target_terminal() {
    sources terminal Sources/TUIKit/*.swift Fuzz/terminal/FuzzTerminal.swift
    build terminal
    run terminal 2048
}

target_shell() {
    sources shell Sources/AgentProtocol/UserHome.swift Sources/AgentTools/ShellWords.swift Sources/AgentTools/CommandPolicy.swift Fuzz/shell/FuzzShell.swift
    build shell
    run shell 1024
}

target_memory() {
    sources memory Sources/Memory/MemoryText.swift Fuzz/memory/FuzzMemory.swift
    build memory
    run memory 4096
}

target_html() {
    mkdir -p fuzz-corpus-html
    # Seeds: the local web's pages (the tests' fixture).
    python3 - <<'PY'
import importlib.util
spec = importlib.util.spec_from_file_location("web", "Tests/TestSupport/Fixtures/web_server.py")
web = importlib.util.module_from_spec(spec); spec.loader.exec_module(web)
for name, page in (("page", web.PAGE), ("long", web.LONG[:6000])):
    open(f"fuzz-corpus-html/seed-{name}.html", "w").write(page)
PY
    sources html Sources/Web/HTMLTree.swift Sources/Web/HTMLMarkdown.swift Fuzz/html/FuzzHTML.swift
    build html
    run html 8192
}

target_gateway() {
    mkdir -p fuzz-corpus-gateway
    cp -n Tests/GatewayTests/Fixtures/*.json fuzz-corpus-gateway/ 2>/dev/null || true
    sources gateway Sources/AgentProtocol/*.swift Sources/LLMClient/*.swift Sources/Gateway/ChatPlatform.swift Sources/Gateway/ChatText.swift \
        Sources/Gateway/ChatMarkup.swift Sources/Gateway/Telegram.swift Sources/Gateway/Signal.swift Sources/Gateway/WhatsAppUpdates.swift \
        Sources/Gateway/SlackEvents.swift Sources/Gateway/DiscordEvents.swift Sources/Gateway/Multipart.swift Fuzz/gateway/FuzzGateway.swift
    build gateway
    run gateway 4096 Fuzz/gateway/findings
}

target_skills() {
    sources skills Sources/AgentProtocol/LineEnds.swift Sources/Skills/*.swift Fuzz/skills/FuzzSkills.swift
    build skills
    run skills 4096
}

target_config() {
    # Yams and libyaml as the package builds them, in one module named Yams (so `Yams.compose`
    # resolves), in Swift 5 mode as Yams declares.
    local yams=.build/checkouts/Yams/Sources
    [ -d "$yams" ] || swift package resolve
    mkdir -p "$OUT/config/obj"
    for f in "$yams"/CYaml/src/*.c; do
        clang -O1 -fsanitize=fuzzer-no-link,address -I "$yams/CYaml/include" -c "$f" -o "$OUT/config/obj/$(basename "$f" .c).o"
    done
    sources config "$yams"/Yams/*.swift Sources/AgentProtocol/*.swift Sources/Config/*.swift Fuzz/config/FuzzConfig.swift
    swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name Yams -swift-version 5 -D SWIFT_PACKAGE -I "$yams/CYaml/include" \
        "$OUT/config"/src/*.swift "$OUT/config"/obj/*.o -o "$OUT/config/fuzz-config"
    run config 4096
}

target_ui() {
    mkdir -p fuzz-corpus-ui
    cp -n themes/*.json keymaps/*.json fuzz-corpus-ui/ 2>/dev/null || true
    sources ui Sources/TUIKit/*.swift Sources/Markdown/*.swift Sources/AgentProtocol/*.swift Sources/AppFeature/Theme.swift Sources/AppFeature/Keymap.swift Fuzz/ui/FuzzUI.swift
    build ui -I Sources/CCmarkGFM
    run ui 4096
}

target_serve() {
    sources serve Sources/AgentProtocol/*.swift Sources/Serve/RequestBodies.swift Fuzz/serve/FuzzServe.swift
    build serve
    run serve 4096
}

target_mcp() {
    # The SDK's message types and its Client and Server (for their nested Capabilities and Info)
    # without transports or OAuth, with MCPValues.swift, in one module named MCP (so `MCP.Value`
    # resolves); swift-log, which Client and Server log through, as a module of its own.
    local sdk=.build/checkouts/swift-sdk/Sources/MCP log=.build/checkouts/swift-log/Sources/Logging
    [ -d "$sdk" ] || swift package resolve
    mkdir -p "$OUT/mcp/log"
    swiftc -O -parse-as-library -sanitize=address -module-name Logging -package-name swift_log -swift-version 5 -emit-module -emit-module-path "$OUT/mcp/log/Logging.swiftmodule" \
        -emit-library -static $(find "$log" -name "*.swift") -o "$OUT/mcp/log/libLogging.a"
    sources mcp "$sdk"/Base/*.swift "$sdk"/Base/Utilities/*.swift "$sdk"/Base/Transports/HTTPServer/HTTPServerTypes.swift "$sdk"/Server/*.swift "$sdk"/Client/*.swift "$sdk"/Extensions/*.swift \
        Sources/AgentProtocol/JSONValue.swift Sources/AgentProtocol/JSONReader.swift Sources/AgentProtocol/JSONWriter.swift \
        Sources/MCPClient/MCPValues.swift Fuzz/mcp/FuzzMCP.swift
    # The transports are not built: their EAGAIN check (swift-system's Errno) and the HTTP
    # transport's version update go.
    sed -i -e '/import SystemPackage/d' -e 's/if let errno = error as? SystemPackage.Errno, errno == .resourceTemporarilyUnavailable/if false/' "$OUT/mcp/src/Error.swift"
    sed -i -e '/connection as? HTTPClientTransport/,+2d' "$OUT/mcp/src/Client.swift"
    swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name MCP -package-name swift_sdk -swift-version 6 -I "$OUT/mcp/log" -L "$OUT/mcp/log" -lLogging \
        "$OUT/mcp"/src/*.swift -o "$OUT/mcp/fuzz-mcp"
    run mcp 4096
}

# Every target runs even when one finds a crash; the run fails at the end, naming them.
failed=()
for t in $TARGETS; do
    # Not under `if`: there bash ignores `set -e` inside the subshell, and a failed build or
    # fuzzer would count only if it happened to be the target's last command.
    set +e
    ( set -e; "target_$t" )
    status=$?
    set -e
    [ $status -eq 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes or build failures in: ${failed[*]} (inputs in ./crash-*)" >&2
    exit 1
fi
echo "fuzz: ${TARGETS// /, }: no crashes"
