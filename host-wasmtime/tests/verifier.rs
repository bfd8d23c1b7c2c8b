//! Prepared verifiers inside the guest (ABI version 2): the typed [`Verifier`] answers as the
//! one-off `check` and `verify_token` do, for every vector and for a generated sequence;
//! cached answers equal uncached ones (a token past `exp` on a hit, a token revoked after it
//! was cached); handles are bounded, freed and never trap; the verifier survives its
//! instance being replaced; the per-call limits apply to its calls.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::path::PathBuf;

use credgate_wasmtime::*;
use serde_json::{json, Value};

fn module(limits: Limits) -> CredgateModule {
    if limits == Limits::default() {
        static DEFAULT: std::sync::OnceLock<CredgateModule> = std::sync::OnceLock::new();
        return DEFAULT
            .get_or_init(|| {
                CredgateModule::embedded(Limits::default())
                    .expect("build the guest first: make build-wasmtime")
            })
            .clone();
    }
    CredgateModule::embedded(limits).expect("build the guest first: make build-wasmtime")
}

fn vector_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    conformance::collect_files(&[
        root.join("../../shared/conformance"),
        root.join("../tests/vectors"),
    ])
    .unwrap()
}

/// Every case of the vector files with this op, as (name, input).
fn cases(op: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for file in vector_files() {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            if case["op"] == op {
                let name = format!("{}: {}", file.display(), case["name"]);
                out.push((name, case["input"].clone()));
            }
        }
    }
    out
}

/// A host error as what a caller sees of the engine: its failure, or the host code.
fn failure<T>(result: Result<T, HostError>) -> Result<T, Failure> {
    result.map_err(|e| match e {
        HostError::Guest(failure) => failure,
        other => panic!("not an engine failure: {other}"),
    })
}

fn uncached(input: &VerifierInput) -> VerifierInput {
    VerifierInput {
        cache: CacheLimits {
            max_entries: 0,
            ..CacheLimits::default()
        },
        ..input.clone()
    }
}

/// Every `check` vector whose input is a `CheckInput`: the verifier's members prepare a
/// verifier (or fail as the one-off call fails), and its check answers as the one-off check,
/// twice (the second time from the cache when the token verified), cached or not. One host
/// serves every case: each verifier is freed before the next, far more than 64 of them.
#[test]
fn check_vectors_answer_as_the_one_off_check() {
    let mut host = module(Limits::default()).host();
    let (mut compared, mut refused, mut hits) = (0, 0, 0);
    let all = cases("check");
    assert!(all.len() >= 60, "only {} check cases", all.len());
    for (name, input) in &all {
        let Ok(input) = serde_json::from_value::<CheckInput>(input.clone()) else {
            continue;
        };
        let one_off = failure(host.check(&input));
        for verifier_input in [input.verifier.clone(), uncached(&input.verifier)] {
            let verifier = match Verifier::new(host, &verifier_input) {
                Ok(verifier) => verifier,
                Err(HostError::Guest(f)) => {
                    // Preparing failed (jwks.invalid, revocations.invalid): so did the one-off
                    // call, with the same failure, before it looked at the request.
                    assert_eq!(one_off, Err(f), "{name}");
                    refused += 1;
                    host = module(Limits::default()).host();
                    continue;
                }
                Err(e) => panic!("{name}: {e}"),
            };
            let mut verifier = verifier;
            for _ in 0..2 {
                assert_eq!(failure(verifier.check(&input.request)), one_off, "{name}");
            }
            hits += verifier.cache_stats().unwrap().hits;
            compared += 1;
            host = verifier.into_host();
        }
    }
    assert!(compared >= 100, "only {compared} compared");
    assert!(refused >= 1, "no case fails at preparation");
    assert!(hits >= 10, "the cache was hardly hit ({hits})");
}

/// Every `verify_token` vector: the prepared verifier's `verify` gives the one-off claims or
/// failure, twice, cached or not.
#[test]
fn verify_token_vectors_answer_as_the_one_off_verify() {
    let mut host = module(Limits::default()).host();
    let mut compared = 0;
    for (name, input) in cases("verify_token") {
        let Ok(input) = serde_json::from_value::<VerifyTokenInput>(input) else {
            continue;
        };
        let one_off = failure(host.verify_token(&input));
        for verifier_input in [input.verifier.clone(), uncached(&input.verifier)] {
            match Verifier::new(host, &verifier_input) {
                Ok(mut verifier) => {
                    for _ in 0..2 {
                        let prepared = failure(verifier.verify(&input.token, input.now.0));
                        assert_eq!(prepared, one_off, "{name}");
                    }
                    host = verifier.into_host();
                    compared += 1;
                }
                Err(HostError::Guest(f)) => {
                    assert_eq!(one_off, Err(f), "{name}");
                    host = module(Limits::default()).host();
                }
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }
    assert!(compared >= 300, "only {compared} compared");
}

// ---------------------------------------------------------------------------------------
// A generated sequence: tokens, times, addresses, requests, revocation lists.
// ---------------------------------------------------------------------------------------

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "https://api.example.test";
const T0: i64 = 1_700_000_000;

fn native(op: &str, input: &Value) -> Value {
    let out: Value =
        serde_json::from_str(&credgate_core::facade::call_json(op, &input.to_string())).unwrap();
    assert_ne!(out["outcome"], "failure", "{op}: {out}");
    out
}

fn signing_key() -> Value {
    json!({"kid": "k1", "seed": "42".repeat(32)})
}

/// Tokens of two credentials, issued at `T0` and `T0 + 1800` (so expiring at different
/// times), with jtis `jti-<credential>-<n>`.
fn tokens() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (c, permissions) in [
        (
            0,
            json!(["balances:read:vault:vlt_1", "transaction:read:org"]),
        ),
        (1, json!(["key:create:vault:vlt_2", "audit:read:org"])),
    ] {
        let spec = json!({"name": format!("bot {c}"), "permission_set_type": "wallets",
            "permissions": permissions, "ip_allowlist": ["203.0.113.0/24"], "environment": "production"});
        let created = native(
            "create_credential",
            &json!({"spec": spec, "org": "org_1", "now": T0 - 100, "entropy": format!("{c:02x}").repeat(48)}),
        );
        for (n, iat) in [(0, T0), (1, T0 + 1800)] {
            let jti = format!("jti-{c}-{n}");
            let issued = native(
                "issue_token",
                &json!({"credential": created["credential"], "client_secret": created["client_secret"],
                    "client_ip": "203.0.113.9", "now": iat, "signing_key": signing_key(),
                    "jti": jti, "issuer": ISSUER, "audience": AUDIENCE}),
            );
            out.push((issued["token"].as_str().unwrap().to_owned(), jti));
        }
    }
    out
}

fn jwks() -> Value {
    let published = native("public_jwks", &json!({"signing_keys": [signing_key()]}));
    json!({"keys": published["keys"]})
}

fn revocations(epoch: u64, jti: &str) -> String {
    let signed = native(
        "sign_revocations",
        &json!({"signing_key": signing_key(), "issuer": ISSUER, "epoch": epoch, "now": T0 + 1000,
            "entries": [{"jti": jti, "revoked_at": T0 + 1000}]}),
    );
    signed["revocations"].as_str().unwrap().to_owned()
}

/// A cached verifier, an uncached one and the one-off `check` (with the same revocation list
/// in its input) agree on every request of a sequence through time, including a cached token
/// used past its `exp` and a token revoked after it was cached.
#[test]
fn cached_answers_equal_uncached_and_one_off_answers() {
    let m = module(Limits::default());
    let base = VerifierInput {
        jwks: jwks(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        ..Default::default()
    };
    let mut cached = m.verifier(&base).unwrap();
    let mut plain = m.verifier(&uncached(&base)).unwrap();
    let mut one_off = m.host();
    let mut held: Option<String> = None;
    let tokens = tokens();
    let requests = [
        json!({"type": "balances", "action": "read", "vault": "vlt_1"}),
        json!({"type": "key", "action": "create", "vault": "vlt_2"}),
        json!({"type": "audit", "action": "read"}),
        json!({"type": "balances", "action": "fly"}),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut step =
        |cached: &mut Verifier, plain: &mut Verifier, held: &Option<String>, now: i64| {
            for (i, (token, _)) in tokens.iter().enumerate() {
                for (j, ip) in ["203.0.113.9", "198.51.100.1"].iter().enumerate() {
                    let request = CheckRequest {
                        token: ((i + j) % 2 == 0).then(|| token.clone()),
                        authorization: ((i + j) % 2 == 1).then(|| format!("Bearer {token}")),
                        now: UnixSeconds(now),
                        client_ip: (*ip).into(),
                        request: requests[(i + j) % requests.len()].clone(),
                    };
                    let input = CheckInput {
                        request: request.clone(),
                        verifier: VerifierInput {
                            revocations: held.clone(),
                            ..base.clone()
                        },
                    };
                    let expected = one_off.check(&input).unwrap();
                    assert_eq!(cached.check(&request).unwrap(), expected, "{now} {i} {ip}");
                    assert_eq!(plain.check(&request).unwrap(), expected, "{now} {i} {ip}");
                    let verified = failure(one_off.verify_token(&VerifyTokenInput {
                        token: token.clone(),
                        now: UnixSeconds(now),
                        verifier: input.verifier.clone(),
                    }));
                    assert_eq!(failure(cached.verify(token, now)), verified);
                    assert_eq!(failure(plain.verify(token, now)), verified);
                    let wire = serde_json::to_value(&expected).unwrap();
                    seen.insert(wire["reason"].as_str().unwrap().to_owned());
                }
            }
        };
    for now in [T0 + 10, T0 + 1900, T0 + 3599] {
        step(&mut cached, &mut plain, &held, now);
    }
    let before = cached.cache_stats().unwrap();
    assert!(before.hits > 0 && before.entries > 0, "{before:?}");
    // `T0 + 3600`: the first tokens expire, and they are in the cache.
    step(&mut cached, &mut plain, &held, T0 + 3600);
    let after = cached.cache_stats().unwrap();
    assert!(
        after.hits > before.hits,
        "the expired tokens were looked up in the cache"
    );
    assert!(
        after.entries < before.entries,
        "expired tokens leave the cache"
    );
    // A token verified and cached, then revoked: every verifier now says token.revoked.
    let list = revocations(1, "jti-1-1");
    assert!(
        failure(cached.verify(&tokens[3].0, T0 + 3700)).is_ok(),
        "cached before the list"
    );
    assert_eq!(cached.load_revocations(&list).unwrap().epoch, 1);
    assert_eq!(plain.load_revocations(&list).unwrap().epoch, 1);
    held = Some(list);
    assert_eq!(
        cached.cache_stats().unwrap().entries,
        0,
        "a new list empties the cache"
    );
    let revoked = cached.verify(&tokens[3].0, T0 + 3700).unwrap_err();
    assert_eq!(revoked.code(), "token.revoked");
    for now in [T0 + 3700, T0 + 3800, T0 + 5400, T0 + 9000] {
        step(&mut cached, &mut plain, &held, now);
    }
    // An older list is refused, and the held one stays.
    let older = cached
        .load_revocations(&revocations(0, "jti-0-1"))
        .unwrap_err();
    assert_eq!(older.code(), "revocations.stale");
    assert_eq!(
        cached.verify(&tokens[3].0, T0 + 3700).unwrap_err().code(),
        "token.revoked"
    );
    let stats = plain.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.entries), (0, 0), "{stats:?}");
    for reason in [
        "allow",
        "token.expired",
        "token.revoked",
        "deny.ip_not_allowed",
        "deny.no_matching_permission",
    ] {
        assert!(seen.contains(reason), "{reason} never seen: {seen:?}");
    }
}

/// When the host replaces its instance (here: memory recycling after a huge one-off input),
/// the verifier is prepared again in the new one, with the revocation list it had loaded.
#[test]
fn a_verifier_survives_its_instance_being_replaced() {
    let limits = Limits {
        recycle_memory_bytes: 4 << 20,
        max_input_bytes: 8 << 20,
        fuel_per_call: Some(10_000_000_000),
        ..Limits::default()
    };
    let m = module(limits);
    let mut verifier = m
        .verifier(&VerifierInput {
            jwks: jwks(),
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            ..Default::default()
        })
        .unwrap();
    let tokens = tokens();
    verifier.verify(&tokens[0].0, T0 + 10).unwrap();
    verifier
        .load_revocations(&revocations(3, "jti-0-0"))
        .unwrap();
    assert_eq!(
        verifier.verify(&tokens[0].0, T0 + 10).unwrap_err().code(),
        "token.revoked"
    );
    verifier.verify(&tokens[2].0, T0 + 10).unwrap();
    assert_eq!(verifier.cache_stats().unwrap().entries, 1);
    let first = verifier.host().instance_id();
    let big = ParsePermissionInput {
        text: Some("a".repeat(6 << 20)),
        ..Default::default()
    };
    let err = verifier.host_mut().parse_permission(&big).unwrap_err();
    assert_eq!(err.code(), "permission.invalid");
    assert_eq!(verifier.host().instance_id(), None, "recycled");
    // Prepared again: the same keys, the same list, an empty cache.
    assert_eq!(
        verifier.verify(&tokens[0].0, T0 + 10).unwrap_err().code(),
        "token.revoked"
    );
    verifier.verify(&tokens[2].0, T0 + 10).unwrap();
    assert_eq!(verifier.preparations(), 2);
    assert_ne!(verifier.host().instance_id(), first);
    let stats = verifier.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.entries), (0, 1), "{stats:?}");
    assert_eq!(
        verifier
            .load_revocations(&revocations(2, "x"))
            .unwrap_err()
            .code(),
        "revocations.stale"
    );
}

/// Preparing refuses bad input with the engine's codes, and a host whose verifier was
/// refused serves the next one.
#[test]
fn preparing_refuses_bad_input_with_the_engine_codes() {
    let m = module(Limits::default());
    let base = VerifierInput {
        jwks: jwks(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        ..Default::default()
    };
    let bad_keys = VerifierInput {
        jwks: json!({"keys": 5}),
        ..base.clone()
    };
    assert_eq!(m.verifier(&bad_keys).unwrap_err().code(), "jwks.invalid");
    let bad_list = VerifierInput {
        revocations: Some("not.a.list".into()),
        ..base.clone()
    };
    assert_eq!(
        m.verifier(&bad_list).unwrap_err().code(),
        "revocations.invalid"
    );
    let held = VerifierInput {
        revocations: Some(revocations(5, "jti-0-0")),
        ..base.clone()
    };
    let mut verifier = m.verifier(&held).unwrap();
    assert_eq!(
        verifier.verify(&tokens()[0].0, T0 + 10).unwrap_err().code(),
        "token.revoked"
    );
    assert_eq!(
        verifier
            .load_revocations(&revocations(4, "x"))
            .unwrap_err()
            .code(),
        "revocations.stale"
    );
}

/// The raw handles: at most 64 live verifiers per instance (the 65th is `input.invalid`), a
/// freed, stale or made-up handle is `input.invalid` on a call and `false` on a free, never
/// a trap; freeing makes room again.
#[test]
fn raw_handles_are_bounded_and_a_stale_handle_is_a_failure() {
    let mut host = module(Limits::default()).host();
    let input = json!({"jwks": jwks(), "issuer": ISSUER, "audience": AUDIENCE}).to_string();
    let handle = |out: String| -> u32 {
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["outcome"], "result", "{out}");
        u32::try_from(out["handle"].as_u64().unwrap()).unwrap()
    };
    let code = |out: String| -> String {
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["outcome"], "failure", "{out}");
        out["error"].as_str().unwrap().to_owned()
    };
    let handles: Vec<u32> = (0..64)
        .map(|_| handle(host.verifier_new_json(&input).unwrap()))
        .collect();
    assert_eq!(
        code(host.verifier_new_json(&input).unwrap()),
        "input.invalid"
    );
    assert!(host.verifier_free(handles[5]).unwrap());
    assert!(!host.verifier_free(handles[5]).unwrap(), "freed twice");
    let again = handle(host.verifier_new_json(&input).unwrap());
    assert_ne!(again, handles[5]);
    for bad in [handles[5], 0, u32::MAX, 12_345, again + 1] {
        assert_eq!(
            code(host.verifier_call_json(bad, "cache_stats", "{}").unwrap()),
            "input.invalid",
            "{bad}"
        );
        assert!(!host.verifier_free(bad).unwrap(), "{bad}");
    }
    assert_eq!(
        code(host.verifier_call_json(again, "frobnicate", "{}").unwrap()),
        "op.unknown"
    );
    assert_eq!(
        code(
            host.verifier_call_json(again, "verify", "not json")
                .unwrap()
        ),
        "input.invalid"
    );
    let stats: Value =
        serde_json::from_str(&host.verifier_call_json(again, "cache_stats", "{}").unwrap())
            .unwrap();
    assert_eq!(stats["outcome"], "result");
    let s = host.stats();
    assert_eq!((s.stops, s.instantiations), (0, 1));
    // A full instance refuses a typed verifier too, with the same code.
    let full = Verifier::new(host, &serde_json::from_str(&input).unwrap()).unwrap_err();
    assert_eq!(full.code(), "input.invalid");
}

/// Fuel is per call: a budget that fits preparing a verifier and reading its statistics but
/// not a full token verification stops the `check` (`host.out_of_fuel`), and the verifier,
/// prepared again in a fresh instance, serves the next cheap call.
#[test]
fn the_fuel_budget_applies_to_each_verifier_call() {
    let input = VerifierInput {
        jwks: jwks(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        ..Default::default()
    };
    let token = tokens()[0].0.clone();
    let request = CheckRequest {
        token: Some(token),
        authorization: None,
        now: UnixSeconds(T0 + 10),
        client_ip: "203.0.113.9".into(),
        request: json!({"type": "balances", "action": "read", "vault": "vlt_1"}),
    };
    let mut probe = module(Limits::default()).verifier(&input).unwrap();
    let prepare_fuel = probe.host().stats().last_fuel;
    probe.check(&request).unwrap();
    let check_fuel = probe.host().stats().last_fuel;
    probe.check(&request).unwrap();
    let hit_fuel = probe.host().stats().last_fuel;
    assert!(
        hit_fuel * 20 < check_fuel,
        "a hit {hit_fuel}, a miss {check_fuel}"
    );
    assert!(
        prepare_fuel < check_fuel,
        "prepare {prepare_fuel}, check {check_fuel}"
    );
    let budget = (prepare_fuel.max(hit_fuel) + check_fuel) / 2;
    let mut verifier = module(Limits {
        fuel_per_call: Some(budget),
        ..Limits::default()
    })
    .verifier(&input)
    .unwrap();
    let err = verifier.check(&request).unwrap_err();
    assert_eq!(err, HostError::OutOfFuel { fuel: budget });
    assert_eq!(verifier.cache_stats().unwrap().misses, 0);
    assert_eq!(verifier.preparations(), 2);
    assert_eq!(verifier.host().stats().stops, 1);
}
