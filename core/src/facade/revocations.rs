//! The revocation-list operations (docs/LIFECYCLE.md, "Revocation lists"): `sign_revocations`
//! and `load_revocations`, their inputs and results, and the reading of the optional
//! `revocations` member of a verifier's input. Every decision is
//! [`crate::revocation`]'s; this module converts.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::UnixSeconds;
use super::ops::SigningKeyInput;
use super::{Kind, Reply};
use crate::error::Error;
use crate::revocation::{RevocationEntry, RevocationList};
use crate::token::KeySet;

/// A revocation list's epoch: an integer, 0 or more, that only grows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Epoch(pub u64);

impl<'de> Deserialize<'de> for Epoch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Count;
        impl Visitor<'_> for Count {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an epoch: an integer, 0 or more")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
                u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
        }
        deserializer.deserialize_u64(Count).map(Self)
    }
}

// ------------------------------------------------------------------ sign_revocations

/// `sign_revocations`: the key that signs, the issuer, the list's epoch, the time and the
/// entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `signing_key`, `issuer`, `epoch`, `now` and `entries` (an array)"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignRevocationsInput {
    /// The key that signs (a token signing key: the list is verified with the same JWKS).
    pub signing_key: SigningKeyInput,
    /// The `iss` of the list.
    pub issuer: String,
    /// The list's epoch.
    pub epoch: Epoch,
    /// Now: the list's `iat`, and the time entries are judged spent at.
    pub now: UnixSeconds,
    /// The entries; those at least a token lifetime old are dropped.
    pub entries: Vec<RevocationEntry>,
}

/// A signed revocation list (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignedRevocations {
    /// `true`.
    pub ok: bool,
    /// The list: a compact JWS.
    pub revocations: String,
    /// The entries kept, in order.
    pub entries: Vec<RevocationEntry>,
    /// The list's epoch.
    pub epoch: u64,
}

/// Signs a revocation list; a bad key is `key.invalid`, a list too large to verify
/// `revocations.invalid`.
pub fn sign_revocations(input: SignRevocationsInput) -> Result<SignedRevocations, Error> {
    let key = input.signing_key.key()?;
    let (revocations, entries) = RevocationList::sign(
        &key,
        &input.issuer,
        input.epoch.0,
        input.now.0,
        input.entries,
    )?;
    Ok(SignedRevocations {
        ok: true,
        revocations,
        entries,
        epoch: input.epoch.0,
    })
}

// ------------------------------------------------------------------ load_revocations

/// `load_revocations`: a list, the key set and issuer it is verified against, and the
/// epoch of the list the caller holds, if any.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `revocations` (a text), `jwks`, `issuer` and optionally `held_epoch`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoadRevocationsInput {
    /// The list: a compact JWS.
    pub revocations: String,
    /// A JWKS (SPEC §6).
    pub jwks: Value,
    /// The expected `iss`.
    pub issuer: String,
    /// The epoch of the list held: a lower epoch is `revocations.stale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_epoch: Option<Epoch>,
}

/// A verified revocation list (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoadedRevocations {
    /// `true`.
    pub ok: bool,
    /// The list's epoch.
    pub epoch: u64,
    /// When the list was signed (`iat`), Unix seconds.
    pub issued_at: i64,
    /// The entries, in order.
    pub entries: Vec<RevocationEntry>,
}

/// Verifies a revocation list's text against `keys` and `issuer`.
pub fn revocation_list(text: &str, keys: &KeySet, issuer: &str) -> Result<RevocationList, Error> {
    Ok(RevocationList::verify(text, keys, issuer)?)
}

/// Verifies a revocation list: `jwks.invalid`, `revocations.invalid`, or
/// `revocations.stale` when its epoch is lower than `held_epoch`.
pub fn load_revocations(input: LoadRevocationsInput) -> Result<LoadedRevocations, Error> {
    let keys = KeySet::from_value(&input.jwks)?;
    let list = revocation_list(&input.revocations, &keys, &input.issuer)?;
    if let Some(held) = input.held_epoch {
        list.check_not_older_than(held.0)?;
    }
    Ok(LoadedRevocations {
        ok: true,
        epoch: list.epoch(),
        issued_at: list.issued_at(),
        entries: list.into_entries(),
    })
}

impl Reply for SignedRevocations {
    fn kind(&self) -> Kind {
        Kind::Result
    }
}

impl Reply for LoadedRevocations {
    fn kind(&self) -> Kind {
        Kind::Result
    }
}
