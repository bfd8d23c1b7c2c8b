//! Tokens for the hostile-input tests of every Rust host (`core/tests/hostile.rs`,
//! `host-wasmtime/tests/hostile.rs`, which includes this file by path): a fixed Ed25519 key,
//! its JWKS, a claim set that verifies at [`NOW`], and compact tokens over exact bytes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};

/// The time the claims are valid at.
pub const NOW: i64 = 1_800_000_010;

/// The trusted key.
pub fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The JWKS of [`key`], kid `k1`.
pub fn jwks() -> Value {
    let x = URL_SAFE_NO_PAD.encode(key().verifying_key().as_bytes());
    json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1" }] })
}

/// Claims that verify at [`NOW`] for issuer `https://iss.test`, audience `https://aud.test`.
pub fn claims() -> Value {
    json!({
        "iss": "https://iss.test", "sub": "cid_1", "aud": "https://aud.test",
        "client_id": "cid_1", "iat": NOW - 10, "exp": NOW + 3590, "jti": "j1",
        "scope": "vault:read:org", "org": "org_1", "ips": ["0.0.0.0/0"], "env": "sandbox",
    })
}

/// The header credgate issues.
pub fn header() -> Value {
    json!({ "alg": "EdDSA", "typ": "at+jwt", "kid": "k1" })
}

/// A token over exactly these header and payload bytes, signed with the trusted key.
pub fn raw_token(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key().sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// A token over the JSON texts of `header` and `payload`.
pub fn token(header: Value, payload: Value) -> String {
    raw_token(
        header.to_string().as_bytes(),
        payload.to_string().as_bytes(),
    )
}
