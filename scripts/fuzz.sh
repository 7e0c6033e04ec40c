#!/usr/bin/env bash
# Fuzzes the SSE and tool-call parsers (FUZZ_SECONDS, default 600), then the terminal parsers,
# then the approval policy's shell reader, then memory's text formats, then web_fetch's HTML reader,
# then the gateways' update decoding and answer shaping.
# The parsers and the harness are compiled as one module with -sanitize=fuzzer,address.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.build-fuzz
mkdir -p "$OUT" fuzz-corpus
# Seed the corpus with the recorded streams.
cp -n Tests/LLMClientTests/Fixtures/sse/*.txt fuzz-corpus/ 2>/dev/null || true
sources=$(ls Sources/AgentProtocol/*.swift Sources/LLMClient/*.swift)
# One module: drop the cross-module import of AgentProtocol.
mkdir -p "$OUT/src"
for f in $sources Fuzz/FuzzParsers.swift; do
    sed -e '/^import AgentProtocol$/d' -e '/^@testable import/d' "$f" > "$OUT/src/$(basename "$f")"
done
echo "import Foundation" > "$OUT/src/_imports.swift"
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzParsers -swift-version 6 \
    "$OUT"/src/*.swift -o "$OUT/fuzz-parsers"
"$OUT/fuzz-parsers" -max_total_time="${FUZZ_SECONDS:-600}" -max_len=4096 -print_final_stats=1 fuzz-corpus

# The terminal parsers: input decoder, VT screen, wrapping (FUZZ_TERMINAL_SECONDS, default 300).
TOUT=$OUT/terminal
mkdir -p "$TOUT/src" fuzz-corpus-terminal
for f in Sources/TUIKit/*.swift Fuzz/terminal/FuzzTerminal.swift; do cp "$f" "$TOUT/src/"; done
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzTerminal -swift-version 6 \
    "$TOUT"/src/*.swift -o "$TOUT/fuzz-terminal"
"$TOUT/fuzz-terminal" -max_total_time="${FUZZ_TERMINAL_SECONDS:-300}" -timeout=5 -max_len=2048 -print_final_stats=1 fuzz-corpus-terminal

# The approval policy's shell reader (FUZZ_SHELL_SECONDS, default 300).
SOUT=$OUT/shell
mkdir -p "$SOUT/src" fuzz-corpus-shell
for f in Sources/AgentProtocol/UserHome.swift Sources/AgentTools/ShellWords.swift Sources/AgentTools/CommandPolicy.swift Fuzz/shell/FuzzShell.swift; do
    sed -e '/^import AgentProtocol$/d' "$f" > "$SOUT/src/$(basename "$f")"
done
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzShell -swift-version 6 \
    "$SOUT"/src/*.swift -o "$SOUT/fuzz-shell"
"$SOUT/fuzz-shell" -max_total_time="${FUZZ_SHELL_SECONDS:-300}" -timeout=5 -max_len=1024 -print_final_stats=1 fuzz-corpus-shell

# Memory's text formats: imported files and the user-model answers (FUZZ_MEMORY_SECONDS, default 120).
MOUT=$OUT/memory
mkdir -p "$MOUT/src" fuzz-corpus-memory
for f in Sources/Memory/MemoryText.swift Fuzz/memory/FuzzMemory.swift; do sed -e "/^import AgentProtocol$/d" "$f" > "$MOUT/src/$(basename "$f")"; done
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzMemory -swift-version 6 \
    "$MOUT"/src/*.swift -o "$MOUT/fuzz-memory"
"$MOUT/fuzz-memory" -max_total_time="${FUZZ_MEMORY_SECONDS:-120}" -timeout=5 -max_len=4096 -print_final_stats=1 fuzz-corpus-memory

# web_fetch's HTML reader: the tree builder and the markdown renderer (FUZZ_HTML_SECONDS, default 300).
HOUT=$OUT/html
mkdir -p "$HOUT/src" fuzz-corpus-html
for f in Sources/Web/HTMLTree.swift Sources/Web/HTMLMarkdown.swift Fuzz/html/FuzzHTML.swift; do cp "$f" "$HOUT/src/"; done
# Seeds: the local web's pages (the tests' fixture).
python3 - <<'PY'
import importlib.util
spec = importlib.util.spec_from_file_location("web", "Tests/TestSupport/Fixtures/web_server.py")
web = importlib.util.module_from_spec(spec); spec.loader.exec_module(web)
for name, page in (("page", web.PAGE), ("long", web.LONG[:6000])):
    open(f"fuzz-corpus-html/seed-{name}.html", "w").write(page)
PY
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzHTML -swift-version 6 \
    "$HOUT"/src/*.swift -o "$HOUT/fuzz-html"
"$HOUT/fuzz-html" -max_total_time="${FUZZ_HTML_SECONDS:-300}" -timeout=5 -max_len=8192 -print_final_stats=1 fuzz-corpus-html

# The gateways: each platform's update decoding and the answer's splitting and markup
# (FUZZ_GATEWAY_SECONDS, default 300).
GOUT=$OUT/gateway
mkdir -p "$GOUT/src" fuzz-corpus-gateway
for f in Sources/AgentProtocol/*.swift Sources/LLMClient/*.swift Sources/Gateway/ChatPlatform.swift Sources/Gateway/ChatText.swift Sources/Gateway/ChatMarkup.swift \
         Sources/Gateway/Telegram.swift Sources/Gateway/Signal.swift Sources/Gateway/WhatsAppUpdates.swift Sources/Gateway/SlackEvents.swift Sources/Gateway/DiscordEvents.swift Sources/Gateway/Multipart.swift Fuzz/gateway/FuzzGateway.swift; do
    sed -e '/^import AgentProtocol$/d' -e '/^import LLMClient$/d' "$f" > "$GOUT/src/$(basename "$f")"
done
cp -n Tests/GatewayTests/Fixtures/*.json fuzz-corpus-gateway/ 2>/dev/null || true
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzGateway -swift-version 6 \
    "$GOUT"/src/*.swift -o "$GOUT/fuzz-gateway"
"$GOUT/fuzz-gateway" -max_total_time="${FUZZ_GATEWAY_SECONDS:-300}" -timeout=5 -max_len=4096 -print_final_stats=1 fuzz-corpus-gateway Fuzz/gateway/findings
