//! Access tokens (SPEC §6): Ed25519 signing keys, JWKS in and out, deterministic issuance,
//! and verification in exactly the SPEC's order.
//!
//! Tokens are compact JWS (RFC 7515) with the RFC 9068 profile, signed with Ed25519
//! (RFC 8037). No key ever comes from a token: keys come from a [`KeySet`] the host trusts.
//! This module takes the time as an argument and never reads a clock.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ed25519_dalek::{Signature, Signer as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::authorize::PermissionSet;
use crate::cache::{CacheLimits, CacheStats, TokenCache};
use crate::codes::Code;
use crate::encoding::{b64url_decode, b64url_encode, hex_decode};
use crate::ip::Allowlist;
use crate::json::{parse_object_picking, parse_strict, PickedObject};
use crate::revocation::{RevocationError, RevocationList};
use crate::vocabulary::Environment;

/// Tokens longer than this many bytes are rejected before anything else.
pub const MAX_TOKEN_BYTES: usize = 8192;

/// Lifetime of an issued token, in seconds.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;

/// The latest issue time: a token issued then expires at 9999-12-31T23:59:59Z. Issuance at
/// a time outside `0..=MAX_ISSUE_TIME` is refused (`input.invalid`), so `exp - iat` is
/// always [`TOKEN_LIFETIME_SECS`] and no host's date type overflows on `exp`.
pub const MAX_ISSUE_TIME: i64 = 253_402_300_799 - TOKEN_LIFETIME_SECS;

/// An issue time within `0..=`[`MAX_ISSUE_TIME`], Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssueTime(i64);

impl IssueTime {
    /// `now`, when a token may be issued at it.
    pub fn new(now: i64) -> Result<Self, crate::error::InputError> {
        if (0..=MAX_ISSUE_TIME).contains(&now) {
            Ok(Self(now))
        } else {
            Err(crate::error::InputError::new(format!(
                "`now` is {now}: tokens are issued at Unix times from 0 to {MAX_ISSUE_TIME}"
            )))
        }
    }

    /// The time, Unix seconds.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Random bytes a host draws for a token's `jti` when the caller gives none (16 bytes, as
/// 32 lowercase hex characters: collisions are out of reach for any issuer's lifetime).
pub const JTI_BYTES: usize = 16;

/// Header members that would let a token choose its own key or processing rules.
const FORBIDDEN_HEADERS: [&str; 6] = ["crit", "jku", "jwk", "x5u", "x5c", "b64"];

/// The `typ` of an access token on output (RFC 9068).
const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The `typ` values an access token may carry on input, compared case-insensitively
/// (RFC 7515 §4.1.9: a media type, `application/` optional).
const ACCESS_TOKEN_TYPS: [&str; 2] = [ACCESS_TOKEN_TYP, "application/at+jwt"];

pub use crate::reason::TokenErrorKind;

/// A token failed verification: its kind (the code) and a detail for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError {
    kind: TokenErrorKind,
    detail: String,
}

impl TokenError {
    fn new(kind: TokenErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> TokenErrorKind {
        self.kind
    }

    /// The stable SPEC §8 code.
    pub fn code(&self) -> Code {
        self.kind.code()
    }

    /// What exactly failed, for a person.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.description(), self.detail)
    }
}

impl std::error::Error for TokenError {}

/// A key set is unusable: not a JWKS object with a `keys` array, or two usable keys with
/// the same `kid`. Code `jwks.invalid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwksError {
    detail: String,
}

impl JwksError {
    pub(crate) fn new(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
        }
    }

    /// What exactly is wrong, for a person.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The stable SPEC §8 code.
    pub fn code(&self) -> Code {
        Code::JwksInvalid
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JWKS: {}", self.detail)
    }
}

impl std::error::Error for JwksError {}

/// A signing key could not be built: the seed is not 32 bytes of hex, or the kid is empty.
/// Code `key.invalid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError {
    detail: String,
}

impl KeyError {
    /// The stable code (project-defined, see docs/CODES.md).
    pub fn code(&self) -> Code {
        Code::KeyInvalid
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid signing key: {}", self.detail)
    }
}

impl std::error::Error for KeyError {}

/// An Ed25519 signing key with its `kid`, derived from a 32-byte seed (RFC 8032).
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The seed is a secret: never print it.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Builds the key for `kid` from a seed. The seed is the whole secret: take it from a
    /// cryptographically secure source.
    pub fn from_seed(kid: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        if kid.is_empty() {
            return Err(KeyError {
                detail: "the kid must not be empty".to_owned(),
            });
        }
        Ok(Self {
            kid: kid.to_owned(),
            key: ed25519_dalek::SigningKey::from_bytes(seed),
        })
    }

    /// Builds the key from a seed given as 64 hex characters.
    pub fn from_hex(kid: &str, seed_hex: &str) -> Result<Self, KeyError> {
        let seed: [u8; 32] = hex_decode(seed_hex)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| KeyError {
                detail: "the seed must be 32 bytes as 64 hex characters".to_owned(),
            })?;
        Self::from_seed(kid, &seed)
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as a compact JWS; deterministic (Ed25519 signatures are).
    pub fn sign(&self, claims: &Claims) -> String {
        // Serializing this plain struct cannot fail; an empty object would fail verification.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        self.sign_compact(ACCESS_TOKEN_TYP, &payload)
    }

    /// Signs `payload` as a compact JWS with the header `{"alg":"EdDSA","kid":…,"typ":typ}`:
    /// the one signing step of access tokens and revocation lists.
    pub(crate) fn sign_compact(&self, typ: &str, payload: &[u8]) -> String {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'static str,
            kid: &'a str,
            typ: &'a str,
        }
        let header = Header {
            alg: "EdDSA",
            kid: &self.kid,
            typ,
        };
        // Serializing this plain struct cannot fail; an empty object would fail verification.
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let mut token = b64url_encode(&header);
        token.push('.');
        token.push_str(&b64url_encode(payload));
        let signature = self.key.sign(token.as_bytes());
        token.push('.');
        token.push_str(&b64url_encode(&signature.to_bytes()));
        token
    }
}

/// A public Ed25519 key as a JWK (RFC 8037): what credgate publishes for each signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The 32-byte public key, base64url.
    pub x: String,
    /// The key id.
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub usage: String,
}

impl Jwk {
    fn ed25519(kid: &str, key: &VerifyingKey) -> Self {
        Self {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: b64url_encode(key.as_bytes()),
            kid: kid.to_owned(),
            alg: "EdDSA".to_owned(),
            usage: "sig".to_owned(),
        }
    }
}

/// A JWKS as credgate publishes it (RFC 7517 §5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The trusted public keys, by `kid` (RFC 7517). Several keys means rotation.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<(String, VerifyingKey)>,
}

impl KeySet {
    /// Reads a JWKS from JSON text (duplicate member names rejected).
    pub fn from_json(text: &str) -> Result<Self, JwksError> {
        let value =
            parse_strict(text.as_bytes()).map_err(|e| JwksError::new(format!("not JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Reads a JWKS. Keys that are not Ed25519 OKP keys with a `kid` and a 32-byte `x`, or
    /// that are marked for another `use` or `alg`, are skipped.
    pub fn from_value(jwks: &Value) -> Result<Self, JwksError> {
        let keys = jwks
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| JwksError::new("expected an object with a `keys` array"))?;
        Self::from_keys(keys.iter().filter_map(usable_key))
    }

    /// The key set of some signing keys; two with the same `kid` are `jwks.invalid`.
    pub fn from_signing_keys<'a>(
        keys: impl IntoIterator<Item = &'a SigningKey>,
    ) -> Result<Self, JwksError> {
        Self::from_keys(
            keys.into_iter()
                .map(|key| (key.kid.clone(), key.key.verifying_key())),
        )
    }

    /// The set of these keys, in order; two with the same `kid` are `jwks.invalid`. A hash
    /// set finds duplicates, so reading n keys is linear (SPEC §9), not n² comparisons.
    fn from_keys(keys: impl Iterator<Item = (String, VerifyingKey)>) -> Result<Self, JwksError> {
        let mut kids = HashSet::new();
        let mut set = Self::default();
        for (kid, key) in keys {
            if !kids.insert(kid.clone()) {
                return Err(JwksError::new(format!("two keys have the kid `{kid}`")));
            }
            set.keys.push((kid, key));
        }
        Ok(set)
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }

    /// The kids, in order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(kid, _)| kid.as_str())
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The set as a JWKS document.
    pub fn to_jwks(&self) -> Jwks {
        Jwks {
            keys: self
                .keys
                .iter()
                .map(|(kid, key)| Jwk::ed25519(kid, key))
                .collect(),
        }
    }
}

/// The public key a JWKS `x` encodes: 32 bytes that decode to a curve point (its order is
/// judged by [`verify_signature`]). Anything else is no key: the JWK is skipped.
pub fn public_key(x: &[u8]) -> Option<VerifyingKey> {
    let x: [u8; 32] = x.try_into().ok()?;
    VerifyingKey::from_bytes(&x).ok()
}

/// The signature step of verification (SPEC §6), the only place credgate checks an
/// Ed25519 signature: 64 bytes, verified with `verify_strict` (non-canonical `S`, small-order
/// `A` or `R` rejected) over the signing input. Public so the Ed25519 edge-case data
/// (Wycheproof, CCTV, RFC 8032) can be run through exactly this path.
pub fn verify_signature(
    key: &VerifyingKey,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<(), TokenError> {
    let signature: [u8; 64] = signature.try_into().map_err(|_| {
        TokenError::new(
            TokenErrorKind::BadSignature,
            format!("{} signature bytes, expected 64", signature.len()),
        )
    })?;
    key.verify_strict(signing_input, &Signature::from_bytes(&signature))
        .map_err(|_| {
            TokenError::new(
                TokenErrorKind::BadSignature,
                "Ed25519 strict verification failed",
            )
        })
}

/// The steps of SPEC §6 from structure to signature, shared by access tokens and revocation
/// lists (docs/LIFECYCLE.md): exactly three canonical base64url parts, header and payload
/// JSON objects without duplicate member names (`token.malformed`) → `alg` `EdDSA` or
/// `Ed25519` (`token.unsupported_alg`) → `typ` one of `typs`, case-insensitively
/// (`token.wrong_type`) → no forbidden header member (`token.forbidden_header`) → a `kid`
/// in `keys` (`token.unknown_key`) → [`verify_signature`] (`token.bad_signature`). The first
/// failure wins. Gives the payload with the members named in `payload_names` picked out.
/// The caller checks the size first.
pub(crate) fn verify_compact<const N: usize>(
    text: &str,
    keys: &KeySet,
    typs: &[&str],
    payload_names: &[&str; N],
) -> Result<PickedObject<N>, TokenError> {
    use TokenErrorKind as K;
    let malformed = |detail: &str| TokenError::new(K::Malformed, detail);
    let mut parts = text.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected three parts separated by `.`"));
    };
    let decode = |part: &str, name: &str| {
        b64url_decode(part).ok_or_else(|| {
            malformed(&format!(
                "the {name} is not canonical base64url without padding"
            ))
        })
    };
    let header = decode(header_b64, "header")?;
    let payload = decode(payload_b64, "payload")?;
    let signature = decode(signature_b64, "signature")?;
    let header = parse_object_picking(&header, &["alg", "typ", "kid"])
        .ok_or_else(|| malformed("the header is not a JSON object with distinct member names"))?;
    let payload = parse_object_picking(&payload, payload_names)
        .ok_or_else(|| malformed("the payload is not a JSON object with distinct member names"))?;
    let [alg, typ, kid] = header
        .known
        .each_ref()
        .map(|v| v.as_ref().and_then(Value::as_str));

    if !matches!(alg, Some("EdDSA" | "Ed25519")) {
        return Err(TokenError::new(
            K::UnsupportedAlg,
            "`alg` must be `EdDSA` or `Ed25519`",
        ));
    }
    let typ_ok = typ.is_some_and(|typ| typs.iter().any(|t| typ.eq_ignore_ascii_case(t)));
    if !typ_ok {
        return Err(TokenError::new(
            K::WrongType,
            format!(
                "`typ` must be `{}`",
                typs.first().copied().unwrap_or_default()
            ),
        ));
    }
    if let Some(name) = FORBIDDEN_HEADERS
        .iter()
        .find(|h| header.rest.contains_key(**h))
    {
        return Err(TokenError::new(
            K::ForbiddenHeader,
            format!("`{name}` is not allowed"),
        ));
    }
    let kid = kid.filter(|kid| !kid.is_empty()).ok_or_else(|| {
        TokenError::new(
            K::UnknownKey,
            "the header has no `kid` that is a non-empty string",
        )
    })?;
    let key = keys
        .get(kid)
        .ok_or_else(|| TokenError::new(K::UnknownKey, format!("no trusted key has kid `{kid}`")))?;
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    let signing_input = text.as_bytes().get(..signing_input_len).unwrap_or_default();
    verify_signature(key, signing_input, &signature)?;
    Ok(payload)
}

fn usable_key(jwk: &Value) -> Option<(String, VerifyingKey)> {
    let jwk = jwk.as_object()?;
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if text("kty")? != "OKP" || text("crv")? != "Ed25519" {
        return None;
    }
    if jwk.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
        return None;
    }
    if jwk
        .get("alg")
        .is_some_and(|a| !matches!(a.as_str(), Some("EdDSA" | "Ed25519")))
    {
        return None;
    }
    // A `kid` that is not a non-empty string counts as absent (SPEC §6): such a key could
    // only ever match a token without a usable `kid`.
    let kid = text("kid").filter(|kid| !kid.is_empty())?;
    let key = public_key(&b64url_decode(text("x")?)?)?;
    Some((kid.to_owned(), key))
}

/// The `aud` claim: one audience or several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is (among) the token's audience.
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(a) => a == audience,
            Self::Many(all) => all.iter().any(|a| a == audience),
        }
    }
}

/// The claims of a credgate access token, typed. Serializes in issuance order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the client id.
    pub sub: String,
    /// Audience.
    pub aud: Audience,
    /// The client id (RFC 9068).
    pub client_id: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Not before, Unix seconds (optional on input, never issued).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Token id.
    pub jti: String,
    /// Space-separated canonical permissions.
    pub scope: String,
    /// The credential's organisation.
    pub org: String,
    /// The allowlist, in CIDR form.
    pub ips: Vec<String>,
    /// The credential's environment.
    pub env: Environment,
    /// Any other claims, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    #[serde(skip)]
    permissions: PermissionSet,
    #[serde(skip)]
    allowlist: Allowlist,
}

/// The claims every credgate token carries, in the order they are checked for presence.
pub const REQUIRED_CLAIMS: [&str; 11] = [
    "iss",
    "sub",
    "aud",
    "client_id",
    "iat",
    "exp",
    "jti",
    "scope",
    "org",
    "ips",
    "env",
];

/// A JSON array of strings, by hand: serde's untagged and sequence machinery would cost the
/// hot path time and the WebAssembly module kilobytes.
fn strings(value: Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Some(text),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The claims verification picks out of the payload: [`REQUIRED_CLAIMS`], then `nbf`.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of bounds fails the build"
)]
const PAYLOAD_CLAIMS: [&str; REQUIRED_CLAIMS.len() + 1] = {
    let mut names = ["nbf"; REQUIRED_CLAIMS.len() + 1];
    let mut i = 0;
    while i < REQUIRED_CLAIMS.len() {
        names[i] = REQUIRED_CLAIMS[i];
        i += 1;
    }
    names
};

/// What a token is issued for; see [`Claims::issue`].
#[derive(Clone, Debug)]
pub struct IssueParams<'a> {
    /// The `iss` claim.
    pub issuer: &'a str,
    /// The `aud` claim.
    pub audience: &'a str,
    /// The client id (`sub` and `client_id`).
    pub client_id: &'a str,
    /// The organisation.
    pub org: &'a str,
    /// The environment.
    pub env: Environment,
    /// Issue time.
    pub now: IssueTime,
    /// The token id, used as given.
    pub jti: &'a str,
    /// The credential's own expiry: `exp` is the sooner of it and one lifetime (SPEC §6).
    pub not_after: Option<i64>,
}

impl Claims {
    /// The claims of a new token: valid from `now` for [`TOKEN_LIFETIME_SECS`], or until
    /// `not_after` when that comes sooner.
    pub fn issue(
        params: &IssueParams<'_>,
        permissions: PermissionSet,
        allowlist: Allowlist,
    ) -> Self {
        Self {
            iss: params.issuer.to_owned(),
            sub: params.client_id.to_owned(),
            aud: Audience::One(params.audience.to_owned()),
            client_id: params.client_id.to_owned(),
            iat: params.now.get(),
            // Within range by construction of `IssueTime`: no overflow, at most one lifetime.
            exp: params
                .not_after
                .map_or(params.now.get() + TOKEN_LIFETIME_SECS, |t| {
                    t.min(params.now.get() + TOKEN_LIFETIME_SECS)
                }),
            nbf: None,
            jti: params.jti.to_owned(),
            scope: permissions.scope_string(),
            org: params.org.to_owned(),
            ips: allowlist.cidrs(),
            env: params.env,
            extra: Map::new(),
            permissions,
            allowlist,
        }
    }

    /// The permissions of the `scope` claim, compiled.
    pub fn permissions(&self) -> &PermissionSet {
        &self.permissions
    }

    /// The allowlist of the `ips` claim, compiled.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// Reads and type-checks the payload: every required claim present (in
    /// [`REQUIRED_CLAIMS`] order), then each of the right JSON type and grammar.
    fn from_payload(payload: PickedObject<{ PAYLOAD_CLAIMS.len() }>) -> Result<Self, TokenError> {
        let PickedObject { known, rest } = payload;
        if let Some((missing, _)) = REQUIRED_CLAIMS
            .iter()
            .zip(&known)
            .find(|(_, value)| value.is_none())
        {
            return Err(TokenError::new(
                TokenErrorKind::MissingClaim,
                format!("`{missing}` is missing"),
            ));
        }
        let invalid = |name: &str, what: &str| {
            TokenError::new(
                TokenErrorKind::InvalidClaim,
                format!("`{name}` must be {what}"),
            )
        };
        let nbf_present = known.last().is_some_and(Option::is_some);
        // In the order of PAYLOAD_CLAIMS.
        let [iss, sub, aud, client_id, iat, exp, jti, scope, org, ips, env, nbf] =
            known.map(|value| value.unwrap_or(Value::Null));
        let string = |name: &str, value: Value| match value {
            Value::String(s) => Ok(s),
            _ => Err(invalid(name, "a string")),
        };
        let integer = |name: &str, value: &Value| {
            value
                .as_i64()
                .ok_or_else(|| invalid(name, "an integer number of seconds"))
        };
        let iss = string("iss", iss)?;
        let sub = string("sub", sub)?;
        let aud = match aud {
            Value::String(one) => Audience::One(one),
            many => Audience::Many(
                strings(many).ok_or_else(|| invalid("aud", "a string or an array of strings"))?,
            ),
        };
        let client_id = string("client_id", client_id)?;
        let iat = integer("iat", &iat)?;
        let exp = integer("exp", &exp)?;
        // Absent is `None`; present, `nbf` is an integer like `iat` and `exp`, and `null` is
        // not an absent `nbf` (SPEC §6).
        let nbf = match nbf_present {
            false => None,
            true => Some(integer("nbf", &nbf)?),
        };
        let jti = string("jti", jti)?;
        let scope = string("scope", scope)?;
        let permissions = PermissionSet::parse_scope(&scope)
            .map_err(|_| invalid("scope", "space-separated canonical permissions"))?;
        let org = string("org", org)?;
        let ips = strings(ips).ok_or_else(|| invalid("ips", "an array of strings"))?;
        let allowlist =
            Allowlist::parse_claim(&ips).map_err(|_| invalid("ips", "an array of IPv4 CIDRs"))?;
        let env = string("env", env)?;
        let env =
            Environment::from_name(&env).ok_or_else(|| invalid("env", "sandbox or production"))?;
        Ok(Self {
            iss,
            sub,
            aud,
            client_id,
            iat,
            exp,
            nbf,
            jti,
            scope,
            org,
            ips,
            env,
            extra: rest,
            permissions,
            allowlist,
        })
    }
}

/// Claims read back from their JSON form (the output of verification or issuance), with
/// every rule verification applies to a payload.
impl<'de> Deserialize<'de> for Claims {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut rest = Map::<String, Value>::deserialize(deserializer)?;
        let known = PAYLOAD_CLAIMS.map(|name| rest.remove(name));
        Self::from_payload(PickedObject { known, rest }).map_err(serde::de::Error::custom)
    }
}

/// What a verifier expects of every token.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VerifyOptions {
    /// The expected `iss`.
    pub issuer: String,
    /// The audience that must be in `aud`.
    pub audience: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway: u64,
    /// Token ids revoked before their expiry (optional; SPEC §5).
    pub revoked_jtis: Vec<String>,
    /// What the verified-token cache may hold (on by default; [`CacheLimits::DISABLED`]
    /// turns it off).
    pub cache: CacheLimits,
}

/// A key set and options, prepared once and used for every token, optionally the
/// revocation list it holds (docs/LIFECYCLE.md), and the tokens it has verified (its cache,
/// docs/CACHE.md): a token verified once is not parsed or signature-checked again while it
/// is held, but every other check runs on every call.
#[derive(Debug)]
pub struct Verifier {
    keys: KeySet,
    options: VerifyOptions,
    revocations: Option<RevocationList>,
    cache: Mutex<TokenCache>,
}

/// A clone verifies as the original does; it starts with an empty cache of the same limits
/// (what a verifier has seen is not part of its value).
impl Clone for Verifier {
    fn clone(&self) -> Self {
        Self {
            keys: self.keys.clone(),
            options: self.options.clone(),
            revocations: self.revocations.clone(),
            cache: Mutex::new(TokenCache::new(self.options.cache)),
        }
    }
}

impl Verifier {
    /// Prepares a verifier, holding no revocation list and an empty cache.
    pub fn new(keys: KeySet, options: VerifyOptions) -> Self {
        Self {
            cache: Mutex::new(TokenCache::new(options.cache)),
            keys,
            options,
            revocations: None,
        }
    }

    /// The cache, locked. Its lock is poisoned only by a panic while held, which the core
    /// never does; the store inside is whole either way.
    fn cache(&self) -> MutexGuard<'_, TokenCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds `list` from now on, in place of the list held so far. A list whose epoch is
    /// lower than the held one's is `revocations.stale` and the held list stays; an equal
    /// epoch is accepted (a re-fetch of the same list). A list from another issuer than the
    /// verifier's is `revocations.invalid`. A new list empties the cache.
    pub fn load_revocations(&mut self, list: RevocationList) -> Result<(), RevocationError> {
        list.check_issuer(&self.options.issuer)?;
        if let Some(held) = &self.revocations {
            list.check_not_older_than(held.epoch())?;
        }
        self.revocations = Some(list);
        self.cache
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        Ok(())
    }

    /// Trusts `keys` from now on, in place of the key set held so far (a remote key set was
    /// refreshed, docs/REMOTE.md). The cache is emptied: what it held was verified with the
    /// old keys. A held revocation list stays: it was verified when it was loaded.
    pub fn set_keys(&mut self, keys: KeySet) {
        self.keys = keys;
        self.cache
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The revocation list held, if any.
    pub fn revocations(&self) -> Option<&RevocationList> {
        self.revocations.as_ref()
    }

    /// The trusted keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The options.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// What the cache has done, and holds now.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache().stats()
    }

    /// What the cache may hold.
    pub fn cache_limits(&self) -> CacheLimits {
        self.cache().limits()
    }

    /// Verifies a compact JWS at time `now` (Unix seconds), in the order of SPEC §6; the
    /// first failure wins. A token that passes every check is then `token.revoked` when its
    /// `jti` is in [`VerifyOptions::revoked_jtis`] or the held revocation list revokes it.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        self.verify_shared(token, now).map(Arc::unwrap_or_clone)
    }

    /// Like [`Verifier::verify`], sharing the claims with the cache rather than copying them.
    ///
    /// A token found in the cache skips only what depends on nothing but its text and the
    /// keys: the size, the JWS structure, the header, the signature and the claims' types.
    /// Every check that depends on `now` or on what the verifier holds runs as for a new
    /// token, in the same order, so the answer is the one an uncached verifier gives.
    pub fn verify_shared(&self, token: &str, now: i64) -> Result<Arc<Claims>, TokenError> {
        let cached = self.cache().get(token);
        if let Some(claims) = cached {
            return match self.judge(&claims, now) {
                Ok(()) => Ok(claims),
                Err(e) => {
                    if e.kind() == TokenErrorKind::Expired {
                        // Time only moves on for this token: free its place now.
                        self.cache().evict(token);
                    }
                    Err(e)
                }
            };
        }
        let claims = Arc::new(self.parse(token)?);
        self.judge(&claims, now)?;
        self.cache().insert(token, Arc::clone(&claims));
        Ok(claims)
    }

    /// The checks on the token's text alone: size, structure, header, key, signature, claims.
    fn parse(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::new(
                TokenErrorKind::TooLarge,
                format!("{} bytes, the limit is {MAX_TOKEN_BYTES}", token.len()),
            ));
        }
        let payload = verify_compact(token, &self.keys, &ACCESS_TOKEN_TYPS, &PAYLOAD_CLAIMS)?;
        Claims::from_payload(payload)
    }

    /// The checks of parsed claims against `now` and what the verifier expects and holds, in
    /// the SPEC's order after the claims' types: times, issuer, audience, revocation.
    fn judge(&self, claims: &Claims, now: i64) -> Result<(), TokenError> {
        use TokenErrorKind as K;
        let now = i128::from(now);
        let leeway = i128::from(self.options.leeway);
        if now >= i128::from(claims.exp) + leeway {
            return Err(TokenError::new(K::Expired, format!("at {}", claims.exp)));
        }
        if claims.nbf.is_some_and(|nbf| now + leeway < i128::from(nbf)) {
            return Err(TokenError::new(K::NotYetValid, "before `nbf`"));
        }
        if now + leeway < i128::from(claims.iat) {
            return Err(TokenError::new(K::NotYetValid, "issued in the future"));
        }
        if claims.iss != self.options.issuer {
            return Err(TokenError::new(
                K::WrongIssuer,
                format!("issued by `{}`", claims.iss),
            ));
        }
        if !claims.aud.contains(&self.options.audience) {
            return Err(TokenError::new(
                K::WrongAudience,
                format!(
                    "`{}` is not an audience of the token",
                    self.options.audience
                ),
            ));
        }
        if self.options.revoked_jtis.contains(&claims.jti) {
            return Err(TokenError::new(
                K::Revoked,
                format!("`{}` is revoked", claims.jti),
            ));
        }
        if let Some(why) = self
            .revocations
            .as_ref()
            .and_then(|list| list.revokes(claims))
        {
            return Err(TokenError::new(K::Revoked, why));
        }
        Ok(())
    }
}
