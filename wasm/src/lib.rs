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

#[wasm_bindgen(raw_module = "./errors.js")]
extern "C" {
    /// `new CredgateError(code, message)`: the package's one error class (wasm/npm/errors.js),
    /// shared by both builds and the JS layer, so `instanceof` holds for every thrown error.
    /// A constructor of our own that only sets members: it cannot throw.
    #[wasm_bindgen(js_name = credgateError)]
    fn credgate_error(code: &str, message: &str) -> JsValue;

    /// `value instanceof Date`, caught (a revoked `Proxy` throws): `false` then.
    #[wasm_bindgen(js_name = isDate)]
    fn is_date(value: &JsValue) -> bool;

    /// Gives `CredgateError.codes` the core's codes (`credgate_core::codes::ALL`), so the
    /// JS layer keeps no copy of the list.
    #[wasm_bindgen(js_name = registerCodes)]
    fn register_codes(codes: &JsValue);
}

/// Runs when the module is instantiated (`init`, `initSync`, the Node entries' import): the
/// hot path's fixed strings (`hot::start`), and the codes for `CredgateError.codes`.
#[wasm_bindgen(start, private)]
fn start() {
    hot::start();
    register_codes(&strings_to_js(credgate_core::codes::ALL.iter().copied()));
}

/// The one conversion of a failure into what JavaScript catches: a `CredgateError` (the class
/// exported by the package) with `code`, its `message`, and the failure's details as members:
/// `index` (the bad entry of a permission list), `errors` (every problem of an invalid spec)
/// and `path` (the first problem's).
fn throw(failure: Failure) -> JsValue {
    let object = credgate_error(failure.code.as_str(), &failure.message);
    let object = &object;
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
    object.clone()
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

/// The members of an input object that the core's input type `T` does not read: serde
/// would ignore them in silence, so a misspelt or foreign option (jose's `clockTolerance`)
/// would change nothing and say nothing. The core's own type decides what is known
/// (`serde_ignored` reports what its deserializer skips), so no list of names is kept here.
fn unknown_members<T: serde::de::DeserializeOwned>(input: &Value) -> Vec<String> {
    let mut unknown = Vec::new();
    // The input's own errors (a wrong type) are reported by the real read that follows.
    let _ = serde_ignored::deserialize::<_, _, T>(input, |path| {
        if let serde_ignored::Path::Map {
            parent: serde_ignored::Path::Root,
            key,
        } = path
        {
            unknown.push(key.clone());
        }
    });
    unknown
}

/// `input.invalid` naming the first unknown member (`what`: "option", "check input member"),
/// with a hint for the names other JWT libraries use.
fn refuse_unknown(unknown: &[String], what: &str) -> CallResult<()> {
    let Some(name) = unknown.first() else {
        return Ok(());
    };
    let hint = match name.as_str() {
        "clockTolerance" | "clock_tolerance" | "clockSkew" => ": use `leeway` (seconds)",
        "currentDate" | "current_date" => ": give `now` (a Date or Unix seconds) to the call",
        "algorithms" => ": credgate verifies Ed25519 (EdDSA) tokens only",
        "clientIp" => ": use `client_ip`",
        _ => "",
    };
    Err(invalid_input(format_args!("unknown {what} `{name}`{hint}")))
}

/// An input that must be a JSON object (every operation's input is one).
fn object(value: &JsValue, what: &str) -> CallResult<Map<String, Value>> {
    match from_js(value)? {
        Value::Object(map) => Ok(map),
        _ => Err(invalid_input(format_args!("{what} must be an object"))),
    }
}

/// Fills a missing (or `null`) member with a host-provided value.
#[cfg(feature = "full")]
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

/// Reads the `now` member of an input object (already converted to `input`) the way every
/// `now` is read ([`now_of`]: a `Date` or Unix seconds, milliseconds refused), and writes it
/// back as Unix seconds; when it is absent, `default` fills it with the current time.
fn read_now(
    source: &JsValue,
    input: &mut Map<String, Value>,
    default: bool,
    when: Now,
) -> CallResult<()> {
    let given = match input.get("now") {
        None => None,
        // The JSON form of a `Date` is its ISO text (`null` for an invalid one): read the
        // member itself again.
        Some(_) => {
            let value = js_sys::Reflect::get(source, &JsValue::from_str("now"))
                .map_err(|_| invalid_input("reading `now` threw"))?;
            match when {
                Now::Verifying => now_of(&value)?,
                Now::Recording => time_of(&value)?,
            }
        }
    };
    match given {
        Some(now) => input.insert("now".to_owned(), Value::from(now)),
        None if default => input.insert("now".to_owned(), Value::from(host::now())),
        None => None,
    };
    Ok(())
}

/// What a `now` is for, which decides whether a far-future one is refused as milliseconds.
#[derive(Clone, Copy)]
enum Now {
    /// The time a token or request is judged at (`check`, `verify`, a key set's clock):
    /// milliseconds are refused ([`now_of`]).
    Verifying,
    /// The time recorded in what is made (issuance, credentials, revocation lists): any
    /// Unix seconds the core takes, up to its own limits (the conformance vectors issue at
    /// 9999-12-31, past the milliseconds threshold): [`time_of`].
    #[cfg_attr(
        not(feature = "full"),
        expect(dead_code, reason = "the edge build makes nothing that records a time")
    )]
    Recording,
}

/// Fills a missing `now` with the current time, and reads a given one ([`read_now`]).
fn default_now(source: &JsValue, input: &mut Map<String, Value>, when: Now) -> CallResult<()> {
    read_now(source, input, true, when)
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
            let input = Value::Object(input);
            refuse_unknown(&unknown_members::<facade::VerifierInput>(&input), "option")?;
            let inner = facade::verifier(facade::input(input)?)?;
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
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<bool, JsValue> {
        answer_with(|| {
            let now = now_of(&now)?.unwrap_or_else(host::now);
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
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            if !token.is_string() {
                return Err(invalid_input("the token must be a string"));
            }
            let now = now_of(&now)?.unwrap_or_else(host::now);
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
            let mut map = object(&input, "the input")?;
            default_now(&input, &mut map, Now::Verifying)?;
            let map = Value::Object(map);
            refuse_unknown(
                &unknown_members::<facade::CheckRequest>(&map),
                "check input member",
            )?;
            let request: facade::CheckRequest = facade::input(map)?;
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
        #[wasm_bindgen(unchecked_param_type = "AccessRequest")] request: JsValue,
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

/// A `now` the caller gives, wherever one is taken: Unix seconds (a JS number or `BigInt`) or
/// a `Date`; absent, `undefined` or `null` is `None`. An invalid `Date`, a fraction, `NaN` or a
/// string is `input.invalid`, and so is a number that looks like milliseconds
/// ([`facade::UnixSeconds::looks_like_milliseconds`]: `Date.now()` passed by mistake would
/// otherwise be a time 50,000 years away: every token `token.expired`, with no hint why).
fn now_of(value: &JsValue) -> CallResult<Option<i64>> {
    let Some(seconds) = time_of(value)? else {
        return Ok(None);
    };
    if !is_date(value) && facade::UnixSeconds(seconds).looks_like_milliseconds() {
        return Err(milliseconds(seconds));
    }
    Ok(Some(seconds))
}

/// A time the caller gives: Unix seconds (a JS number or `BigInt`) or a `Date` (its whole
/// seconds); absent, `undefined` or `null` is `None`; an invalid `Date` is `input.invalid`.
fn time_of(value: &JsValue) -> CallResult<Option<i64>> {
    if is_date(value) {
        let millis = value.unchecked_ref::<js_sys::Date>().get_time();
        if !millis.is_finite() {
            return Err(invalid_input("`now` is an invalid Date"));
        }
        return Ok(Some((millis / 1000.0).floor() as i64));
    }
    integer(value)
}

/// `input.invalid` for a `now` that looks like milliseconds.
fn milliseconds(seconds: i64) -> Failure {
    invalid_input(format_args!(
        "`now` {seconds} looks like milliseconds: give Unix seconds (Math.floor(Date.now() / 1000)) or a Date"
    ))
}

/// The core's limits, for code that reads input before handing it over (the JS layer reads
/// a Fetch `Request`'s body up to `token_request_body_bytes` and one byte) and for people
/// who want to check first: `token_bytes` (SPEC §6), `token_request_body_bytes` (§7, §9),
/// and `milliseconds_from`, the magnitude from which a `now` is refused as milliseconds.
#[wasm_bindgen(unchecked_return_type = "Limits")]
pub fn limits() -> JsValue {
    let object = js_sys::Object::new();
    let sizes = [
        ("token_bytes", credgate_core::token::MAX_TOKEN_BYTES),
        (
            "token_request_body_bytes",
            credgate_core::oauth::MAX_BODY_BYTES,
        ),
    ];
    for (name, size) in sizes {
        set(&object, name, &JsValue::from_f64(size as f64));
    }
    let from = facade::UnixSeconds::MILLISECONDS_FROM;
    set(
        &object,
        "milliseconds_from",
        &JsValue::from_f64(from as f64),
    );
    object.into()
}

/// An optional integer argument: a JS number or `BigInt`; absent, `undefined` or `null` is
/// `None`. Anything else (a fraction, `NaN`, a string) is `input.invalid`.
fn integer(value: &JsValue) -> CallResult<Option<i64>> {
    if let Some(n) = value.as_f64() {
        // The common case, without a round trip through JSON text.
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Ok(Some(n as i64));
        }
    }
    Ok(facade::input::<Option<facade::UnixSeconds>>(from_js(value)?)?.map(|t| t.0))
}
