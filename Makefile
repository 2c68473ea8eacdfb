# NetSync top-level build: each part brings a make fragment (<part>/*.mk); every output goes under build/.
.DEFAULT_GOAL := all
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

include mk/common.mk

# Fragments append to: ALL_TARGETS (built by `make`), TEST_DEPS (built before `make test`),
# BENCH_DEPS (built before `make bench`), FUZZERS (libFuzzer binaries for `make fuzz`).
ALL_TARGETS :=
TEST_DEPS :=
BENCH_DEPS :=
FUZZERS :=
FRAGMENTS := $(sort $(wildcard kernel/*.mk kernel/*/*.mk hostgen/*.mk netem/*.mk tools/*.mk tests/*.mk))
include $(FRAGMENTS)

.PHONY: all deps test bench fuzz bed clean help
all: $(ALL_TARGETS)

deps:
	@bash scripts/deps.sh

# `make test` = install what is missing, build everything tests use, run every suite in tests/suites/.
# Builds use every core; the suites themselves run one at a time (they share namespaces and CPUs).
NPROC := $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(TEST_DEPS)
	@bash tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(BENCH_DEPS)
	@bash tests/bench.sh

# Long fuzzing runs (make test runs every fuzzer briefly). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 300
fuzz: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(FUZZERS)
	@bash tests/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

bed: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@bash scripts/run-bed.sh $(BED_ARGS)

clean:
	rm -rf $(B)

help:
	@echo "make bed    run the default experiment (results/<run-id>/)"
	@echo "make test   run every test suite (host unit, guest self-tests, interop, fuzz smoke)"
	@echo "make bench  print benchmark figures as JSON lines"
	@echo "make fuzz   run every libFuzzer target for FUZZ_SECONDS (default 300) each"
	@echo "make iso    build/netsync.iso (GRUB);  make debug  guest paused under gdb"
