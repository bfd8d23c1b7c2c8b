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
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
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
    fn from_members(members: Map<String, Value>) -> Result<Self, String> {
        // Read in place rather than taken out (`Map::remove` would bring the map's
        // rebalancing code into every WebAssembly module: about 4 KB).
        let id = |name: &str| match members.get(name) {
            Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
            _ => Err(format!("`{name}` must be a non-empty string")),
        };
        let time = |name: &str| {
            members
                .get(name)
                .and_then(Value::as_i64)
                .ok_or_else(|| format!("`{name}` must be an integer number of seconds"))
        };
        let (entry, names) = if members.contains_key("client_id") {
            let entry = Self::Client {
                client_id: id("client_id")?,
                not_before: time("not_before")?,
            };
            (entry, ["client_id", "not_before"])
        } else if members.contains_key("jti") {
            let entry = Self::Token {
                jti: id("jti")?,
                revoked_at: time("revoked_at")?,
            };
            (entry, ["jti", "revoked_at"])
        } else {
            return Err(ENTRY_SHAPE.to_owned());
        };
        match members.keys().find(|name| !names.contains(&name.as_str())) {
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

#[cfg(test)]
mod tests {
    use ed25519_dalek::Signer as _;
    use serde_json::json;

    use super::*;
    use crate::authorize::PermissionSet;
    use crate::encoding::b64url_encode;
    use crate::ip::Allowlist;
    use crate::permission::Permission;
    use crate::token::{IssueParams, IssueTime, Verifier, VerifyOptions};
    use crate::vocabulary::Environment;

    const ISS: &str = "https://iss.test";
    const NOW: i64 = 1_700_000_000;
    const SEED: [u8; 32] = [1; 32];

    fn key() -> SigningKey {
        SigningKey::from_seed("k1", &SEED).unwrap()
    }

    fn keys() -> KeySet {
        KeySet::from_signing_keys([&key()]).unwrap()
    }

    #[test]
    fn an_entry_is_read_member_by_member_the_first_problem_reported() {
        let read = |entry: serde_json::Value| {
            serde_json::from_value::<RevocationEntry>(entry).map_err(|e| e.to_string())
        };
        assert_eq!(
            read(json!({"client_id": "cid_1", "not_before": 5})),
            Ok(client("cid_1", 5))
        );
        assert_eq!(
            read(json!({"revoked_at": 7, "jti": "j1"})),
            Ok(RevocationEntry::Token {
                jti: "j1".to_owned(),
                revoked_at: 7
            })
        );
        let shape = format!("unknown member `extra`: {ENTRY_SHAPE}");
        for (entry, error) in [
            (json!({}), ENTRY_SHAPE.to_owned()),
            (json!({"not_before": 5}), ENTRY_SHAPE.to_owned()),
            // The id first, then the time, then members beyond the two (the first by name).
            (
                json!({"client_id": "", "not_before": "x", "extra": 1}),
                "`client_id` must be a non-empty string".to_owned(),
            ),
            (
                json!({"client_id": "cid_1", "not_before": 1.5, "extra": 1}),
                "`not_before` must be an integer number of seconds".to_owned(),
            ),
            (
                json!({"jti": 5, "revoked_at": 1}),
                "`jti` must be a non-empty string".to_owned(),
            ),
            (
                json!({"jti": "j1", "revoked_at": 1, "zzz": 0, "extra": 1}),
                shape.clone(),
            ),
            // Both kinds' members: read as a client entry, the token's are beyond it.
            (
                json!({"client_id": "cid_1", "not_before": 1, "jti": "j1"}),
                format!("unknown member `jti`: {ENTRY_SHAPE}"),
            ),
        ] {
            assert_eq!(read(entry.clone()), Err(error), "{entry}");
        }
    }

    fn client(id: &str, not_before: i64) -> RevocationEntry {
        RevocationEntry::Client {
            client_id: id.to_owned(),
            not_before,
        }
    }

    fn token(jti: &str, revoked_at: i64) -> RevocationEntry {
        RevocationEntry::Token {
            jti: jti.to_owned(),
            revoked_at,
        }
    }

    fn signed(epoch: u64, entries: Vec<RevocationEntry>) -> String {
        RevocationList::sign(&key(), ISS, epoch, NOW, entries)
            .unwrap()
            .0
    }

    fn list(epoch: u64, entries: Vec<RevocationEntry>) -> RevocationList {
        RevocationList::verify(&signed(epoch, entries), &keys(), ISS).unwrap()
    }

    /// A compact JWS of these exact header and payload texts, signed with `SEED`.
    fn jws(header: &str, payload: &str) -> String {
        let mut text = b64url_encode(header.as_bytes());
        text.push('.');
        text.push_str(&b64url_encode(payload.as_bytes()));
        let signature = ed25519_dalek::SigningKey::from_bytes(&SEED).sign(text.as_bytes());
        text.push('.');
        text.push_str(&b64url_encode(&signature.to_bytes()));
        text
    }

    const HEADER: &str = r#"{"alg":"EdDSA","kid":"k1","typ":"revocations+jwt"}"#;

    fn payload(entries: &str) -> String {
        format!(r#"{{"iss":"{ISS}","iat":{NOW},"epoch":1,"entries":{entries}}}"#)
    }

    fn refused(text: &str) -> RevocationCheck {
        match RevocationList::verify(text, &keys(), ISS) {
            Err(RevocationError::Invalid { check, .. }) => check,
            other => panic!("expected a refusal: {other:?}"),
        }
    }

    fn verifier() -> Verifier {
        Verifier::new(
            keys(),
            VerifyOptions {
                issuer: ISS.to_owned(),
                audience: "https://aud.test".to_owned(),
                leeway: 0,
                revoked_jtis: Vec::new(),
                ..Default::default()
            },
        )
    }

    /// An access token of `cid_1` issued at `iat`, with id `jti-1`.
    fn access_token(iat: i64) -> String {
        let params = IssueParams {
            issuer: ISS,
            audience: "https://aud.test",
            client_id: "cid_1",
            org: "org_1",
            env: Environment::Sandbox,
            now: IssueTime::new(iat).unwrap(),
            jti: "jti-1",
            not_after: None,
        };
        let permissions = PermissionSet::new(vec![Permission::parse("vault:read:org").unwrap()]);
        let claims = crate::token::Claims::issue(
            &params,
            permissions,
            Allowlist::parse(&["10.0.0.1"]).unwrap(),
        );
        key().sign(&claims)
    }

    #[test]
    fn a_signed_list_verifies_to_its_entries() {
        let entries = vec![client("cid_1", NOW - 10), token("jti-1", NOW)];
        let (text, kept) = RevocationList::sign(&key(), ISS, 7, NOW, entries.clone()).unwrap();
        assert_eq!(kept, entries);
        let list = RevocationList::verify(&text, &keys(), ISS).unwrap();
        assert_eq!(
            (
                list.issuer(),
                list.issued_at(),
                list.epoch(),
                list.entries()
            ),
            (ISS, NOW, 7, entries.as_slice())
        );
        assert!(list.is_revoked("cid_1", NOW - 11, "other"));
        assert!(!list.is_revoked("cid_1", NOW - 10, "other"));
        assert!(list.is_revoked("cid_2", NOW, "jti-1"));
        assert!(!list.is_revoked("cid_2", NOW, "jti-2"));
        // Deterministic, and the header is the documented one.
        assert_eq!(text, signed(7, entries));
        let header = crate::encoding::b64url_decode(text.split('.').next().unwrap()).unwrap();
        assert_eq!(header, HEADER.as_bytes());
    }

    #[test]
    fn entries_a_token_lifetime_old_are_dropped_when_signed() {
        let entries = vec![
            client("cid_spent", NOW - 3600),
            client("cid_kept", NOW - 3599),
            token("jti-spent", NOW - 3601),
            token("jti-kept", NOW - 3599),
            token("jti-future", NOW + 100),
        ];
        let (text, kept) = RevocationList::sign(&key(), ISS, 1, NOW, entries).unwrap();
        let expected = vec![
            client("cid_kept", NOW - 3599),
            token("jti-kept", NOW - 3599),
            token("jti-future", NOW + 100),
        ];
        assert_eq!(kept, expected);
        let list = RevocationList::verify(&text, &keys(), ISS).unwrap();
        assert_eq!(list.entries(), expected.as_slice());
        // No overflow at the edges of the time type.
        assert!(token("j", i64::MIN).is_spent(i64::MAX));
        assert!(!token("j", i64::MAX).is_spent(i64::MIN));
    }

    #[test]
    fn a_list_signed_by_another_key_or_an_unknown_kid_is_refused() {
        let other = SigningKey::from_seed("k1", &[2; 32]).unwrap();
        let (text, _) = RevocationList::sign(&other, ISS, 1, NOW, vec![]).unwrap();
        assert_eq!(refused(&text), RevocationCheck::Signature);
        let unknown = SigningKey::from_seed("k2", &SEED).unwrap();
        let (text, _) = RevocationList::sign(&unknown, ISS, 1, NOW, vec![]).unwrap();
        assert_eq!(refused(&text), RevocationCheck::UnknownKey);
        // A changed payload under the original signature.
        let good = signed(1, vec![token("jti-1", NOW)]);
        let parts: Vec<&str> = good.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64url_encode(payload("[]").as_bytes()),
            parts[2]
        );
        assert_eq!(refused(&forged), RevocationCheck::Signature);
    }

    #[test]
    fn only_a_revocations_jwt_is_a_list_and_a_list_is_no_access_token() {
        let header = r#"{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}"#;
        assert_eq!(refused(&jws(header, &payload("[]"))), RevocationCheck::Type);
        assert_eq!(refused(&access_token(NOW)), RevocationCheck::Type);
        let header = r#"{"alg":"EdDSA","kid":"k1","typ":"application/revocations+jwt"}"#;
        assert!(RevocationList::verify(&jws(header, &payload("[]")), &keys(), ISS).is_ok());
        let header = r#"{"alg":"EdDSA","kid":"k1"}"#;
        assert_eq!(refused(&jws(header, &payload("[]"))), RevocationCheck::Type);
        let error = verifier().verify(&signed(1, vec![]), NOW).unwrap_err();
        assert_eq!(error.kind(), TokenErrorKind::WrongType);
    }

    #[test]
    fn the_header_is_held_to_the_token_rules() {
        let header = r#"{"alg":"HS256","kid":"k1","typ":"revocations+jwt"}"#;
        assert_eq!(
            refused(&jws(header, &payload("[]"))),
            RevocationCheck::Algorithm
        );
        let header = r#"{"alg":"Ed25519","kid":"k1","typ":"revocations+jwt"}"#;
        assert!(RevocationList::verify(&jws(header, &payload("[]")), &keys(), ISS).is_ok());
        let header = r#"{"alg":"EdDSA","kid":"k1","typ":"revocations+jwt","jku":"https://x"}"#;
        assert_eq!(
            refused(&jws(header, &payload("[]"))),
            RevocationCheck::ForbiddenHeader
        );
        let header = r#"{"alg":"EdDSA","kid":"","typ":"revocations+jwt"}"#;
        assert_eq!(
            refused(&jws(header, &payload("[]"))),
            RevocationCheck::UnknownKey
        );
        assert_eq!(refused("a.b"), RevocationCheck::Malformed);
        assert_eq!(refused(""), RevocationCheck::Malformed);
    }

    #[test]
    fn a_list_of_another_issuer_is_refused() {
        let (text, _) = RevocationList::sign(&key(), "https://other.test", 1, NOW, vec![]).unwrap();
        assert_eq!(refused(&text), RevocationCheck::Issuer);
        let mut verifier = Verifier::new(
            keys(),
            VerifyOptions {
                issuer: "https://other.test".to_owned(),
                ..VerifyOptions::default()
            },
        );
        let error = verifier.load_revocations(list(1, vec![])).unwrap_err();
        assert!(matches!(
            error,
            RevocationError::Invalid {
                check: RevocationCheck::Issuer,
                ..
            }
        ));
        assert!(verifier.revocations().is_none());
    }

    #[test]
    fn the_size_is_checked_before_anything_else() {
        let at_limit = "a".repeat(MAX_REVOCATIONS_BYTES);
        assert_eq!(refused(&at_limit), RevocationCheck::Malformed);
        let past = "a".repeat(MAX_REVOCATIONS_BYTES + 1);
        assert_eq!(refused(&past), RevocationCheck::TooLarge);
        let error = RevocationList::verify(&past, &keys(), ISS).unwrap_err();
        assert_eq!(error.code(), Code::RevocationsInvalid);
        assert!(error.to_string().contains("1048577 bytes"), "{error}");
        // Signing refuses a list that verification would refuse.
        let long = "j".repeat(MAX_REVOCATIONS_BYTES);
        let error = RevocationList::sign(&key(), ISS, 1, NOW, vec![token(&long, NOW)]).unwrap_err();
        assert!(matches!(
            error,
            RevocationError::Invalid {
                check: RevocationCheck::TooLarge,
                ..
            }
        ));
    }

    #[test]
    fn the_number_of_entries_is_checked_before_any_entry_is_read() {
        let entries = |n: usize, last: &str| {
            let mut texts: Vec<String> = (0..n - 1)
                .map(|i| format!(r#"{{"jti":"j{i}","revoked_at":{NOW}}}"#))
                .collect();
            texts.push(last.to_owned());
            format!("[{}]", texts.join(","))
        };
        let good = r#"{"jti":"last","revoked_at":1}"#;
        let text = jws(HEADER, &payload(&entries(MAX_REVOCATION_ENTRIES, good)));
        let list = RevocationList::verify(&text, &keys(), ISS).unwrap();
        assert_eq!(list.entries().len(), MAX_REVOCATION_ENTRIES);
        // One past the limit, the last entry invalid: the count is the refusal.
        let text = jws(HEADER, &payload(&entries(MAX_REVOCATION_ENTRIES + 1, "5")));
        assert_eq!(refused(&text), RevocationCheck::TooManyEntries);
        let text = jws(HEADER, &payload(&entries(MAX_REVOCATION_ENTRIES, "5")));
        assert_eq!(refused(&text), RevocationCheck::Entry);
        // Signing counts the entries kept, not those dropped.
        let many: Vec<RevocationEntry> = (0..=MAX_REVOCATION_ENTRIES)
            .map(|i| token(&format!("j{i}"), NOW))
            .collect();
        let error = RevocationList::sign(&key(), ISS, 1, NOW, many.clone()).unwrap_err();
        assert!(matches!(
            error,
            RevocationError::Invalid {
                check: RevocationCheck::TooManyEntries,
                ..
            }
        ));
        let mut spent = many;
        spent.push(token("old", NOW - 3600));
        spent.remove(0);
        let (_, kept) = RevocationList::sign(&key(), ISS, 1, NOW, spent).unwrap();
        assert_eq!(kept.len(), MAX_REVOCATION_ENTRIES);
    }

    #[test]
    fn duplicate_members_are_malformed_anywhere() {
        let dup_payload =
            format!(r#"{{"iss":"{ISS}","iss":"{ISS}","iat":{NOW},"epoch":1,"entries":[]}}"#);
        assert_eq!(
            refused(&jws(HEADER, &dup_payload)),
            RevocationCheck::Malformed
        );
        let dup_entry = payload(r#"[{"jti":"a","jti":"b","revoked_at":1}]"#);
        assert_eq!(
            refused(&jws(HEADER, &dup_entry)),
            RevocationCheck::Malformed
        );
        let escaped = payload(r#"[{"jti":"a","j\u0074i":"b","revoked_at":1}]"#);
        assert_eq!(refused(&jws(HEADER, &escaped)), RevocationCheck::Malformed);
        let dup_header = r#"{"alg":"EdDSA","kid":"k1","kid":"k1","typ":"revocations+jwt"}"#;
        assert_eq!(
            refused(&jws(dup_header, &payload("[]"))),
            RevocationCheck::Malformed
        );
    }

    #[test]
    fn the_payload_is_exactly_its_four_members() {
        let cases = [
            format!(r#"{{"iss":"{ISS}","iat":{NOW},"epoch":1,"entries":[],"exp":1}}"#),
            format!(r#"{{"iss":"{ISS}","iat":{NOW},"entries":[]}}"#),
            format!(r#"{{"iss":"{ISS}","iat":{NOW},"epoch":-1,"entries":[]}}"#),
            format!(r#"{{"iss":"{ISS}","iat":{NOW},"epoch":1.5,"entries":[]}}"#),
            format!(r#"{{"iss":"{ISS}","iat":"now","epoch":1,"entries":[]}}"#),
            format!(r#"{{"iss":1,"iat":{NOW},"epoch":1,"entries":[]}}"#),
            format!(r#"{{"iss":"{ISS}","iat":{NOW},"epoch":1,"entries":{{}}}}"#),
        ];
        for case in &cases {
            assert_eq!(
                refused(&jws(HEADER, case)),
                RevocationCheck::Payload,
                "{case}"
            );
        }
        let entries = [
            r#"[{"client_id":"cid_1","not_before":1,"note":"x"}]"#,
            r#"[{"client_id":"cid_1","jti":"j","not_before":1}]"#,
            r#"[{"client_id":"cid_1"}]"#,
            r#"[{"client_id":"","not_before":1}]"#,
            r#"[{"jti":"j","revoked_at":"yesterday"}]"#,
            r#"[{"not_before":1}]"#,
            r#"["cid_1"]"#,
        ];
        for entry in entries {
            assert_eq!(
                refused(&jws(HEADER, &payload(entry))),
                RevocationCheck::Entry,
                "{entry}"
            );
        }
        let epoch_max = format!(
            r#"{{"iss":"{ISS}","iat":{NOW},"epoch":{},"entries":[]}}"#,
            u64::MAX
        );
        let list = RevocationList::verify(&jws(HEADER, &epoch_max), &keys(), ISS).unwrap();
        assert_eq!(list.epoch(), u64::MAX);
    }

    #[test]
    fn entries_read_from_json_are_strict() {
        let entry: RevocationEntry =
            serde_json::from_value(json!({ "client_id": "cid_1", "not_before": 5 })).unwrap();
        assert_eq!(entry, client("cid_1", 5));
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            json!({ "client_id": "cid_1", "not_before": 5 })
        );
        let entry: RevocationEntry = serde_json::from_str(r#"{"revoked_at":5,"jti":"j"}"#).unwrap();
        assert_eq!(entry, token("j", 5));
        for bad in [
            r#"{"jti":"j","revoked_at":5,"extra":1}"#,
            r#"{"jti":"j","jti":"k","revoked_at":5}"#,
            r#"{"jti":"","revoked_at":5}"#,
            r#"[]"#,
        ] {
            assert!(
                serde_json::from_str::<RevocationEntry>(bad).is_err(),
                "{bad}"
            );
        }
        let error = RevocationList::sign(&key(), ISS, 1, NOW, vec![token("", NOW)]).unwrap_err();
        assert!(matches!(
            error,
            RevocationError::Invalid {
                check: RevocationCheck::Entry,
                ..
            }
        ));
    }

    #[test]
    fn a_lower_epoch_is_stale_and_the_held_list_stays() {
        let mut verifier = verifier();
        verifier
            .load_revocations(list(5, vec![token("jti-1", NOW)]))
            .unwrap();
        let error = verifier.load_revocations(list(4, vec![])).unwrap_err();
        assert_eq!(
            error,
            RevocationError::Stale {
                held: 5,
                offered: 4
            }
        );
        assert_eq!(error.code(), Code::RevocationsStale);
        assert_eq!(
            crate::error::Error::from(error).code(),
            Code::RevocationsStale
        );
        assert_eq!(verifier.revocations().map(RevocationList::epoch), Some(5));
        assert_eq!(
            verifier.verify(&access_token(NOW), NOW).unwrap_err().kind(),
            TokenErrorKind::Revoked
        );
        // An equal epoch is a re-fetch: accepted, and it replaces the list.
        verifier.load_revocations(list(5, vec![])).unwrap();
        assert!(verifier.verify(&access_token(NOW), NOW).is_ok());
        verifier.load_revocations(list(6, vec![])).unwrap();
        assert_eq!(verifier.revocations().map(RevocationList::epoch), Some(6));
    }

    #[test]
    fn a_client_entry_revokes_tokens_issued_strictly_before_not_before() {
        let token_at = NOW - 100;
        let mut verifier = verifier();
        assert!(verifier.verify(&access_token(token_at), NOW).is_ok());
        verifier
            .load_revocations(list(1, vec![client("cid_1", token_at)]))
            .unwrap();
        assert!(verifier.verify(&access_token(token_at), NOW).is_ok());
        verifier
            .load_revocations(list(2, vec![client("cid_1", token_at + 1)]))
            .unwrap();
        let error = verifier.verify(&access_token(token_at), NOW).unwrap_err();
        assert_eq!(error.kind(), TokenErrorKind::Revoked);
        assert_eq!(error.code(), Code::TokenRevoked);
        assert!(error.to_string().contains("`cid_1`"), "{error}");
        // Another client's entry revokes nothing; the later of two entries holds.
        verifier
            .load_revocations(list(
                3,
                vec![
                    client("cid_2", NOW),
                    client("cid_1", token_at + 1),
                    client("cid_1", token_at),
                ],
            ))
            .unwrap();
        assert_eq!(
            verifier
                .verify(&access_token(token_at), NOW)
                .unwrap_err()
                .kind(),
            TokenErrorKind::Revoked
        );
    }

    #[test]
    fn revocation_is_judged_only_after_every_other_check() {
        let mut verifier = verifier();
        verifier
            .load_revocations(list(
                1,
                vec![token("jti-1", NOW), client("cid_1", NOW + 10)],
            ))
            .unwrap();
        let expired = verifier.verify(&access_token(NOW - 3600), NOW).unwrap_err();
        assert_eq!(expired.kind(), TokenErrorKind::Expired);
        let mut audience = Verifier::new(
            keys(),
            VerifyOptions {
                audience: "https://elsewhere.test".to_owned(),
                ..verifier.options().clone()
            },
        );
        let held = verifier.revocations().unwrap().clone();
        audience.load_revocations(held).unwrap();
        let error = audience.verify(&access_token(NOW), NOW).unwrap_err();
        assert_eq!(error.kind(), TokenErrorKind::WrongAudience);
        let error = verifier.verify(&access_token(NOW), NOW).unwrap_err();
        assert_eq!(error.kind(), TokenErrorKind::Revoked);
    }

    #[test]
    fn revoked_jtis_still_work_beside_a_list() {
        let mut verifier = Verifier::new(
            keys(),
            VerifyOptions {
                revoked_jtis: vec!["jti-1".to_owned()],
                ..verifier().options().clone()
            },
        );
        let error = verifier.verify(&access_token(NOW), NOW).unwrap_err();
        assert_eq!(error.kind(), TokenErrorKind::Revoked);
        verifier
            .load_revocations(list(1, vec![token("jti-other", NOW)]))
            .unwrap();
        let error = verifier.verify(&access_token(NOW), NOW).unwrap_err();
        assert_eq!(error.kind(), TokenErrorKind::Revoked);
    }

    #[test]
    fn errors_name_the_check_and_map_to_their_codes() {
        let error = RevocationList::verify("a.b", &keys(), ISS).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid revocation list: the list is not a well-formed compact JWS: expected three parts separated by `.`"
        );
        let error = crate::error::Error::from(error);
        assert_eq!(error.code(), Code::RevocationsInvalid);
        let failure = crate::facade::Failure::from(error);
        assert_eq!(failure.code, Code::RevocationsInvalid);
    }
}
