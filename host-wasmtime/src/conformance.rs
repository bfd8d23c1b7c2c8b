//! The conformance runner of the wasmtime host (`credgate conformance PATH...`).
//!
//! Vector loading and the JSON-subset comparison (with the "as sets" arrays) are the
//! shared ones of `credgate-conformance`, the same code the native runner uses. This module
//! runs each case through the library's typed API, so through the WebAssembly module: the
//! case input becomes the operation's input type, the typed call returns the operation's
//! answer type in its [`Outcome`], and that outcome, encoded again, is what the case's
//! `expect` is compared with. A case passes only if the typed types carry every member the
//! vectors check.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub use credgate_conformance::Summary;

use crate::error::HostError;
use crate::ops::*;
use crate::runtime::Host;

/// The host name in the summary line: `wasmtime: N passed, M failed`.
pub const HOST_NAME: &str = "wasmtime";

/// Runs every case of every vector file or folder in `paths` through `host`.
///
/// An operation the engine does not list is reported as unknown (a failure); a host
/// failure (trap, limit, ABI) fails the case with `{"host_error": code, "message": …}` as
/// the output.
pub fn run(host: &mut Host, paths: &[PathBuf]) -> Summary {
    credgate_conformance::run(paths, |op, input| {
        let op = Operation::from_name(op)?;
        Some(
            call(host, op, input)
                .unwrap_or_else(|e| json!({ "host_error": e.code(), "message": e.to_string() })),
        )
    })
}

/// One call through the typed API: `input` read as `op`'s input type, the typed outcome,
/// and its wire form (the answer's members and `"outcome"`).
pub fn call(host: &mut Host, op: Operation, input: &Value) -> Result<Value, HostError> {
    match op {
        Operation::ParsePermission => typed::<ParsePermissionInput>(host, input),
        Operation::ValidateSpec => typed::<ValidateSpecInput>(host, input),
        Operation::IpAllowed => typed::<IpAllowedInput>(host, input),
        Operation::Authorize => typed::<AuthorizeInput>(host, input),
        Operation::VerifyToken => typed::<VerifyTokenInput>(host, input),
        Operation::Check => typed::<CheckInput>(host, input),
        Operation::ParseTokenRequest => typed::<TokenRequestInput>(host, input),
        Operation::IssueToken => typed::<IssueTokenInput>(host, input),
        Operation::Preview => typed::<PreviewInput>(host, input),
        Operation::Lint => typed::<LintInput>(host, input),
        Operation::CreateCredential => typed::<CreateCredentialInput>(host, input),
        Operation::UpdateCredential => typed::<UpdateCredentialInput>(host, input),
        Operation::SetTypeDefaults => typed::<SetTypeInput>(host, input),
        Operation::PublicJwks => typed::<PublicJwksInput>(host, input),
        Operation::ParseBearer => typed::<BearerInput>(host, input),
        Operation::VerifySecret => typed::<VerifySecretInput>(host, input),
        Operation::Explain => typed::<ExplainInput>(host, input),
        Operation::Diff => typed::<DiffInput>(host, input),
        Operation::RotateSecret => typed::<RotateSecretInput>(host, input),
        Operation::Suggest => typed::<SuggestInput>(host, input),
        Operation::SignRevocations => typed::<SignRevocationsInput>(host, input),
        Operation::LoadRevocations => typed::<LoadRevocationsInput>(host, input),
        Operation::Vocabulary => typed::<VocabularyInput>(host, input),
    }
}

/// `input` as `I`, through [`Host::outcome`]. An input that `I` refuses goes to the guest
/// as it is: the engine refuses it with the same serde message (`input.invalid`), and its
/// outcome is decoded with the same answer type.
fn typed<I: Input + DeserializeOwned>(host: &mut Host, input: &Value) -> Result<Value, HostError> {
    let outcome = match I::deserialize(input) {
        Ok(typed) => host.outcome(&typed)?,
        Err(_) => host.outcome_json::<I::Answer>(I::OP, &input.to_string())?,
    };
    Ok(credgate_conformance::wire(outcome))
}

/// The closing line for `summary`.
pub fn summary_line(summary: &Summary) -> String {
    format!("{HOST_NAME}: {}", summary.line())
}

/// Vector files under `paths` (files, or folders searched recursively), in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    credgate_conformance::collect_files(paths)
}
