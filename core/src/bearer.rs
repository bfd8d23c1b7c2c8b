//! RFC 6750 Bearer tokens on requests: reading the `Authorization` header and the
//! `WWW-Authenticate` challenge for each refusal.
//!
//! Descriptions in challenges are fixed texts chosen here, never user input, so they can
//! always be sent as quoted strings.

use std::fmt;

use crate::codes::Code;
use crate::reason::Reason;

/// The realm named in every challenge.
pub const REALM: &str = "credgate";

/// The `Authorization` header does not carry a usable bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BearerError {
    /// `bearer.missing`: no header, an empty one, or another scheme (401, no error code).
    Missing,
    /// `bearer.malformed`: `Bearer` followed by something that is not a token (400).
    Malformed,
}

impl BearerError {
    /// The stable SPEC §8 code.
    pub fn code(self) -> Code {
        self.reason().code()
    }

    /// The decision reason for this failure.
    pub fn reason(self) -> Reason {
        match self {
            Self::Missing => Reason::BearerMissing,
            Self::Malformed => Reason::BearerMalformed,
        }
    }

    /// The HTTP status: 401 missing, 400 malformed.
    pub fn status(self) -> u16 {
        self.reason().status()
    }

    /// The `WWW-Authenticate` value to send.
    pub fn www_authenticate(self) -> String {
        www_authenticate(self.reason()).unwrap_or_default()
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "no bearer token: send `Authorization: Bearer <access token>`",
            Self::Malformed => "the Authorization header is not `Bearer <access token>`",
        })
    }
}

impl std::error::Error for BearerError {}

/// Reads the token from an `Authorization` header value (`None` = no header).
/// The scheme is case-insensitive; the token must be an RFC 6750 b64token.
pub fn parse_authorization(header: Option<&str>) -> Result<&str, BearerError> {
    let header = header.unwrap_or_default();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let is_b64token = !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
    if is_b64token {
        Ok(token)
    } else {
        Err(BearerError::Malformed)
    }
}

/// The `WWW-Authenticate` challenge for a refused request (`None` on allow).
///
/// Missing token: `Bearer realm` only (RFC 6750 §3.1); malformed header: `invalid_request`;
/// token failures: `invalid_token`; IP, org and permission denials: `insufficient_scope`.
pub fn www_authenticate(reason: Reason) -> Option<String> {
    let (error, description) = match reason {
        Reason::Allow => return None,
        Reason::BearerMissing => return Some(format!("Bearer realm=\"{REALM}\"")),
        Reason::BearerMalformed => (
            "invalid_request",
            "the Authorization header is not Bearer <token>",
        ),
        Reason::RequestInvalid => ("invalid_request", "the request is not valid"),
        Reason::Token(kind) => ("invalid_token", kind.description()),
        Reason::NoMatchingPermission => (
            "insufficient_scope",
            "the access token does not grant this action",
        ),
        Reason::IpNotAllowed => (
            "insufficient_scope",
            "the client IP address is not allowed for this token",
        ),
        Reason::IpInvalid => (
            "insufficient_scope",
            "the client IP address could not be read",
        ),
        Reason::OrgMismatch => (
            "insufficient_scope",
            "the access token belongs to another organisation",
        ),
    };
    Some(format!(
        "Bearer realm=\"{REALM}\", error=\"{error}\", error_description=\"{description}\""
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_headers() {
        assert_eq!(
            parse_authorization(Some("Bearer abc.def-_~+/=")),
            Ok("abc.def-_~+/=")
        );
        assert_eq!(parse_authorization(Some("bearer x")), Ok("x"));
        assert_eq!(parse_authorization(None), Err(BearerError::Missing));
        assert_eq!(
            parse_authorization(Some("Basic eA==")),
            Err(BearerError::Missing)
        );
        assert_eq!(
            parse_authorization(Some("Bearer")),
            Err(BearerError::Malformed)
        );
        assert_eq!(
            parse_authorization(Some("Bearer a b")),
            Err(BearerError::Malformed)
        );
        assert_eq!(
            parse_authorization(Some("Bearer =")),
            Err(BearerError::Malformed)
        );
    }
}
