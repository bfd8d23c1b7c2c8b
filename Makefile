# credgate — one engine in Rust, run natively, as WebAssembly (browsers, Node, edge
# workers, wasmtime) and as a Python extension. `make help` lists the targets.
#
# The two commands of the README do all set-up on a fresh machine and skip what is
# already there:   make demo   (the main job)   and   make test   (every test).

SHELL         := /bin/bash
.SHELLFLAGS   := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT          := $(abspath .)
SHARED        ?= $(abspath $(ROOT)/../shared)
CARGO         ?= cargo
VENV          := $(ROOT)/.venv
PY            := $(VENV)/bin/python
NODE_MODULES  := $(ROOT)/node_modules
# Every host's benchmark writes its results here as <host>.json; bench/report.py renders them.
BENCH_OUT     := $(ROOT)/target/bench
# Vector files or folders; relative paths are taken from the repository root.
VECTORS       ?= $(SHARED)/conformance $(ROOT)/tests/vectors
override VECTORS := $(foreach v,$(VECTORS),$(abspath $(v)))
# Hosts that run the conformance vectors; each fragment defines conformance-<host>.
HOSTS         := native wasm python wasmtime

export CARGO_TERM_COLOR ?= never

-include wasm/wasm.mk
-include python/python.mk
-include host-wasmtime/wasmtime.mk
-include examples/console/console.mk
-include tests/vectors/vectors.mk
-include fuzz/fuzz.mk

.PHONY: help demo test lint setup setup-rust venv test-native conformance conformance-native \
        bench bench-native bench-criterion bench-report demo-native backend test-repo fmt

## help: list the targets (the README's two first, then the rest by name)
help:
	@echo "credgate — make targets:"
	@grep -hE '^## (demo|test):' $(MAKEFILE_LIST) | sed -e 's/^## /  /'
	@grep -hE '^## [a-z-]+:' $(MAKEFILE_LIST) | grep -vE '^## (demo|test):' | sed -e 's/^## /  /' | LC_ALL=C sort -t: -k1,1

## demo: the main job — the whole credential story, run through the wasmtime host (`credgate demo`)
demo: demo-wasmtime

# The example backend's state: its SQLite database and, unless CREDGATE_ADMINS is set, one
# local owner made on first run (its token is kept in admin.txt, mode 0600, and printed).
BACKEND_DIR   := $(ROOT)/target/backend
BACKEND_PORT  ?= 8000

## backend: run the example Python backend (examples/python-backend) on 127.0.0.1:BACKEND_PORT (8000), with a local admin
backend: build-python
	@mkdir -p $(BACKEND_DIR)
	@if [ -z "$${CREDGATE_ADMINS:-}" ] && [ ! -s $(BACKEND_DIR)/admin.txt ]; then \
	  (umask 077; cd $(PYTHON_BACKEND) && $(PY) -m credgate_backend --new-admin local:owner > $(BACKEND_DIR)/admin.txt); \
	fi
	@if [ -z "$${CREDGATE_ADMINS:-}" ]; then \
	  echo "admin token (local:owner, kept in $(BACKEND_DIR)/admin.txt):"; \
	  sed -n 's/^token[^:]*: //p' $(BACKEND_DIR)/admin.txt; \
	fi
	cd $(PYTHON_BACKEND) && \
	  CREDGATE_ADMINS="$${CREDGATE_ADMINS:-$$(sed -n 's/^CREDGATE_ADMINS entry: //p' $(BACKEND_DIR)/admin.txt)}" \
	  CREDGATE_DB="$${CREDGATE_DB:-$(BACKEND_DIR)/credgate-backend.sqlite3}" \
	  exec $(PY) -m credgate_backend --port $(BACKEND_PORT)

## demo-native: the same story told by the core directly (no host)
demo-native:
	$(CARGO) run -q -p credgate-core --example story

## test: every test on every host: fmt, clippy, unit/property/interop tests, conformance, bindings
test: lint check-vectors test-native conformance test-wasm test-python test-wasmtime test-console test-repo fuzz-smoke
	@echo "make test: all green"

## test-repo: the repository as users meet it: LICENSE, CHANGELOG, SECURITY, package metadata and READMEs, make help, make backend
test-repo: build-python
	cd $(ROOT) && $(PY) -m pytest -q -p no:cacheprovider tests/repository

## setup: install every tool the hosts need (idempotent)
setup: setup-rust setup-wasm setup-python setup-wasmtime setup-browser

## setup-rust: rustfmt and clippy for the pinned toolchain
setup-rust:
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

## venv: the project-local Python virtual environment (.venv)
venv: $(PY)
$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

## lint: cargo fmt --check and clippy (-D warnings) on every crate and target
lint: setup-rust setup-wasm
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p credgate-core --features schema --all-targets --locked -- -D warnings
	$(CARGO) clippy -p credgate-wasm -p credgate-abi --target wasm32-unknown-unknown --locked -- -D warnings

## test-native: the core's unit, property, interop and doc tests, and the runner's tests
test-native:
	$(CARGO) test --locked -p credgate-core -p credgate-conformance

## conformance: every host runs $(VECTORS) (default: ../shared/conformance and tests/vectors)
conformance:
	@status=0; for host in $(HOSTS); do \
	  $(MAKE) --no-print-directory conformance-$$host VECTORS="$(VECTORS)" || status=1; \
	done; exit $$status

## conformance-native: the core itself, through the JSON façade
conformance-native:
	@$(CARGO) run -q --locked --release -p credgate-conformance --bin conformance-native -- $(VECTORS)

## bench: every host's benchmark, each against its peers side by side in one run, then BENCHMARKS.md from their results
bench: bench-native bench-wasm bench-python bench-wasmtime
	@$(MAKE) --no-print-directory bench-report

## bench-native: the core vs ed25519-dalek verify_strict, jsonwebtoken and cedar-policy (bench/, its own Cargo.lock); bounded work
bench-native:
	$(CARGO) run --locked --release -q --manifest-path $(ROOT)/bench/Cargo.toml --target-dir $(ROOT)/target/bench-native \
	  -- --out $(BENCH_OUT)/native.json
	$(CARGO) bench --locked -q -p credgate-core --bench bounded

## bench-criterion: criterion's view of the core's hot paths (one after the other; not part of `make bench`)
bench-criterion:
	$(CARGO) bench --locked -p credgate-core --bench engine -- --warm-up-time 1 --measurement-time 3
	@python3 core/benches/report.py target/criterion

## bench-report: BENCHMARKS.md from the results in target/bench (the machine, versions, targets, one section per host)
bench-report:
	python3 $(ROOT)/bench/report.py $(BENCH_OUT) > $(BENCH_OUT)/BENCHMARKS.md.tmp
	mv $(BENCH_OUT)/BENCHMARKS.md.tmp $(ROOT)/BENCHMARKS.md
	@echo "wrote BENCHMARKS.md"
