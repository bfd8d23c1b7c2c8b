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
        r#"{"credential":{"client_id":"cid_1","secret_sha256":"9c9771a5788b9d9b68af60a565e3de6c5bfd05c0b4f01f81df3f44152d2e8f5b","org":"org_1","name":"Payments backend","permission_set_type":"wallets","permissions":[],"ip_allowlist":["0.0.0.0/0"],"environment":"sandbox","status":"enabled","created_at":0,"updated_at":0},"client_secret":"cgs_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0","client_ip":"203.0.113.7","now":1800000000,"signing_key":{"kid":"k1","seed":"53c9bb55c4888ecfc781d616ce919ebcbe17fbcd3e0b80de3e08b0611e537438"},"jti":"jti-1","issuer":"https://auth.example.test","audience":"https://api.example.test"}"#,
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
        "secret_sha256": "9c9771a5788b9d9b68af60a565e3de6c5bfd05c0b4f01f81df3f44152d2e8f5b",
        "org": "org_1", "name": "Payments backend", "permission_set_type": "wallets",
        "permissions": [], "ip_allowlist": ["0.0.0.0/0"], "environment": "sandbox",
        "status": "enabled", "created_at": 0, "updated_at": 0,
    }))
    .unwrap();
    let error = record.compile().unwrap_err();
    assert_eq!(error.code().as_str(), "credential.invalid");
}

/// The timing tests run one at a time: two at once would slow each other down.
static TIMING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Best of `runs` runs of `f`, in seconds.
fn best_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// How the cost grows when the input grows 4×: about 4 for linear work, about 16 for
/// quadratic work. Bounded work (SPEC §9) means n·log n at most; 7 leaves room for noise.
fn growth(small: f64, large: f64) -> f64 {
    large / small.max(1e-9)
}

/// A JWKS of `n` usable keys with distinct kids of equal length (so comparing two kids
/// reads most of them).
fn jwks_of(n: usize) -> String {
    let keys: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"T7JJi33tJ4FtlWaD3YiYGVfEgqUm0DAfm5D-7d9hkI8","kid":"{:0>64}"}}"#,
                i
            )
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// Target `jwks`, run on large key sets (past the target's `-max_len`): `KeySet` looked for
/// a duplicate kid by scanning every key read so far, so reading n keys compared n²/2 kids
/// (32 000 keys: 4.7 s in a debug build, 10x the time of 8 000; a 2 MB JWKS took over three
/// minutes in the fuzz target, under its sanitizer). Every `verify_token` and `check` reads its JWKS, so the cost was per call.
/// Duplicates are now found with a hash set: linear.
#[test]
fn jwks_duplicate_kids_are_found_in_linear_time() {
    let (small, large) = (jwks_of(8_000), jwks_of(32_000));
    let read = |text: &str| {
        let set = credgate_core::KeySet::from_json(text).unwrap();
        assert!(set.len() >= 8_000);
    };
    let _one_at_a_time = TIMING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let t_small = best_secs(3, || read(&small));
    let t_large = best_secs(3, || read(&large));
    let growth = growth(t_small, t_large);
    assert!(
        growth < 7.0,
        "4x the keys cost {growth:.1}x the time ({t_small:.3} s -> {t_large:.3} s): quadratic"
    );
    // Duplicates are still refused, wherever they are.
    let duplicate = jwks_of(3).replace(&format!("{:0>64}", 2), &format!("{:0>64}", 0));
    let error = credgate_core::KeySet::from_json(&duplicate).unwrap_err();
    assert_eq!(error.code().as_str(), "jwks.invalid");
}

/// A token request body of `n` distinct short parameter names (16 KiB for 4 000).
fn body_of(n: usize) -> String {
    let alphabet: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    let names: Vec<String> = alphabet
        .iter()
        .flat_map(|a| alphabet.iter().map(move |b| (a, b)))
        .flat_map(|(a, b)| alphabet.iter().map(move |c| format!("{a}{b}{c}")))
        .take(n)
        .collect();
    format!("grant_type=client_credentials&{}", names.join("&"))
}

/// Target `token_request`, on the largest bodies the limit allows: the form parser looked
/// for a repeated parameter by scanning every parameter read so far, so a 16 KiB body of
/// 4 000 distinct names compared 8 million pairs (82 ms in a debug build, 0.6 s under the
/// fuzzer's sanitizer) on the unauthenticated token endpoint, against microseconds for a
/// real request. Repeated parameters are now found with a hash set: linear.
#[test]
fn token_request_repeated_parameters_are_found_in_linear_time() {
    use credgate_core::oauth::parse_token_request;
    let parse = |body: &str| {
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", "Basic YTpi"),
        ];
        let request = parse_token_request("POST", headers, body).unwrap();
        assert_eq!(request.client_id, "a");
    };
    let (small, large) = (body_of(1_000), body_of(4_000));
    assert!(large.len() <= credgate_core::oauth::MAX_BODY_BYTES);
    let _one_at_a_time = TIMING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let t_small = best_secs(7, || parse(&small));
    let t_large = best_secs(7, || parse(&large));
    let growth = growth(t_small, t_large);
    assert!(
        growth < 7.0,
        "4x the parameters cost {growth:.1}x the time ({t_small:.4} s -> {t_large:.4} s): quadratic"
    );
    // A repeated parameter is still refused.
    let error = parse_token_request(
        "POST",
        [("Content-Type", "application/x-www-form-urlencoded")],
        &format!("{large}&Zz9=1&Zz9=2"),
    )
    .unwrap_err();
    assert_eq!(error.code().as_str(), "request.invalid");
}
