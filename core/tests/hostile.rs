//! Hostile input, natively: every attack class of RFC 8725 and of the issue's list gets its
//! typed error with its code, never a panic, hang or unbounded allocation. The same classes
//! run on every host in its own suite (wasm/tests, python/tests, host-wasmtime/tests).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

#[path = "support/hostile_jwt.rs"]
mod hostile_jwt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use credgate_core::facade::{self, Outcome};
use credgate_core::token::{KeySet, Verifier, VerifyOptions};
use hostile_jwt::*;
use serde_json::{json, Value};

fn verifier() -> Verifier {
    Verifier::new(
        KeySet::from_value(&jwks()).unwrap(),
        VerifyOptions {
            issuer: "https://iss.test".into(),
            audience: "https://aud.test".into(),
            ..Default::default()
        },
    )
}

fn code(token: &str) -> String {
    match verifier().verify(token, NOW) {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code().as_str().to_owned(),
    }
}

#[test]
fn the_fixture_verifies() {
    assert_eq!(code(&token(header(), claims())), "ok");
}

#[test]
fn rfc8725_algorithm_attacks() {
    for alg in [
        "none", "None", "NONE", "nOnE", "", "HS256", "RS256", "ES256", "eddsa", "EDDSA",
    ] {
        let mut h = header();
        h["alg"] = json!(alg);
        assert_eq!(code(&token(h, claims())), "token.unsupported_alg", "{alg}");
    }
    // `alg: none` with an empty signature: refused before any key is looked at.
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    assert_eq!(code(&unsigned), "token.unsupported_alg");
    // HS256 keyed with the public key's bytes (the classic confusion): still an alg refusal.
    let mut h = header();
    h["alg"] = json!("HS256");
    assert_eq!(code(&token(h, claims())), "token.unsupported_alg");
    // alg as a non-string.
    let mut h = header();
    h["alg"] = json!(["EdDSA"]);
    assert_eq!(code(&token(h, claims())), "token.unsupported_alg");
}

#[test]
fn rfc8725_key_and_processing_headers_are_refused() {
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
            code(&token(h, claims())),
            "token.forbidden_header",
            "{name}"
        );
    }
}

#[test]
fn base64url_variants_are_malformed() {
    let good = token(header(), claims());
    let parts: Vec<&str> = good.split('.').collect();
    let padded = format!(
        "{}.{}.{}",
        URL_SAFE.encode(header().to_string()),
        parts[1],
        parts[2]
    );
    let standard_alphabet = good.replace('-', "+").replace('_', "/");
    for (what, bad) in [
        ("padding", padded),
        (
            "standard alphabet",
            if standard_alphabet == good {
                format!("{good}+")
            } else {
                standard_alphabet
            },
        ),
        (
            "whitespace",
            format!("{} .{}.{}", parts[0], parts[1], parts[2]),
        ),
        ("four parts", format!("{good}.x")),
        ("two parts", format!("{}.{}", parts[0], parts[1])),
        (
            "standard base64 header",
            format!(
                "{}.{}.{}",
                STANDARD.encode(b"{\"alg\":\"EdDSA\"}>>"),
                parts[1],
                parts[2]
            ),
        ),
    ] {
        let got = code(&bad);
        assert!(
            got == "token.malformed" || got == "token.bad_signature",
            "{what}: {got}"
        );
    }
}

#[test]
fn duplicate_members_are_malformed_even_when_escaped() {
    let payload = claims().to_string();
    let body = payload.trim_start_matches('{');
    for dup in [
        format!(r#"{{"exp":1,{body}"#),
        format!(r#"{{"\u0065xp":1,{body}"#),
        format!(r#"{{"ex\u0070":{},{body}"#, NOW + 10),
        format!(r#"{{"nested":{{"a":1,"\u0061":2}},{body}"#),
    ] {
        assert_eq!(
            code(&raw_token(header().to_string().as_bytes(), dup.as_bytes())),
            "token.malformed",
            "{dup}"
        );
    }
    let header_dup = br#"{"alg":"EdDSA","typ":"at+jwt","kid":"k1","\u006bid":"k2"}"#;
    assert_eq!(
        code(&raw_token(header_dup, claims().to_string().as_bytes())),
        "token.malformed"
    );
}

#[test]
fn oversized_and_deep_tokens_are_refused_before_work() {
    let huge = "a".repeat(10_000_000);
    assert_eq!(code(&huge), "token.too_large");
    let deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(1500), "]".repeat(1500));
    assert_eq!(
        code(&raw_token(header().to_string().as_bytes(), deep.as_bytes())),
        "token.malformed"
    );
}

#[test]
fn nul_bytes_invalid_utf8_and_lookalikes() {
    assert_eq!(code("\0.\0.\0"), "token.malformed");
    // A payload that is not UTF-8.
    assert_eq!(
        code(&raw_token(
            header().to_string().as_bytes(),
            b"{\"iss\":\"\xff\"}"
        )),
        "token.malformed"
    );
    // A kid that looks like k1 (Cyrillic ka) is another key.
    let mut h = header();
    h["kid"] = json!("\u{043a}1");
    assert_eq!(code(&token(h, claims())), "token.unknown_key");
    // An org that looks like org_1 is another organisation.
    let mut c = claims();
    c["org"] = json!("org_\u{0661}");
    let t = token(header(), c);
    let outcome = verifier().check(
        &t,
        NOW,
        "203.0.113.7",
        &credgate_core::Request::new("vault", "read", None, None, Some("org_1")).unwrap(),
    );
    assert_eq!(outcome.reason().code().as_str(), "deny.org_mismatch");
}

#[test]
fn numbers_at_the_edges_of_their_types() {
    for (exp, expected) in [
        (json!(i64::MAX), "ok"),
        (json!(u64::MAX), "token.invalid_claim"),
        (json!(-1), "token.expired"),
        (json!(i64::MIN), "token.expired"),
        (json!(1.5), "token.invalid_claim"),
        (json!(1e300), "token.invalid_claim"),
        (json!("1800003600"), "token.invalid_claim"),
        (json!(null), "token.invalid_claim"),
    ] {
        let mut c = claims();
        c["exp"] = exp.clone();
        assert_eq!(code(&token(header(), c)), expected, "exp {exp}");
    }
    // Leeway and now at their extremes never overflow.
    let v = Verifier::new(
        KeySet::from_value(&jwks()).unwrap(),
        VerifyOptions {
            issuer: "https://iss.test".into(),
            audience: "https://aud.test".into(),
            leeway: u64::MAX,
            ..Default::default()
        },
    );
    let t = token(header(), claims());
    for now in [i64::MIN, -1, 0, i64::MAX] {
        let _ = v.verify(&t, now);
        let _ = verifier().verify(&t, now);
    }
}

fn failure_code(op: &str, input: Value) -> String {
    match facade::call(op, input) {
        Outcome::Failure(f) => f.code.as_str().to_owned(),
        Outcome::Result(v) | Outcome::Answer(v) => format!("returned {v}"),
    }
}

#[test]
fn facade_inputs_at_the_edges() {
    // Deep nesting, huge arrays, NUL bytes and numbers outside every integer type.
    let deep = (0..200).fold(json!(1), |inner, _| json!([inner]));
    assert_eq!(
        failure_code("validate_spec", json!({ "spec": deep })),
        "input.invalid"
    );
    let text = format!(
        r#"{{"spec":{}{}}}"#,
        "[".repeat(1_000_000),
        "]".repeat(1_000_000)
    );
    let out: Value = serde_json::from_str(&facade::call_json("validate_spec", &text)).unwrap();
    assert_eq!(out["error"], "input.invalid");
    for now in [
        json!(1e20),
        json!(-1e20),
        json!(u64::MAX),
        json!("now"),
        json!(f64::MAX),
    ] {
        assert_eq!(
            failure_code("lint", json!({ "spec": {}, "now": now })),
            "input.invalid",
            "{now}"
        );
    }
    let many: Vec<String> = (0..200_000)
        .map(|i| format!("vault:read:vault:v{i}"))
        .collect();
    let report = facade::call("validate_spec", json!({ "spec": { "permissions": many } }));
    assert!(matches!(report, Outcome::Answer(_)));
    // A NUL escaped in the JSON text reaches the core and is judged; a raw one is not JSON.
    let out = facade::call_json("parse_permission", r#"{"text":"vault:read:org\u0000"}"#);
    assert!(
        out.contains("\"error\":\"permission.unknown_scope\""),
        "{out}"
    );
    let out = facade::call_json("parse_permission", "{\"text\":\"vault:read:org\u{0}\"}");
    assert!(out.contains("input.invalid"), "{out}");
    let out = credgate_core::facade::call_json_bytes(b"parse_permission", b"{\"text\":\"\xff\"}");
    assert!(out.contains("input.invalid"), "{out}");
}
