//! The hot path of a prepared `Verifier`: `check` and `verify` with few crossings of the
//! JS–WebAssembly boundary, for the token a client sends again and again (docs/CACHE.md).
//!
//! The core's cache already skips the token's parsing and signature on a repeat; what is left
//! of a call is the boundary. The general path copies the whole input in as JSON text, parses
//! it into a value tree, and builds the answer member by member, each string decoded on its
//! own. This module owns a shorter way in and out, and never a decision:
//!
//! - **In.** `readCheck` (wasm/npm/credgate_hot.js) reads the members of plain input as
//!   `JSON.stringify` would and passes them as one string; anything unusual (another
//!   prototype, an unknown member, a BigInt, a fraction, a lone surrogate, a throwing getter
//!   or Proxy) sends the call down the general path, which answers or fails exactly as it
//!   always did.
//! - **Out.** The answer is one object literal built by `checked`, from JS values this module
//!   holds: interned reason codes and challenges, the input's own client IP and request
//!   strings, and per cached token (the [`Store`]) the JS form of its claims and the strings
//!   its answers repeat (the permission texts, the messages naming them, its ids). Each string
//!   is matched by content to the one the core just produced, so nothing here guesses what the
//!   core says; an answer whose parts are not the expected ones is built the general way.
//!
//! **Claims are shared and frozen.** The claims object of an answer is the same object for
//! every answer about one token (while it is held), deeply frozen so no caller can change
//! what another sees; the general path freezes its claims too, so both paths look alike.
//!
//! **Bounded like the core's cache.** The store holds at most the core cache's entries and
//! bytes, only tokens the core holds, and is emptied whenever the core's cache is
//! (`loadRevocations`, `setKeys`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use credgate_core::cache::{entry_bytes, CacheLimits};
use credgate_core::facade::{self, Bearer, Checked};
use credgate_core::request::Request;
use credgate_core::token::Claims;
use credgate_core::Verifier as CoreVerifier;
use wasm_bindgen::prelude::*;

use crate::convert::to_js;
use crate::{host, CallResult};

#[wasm_bindgen(raw_module = "./credgate_hot.js")]
extern "C" {
    /// Writes the members of a `check` input into [`Scratch`] (`memory` is this module's):
    /// the bytes of text written, or -1 for input the general path must read. Catches
    /// everything itself.
    #[wasm_bindgen(js_name = readCheck)]
    fn read_check(input: &JsValue, memory: &JsValue, meta_at: usize, text_at: usize) -> i32;

    /// Writes a string argument into [`Scratch`]'s text as UTF-8 (a lone surrogate as
    /// U+FFFD, as wasm-bindgen passes strings): the bytes written, or -1.
    #[wasm_bindgen(js_name = readString)]
    fn read_string(value: &JsValue, memory: &JsValue, meta_at: usize, text_at: usize) -> i32;

    /// The answer of `check` as one literal (`undefined`: the call's input is not held).
    #[wasm_bindgen(js_name = checked)]
    fn checked_js(
        seq: f64,
        audit: bool,
        allowed: bool,
        reason: &JsValue,
        status: u16,
        message: &JsValue,
        www: &JsValue,
        matched: &JsValue,
        near: &JsValue,
        claims: &JsValue,
        client_id: &JsValue,
        org: &JsValue,
        jti: &JsValue,
        audit_matched: &JsValue,
        time: f64,
    ) -> JsValue;

    /// `{ claims, ok: true, outcome: "result" }`.
    fn verified(claims: &JsValue) -> JsValue;

    /// Freezes a value and everything in it.
    #[wasm_bindgen(js_name = deepFreeze)]
    fn deep_freeze(value: &JsValue) -> JsValue;
}

/// The slots of `readCheck`'s `meta`.
const META: usize = 13;
/// The parts of `readCheck`'s string: bearer, client IP, type, action, vault, key, org.
const PARTS: usize = 7;
/// The longest text `readCheck` and `readString` pass (UTF-16 code units), as in the JS.
const MAX_TEXT: usize = 16384;

/// Where the JS half writes an input: fixed places in this module's memory, written with
/// `TextEncoder.encodeInto` (wasm-bindgen's own string passing copies one `charCodeAt` at a
/// time: about 4 µs for a token in Node 20).
struct Scratch {
    meta: [f64; META],
    text: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch {
        meta: [0.0; META],
        text: vec![0; 3 * MAX_TEXT],
    });
    static MEMORY: JsValue = wasm_bindgen::memory();
}

/// Freezes the `claims` of an answer built the general way, as the hot path's are.
pub fn freeze_claims(answer: JsValue) -> JsValue {
    if let Ok(claims) = js_sys::Reflect::get(&answer, &JsValue::from_str("claims")) {
        if claims.is_object() {
            deep_freeze(&claims);
        }
    }
    answer
}

/// Strings made into JS values once, found again by their content. At most `cap` are kept;
/// past that, a string is made for the call and dropped.
#[derive(Default)]
struct Memo {
    items: Vec<(Box<str>, JsValue)>,
}

/// Where a string's JS value is: kept in a memo, or made for this call.
#[derive(Clone, Copy)]
enum Slot {
    Kept(usize),
    Made(usize),
}

impl Memo {
    fn slot(&mut self, text: &str, cap: usize, made: &mut Vec<JsValue>) -> Slot {
        if let Some(at) = self.items.iter().position(|(kept, _)| &**kept == text) {
            return Slot::Kept(at);
        }
        let value = JsValue::from_str(text);
        if self.items.len() < cap {
            self.items.push((text.into(), value));
            return Slot::Kept(self.items.len() - 1);
        }
        made.push(value);
        Slot::Made(made.len() - 1)
    }

    /// The value of a slot this call made; a slot is only ever read in its own call.
    fn get<'a>(&'a self, slot: Slot, made: &'a [JsValue]) -> Option<&'a JsValue> {
        match slot {
            Slot::Kept(at) => self.items.get(at).map(|(_, value)| value),
            Slot::Made(at) => made.get(at),
        }
    }
}

/// Reason codes and challenges: a closed set, so all of them fit.
const FIXED_CAP: usize = 64;
/// Per token: its ids, its permission texts, the messages that name them.
const TOKEN_CAP: usize = 64;

thread_local! {
    static FIXED: RefCell<Memo> = RefCell::default();
}

/// What the store keeps for a token the core's cache holds.
struct Held {
    claims: Arc<Claims>,
    js: JsValue,
    memo: Memo,
    bytes: usize,
}

/// The JS side of a Verifier's cache: per token the core holds, the JS form of its claims and
/// the strings its answers repeat. Keyed by the claims' allocation, which stays unique while
/// the store holds a reference to it.
#[derive(Default)]
pub struct Store {
    held: HashMap<usize, Held>,
    bytes: usize,
}

impl Store {
    /// Drops everything (the core's cache was emptied).
    pub fn clear(&mut self) {
        self.held.clear();
        self.bytes = 0;
    }

    /// The entry for `claims`, made on first sight; `None` when the core's cache does not
    /// hold them (then nothing is kept for them here either).
    fn entry(
        &mut self,
        claims: &Arc<Claims>,
        token_len: usize,
        limits: CacheLimits,
    ) -> CallResult<Option<&mut Held>> {
        let key = Arc::as_ptr(claims) as usize;
        if !self.held.contains_key(&key) {
            // The caller's reference and the cache's: the core holds them.
            if Arc::strong_count(claims) < 2 || !limits.enabled() {
                return Ok(None);
            }
            let bytes = entry_bytes("").saturating_add(token_len.saturating_mul(2));
            if !self.make_room(bytes, limits) {
                return Ok(None);
            }
            let held = Held {
                claims: Arc::clone(claims),
                js: deep_freeze(&claims_js(claims)?),
                memo: Memo::default(),
                bytes,
            };
            self.bytes += bytes;
            self.held.insert(key, held);
        }
        Ok(self.held.get_mut(&key))
    }

    /// Makes room for an entry of `bytes` within the core cache's limits: drops what the
    /// core no longer holds, and everything if that is not enough. `false`: it cannot fit.
    fn make_room(&mut self, bytes: usize, limits: CacheLimits) -> bool {
        let fits = |store: &Self| {
            store.held.len() < limits.max_entries
                && store.bytes.saturating_add(bytes) <= limits.max_bytes
        };
        if fits(self) {
            return true;
        }
        self.held
            .retain(|_, held| Arc::strong_count(&held.claims) > 1);
        self.bytes = self.held.values().map(|held| held.bytes).sum();
        if !fits(self) {
            self.clear();
        }
        fits(self)
    }
}

/// The JS form of claims, as the general path builds them.
fn claims_js(claims: &Claims) -> CallResult {
    let value = serde_json::to_value(claims)
        .map_err(|e| crate::invalid_input(format_args!("the claims could not be encoded: {e}")))?;
    to_js(&value)
}

/// Splits `text` into parts of the given lengths in UTF-16 code units (JS string lengths).
fn split<'a>(text: &'a str, lens: &[usize; PARTS]) -> Option<[&'a str; PARTS]> {
    let ascii = text.is_ascii();
    let mut parts = [""; PARTS];
    let mut rest = text;
    for (part, &units) in parts.iter_mut().zip(lens) {
        let bytes = if ascii {
            units
        } else {
            let mut counted = 0;
            let mut bytes = 0;
            for c in rest.chars() {
                if counted >= units {
                    break;
                }
                counted += c.len_utf16();
                bytes += c.len_utf8();
            }
            if counted != units {
                return None;
            }
            bytes
        };
        let (head, tail) = rest.split_at_checked(bytes)?;
        *part = head;
        rest = tail;
    }
    rest.is_empty().then_some(parts)
}

/// `Verifier.check` the short way; `None` (before the core was asked): read the input the
/// general way.
pub fn check(
    verifier: &CoreVerifier,
    store: &RefCell<Store>,
    input: &JsValue,
) -> Option<CallResult> {
    SCRATCH.with(|scratch| {
        // Taken by a call this one is inside of (a getter re-entered): the general way.
        let mut scratch = scratch.try_borrow_mut().ok()?;
        let Scratch { meta, text } = &mut *scratch;
        meta[0] = 0.0;
        let written = MEMORY.with(|memory| {
            read_check(
                input,
                memory,
                meta.as_mut_ptr() as usize,
                text.as_mut_ptr() as usize,
            )
        });
        let text = std::str::from_utf8(text.get(..usize::try_from(written).ok()?)?).ok()?;
        let [seq, now, bearer, lens @ .., has_vault, has_key, has_org] = *meta;
        // `seq` is never 0 when `readCheck` wrote.
        if seq == 0.0 {
            return None;
        }
        let lens = lens.map(|n| n as usize);
        let [bearer_text, ip, kind, action, vault, key, org] = split(text, &lens)?;
        let bearer = match bearer as u8 {
            1 => Bearer::Token(bearer_text),
            2 => Bearer::Header(Some(bearer_text)),
            _ => Bearer::Header(None),
        };
        let request = Request::new(
            kind,
            action,
            (has_vault != 0.0).then_some(vault),
            (has_key != 0.0).then_some(key),
            (has_org != 0.0).then_some(org),
        );
        let now = if now.is_nan() {
            host::now()
        } else {
            now as i64
        };
        let checked = facade::checked(verifier, bearer, now, ip, request.as_ref());
        let fast = match store.try_borrow_mut() {
            Ok(mut store) => answer(
                &checked,
                seq,
                now,
                ip,
                request.as_ref().ok(),
                bearer_text.len(),
                &mut store,
                verifier.cache_limits(),
            ),
            Err(_) => Ok(None),
        };
        Some(match fast {
            Ok(Some(answer)) => Ok(answer),
            Ok(None) => crate::reply(Ok(checked)).map(freeze_claims),
            Err(failure) => Err(failure),
        })
    })
}

/// A string argument the short way (`None`: not a string, or a long one).
pub fn with_string<T>(value: &JsValue, body: impl FnOnce(&str) -> T) -> Option<T> {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().ok()?;
        let Scratch { meta, text } = &mut *scratch;
        let written = MEMORY.with(|memory| {
            read_string(
                value,
                memory,
                meta.as_mut_ptr() as usize,
                text.as_mut_ptr() as usize,
            )
        });
        let text = std::str::from_utf8(text.get(..usize::try_from(written).ok()?)?).ok()?;
        Some(body(text))
    })
}

/// The answer for `checked` as one literal; `None` when its parts are not the expected ones.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one call, passed down once"
)]
fn answer(
    checked: &Checked,
    seq: f64,
    now: i64,
    ip: &str,
    request: Option<&Request>,
    token_len: usize,
    store: &mut Store,
    limits: CacheLimits,
) -> CallResult<Option<JsValue>> {
    let outcome = &checked.outcome;
    let decision = &outcome.decision;
    // The record repeats the decision and the input, which the literal takes from them.
    if let Some(audit) = &checked.audit {
        let same = audit.time == now
            && audit.client_ip == ip
            && Some(&audit.request) == request
            && audit.allowed == decision.allowed
            && audit.status == outcome.status
            && audit.reason == decision.reason
            && audit.matched == decision.matched;
        if !same {
            return Ok(None);
        }
    }
    FIXED.with(|fixed| {
        let Ok(mut fixed) = fixed.try_borrow_mut() else {
            return Ok(None);
        };
        let mut made = Vec::new();
        let reason = fixed.slot(decision.reason.code().as_str(), FIXED_CAP, &mut made);
        let www = outcome
            .www_authenticate
            .as_deref()
            .map(|www| fixed.slot(www, FIXED_CAP, &mut made));
        let mut transient = (Memo::default(), JsValue::UNDEFINED);
        let (memo, claims) = match &outcome.claims {
            Some(claims) => match store.entry(claims, token_len, limits)? {
                Some(held) => (&mut held.memo, &held.js),
                None => {
                    transient.1 = deep_freeze(&claims_js(claims)?);
                    (&mut transient.0, &transient.1)
                }
            },
            None => (&mut transient.0, &transient.1),
        };
        // Messages naming the client IP differ from call to call: not kept.
        let keep = if outcome.message.contains(ip) {
            0
        } else {
            TOKEN_CAP
        };
        let message = memo.slot(&outcome.message, keep, &mut made);
        let matched = decision
            .matched
            .as_deref()
            .map(|text| memo.slot(text, TOKEN_CAP, &mut made));
        let near = decision.near_misses.as_ref().map(|texts| {
            let array = js_sys::Array::new();
            for text in texts {
                let slot = memo.slot(text, TOKEN_CAP, &mut made);
                if let Some(text) = memo.get(slot, &made) {
                    array.push(text);
                }
            }
            JsValue::from(array)
        });
        let ids = checked.audit.as_ref().map(|audit| {
            [&audit.client_id, &audit.org, &audit.jti]
                .map(|id| id.as_deref().map(|id| memo.slot(id, TOKEN_CAP, &mut made)))
        });
        let [client_id, org, jti] = ids.unwrap_or([None; 3]);
        let (memo, fixed, made): (&Memo, &Memo, &[JsValue]) = (memo, &fixed, &made);
        let undefined = JsValue::UNDEFINED;
        let null = JsValue::NULL;
        let text = |slot: Option<Slot>, absent| {
            slot.and_then(|slot| memo.get(slot, made)).unwrap_or(absent)
        };
        let out = checked_js(
            seq,
            checked.audit.is_some(),
            decision.allowed,
            fixed.get(reason, made).unwrap_or(&undefined),
            outcome.status,
            memo.get(message, made).unwrap_or(&undefined),
            www.and_then(|www| fixed.get(www, made))
                .unwrap_or(&undefined),
            text(matched, &undefined),
            near.as_ref().unwrap_or(&undefined),
            claims,
            text(client_id, &null),
            text(org, &null),
            text(jti, &null),
            text(matched, &null),
            now as f64,
        );
        Ok((!out.is_undefined()).then_some(out))
    })
}

/// `Verifier.verify`'s result for verified claims, sharing the held JS form.
pub fn verify(
    verifier: &CoreVerifier,
    store: &RefCell<Store>,
    token: &str,
    now: i64,
) -> CallResult {
    let claims = verifier
        .verify_shared(token, now)
        .map_err(credgate_core::Error::from)?;
    if let Ok(mut store) = store.try_borrow_mut() {
        if let Some(held) = store.entry(&claims, token.len(), verifier.cache_limits())? {
            return Ok(verified(&held.js));
        }
    }
    Ok(verified(&deep_freeze(&claims_js(&claims)?)))
}
