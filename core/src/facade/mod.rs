//! The façade every host calls: one typed input and one typed outcome per operation.
//!
//! Each operation of [`Operation`] has an input type (`Deserialize`) and an answer type
//! (`Serialize` and `Deserialize`), and a function from one to the other in [`ops`]. The
//! outcome of a call is explicit ([`Outcome`]):
//!
//! - a **result**: what the caller asked for (claims, a parsed permission, a credential);
//! - an **answer** the caller acts on: a decision, a refusal with its HTTP status, a
//!   validation report, a lint verdict;
//! - a **failure** ([`Failure`]: a code, a message and details): input that cannot be
//!   evaluated at all.
//!
//! Which outcome an operation gives is decided here, once, per operation (SPEC §9; the
//! table is in docs/OUTCOMES.md). Hosts return results and answers and raise failures,
//! from the variant alone: no host reads member names to guess. On the wire (JSON text:
//! [`call_json`], the raw ABI, the CLI) the outcome is the member `"outcome"` beside the
//! answer's own members, in the shape CONFORMANCE.md describes.
//!
//! This module converts and dispatches; every decision is made by the modules it calls.
//! It never builds JSON by hand.

mod input;
pub mod ops;
pub mod prepared;
pub mod revocations;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codes::Code;
use crate::error::{Error, InputError, UnknownOp};
use crate::spec::Problem;
use crate::vocabulary::vocabulary;

pub use input::{
    AllowlistEntries, Headers, PermissionEntries, PermissionEntry, PermissionList, Seconds,
    UnixSeconds,
};
pub use ops::*;
pub use prepared::*;
pub use revocations::*;

vocabulary!(
    /// Every operation of the façade, by name (CONFORMANCE.md's table plus the host helpers
    /// `create_credential`, `update_credential`, `set_type_defaults`, `public_jwks`,
    /// `parse_bearer`, `verify_secret` and `vocabulary`, and docs/LIFECYCLE.md's revocation lists).
    Operation ("an operation name such as `check`") {
        ParsePermission => "parse_permission",
        ValidateSpec => "validate_spec",
        IpAllowed => "ip_allowed",
        Authorize => "authorize",
        VerifyToken => "verify_token",
        Check => "check",
        ParseTokenRequest => "parse_token_request",
        IssueToken => "issue_token",
        Preview => "preview",
        Lint => "lint",
        CreateCredential => "create_credential",
        UpdateCredential => "update_credential",
        SetTypeDefaults => "set_type_defaults",
        PublicJwks => "public_jwks",
        ParseBearer => "parse_bearer",
        VerifySecret => "verify_secret",
        Explain => "explain",
        Diff => "diff",
        RotateSecret => "rotate_secret",
        Suggest => "suggest",
        SignRevocations => "sign_revocations",
        LoadRevocations => "load_revocations",
        Vocabulary => "vocabulary",
    }
);

/// Every operation name, for hosts that list them.
pub const OPS: [&str; Operation::ALL.len()] = {
    let mut names = [""; Operation::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        #[expect(
            clippy::indexing_slicing,
            reason = "evaluated at compile time: an index out of bounds fails the build"
        )]
        let op = Operation::ALL[i];
        #[expect(
            clippy::indexing_slicing,
            reason = "evaluated at compile time: an index out of bounds fails the build"
        )]
        let slot = &mut names[i];
        *slot = op.as_str();
        i += 1;
    }
    names
};

/// How a host takes a successful call: both are returned, never raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Kind {
    /// What the caller asked for.
    Result,
    /// A decision, refusal, report or verdict the caller acts on.
    Answer,
}

/// An operation's answer type: which [`Kind`] a value of it is.
pub trait Reply: Serialize {
    /// Result or answer; some types hold either (a parsed token request, or a refusal).
    fn kind(&self) -> Kind;
}

/// What a call gives back, tagged with `"outcome"` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Outcome<T> {
    /// What the caller asked for.
    Result(T),
    /// A decision, refusal, report or verdict the caller acts on.
    Answer(T),
    /// Input that cannot be evaluated.
    Failure(Failure),
}

impl<T: Reply> Outcome<T> {
    /// The outcome of an operation function.
    pub fn of(result: Result<T, Error>) -> Self {
        match result {
            Ok(value) => match value.kind() {
                Kind::Result => Self::Result(value),
                Kind::Answer => Self::Answer(value),
            },
            Err(error) => Self::Failure(Failure::from(error)),
        }
    }
}

impl<T> Outcome<T> {
    /// What a host returns (`Ok`, a result or an answer) or raises (`Err`).
    pub fn into_result(self) -> Result<T, Failure> {
        match self {
            Self::Result(value) | Self::Answer(value) => Ok(value),
            Self::Failure(failure) => Err(failure),
        }
    }
}

/// A failure, as every host reports it: the code, a message a person can act on, and the
/// details the error carries (the `index` of a bad permission in a list; every problem of
/// an invalid spec in `errors`). On the wire the code is the member `error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Failure {
    /// Always `false`: the CONFORMANCE.md shape of a failed operation.
    pub ok: bool,
    /// The stable code.
    #[serde(rename = "error")]
    pub code: Code,
    /// What went wrong and what to do about it.
    pub message: String,
    /// The position of the bad entry of a permission list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Every problem of an invalid spec.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

impl Failure {
    /// A failure with no details.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            ok: false,
            code,
            message: message.into(),
            index: None,
            errors: Vec::new(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Failure {}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let mut failure = Self::new(error.code(), error.to_string());
        match error {
            Error::PermissionAt(e) => failure.index = Some(e.index),
            Error::Validation(e) => failure.errors = e.problems,
            _ => {}
        }
        failure
    }
}

/// Reads an operation's typed input from a JSON value; a wrong shape is `input.invalid`
/// with serde's message, which names what was expected in the user's terms.
pub fn input<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| InputError::new(json_terms(&e.to_string())).into())
}

/// serde names JSON's kinds in its own data model ("sequence", "map", "unit value"); a
/// person reading the message wrote JSON, so say "array", "object" and "null".
fn json_terms(message: &str) -> String {
    [
        ("invalid type: sequence", "invalid type: array"),
        ("invalid type: map", "invalid type: object"),
        ("invalid type: unit value", "invalid type: null"),
    ]
    .iter()
    .fold(message.to_owned(), |text, (serde, json)| {
        text.replace(serde, json)
    })
}

/// Where the outcome of a dispatched call goes: a JSON value or JSON text.
trait Sink {
    type Out;
    fn take<T: Serialize>(self, outcome: Outcome<T>) -> Self::Out;
}

/// Where an operation's typed input is read from: a JSON value, or JSON text that
/// [`crate::json::check_strict`] accepted (read straight into the typed input: no value tree).
trait Source {
    fn read<T: DeserializeOwned>(self) -> Result<T, Error>;
}

impl Source for Value {
    fn read<T: DeserializeOwned>(self) -> Result<T, Error> {
        input(self)
    }
}

/// JSON text already checked by [`crate::json::check_strict`].
struct CheckedText<'a>(&'a [u8]);

impl Source for CheckedText<'_> {
    fn read<T: DeserializeOwned>(self) -> Result<T, Error> {
        crate::json::from_text_checked(self.0).map_err(|e| {
            // The position serde_json adds to a text's errors is left out: the message is the
            // same as for the same input given as a value.
            let message = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&position).unwrap_or(&message);
            InputError::new(json_terms(message)).into()
        })
    }
}

/// Runs `op` on `source` and hands its typed outcome to `sink`.
fn dispatch<S: Sink>(op: Operation, source: impl Source, sink: S) -> S::Out {
    fn run<I: DeserializeOwned, T: Reply, S: Sink>(
        source: impl Source,
        sink: S,
        operation: fn(I) -> Result<T, Error>,
    ) -> S::Out {
        sink.take(Outcome::of(source.read().and_then(operation)))
    }
    match op {
        Operation::ParsePermission => run(source, sink, parse_permission),
        Operation::ValidateSpec => run(source, sink, validate_spec),
        Operation::IpAllowed => run(source, sink, ip_allowed),
        Operation::Authorize => run(source, sink, authorize),
        Operation::VerifyToken => run(source, sink, verify_token),
        Operation::Check => run(source, sink, check),
        Operation::ParseTokenRequest => run(source, sink, parse_token_request),
        Operation::IssueToken => run(source, sink, issue_token),
        Operation::Preview => run(source, sink, preview),
        Operation::Lint => run(source, sink, lint),
        Operation::CreateCredential => run(source, sink, create_credential),
        Operation::UpdateCredential => run(source, sink, update_credential),
        Operation::SetTypeDefaults => run(source, sink, set_type_defaults),
        Operation::PublicJwks => run(source, sink, public_jwks),
        Operation::ParseBearer => run(source, sink, parse_bearer),
        Operation::VerifySecret => run(source, sink, verify_secret),
        Operation::Explain => run(source, sink, explain),
        Operation::Diff => run(source, sink, diff),
        Operation::RotateSecret => run(source, sink, rotate_secret),
        Operation::Suggest => run(source, sink, suggest),
        Operation::SignRevocations => run(source, sink, sign_revocations),
        Operation::LoadRevocations => run(source, sink, load_revocations),
        Operation::Vocabulary => run(source, sink, vocabulary),
    }
}

fn operation(op: &str) -> Result<Operation, Failure> {
    Operation::from_name(op).ok_or_else(|| Error::from(UnknownOp(op.to_owned())).into())
}

/// Outcomes as JSON values, for hosts that convert values (JS objects, Python dicts).
struct ToValue;

impl Sink for ToValue {
    type Out = Outcome<Value>;

    fn take<T: Serialize>(self, outcome: Outcome<T>) -> Outcome<Value> {
        let encode = |value: T| {
            serde_json::to_value(value).map_err(|e| {
                Failure::new(
                    Code::InputInvalid,
                    format!("the answer could not be encoded: {e}"),
                )
            })
        };
        match outcome {
            Outcome::Result(value) => encode(value).map_or_else(Outcome::Failure, Outcome::Result),
            Outcome::Answer(value) => encode(value).map_or_else(Outcome::Failure, Outcome::Answer),
            Outcome::Failure(failure) => Outcome::Failure(failure),
        }
    }
}

/// Outcomes as JSON text, written straight from the typed answer.
struct ToText;

impl Sink for ToText {
    type Out = String;

    fn take<T: Serialize>(self, outcome: Outcome<T>) -> String {
        serde_json::to_string(&outcome).unwrap_or_else(|e| {
            let failure: Outcome<T> = Outcome::Failure(Failure::new(
                Code::InputInvalid,
                format!("the answer could not be encoded: {e}"),
            ));
            // A failure holds only strings, numbers and problems: it always encodes.
            serde_json::to_string(&failure).unwrap_or_default()
        })
    }
}

/// Runs one operation on a JSON value: a host converts the value from its own (strictly:
/// see [`crate::json`]) and the outcome back.
pub fn call(op: &str, input: Value) -> Outcome<Value> {
    match operation(op) {
        Ok(_) if !crate::json::within_depth(&input) => {
            Outcome::Failure(Failure::from(Error::from(InputError::new(format!(
                "the input is nested deeper than {} levels",
                crate::json::MAX_DEPTH
            )))))
        }
        Ok(op) => dispatch(op, input, ToValue),
        Err(failure) => Outcome::Failure(failure),
    }
}

/// Runs one operation on JSON text and returns the outcome as JSON text (never fails:
/// unknown operations and input that is not strict JSON are failures in the text).
pub fn call_json(op: &str, input: &str) -> String {
    call_json_bytes(op.as_bytes(), input.as_bytes())
}

/// [`call_json`] on raw bytes, for hosts that receive them (the raw ABI): an operation name
/// or input that is not UTF-8 is a failure like any other.
pub fn call_json_bytes(op: &[u8], input: &[u8]) -> String {
    let op = std::str::from_utf8(op).map_err(|_| {
        Failure::from(Error::from(UnknownOp(
            String::from_utf8_lossy(op).into_owned(),
        )))
    });
    match op.and_then(|op| checked_text(op, input)) {
        Ok((op, text)) => dispatch(op, text, ToText),
        Err(failure) => ToText.take(Outcome::<()>::Failure(failure)),
    }
}

/// Runs one operation on JSON text, like [`call_json_bytes`], and returns the outcome as a
/// JSON value, for hosts that convert the answer to their own values. The typed input is
/// read straight from the text, after a strictness check that builds nothing (SPEC §9:
/// duplicate member names at any depth and nesting deeper than 128 levels are
/// `input.invalid`): no JSON value of the whole input is ever built, so a large input (a
/// list of a million permissions) costs its typed form only. The outcome is the one
/// [`call`] gives for the same input as a value.
pub fn call_text(op: &str, input: &[u8]) -> Outcome<Value> {
    match checked_text(op, input) {
        Ok((op, text)) => dispatch(op, text, ToValue),
        Err(failure) => Outcome::Failure(failure),
    }
}

/// Reads an operation's typed input from JSON text (checked like [`call_text`]'s): for hosts
/// that prepare an object from a large input (a permission list) without a value tree.
pub fn input_text<T: DeserializeOwned>(text: &[u8]) -> Result<T, Failure> {
    check_text(text)?;
    CheckedText(text).read().map_err(Failure::from)
}

/// The operation, and its input checked by [`crate::json::check_strict`].
fn checked_text<'a>(op: &str, input: &'a [u8]) -> Result<(Operation, CheckedText<'a>), Failure> {
    let op = operation(op)?;
    check_text(input)?;
    Ok((op, CheckedText(input)))
}

fn check_text(input: &[u8]) -> Result<(), Failure> {
    crate::json::check_strict(input).map_err(|e| {
        Error::from(InputError::new(format!(
            "the input is not strict JSON: {e}"
        )))
        .into()
    })
}
