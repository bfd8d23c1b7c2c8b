# The WASM host: the npm package `credgate` (wasm/pkg/), its Node.js tests, the conformance
# runner `wasm-node`, the edge-worker example and the benchmark. Included by the root Makefile,
# which defines ROOT, SHARED, VECTORS, CARGO and NODE_MODULES.

WASM_DIR      := $(ROOT)/wasm
WASM_PKG      := $(WASM_DIR)/pkg
WASM_TARGET   := wasm32-unknown-unknown
WASM_PROFILE  := wasm-release
WASM_CARGO_OUT = $(or $(CARGO_TARGET_DIR),$(ROOT)/target)/$(WASM_TARGET)/$(WASM_PROFILE)/credgate_wasm.wasm
EDGE_DIR      := $(ROOT)/examples/edge-worker
# wasm-bindgen-cli must equal the wasm-bindgen crate locked in Cargo.lock.
# (Before a lockfile exists, the exact `=X.Y.Z` requirement in the root Cargo.toml is the same.)
WASM_BINDGEN_VERSION = $(or $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3; exit }' $(ROOT)/Cargo.lock 2>/dev/null),$(shell sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' $(ROOT)/Cargo.toml))
WASM_OPT      := $(NODE_MODULES)/.bin/wasm-opt
WASM_SOURCES   = $(shell find $(ROOT)/core/src $(WASM_DIR)/src -name '*.rs') \
                 $(ROOT)/Cargo.toml $(ROOT)/core/Cargo.toml $(WASM_DIR)/Cargo.toml $(WASM_DIR)/README.md $(ROOT)/LICENSE $(wildcard $(ROOT)/Cargo.lock) $(wildcard $(WASM_DIR)/npm/*)
# The JSON Schemas of the core façade's types, which the TypeScript declarations are checked
# against (tests/schema.test.mjs); rebuilt when the core changes.
WASM_SCHEMAS   = $(or $(CARGO_TARGET_DIR),$(ROOT)/target)/wasm-schema/schemas.json
WASM_TESTS     = $(sort $(wildcard $(WASM_DIR)/tests/*.test.mjs) $(wildcard $(EDGE_DIR)/test/*.test.mjs))

.PHONY: setup-wasm build-wasm test-wasm conformance-wasm bench-wasm

## setup-wasm: install the wasm32 target, wasm-bindgen-cli (the locked version) and the npm tools (idempotent)
setup-wasm: $(NODE_MODULES)/.package-lock.json
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)
	@want="wasm-bindgen $(WASM_BINDGEN_VERSION)"; \
	 have="$$(wasm-bindgen --version 2>/dev/null || true)"; \
	 if [ "$$have" != "$$want" ]; then \
	   echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (found: $${have:-none}; about 5 minutes)"; \
	   $(CARGO) install wasm-bindgen-cli --version "$(WASM_BINDGEN_VERSION)" --force; \
	 fi

# npm's binaryen (wasm-opt), typescript, playwright-core and workerd, exactly as package-lock.json says.
$(NODE_MODULES)/.package-lock.json: $(ROOT)/package.json $(ROOT)/package-lock.json
	cd $(ROOT) && npm ci --no-audit --no-fund
	@touch $@

## build-wasm: the npm package in wasm/pkg, full and edge builds (cargo wasm-release -> wasm-bindgen --target web -> wasm-opt -Oz)
build-wasm: $(WASM_PKG)/package.json $(EDGE_DIR)/node_modules/credgate

$(WASM_PKG)/package.json: $(WASM_SOURCES) | setup-wasm
	rm -rf $(WASM_PKG)
	$(CARGO) build -p credgate-wasm --target $(WASM_TARGET) --profile $(WASM_PROFILE) --locked --no-default-features
	wasm-bindgen --target web --out-dir $(WASM_PKG) --out-name credgate_edge $(WASM_CARGO_OUT)
	$(CARGO) build -p credgate-wasm --target $(WASM_TARGET) --profile $(WASM_PROFILE) --locked
	wasm-bindgen --target web --out-dir $(WASM_PKG) --out-name credgate $(WASM_CARGO_OUT)
	$(WASM_OPT) -Oz $(WASM_PKG)/credgate_edge_bg.wasm -o $(WASM_PKG)/credgate_edge_bg.wasm
	$(WASM_OPT) -Oz $(WASM_PKG)/credgate_bg.wasm -o $(WASM_PKG)/credgate_bg.wasm
	cp $(WASM_DIR)/npm/* $(WASM_DIR)/README.md $(ROOT)/LICENSE $(WASM_PKG)/
	@node $(WASM_DIR)/bench/size.mjs $(WASM_PKG)/credgate_bg.wasm $(WASM_PKG)/credgate_edge_bg.wasm

# The example depends on the package as a user would (`file:../../wasm/pkg`, a symlink).
$(EDGE_DIR)/node_modules/credgate: $(EDGE_DIR)/package.json | $(WASM_PKG)/package.json
	cd $(EDGE_DIR) && npm install --no-audit --no-fund --no-package-lock

## test-wasm: clippy of the edge build, then API, TypeScript, npm pack, conformance-runner and edge-worker tests (node --test; the worker also in workerd)
test-wasm: build-wasm $(WASM_SCHEMAS)
	$(CARGO) clippy -p credgate-wasm --target $(WASM_TARGET) --locked --no-default-features -- -D warnings
	cd $(ROOT) && CREDGATE_VECTORS="$(VECTORS)" CREDGATE_SCHEMAS="$(WASM_SCHEMAS)" node --test $(WASM_TESTS)

# Written to a temporary file first: an interrupted run leaves no half-written schemas.
$(WASM_SCHEMAS): $(shell find $(ROOT)/core/src $(ROOT)/core/examples -name '*.rs') $(ROOT)/core/Cargo.toml $(wildcard $(ROOT)/Cargo.lock)
	@mkdir -p $(dir $@)
	$(CARGO) run -q -p credgate-core --features schema --example schema --locked > $@.tmp
	@mv $@.tmp $@

## conformance-wasm: the vectors in $(VECTORS) through the package (prints `wasm-node: N passed, M failed`)
conformance-wasm: build-wasm
	@node $(WASM_DIR)/tests/conformance.mjs $(VECTORS)

# The Node benchmark's peers (jose), only for `make bench-wasm`: wasm/bench/package-lock.json.
WASM_BENCH_PEERS := $(WASM_DIR)/bench/node_modules/.package-lock.json
$(WASM_BENCH_PEERS): $(WASM_DIR)/bench/package.json $(WASM_DIR)/bench/package-lock.json
	cd $(WASM_DIR)/bench && npm ci --no-audit --no-fund
	@touch $@

## bench-wasm: Verifier.check (uncached, cached) vs crypto.verify, subtle.verify and jose jwtVerify; cold start; sizes; authorize over 1M permissions
bench-wasm: build-wasm $(WASM_BENCH_PEERS)
	@node $(WASM_DIR)/bench/bench.mjs --out $(BENCH_OUT)/node.json
	@node $(WASM_DIR)/bench/large.mjs
