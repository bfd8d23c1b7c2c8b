//! Bounded work (SPEC §9): the cost of operations whose input holds a list, at 1k to 1M
//! entries, side by side in one run. Each line is the whole call through the façade
//! (`facade::call` on a JSON value, as a host makes it) divided by the number of entries:
//! flat per-entry figures mean linear cost (`make bench-native`). Before the hash-set
//! duplicate checks, 160k permissions took 20 s and 250k addresses 31 s.

#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(clippy::panic, clippy::indexing_slicing, reason = "a benchmark binary")]

#[path = "../tests/support/large_inputs.rs"]
mod large_inputs;
use large_inputs::{body_of, jwks_of};

use std::time::Instant;

use credgate_core::facade;
use serde_json::{json, Value};

const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

fn spec(permissions: Vec<String>, allowlist: Vec<String>) -> Value {
    json!({ "spec": {
        "name": "Bounded work", "permission_set_type": "wallets", "environment": "sandbox",
        "permissions": permissions, "ip_allowlist": allowlist,
    }})
}

fn distinct_permissions(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("balances:read:vault:v{i}"))
        .collect()
}

fn distinct_addresses(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255))
        .collect()
}

/// Best of three calls, in milliseconds.
fn best_ms(op: &str, input: &Value) -> f64 {
    (0..3)
        .map(|_| {
            let input = input.clone();
            let start = Instant::now();
            std::hint::black_box(facade::call(op, input));
            start.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

/// `--authorize-large N`: the native side of `wasm/bench/large.mjs`. `authorize` over N
/// permissions (text form, then JSON form) given as JSON text, as the JS package hands it to
/// the core (`facade::call_text`); prints one line per form: `native <form> <ms>...` (each
/// call's time, the first call first), for the script to show beside the JS figures.
fn authorize_large(count: usize, runs: usize) {
    let request = json!({ "type": "balances", "action": "read", "vault": format!("vlt_{}", count.saturating_sub(1)) });
    type Make = fn(usize) -> Value;
    let forms: [(&str, Make); 2] = [
        ("text", |i| json!(format!("balances:read:vault:vlt_{i}"))),
        (
            "objects",
            |i| json!({ "type": "balances", "action": "read", "scope": "vault", "resource": format!("vlt_{i}") }),
        ),
    ];
    for (name, make) in forms {
        let input =
            json!({ "permissions": (0..count).map(make).collect::<Vec<_>>(), "request": request });
        let text = serde_json::to_vec(&input).unwrap_or_default();
        drop(input);
        let times: Vec<String> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let outcome = facade::call_text("authorize", &text);
                let ms = start.elapsed().as_secs_f64() * 1e3;
                assert!(
                    matches!(&outcome, facade::Outcome::Answer(v) if v["allowed"] == json!(true)),
                    "authorize refused: {outcome:?}"
                );
                format!("{ms:.0}")
            })
            .collect();
        println!("native {name} {}", times.join(" "));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--authorize-large") {
        let number = |i: usize, default| {
            args.get(at + i)
                .and_then(|n| n.parse().ok())
                .unwrap_or(default)
        };
        authorize_large(number(1, 1_000_000), number(2, 6));
        return;
    }
    println!(
        "{:<48} {:>10} {:>12} {:>14}",
        "operation (entries)", "n", "ms", "ns per entry"
    );
    let line = |what: &str, n: usize, ms: f64| {
        println!(
            "{:<48} {:>10} {:>12.2} {:>14.1}",
            what,
            n,
            ms,
            ms * 1e6 / n as f64
        );
    };
    for n in SIZES {
        let input = spec(distinct_permissions(n), vec!["203.0.113.7".into()]);
        line(
            "validate_spec (distinct permissions)",
            n,
            best_ms("validate_spec", &input),
        );
        let input = spec(vec!["vault:read:org".into()], distinct_addresses(n));
        line(
            "validate_spec (distinct allowlist entries)",
            n,
            best_ms("validate_spec", &input),
        );
        let input = spec(distinct_permissions(n), distinct_addresses(n));
        line("lint (both lists)", n, best_ms("lint", &input));
        let create = {
            let mut input = spec(distinct_permissions(n), vec!["203.0.113.7".into()]);
            if let Some(map) = input.as_object_mut() {
                map.insert("org".into(), json!("org_1"));
                map.insert("now".into(), json!(1_700_000_000));
                map.insert("entropy".into(), json!("ab".repeat(48)));
            }
            input
        };
        line(
            "create_credential (distinct permissions)",
            n,
            best_ms("create_credential", &create),
        );
        let authorize = json!({
            "permissions": distinct_permissions(n),
            "request": { "type": "balances", "action": "read", "vault": "nowhere" },
        });
        line(
            "authorize (deny: every permission a near miss)",
            n,
            best_ms("authorize", &authorize),
        );
    }
    // Found by fuzzing: both were quadratic in what they read (SPEC §9).
    for n in [1_000, 4_000, 16_000, 64_000] {
        let jwks = jwks_of(n);
        let ms = best(|| {
            std::hint::black_box(credgate_core::KeySet::from_json(&jwks).is_ok());
        });
        line("KeySet::from_json (distinct kids)", n, ms);
    }
    for n in [250, 1_000, 4_000] {
        let body = body_of(n);
        let ms = best(|| {
            let headers = [("Content-Type", "application/x-www-form-urlencoded")];
            let parsed = credgate_core::oauth::parse_token_request("POST", headers, &body);
            std::hint::black_box(parsed.is_err());
        });
        line("parse_token_request (distinct parameters)", n, ms);
    }
}

/// Best of three runs of `f`, in milliseconds.
fn best(mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}
