//! The state machine of a remote key set ([`credgate_core::remote::RemoteKeySet`]) for the JS
//! class `RemoteKeySet` (wasm/npm/remote.js), in both builds.
//!
//! This file only converts: the JS layer performs the `fetch` it is told to and supplies
//! `now`; every decision (whether a fetch is due, what an answer means, which keys serve) is
//! the core's. It never does I/O and never reads a clock (a left-out `now` is the host's,
//! `host::now`, as everywhere in the package). A `Verifier` takes the usable keys straight
//! from here (`Verifier.useKeysFrom`): no JWKS text or JSON in between.

use std::cell::Cell;

use credgate_core::error::Error;
use credgate_core::remote::{
    self, FetchOrder, FetchReason, FetchResponse, Fetched, RemotePolicy, RemoteState,
};
use credgate_core::token::KeySet;
use wasm_bindgen::prelude::*;

use crate::convert::strings_to_js;
use crate::hot::{integer_js, unsigned_js};
use crate::{answer_with, host, integer, invalid_input, now_of, CallResult};

#[wasm_bindgen(raw_module = "./credgate_hot.js")]
extern "C" {
    /// An object with these members (`names`, comma-separated), in this order.
    fn literal(names: &str, values: &js_sys::Array) -> JsValue;
}

/// The members of a [`RemotePolicy`], in the order they are read and written.
const POLICY: &str = "default_max_age,min_max_age,max_max_age,unknown_key_cooldown,retry_min,\
                      retry_max,stale_if_error,fetch_timeout,max_keys,max_response_bytes";

/// An object of these members and values (no serde: its code per type would cost the module
/// kilobytes, for values read rarely).
fn object(names: &str, values: impl IntoIterator<Item = JsValue>) -> JsValue {
    let array = js_sys::Array::new();
    for value in values {
        array.push(&value);
    }
    literal(names, &array)
}

/// An optional integer as its JS form, `null` when absent.
fn nullable(value: Option<i64>) -> JsValue {
    value.map_or(JsValue::NULL, integer_js)
}

/// An optional string as its JS form, `null` when absent.
fn text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// A policy from its JS form: an object of [`POLICY`]'s members, each a whole number (or
/// `BigInt`) at least 0, or absent (`undefined`, `null`) for its default. Anything else is
/// `input.invalid`; the core then refuses a policy that cannot work.
fn policy_of(value: &JsValue) -> CallResult<RemotePolicy> {
    let mut policy = RemotePolicy::default();
    if value.is_undefined() || value.is_null() {
        return Ok(policy);
    }
    if !value.is_object() {
        return Err(invalid_input("the remote key set policy must be an object"));
    }
    let unreadable = |_| invalid_input("the remote key set policy could not be read");
    let names = js_sys::Reflect::own_keys(value).map_err(unreadable)?;
    for name in names.iter().filter_map(|name| name.as_string()) {
        if !POLICY.split(',').any(|known| known == name) {
            return Err(invalid_input(format_args!(
                "unknown remote key set option `{name}`: the policy has {}",
                POLICY.replace(',', ", ")
            )));
        }
    }
    let read = |name: &str, field: &mut u64| -> CallResult<()> {
        let member = js_sys::Reflect::get(value, &JsValue::from_str(name)).map_err(unreadable)?;
        if member.is_undefined() || member.is_null() {
            return Ok(());
        }
        *field = integer(&member)
            .ok()
            .flatten()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| {
                invalid_input(format_args!("`{name}` must be a whole number at least 0"))
            })?;
        Ok(())
    };
    let mut max_keys = policy.max_keys as u64;
    let mut max_response_bytes = policy.max_response_bytes as u64;
    read("default_max_age", &mut policy.default_max_age)?;
    read("min_max_age", &mut policy.min_max_age)?;
    read("max_max_age", &mut policy.max_max_age)?;
    read("unknown_key_cooldown", &mut policy.unknown_key_cooldown)?;
    read("retry_min", &mut policy.retry_min)?;
    read("retry_max", &mut policy.retry_max)?;
    read("stale_if_error", &mut policy.stale_if_error)?;
    read("fetch_timeout", &mut policy.fetch_timeout)?;
    read("max_keys", &mut max_keys)?;
    read("max_response_bytes", &mut max_response_bytes)?;
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    policy.max_keys = size(max_keys);
    policy.max_response_bytes = size(max_response_bytes);
    Ok(policy)
}

thread_local! {
    /// Tells the states of one module instance apart (`Verifier.useKeysFrom`).
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// The core's remote key set, driven by the JS `RemoteKeySet` (which fetches). Its methods
/// take `now` in Unix seconds (default: the current time).
#[wasm_bindgen]
pub struct RemoteKeySetState {
    inner: remote::RemoteKeySet,
    id: u64,
}

/// A fetch order as its JS form (its members sorted, as on every host), or `undefined`.
fn order(order: Option<FetchOrder>) -> CallResult {
    Ok(order.map_or(JsValue::UNDEFINED, |order| {
        let reason = match order.reason {
            FetchReason::Initial => "initial",
            FetchReason::Refresh => "refresh",
            FetchReason::UnknownKey => "unknown_key",
        };
        object(
            "if_none_match,max_bytes,reason,timeout",
            [
                text(order.if_none_match.as_deref()),
                unsigned_js(order.max_bytes as u64),
                JsValue::from_str(reason),
                unsigned_js(order.timeout),
            ],
        )
    }))
}

/// An optional `now` (Unix seconds or a `Date`, as everywhere), defaulting to the current time.
fn now(value: &JsValue) -> CallResult<i64> {
    Ok(now_of(value)?.unwrap_or_else(host::now))
}

#[wasm_bindgen]
impl RemoteKeySetState {
    /// A state with nothing fetched, for this policy (every field optional: docs/REMOTE.md).
    /// A policy that cannot work is `input.invalid`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "RemotePolicy | null")] policy: JsValue,
    ) -> Result<RemoteKeySetState, JsValue> {
        answer_with(|| {
            let inner = remote::RemoteKeySet::new(policy_of(&policy)?).map_err(Error::from)?;
            let id = NEXT_ID.with(|next| next.replace(next.get().saturating_add(1)));
            Ok(RemoteKeySetState { inner, id })
        })
    }

    /// The policy, every field filled in.
    #[wasm_bindgen(getter, unchecked_return_type = "Required<RemotePolicy>")]
    pub fn policy(&self) -> JsValue {
        let p = self.inner.policy();
        let seconds = [
            p.default_max_age,
            p.min_max_age,
            p.max_max_age,
            p.unknown_key_cooldown,
            p.retry_min,
            p.retry_max,
            p.stale_if_error,
            p.fetch_timeout,
        ];
        let sizes = [p.max_keys, p.max_response_bytes].map(|n| n as u64);
        object(POLICY, seconds.into_iter().chain(sizes).map(unsigned_js))
    }

    /// The fetch to start now, if one is due (it is then in flight until `onResponse` or
    /// `onFailure`), or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "FetchOrder | undefined")]
    pub fn poll(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let now = self::now(&now)?;
            order(self.inner.poll(now))
        })
    }

    /// A token named a `kid` the held set lacks: the fetch to start now, if one may (at most
    /// once per cooldown, never during backoff or while one is in flight), or `undefined`.
    #[wasm_bindgen(js_name = onUnknownKey, unchecked_return_type = "FetchOrder | undefined")]
    pub fn on_unknown_key(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let now = self::now(&now)?;
            order(self.inner.on_unknown_key(now))
        })
    }

    /// The answer to the fetch in flight: `"updated"` (the keys changed) or `"unchanged"`;
    /// a refused answer throws `jwks.invalid` (the held set stays).
    #[wasm_bindgen(js_name = onResponse, unchecked_return_type = "\"updated\" | \"unchanged\"")]
    pub fn on_response(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Now | null | undefined")] now: JsValue,
        status: u16,
        #[wasm_bindgen(js_name = cacheControl)] cache_control: Option<String>,
        etag: Option<String>,
        body: &[u8],
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let now = self::now(&now)?;
            let response = FetchResponse {
                status,
                cache_control: cache_control.as_deref(),
                etag: etag.as_deref(),
                body,
            };
            let fetched = self
                .inner
                .on_response(now, &response)
                .map_err(Error::from)?;
            Ok(JsValue::from_str(match fetched {
                Fetched::Updated => "updated",
                Fetched::Unchanged => "unchanged",
            }))
        })
    }

    /// The fetch in flight got no answer (a network error, the host's timeout).
    #[wasm_bindgen(js_name = onFailure)]
    pub fn on_failure(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Now | null | undefined")] now: JsValue,
        detail: String,
    ) -> Result<(), JsValue> {
        answer_with(|| {
            let now = self::now(&now)?;
            self.inner.on_failure(now, &detail);
            Ok(())
        })
    }

    /// Grows by one each time the held keys change (0: none fetched yet).
    #[wasm_bindgen(getter, unchecked_return_type = "number | bigint")]
    pub fn generation(&self) -> JsValue {
        crate::hot::unsigned_js(self.inner.generation())
    }

    /// What is held and happening at `now`: `state` (`empty`, `fresh`, `stale`, `unusable`),
    /// `fetched_at`, `expires_at`, `usable_until`, `etag`, `kids`, `failures`, `last_error`,
    /// `retry_at`, `fetching`, `generation`.
    #[wasm_bindgen(unchecked_return_type = "RemoteStatus")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let status = self.inner.status(self::now(&now)?);
            let state = match status.state {
                RemoteState::Empty => "empty",
                RemoteState::Fresh => "fresh",
                RemoteState::Stale => "stale",
                RemoteState::Unusable => "unusable",
            };
            Ok(object(
                "etag,expires_at,failures,fetched_at,fetching,generation,kids,last_error,\
                 retry_at,state,usable_until",
                [
                    text(status.etag.as_deref()),
                    nullable(status.expires_at),
                    JsValue::from(status.failures),
                    nullable(status.fetched_at),
                    JsValue::from_bool(status.fetching),
                    unsigned_js(status.generation),
                    strings_to_js(status.kids.iter().map(String::as_str)),
                    text(status.last_error.as_deref()),
                    nullable(status.retry_at),
                    JsValue::from_str(state),
                    nullable(status.usable_until),
                ],
            ))
        })
    }

    /// The kids of the keys usable at `now`; throws `jwks.invalid` saying why when none are
    /// (never fetched, or too stale while fetches fail).
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn kids(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        answer_with(|| {
            let keys = self.inner.keys(self::now(&now)?).map_err(Error::from)?;
            Ok(strings_to_js(keys.kids()))
        })
    }

    /// Whether keys are usable at `now` (else `Verifier.useKeysFrom` throws `jwks.invalid`).
    pub fn usable(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now | null")] now: JsValue,
    ) -> Result<bool, JsValue> {
        answer_with(|| Ok(self.inner.keys(self::now(&now)?).is_ok()))
    }
}

impl RemoteKeySetState {
    /// The keys usable at `now` with what identifies them: this state and its generation.
    pub(crate) fn keys(&self, now: i64) -> Result<(&KeySet, (u64, u64)), Error> {
        let keys = self.inner.keys(now)?;
        Ok((keys, (self.id, self.inner.generation())))
    }
}
