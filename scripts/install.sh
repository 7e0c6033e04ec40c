#!/usr/bin/env bash
# `make install [PREFIX=/usr/local]`: the stripped binary, shell completions for bash, zsh and
# fish, and a man page (argument-parser's generators). `make uninstall` removes exactly those.
# DESTDIR stages the tree for a package (DESTDIR=/tmp/pkg make install).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=install
if [ "${1:-}" = "--uninstall" ]; then mode=uninstall; shift; fi
prefix="${1:-/usr/local}"
root="${DESTDIR:-}$prefix"
files=(
    "bin/talaria"
    "share/bash-completion/completions/talaria"
    "share/zsh/site-functions/_talaria"
    "share/fish/vendor_completions.d/talaria.fish"
    "share/man/man1/talaria.1"
)
if [ "$mode" = uninstall ]; then
    for f in "${files[@]}"; do [ -e "$root/$f" ] && rm -f "$root/$f" && echo "removed $root/$f"; done
    exit 0
fi
bin=.build/release/talaria
[ -x "$bin" ] || { echo "install: $bin is missing (make release builds it)" >&2; exit 1; }
install -d "$root/bin" "$root/share/bash-completion/completions" "$root/share/zsh/site-functions" \
    "$root/share/fish/vendor_completions.d" "$root/share/man/man1"
install -m 755 "$bin" "$root/bin/talaria"
strip "$root/bin/talaria" 2>/dev/null || echo "install: strip not found; the binary keeps its symbols" >&2
"$bin" --generate-completion-script bash > "$root/share/bash-completion/completions/talaria"
"$bin" --generate-completion-script zsh > "$root/share/zsh/site-functions/_talaria"
"$bin" --generate-completion-script fish > "$root/share/fish/vendor_completions.d/talaria.fish"
# The manual: argument-parser's generator reads the binary's own description of its commands.
swift build -c release --product generate-manual >/dev/null
man=$(mktemp -d)
.build/release/generate-manual "$bin" --output-directory "$man" >/dev/null
install -m 644 "$man/talaria.1" "$root/share/man/man1/talaria.1"
rm -rf "$man"
size=$(du -h "$root/bin/talaria" | cut -f1)
echo "installed talaria ($size) to $root/bin, completions for bash, zsh and fish, and talaria(1)"
