#!/usr/bin/env bash
# `make run`: start Talaria. With nothing configured it opens on its first-run screen (choose a
# server, or prepare the built-in model in the background while the interface is usable).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .build/release/talaria "$@"
