//! The one-off functions, one per façade operation (the `full` feature, on by default).
//!
//! Each takes the operation's input object (snake_case, the conformance format), fills `now`,
//! `jti` or `entropy` from the host when they are left out, calls the façade and throws or
//! returns as its [`Failure`] policy says. The edge build (`--no-default-features`) leaves
//! these out and keeps only the prepared `Verifier` and `PermissionSet`.

use credgate_core::credential::ENTROPY_BYTES;
use credgate_core::facade;
use credgate_core::token::JTI_BYTES;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use crate::{
    answer, answer_with, from_js, host, object, returned, strings_to_js, CallError, CallResult,
    Failure,
};

/// Runs a façade operation and throws or returns its output as `failure` says.
fn call(op: &str, input: Value, failure: Failure) -> CallResult {
    let output = facade::call(op, input).map_err(|e| CallError::new(e.code(), e.to_string()))?;
    returned(output, failure)
}

/// Fills a missing (or `null`) member with a host-provided value.
fn default_member(
    input: &mut Map<String, Value>,
    name: &str,
    make: impl FnOnce() -> CallResult<Value>,
) -> CallResult<()> {
    if input.get(name).is_none_or(Value::is_null) {
        input.insert(name.to_owned(), make()?);
    }
    Ok(())
}

fn default_now(input: &mut Map<String, Value>) -> CallResult<()> {
    default_member(input, "now", || Ok(Value::from(host::now())))
}

/// Parses a permission in its text form (`"balances:read:vault:vlt_01"`) or JSON form.
/// Throws `permission.*` when it is invalid.
#[wasm_bindgen(js_name = parsePermission, unchecked_return_type = "ParsedPermission")]
pub fn parse_permission(
    #[wasm_bindgen(unchecked_param_type = "string | Permission")] permission: JsValue,
) -> Result<JsValue, JsValue> {
    answer_with(|| {
        let mut input = Map::new();
        match from_js(&permission)? {
            Value::String(text) => input.insert("text".into(), Value::String(text)),
            other => input.insert("permission".into(), other),
        };
        call("parse_permission", Value::Object(input), Failure::Throw)
    })
}

/// Validates a credential spec and reports every problem at once (returned, not thrown).
#[wasm_bindgen(js_name = validateSpec, unchecked_return_type = "SpecValidation")]
pub fn validate_spec(
    #[wasm_bindgen(unchecked_param_type = "CredentialSpec")] spec: JsValue,
) -> Result<JsValue, JsValue> {
    answer(single("validate_spec", "spec", spec, Failure::Answer))
}

/// Whether a client IP is inside an allowlist. Throws `ip.*` when the allowlist is invalid.
#[wasm_bindgen(js_name = ipAllowed, unchecked_return_type = "IpVerdict")]
pub fn ip_allowed(
    #[wasm_bindgen(unchecked_param_type = "IpAllowedInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(plain("ip_allowed", input, Failure::Answer))
}

/// Authorizes a request against a list of permissions. A deny is returned; an invalid
/// request (`request.invalid`) or permission (`permission.*`) is thrown.
#[wasm_bindgen(unchecked_return_type = "Decision")]
pub fn authorize(
    #[wasm_bindgen(unchecked_param_type = "AuthorizeInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(plain("authorize", input, Failure::Answer))
}

/// Verifies an access token and returns its claims; throws `token.*` or `jwks.invalid`.
/// `now` defaults to the current time.
#[wasm_bindgen(js_name = verifyToken, unchecked_return_type = "VerifiedToken")]
pub fn verify_token(
    #[wasm_bindgen(unchecked_param_type = "VerifyTokenInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(timed("verify_token", input, Failure::Throw))
}

/// The edge path: token, client IP, org, permission. Every decision is returned (401 for a
/// token failure, 403 for a denial, 400 for an invalid request) with its `www_authenticate`
/// value; a JWKS that cannot be used is thrown (`jwks.invalid`). `now` defaults to the
/// current time.
#[wasm_bindgen(unchecked_return_type = "CheckResult")]
pub fn check(
    #[wasm_bindgen(unchecked_param_type = "CheckInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(timed("check", input, Failure::Answer))
}

/// Parses an OAuth 2.0 token request (method, headers, form body). A request the token
/// endpoint must refuse is returned as its OAuth error with HTTP status.
#[wasm_bindgen(js_name = parseTokenRequest, unchecked_return_type = "TokenRequestResult")]
pub fn parse_token_request(
    #[wasm_bindgen(unchecked_param_type = "TokenRequestInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(plain("parse_token_request", input, Failure::Answer))
}

/// Issues an access token for a credential (the token endpoint's answer). A refusal is
/// returned as its OAuth error response. `now` defaults to the current time and `jti` to
/// 16 random bytes in hex.
#[wasm_bindgen(js_name = issueToken, unchecked_return_type = "IssueTokenResult")]
pub fn issue_token(
    #[wasm_bindgen(unchecked_param_type = "IssueTokenInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer_with(|| {
        let mut input = object(input, "the input")?;
        default_now(&mut input)?;
        default_member(&mut input, "jti", || {
            host::random_hex(JTI_BYTES).map(Value::String)
        })?;
        call("issue_token", Value::Object(input), Failure::Answer)
    })
}

/// Creates a credential from a spec: returns the stored record and the client secret (shown
/// once). Throws the first validation problem's code with every problem in `errors`.
/// `now` defaults to the current time, `entropy` to 48 random bytes.
#[wasm_bindgen(js_name = createCredential, unchecked_return_type = "CreatedCredential")]
pub fn create_credential(
    #[wasm_bindgen(unchecked_param_type = "CreateCredentialInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer_with(|| {
        let mut input = object(input, "the input")?;
        default_now(&mut input)?;
        default_member(&mut input, "entropy", || {
            host::random_hex(ENTROPY_BYTES).map(Value::String)
        })?;
        call("create_credential", Value::Object(input), Failure::Throw)
    })
}

/// Enables, disables or deletes a credential, returning the updated record.
/// `now` defaults to the current time.
#[wasm_bindgen(js_name = updateCredential, unchecked_return_type = "UpdatedCredential")]
pub fn update_credential(
    #[wasm_bindgen(unchecked_param_type = "UpdateCredentialInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(timed("update_credential", input, Failure::Throw))
}

/// Checks a presented client secret against a stored credential (constant time).
#[wasm_bindgen(js_name = verifySecret, unchecked_return_type = "SecretCheck")]
pub fn verify_secret(
    #[wasm_bindgen(unchecked_param_type = "VerifySecretInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(plain("verify_secret", input, Failure::Answer))
}

/// The default permissions of a permission set type. Throws `set_type.unknown`.
#[wasm_bindgen(js_name = setTypeDefaults, unchecked_return_type = "SetTypeDefaults")]
pub fn set_type_defaults(
    #[wasm_bindgen(js_name = setType, unchecked_param_type = "SetType")] set_type: JsValue,
) -> Result<JsValue, JsValue> {
    answer(single(
        "set_type_defaults",
        "set_type",
        set_type,
        Failure::Throw,
    ))
}

/// The public JWKS for a list of signing keys (`{kid, seed}`).
#[wasm_bindgen(js_name = publicJwks, unchecked_return_type = "Jwks")]
pub fn public_jwks(
    #[wasm_bindgen(js_name = signingKeys, unchecked_param_type = "SigningKey[]")]
    signing_keys: JsValue,
) -> Result<JsValue, JsValue> {
    answer(single(
        "public_jwks",
        "signing_keys",
        signing_keys,
        Failure::Throw,
    ))
}

/// Reads the Bearer token of an `Authorization` header value (RFC 6750). A missing or
/// malformed header is returned with its HTTP status and `www_authenticate` value.
#[wasm_bindgen(js_name = parseBearer, unchecked_return_type = "BearerResult")]
pub fn parse_bearer(
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] authorization: JsValue,
) -> Result<JsValue, JsValue> {
    answer(single(
        "parse_bearer",
        "authorization",
        authorization,
        Failure::Answer,
    ))
}

/// What a list of permissions allows, for an admin page (the project's preview shape).
#[wasm_bindgen(unchecked_return_type = "Preview")]
pub fn preview(
    #[wasm_bindgen(unchecked_param_type = "PreviewInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(plain("preview", input, Failure::Answer))
}

/// Advice on a credential spec (returned findings). `now` is optional and not defaulted:
/// without it, time-based findings are skipped.
#[wasm_bindgen(unchecked_return_type = "LintReport")]
pub fn lint(
    #[wasm_bindgen(unchecked_param_type = "LintInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    answer(plain("lint", input, Failure::Answer))
}

/// Every stable code credgate produces (decision reasons, error codes, lint codes), the same
/// on every host: what `CredgateError.code`, `reason` and `findings[].code` can hold.
#[wasm_bindgen(unchecked_return_type = "string[]")]
pub fn codes() -> Result<JsValue, JsValue> {
    Ok(strings_to_js(credgate_core::codes::ALL.iter().copied()))
}

/// The operation names of the core's JSON façade, the same on every host.
#[wasm_bindgen(unchecked_return_type = "string[]")]
pub fn operations() -> Result<JsValue, JsValue> {
    Ok(strings_to_js(facade::OPS.iter().copied()))
}

/// An operation whose input object goes to the façade unchanged.
fn plain(op: &str, input: JsValue, failure: Failure) -> CallResult {
    call(op, Value::Object(object(input, "the input")?), failure)
}

/// An operation whose input object needs `now`, defaulted to the current time.
fn timed(op: &str, input: JsValue, failure: Failure) -> CallResult {
    let mut input = object(input, "the input")?;
    default_now(&mut input)?;
    call(op, Value::Object(input), failure)
}

/// An operation whose façade input has one member, taken directly as the argument.
fn single(op: &str, member: &str, value: JsValue, failure: Failure) -> CallResult {
    let mut input = Map::new();
    input.insert(member.to_owned(), from_js(&value)?);
    call(op, Value::Object(input), failure)
}
