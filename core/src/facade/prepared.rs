//! The calls of a prepared [`Verifier`] in the façade's wire form, for hosts that keep
//! verifiers behind a text interface (the raw WebAssembly ABI: `host-wasmtime/ABI.md`).
//!
//! A host that holds a verifier natively (JS, Python) calls [`check_with`](super::check_with),
//! [`verify_with`](super::verify_with) and [`load_revocations_into`] directly. A host that
//! only moves text calls [`verifier_json`] once, then [`verifier_call_json`] with one of the
//! [`VerifierOperation`]s for every request: the same typed inputs, outcomes and failures as
//! the one-off operations, so a prepared call answers exactly as `check` or `verify_token`
//! does (and the cache of docs/CACHE.md never changes an answer).
//!
//! This module converts and dispatches, like the rest of the façade; it never keeps
//! verifiers itself (a host owns them) and never builds JSON by hand.

use serde::{Deserialize, Serialize};

use super::input::UnixSeconds;
use super::ops::{check_with, verifier, verify_with, CheckRequest, VerifierInput};
use super::revocations::{revocation_list, LoadedRevocations};
use super::{check_text, CheckedText, Failure, Kind, Outcome, Reply, Sink, Source, ToText};
use crate::cache::CacheStats;
use crate::codes::Code;
use crate::error::Error;
use crate::token::Verifier;
use crate::vocabulary::vocabulary;

vocabulary!(
    /// What a prepared verifier does, by name.
    VerifierOperation ("a verifier operation: `check`, `verify`, `load_revocations` or `cache_stats`") {
        Check => "check",
        Verify => "verify",
        LoadRevocations => "load_revocations",
        CacheStats => "cache_stats",
    }
);

/// `verify` on a prepared verifier: the token and the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an object with `token` and `now`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifyInput {
    /// The compact JWS.
    pub token: String,
    /// Now.
    pub now: UnixSeconds,
}

/// `load_revocations` on a prepared verifier: the list, verified with the verifier's own key
/// set and issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an object with `revocations` (a text)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevocationsInput {
    /// The list: a compact JWS.
    pub revocations: String,
}

/// `cache_stats` on a prepared verifier takes nothing: an empty object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an empty object")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CacheStatsInput {}

/// What a verifier's cache has done, and holds now (a result).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifierCacheStats {
    /// `true`.
    pub ok: bool,
    /// `hits`, `misses`, `evictions`, `entries`, `bytes`.
    #[serde(flatten)]
    pub stats: CacheStats,
}

/// A verifier a host prepared and holds under a handle of its own choosing (a result).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifierHandle {
    /// `true`.
    pub ok: bool,
    /// The host's name for the verifier, to pass with every call.
    pub handle: u32,
}

impl Reply for VerifierCacheStats {
    fn kind(&self) -> Kind {
        Kind::Result
    }
}

impl Reply for VerifierHandle {
    fn kind(&self) -> Kind {
        Kind::Result
    }
}

/// Verifies a revocation list against `verifier`'s own key set and issuer and holds it from
/// now on ([`Verifier::load_revocations`]: a lower epoch is `revocations.stale` and the held
/// list stays); returns its epoch, signing time and entries.
pub fn load_revocations_into(
    verifier: &mut Verifier,
    text: &str,
) -> Result<LoadedRevocations, Error> {
    let list = revocation_list(text, verifier.keys(), &verifier.options().issuer)?;
    let loaded = LoadedRevocations {
        ok: true,
        epoch: list.epoch(),
        issued_at: list.issued_at(),
        entries: list.entries().to_vec(),
    };
    verifier.load_revocations(list)?;
    Ok(loaded)
}

/// Prepares a verifier from a [`VerifierInput`] in JSON text (checked as strictly as every
/// façade input). A failure comes back as its wire text (`outcome: failure`), ready for the
/// host to return.
pub fn verifier_json(input: &[u8]) -> Result<Verifier, String> {
    check_text(input)
        .and_then(|()| {
            CheckedText(input)
                .read::<VerifierInput>()
                .and_then(verifier)
                .map_err(Failure::from)
        })
        .map_err(failure_json)
}

/// Runs one [`VerifierOperation`] on a prepared verifier: the operation's name and its JSON
/// input in, the outcome as JSON text out (never fails: an unknown operation is `op.unknown`,
/// bad input `input.invalid`, like every façade call).
///
/// | operation | input | outcome |
/// |---|---|---|
/// | `check` | a [`CheckRequest`] | an answer: `check`'s [`Checked`](super::Checked) |
/// | `verify` | a [`VerifyInput`] | a result: `verify_token`'s [`VerifiedToken`](super::VerifiedToken), or its `token.*` failure |
/// | `load_revocations` | a [`RevocationsInput`] | a result: [`LoadedRevocations`], or `revocations.invalid` / `revocations.stale` |
/// | `cache_stats` | `{}` | a result: [`VerifierCacheStats`] |
pub fn verifier_call_json(verifier: &mut Verifier, op: &[u8], input: &[u8]) -> String {
    let op = match std::str::from_utf8(op)
        .ok()
        .and_then(VerifierOperation::from_name)
    {
        Some(op) => op,
        None => return failure_json(unknown(op)),
    };
    if let Err(failure) = check_text(input) {
        return failure_json(failure);
    }
    let text = CheckedText(input);
    match op {
        VerifierOperation::Check => ToText.take(Outcome::of(
            text.read::<CheckRequest>()
                .and_then(|request| check_with(verifier, &request)),
        )),
        VerifierOperation::Verify => ToText
            .take(Outcome::of(text.read::<VerifyInput>().and_then(|input| {
                verify_with(verifier, &input.token, input.now.0)
            }))),
        VerifierOperation::LoadRevocations => ToText
            .take(Outcome::of(text.read::<RevocationsInput>().and_then(
                |input| load_revocations_into(verifier, &input.revocations),
            ))),
        VerifierOperation::CacheStats => ToText.take(Outcome::of(
            text.read::<CacheStatsInput>()
                .map(|CacheStatsInput {}| VerifierCacheStats {
                    ok: true,
                    stats: verifier.cache_stats(),
                }),
        )),
    }
}

/// The wire text of a prepared verifier's handle: `{"outcome":"result","ok":true,"handle":N}`.
pub fn prepared_json(handle: u32) -> String {
    ToText.take(Outcome::Result(VerifierHandle { ok: true, handle }))
}

/// The wire text of a failure (`{"outcome":"failure","ok":false,"error":…,"message":…}`).
pub fn failure_json(failure: Failure) -> String {
    ToText.take(Outcome::<()>::Failure(failure))
}

fn unknown(op: &[u8]) -> Failure {
    let names: Vec<&str> = VerifierOperation::ALL
        .iter()
        .map(|op| op.as_str())
        .collect();
    Failure::new(
        Code::OpUnknown,
        format!(
            "unknown verifier operation `{}`: expected one of {}",
            String::from_utf8_lossy(op),
            names.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "test helpers: a failure is the point"
    )]

    use super::*;
    use serde_json::{json, Value};

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn prepared() -> Verifier {
        let jwks = value(&super::super::call_json(
            "public_jwks",
            &json!({"signing_keys": [{"kid": "k1", "seed": "11".repeat(32)}]}).to_string(),
        ));
        verifier_json(
            json!({"jwks": {"keys": jwks["keys"]}, "issuer": "https://i.test", "audience": "https://a.test"})
                .to_string()
                .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn a_bad_verifier_input_is_a_failure_in_wire_form() {
        for (input, code) in [
            (&b"not json"[..], "input.invalid"),
            (b"{}", "input.invalid"),
            (
                br#"{"jwks":{"keys":5},"issuer":"i","audience":"a"}"#,
                "jwks.invalid",
            ),
        ] {
            let out = value(&verifier_json(input).unwrap_err());
            assert_eq!(out["outcome"], "failure");
            assert_eq!(out["error"], code, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn operations_answer_in_the_facade_shapes() {
        let mut v = prepared();
        let stats = value(&verifier_call_json(&mut v, b"cache_stats", b"{}"));
        assert_eq!(
            stats,
            json!({"outcome": "result", "ok": true, "hits": 0, "misses": 0, "evictions": 0, "entries": 0, "bytes": 0})
        );
        let verified = value(&verifier_call_json(
            &mut v,
            b"verify",
            br#"{"token":"a.b.c","now":1}"#,
        ));
        assert_eq!(verified["outcome"], "failure");
        assert!(verified["error"].as_str().unwrap().starts_with("token."));
        let checked = value(&verifier_call_json(
            &mut v,
            b"check",
            br#"{"authorization":"Basic x","now":1,"client_ip":"10.0.0.1","request":{"type":"audit","action":"read"}}"#,
        ));
        assert_eq!(checked["outcome"], "answer");
        assert_eq!(checked["allowed"], false);
        for (op, input, code) in [
            (&b"frobnicate"[..], &b"{}"[..], "op.unknown"),
            (&[0xff][..], b"{}", "op.unknown"),
            (b"verify", b"[1]", "input.invalid"),
            (b"cache_stats", b"{\"a\":1,\"a\":2}", "input.invalid"),
            (
                b"load_revocations",
                b"{\"revocations\":\"x\"}",
                "revocations.invalid",
            ),
        ] {
            let out = value(&verifier_call_json(&mut v, op, input));
            assert_eq!(out["outcome"], "failure");
            assert_eq!(out["error"], code, "{}", String::from_utf8_lossy(op));
        }
        assert_eq!(
            value(&prepared_json(7)),
            json!({"outcome": "result", "ok": true, "handle": 7})
        );
    }
}
