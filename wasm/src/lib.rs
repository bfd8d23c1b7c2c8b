//! credgate for JavaScript: the core engine behind `wasm-bindgen`, published as the npm
//! package `credgate`.
//!
//! This crate only converts. A JS value comes in, becomes the core's JSON façade input (as
//! JSON text, read by the core's strict parser: `convert`), the core decides, and its output
//! goes back as a plain JS object in the same snake_case shape every host uses (the
//! conformance format). Nothing here decides
//! anything about permissions, tokens or credentials.
//!
//! Three things live here and nowhere else:
//! - the choice, per function, of whether a failure is thrown or returned (`Failure`);
//! - the one conversion of a failure into a JS `Error` carrying `code` (and `path` / `errors`
//!   for validation problems) — `CallError` and its `From` impl;
//! - the host's clock and entropy: when a call leaves out `now`, `entropy` or `jti`, they come
//!   from `Date.now()` and `crypto.getRandomValues` (`host`). The core never reads either.
//!
//! Two builds come from this crate. The default (feature `full`) has one function per façade
//! operation (`ops`) plus the prepared [`Verifier`] and [`PermissionSet`]; the edge build
//! (`--no-default-features`) keeps only the prepared objects, at about half the
//! size, for edge workers that verify and authorize but never issue.

use credgate_core::authorize::PermissionSet as CorePermissionSet;
use credgate_core::facade;
use credgate_core::token::Verifier as CoreVerifier;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use convert::{from_js, strings_to_js, to_js};

mod convert;
mod host;
#[cfg(feature = "full")]
mod ops;
mod types;

/// Talc instead of Rust's default dlmalloc: a few KB less code in every module and faster
/// allocation (token verification allocates for every claim).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// ---------------------------------------------------------------------------------------
// Errors: one type, one conversion into a JS `Error`.
// ---------------------------------------------------------------------------------------

/// A failure on its way to JavaScript: a stable code, a message a person can act on, and the
/// details the core gives with it: for validation, every problem (`errors`) and the `path` of
/// the first; for a permission list, the `index` of the bad entry.
#[derive(Debug)]
struct CallError {
    code: String,
    message: String,
    details: Map<String, Value>,
}

/// Members of a façade failure output that are copied onto the thrown `Error` as they are.
const DETAILS: [&str; 3] = ["path", "errors", "index"];

impl CallError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            details: Map::new(),
        }
    }

    /// The façade's failure output (`{"error", "message", ...}`) as an error.
    fn from_output(output: &Map<String, Value>) -> Self {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let first = output
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|list| list.first());
        let code = text(output.get("error"))
            .or_else(|| text(first.and_then(|p| p.get("code"))))
            .unwrap_or_else(|| "input.invalid".to_owned());
        let message = text(output.get("message"))
            .or_else(|| text(first.and_then(|p| p.get("message"))))
            .unwrap_or_else(|| code.clone());
        let mut details: Map<String, Value> = DETAILS
            .iter()
            .filter_map(|&name| Some((name.to_owned(), output.get(name)?.clone())))
            .collect();
        if let Some(path) = first.and_then(|p| p.get("path")) {
            details.entry("path").or_insert_with(|| path.clone());
        }
        Self {
            code,
            message,
            details,
        }
    }

    fn invalid_input(message: impl std::fmt::Display) -> Self {
        Self::new("input.invalid", format!("invalid input: {message}"))
    }
}

impl From<CallError> for JsValue {
    fn from(error: CallError) -> JsValue {
        let js = js_sys::Error::new(&error.message);
        js.set_name("CredgateError");
        let object: &JsValue = js.as_ref();
        set(object, "code", &JsValue::from_str(&error.code));
        for (name, value) in &error.details {
            if let Ok(value) = to_js(value) {
                set(object, name, &value);
            }
        }
        js.into()
    }
}

/// Sets a property on an object we just created; that cannot fail for a plain `Error`.
fn set(target: &JsValue, name: &str, value: &JsValue) {
    // `Reflect.set` only fails on frozen objects or throwing setters, never on a fresh Error.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), value);
}

type CallResult<T = JsValue> = Result<T, CallError>;

// ---------------------------------------------------------------------------------------
// Conversion between JS values and the core's JSON values.
// ---------------------------------------------------------------------------------------

/// An input that must be a JSON object (every operation's input is one).
fn object(value: JsValue, what: &str) -> CallResult<Map<String, Value>> {
    match from_js(&value)? {
        Value::Object(map) => Ok(map),
        _ => Err(CallError::invalid_input(format!(
            "{what} must be an object"
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Calling the façade and deciding between a thrown error and a returned answer.
// ---------------------------------------------------------------------------------------

/// What a function does with a failure the core reports as data.
#[derive(Clone, Copy, Debug)]
enum Failure {
    /// The caller asked for a thing (claims, a credential, a parsed permission) and did not get
    /// it: `"ok": false`, `"error"` or `"errors"` is thrown.
    Throw,
    /// The output is an answer the caller acts on: a decision (deny with its HTTP status), an
    /// OAuth error response (status, headers) or a validation report (`errors`). Only an
    /// `"error"` with neither (invalid input, an invalid permission or allowlist) is thrown.
    Answer,
}

/// A façade output, thrown or returned as `failure` says.
fn returned(output: Value, failure: Failure) -> CallResult {
    if let Value::Object(map) = &output {
        let has = |name: &str| map.get(name).is_some_and(|v| !v.is_null());
        let failed = map.get("ok") == Some(&Value::Bool(false));
        let throw = match failure {
            Failure::Throw => failed || has("error") || has("errors"),
            Failure::Answer => has("error") && !has("status") && !has("errors"),
        };
        if throw {
            return Err(CallError::from_output(map));
        }
    }
    to_js(&output)
}

/// The boundary: a result for JavaScript, its error thrown as a `CredgateError`.
fn answer<T>(result: CallResult<T>) -> Result<T, JsValue> {
    result.map_err(JsValue::from)
}

/// [`answer`] for a body that uses `?`.
fn answer_with<T>(body: impl FnOnce() -> CallResult<T>) -> Result<T, JsValue> {
    answer(body())
}

// ---------------------------------------------------------------------------------------
// Prepared objects for the hot path.
// ---------------------------------------------------------------------------------------

/// A parsed JWKS and verification options, prepared once and used for every token.
/// Call `free()` when done (or rely on the FinalizationRegistry where available).
#[wasm_bindgen]
pub struct Verifier {
    inner: CoreVerifier,
}

#[wasm_bindgen]
impl Verifier {
    /// Parses the JWKS (`jwks.invalid` is thrown) and keeps the options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Jwks")] jwks: JsValue,
        #[wasm_bindgen(unchecked_param_type = "VerifierOptions")] options: JsValue,
    ) -> Result<Verifier, JsValue> {
        answer_with(|| {
            let mut input = object(options, "the options")?;
            input.insert("jwks".to_owned(), from_js(&jwks)?);
            let inner = facade::verifier_from(&Value::Object(input)).map_err(failure)?;
            Ok(Verifier { inner })
        })
    }

    /// Verifies a token and returns its claims, like `verifyToken`; throws `token.*`.
    /// `now` defaults to the current time.
    #[wasm_bindgen(unchecked_return_type = "VerifiedToken")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "UnixSeconds | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let token = token
                .as_string()
                .ok_or_else(|| CallError::invalid_input("the token must be a string"))?;
            let now = integer(&now)?.unwrap_or_else(host::now);
            let output = facade::verify_with(&self.inner, &token, now);
            returned(output, Failure::Throw)
        })
    }

    /// The edge path for one request, like `check`: every decision is returned. Give the
    /// `token`, or else the raw `authorization` header value (RFC 6750; absent or `null` is a
    /// missing header: 401 `bearer.missing`). `now` defaults to the current time.
    #[wasm_bindgen(unchecked_return_type = "CheckResult")]
    pub fn check(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VerifierCheckInput")] input: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let input: PreparedCheck =
                serde_json::from_value(from_js(&input)?).map_err(CallError::invalid_input)?;
            let now = input.now.unwrap_or_else(host::now);
            let output = match (input.token, input.authorization) {
                (Some(token), None) => {
                    facade::check_with(&self.inner, &token, now, &input.client_ip, &input.request)
                }
                // No token: the header decides (absent or null = no header = `bearer.missing`).
                (None, authorization) => facade::check_authorization_with(
                    &self.inner,
                    authorization.as_deref(),
                    now,
                    &input.client_ip,
                    &input.request,
                ),
                (Some(_), Some(_)) => {
                    return Err(CallError::invalid_input(
                        "give `token` or `authorization`, not both",
                    ))
                }
            };
            returned(output, Failure::Answer)
        })
    }
}

/// The input of `Verifier.check`.
#[derive(serde::Deserialize)]
struct PreparedCheck {
    token: Option<String>,
    /// The `Authorization` header value, when `token` is not given.
    authorization: Option<String>,
    client_ip: String,
    request: Value,
    now: Option<i64>,
}

/// A permission list compiled once and evaluated many times (an admin page's local checks).
/// Call `free()` when done.
#[wasm_bindgen]
pub struct PermissionSet {
    inner: CorePermissionSet,
}

#[wasm_bindgen]
impl PermissionSet {
    /// Compiles permissions in text or JSON form; the first invalid one is thrown
    /// (`permission.*`, with its `index`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PermissionInput[]")] permissions: JsValue,
    ) -> Result<PermissionSet, JsValue> {
        answer_with(|| {
            let values = match from_js(&permissions)? {
                Value::Array(values) => values,
                _ => return Err(CallError::invalid_input("permissions must be an array")),
            };
            let inner = facade::permission_set_from(&values).map_err(failure)?;
            Ok(PermissionSet { inner })
        })
    }

    /// The canonical texts, in order.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn permissions(&self) -> Result<JsValue, JsValue> {
        Ok(strings_to_js(self.inner.texts().iter().map(|t| &**t)))
    }

    /// Decides a request, like `authorize`: a deny is returned, an invalid request thrown.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn authorize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Request")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] org: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let org: Option<String> = match org.as_string() {
                Some(org) => Some(org),
                None => serde_json::from_value(from_js(&org)?).map_err(CallError::invalid_input)?,
            };
            let output = facade::authorize_with(&self.inner, &from_js(&request)?, org.as_deref());
            returned(output, Failure::Answer)
        })
    }
}

/// An optional integer argument (`now`): a JS number or `BigInt`; absent, `undefined` or `null`
/// is `None`. Anything else (a fraction, `NaN`, a string) is `input.invalid`.
fn integer(value: &JsValue) -> CallResult<Option<i64>> {
    if let Some(n) = value.as_f64() {
        // The common case, without a round trip through JSON text.
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Ok(Some(n as i64));
        }
    }
    serde_json::from_value(from_js(value)?).map_err(CallError::invalid_input)
}

/// A façade failure output (`Err` of the prepared helpers) as an error.
fn failure(output: Value) -> CallError {
    match &output {
        Value::Object(map) => CallError::from_output(map),
        _ => CallError::new("input.invalid", "invalid input"),
    }
}
