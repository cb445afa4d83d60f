# Switchboard. `make run` serves the product on http://127.0.0.1:8080,
# `make test` runs every test. Settings: the SWITCHBOARD_* variables of
# docs/CONTRACTS.md, e.g. `SWITCHBOARD_PORT=9000 make run`.
SHELL := /bin/bash

.PHONY: run test build deps clean clean-data bench fuzz fuzz-build tsan

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
	node --test Tests/js/
	SWITCHBOARD_BIN_DIR=.build/debug .venv/bin/pytest -q Tests/stack Tests/browser

# Benchmarks (BENCHMARKS.md, about 10 minutes; asserts nothing about time): wrk,
# nchan and a C compiler for the ceilings, a release build, then scripts/bench.py,
# which starts and stops its own stacks and ceilings and prints every figure beside
# its ceiling. BENCH_ARGS=--quick for a shorter run, BENCH_ARGS="--only fanout" for one part.
bench:
	scripts/deps.sh --bench
	swift build -c release
	python3 scripts/bench.py $(BENCH_ARGS)

# Fuzzing (libFuzzer + AddressSanitizer) of request parsing → routing → body decoding →
# the routes, in process (Sources/SwitchboardFuzzing). Its own scratch path, so the
# sanitizer flags never touch .build. Runs FUZZ_SECONDS over the checked-in seed corpus
# Tests/fuzz/corpus/; new inputs go to Tests/artifacts/fuzz-corpus/ (git-ignored), a crash
# or broken invariant to Tests/artifacts/fuzz/crash-* (and `make fuzz` fails). Replay one
# with the ordinary build: `.build/debug/switchboard-fuzz Tests/artifacts/fuzz/crash-…`.
# FUZZ_ARGS adds libFuzzer flags (e.g. -jobs=2, -only_ascii=1).
FUZZ_SECONDS ?= 300
FUZZ_SCRATCH := .build-fuzz
FUZZ_BUILD := swift build -c release --product switchboard-fuzz --scratch-path $(FUZZ_SCRATCH) \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DSWITCHBOARD_LIBFUZZER -Xswiftc -g

fuzz-build:
	$(FUZZ_BUILD)

fuzz: fuzz-build
	mkdir -p Tests/artifacts/fuzz Tests/artifacts/fuzz-corpus
	$(FUZZ_SCRATCH)/release/switchboard-fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-dict=Tests/fuzz/switchboard.dict -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
		-artifact_prefix=Tests/artifacts/fuzz/ $(FUZZ_ARGS) Tests/artifacts/fuzz-corpus Tests/fuzz/corpus

# ThreadSanitizer: the Swift tests, then a real stack on the same binaries under a short
# concurrent load (scripts/tsan-stack.py). Fails on any "WARNING: ThreadSanitizer" in the
# tests' output (Tests/artifacts/tsan/swift-test.log) or the worker's and notifier's logs
# (Tests/artifacts/tsan/stack/). Races inside dependencies only: Tests/tsan/suppressions.txt.
TSAN_SCRATCH := .build-tsan
TSAN_SECONDS ?= 20
tsan: export TSAN_OPTIONS ?= halt_on_error=0 second_deadlock_stack=1 suppressions=$(CURDIR)/Tests/tsan/suppressions.txt

tsan:
	scripts/deps.sh
	swift build --build-tests --sanitize=thread --scratch-path $(TSAN_SCRATCH)
	mkdir -p Tests/artifacts/tsan
	set -o pipefail; swift test --skip-build --sanitize=thread --scratch-path $(TSAN_SCRATCH) 2>&1 \
		| tee Tests/artifacts/tsan/swift-test.log
	! grep -n -A3 'WARNING: ThreadSanitizer' Tests/artifacts/tsan/swift-test.log
	SWITCHBOARD_BIN_DIR=$(TSAN_SCRATCH)/debug python3 scripts/tsan-stack.py --seconds $(TSAN_SECONDS)

clean:
	rm -rf .build .build-fuzz .build-tsan

# The database, the run directory and its logs.
clean-data:
	rm -rf var
