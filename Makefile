# fluxrig: every target installs what it needs first and is fast the second time.
#   make run    all-in-one node on embedded defaults (installs npm packages and engines first)
#   make test   typecheck, lint and every test against real engines (installs everything first);
#               `make test TESTS="pkg/supervise test/support"` narrows the run (coverage then not enforced)
#   make bench  benchmarks with their baselines;  make build  the bundled binary under dist/
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE       := $(CURDIR)/.cache
NODE_STAMP  := node_modules/.fluxrig-install-stamp
export FLUXRIG_ENGINES_DIR ?= $(CACHE)/engines
export PATH := $(FLUXRIG_ENGINES_DIR)/bin:$(PATH)

.PHONY: help deps engines oracles typecheck lint test test-unit run build bench clean

help:
	@echo "make run | test | bench | build | engines | oracles | typecheck | lint | clean"

# `npm install`, not `npm ci`: the lock file lists only this platform's optional binaries (biome, duckdb,
# swc …), which `npm ci` rejects as out of sync; `npm install` follows the same lock and leaves it as is.
$(NODE_STAMP): package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(NODE_STAMP)

engines:
	@deploy/engines/install

oracles:
	@test/interop/install

typecheck: deps
	npx tsc --noEmit -p tsconfig.json

lint: deps
	npx biome lint .

test: deps engines oracles typecheck lint
	node --import tsx test/run.ts $(TESTS)

# NODE_OPTIONS as deployed (deploy/Containerfile, deploy/systemd; pkg/node/node-options.ts says why).
run: deps engines
	NODE_OPTIONS="$(NODE_OPTIONS) --max-semi-space-size=64" node bin/rig.mjs run

build: deps
	node --import tsx deploy/build.ts

bench: deps engines oracles
	node --import tsx bench/run.ts

clean:
	rm -rf dist coverage .cache/test-run
