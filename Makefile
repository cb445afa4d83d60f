# Switchboard. `make run` serves the product on http://127.0.0.1:8080,
# `make test` runs every test. Settings: the SWITCHBOARD_* variables of
# docs/CONTRACTS.md, e.g. `SWITCHBOARD_PORT=9000 make run`.
SHELL := /bin/bash

.PHONY: run test build deps clean clean-data bench

deps:
	scripts/deps.sh

build: deps
	swift build -c release

run: build
	SWITCHBOARD_BIN_DIR=.build/release scripts/run.sh

test:
	scripts/deps.sh --browser
	swift build --build-tests
	swift test --skip-build
	SWITCHBOARD_BIN_DIR=.build/debug .venv/bin/pytest -q Tests/stack Tests/browser

# Benchmarks (BENCHMARKS.md): wrk, a release build, then scripts/bench.py, which
# starts and stops its own stacks. BENCH_ARGS=--quick for a shorter run.
bench:
	scripts/deps.sh --bench
	swift build -c release
	python3 scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf .build

# The database, the run directory and its logs.
clean-data:
	rm -rf var
