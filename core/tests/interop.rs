//! Independent interop: EdDSA access tokens minted by PyJWT (an implementation nobody here
//! wrote; see tests/interop/README.md) verify in credgate with the claims PyJWT put in.
//! The other direction (credgate's tokens verify in PyJWT) runs in the Python test suite.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use credgate_core::{KeySet, Verifier, VerifyOptions};
use serde_json::Value;

const FIXTURES: &str = include_str!("../../tests/interop/pyjwt_tokens.json");

/// The fixtures, and a verifier for their JWKS, issuer and audience.
fn fixtures() -> (Value, Verifier) {
    let fixtures: Value = serde_json::from_str(FIXTURES).unwrap();
    let verifier = Verifier::new(
        KeySet::from_value(&fixtures["jwks"]).unwrap(),
        VerifyOptions {
            issuer: fixtures["issuer"].as_str().unwrap().to_owned(),
            audience: fixtures["audience"].as_str().unwrap().to_owned(),
            ..Default::default()
        },
    );
    (fixtures, verifier)
}

#[test]
fn pyjwt_tokens_verify_in_credgate() {
    let (fixtures, verifier) = fixtures();
    let now = fixtures["now"].as_i64().unwrap();
    let tokens = fixtures["tokens"].as_array().unwrap();
    assert!(tokens.len() >= 3);
    for case in tokens {
        let name = case["name"].as_str().unwrap();
        let claims = verifier
            .verify(case["token"].as_str().unwrap(), now)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = serde_json::to_value(&claims).unwrap();
        for (claim, expected) in case["expect_claims"].as_object().unwrap() {
            assert_eq!(&got[claim], expected, "{name}: claim {claim}");
        }
    }
}

#[test]
fn a_pyjwt_token_fails_with_a_tampered_payload() {
    let (fixtures, verifier) = fixtures();
    let token = fixtures["tokens"][0]["token"].as_str().unwrap();
    let (header, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged_payload = credgate_core::encoding::b64url_encode(br#"{"iss":"x"}"#);
    let forged = format!("{header}.{forged_payload}.{signature}");
    let error = verifier
        .verify(&forged, fixtures["now"].as_i64().unwrap())
        .unwrap_err();
    assert_eq!(error.code(), "token.bad_signature");
}
