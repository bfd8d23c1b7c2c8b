//! RFC 6750 Bearer tokens on requests: reading the `Authorization` header and the
//! `WWW-Authenticate` challenge for each refusal.
//!
//! Descriptions in challenges are fixed texts chosen here, never user input, so they can
//! always be sent as quoted strings.

use std::fmt;

use serde::{Deserialize, Serialize};

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

/// The RFC 6750 §3.1 `error` code of a refusal: what a client should do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChallengeError {
    /// `invalid_request`: the request is malformed (400).
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, malformed or otherwise invalid (401).
    InvalidToken,
    /// `insufficient_scope`: the token is valid but does not grant this request (403).
    InsufficientScope,
}

impl ChallengeError {
    /// The code as RFC 6750 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }

    /// Every code, in RFC 6750's order.
    pub const ALL: [Self; 3] = [
        Self::InvalidRequest,
        Self::InvalidToken,
        Self::InsufficientScope,
    ];
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The RFC 6750 error code and fixed description of a refusal; `None` on allow and for a
/// missing token, whose challenge carries no error code (RFC 6750 §3.1).
fn challenge(reason: Reason) -> Option<(ChallengeError, &'static str)> {
    Some(match reason {
        Reason::Allow | Reason::BearerMissing => return None,
        Reason::BearerMalformed => (
            ChallengeError::InvalidRequest,
            "the Authorization header is not Bearer <token>",
        ),
        Reason::RequestInvalid => (ChallengeError::InvalidRequest, "the request is not valid"),
        Reason::Token(kind) => (ChallengeError::InvalidToken, kind.description()),
        Reason::NoMatchingPermission => (
            ChallengeError::InsufficientScope,
            "the access token does not grant this action",
        ),
        Reason::IpNotAllowed => (
            ChallengeError::InsufficientScope,
            "the client IP address is not allowed for this token",
        ),
        Reason::IpInvalid => (
            ChallengeError::InsufficientScope,
            "the client IP address could not be read",
        ),
        Reason::OrgMismatch => (
            ChallengeError::InsufficientScope,
            "the access token belongs to another organisation",
        ),
    })
}

/// The RFC 6750 `error` code a refusal with this reason carries in its challenge (`None` on
/// allow and for a missing token).
pub fn challenge_error(reason: Reason) -> Option<ChallengeError> {
    challenge(reason).map(|(error, _)| error)
}

/// The `WWW-Authenticate` challenge for a refused request (`None` on allow).
///
/// Missing token: `Bearer realm` only (RFC 6750 §3.1); malformed header: `invalid_request`;
/// token failures: `invalid_token`; IP, org and permission denials: `insufficient_scope`.
pub fn www_authenticate(reason: Reason) -> Option<String> {
    if reason == Reason::Allow {
        return None;
    }
    Some(match challenge(reason) {
        None => format!("Bearer realm=\"{REALM}\""),
        Some((error, description)) => format!(
            "Bearer realm=\"{REALM}\", error=\"{error}\", error_description=\"{description}\""
        ),
    })
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

    #[test]
    fn every_refusal_challenge_names_its_error_code() {
        for reason in Reason::all() {
            let challenge = www_authenticate(reason);
            match challenge_error(reason) {
                Some(error) => {
                    let header = challenge.unwrap_or_default();
                    assert!(header.contains(&format!("error=\"{error}\"")), "{header}");
                    let expected = match reason.status() {
                        400 => ChallengeError::InvalidRequest,
                        401 => ChallengeError::InvalidToken,
                        _ => ChallengeError::InsufficientScope,
                    };
                    assert_eq!(error, expected, "{reason}");
                }
                None => {
                    assert!(matches!(reason, Reason::Allow | Reason::BearerMissing));
                    assert!(!challenge.unwrap_or_default().contains("error="));
                }
            }
        }
        let json: Vec<String> = ChallengeError::ALL
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .collect();
        assert_eq!(
            json,
            [
                "\"invalid_request\"",
                "\"invalid_token\"",
                "\"insufficient_scope\""
            ]
        );
    }
}
