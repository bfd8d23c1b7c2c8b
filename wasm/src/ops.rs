//! The one-off functions, one per façade operation (the `full` feature, on by default).
//!
//! Each takes the operation's input (snake_case, the conformance format), fills `now`, `jti`
//! or `entropy` from the host when they are left out, calls [`facade::call`] and returns its
//! result or answer (with `outcome`) or throws its failure: the core's variant decides. The
//! edge build (`--no-default-features`) leaves these out and keeps only the prepared
//! `Verifier` and `PermissionSet`.

use credgate_core::credential::{ENTROPY_BYTES, SECRET_ENTROPY_BYTES};
use credgate_core::facade::{self, Kind, Outcome};
use credgate_core::token::JTI_BYTES;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use crate::convert::{json_from_js, reserve_for_text, Json};
use crate::{
    default_member, default_now, from_js, host, invalid_input, object, read_now, refuse_unknown,
    returned, strings_to_js, throw, unknown_members, CallResult, Now,
};

/// Runs a façade operation on a host-built input: a result or an answer is returned with its
/// `outcome`, a failure thrown, by the core's variant alone.
fn call(op: &str, input: CallResult<Map<String, Value>>) -> Result<JsValue, JsValue> {
    input
        .and_then(|input| finish(facade::call(op, Value::Object(input))))
        .map_err(throw)
}

/// Runs a façade operation whose input object goes to the core unchanged, as JSON text when
/// the input has exact JSON text (the core reads its typed input straight from it: a list of a
/// million permissions is never a tree of JSON values), else as a value.
fn call_plain(op: &str, input: &JsValue) -> Result<JsValue, JsValue> {
    match json_from_js(input) {
        Ok(Json::Text(text)) if text.starts_with('{') => {
            reserve_for_text(&text);
            let outcome = facade::call_text(op, text.as_bytes());
            drop(text);
            finish(outcome).map_err(throw)
        }
        Ok(Json::Text(text)) => call(op, parse_object(&text)),
        Ok(Json::Value(Value::Object(map))) => call(op, Ok(map)),
        Ok(Json::Value(_)) => call(op, Err(invalid_input("the input must be an object"))),
        Err(failure) => Err(throw(failure)),
    }
}

/// Text that is not an object's: read (its strictness errors first), then refused.
fn parse_object(text: &str) -> CallResult<Map<String, Value>> {
    match credgate_core::json::parse_strict(text.as_bytes()).map_err(invalid_input)? {
        Value::Object(map) => Ok(map),
        _ => Err(invalid_input("the input must be an object")),
    }
}

/// A core outcome returned (a result or an answer, with its `outcome`) or a failure.
fn finish(outcome: Outcome<Value>) -> CallResult {
    match outcome {
        Outcome::Result(value) => returned(Kind::Result, value),
        Outcome::Answer(value) => returned(Kind::Answer, value),
        Outcome::Failure(failure) => Err(failure),
    }
}

/// Parses a permission in its text form (`"balances:read:vault:vlt_01"`) or JSON form.
/// Throws `permission.*` when it is invalid.
#[wasm_bindgen(js_name = parsePermission, unchecked_return_type = "ParsedPermission")]
pub fn parse_permission(
    #[wasm_bindgen(unchecked_param_type = "string | Permission")] permission: JsValue,
) -> Result<JsValue, JsValue> {
    let input = from_js(&permission).map(|value| {
        let member = if value.is_string() {
            "text"
        } else {
            "permission"
        };
        Map::from_iter([(member.to_owned(), value)])
    });
    call("parse_permission", input)
}

/// Validates a credential spec and reports every problem at once (returned, not thrown).
#[wasm_bindgen(js_name = validateSpec, unchecked_return_type = "SpecValidation")]
pub fn validate_spec(
    #[wasm_bindgen(unchecked_param_type = "CredentialSpec")] spec: JsValue,
) -> Result<JsValue, JsValue> {
    call("validate_spec", single("spec", &spec))
}

/// Whether a client IP is inside an allowlist. Throws `ip.*` when the allowlist is invalid.
#[wasm_bindgen(js_name = ipAllowed, unchecked_return_type = "IpVerdict")]
pub fn ip_allowed(
    #[wasm_bindgen(unchecked_param_type = "IpAllowedInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("ip_allowed", plain(&input))
}

/// Authorizes a request against a list of permissions. A deny is returned; an invalid
/// request (`request.invalid`) or permission (`permission.*`) is thrown.
#[wasm_bindgen(unchecked_return_type = "Decision")]
pub fn authorize(
    #[wasm_bindgen(unchecked_param_type = "AuthorizeInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call_plain("authorize", &input)
}

/// Verifies an access token and returns its claims; throws `token.*` or `jwks.invalid`.
/// `now` defaults to the current time.
#[wasm_bindgen(js_name = verifyToken, unchecked_return_type = "VerifiedToken")]
pub fn verify_token(
    #[wasm_bindgen(unchecked_param_type = "VerifyTokenInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("verify_token", timed_known::<TokenAt>(&input))
}

/// The edge path: token, client IP, org, permission. Every decision is returned (401 for a
/// token failure, 403 for a denial, 400 for an invalid request) with its `www_authenticate`
/// value; a JWKS that cannot be used is thrown (`jwks.invalid`). `now` defaults to the
/// current time.
#[wasm_bindgen(unchecked_return_type = "CheckResult")]
pub fn check(
    #[wasm_bindgen(unchecked_param_type = "CheckInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("check", timed_known::<facade::CheckRequest>(&input))
}

/// Parses an OAuth 2.0 token request (method, headers, form body). A request the token
/// endpoint must refuse is returned as its OAuth error with HTTP status.
#[wasm_bindgen(js_name = parseTokenRequest, unchecked_return_type = "TokenRequestResult")]
pub fn parse_token_request(
    #[wasm_bindgen(unchecked_param_type = "TokenRequestInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("parse_token_request", plain(&input))
}

/// Issues an access token for a credential (the token endpoint's answer). A refusal is
/// returned as its OAuth error response. `now` defaults to the current time and `jti` to
/// 16 random bytes in hex.
#[wasm_bindgen(js_name = issueToken, unchecked_return_type = "IssueTokenResult")]
pub fn issue_token(
    #[wasm_bindgen(unchecked_param_type = "IssueTokenInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    let input = timed(&input).and_then(|mut input| {
        default_member(&mut input, "jti", || {
            host::random_hex(JTI_BYTES).map(Value::String)
        })?;
        Ok(input)
    });
    call("issue_token", input)
}

/// Creates a credential from a spec: returns the stored record and the client secret (shown
/// once). Throws `spec.invalid` with every problem in `errors` (and the first one's `path`).
/// `now` defaults to the current time, `entropy` to 48 random bytes.
#[wasm_bindgen(js_name = createCredential, unchecked_return_type = "CreatedCredential")]
pub fn create_credential(
    #[wasm_bindgen(unchecked_param_type = "CreateCredentialInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    let input = timed(&input).and_then(|mut input| {
        default_member(&mut input, "entropy", || {
            host::random_hex(ENTROPY_BYTES).map(Value::String)
        })?;
        Ok(input)
    });
    call("create_credential", input)
}

/// Changes a stored credential and returns the updated record: `enable`, `disable`,
/// `delete`, `set_spec` (with `spec`), `set_expiry` (with `expires_at`, `null` for never),
/// `secret_used` and `revoke_secret` (with `secret`, an index). Throws `credential.deleted`,
/// `credential.secret_required`, `spec.invalid`. `now` defaults to the current time.
#[wasm_bindgen(js_name = updateCredential, unchecked_return_type = "UpdatedCredential")]
pub fn update_credential(
    #[wasm_bindgen(unchecked_param_type = "UpdateCredentialInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("update_credential", timed(&input))
}

/// Rotates a credential's client secret: returns the record with a new secret appended (shown
/// once) and the current one retired after `grace_seconds`. Throws `credential.secret_limit`
/// while two live secrets remain. `now` defaults to the current time, `entropy` to 32 random
/// bytes.
#[wasm_bindgen(js_name = rotateSecret, unchecked_return_type = "RotatedSecret")]
pub fn rotate_secret(
    #[wasm_bindgen(unchecked_param_type = "RotateSecretInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    let input = timed(&input).and_then(|mut input| {
        default_member(&mut input, "entropy", || {
            host::random_hex(SECRET_ENTROPY_BYTES).map(Value::String)
        })?;
        Ok(input)
    });
    call("rotate_secret", input)
}

/// Checks a presented client secret against every secret of a stored credential (constant
/// time). With `now`, only the secrets live at `now` count (not defaulted: without it, every
/// secret on the record does).
#[wasm_bindgen(js_name = verifySecret, unchecked_return_type = "SecretCheck")]
pub fn verify_secret(
    #[wasm_bindgen(unchecked_param_type = "VerifySecretInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("verify_secret", maybe_timed(&input))
}

/// The default permissions of a permission set type. Throws `set_type.unknown`.
#[wasm_bindgen(js_name = setTypeDefaults, unchecked_return_type = "SetTypeDefaults")]
pub fn set_type_defaults(
    #[wasm_bindgen(js_name = setType, unchecked_param_type = "SetType")] set_type: JsValue,
) -> Result<JsValue, JsValue> {
    call("set_type_defaults", single("set_type", &set_type))
}

/// Every word a credential spec is made of: resource types with their applicable scopes,
/// actions, set types with a one-line summary and their defaults, environments, statuses and
/// the spec's limits. A form offers these as choices instead of free text.
#[wasm_bindgen(unchecked_return_type = "Vocabulary")]
pub fn vocabulary() -> Result<JsValue, JsValue> {
    call("vocabulary", Ok(Map::new()))
}

/// The public JWKS for a list of signing keys (`{kid, seed}`).
#[wasm_bindgen(js_name = publicJwks, unchecked_return_type = "PublishedJwks")]
pub fn public_jwks(
    #[wasm_bindgen(js_name = signingKeys, unchecked_param_type = "SigningKey[]")]
    signing_keys: JsValue,
) -> Result<JsValue, JsValue> {
    call("public_jwks", single("signing_keys", &signing_keys))
}

/// Reads the Bearer token of an `Authorization` header value (RFC 6750). A missing or
/// malformed header is returned with its HTTP status and `www_authenticate` value.
#[wasm_bindgen(js_name = parseBearer, unchecked_return_type = "BearerResult")]
pub fn parse_bearer(
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] authorization: JsValue,
) -> Result<JsValue, JsValue> {
    call("parse_bearer", single("authorization", &authorization))
}

/// What a list of permissions allows, for an admin page (the project's preview shape).
#[wasm_bindgen(unchecked_return_type = "Preview")]
pub fn preview(
    #[wasm_bindgen(unchecked_param_type = "PreviewInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call_plain("preview", &input)
}

/// Explains a decision (SPEC §10): `authorize`'s answer plus the narrowest single permission
/// that allows the request and, on allow, whether the matched one was wider than needed.
/// Its input and failures are `authorize`'s.
#[wasm_bindgen(unchecked_return_type = "Explanation")]
pub fn explain(
    #[wasm_bindgen(unchecked_param_type = "AuthorizeInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call_plain("explain", &input)
}

/// Compares two versions of a credential spec (SPEC §11): what changed, and whether the new
/// version grants access the old one did not. Invalid specs are returned, not thrown.
#[wasm_bindgen(unchecked_return_type = "SpecDiff")]
pub fn diff(
    #[wasm_bindgen(unchecked_param_type = "DiffInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("diff", plain(&input))
}

/// Proposes a narrower spec from usage: unused permissions removed, wide ones narrowed to
/// what the requests used; its `diff` never grants new access. `now` is not defaulted.
#[wasm_bindgen(unchecked_return_type = "Suggestion")]
pub fn suggest(
    #[wasm_bindgen(unchecked_param_type = "SuggestInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("suggest", maybe_timed(&input))
}

/// Signs a revocation list with a token signing key (entries a token lifetime old are
/// dropped): returns the compact JWS to publish, the entries kept and the epoch. Throws
/// `key.invalid`, or `revocations.invalid` for a list a verifier would refuse. `now`
/// defaults to the current time.
#[wasm_bindgen(js_name = signRevocations, unchecked_return_type = "SignedRevocations")]
pub fn sign_revocations(
    #[wasm_bindgen(unchecked_param_type = "SignRevocationsInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("sign_revocations", timed(&input))
}

/// Verifies a revocation list against a JWKS and issuer: its epoch, signing time and entries.
/// Throws `revocations.invalid`, `jwks.invalid`, or `revocations.stale` when its epoch is
/// lower than `held_epoch`. (A `Verifier` holds a list itself: `Verifier.loadRevocations`.)
#[wasm_bindgen(js_name = loadRevocations, unchecked_return_type = "LoadedRevocations")]
pub fn load_revocations(
    #[wasm_bindgen(unchecked_param_type = "LoadRevocationsInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("load_revocations", plain(&input))
}

/// Advice on a credential spec or a stored record (returned findings), with `usage` on
/// unused permissions. `now` is optional and not defaulted: without it, time-based findings
/// are skipped.
#[wasm_bindgen(unchecked_return_type = "LintReport")]
pub fn lint(
    #[wasm_bindgen(unchecked_param_type = "LintInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    call("lint", maybe_timed(&input))
}

/// Every stable code credgate produces (decision reasons, error codes, lint codes), the same
/// on every host: what `CredgateError.code`, `reason` and `findings[].code` can hold.
#[wasm_bindgen(unchecked_return_type = "Code[]")]
pub fn codes() -> Result<JsValue, JsValue> {
    Ok(strings_to_js(credgate_core::codes::ALL.iter().copied()))
}

/// The operation names of the core's JSON façade, the same on every host.
#[wasm_bindgen(unchecked_return_type = "string[]")]
pub fn operations() -> Result<JsValue, JsValue> {
    Ok(strings_to_js(facade::OPS.iter().copied()))
}

/// The input of an operation whose input object goes to the façade unchanged.
fn plain(input: &JsValue) -> CallResult<Map<String, Value>> {
    object(input, "the input")
}

/// The input of an operation that needs `now`, defaulted to the current time (a given one
/// read as every `now` is: a `Date` or Unix seconds).
/// `when`: what the time is for (only a verification's refuses milliseconds: `Now`).
fn timed_for(input: &JsValue, when: Now) -> CallResult<Map<String, Value>> {
    let mut map = object(input, "the input")?;
    default_now(input, &mut map, when)?;
    Ok(map)
}

/// [`timed_for`] a time that is recorded (issuance, credentials, revocation lists).
fn timed(input: &JsValue) -> CallResult<Map<String, Value>> {
    timed_for(input, Now::Recording)
}

/// The input of an operation whose `now` is optional and not defaulted.
fn maybe_timed(input: &JsValue) -> CallResult<Map<String, Value>> {
    let mut map = object(input, "the input")?;
    read_now(input, &mut map, false, Now::Recording)?;
    Ok(map)
}

/// `timed`, refusing members that neither of the core's input parts reads (`check`'s and
/// `verifyToken`'s input is the verifier's options plus what is judged): an unknown member,
/// like jose's `clockTolerance`, would otherwise change nothing and say nothing.
fn timed_known<T: serde::de::DeserializeOwned>(input: &JsValue) -> CallResult<Map<String, Value>> {
    let map = Value::Object(timed_for(input, Now::Verifying)?);
    let judged = unknown_members::<T>(&map);
    let options = unknown_members::<facade::VerifierInput>(&map);
    let unknown: Vec<String> = options
        .into_iter()
        .filter(|name| judged.contains(name))
        .collect();
    refuse_unknown(&unknown, "option")?;
    match map {
        Value::Object(map) => Ok(map),
        _ => Err(invalid_input("the input must be an object")),
    }
}

/// What `verifyToken` judges besides the verifier's options.
/// (Read as values: `serde_ignored` counts what is read as `IgnoredAny` as ignored.)
#[derive(serde::Deserialize)]
struct TokenAt {
    #[serde(rename = "token")]
    _token: Value,
    #[serde(rename = "now")]
    _now: Value,
}

/// The input of an operation whose façade input has one member, given as the argument
/// (`undefined`, a left-out argument, is an absent member, as in every input object).
fn single(member: &str, value: &JsValue) -> CallResult<Map<String, Value>> {
    if value.is_undefined() {
        return Ok(Map::new());
    }
    Ok(Map::from_iter([(member.to_owned(), from_js(value)?)]))
}
