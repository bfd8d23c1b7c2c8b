//! The engine's hot paths through criterion (`make bench-criterion`): Ed25519 `verify_strict`
//! alone on a typical token's signing input vs. full token verification; `authorize` over a
//! 20-permission compiled set; allowlist matching over 6 entries. `core/benches/report.py`
//! prints the figures from criterion's estimates. Criterion runs them one after the other, so
//! on a drifting machine its token figures are no ratio: `make bench-native` (bench/) times
//! the same subjects and the peers interleaved call by call, and is what BENCHMARKS.md reports.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]
#![expect(
    clippy::unwrap_used,
    reason = "fixtures are known-good; a failure must stop the benchmark"
)]

use std::hint::black_box;
use std::net::Ipv4Addr;

use credgate_core::authorize::PermissionSet;
use credgate_core::ip::Allowlist;
use credgate_core::{Permission, Request};
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::Signature;

mod shared;
use shared::{token_fixture, NOW};

fn tokens(c: &mut Criterion) {
    let (verifier, token) = token_fixture();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = credgate_core::encoding::b64url_decode(signature).unwrap();
    let signature = Signature::from_slice(&signature).unwrap();
    let key = *verifier.keys().get("k1").unwrap();
    let request = Request::new("balances", "read", Some("vlt_1"), None, None).unwrap();
    println!("token: {} bytes", token.len());

    let mut group = c.benchmark_group("token");
    group.bench_function("verify_strict_alone", |b| {
        b.iter(|| key.verify_strict(black_box(signing_input.as_bytes()), black_box(&signature)))
    });
    group.bench_function("full_verification", |b| {
        b.iter(|| verifier.verify(black_box(&token), black_box(NOW + 10)))
    });
    group.bench_function("check", |b| {
        b.iter(|| {
            verifier.check(
                black_box(&token),
                NOW + 10,
                black_box("203.0.113.9"),
                &request,
            )
        })
    });
    group.finish();
}

fn authorize(c: &mut Criterion) {
    let texts = [
        "vault:create:org",
        "vault:read:org",
        "vault:update:vault:v1",
        "key:create:vault:v1",
        "key:read:vault:v2",
        "key:update:key:k1",
        "balances:read:vault:v3",
        "transaction:create:vault:v1",
        "transaction:read:org",
        "transaction:update:key:k2",
        "address:create:org",
        "address:read:vault:v1",
        "policy:create:org",
        "policy:read:org",
        "policy:update:vault:v9",
        "webhook:create:org",
        "webhook:read:org",
        "audit:read:org",
        "balances:read:key:k7",
        "balances:read:vault:v1",
    ];
    let set = PermissionSet::new(
        texts
            .iter()
            .map(|t| Permission::parse(t).unwrap())
            .collect(),
    );
    let last = Request::new("balances", "read", Some("v1"), None, None).unwrap();
    let none = Request::new("balances", "read", Some("v5"), None, None).unwrap();
    let mut group = c.benchmark_group("authorize_20");
    group.bench_function("allow_last", |b| {
        b.iter(|| set.authorize(black_box(&last), None))
    });
    group.bench_function("deny_with_near_misses", |b| {
        b.iter(|| set.authorize(black_box(&none), None))
    });
    group.finish();
}

fn allowlist(c: &mut Criterion) {
    let list = Allowlist::parse(&[
        "203.0.113.0/24",
        "198.51.100.7",
        "192.0.2.0/28",
        "10.1.0.0/16",
        "172.16.0.0/12",
        "100.64.0.0/10",
    ])
    .unwrap();
    let outside = Ipv4Addr::new(8, 8, 8, 8);
    let mut group = c.benchmark_group("allowlist_6");
    group.bench_function("contains_miss", |b| {
        b.iter(|| list.contains(black_box(outside)))
    });
    group.bench_function("check_text_miss", |b| {
        b.iter(|| list.check(black_box("8.8.8.8")))
    });
    group.finish();
}

criterion_group!(
    name = benches;
    config = Criterion::default();
    targets = tokens, authorize, allowlist
);
criterion_main!(benches);
