//! The one error type of the core ([`Error`]), gathering each module's error with a `From`
//! impl, and its single [`Error::code`].
//!
//! Modules keep their own precise error types (a [`TokenError`] knows its kind, an
//! [`IpError`] the entry at fault); this module only gathers them, so a host maps one type,
//! once, to its own spelling (a JS `Error` with `code`, a Python exception class). It never
//! formats an error for a particular host.

use std::fmt;

use crate::authorize::IndexedPermissionError;
use crate::bearer::BearerError;
use crate::codes::Code;
use crate::credential::CredentialError;
use crate::ip::IpError;
use crate::oauth::OAuthError;
use crate::permission::PermissionError;
use crate::request::RequestError;
use crate::revocation::RevocationError;
use crate::spec::{UnknownSetType, ValidationErrors};
use crate::token::{JwksError, KeyError, TokenError};

/// Any failure of the core, by category. Match on the category for its typed context, or
/// call [`Error::code`] for the stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `input.invalid`: an input that is not of the shape an operation takes.
    Input(InputError),
    /// `op.unknown`: an operation name the façade does not know.
    UnknownOp(UnknownOp),
    /// `permission.*`: a permission that does not parse.
    Permission(PermissionError),
    /// `permission.*` at a position of a list.
    PermissionAt(IndexedPermissionError),
    /// `request.invalid`.
    Request(RequestError),
    /// `ip.*`: an allowlist that is not valid.
    Ip(IpError),
    /// `token.*`.
    Token(TokenError),
    /// `jwks.invalid`.
    Jwks(JwksError),
    /// `key.invalid`: a signing key that is not a `kid` and a 32-byte seed.
    Key(KeyError),
    /// `revocations.invalid`, `revocations.stale`: a revocation list refused.
    Revocation(RevocationError),
    /// `bearer.*`.
    Bearer(BearerError),
    /// A token request refused (its reason is the code).
    OAuth(OAuthError),
    /// `credential.*`, `entropy.insufficient`.
    Credential(CredentialError),
    /// `spec.invalid`, with every problem.
    Validation(ValidationErrors),
    /// `set_type.unknown`.
    SetType(UnknownSetType),
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> Code {
        match self {
            Self::Input(_) => Code::InputInvalid,
            Self::UnknownOp(_) => Code::OpUnknown,
            Self::Permission(e) => e.code(),
            Self::PermissionAt(e) => e.error.code(),
            Self::Request(e) => e.code(),
            Self::Ip(e) => e.code(),
            Self::Token(e) => e.code(),
            Self::Jwks(e) => e.code(),
            Self::Key(e) => e.code(),
            Self::Revocation(e) => e.code(),
            Self::Bearer(e) => e.code(),
            Self::OAuth(e) => e.code(),
            Self::Credential(e) => e.code(),
            Self::Validation(e) => e.code(),
            Self::SetType(_) => Code::SetTypeUnknown,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input(e) => e.fmt(f),
            Self::UnknownOp(e) => e.fmt(f),
            Self::Permission(e) => e.fmt(f),
            Self::PermissionAt(e) => e.fmt(f),
            Self::Request(e) => e.fmt(f),
            Self::Ip(e) => e.fmt(f),
            Self::Token(e) => e.fmt(f),
            Self::Jwks(e) => e.fmt(f),
            Self::Key(e) => e.fmt(f),
            Self::Revocation(e) => e.fmt(f),
            Self::Bearer(e) => e.fmt(f),
            Self::OAuth(e) => e.fmt(f),
            Self::Credential(e) => e.fmt(f),
            Self::Validation(e) => e.fmt(f),
            Self::SetType(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

macro_rules! from_errors {
    ($($variant:ident($error:ty)),+ $(,)?) => {
        $(
            impl From<$error> for Error {
                fn from(error: $error) -> Self {
                    Self::$variant(error)
                }
            }
        )+
    };
}

from_errors!(
    Input(InputError),
    UnknownOp(UnknownOp),
    Permission(PermissionError),
    PermissionAt(IndexedPermissionError),
    Request(RequestError),
    Ip(IpError),
    Token(TokenError),
    Jwks(JwksError),
    Key(KeyError),
    Revocation(RevocationError),
    Bearer(BearerError),
    OAuth(OAuthError),
    Credential(CredentialError),
    Validation(ValidationErrors),
    SetType(UnknownSetType),
);

/// An input that is not of the shape an operation takes (`input.invalid`): not JSON, a
/// member missing or of the wrong type, duplicate member names, nesting deeper than
/// [`crate::json::MAX_DEPTH`], or a value a host cannot read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    message: String,
}

impl InputError {
    /// An input error with a message a person can act on (it says what was expected).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid input: {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// An operation name that is not one of [`crate::facade::Operation::ALL`] (`op.unknown`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOp(pub String);

impl fmt::Display for UnknownOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = crate::facade::Operation::ALL
            .iter()
            .map(|op| op.as_str())
            .collect();
        write!(
            f,
            "unknown operation `{}`: expected one of {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownOp {}
