//! credgate for JavaScript: the core engine behind `wasm-bindgen`, published as the npm
//! package `credgate`.
//!
//! This crate only converts. A JS value comes in, becomes the core's façade input (as JSON
//! text, read by the core's strict parser: `convert`), the core decides, and its typed
//! outcome goes back: a result or an answer is returned as a plain JS object in the same
//! snake_case shape every host uses, with the wire's `outcome` member (`"result"` or
//! `"answer"`); a failure is thrown. Which one is decided by the core's [`Outcome`] variant
//! alone (SPEC §9, docs/OUTCOMES.md): nothing here reads members to guess, and nothing here
//! decides anything about permissions, tokens or credentials.
//!
//! Two things live here and nowhere else:
//! - the one conversion of a core [`Failure`] into the thrown JS `CredgateError` (`code`,
//!   `message`, and the details `index`, `errors` and `path`): [`throw`];
//! - the host's clock and entropy: when a call leaves out `now`, `entropy` or `jti`, they come
//!   from `Date.now()` and `crypto.getRandomValues` (`host`). The core never reads either.
//!
//! The prepared objects' answers go out by one shorter way (`hot`: the input read member by
//! member by the JS half, the answer built as object literals from JS values held per cached
//! token), and a remote key set's state machine is bound as `RemoteKeySetState` (`remote`)
//! for the package's JS layer (wasm/npm/remote.js), which fetches.
//!
//! Two builds come from this crate. The default (feature `full`) has one function per façade
//! operation (`ops`) plus the prepared [`Verifier`] and [`PermissionSet`] and the remote key
//! set state; the edge build (`--no-default-features`) keeps only the prepared objects and the
//! remote key set state, at about half the size, for edge workers that verify and authorize
//! but never issue.

use credgate_core::authorize::PermissionSet as CorePermissionSet;
use credgate_core::error::{Error, InputError};
#[cfg(feature = "full")]
use credgate_core::facade::Kind;
use credgate_core::facade::{self, Failure};
use credgate_core::token::{KeySet, Verifier as CoreVerifier};
use serde_json::{Map, Value};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[cfg(feature = "full")]
use convert::to_js;
use convert::{from_js, strings_to_js};

mod convert;
mod host;
mod hot;
#[cfg(feature = "full")]
mod ops;
mod remote;
mod types;

/// Talc instead of Rust's default dlmalloc: a few KB less code in every module and faster
/// allocation (token verification allocates for every claim).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// ---------------------------------------------------------------------------------------
// Outcomes: returned with their `outcome`, or thrown as one `CredgateError`.
// ---------------------------------------------------------------------------------------

/// What the host's own steps give before the core answers: a failure is the core's type.
type CallResult<T = JsValue> = Result<T, Failure>;

/// `input.invalid` for a value the host cannot read (the core's own message form).
fn invalid_input(message: impl std::fmt::Display) -> Failure {
    Error::from(InputError::new(message.to_string())).into()
}

/// The one conversion of a failure into what JavaScript catches: an `Error` named
/// `CredgateError` with `code`, its `message`, and the failure's details as members: `index`
/// (the bad entry of a permission list), `errors` (every problem of an invalid spec) and
/// `path` (the first problem's).
fn throw(failure: Failure) -> JsValue {
    let js = js_sys::Error::new(&failure.message);
    js.set_name("CredgateError");
    let object: &JsValue = js.as_ref();
    set(object, "code", &JsValue::from_str(failure.code.as_str()));
    if let Some(index) = failure.index {
        set(object, "index", &JsValue::from_f64(index as f64));
    }
    if let Some(first) = failure.errors.first() {
        set(object, "path", &JsValue::from_str(&first.path));
        let errors = js_sys::Array::new();
        for problem in &failure.errors {
            let item = js_sys::Object::new();
            set(&item, "path", &JsValue::from_str(&problem.path));
            set(&item, "code", &JsValue::from_str(problem.code.as_str()));
            set(&item, "message", &JsValue::from_str(&problem.message));
            errors.push(&item);
        }
        set(object, "errors", &errors);
    }
    js.into()
}

/// Sets a property on an object we just created; that cannot fail for a plain object.
fn set(target: &JsValue, name: &str, value: &JsValue) {
    // `Reflect.set` only fails on frozen objects or throwing setters, never on a fresh one.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), value);
}

/// A returned value: the answer's members and the wire's `outcome` (`"result"` / `"answer"`).
#[cfg(feature = "full")]
fn returned(kind: Kind, mut value: Value) -> CallResult {
    if let Value::Object(map) = &mut value {
        let outcome = match kind {
            Kind::Result => "result",
            Kind::Answer => "answer",
        };
        map.insert("outcome".to_owned(), Value::from(outcome));
    }
    to_js(&value)
}

/// The boundary for a body that uses `?`: its failure thrown as a `CredgateError`.
fn answer_with<T>(body: impl FnOnce() -> CallResult<T>) -> Result<T, JsValue> {
    body().map_err(throw)
}

/// An input that must be a JSON object (every operation's input is one).
fn object(value: &JsValue, what: &str) -> CallResult<Map<String, Value>> {
    match from_js(value)? {
        Value::Object(map) => Ok(map),
        _ => Err(invalid_input(format_args!("{what} must be an object"))),
    }
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

/// Fills a missing `now` with the current time.
fn default_now(input: &mut Map<String, Value>) -> CallResult<()> {
    default_member(input, "now", || Ok(Value::from(host::now())))
}

// ---------------------------------------------------------------------------------------
// Prepared objects for the hot path.
// ---------------------------------------------------------------------------------------

/// A parsed JWKS and verification options, prepared once and used for every token.
/// Call `free()` when done (or rely on the FinalizationRegistry where available).
#[wasm_bindgen]
pub struct Verifier {
    inner: CoreVerifier,
    /// The JS forms of what the core's cache holds (the hot path: `hot`).
    hot: RefCell<hot::Store>,
    /// The remote key set state and generation the held keys came from (`useKeysFrom`).
    keys_from: Option<(u64, u64)>,
}

#[wasm_bindgen]
impl Verifier {
    /// Parses the JWKS (`jwks.invalid` is thrown) and keeps the options; a `revocations` list
    /// in the options is verified and held (`revocations.invalid` is thrown).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Jwks")] jwks: JsValue,
        #[wasm_bindgen(unchecked_param_type = "VerifierOptions")] options: JsValue,
    ) -> Result<Verifier, JsValue> {
        answer_with(|| {
            let mut input = object(&options, "the options")?;
            input.insert("jwks".to_owned(), from_js(&jwks)?);
            let inner = facade::verifier(facade::input(Value::Object(input))?)?;
            Ok(Verifier {
                inner,
                hot: RefCell::default(),
                keys_from: None,
            })
        })
    }

    /// Verifies a signed revocation list (against this verifier's JWKS and issuer) and holds
    /// it from now on, in place of the list held so far: a token it revokes is `token.revoked`
    /// (401). Throws `revocations.invalid`, or `revocations.stale` for a list whose epoch is
    /// lower than the held one's; the held list then stays. Returns the list's epoch, signing
    /// time and entries.
    #[wasm_bindgen(js_name = loadRevocations, unchecked_return_type = "LoadedRevocations")]
    pub fn load_revocations(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] revocations: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let text = revocations
                .as_string()
                .ok_or_else(|| invalid_input("the revocation list must be a string"))?;
            let list =
                facade::revocation_list(&text, self.inner.keys(), &self.inner.options().issuer)?;
            let loaded = hot::loaded(&list);
            self.inner.load_revocations(list).map_err(Error::from)?;
            self.hot.get_mut().clear();
            Ok(loaded)
        })
    }

    /// Trusts these keys from now on, in place of the JWKS held so far (a key set fetched
    /// again; `jwks.invalid` is thrown and the held keys stay). The cache of verified tokens
    /// is emptied; a held revocation list stays.
    #[wasm_bindgen(js_name = setKeys)]
    pub fn set_keys(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Jwks")] jwks: JsValue,
    ) -> Result<(), JsValue> {
        answer_with(|| {
            let keys = KeySet::from_value(&from_js(&jwks)?).map_err(Error::from)?;
            self.inner.set_keys(keys);
            self.hot.get_mut().clear();
            self.keys_from = None;
            Ok(())
        })
    }

    /// Trusts the keys a remote key set's state holds at `now` (default: the current time)
    /// when they are not the ones held already (another state, or a newer generation), as
    /// `setKeys` does; `true` when they were taken. Throws `jwks.invalid` when the state has
    /// no usable keys (none fetched yet, or too stale while fetches fail): then nothing may
    /// be verified. The JS `RemoteKeySet` calls this before each check.
    #[wasm_bindgen(js_name = useKeysFrom)]
    pub fn use_keys_from(
        &mut self,
        state: &remote::RemoteKeySetState,
        #[wasm_bindgen(unchecked_optional_param_type = "UnixSeconds | null")] now: JsValue,
    ) -> Result<bool, JsValue> {
        answer_with(|| {
            let now = integer(&now)?.unwrap_or_else(host::now);
            let (keys, from) = state.keys(now)?;
            if self.keys_from == Some(from) {
                return Ok(false);
            }
            self.inner.set_keys(keys.clone());
            self.hot.get_mut().clear();
            self.keys_from = Some(from);
            Ok(true)
        })
    }

    /// The epoch of the revocation list held, or `undefined` when none is.
    #[wasm_bindgen(getter, js_name = revocationsEpoch, unchecked_return_type = "number | bigint | undefined")]
    pub fn revocations_epoch(&self) -> JsValue {
        match self.inner.revocations() {
            Some(list) => hot::unsigned_js(list.epoch()),
            None => JsValue::UNDEFINED,
        }
    }

    /// What the cache of verified tokens has done, and holds now: `hits`, `misses`,
    /// `evictions`, `entries`, `bytes`.
    #[wasm_bindgen(getter, js_name = cacheStats, unchecked_return_type = "CacheStats")]
    pub fn cache_stats(&self) -> Result<JsValue, JsValue> {
        Ok(hot::stats(&self.inner.cache_stats()))
    }

    /// Verifies a token and returns its claims, like `verifyToken`; throws `token.*`.
    /// `now` defaults to the current time. The claims are frozen, and shared by every
    /// answer about the same token while the verifier's cache holds it.
    #[wasm_bindgen(unchecked_return_type = "VerifiedToken")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "UnixSeconds | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            if !token.is_string() {
                return Err(invalid_input("the token must be a string"));
            }
            let now = integer(&now)?.unwrap_or_else(host::now);
            let verify = |token: &str| hot::verify(&self.inner, &self.hot, token, now);
            if let Some(verified) = hot::with_string(&token, verify) {
                return verified;
            }
            let token = token
                .as_string()
                .ok_or_else(|| invalid_input("the token must be a string"))?;
            verify(&token)
        })
    }

    /// The edge path for one request, like `check`: every decision is returned. Give the
    /// `token`, or else the raw `authorization` header value (RFC 6750; absent or `null` is a
    /// missing header: 401 `bearer.missing`). `now` defaults to the current time. The
    /// `claims` are frozen, and shared by every answer about the same token while the
    /// verifier's cache holds it.
    #[wasm_bindgen(unchecked_return_type = "CheckResult")]
    pub fn check(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VerifierCheckInput")] input: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            // Plain input the short way (`hot`); anything else read as JSON, as always.
            if let Some(answer) = hot::check(&self.inner, &self.hot, &input) {
                return answer;
            }
            let mut input = object(&input, "the input")?;
            default_now(&mut input)?;
            let request: facade::CheckRequest = facade::input(Value::Object(input))?;
            let checked = facade::check_with(&self.inner, &request)?;
            let bearer = request.token.as_ref().or(request.authorization.as_ref());
            let bearer = bearer.map_or("", String::as_str);
            hot::answer(&self.inner, &self.hot, &checked, None, bearer)
        })
    }
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
            let list = match convert::json_from_js(&permissions)? {
                // Read entry by entry from the text: no JSON value per permission (the full
                // build; the edge build reads the list as a value: ~5 KB less code).
                #[cfg(feature = "full")]
                convert::Json::Text(text) if text.starts_with('[') => {
                    convert::reserve_for_text(&text);
                    facade::input_text::<facade::PermissionList>(text.as_bytes())?
                }
                json => {
                    let value = match json {
                        convert::Json::Text(text) => convert::parse_text(text)?,
                        convert::Json::Value(value) => value,
                    };
                    let Value::Array(values) = value else {
                        return Err(invalid_input("permissions must be an array"));
                    };
                    facade::PermissionList(values.into_iter().collect())
                }
            };
            let inner = facade::permission_set(list)?;
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
            // Plain arguments the short way (`hot`); anything else read as JSON, as always.
            if let Some(answer) = hot::authorize(&self.inner, &request, &org) {
                return answer;
            }
            let org: Option<String> = match org.as_string() {
                Some(org) => Some(org),
                None => facade::input(from_js(&org)?)?,
            };
            let authorized =
                facade::authorize_with(&self.inner, &from_js(&request)?, org.as_deref())?;
            Ok(hot::decision(&authorized.decision))
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
    Ok(facade::input::<Option<facade::UnixSeconds>>(from_js(value)?)?.map(|t| t.0))
}
