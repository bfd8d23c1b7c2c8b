//! Bounded work (SPEC §9): the cost of operations whose input holds a list, at 1k to 1M
//! entries, side by side in one run. Each line is the whole call through the façade
//! (`facade::call` on a JSON value, as a host makes it) divided by the number of entries:
//! flat per-entry figures mean linear cost (`make bench-native`). Before the hash-set
//! duplicate checks, 160k permissions took 20 s and 250k addresses 31 s.

#![allow(missing_docs, reason = "a benchmark binary")]

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

fn main() {
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
}
