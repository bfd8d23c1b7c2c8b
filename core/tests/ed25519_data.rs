//! Ed25519 edge cases from public data, run through the signature step credgate uses
//! (`token::public_key`, then `token::verify_signature`: ed25519-dalek's `verify_strict`),
//! with the verdict strict verification must give per case, in the style of ed25519-dalek's
//! `tests/validation_criteria.rs`. The data and its licences: `tests/data/README.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test data: a failure is the point"
)]

use credgate_core::encoding::{b64url_decode, hex_decode};
use credgate_core::token::{public_key, verify_signature, KeySet, Verifier, VerifyOptions};
use serde_json::{json, Value};

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn hex(text: &str) -> Vec<u8> {
    hex_decode(text).unwrap_or_else(|| panic!("not hex: {text}"))
}

/// Whether credgate accepts `signature` over `message` by the key encoded as `key`: a key
/// that does not decode is no key (a JWKS skips it), so nothing verifies against it.
fn accepts(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    public_key(key).is_some_and(|key| verify_signature(&key, message, signature).is_ok())
}

#[test]
fn wycheproof_verdicts() {
    let suite = data("wycheproof_ed25519_test.json");
    let mut counts = (0, 0);
    for group in suite["testGroups"].as_array().unwrap() {
        let key = hex(group["publicKey"]["pk"].as_str().unwrap());
        for case in group["tests"].as_array().unwrap() {
            let valid = case["result"] == "valid";
            let got = accepts(
                &key,
                &hex(case["msg"].as_str().unwrap()),
                &hex(case["sig"].as_str().unwrap()),
            );
            assert_eq!(
                got, valid,
                "tcId {} {:?}: {}",
                case["tcId"], case["flags"], case["comment"]
            );
            if valid {
                counts.0 += 1
            } else {
                counts.1 += 1
            }
        }
    }
    assert_eq!(counts, (88, 63), "every case was run");
}

#[test]
fn cctv_verdicts_under_strict_verification() {
    // Strict verification accepts exactly the cases with no flags, or only
    // `low_order_component_*` flags (a torsion component that cofactored checks ignore but
    // that leaves A and R of full order).
    let mut accepted = 0;
    for case in data("cctv_ed25519vectors.json").as_array().unwrap() {
        let flags: Vec<&str> = case["flags"]
            .as_array()
            .map_or(vec![], |f| f.iter().map(|f| f.as_str().unwrap()).collect());
        let expected = flags.iter().all(|f| f.starts_with("low_order_component_"));
        let got = accepts(
            &hex(case["key"].as_str().unwrap()),
            case["msg"].as_str().unwrap().as_bytes(),
            &hex(case["sig"].as_str().unwrap()),
        );
        assert_eq!(got, expected, "case {} {flags:?}", case["number"]);
        accepted += usize::from(got);
    }
    assert_eq!(accepted, 43, "verify_strict accepts 43 of the 914 cases");
}

#[test]
fn speccheck_verdicts() {
    // "Taming the many EdDSAs": strict verification accepts only case 3.
    for (i, case) in data("ed25519_speccheck_cases.json")
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let got = accepts(
            &hex(case["pub_key"].as_str().unwrap()),
            &hex(case["message"].as_str().unwrap()),
            &hex(case["signature"].as_str().unwrap()),
        );
        assert_eq!(got, i == 3, "case {i}");
    }
}

#[test]
fn rfc8032_vectors_verify_and_any_flipped_bit_fails() {
    for vector in data("rfc8032_ed25519_vectors.json")["vectors"]
        .as_array()
        .unwrap()
    {
        let (key, message) = (
            hex(vector["public_key"].as_str().unwrap()),
            hex(vector["message"].as_str().unwrap()),
        );
        let mut signature = hex(vector["signature"].as_str().unwrap());
        assert!(accepts(&key, &message, &signature), "{}", vector["name"]);
        for byte in [0, 31, 32, 63] {
            signature[byte] ^= 1;
            assert!(
                !accepts(&key, &message, &signature),
                "{} byte {byte}",
                vector["name"]
            );
            signature[byte] ^= 1;
        }
        assert!(
            !accepts(&key, &message, &signature[..63]),
            "a 63-byte signature"
        );
    }
}

/// RFC 8037 A.4 and the JOSE cookbook: the EdDSA JWS signature verifies through a JWKS key
/// as credgate reads it (the JWK needs a `kid` to be used); the compact JWS itself is not an
/// access token, so full verification refuses it at the step the SPEC's order reaches first.
#[test]
fn rfc8037_and_cookbook_signatures_verify_through_a_key_set() {
    let rfc = data("rfc8037_examples.json");
    let cookbook = data("ietf_jose_cookbook_curve25519_jws.json");
    let pairs = [
        (
            rfc["A.2_public_key_jwk"].clone(),
            rfc["A.4_signing_input"].clone(),
            rfc["A.4_signature_b64url"].clone(),
        ),
        (
            cookbook["input"]["key"].clone(),
            cookbook["signing"]["sig-input"].clone(),
            cookbook["signing"]["sig"].clone(),
        ),
    ];
    for (jwk, input, signature) in pairs {
        let without_kid = KeySet::from_value(&json!({ "keys": [jwk.clone()] })).unwrap();
        assert_eq!(
            without_kid.len(),
            0,
            "a JWK without kid is skipped (SPEC §6)"
        );
        let mut jwk = jwk;
        jwk.as_object_mut().unwrap().remove("d");
        jwk["kid"] = json!("rfc8037");
        let keys = KeySet::from_value(&json!({ "keys": [jwk] })).unwrap();
        let key = keys.get("rfc8037").unwrap();
        let signature = b64url_decode(signature.as_str().unwrap()).unwrap();
        let input = input.as_str().unwrap().as_bytes();
        assert!(verify_signature(key, input, &signature).is_ok());
        let mut tampered = input.to_vec();
        tampered[0] ^= 1;
        assert!(verify_signature(key, &tampered, &signature).is_err());
    }
    let verifier = Verifier::new(
        KeySet::from_value(&json!({ "keys": [] })).unwrap(),
        VerifyOptions::default(),
    );
    let compact = cookbook["output"]["compact"].as_str().unwrap();
    let refused = verifier.verify(compact, 0).unwrap_err();
    assert_eq!(
        refused.code(),
        "token.malformed",
        "its payload is text, not a JSON object"
    );
}

#[test]
fn jwt_eddsa_negative_cases() {
    let expected = [
        ("pyjwt-ghsa-ffqj-6fqr-9h24-good", "token.wrong_type"),
        (
            "pyjwt-ghsa-ffqj-6fqr-9h24-hs256-confusion",
            "token.unsupported_alg",
        ),
        ("rfc8037-a4-noncanonical-b64-signature", "token.malformed"),
        ("rfc8037-a4-padded", "token.malformed"),
        ("alg-none", "token.malformed"),
    ];
    let cases = data("jwt_eddsa_negative_cases.json");
    for case in cases["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let code = expected
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, c)| *c)
            .expect(id);
        let mut jwk = case["public_key_jwk"].clone();
        jwk["kid"] = json!("k");
        let verifier = Verifier::new(
            KeySet::from_value(&json!({ "keys": [jwk] })).unwrap(),
            VerifyOptions::default(),
        );
        let refused = verifier
            .verify(case["token"].as_str().unwrap(), 0)
            .unwrap_err();
        assert_eq!(refused.code(), code, "{id}");
    }
    // The signature of the "good" case is valid: only credgate's typ and claims refuse it.
    let good = &cases["cases"][0];
    let token = good["token"].as_str().unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let key =
        public_key(&b64url_decode(good["public_key_jwk"]["x"].as_str().unwrap()).unwrap()).unwrap();
    assert!(verify_signature(&key, input.as_bytes(), &b64url_decode(signature).unwrap()).is_ok());
}
