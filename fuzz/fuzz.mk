# Fuzzing (issue 9): cargo-fuzz targets of fuzz/ (see fuzz/README.md), included by the root
# Makefile. One libFuzzer process at a time (the machine is shared): no -jobs, no -workers.
#
#   make setup-fuzz   the nightly toolchain and cargo-fuzz (idempotent)
#   make fuzz-smoke   every target built, then FUZZ_SMOKE_SECONDS each on a copy of the corpus
#   make fuzz         every target FUZZ_SECONDS (default 8 x 75 s = 10 min), executions printed

FUZZ_DIR           := $(ROOT)/fuzz
FUZZ_TARGETS       := token_verify bearer token_request permission_roundtrip \
                      allowlist_differential spec_json jwks facade
FUZZ_SECONDS       ?= 75
FUZZ_SMOKE_SECONDS ?= 10
# Overflow checks and debug assertions on (-a), AddressSanitizer (cargo-fuzz's default).
CARGO_FUZZ         := cargo +nightly fuzz
FUZZ_BUILD_FLAGS   := --fuzz-dir $(FUZZ_DIR) -a
# SPEC §9: no crash, no hang, no unbounded memory.
FUZZ_FLAGS         := -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
# Inputs a little past each limit: tokens 8 KiB (SPEC §6), bodies and JSON 16 KiB (§7, §9).
FUZZ_MAX_LEN_token_verify           := 9000
FUZZ_MAX_LEN_bearer                 := 9000
FUZZ_MAX_LEN_token_request          := 17000
FUZZ_MAX_LEN_permission_roundtrip   := 1024
FUZZ_MAX_LEN_allowlist_differential := 4096
FUZZ_MAX_LEN_spec_json              := 17000
FUZZ_MAX_LEN_jwks                   := 17000
FUZZ_MAX_LEN_facade                 := 17000

.PHONY: setup-fuzz fuzz-build fuzz-smoke fuzz

## setup-fuzz: the nightly toolchain and cargo-fuzz for the fuzz targets (idempotent)
setup-fuzz:
	@cargo +nightly --version >/dev/null 2>&1 || { \
	  echo "no nightly toolchain: installing it with 'rustup toolchain install nightly --profile minimal'"; \
	  rustup toolchain install nightly --profile minimal; }
	@$(CARGO_FUZZ) --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

## fuzz-build: build every fuzz target once (nightly, sanitizers)
fuzz-build: setup-fuzz
	$(CARGO_FUZZ) build $(FUZZ_BUILD_FLAGS)

# fuzz_run(target, seconds, work corpus): libFuzzer writes new inputs to the first corpus
# folder only, so the committed corpus (the second) is read, never written. Prints the
# executions from libFuzzer's final stats; fails on any crash, timeout or OOM.
define fuzz_run
	@log=$$(mktemp); \
	echo "fuzz: $(1) for $(2) s"; \
	$(CARGO_FUZZ) run $(FUZZ_BUILD_FLAGS) $(1) $(3) $(FUZZ_DIR)/corpus/$(1) -- \
	  -max_total_time=$(2) -max_len=$(FUZZ_MAX_LEN_$(1)) $(FUZZ_FLAGS) >$$log 2>&1 \
	  || { tail -n 60 $$log; rm -f $$log; echo "fuzz: $(1) FAILED (crash input in fuzz/artifacts/$(1)/)"; exit 1; }; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	cov=$$(grep -E '^#[0-9]+.*(DONE|cov:)' $$log | tail -n 1 | sed -n 's/.*\(cov: [0-9]*\).*/\1/p'); \
	printf 'fuzz: %-24s %12s executions in %s s  (%s)\n' $(1) "$$execs" $(2) "$$cov" | tee -a $(FUZZ_DIR)/target/fuzz-summary.txt; \
	rm -f $$log
endef

## fuzz-smoke: every fuzz target for FUZZ_SMOKE_SECONDS (10 s) on a copy of its corpus (part of make test)
fuzz-smoke: fuzz-build
	@mkdir -p $(FUZZ_DIR)/target && : > $(FUZZ_DIR)/target/fuzz-summary.txt
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for t in $(FUZZ_TARGETS); do cp -r $(FUZZ_DIR)/corpus/$$t $$tmp/$$t; done; \
	$(MAKE) -j1 --no-print-directory fuzz-run-all FUZZ_RUN_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_WORK=$$tmp

## fuzz: every fuzz target for FUZZ_SECONDS (75 s: 10 min in all); new inputs kept in fuzz/corpus-work/
fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/target && : > $(FUZZ_DIR)/target/fuzz-summary.txt
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_DIR)/corpus-work/$$t; done
	@$(MAKE) -j1 --no-print-directory fuzz-run-all FUZZ_RUN_SECONDS=$(FUZZ_SECONDS) FUZZ_WORK=$(FUZZ_DIR)/corpus-work
	@echo "fuzz: summary in fuzz/target/fuzz-summary.txt"

.PHONY: fuzz-run-all $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz-run-all: $(addprefix fuzz-run-,$(FUZZ_TARGETS))
$(addprefix fuzz-run-,$(FUZZ_TARGETS)): fuzz-run-%:
	$(call fuzz_run,$*,$(FUZZ_RUN_SECONDS),$(FUZZ_WORK)/$*)
