//! The sandbox holds: a guest that loops forever or allocates without bound is stopped
//! with a clear error, and the same `Host` serves the next call normally.
//!
//! The misbehaving guests are small WAT modules that speak the credgate ABI; the first
//! byte of the operation name picks the behaviour.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::time::{Duration, Instant};

use credgate_wasmtime::{CredgateModule, HostError, Limits};

/// `l`: loop forever; `g`: grow memory until refused, then trap like Rust's abort on OOM;
/// `G`: grow forever, ignoring refusals; `x`: return an output pointer outside memory;
/// `n`: return 0 (null output); anything else: `{"ok":true}`. Its verifiers: creating one
/// gives handle 1, calling one loops forever, freeing one succeeds.
const BAD_GUEST: &str = r#"
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "{\"ok\":true}")
  (data (i32.const 64) "{\"outcome\":\"result\",\"ok\":true,\"handle\":1}")
  (func (export "credgate_abi_version") (result i32) (i32.const 2))
  (func (export "credgate_verifier_new") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 41)))
  (func (export "credgate_verifier_call") (param i32 i32 i32 i32 i32) (result i64)
    (loop $l (br $l))
    (i64.const 0))
  (func (export "credgate_verifier_free") (param i32) (result i32) (i32.const 1))
  (func (export "credgate_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (local.get $p))
  (func (export "credgate_free") (param i32 i32))
  (func (export "credgate_call") (param $op i32) (param $oplen i32) (param $in i32) (param $inlen i32) (result i64)
    (local $c i32)
    (local.set $c (i32.load8_u (local.get $op)))
    (if (i32.eq (local.get $c) (i32.const 108)) (then (loop $l (br $l))))
    (if (i32.eq (local.get $c) (i32.const 103))
      (then (loop $g
        (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable))
        (br $g))))
    (if (i32.eq (local.get $c) (i32.const 71))
      (then (loop $g2 (drop (memory.grow (i32.const 16))) (br $g2))))
    (if (i32.eq (local.get $c) (i32.const 120))
      (then (return (i64.or (i64.shl (i64.const 0x7fff0000) (i64.const 32)) (i64.const 11)))))
    (if (i32.eq (local.get $c) (i32.const 110)) (then (return (i64.const 0))))
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 11))))
"#;

fn bad_module(limits: Limits) -> CredgateModule {
    let wasm = wat::parse_str(BAD_GUEST).unwrap();
    CredgateModule::from_bytes(&wasm, limits).unwrap()
}

fn small_limits() -> Limits {
    Limits {
        fuel_per_call: Some(5_000_000),
        deadline: None,
        memory_bytes: 4 << 20,
        ..Limits::default()
    }
}

#[test]
fn endless_loop_runs_out_of_fuel_and_the_host_recovers() {
    let mut host = bad_module(small_limits()).host();
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
    let err = host.call_json("loop", "{}").unwrap_err();
    assert_eq!(err, HostError::OutOfFuel { fuel: 5_000_000 });
    assert_eq!(err.code(), "host.out_of_fuel");
    assert!(err.to_string().contains("fuel"), "{err}");
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
    let stats = host.stats();
    assert_eq!((stats.calls, stats.stops, stats.instantiations), (3, 1, 2));
}

#[test]
fn endless_loop_hits_the_wall_clock_deadline() {
    let limits = Limits {
        fuel_per_call: None,
        deadline: Some(Duration::from_millis(50)),
        ..small_limits()
    };
    let mut host = bad_module(limits).host();
    let start = Instant::now();
    let err = host.call_json("loop", "{}").unwrap_err();
    let took = start.elapsed();
    assert_eq!(err, HostError::Timeout { deadline_ms: 50 });
    assert_eq!(err.code(), "host.timeout");
    assert!(took < Duration::from_secs(2), "stopped after {took:?}");
    assert!(
        took >= Duration::from_millis(45),
        "stopped too early: {took:?}"
    );
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
}

#[test]
fn unbounded_allocation_hits_the_memory_cap_and_the_host_recovers() {
    let mut host = bad_module(small_limits()).host();
    let err = host.call_json("grow", "{}").unwrap_err();
    assert_eq!(err, HostError::MemoryLimit { limit: 4 << 20 });
    assert_eq!(err.code(), "host.memory_limit");
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
    assert!(host.memory_size() <= 4 << 20);
}

#[test]
fn growing_forever_despite_refusals_is_stopped_by_fuel() {
    let mut host = bad_module(small_limits()).host();
    let err = host.call_json("Grow", "{}").unwrap_err();
    assert_eq!(err.code(), "host.out_of_fuel");
    assert!(host.memory_size() == 0, "the stopped instance was dropped");
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
    assert!(host.memory_size() <= 4 << 20);
}

#[test]
fn output_outside_memory_is_an_abi_error() {
    let mut host = bad_module(small_limits()).host();
    let err = host.call_json("x-out-of-bounds", "{}").unwrap_err();
    assert_eq!(err.code(), "host.abi");
    assert!(err.to_string().contains("outside guest memory"), "{err}");
    let err = host.call_json("null", "{}").unwrap_err();
    assert_eq!(err.code(), "host.abi");
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
}

#[test]
fn oversized_input_is_refused_before_the_guest() {
    let limits = Limits {
        max_input_bytes: 1000,
        ..small_limits()
    };
    let mut host = bad_module(limits).host();
    let big = "x".repeat(2000);
    let err = host.call_json("ok", &big).unwrap_err();
    assert_eq!(
        err,
        HostError::InputTooLarge {
            len: 2002,
            max: 1000
        }
    );
    assert_eq!(host.stats().instantiations, 0);
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
}

#[test]
fn a_module_with_imports_is_refused() {
    let wasm = wat::parse_str(
        r#"(module (import "env" "now" (func (result i64))) (memory (export "memory") 1))"#,
    )
    .unwrap();
    let err = CredgateModule::from_bytes(&wasm, small_limits()).unwrap_err();
    assert_eq!(err.code(), "host.abi");
    assert!(err.to_string().contains("env::now"), "{err}");
}

#[test]
fn a_module_without_the_exports_is_refused() {
    let wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    let err = CredgateModule::from_bytes(&wasm, small_limits()).unwrap_err();
    assert_eq!(err.code(), "host.abi");
    assert!(err.to_string().contains("credgate_abi_version"), "{err}");
}

#[test]
fn a_module_of_another_abi_version_is_refused_at_instantiation() {
    let wasm = wat::parse_str(
        BAD_GUEST.replace("(result i32) (i32.const 2))", "(result i32) (i32.const 1))"),
    )
    .unwrap();
    let mut host = CredgateModule::from_bytes(&wasm, small_limits())
        .unwrap()
        .host();
    let err = host.call_json("ok", "{}").unwrap_err();
    assert_eq!(err.code(), "host.abi");
    assert!(err.to_string().contains("version 1"), "{err}");
}

/// A module of ABI version 1 (no prepared verifiers) is refused when it is loaded.
#[test]
fn a_module_without_the_verifier_exports_is_refused() {
    let v1 = BAD_GUEST.replacen("(func (export \"credgate_verifier_new\")", "(func $gone", 1);
    let err =
        CredgateModule::from_bytes(&wat::parse_str(&v1).unwrap(), small_limits()).unwrap_err();
    assert_eq!(err.code(), "host.abi");
    assert!(err.to_string().contains("credgate_verifier_new"), "{err}");
}

/// A verifier call that loops forever is stopped by the per-call fuel budget like any call;
/// the typed verifier is prepared again in the fresh instance, and stopped again.
#[test]
fn a_looping_verifier_call_runs_out_of_fuel() {
    let m = bad_module(small_limits());
    let input = credgate_wasmtime::VerifierInput::default();
    let mut verifier = m.verifier(&input).unwrap();
    assert_eq!(verifier.handle(), 1);
    for round in 1..=2 {
        let err = verifier.cache_stats().unwrap_err();
        assert_eq!(err, HostError::OutOfFuel { fuel: 5_000_000 });
        assert_eq!(verifier.preparations(), round);
    }
    let mut host = verifier.into_host();
    assert_eq!(host.stats().stops, 2);
    assert_eq!(host.call_json("ok", "{}").unwrap(), r#"{"ok":true}"#);
}

#[test]
fn garbage_bytes_do_not_compile() {
    let err = CredgateModule::from_bytes(b"\0asm\x01\0\0\0garbage", small_limits()).unwrap_err();
    assert_eq!(err.code(), "host.compile");
}

#[test]
fn a_start_function_that_loops_is_stopped_at_instantiation() {
    let looping_start = BAD_GUEST.replacen(
        "(func (export \"credgate_free\") (param i32 i32))",
        "(func (export \"credgate_free\") (param i32 i32)) (func $spin (loop $s (br $s))) (start $spin)",
        1,
    );
    let wasm = wat::parse_str(&looping_start).unwrap();
    let mut host = CredgateModule::from_bytes(&wasm, small_limits())
        .unwrap()
        .host();
    let err = host.call_json("ok", "{}").unwrap_err();
    assert_eq!(err.code(), "host.out_of_fuel");
}
