//! Hostile input through this host's typed API (the guest in wasmtime): each attack class
//! gets its typed error with its code, never a trap, a hang or unbounded memory, and the
//! host keeps serving afterwards. The same classes as `core/tests/hostile.rs`, run where a
//! wasmtime user runs them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

#[path = "../../core/tests/support/hostile_jwt.rs"]
mod hostile_jwt;

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use credgate_wasmtime::*;
use hostile_jwt::*;
use serde_json::json;

fn host() -> Host {
    CredgateModule::embedded(Limits::default())
        .expect("build the guest first: make build-wasmtime")
        .host()
}

fn verify_input(token: &str, now: i64) -> VerifyTokenInput {
    serde_json::from_value(json!({
        "token": token, "now": now, "jwks": jwks(),
        "issuer": "https://iss.test", "audience": "https://aud.test",
    }))
    .unwrap()
}

/// The code the typed `verify_token` gives (`ok` when it verifies).
fn code(host: &mut Host, token: &str) -> String {
    match host.verify_token(&verify_input(token, NOW)) {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code().to_owned(),
    }
}

fn still_serving(host: &mut Host) {
    assert_eq!(code(host, &token(header(), claims())), "ok");
}

#[test]
fn rfc8725_attacks_get_their_codes() {
    let mut host = host();
    still_serving(&mut host);
    for alg in ["none", "None", "NONE", "", "HS256", "RS256", "eddsa"] {
        let mut h = header();
        h["alg"] = json!(alg);
        assert_eq!(
            code(&mut host, &token(h, claims())),
            "token.unsupported_alg",
            "{alg}"
        );
    }
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    assert_eq!(code(&mut host, &unsigned), "token.unsupported_alg");
    let attacker = URL_SAFE_NO_PAD.encode([9u8; 32]);
    for (name, value) in [
        (
            "jwk",
            json!({ "kty": "OKP", "crv": "Ed25519", "x": attacker }),
        ),
        ("jku", json!("https://attacker.test/jwks.json")),
        ("x5u", json!("https://attacker.test/cert.pem")),
        ("x5c", json!(["MIIB"])),
        ("crit", json!(["exp"])),
        ("b64", json!(false)),
    ] {
        let mut h = header();
        h[name] = value;
        assert_eq!(
            code(&mut host, &token(h, claims())),
            "token.forbidden_header",
            "{name}"
        );
    }
    still_serving(&mut host);
}

#[test]
fn encodings_duplicates_and_lookalikes() {
    let mut host = host();
    let good = token(header(), claims());
    let parts: Vec<&str> = good.split('.').collect();
    let padded = format!(
        "{}.{}.{}",
        URL_SAFE.encode(header().to_string()),
        parts[1],
        parts[2]
    );
    assert_eq!(code(&mut host, &padded), "token.malformed");
    let body = claims().to_string();
    let body = body.trim_start_matches('{');
    for dup in [
        format!(r#"{{"exp":1,{body}"#),
        format!(r#"{{"\u0065xp":1,{body}"#),
    ] {
        let t = raw_token(header().to_string().as_bytes(), dup.as_bytes());
        assert_eq!(code(&mut host, &t), "token.malformed", "{dup}");
    }
    assert_eq!(code(&mut host, "\0.\0.\0"), "token.malformed");
    let t = raw_token(header().to_string().as_bytes(), b"{\"iss\":\"\xff\"}");
    assert_eq!(code(&mut host, &t), "token.malformed");
    let mut h = header();
    h["kid"] = json!("\u{043a}1");
    assert_eq!(code(&mut host, &token(h, claims())), "token.unknown_key");
    still_serving(&mut host);
}

#[test]
fn sizes_depth_and_numbers_at_the_edges() {
    let mut host = host();
    // Past the host's input limit the guest is never called; below it, the engine answers.
    let big = "a".repeat(2 << 20);
    assert_eq!(code(&mut host, &big), "host.input_too_large");
    assert_eq!(code(&mut host, &"a".repeat(9000)), "token.too_large");
    let deep = format!(
        r#"{{"spec":{}{}}}"#,
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let out: Outcome<SpecReport> = host.outcome_json(Operation::ValidateSpec, &deep).unwrap();
    assert!(
        matches!(out, Outcome::Failure(ref f) if f.code == Code::InputInvalid),
        "{out:?}"
    );
    for (exp, expected) in [
        (json!(i64::MAX), "ok"),
        (json!(u64::MAX), "token.invalid_claim"),
        (json!(-1), "token.expired"),
        (json!(1.5), "token.invalid_claim"),
        (json!(null), "token.invalid_claim"),
    ] {
        let mut c = claims();
        c["exp"] = exp.clone();
        assert_eq!(code(&mut host, &token(header(), c)), expected, "exp {exp}");
    }
    for now in [i64::MIN, i64::MAX] {
        let _ = host.verify_token(&verify_input(&token(header(), claims()), now));
    }
    let many: Vec<String> = (0..30_000)
        .map(|i| format!("vault:read:vault:v{i}"))
        .collect();
    let report = host
        .validate_spec(&serde_json::from_value(json!({ "spec": { "permissions": many } })).unwrap())
        .unwrap();
    assert!(!report.ok);
    still_serving(&mut host);
}
