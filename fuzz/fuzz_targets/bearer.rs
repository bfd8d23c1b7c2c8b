//! The `Authorization` header of a protected request (RFC 6750 §2.1, SPEC §8).
//!
//! The first byte says whether a header is present (odd) or not (even); the rest is its
//! value. `bearer::parse_authorization` must agree with a plain reference reading of
//! `credentials = "Bearer" 1*SP b64token` (scheme case-insensitive), and an accepted token
//! must be a suffix of the header that reads back to itself.
#![no_main]

use credgate_core::bearer::{parse_authorization, BearerError};
use libfuzzer_sys::fuzz_target;

fn is_b64token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// The reference: scheme up to the first space; `Bearer` in any case; then one or more
/// spaces; then `1*b64token-char *"="` and nothing else.
fn reference(header: Option<&str>) -> Result<&str, BearerError> {
    let header = header.unwrap_or("");
    let (scheme, rest) = match header.find(' ') {
        Some(i) => (
            header.get(..i).unwrap_or(""),
            header.get(i + 1..).unwrap_or(""),
        ),
        None => (header, ""),
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = rest.trim_start_matches(' ');
    let chars = token.bytes().take_while(|b| is_b64token_char(*b)).count();
    let padding_only = token.bytes().skip(chars).all(|b| b == b'=');
    if chars > 0 && padding_only {
        Ok(token)
    } else {
        Err(BearerError::Malformed)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&present, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let header = (present & 1 == 1).then_some(text);
    let parsed = parse_authorization(header);
    assert_eq!(parsed, reference(header), "header {header:?}");
    match parsed {
        Ok(token) => {
            assert!(!token.is_empty());
            assert!(text.ends_with(token));
            assert!(!token.contains(' '));
            let again = format!("Bearer {token}");
            assert_eq!(parse_authorization(Some(&again)), Ok(token));
        }
        Err(error) => {
            // Every refusal carries its code, status and challenge.
            assert!(error.code().as_str().starts_with("bearer."));
            assert!(matches!(error.status(), 400 | 401));
            assert!(error.www_authenticate().starts_with("Bearer realm="));
        }
    }
});
