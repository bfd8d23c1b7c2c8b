# The wasmtime host: the raw-ABI guest module (host-wasmtime/guest -> credgate_abi.wasm), the
# `credgate-wasmtime` library, the `credgate` CLI, their tests, the conformance runner
# `wasmtime`, and the benchmark. Included by the root Makefile, which defines ROOT, VECTORS
# and CARGO.
#
# Order matters: the guest is built first, then the host embeds it (build.rs reads
# CREDGATE_ABI_WASM; without it the host builds with no embedded module and says so).
# Everything host-side is built with --release: cranelift compiled in debug takes about a
# minute to compile the module, in release about 1 s (the CLI then caches the machine code).

WT_DIR        := $(ROOT)/host-wasmtime
WT_TARGET     := wasm32-unknown-unknown
WT_PROFILE    := wasm-abi
# Two builds of the same guest crate:
# - the portable module (profile wasm-abi = wasm-release + opt-level 3, in the root Cargo.toml): only the features Rust's wasm32
#   target enables by default; the artifact for other runtimes (ABI.md);
# - the module the host embeds (profile wasm-wide, likewise, built with the
#   WebAssembly wide-arithmetic proposal and curve25519-dalek's 64-bit backend): 64x64->128
#   multiplies become one instruction, and `check` runs about 1.6x faster in wasmtime
#   (~340 -> ~210 us; 2.6 M -> 1.3 M fuel). rustc flags `wide-arithmetic` as an unstable target
#   feature (a warning); wasmtime 48 supports the proposal (the host enables it).
# Speed over bytes in both: opt-level 3 instead of the profile's "z" (parse_permission
# 30 -> 7 us through the host; the module is even smaller, 675 -> 628 KB).
WT_PORTABLE   := $(ROOT)/target/$(WT_TARGET)/$(WT_PROFILE)/credgate_abi.wasm
WT_GUEST      := $(ROOT)/target/$(WT_TARGET)/wasm-wide/credgate_abi.wasm
WT_BIN        := $(ROOT)/target/release/credgate
WT_PORTABLE_FLAGS := --profile $(WT_PROFILE)
WT_WIDE_FLAGS := --profile wasm-wide
# Off for now: with +wide-arithmetic, rustc 1.95 (LLVM 22.1.2) miscompiles `i64::saturating_mul`
# (the overflow test compares a stale stack value instead of the high half of
# `i64.mul_wide_s`; LLVM's register-stackify bug with multi-result instructions,
# llvm/llvm-project#199910, fixed by #200429 after LLVM 22). `lint` then missed
# `lint.stale_credential`; wasmtime 48 computes `i64.mul_wide_s` correctly. README.md
# ("wide-arithmetic: what goes wrong") has the reproducer and when to turn it back on (set the
# flags on the command line to measure):
#   WT_WIDE_RUSTFLAGS='--cfg curve25519_dalek_bits="64" -C target-feature=+wide-arithmetic'
WT_WIDE_RUSTFLAGS ?=
WT_ENV        := CREDGATE_ABI_WASM=$(WT_GUEST) CREDGATE_ABI_WASM_PORTABLE=$(WT_PORTABLE)

.PHONY: setup-wasmtime build-wasmtime build-wasmtime-guest test-wasmtime conformance-wasmtime \
        bench-wasmtime demo-wasmtime

## setup-wasmtime: the wasm32-unknown-unknown target for the guest (idempotent; wasmtime itself is a crate)
setup-wasmtime:
	@rustup target list --installed | grep -qx '$(WT_TARGET)' || rustup target add $(WT_TARGET)

build-wasmtime-guest: setup-wasmtime
	$(CARGO) build --locked -q -p credgate-abi --target $(WT_TARGET) $(WT_PORTABLE_FLAGS)
	RUSTFLAGS='$(WT_WIDE_RUSTFLAGS)' $(CARGO) build --locked -q -p credgate-abi --target $(WT_TARGET) $(WT_WIDE_FLAGS)

## build-wasmtime: the guest modules (portable + wide-arithmetic), then the `credgate` CLI (release) embedding the latter
build-wasmtime: build-wasmtime-guest
	$(WT_ENV) $(CARGO) build --locked -q --release -p credgate-wasmtime --bin credgate

## test-wasmtime: guest unit tests, host library tests (limits, ABI, byte equality with native), CLI tests
test-wasmtime: build-wasmtime
	$(CARGO) test --locked -q -p credgate-abi
	$(WT_ENV) $(CARGO) test --locked -q --release -p credgate-wasmtime

## conformance-wasmtime: $(VECTORS) through the wasmtime host: `wasmtime: N passed, M failed`
conformance-wasmtime: build-wasmtime
	@$(WT_BIN) conformance $(VECTORS)

## bench-wasmtime: the same check natively and in wasmtime; per-call overhead; compile/instantiate times
bench-wasmtime: build-wasmtime
	$(WT_ENV) CREDGATE_WIDE_RUSTFLAGS='$(WT_WIDE_RUSTFLAGS)' $(CARGO) bench --locked -q -p credgate-wasmtime --bench host --profile release -- --out $(BENCH_OUT)/wasmtime.json

## demo-wasmtime: `credgate demo`, the whole credential story through the wasmtime host
demo-wasmtime: build-wasmtime
	@$(WT_BIN) demo
