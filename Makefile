# Talaria — `make run` starts it, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
PEERS ?= ../shared/peers
SWIFT_FLAGS ?=

.PHONY: assets all deps build release run test unit e2e fuzz bench clean install uninstall

all: build

deps:
	@bash scripts/deps.sh

build: deps
	swift build $(SWIFT_FLAGS)

# A static Swift runtime starts ~20 ms faster (no dynamic Foundation/ICU loading).
release: deps
	swift build -c release --product talaria --static-swift-stdlib $(SWIFT_FLAGS)

# Starts Talaria. With no endpoint configured it looks for a local server and, if none
# answers, offers `talaria local up` (the built-in small local model).
run: release
	@bash scripts/run.sh

test: deps
	@bash scripts/test.sh

# Re-embed themes/*.json and keymaps/*.json after editing them (a test checks they match).
assets:
	@bash scripts/embed-assets.sh

# Fuzz every parser of outside input, one libFuzzer target each (FUZZ_SECONDS each, default 600;
# FUZZ_TARGETS picks some; scripts/fuzz.sh lists them).
fuzz: deps
	@bash scripts/fuzz.sh

# The stripped binary, completions (bash, zsh, fish) and the man page under PREFIX.
PREFIX ?= /usr/local
install: release
	@bash scripts/install.sh "$(PREFIX)"

uninstall:
	@bash scripts/install.sh --uninstall "$(PREFIX)"

bench: release
	.build/release/talaria bench all

clean:
	rm -rf .build .build-fuzz
