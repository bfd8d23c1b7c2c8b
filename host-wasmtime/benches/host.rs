//! The wasmtime host against native, in one run: the same `check` natively and through the
//! sandbox, the host's per-call overhead, and module compile and instantiate times.
//!
//! Run it with `make bench-wasmtime` (`cargo bench -p credgate-wasmtime --bench host
//! --profile release`). A small timed harness, not criterion: each figure is the median
//! of 15 batches, after a warm-up; the machine is shared, so read ratios, not digits.

#![allow(
    clippy::indexing_slicing,
    reason = "serde_json::Value indexing yields Null for a missing member; it does not panic"
)]

use std::time::{Duration, Instant};

use credgate_wasmtime::{CheckInput, CredgateModule, Limits};
use serde_json::{json, Value};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Median time per call in µs.
fn per_call(mut f: impl FnMut()) -> f64 {
    // Size a batch to about 20 ms.
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_millis(50) {
        f();
        n += 1;
    }
    let per = start.elapsed().as_secs_f64() / f64::from(n.max(1));
    let batch = ((0.02 / per) as u32).clamp(1, 1_000_000);
    let samples = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(batch)
        })
        .collect();
    median(samples)
}

/// Interleaved batches of `a` and `b` (so load changes on a shared machine hit both):
/// median µs per call of each, and the median of the per-round ratios b / a.
fn paired(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    let batch = |f: &mut dyn FnMut(), n: u32| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    };
    let per_a = batch(&mut a, 20);
    let n = ((10_000.0 / per_a.max(0.01)) as u32).clamp(1, 1_000_000);
    let (mut xs, mut ys, mut rs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..21 {
        let x = batch(&mut a, n);
        let y = batch(&mut b, n);
        xs.push(x);
        ys.push(y);
        rs.push(y / x);
    }
    (median(xs), median(ys), median(rs))
}

fn ms(mut f: impl FnMut(), runs: usize) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn native(op: &str, input: &str) -> Value {
    serde_json::from_str(&credgate_core::facade::call_json(op, input)).unwrap_or(Value::Null)
}

/// A realistic `check` input made by the engine itself: a credential with 7 permissions,
/// a token for it, a JWKS with two keys, an allowed request.
fn check_input() -> String {
    let seed = "42".repeat(32);
    let spec = json!({"name": "Benchmark bot", "permission_set_type": "wallets",
        "permissions": ["vault:read:org", "key:create:vault:vlt_1", "key:read:vault:vlt_1",
            "balances:read:vault:vlt_1", "transaction:read:org", "address:read:vault:vlt_2",
            "webhook:read:org"],
        "ip_allowlist": ["203.0.113.0/24", "198.51.100.7"], "environment": "production"});
    let created = native(
        "create_credential",
        &json!({"spec": spec, "org": "org_1", "now": 1_700_000_000, "entropy": "ab".repeat(48)})
            .to_string(),
    );
    let issued = native(
        "issue_token",
        &json!({"credential": created["credential"], "client_secret": created["client_secret"],
            "client_ip": "203.0.113.9", "now": 1_700_000_000, "signing_key": {"kid": "k1", "seed": seed},
            "jti": "bench-0001", "issuer": "https://auth.example.test", "audience": "https://api.example.test"})
        .to_string(),
    );
    let jwks = native(
        "public_jwks",
        &json!({"signing_keys": [{"kid": "k0", "seed": "24".repeat(32)}, {"kid": "k1", "seed": "42".repeat(32)}]})
            .to_string(),
    );
    json!({"token": issued["token"], "jwks": {"keys": jwks["keys"]}, "now": 1_700_000_100,
        "issuer": "https://auth.example.test", "audience": "https://api.example.test",
        "request": {"type": "balances", "action": "read", "vault": "vlt_1"}, "client_ip": "203.0.113.9"})
    .to_string()
}

/// A guest that does no work: `credgate_call` returns a constant 11-byte output. Calling it
/// through the host measures the host's own per-call cost (write input, call, read output,
/// free) with nothing of the engine's work in it.
const NULL_GUEST: &str = r#"
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "{\"ok\":true}")
  (func (export "credgate_abi_version") (result i32) (i32.const 2))
  (func (export "credgate_verifier_new") (param i32 i32) (result i64) (i64.const 0))
  (func (export "credgate_verifier_call") (param i32 i32 i32 i32 i32) (result i64) (i64.const 0))
  (func (export "credgate_verifier_free") (param i32) (result i32) (i32.const 0))
  (func (export "credgate_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (local.get $p))
  (func (export "credgate_free") (param i32 i32))
  (func (export "credgate_call") (param i32 i32 i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 11))))
"#;

fn main() {
    let Some(wasm) = credgate_wasmtime::embedded_wasm() else {
        eprintln!("no embedded module: build the guest first (make build-wasmtime)");
        std::process::exit(1);
    };
    let input = check_input();
    let expected = credgate_core::facade::call_json("check", &input);
    assert!(expected.contains("\"allowed\":true"), "{expected}");
    let trivial_op = "parse_permission";
    let trivial = r#"{"text":"audit:read:org"}"#;

    println!(
        "credgate wasmtime host benchmark (module {} KiB, wasmtime 48, release profile)",
        wasm.len() / 1024
    );
    println!();

    // Module compile / precompiled load / instantiate.
    let compile = ms(
        || {
            let _ = CredgateModule::from_bytes(wasm, Limits::default());
        },
        5,
    );
    let module = CredgateModule::from_bytes(wasm, Limits::default()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let artifact = module.precompile().unwrap_or_default();
    let load = ms(
        || {
            #[expect(unsafe_code, reason = "the artifact was made by precompile just above")]
            // SAFETY: `artifact` comes from `precompile` of this module, unmodified.
            let _ = unsafe { CredgateModule::from_precompiled(&artifact, Limits::default()) };
        },
        5,
    );
    let instantiate = ms(
        || {
            let mut h = module.host();
            let _ = h.instantiate();
        },
        50,
    );
    println!(
        "{:<58} {:>10.1} ms",
        "module compile (cranelift, default limits)", compile
    );
    println!(
        "{:<58} {:>10.1} ms",
        "module load from precompiled artifact (.cwasm)", load
    );
    println!(
        "{:<58} {:>10.3} ms",
        "instantiate (new store + instance + ABI version check)", instantiate
    );
    println!();

    // Per-call overhead.
    let mut host = module.host();
    assert_eq!(
        host.call_json("check", &input).ok().as_deref(),
        Some(expected.as_str())
    );
    let check_fuel = host.stats().last_fuel;
    let ping = per_call(|| {
        let _ = host.abi_version();
    });
    let trivial_native = per_call(|| {
        let _ = credgate_core::facade::call_json(trivial_op, trivial);
    });
    let trivial_wasm = per_call(|| {
        let _ = host.call_json(trivial_op, trivial);
    });
    let null_wasm = wat::parse_str(NULL_GUEST).unwrap_or_default();
    let null_module =
        CredgateModule::from_bytes(&null_wasm, Limits::default()).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        });
    let mut null_host = null_module.host();
    let overhead = per_call(|| {
        let _ = null_host.call_json(trivial_op, trivial);
    });

    // The same check, natively and through the sandbox, interleaved.
    let native_check = || {
        let _ = credgate_core::facade::call_json("check", &input);
    };
    let (check_native, check_wasm, ratio) = paired(native_check, || {
        let _ = host.call_json("check", &input);
    });
    // The same check through the typed call: the core's input type encoded, the answer
    // decoded into `Checked` (what a Rust caller of the library pays on top of the raw call).
    let typed_input: CheckInput = serde_json::from_str(&input).unwrap_or_else(|e| {
        eprintln!("the check input is not a CheckInput: {e}");
        std::process::exit(1)
    });
    assert!(host.check(&typed_input).is_ok_and(|c| c.outcome.allowed()));
    let (_, check_typed, typed_ratio) = paired(native_check, || {
        let _ = host.check(&typed_input);
    });
    let mut variants = Vec::new();
    for (label, limits) in [
        (
            "check in wasmtime, fuel only",
            Limits {
                deadline: None,
                ..Limits::default()
            },
        ),
        (
            "check in wasmtime, epoch deadline only",
            Limits {
                fuel_per_call: None,
                ..Limits::default()
            },
        ),
        (
            "check in wasmtime, no fuel, no deadline (memory cap only)",
            Limits {
                fuel_per_call: None,
                deadline: None,
                ..Limits::default()
            },
        ),
    ] {
        if let Ok(m) = CredgateModule::from_bytes(wasm, limits) {
            let mut h = m.host();
            let (_, t, r) = paired(native_check, || {
                let _ = h.call_json("check", &input);
            });
            variants.push((label, t, r));
        }
    }
    // The portable build (no wide-arithmetic), when the Makefile says where it is.
    let portable = std::env::var_os("CREDGATE_ABI_WASM_PORTABLE")
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|bytes| CredgateModule::from_bytes(&bytes, Limits::default()).ok());
    if let Some(m) = portable {
        let mut h = m.host();
        let (_, t, r) = paired(native_check, || {
            let _ = h.call_json("check", &input);
        });
        variants.push(("check in wasmtime, portable module, default limits", t, r));
    }

    println!(
        "{:<58} {:>10.2} µs",
        "raw export call (credgate_abi_version)", ping
    );
    println!(
        "{:<58} {:>10.2} µs",
        format!("{trivial_op} native (façade call_json)"),
        trivial_native
    );
    println!(
        "{:<58} {:>10.2} µs",
        format!("{trivial_op} through the host (full ABI round trip)"),
        trivial_wasm
    );
    println!(
        "{:<58} {:>10.2} µs   target < 5 µs: {}",
        "host overhead per call (a guest that does nothing)",
        overhead,
        if overhead < 5.0 { "met" } else { "NOT met" }
    );
    println!();
    println!(
        "{:<58} {:>10.2} µs",
        "check native (façade call_json: JSON in, JSON out)", check_native
    );
    println!(
        "{:<58} {:>10.2} µs",
        "check in wasmtime (default limits: fuel + deadline)", check_wasm
    );
    println!(
        "{:<58} {:>10.2} µs   ({typed_ratio:.2}× native)",
        "check in wasmtime, typed (CheckInput -> Checked)", check_typed
    );
    for (label, t, r) in &variants {
        println!("{label:<58} {t:>10.2} µs   ({r:.2}× native)");
    }
    println!(
        "{:<58} {:>10.2} ×    target ≤ 2.5×: {}",
        "whole-call ratio wasmtime / native (default limits)",
        ratio,
        if ratio <= 2.5 { "met" } else { "NOT met" }
    );
    println!(
        "{:<58} {:>10}",
        "fuel used by one check (instructions, about)", check_fuel
    );
    println!();
    println!(
        "wasmtime: compile {compile:.1} ms, load {load:.1} ms, instantiate {instantiate:.3} ms, \
         overhead {overhead:.2} µs, check {check_wasm:.1} µs vs native {check_native:.1} µs ({ratio:.2}×)"
    );
}
