#!/usr/bin/env bash
# Fuzzes the SSE and tool-call parsers with libFuzzer for FUZZ_SECONDS (default 600).
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
