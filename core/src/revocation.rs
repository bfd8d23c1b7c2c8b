//! Signed revocation lists (docs/LIFECYCLE.md, "Revocation lists"; SPEC §5): the list's
//! entries, signing one with a token signing key, verifying one against a JWKS, and the
//! lookup a [`crate::token::Verifier`] makes for every token that passed SPEC §6.
//!
//! A list is a compact JWS with the header `{"alg": "EdDSA", "typ": "revocations+jwt",
//! "kid": …}` and the payload `{"iss", "iat", "epoch", "entries"}`. Its structure, header and
//! signature are checked by exactly the steps that check an access token
//! ([`crate::token::verify_signature`] is the one signature step); only the size, the `typ`
//! and the payload are the list's own.
//!
//! This module owns the list format, its limits ([`MAX_REVOCATIONS_BYTES`],
//! [`MAX_REVOCATION_ENTRIES`]) and the rule that an entry older than a token lifetime is
//! dropped. It never does I/O and never reads a clock: `now` is an argument, and fetching,
//! storing or refreshing a list is the host's business.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codes::Code;
use crate::json::ValueSeed;
use crate::token::{verify_compact, KeySet, SigningKey, TokenError, TokenErrorKind};
use crate::token::{Claims, TOKEN_LIFETIME_SECS};

/// A list's text longer than this many bytes (1 MiB) is refused before it is decoded.
pub const MAX_REVOCATIONS_BYTES: usize = 1 << 20;

/// A list with more entries than this is refused before any entry is read.
pub const MAX_REVOCATION_ENTRIES: usize = 10_000;

/// The `typ` of a revocation list on output.
pub const REVOCATIONS_TYP: &str = "revocations+jwt";

/// The `typ` values a list may carry on input, compared case-insensitively (RFC 7515
/// §4.1.9: a media type, `application/` optional), as for access tokens.
const REVOCATIONS_TYPS: [&str; 2] = [REVOCATIONS_TYP, "application/revocations+jwt"];

/// The members of a list's payload, every one required, no other allowed.
const PAYLOAD_MEMBERS: [&str; 4] = ["iss", "iat", "epoch", "entries"];

/// One entry of a revocation list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum RevocationEntry {
    /// Every token of the client issued before `not_before` (`iat < not_before`) is revoked:
    /// a disable, a delete, a rotation after a compromise.
    Client {
        /// The client id.
        client_id: String,
        /// Unix seconds.
        not_before: i64,
    },
    /// The one token with this `jti` is revoked.
    Token {
        /// The token id.
        jti: String,
        /// When it was revoked, Unix seconds.
        revoked_at: i64,
    },
}

impl RevocationEntry {
    /// The entry's time: `not_before` or `revoked_at`.
    pub fn time(&self) -> i64 {
        match self {
            Self::Client { not_before, .. } => *not_before,
            Self::Token { revoked_at, .. } => *revoked_at,
        }
    }

    /// Whether every token the entry could revoke has expired at `now`: the entry is at
    /// least a token lifetime old (`now - t >= 3600`).
    pub fn is_spent(&self, now: i64) -> bool {
        i128::from(now) - i128::from(self.time()) >= i128::from(TOKEN_LIFETIME_SECS)
    }

    /// Reads an entry from its JSON members: exactly `client_id` (a non-empty string) and
    /// `not_before` (an integer), or exactly `jti` and `revoked_at`.
    fn from_members(mut members: Map<String, Value>) -> Result<Self, String> {
        let id = |members: &mut Map<String, Value>, name: &str| match members.remove(name) {
            Some(Value::String(id)) if !id.is_empty() => Ok(id),
            _ => Err(format!("`{name}` must be a non-empty string")),
        };
        let time = |members: &mut Map<String, Value>, name: &str| {
            members
                .remove(name)
                .and_then(|t| t.as_i64())
                .ok_or_else(|| format!("`{name}` must be an integer number of seconds"))
        };
        let entry = if members.contains_key("client_id") {
            Self::Client {
                client_id: id(&mut members, "client_id")?,
                not_before: time(&mut members, "not_before")?,
            }
        } else if members.contains_key("jti") {
            Self::Token {
                jti: id(&mut members, "jti")?,
                revoked_at: time(&mut members, "revoked_at")?,
            }
        } else {
            return Err(ENTRY_SHAPE.to_owned());
        };
        match members.keys().next() {
            Some(name) => Err(format!("unknown member `{name}`: {ENTRY_SHAPE}")),
            None => Ok(entry),
        }
    }

    /// An entry built in Rust, held to the rules of one read from JSON.
    fn check(&self) -> Result<(), String> {
        match self {
            Self::Client { client_id: id, .. } | Self::Token { jti: id, .. } if id.is_empty() => {
                Err("an entry's `client_id` or `jti` must be a non-empty string".to_owned())
            }
            _ => Ok(()),
        }
    }
}

const ENTRY_SHAPE: &str = "an entry is an object `{client_id, not_before}` or `{jti, revoked_at}`";

/// An entry read from JSON (a façade input, or a list's payload): duplicate member names are
/// an error, and so is any member beyond the entry's two.
impl<'de> Deserialize<'de> for RevocationEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> Visitor<'de> for Entry {
            type Value = RevocationEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a revocation entry: an object `{client_id, not_before}` or `{jti, revoked_at}`",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut members = Map::new();
                while let Some(name) = access.next_key::<String>()? {
                    if members.contains_key(&name) {
                        return Err(de::Error::custom(format_args!("duplicate member `{name}`")));
                    }
                    let value = access.next_value_seed(ValueSeed::default())?;
                    members.insert(name, value);
                }
                RevocationEntry::from_members(members).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_map(Entry)
    }
}

/// The check of a revocation list that failed (the list is `revocations.invalid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationCheck {
    /// The text is longer than [`MAX_REVOCATIONS_BYTES`].
    TooLarge,
    /// Not three canonical base64url parts, or a header or payload that is not a JSON
    /// object with distinct member names.
    Malformed,
    /// `alg` is not `EdDSA` or `Ed25519`.
    Algorithm,
    /// `typ` is not `revocations+jwt`.
    Type,
    /// The header has `crit`, `jku`, `jwk`, `x5u`, `x5c` or `b64`.
    ForbiddenHeader,
    /// No trusted key has the header's `kid`.
    UnknownKey,
    /// Ed25519 strict verification failed.
    Signature,
    /// A payload member is missing, unknown or of the wrong type.
    Payload,
    /// More than [`MAX_REVOCATION_ENTRIES`] entries.
    TooManyEntries,
    /// An entry is not `{client_id, not_before}` or `{jti, revoked_at}`.
    Entry,
    /// `iss` is not the expected issuer.
    Issuer,
}

impl RevocationCheck {
    /// A short fixed description.
    pub fn description(self) -> &'static str {
        match self {
            Self::TooLarge => "the list is too large",
            Self::Malformed => "the list is not a well-formed compact JWS",
            Self::Algorithm => "the list is not signed with EdDSA",
            Self::Type => "the JWS is not a revocation list (typ revocations+jwt)",
            Self::ForbiddenHeader => "the list's header has a forbidden member",
            Self::UnknownKey => "the list is signed by an unknown key",
            Self::Signature => "the list's signature is invalid",
            Self::Payload => "the list's payload is not `{iss, iat, epoch, entries}`",
            Self::TooManyEntries => "the list has too many entries",
            Self::Entry => "the list has an invalid entry",
            Self::Issuer => "the list is from another issuer",
        }
    }

    /// The check that matches a failed step shared with access tokens.
    fn of(kind: TokenErrorKind) -> Self {
        match kind {
            TokenErrorKind::TooLarge => Self::TooLarge,
            TokenErrorKind::Malformed => Self::Malformed,
            TokenErrorKind::UnsupportedAlg => Self::Algorithm,
            TokenErrorKind::WrongType => Self::Type,
            TokenErrorKind::ForbiddenHeader => Self::ForbiddenHeader,
            TokenErrorKind::UnknownKey => Self::UnknownKey,
            TokenErrorKind::BadSignature => Self::Signature,
            _ => Self::Payload,
        }
    }
}

/// A revocation list was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationError {
    /// `revocations.invalid`: the list failed `check`; `detail` says how.
    Invalid {
        /// The check that failed.
        check: RevocationCheck,
        /// What exactly failed, for a person.
        detail: String,
    },
    /// `revocations.stale`: the list's epoch is lower than the one held.
    Stale {
        /// The epoch of the list held.
        held: u64,
        /// The epoch of the list offered.
        offered: u64,
    },
}

impl RevocationError {
    fn invalid(check: RevocationCheck, detail: impl Into<String>) -> Self {
        Self::Invalid {
            check,
            detail: detail.into(),
        }
    }

    /// The stable code (project-defined, see docs/CODES.md).
    pub fn code(&self) -> Code {
        match self {
            Self::Invalid { .. } => Code::RevocationsInvalid,
            Self::Stale { .. } => Code::RevocationsStale,
        }
    }
}

impl From<TokenError> for RevocationError {
    fn from(e: TokenError) -> Self {
        Self::invalid(RevocationCheck::of(e.kind()), e.detail())
    }
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { check, detail } => write!(
                f,
                "invalid revocation list: {}: {detail}",
                check.description()
            ),
            Self::Stale { held, offered } => write!(
                f,
                "stale revocation list: its epoch {offered} is lower than the held list's {held}"
            ),
        }
    }
}

impl std::error::Error for RevocationError {}

/// A verified revocation list, indexed for lookups: client ids to their `not_before`, and the
/// set of revoked `jti`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationList {
    issuer: String,
    issued_at: i64,
    epoch: u64,
    entries: Vec<RevocationEntry>,
    clients: HashMap<String, i64>,
    jtis: HashSet<String>,
}

/// The payload of a list, as signed.
#[derive(Serialize)]
struct Payload<'a> {
    iss: &'a str,
    iat: i64,
    epoch: u64,
    entries: &'a [RevocationEntry],
}

impl RevocationList {
    /// The list of these entries, indexed. Two entries for one client: the later
    /// `not_before` holds.
    fn build(issuer: String, issued_at: i64, epoch: u64, entries: Vec<RevocationEntry>) -> Self {
        let mut clients = HashMap::new();
        let mut jtis = HashSet::new();
        for entry in &entries {
            match entry {
                RevocationEntry::Client {
                    client_id,
                    not_before,
                } => {
                    let t = clients.entry(client_id.clone()).or_insert(*not_before);
                    *t = (*t).max(*not_before);
                }
                RevocationEntry::Token { jti, .. } => {
                    jtis.insert(jti.clone());
                }
            }
        }
        Self {
            issuer,
            issued_at,
            epoch,
            entries,
            clients,
            jtis,
        }
    }

    /// Signs a list of `entries` for `issuer` at `now`, as a compact JWS with `key`;
    /// deterministic. Entries at least a token lifetime old ([`RevocationEntry::is_spent`])
    /// are dropped first: every token they could revoke has expired. Gives the JWS and the
    /// entries kept, in order.
    ///
    /// Refused (`revocations.invalid`) when an entry has an empty id, or when the list kept
    /// would be refused by [`RevocationList::verify`]: more than [`MAX_REVOCATION_ENTRIES`]
    /// entries kept, or a JWS longer than [`MAX_REVOCATIONS_BYTES`].
    pub fn sign(
        key: &SigningKey,
        issuer: &str,
        epoch: u64,
        now: i64,
        entries: Vec<RevocationEntry>,
    ) -> Result<(String, Vec<RevocationEntry>), RevocationError> {
        let kept: Vec<RevocationEntry> = entries.into_iter().filter(|e| !e.is_spent(now)).collect();
        if kept.len() > MAX_REVOCATION_ENTRIES {
            return Err(too_many(kept.len()));
        }
        for entry in &kept {
            entry
                .check()
                .map_err(|detail| RevocationError::invalid(RevocationCheck::Entry, detail))?;
        }
        let payload = Payload {
            iss: issuer,
            iat: now,
            epoch,
            entries: &kept,
        };
        // Serializing strings and integers cannot fail; an empty payload would fail
        // verification.
        let payload = serde_json::to_vec(&payload).unwrap_or_default();
        let text = key.sign_compact(REVOCATIONS_TYP, &payload);
        if text.len() > MAX_REVOCATIONS_BYTES {
            return Err(too_large(text.len()));
        }
        Ok((text, kept))
    }

    /// Verifies a list's text against the trusted `keys`, for the expected `issuer`. The
    /// first failure wins: size ([`MAX_REVOCATIONS_BYTES`]) → structure, `alg`, `typ`
    /// (`revocations+jwt`), forbidden header members, `kid` and signature, as for an access
    /// token → the payload: exactly `iss` (a string), `iat` (an integer), `epoch` (an
    /// integer, 0 or more) and `entries` (an array) → the number of entries
    /// ([`MAX_REVOCATION_ENTRIES`], before any entry is read) → each entry → `iss`.
    /// Every failure is `revocations.invalid`, naming the check.
    pub fn verify(text: &str, keys: &KeySet, issuer: &str) -> Result<Self, RevocationError> {
        use RevocationCheck as C;
        if text.len() > MAX_REVOCATIONS_BYTES {
            return Err(too_large(text.len()));
        }
        let payload = verify_compact(text, keys, &REVOCATIONS_TYPS, &PAYLOAD_MEMBERS)?;
        if let Some(name) = payload.rest.keys().next() {
            return Err(RevocationError::invalid(
                C::Payload,
                format!("unknown member `{name}`"),
            ));
        }
        let payload_error = |detail: &str| RevocationError::invalid(C::Payload, detail);
        let [iss, iat, epoch, entries] = payload.known;
        let iss = match iss {
            Some(Value::String(iss)) => iss,
            Some(_) => return Err(payload_error("`iss` must be a string")),
            None => return Err(payload_error("`iss` is missing")),
        };
        let iat = iat
            .ok_or_else(|| payload_error("`iat` is missing"))?
            .as_i64()
            .ok_or_else(|| payload_error("`iat` must be an integer number of seconds"))?;
        let epoch = epoch
            .ok_or_else(|| payload_error("`epoch` is missing"))?
            .as_u64()
            .ok_or_else(|| payload_error("`epoch` must be an integer, 0 or more"))?;
        let entries = match entries {
            Some(Value::Array(entries)) => entries,
            Some(_) => return Err(payload_error("`entries` must be an array")),
            None => return Err(payload_error("`entries` is missing")),
        };
        if entries.len() > MAX_REVOCATION_ENTRIES {
            return Err(too_many(entries.len()));
        }
        let entries = entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                match entry {
                    Value::Object(members) => RevocationEntry::from_members(members),
                    _ => Err(ENTRY_SHAPE.to_owned()),
                }
                .map_err(|detail| {
                    RevocationError::invalid(C::Entry, format!("entry {i}: {detail}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let list = Self::build(iss, iat, epoch, entries);
        list.check_issuer(issuer)?;
        Ok(list)
    }

    /// `revocations.invalid` unless the list is `issuer`'s.
    pub fn check_issuer(&self, issuer: &str) -> Result<(), RevocationError> {
        if self.issuer == issuer {
            Ok(())
        } else {
            Err(RevocationError::invalid(
                RevocationCheck::Issuer,
                format!("issued by `{}`, expected `{issuer}`", self.issuer),
            ))
        }
    }

    /// `revocations.stale` when the list's epoch is lower than `held`; an equal epoch is a
    /// re-fetch of the same list, and accepted.
    pub fn check_not_older_than(&self, held: u64) -> Result<(), RevocationError> {
        if self.epoch < held {
            Err(RevocationError::Stale {
                held,
                offered: self.epoch,
            })
        } else {
            Ok(())
        }
    }

    /// The `iss` of the list.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// When the list was signed (`iat`), Unix seconds.
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// The list's epoch: it only grows.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The entries, in the list's order.
    pub fn entries(&self) -> &[RevocationEntry] {
        &self.entries
    }

    /// The entries, in the list's order, taken out of the list.
    pub fn into_entries(self) -> Vec<RevocationEntry> {
        self.entries
    }

    /// Whether the list revokes the token of `client_id` issued at `iat` with id `jti`: an
    /// entry for the client with `iat < not_before`, or one for the `jti`.
    pub fn is_revoked(&self, client_id: &str, iat: i64, jti: &str) -> bool {
        self.client_revocation(client_id, iat).is_some() || self.jtis.contains(jti)
    }

    /// The `not_before` that revokes a token of `client_id` issued at `iat`, if one does.
    fn client_revocation(&self, client_id: &str, iat: i64) -> Option<i64> {
        self.clients
            .get(client_id)
            .copied()
            .filter(|not_before| iat < *not_before)
    }

    /// Why the list revokes the token of these claims, when it does.
    pub(crate) fn revokes(&self, claims: &Claims) -> Option<String> {
        if let Some(not_before) = self.client_revocation(&claims.client_id, claims.iat) {
            return Some(format!(
                "the tokens of `{}` issued before {not_before} are revoked (this one at {})",
                claims.client_id, claims.iat
            ));
        }
        self.jtis
            .contains(&claims.jti)
            .then(|| format!("`{}` is on the revocation list", claims.jti))
    }
}

fn too_large(len: usize) -> RevocationError {
    RevocationError::invalid(
        RevocationCheck::TooLarge,
        format!("{len} bytes, the limit is {MAX_REVOCATIONS_BYTES}"),
    )
}

fn too_many(count: usize) -> RevocationError {
    RevocationError::invalid(
        RevocationCheck::TooManyEntries,
        format!("{count} entries, the limit is {MAX_REVOCATION_ENTRIES}"),
    )
}
