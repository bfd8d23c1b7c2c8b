//! The wasmtime host against native, in one run: the same `check` natively and through the
//! sandbox, the host's per-call overhead, module compile and instantiate times, and the
//! prepared verifier's cache (the same token checked again, cached and uncached, natively
//! and in wasmtime, interleaved call by call).
//!
//! Run it with `make bench-wasmtime` (`cargo bench -p credgate-wasmtime --bench host
//! --profile release`). A small timed harness, not criterion: each figure is the median
//! of 15 batches, after a warm-up; the machine is shared, so read ratios, not digits.

#![allow(
    clippy::indexing_slicing,
    reason = "serde_json::Value indexing yields Null for a missing member; it does not panic"
)]

use std::time::{Duration, Instant};

use credgate_wasmtime::{CacheLimits, CheckInput, CredgateModule, Limits, VerifierInput};
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

/// The value at `fraction` of sorted samples (0.5: the median).
fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let index = ((sorted.len() as f64 * fraction) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

/// One subject of an interleaved group: its stable key and one call.
type Subject<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Times every subject in turn, one sample each per round, in an order that rotates from
/// round to round (like core/benches/ratio.rs), so a slow phase of the shared machine hits
/// every subject alike. A sample is one call, or a batch of calls for subjects under ~2 µs
/// (so reading the clock does not dominate). Returns (key, median µs, p10 µs) per subject.
fn interleaved(
    subjects: &mut [Subject<'_>],
    warm_up: usize,
    samples: usize,
) -> Vec<(&'static str, f64, f64)> {
    let batches: Vec<u32> = subjects
        .iter_mut()
        .map(|(_, f)| {
            let t = Instant::now();
            for _ in 0..20 {
                f();
            }
            let per_us = t.elapsed().as_secs_f64() * 1e6 / 20.0;
            ((2.0 / per_us.max(0.001)).ceil() as u32).clamp(1, 1000)
        })
        .collect();
    let n = subjects.len();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(samples); n];
    for round in 0..warm_up + samples {
        for step in 0..n {
            let which = (round + step) % n;
            let (Some((_, f)), Some(batch), Some(out)) = (
                subjects.get_mut(which),
                batches.get(which),
                times.get_mut(which),
            ) else {
                continue;
            };
            let t = Instant::now();
            for _ in 0..*batch {
                f();
            }
            let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(*batch);
            if round >= warm_up {
                out.push(us);
            }
        }
    }
    subjects
        .iter()
        .zip(times.iter_mut())
        .map(|((key, _), ts)| {
            ts.sort_by(f64::total_cmp);
            (*key, percentile(ts, 0.5), percentile(ts, 0.1))
        })
        .collect()
}

/// The prepared verifier's cache: the same token checked again and again through a verifier
/// that caches and one that does not (`cache: {max_entries: 0}`), natively (the core's
/// `Verifier::check`) and in wasmtime (`credgate_wasmtime::Verifier::check`: the request
/// encoded, the guest's cached check, the `Checked` answer decoded), interleaved.
///
/// Prints one `cache KEY median_us=… p10_us=…` line per subject and one
/// `cache-ratio HOST median=… p10=…` line per host (uncached / cached), for a report to parse.
fn cache_bench(module: &CredgateModule, input: &CheckInput) {
    let cached_input = input.verifier.clone();
    let uncached_input = VerifierInput {
        cache: CacheLimits::DISABLED,
        ..input.verifier.clone()
    };
    let request = &input.request;
    let token = request.token.clone().unwrap_or_default();
    let native_request = credgate_core::Request::from_value(&request.request).unwrap_or_else(|e| {
        eprintln!("the bench request is invalid: {e}");
        std::process::exit(1)
    });
    let prepare_native = |vi: &VerifierInput| {
        credgate_core::facade::verifier(vi.clone()).unwrap_or_else(|e| {
            eprintln!("native verifier: {e}");
            std::process::exit(1)
        })
    };
    let prepare_wasm = |vi: &VerifierInput| {
        module.verifier(vi).unwrap_or_else(|e| {
            eprintln!("wasmtime verifier: {e}");
            std::process::exit(1)
        })
    };
    let native_cached = prepare_native(&cached_input);
    let native_uncached = prepare_native(&uncached_input);
    let mut wasm_cached = prepare_wasm(&cached_input);
    let mut wasm_uncached = prepare_wasm(&uncached_input);
    // The same calls on the wire (`credgate_verifier_call` text in and out, no typed encode
    // or decode on the host): what a host in another language pays, and the guest's share.
    let mut wire_cached = prepare_wasm(&cached_input);
    let mut wire_uncached = prepare_wasm(&uncached_input);
    let request_text = serde_json::to_string(request).unwrap_or_default();
    // Every subject allows the request (a refusal would measure something else).
    let now = request.now.0;
    let ip = request.client_ip.as_str();
    for v in [&native_cached, &native_uncached] {
        assert!(v.check(&token, now, ip, &native_request).allowed());
    }
    for v in [&mut wasm_cached, &mut wasm_uncached] {
        assert!(v.check(request).is_ok_and(|c| c.outcome.allowed()));
    }
    let (warm_up, samples) = (200, 3000);
    let results = {
        let mut subjects: Vec<Subject<'_>> = vec![
            (
                "native_check_uncached",
                Box::new(|| {
                    let _ = std::hint::black_box(native_uncached.check(
                        &token,
                        now,
                        ip,
                        &native_request,
                    ));
                }),
            ),
            (
                "native_check_cached",
                Box::new(|| {
                    let _ =
                        std::hint::black_box(native_cached.check(&token, now, ip, &native_request));
                }),
            ),
            (
                "wasmtime_check_uncached",
                Box::new(|| {
                    let _ = std::hint::black_box(wasm_uncached.check(request));
                }),
            ),
            (
                "wasmtime_check_cached",
                Box::new(|| {
                    let _ = std::hint::black_box(wasm_cached.check(request));
                }),
            ),
            (
                "wasmtime_wire_check_uncached",
                Box::new(|| {
                    let handle = wire_uncached.handle();
                    let _ = std::hint::black_box(wire_uncached.host_mut().verifier_call_json(
                        handle,
                        "check",
                        &request_text,
                    ));
                }),
            ),
            (
                "wasmtime_wire_check_cached",
                Box::new(|| {
                    let handle = wire_cached.handle();
                    let _ = std::hint::black_box(wire_cached.host_mut().verifier_call_json(
                        handle,
                        "check",
                        &request_text,
                    ));
                }),
            ),
        ];
        interleaved(&mut subjects, warm_up, samples)
    };
    // The cached subjects hit; the uncached ones never held anything.
    let native_stats = (native_cached.cache_stats(), native_uncached.cache_stats());
    let wasm_stats = (wasm_cached.cache_stats(), wasm_uncached.cache_stats());
    assert!(
        native_stats.0.hits > 0 && native_stats.1.hits == 0,
        "{native_stats:?}"
    );
    assert!(
        matches!(&wasm_stats, (Ok(c), Ok(u)) if c.hits > 0 && u.hits == 0),
        "{wasm_stats:?}"
    );
    println!(
        "prepared verifier check, the same token again, interleaved call by call \
         ({samples} samples each; median / p10; {}-byte token)",
        token.len()
    );
    for (key, median, p10) in &results {
        println!("cache {key:<28} median_us={median:.3} p10_us={p10:.3}");
    }
    let figure = |key: &str| {
        results
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or((f64::NAN, f64::NAN), |(_, m, p)| (*m, *p))
    };
    for host in ["native", "wasmtime", "wasmtime_wire"] {
        let (um, up) = figure(&format!("{host}_check_uncached"));
        let (cm, cp) = figure(&format!("{host}_check_cached"));
        let (ratio, ratio_p10) = (um / cm, up / cp);
        let target = if host == "wasmtime" {
            format!(" target_min=20 met={}", ratio >= 20.0)
        } else {
            String::new()
        };
        println!(
            "cache-ratio {host:<13} uncached/cached median={ratio:.1} p10={ratio_p10:.1}{target}"
        );
    }
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
    println!();
    cache_bench(&module, &typed_input);
}
