//! The hot path of the prepared objects: `Verifier.check`, `Verifier.verify` and
//! `PermissionSet.authorize` with few crossings of the JS–WebAssembly boundary, for the token
//! a client sends again and again (docs/CACHE.md, "JavaScript: the boundary of a cached call").
//!
//! The core's cache already skips a repeated token's parsing and signature; what is left of a
//! call is the boundary. The general way copies the whole input in as JSON text and parses it
//! into a value tree, and built the answer from another tree, member by member, each string
//! decoded on its own. This module owns a shorter way in and the one way out, and never a
//! decision:
//!
//! - **In.** `readCheck` / `readRequest` (wasm/npm/credgate_hot.js, the JS half) read the
//!   members of plain input as `JSON.stringify` would and write them with `encodeInto` into
//!   [`Scratch`], fixed places in this module's memory. Anything unusual (another prototype,
//!   `toJSON`, an unknown member, a BigInt, a fraction, a lone surrogate, a throwing getter or
//!   Proxy, a re-entrant call) is read the general way, which answers or fails as it always did.
//! - **Out.** Every answer of these methods, however its input was read, is built by the JS
//!   half as object literals in the members' usual (sorted) order, from JS values this module
//!   holds: reason codes and challenges made at start-up, the input's own client IP and
//!   request strings, and per cached token (the [`Store`]) the JS form of its claims and the
//!   strings its answers repeat (the permission texts, the messages naming them, its ids).
//!   Each string is matched by content to the one the core just produced, so nothing here
//!   assumes what the core says. Integers beyond 2^53 are exact `BigInt`s.
//!
//! **Claims are shared and frozen.** The claims object of an answer is the same object for
//! every answer about one token (while it is held), deeply frozen so no caller can change
//! what another sees; claims made for one answer only are frozen too, so all answers look
//! alike.
//!
//! **Bounded like the core's cache.** The store keeps only tokens the core holds, within the
//! core cache's entry and byte limits, and is emptied whenever the core's cache is
//! (`loadRevocations`, `setKeys`).

use std::cell::RefCell;
use std::sync::Arc;

use credgate_core::authorize::{Decision, PermissionSet};
use credgate_core::bearer::{www_authenticate, ChallengeError};
use credgate_core::cache::{entry_bytes, CacheLimits, CacheStats};
use credgate_core::facade::{self, Bearer, Checked};
use credgate_core::reason::Reason;
use credgate_core::request::{Request, RequestError};
use credgate_core::revocation::{RevocationEntry, RevocationList};
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

    /// Writes the arguments of `PermissionSet.authorize` into [`Scratch`]: the bytes of text
    /// written, or -1 for arguments the general path must read.
    #[wasm_bindgen(js_name = readRequest)]
    fn read_request(
        request: &JsValue,
        org: &JsValue,
        memory: &JsValue,
        meta_at: usize,
        text_at: usize,
    ) -> i32;

    /// The answer of `authorize` as one literal (`undefined` members are left out).
    #[wasm_bindgen(js_name = decision)]
    fn decision_js(allowed: bool, matched: &JsValue, near: &JsValue, reason: &JsValue) -> JsValue;

    /// Writes a string argument into [`Scratch`]'s text as UTF-8 (a lone surrogate as
    /// U+FFFD, as wasm-bindgen passes strings): the bytes written, or -1.
    #[wasm_bindgen(js_name = readString)]
    fn read_string(value: &JsValue, memory: &JsValue, meta_at: usize, text_at: usize) -> i32;

    /// The answer of `check` as one literal (`undefined` members are left out).
    #[wasm_bindgen(js_name = checked)]
    fn checked_js(
        allowed: bool,
        audit: &JsValue,
        claims: &JsValue,
        error: &JsValue,
        matched: &JsValue,
        message: &JsValue,
        near: &JsValue,
        reason: &JsValue,
        status: u16,
        www: &JsValue,
    ) -> JsValue;

    /// An audit record; `ip` and `request` `undefined`: the input `readCheck` read for `seq`
    /// (`undefined` when that is no longer held).
    #[wasm_bindgen(js_name = record)]
    fn record_js(
        seq: f64,
        allowed: bool,
        client_id: &JsValue,
        ip: &JsValue,
        jti: &JsValue,
        matched: &JsValue,
        org: &JsValue,
        reason: &JsValue,
        request: &JsValue,
        status: u16,
        time: &JsValue,
    ) -> JsValue;

    /// A request's JS form from its members (`undefined`: absent).
    #[wasm_bindgen(js_name = requestOf)]
    fn request_literal(
        kind: &JsValue,
        action: &JsValue,
        vault: &JsValue,
        key: &JsValue,
        org: &JsValue,
    ) -> JsValue;

    /// A revocation entry's JS form (`client`: `{client_id, not_before}`, else `{jti, revoked_at}`).
    #[wasm_bindgen(js_name = entryOf)]
    fn entry_js(client: bool, id: &str, time: &JsValue) -> JsValue;

    /// The result of `loadRevocations`.
    #[wasm_bindgen(js_name = loadedOf)]
    fn loaded_js(entries: &JsValue, epoch: &JsValue, issued_at: &JsValue) -> JsValue;

    /// `cacheStats`.
    #[wasm_bindgen(js_name = statsOf)]
    fn stats_js(
        bytes: &JsValue,
        entries: &JsValue,
        evictions: &JsValue,
        hits: &JsValue,
        misses: &JsValue,
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
/// time: about 4 µs for a token in Node 20). Static, not on the heap: a buffer allocated on
/// first use would land between large allocations and split the free memory they leave.
struct Scratch {
    meta: [f64; META],
    text: [u8; 3 * MAX_TEXT],
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            meta: [0.0; META],
            text: [0; 3 * MAX_TEXT],
        })
    };
    static MEMORY: JsValue = wasm_bindgen::memory();
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

/// Makes the reason codes and challenges when the module starts: made later, their small
/// allocations could land inside the memory of a large permission set being decided and
/// split what it leaves free when it goes (the next large set would grow the memory).
/// Called by the module's start function (`crate::start`).
pub fn start() {
    FIXED.with(|fixed| {
        if let Ok(mut fixed) = fixed.try_borrow_mut() {
            let mut made = Vec::new();
            fixed.items.reserve_exact(FIXED_CAP);
            for reason in Reason::all() {
                fixed.slot(reason.code().as_str(), FIXED_CAP, &mut made);
                if let Some(www) = www_authenticate(reason) {
                    fixed.slot(&www, FIXED_CAP, &mut made);
                }
            }
        }
    });
}

/// What the store keeps for a token the core's cache holds.
struct Held {
    /// The claims' allocation: the key.
    key: usize,
    claims: Arc<Claims>,
    js: JsValue,
    memo: Memo,
    bytes: usize,
}

/// The JS side of a Verifier's cache: per token the core holds, the JS form of its claims and
/// the strings its answers repeat. Keyed by the claims' allocation, which stays unique while
/// the store holds a reference to it; sorted by key (a map type of its own would add
/// kilobytes to the module).
#[derive(Default)]
pub struct Store {
    held: Vec<Held>,
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
        token: &str,
        limits: CacheLimits,
    ) -> CallResult<Option<&mut Held>> {
        let key = Arc::as_ptr(claims) as usize;
        let at = match self.held.binary_search_by_key(&key, |held| held.key) {
            Ok(at) => at,
            // The caller's reference and the cache's: the core holds them.
            Err(_) if Arc::strong_count(claims) < 2 || !limits.enabled() => return Ok(None),
            Err(_) => {
                let bytes = entry_bytes(token);
                if !self.make_room(bytes, limits) {
                    return Ok(None);
                }
                let held = Held {
                    key,
                    claims: Arc::clone(claims),
                    js: deep_freeze(&claims_js(claims)?),
                    memo: Memo::default(),
                    bytes,
                };
                let at = self.held.partition_point(|held| held.key < key);
                self.held.insert(at, held);
                self.bytes += bytes;
                at
            }
        };
        Ok(self.held.get_mut(at))
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
        self.held.retain(|held| Arc::strong_count(&held.claims) > 1);
        self.bytes = self.held.iter().map(|held| held.bytes).sum();
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

/// Reads the seven parts `write` puts into [`Scratch`] and hands them to `body` with the
/// number and flag that came with them and whether vault, key and org are present; `None`
/// (before `body` runs): read the input the general way.
fn with_parts<T>(
    write: impl FnOnce(&JsValue, usize, usize) -> i32,
    body: impl FnOnce(f64, f64, f64, [&str; PARTS], [bool; 3]) -> T,
) -> Option<T> {
    SCRATCH.with(|scratch| {
        // Taken by a call this one is inside of (a getter re-entered): the general way.
        let mut scratch = scratch.try_borrow_mut().ok()?;
        let Scratch { meta, text } = &mut *scratch;
        meta[0] = 0.0;
        let written = MEMORY.with(|memory| {
            write(
                memory,
                meta.as_mut_ptr() as usize,
                text.as_mut_ptr() as usize,
            )
        });
        let text = std::str::from_utf8(text.get(..usize::try_from(written).ok()?)?).ok()?;
        let [seq, number, flag, lens @ .., vault, key, org] = *meta;
        // `seq` is never 0 when the JS half wrote.
        if seq == 0.0 {
            return None;
        }
        let parts = split(text, &lens.map(|n| n as usize))?;
        Some(body(
            seq,
            number,
            flag,
            parts,
            [vault, key, org].map(|f| f != 0.0),
        ))
    })
}

/// The request of the parts `with_parts` read.
fn request_of(parts: &[&str; PARTS], present: [bool; 3]) -> Result<Request, RequestError> {
    let [_, _, kind, action, vault, key, org] = *parts;
    let [has_vault, has_key, has_org] = present;
    Request::new(
        kind,
        action,
        has_vault.then_some(vault),
        has_key.then_some(key),
        has_org.then_some(org),
    )
}

/// `Verifier.check` the short way; `None` (before the core was asked): read the input the
/// general way.
pub fn check(
    verifier: &CoreVerifier,
    store: &RefCell<Store>,
    input: &JsValue,
) -> Option<CallResult> {
    let write = |memory: &JsValue, meta, text| read_check(input, memory, meta, text);
    with_parts(write, |seq, now, bearer, parts, present| {
        let [bearer_text, ip, ..] = parts;
        let bearer = match bearer as u8 {
            1 => Bearer::Token(bearer_text),
            2 => Bearer::Header(Some(bearer_text)),
            _ => Bearer::Header(None),
        };
        let request = request_of(&parts, present);
        let now = if now.is_nan() {
            host::now()
        } else {
            now as i64
        };
        if facade::UnixSeconds(now).looks_like_milliseconds() {
            return Err(crate::milliseconds(now));
        }
        let checked = facade::checked(verifier, bearer, now, ip, request.as_ref());
        let held = Input {
            seq,
            ip,
            request: request.as_ref().ok(),
        };
        answer(verifier, store, &checked, Some(&held), bearer_text)
    })
}

/// `PermissionSet.authorize` the short way; `None`: read the arguments the general way.
pub fn authorize(set: &PermissionSet, request: &JsValue, org: &JsValue) -> Option<CallResult> {
    let write = |memory: &JsValue, meta, text| read_request(request, org, memory, meta, text);
    with_parts(write, |_, _, has_org, parts, present| {
        let request = request_of(&parts, present).map_err(credgate_core::Error::from)?;
        let [org, ..] = parts;
        Ok(decision(
            &set.authorize(&request, (has_org != 0.0).then_some(org)),
        ))
    })
}

/// The answer of `PermissionSet.authorize` as one literal.
pub fn decision(decision: &Decision) -> JsValue {
    let text = |text: &str| JsValue::from_str(text);
    let matched = decision.matched.as_deref().map_or(JsValue::UNDEFINED, text);
    let near = decision
        .near_misses
        .as_ref()
        .map_or(JsValue::UNDEFINED, |texts| {
            let array = js_sys::Array::new();
            for near in texts {
                array.push(&text(near));
            }
            array.into()
        });
    let reason = decision.reason.code().as_str();
    FIXED.with(|fixed| match fixed.try_borrow_mut() {
        Ok(mut fixed) => {
            let mut made = Vec::new();
            let slot = fixed.slot(reason, FIXED_CAP, &mut made);
            let undefined = JsValue::UNDEFINED;
            let reason = fixed.get(slot, &made).unwrap_or(&undefined);
            decision_js(decision.allowed, &matched, &near, reason)
        }
        Err(_) => decision_js(decision.allowed, &matched, &near, &text(reason)),
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

/// What the JS half holds of the call in progress (`readCheck`): the input's own client IP
/// and request, reused in the record when they are the record's.
pub struct Input<'a> {
    seq: f64,
    ip: &'a str,
    request: Option<&'a Request>,
}

/// The answer of `Verifier.check` for `checked`, as one literal: every string a JS value kept
/// here (matched by content) or made now, and the claims the store holds for the token.
/// `token` is the bearer text (the token, or the header carrying it: what a store entry counts).
pub fn answer(
    verifier: &CoreVerifier,
    store: &RefCell<Store>,
    checked: &Checked,
    held: Option<&Input<'_>>,
    token: &str,
) -> CallResult {
    let outcome = &checked.outcome;
    let decision = &outcome.decision;
    // Re-entered from a getter or setter that ran inside this call: nothing kept, all made.
    let mut store = store.try_borrow_mut().ok();
    FIXED.with(|fixed| {
        let mut kept_fixed = fixed.try_borrow_mut().ok();
        let mut own_fixed = Memo::default();
        let fixed = kept_fixed.as_deref_mut().unwrap_or(&mut own_fixed);
        let mut made = Vec::new();
        let reason = fixed.slot(decision.reason.code().as_str(), FIXED_CAP, &mut made);
        let www = outcome
            .www_authenticate
            .as_deref()
            .map(|www| fixed.slot(www, FIXED_CAP, &mut made));
        let record_reason = checked
            .audit
            .as_ref()
            .map(|audit| fixed.slot(audit.reason.code().as_str(), FIXED_CAP, &mut made));
        let mut own = (Memo::default(), JsValue::UNDEFINED);
        let kept = match (&outcome.claims, store.as_deref_mut()) {
            (Some(claims), Some(store)) => store.entry(claims, token, verifier.cache_limits())?,
            _ => None,
        };
        let (memo, claims) = match (kept, &outcome.claims) {
            (Some(kept), _) => (&mut kept.memo, &kept.js),
            (None, Some(claims)) => {
                own.1 = deep_freeze(&claims_js(claims)?);
                (&mut own.0, &own.1)
            }
            (None, None) => (&mut own.0, &own.1),
        };
        // Messages naming the client IP differ from call to call: not kept.
        let keep = match decision.reason {
            Reason::IpNotAllowed | Reason::IpInvalid => 0,
            _ => TOKEN_CAP,
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
            [
                audit.client_id.as_deref(),
                audit.org.as_deref(),
                audit.jti.as_deref(),
                audit.matched.as_deref(),
            ]
            .map(|id| id.map(|id| memo.slot(id, TOKEN_CAP, &mut made)))
        });
        let (memo, fixed, made): (&Memo, &Memo, &[JsValue]) = (memo, fixed, &made);
        let undefined = JsValue::UNDEFINED;
        let null = JsValue::NULL;
        let text = |slot: Option<Slot>, absent| {
            slot.and_then(|slot| memo.get(slot, made)).unwrap_or(absent)
        };
        let record = match (&checked.audit, ids) {
            (Some(audit), Some([client_id, org, jti, record_matched])) => {
                let time = integer_js(audit.time);
                let reason = record_reason
                    .and_then(|slot| fixed.get(slot, made))
                    .unwrap_or(&undefined);
                let build = |seq: f64, ip: &JsValue, request: &JsValue| {
                    record_js(
                        seq,
                        audit.allowed,
                        text(client_id, &null),
                        ip,
                        text(jti, &null),
                        text(record_matched, &null),
                        text(org, &null),
                        reason,
                        request,
                        audit.status,
                        &time,
                    )
                };
                // The input's own JS strings when they are the record's; else made here.
                let reused = held
                    .filter(|held| {
                        held.ip == audit.client_ip && held.request == Some(&audit.request)
                    })
                    .map(|held| build(held.seq, &undefined, &undefined))
                    .filter(|record| !record.is_undefined());
                match reused {
                    Some(record) => record,
                    None => build(
                        0.0,
                        &JsValue::from_str(&audit.client_ip),
                        &request_js(&audit.request),
                    ),
                }
            }
            _ => JsValue::UNDEFINED,
        };
        let error = outcome.error.map(challenge_error_js);
        Ok(checked_js(
            decision.allowed,
            &record,
            claims,
            error.as_ref().unwrap_or(&undefined),
            text(matched, &undefined),
            memo.get(message, made).unwrap_or(&undefined),
            near.as_ref().unwrap_or(&undefined),
            fixed.get(reason, made).unwrap_or(&undefined),
            outcome.status,
            www.and_then(|www| fixed.get(www, made))
                .unwrap_or(&undefined),
        ))
    })
}

thread_local! {
    /// The RFC 6750 error codes as JS strings, made once.
    static CHALLENGE_ERRORS: [JsValue; 3] = ChallengeError::ALL.map(|e| JsValue::from_str(e.as_str()));
}

/// The `error` member of a check answer (the core's [`ChallengeError`]) as a JS string.
fn challenge_error_js(error: ChallengeError) -> JsValue {
    let at = ChallengeError::ALL.iter().position(|e| *e == error);
    CHALLENGE_ERRORS.with(|kept| match at.and_then(|at| kept.get(at)) {
        Some(value) => value.clone(),
        None => JsValue::from_str(error.as_str()),
    })
}

/// An integer as the general path gives it: a number, or a `BigInt` beyond 2^53.
pub fn integer_js(value: i64) -> JsValue {
    if value.unsigned_abs() <= MAX_SAFE {
        JsValue::from_f64(value as f64)
    } else {
        JsValue::from(value)
    }
}

/// An unsigned integer as the general path gives it: a number, or a `BigInt` beyond 2^53.
pub fn unsigned_js(value: u64) -> JsValue {
    if value <= MAX_SAFE {
        JsValue::from_f64(value as f64)
    } else {
        JsValue::from(value)
    }
}

/// The result of `Verifier.loadRevocations` as literals.
pub fn loaded(list: &RevocationList) -> JsValue {
    let entries = js_sys::Array::new();
    for entry in list.entries() {
        entries.push(&match entry {
            RevocationEntry::Client {
                client_id,
                not_before,
            } => entry_js(true, client_id, &integer_js(*not_before)),
            RevocationEntry::Token { jti, revoked_at } => {
                entry_js(false, jti, &integer_js(*revoked_at))
            }
        });
    }
    loaded_js(
        &entries,
        &unsigned_js(list.epoch()),
        &integer_js(list.issued_at()),
    )
}

/// `Verifier.cacheStats` as a literal.
pub fn stats(stats: &CacheStats) -> JsValue {
    let size = |n: usize| unsigned_js(n as u64);
    stats_js(
        &size(stats.bytes),
        &size(stats.entries),
        &unsigned_js(stats.evictions),
        &unsigned_js(stats.hits),
        &unsigned_js(stats.misses),
    )
}

/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE: u64 = (1 << 53) - 1;

/// A request in its JS form (its members sorted, absent ones left out).
fn request_js(request: &Request) -> JsValue {
    let text = |value: Option<&str>| value.map_or(JsValue::UNDEFINED, JsValue::from_str);
    request_literal(
        &JsValue::from_str(request.kind().as_str()),
        &JsValue::from_str(request.action().as_str()),
        &text(request.vault()),
        &text(request.key()),
        &text(request.org()),
    )
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
        if let Some(held) = store.entry(&claims, token, verifier.cache_limits())? {
            return Ok(verified(&held.js));
        }
    }
    Ok(verified(&deep_freeze(&claims_js(&claims)?)))
}
