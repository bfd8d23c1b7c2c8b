//! The reasons of a decision (SPEC §8) and the kinds of token failure (SPEC §6): the leaf
//! vocabulary that [`crate::authorize`], [`crate::token`], [`crate::check`] and
//! [`crate::bearer`] share, so none of them depends on another for it.
//!
//! This module owns the mapping of each reason to its code and HTTP status. It decides
//! nothing else.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::Code;

/// The kind of a token failure: one stable `token.*` code each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// `token.too_large`
    TooLarge,
    /// `token.malformed`
    Malformed,
    /// `token.unsupported_alg`
    UnsupportedAlg,
    /// `token.wrong_type`
    WrongType,
    /// `token.forbidden_header`
    ForbiddenHeader,
    /// `token.unknown_key`
    UnknownKey,
    /// `token.bad_signature`
    BadSignature,
    /// `token.missing_claim`
    MissingClaim,
    /// `token.invalid_claim`
    InvalidClaim,
    /// `token.expired`
    Expired,
    /// `token.not_yet_valid`
    NotYetValid,
    /// `token.wrong_issuer`
    WrongIssuer,
    /// `token.wrong_audience`
    WrongAudience,
    /// `token.revoked`: the token's `jti` is on the revocation list the host passed.
    Revoked,
}

impl TokenErrorKind {
    /// Every kind, in the SPEC's order of checks (`token.revoked` last).
    pub const ALL: &'static [Self] = &[
        Self::TooLarge,
        Self::Malformed,
        Self::UnsupportedAlg,
        Self::WrongType,
        Self::ForbiddenHeader,
        Self::UnknownKey,
        Self::BadSignature,
        Self::MissingClaim,
        Self::InvalidClaim,
        Self::Expired,
        Self::NotYetValid,
        Self::WrongIssuer,
        Self::WrongAudience,
        Self::Revoked,
    ];

    /// The stable code.
    pub fn code(self) -> Code {
        match self {
            Self::TooLarge => Code::TokenTooLarge,
            Self::Malformed => Code::TokenMalformed,
            Self::UnsupportedAlg => Code::TokenUnsupportedAlg,
            Self::WrongType => Code::TokenWrongType,
            Self::ForbiddenHeader => Code::TokenForbiddenHeader,
            Self::UnknownKey => Code::TokenUnknownKey,
            Self::BadSignature => Code::TokenBadSignature,
            Self::MissingClaim => Code::TokenMissingClaim,
            Self::InvalidClaim => Code::TokenInvalidClaim,
            Self::Expired => Code::TokenExpired,
            Self::NotYetValid => Code::TokenNotYetValid,
            Self::WrongIssuer => Code::TokenWrongIssuer,
            Self::WrongAudience => Code::TokenWrongAudience,
            Self::Revoked => Code::TokenRevoked,
        }
    }

    /// A short fixed description, safe to send in `WWW-Authenticate` (no user input).
    pub fn description(self) -> &'static str {
        match self {
            Self::TooLarge => "the access token is too large",
            Self::Malformed => "the access token is not a well-formed compact JWS",
            Self::UnsupportedAlg => "the access token is not signed with EdDSA",
            Self::WrongType => "the token is not an access token (typ at+jwt)",
            Self::ForbiddenHeader => "the access token header has a forbidden member",
            Self::UnknownKey => "the access token is signed by an unknown key",
            Self::BadSignature => "the access token signature is invalid",
            Self::MissingClaim => "the access token lacks a required claim",
            Self::InvalidClaim => "the access token has an invalid claim",
            Self::Expired => "the access token expired",
            Self::NotYetValid => "the access token is not valid yet",
            Self::WrongIssuer => "the access token is from another issuer",
            Self::WrongAudience => "the access token is for another audience",
            Self::Revoked => "the access token was revoked",
        }
    }
}

/// Why a decision came out the way it did: a SPEC §8 reason code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// `allow`
    Allow,
    /// `deny.no_matching_permission`
    NoMatchingPermission,
    /// `deny.ip_not_allowed`
    IpNotAllowed,
    /// `deny.ip_invalid`
    IpInvalid,
    /// `deny.org_mismatch`
    OrgMismatch,
    /// `request.invalid`
    RequestInvalid,
    /// A `token.*` code.
    Token(TokenErrorKind),
    /// `bearer.missing`: no bearer token in the request.
    BearerMissing,
    /// `bearer.malformed`: an `Authorization` header that is not `Bearer <token>`.
    BearerMalformed,
}

impl Reason {
    /// The stable code.
    pub fn code(self) -> Code {
        match self {
            Self::Allow => Code::Allow,
            Self::NoMatchingPermission => Code::NoMatchingPermission,
            Self::IpNotAllowed => Code::IpNotAllowed,
            Self::IpInvalid => Code::IpInvalid,
            Self::OrgMismatch => Code::OrgMismatch,
            Self::RequestInvalid => Code::RequestInvalid,
            Self::Token(kind) => kind.code(),
            Self::BearerMissing => Code::BearerMissing,
            Self::BearerMalformed => Code::BearerMalformed,
        }
    }

    /// The HTTP status of a decision with this reason: 200 allow, 400 invalid request or
    /// malformed bearer header, 401 token failures, 403 IP, org and permission denials.
    pub fn status(self) -> u16 {
        match self {
            Self::Allow => 200,
            Self::RequestInvalid | Self::BearerMalformed => 400,
            Self::Token(_) | Self::BearerMissing => 401,
            Self::NoMatchingPermission
            | Self::IpNotAllowed
            | Self::IpInvalid
            | Self::OrgMismatch => 403,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code().as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code().as_str())
    }
}

impl Reason {
    /// The reasons that are not token failures.
    const OTHERS: [Self; 8] = [
        Self::Allow,
        Self::NoMatchingPermission,
        Self::IpNotAllowed,
        Self::IpInvalid,
        Self::OrgMismatch,
        Self::RequestInvalid,
        Self::BearerMissing,
        Self::BearerMalformed,
    ];

    /// Every reason: the others, then each token failure.
    pub fn all() -> impl Iterator<Item = Self> {
        Self::OTHERS
            .into_iter()
            .chain(TokenErrorKind::ALL.iter().map(|kind| Self::Token(*kind)))
    }

    /// The reason a code names, when it names one.
    pub fn from_code(code: Code) -> Option<Self> {
        Self::all().find(|r| r.code() == code)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = Code::deserialize(deserializer)?;
        Self::from_code(code).ok_or_else(|| {
            serde::de::Error::custom(format_args!("`{code}` is not a decision reason"))
        })
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Reason {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Reason".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Self::all().map(|r| r.code().as_str()).collect();
        schemars::json_schema!({ "type": "string", "enum": names, "description": "a decision reason" })
    }
}
