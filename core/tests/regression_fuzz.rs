//! Inputs the fuzz targets of `fuzz/` found (fuzz/README.md), kept as tests: each failed
//! before its fix. The inputs are inline (fuzz/artifacts is not committed); large ones go
//! to tests/data/fuzz/.
//!
//! Each test names the target that found the input and the invariant it broke.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failure is the point"
)]

#[path = "support/large_inputs.rs"]
mod large_inputs;
use large_inputs::{body_of, jwks_of};

use credgate_core::facade::call_json;
use serde_json::{json, Value};

fn call(op: &str, input: &Value) -> Value {
    serde_json::from_str(&call_json(op, &input.to_string())).unwrap()
}

/// Target `facade`, invariant "a token `issue_token` issues verifies": a stored credential
/// record with an empty `permissions` list compiled, and issuance signed a token with an
/// empty `scope`, which the core's own verifier refuses (`token.invalid_claim`: a scope is
/// one or more canonical permissions). A record without permissions is not sound (SPEC §4:
/// 1–100 permissions): it is now `credential.invalid`, and no token is issued for it.
#[test]
fn facade_issue_token_credential_without_permissions() {
    // The input, minimized by hand from the fuzzer's (op byte 7 = issue_token).
    let input: Value = serde_json::from_str(
        r#"{"credential":{"client_id":"cid_1","secrets":[{"sha256":"9c9771a5788b9d9b68af60a565e3de6c5bfd05c0b4f01f81df3f44152d2e8f5b","created_at":0}],"org":"org_1","name":"Payments backend","permission_set_type":"wallets","permissions":[],"ip_allowlist":["0.0.0.0/0"],"environment":"sandbox","status":"enabled","created_at":0,"updated_at":0},"client_secret":"cgs_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0","client_ip":"203.0.113.7","now":1800000000,"signing_key":{"kid":"k1","seed":"53c9bb55c4888ecfc781d616ce919ebcbe17fbcd3e0b80de3e08b0611e537438"},"jti":"jti-1","issuer":"https://auth.example.test","audience":"https://api.example.test"}"#,
    )
    .unwrap();
    let issued = call("issue_token", &input);
    if issued["outcome"] == "result" {
        // The fuzz target's invariant, as it checks it: the token verifies.
        let jwks = call(
            "public_jwks",
            &json!({ "signing_keys": [input["signing_key"]] }),
        );
        let verdict = call(
            "verify_token",
            &json!({
                "token": issued["token"],
                "now": input["now"],
                "jwks": { "keys": jwks["keys"] },
                "issuer": input["issuer"],
                "audience": input["audience"],
            }),
        );
        panic!("a token was issued for a credential without permissions: {verdict}");
    }
    assert_eq!(issued["outcome"], "failure", "{issued}");
    assert_eq!(issued["error"], "credential.invalid", "{issued}");

    // The same record with one permission issues a token that verifies.
    let mut sound = input.clone();
    sound["credential"]["permissions"] = json!(["vault:read:org"]);
    let issued = call("issue_token", &sound);
    assert_eq!(issued["outcome"], "result", "{issued}");
    let jwks = call(
        "public_jwks",
        &json!({ "signing_keys": [sound["signing_key"]] }),
    );
    let verdict = call(
        "verify_token",
        &json!({
            "token": issued["token"],
            "now": sound["now"],
            "jwks": { "keys": jwks["keys"] },
            "issuer": sound["issuer"],
            "audience": sound["audience"],
        }),
    );
    assert_eq!(verdict["outcome"], "result", "{verdict}");
}

/// The same rule at the Rust API: `Credential::compile` refuses a record without
/// permissions, so `oauth::issue_token` refuses the client (`invalid_client`).
#[test]
fn compile_refuses_a_record_without_permissions() {
    let record: credgate_core::Credential = serde_json::from_value(json!({
        "client_id": "cid_1",
        "secrets": [{ "sha256": "9c9771a5788b9d9b68af60a565e3de6c5bfd05c0b4f01f81df3f44152d2e8f5b", "created_at": 0 }],
        "org": "org_1", "name": "Payments backend", "permission_set_type": "wallets",
        "permissions": [], "ip_allowlist": ["0.0.0.0/0"], "environment": "sandbox",
        "status": "enabled", "created_at": 0, "updated_at": 0,
    }))
    .unwrap();
    let error = record.compile().unwrap_err();
    assert_eq!(error.code().as_str(), "credential.invalid");
}

/// Target `jwks`, run on large key sets (past the target's `-max_len`): `KeySet` looked for
/// a duplicate kid by scanning every key read so far, so reading n keys compared n²/2 kids
/// (32 000 keys: 4.7 s in a debug build, 10x the time of 8 000; a 2 MB JWKS took over three
/// minutes in the fuzz target, under its sanitizer). Every `verify_token` and `check` reads its JWKS, so the cost was per call.
/// Duplicates are now found with a hash set: linear (`make bench-native`: the `bounded`
/// bench prints the per-key cost at 1k to 100k keys; speed is a benchmark's to check, not a
/// test's). Here: large sets are read, and a duplicate is still refused wherever it is.
#[test]
fn jwks_duplicate_kids_are_found_in_large_sets() {
    let set = credgate_core::KeySet::from_json(&jwks_of(32_000)).unwrap();
    assert_eq!(set.len(), 32_000);
    let mut last = jwks_of(32_000);
    last = last.replace(&format!("{:0>64}", 31_999), &format!("{:0>64}", 0));
    assert_eq!(
        credgate_core::KeySet::from_json(&last)
            .unwrap_err()
            .code()
            .as_str(),
        "jwks.invalid"
    );
    let duplicate = jwks_of(3).replace(&format!("{:0>64}", 2), &format!("{:0>64}", 0));
    let error = credgate_core::KeySet::from_json(&duplicate).unwrap_err();
    assert_eq!(error.code().as_str(), "jwks.invalid");
}

/// Target `token_request`, on the largest bodies the limit allows: the form parser looked
/// for a repeated parameter by scanning every parameter read so far, so a 16 KiB body of
/// 4 000 distinct names compared 8 million pairs (82 ms in a debug build, 0.6 s under the
/// fuzzer's sanitizer) on the unauthenticated token endpoint, against microseconds for a
/// real request. Repeated parameters are now found with a hash set: linear (the `bounded`
/// bench prints the cost per parameter). Here: the largest body of distinct names is read,
/// and a repeat is still refused at its end.
#[test]
fn token_request_repeated_parameters_are_found_in_the_largest_bodies() {
    use credgate_core::oauth::parse_token_request;
    let parse = |body: &str| {
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", "Basic YTpi"),
        ];
        let request = parse_token_request("POST", headers, body).unwrap();
        assert_eq!(request.client_id, "a");
    };
    let large = body_of(4_000);
    assert!(large.len() <= credgate_core::oauth::MAX_BODY_BYTES);
    parse(&large);
    // A repeated parameter is still refused.
    let error = parse_token_request(
        "POST",
        [("Content-Type", "application/x-www-form-urlencoded")],
        &format!("{large}&Zz9=1&Zz9=2"),
    )
    .unwrap_err();
    assert_eq!(error.code().as_str(), "request.invalid");
}
