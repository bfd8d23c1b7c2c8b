//! `token inspect`: a token's header and claims, decoded without verifying anything.
//!
//! The engine has no decode-without-verify operation, on purpose: everything it returns
//! from a token has been verified. Inspecting is a debugging aid, so it lives here, in the
//! CLI, and is labelled as unverified (`"verified": false`, a warning on stderr). It reuses
//! the core's own strict primitives — canonical base64url without padding
//! (`encoding::b64url_decode`) and JSON without duplicate member names
//! (`parse_json_strict`) — and the core's size cap (`token::MAX_TOKEN_BYTES`), so what it
//! calls malformed is what verification would call `token.malformed` or `token.too_large`.

use credgate_core::encoding::b64url_decode;
use credgate_core::token::MAX_TOKEN_BYTES;
use serde_json::{json, Value};

use crate::Stop;

/// The decoded token: `{"verified": false, "header", "claims", "signature_bytes"}`.
pub fn inspect(token: &str) -> Result<Value, Stop> {
    let malformed = |why: &str| Stop::Usage(format!("not a compact JWS token: {why}"));
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed(&format!(
            "{} bytes, the limit is {MAX_TOKEN_BYTES}",
            token.len()
        )));
    }
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected three parts separated by `.`"));
    };
    let object = |part: &str, name: &str| -> Result<Value, Stop> {
        let bytes = b64url_decode(part).ok_or_else(|| {
            malformed(&format!(
                "the {name} is not canonical base64url without padding"
            ))
        })?;
        match credgate_core::parse_json_strict(&bytes) {
            Ok(value @ Value::Object(_)) => Ok(value),
            _ => Err(malformed(&format!(
                "the {name} is not a JSON object with distinct member names"
            ))),
        }
    };
    let header = object(header, "header")?;
    let claims = object(payload, "payload")?;
    let signature = b64url_decode(signature)
        .ok_or_else(|| malformed("the signature is not canonical base64url without padding"))?;
    Ok(json!({
        "verified": false,
        "header": header,
        "claims": claims,
        "signature_bytes": signature.len(),
    }))
}
