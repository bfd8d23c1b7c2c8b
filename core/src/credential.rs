//! Credentials and their lifecycle (SPEC §5): the stored record, creation from a validated
//! spec plus caller-supplied entropy, enable / disable / delete, and constant-time secret
//! checks.
//!
//! The engine never stores a client secret, only its SHA-256 digest, and never draws
//! entropy itself: the host passes random bytes in. The record's JSON Schema is
//! `docs/credential.schema.json`.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::authorize::PermissionSet;
use crate::codes::Code;
use crate::encoding::{base32_encode, hex_decode, hex_encode};
use crate::id::is_valid_id;
use crate::ip::Allowlist;
use crate::permission::Permission;
use crate::spec::{CredentialSpec, Environment, PermissionSetType};

/// Random bytes `create` needs: 16 for the client id, 32 for the secret.
pub const ENTROPY_BYTES: usize = 48;

/// Prefix of every client secret: what secret scanners match on.
pub const SECRET_PREFIX: &str = "cgs_";

pub use crate::vocabulary::Status;

/// A credential operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialError {
    /// `entropy.insufficient`: fewer random bytes than needed ([`ENTROPY_BYTES`] to create,
    /// [`SECRET_ENTROPY_BYTES`] to rotate).
    InsufficientEntropy {
        /// Bytes given.
        given: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// `credential.invalid`: a stored record that breaks the rules (bad org, permission,
    /// allowlist or digest).
    Invalid(String),
    /// `credential.deleted`: a deleted credential cannot change any more.
    Deleted,
    /// `credential.secret_limit`: two live secrets already; finish or revoke the previous
    /// rotation first.
    SecretLimit,
    /// `credential.secret_required`: the last secret cannot be revoked.
    SecretRequired,
    /// `input.invalid`: no secret at this index.
    UnknownSecret(usize),
    /// `input.invalid`: an expiry that is not later than now.
    ExpiryNotInFuture {
        /// The expiry given.
        expires_at: i64,
        /// Now.
        now: i64,
    },
    /// `input.invalid`: a grace period outside 0 … [`MAX_GRACE_SECS`].
    GraceOutOfRange(i64),
}

impl CredentialError {
    /// The stable code (project-defined, see docs/CODES.md).
    pub fn code(&self) -> Code {
        match self {
            Self::InsufficientEntropy { .. } => Code::EntropyInsufficient,
            Self::Invalid(_) => Code::CredentialInvalid,
            Self::Deleted => Code::CredentialDeleted,
            Self::SecretLimit => Code::CredentialSecretLimit,
            Self::SecretRequired => Code::CredentialSecretRequired,
            Self::UnknownSecret(_) | Self::ExpiryNotInFuture { .. } | Self::GraceOutOfRange(_) => {
                Code::InputInvalid
            }
        }
    }
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsufficientEntropy { given, needed } => write!(
                f,
                "{given} bytes of entropy given; {needed} random bytes are needed"
            ),
            Self::Invalid(detail) => write!(f, "invalid credential record: {detail}"),
            Self::Deleted => f.write_str("the credential is deleted; deletion is final"),
            Self::SecretLimit => f.write_str(
                "the credential has two live secrets; revoke the old one (or let its grace period end) before rotating again",
            ),
            Self::SecretRequired => f.write_str(
                "a credential keeps at least one secret; rotate first, then revoke the old one",
            ),
            Self::UnknownSecret(i) => write!(f, "the credential has no secret at index {i}"),
            Self::ExpiryNotInFuture { expires_at, now } => write!(
                f,
                "`expires_at` ({expires_at}) must be later than now ({now}); to stop a credential at once, disable it"
            ),
            Self::GraceOutOfRange(g) => write!(
                f,
                "`grace_seconds` is {g}; use 0 (retire the old secret at once) to {MAX_GRACE_SECS} (30 days)"
            ),
        }
    }
}

impl std::error::Error for CredentialError {}

/// The stored credential record. Everything a host persists; the secret itself is not here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Credential {
    /// The public client id, `cid_` and 26 base32 characters.
    pub client_id: String,
    /// The organisation the credential belongs to.
    pub org: String,
    /// The name, 5–50 characters.
    pub name: String,
    /// The optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// The set type chosen at creation.
    pub permission_set_type: PermissionSetType,
    /// Canonical permission texts, in order.
    pub permissions: Vec<String>,
    /// Allowlist entries as given.
    pub ip_allowlist: Vec<String>,
    /// The environment.
    pub environment: Environment,
    /// The status.
    pub status: Status,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// Time of the last change, Unix seconds.
    pub updated_at: i64,
    /// The credential's own expiry, Unix seconds: no token outlives it, and none is issued
    /// at or after it (`client.expired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The client secrets (digests only), oldest first: one, or two during a rotation.
    pub secrets: Vec<Secret>,
}

/// One client secret of a credential: its digest and its dates. Never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Secret {
    /// SHA-256 of the client secret, lowercase hex.
    pub sha256: String,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// When it stops working (set by a rotation's grace period), Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// When it last obtained a token, as the host records it (`secret_used`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

impl Secret {
    fn new(secret: &str, now: i64) -> Self {
        Self {
            sha256: hex_encode(&Sha256::digest(secret.as_bytes())),
            created_at: now,
            expires_at: None,
            last_used_at: None,
        }
    }

    /// Whether it still works at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|expiry| now < expiry)
    }
}

/// The most secrets a credential holds: the current one and the one being retired.
pub const MAX_SECRETS: usize = 2;

/// The longest grace period a rotation may give the old secret: 30 days.
pub const MAX_GRACE_SECS: i64 = 30 * 24 * 3600;

/// Random bytes a rotation needs (the new secret's).
pub const SECRET_ENTROPY_BYTES: usize = 32;

/// A credential just created, with its secret: show the secret once, store only the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewCredential {
    /// The record to store.
    pub credential: Credential,
    /// The client secret, in clear. Never stored by the engine.
    pub client_secret: String,
}

/// A credential's permissions and allowlist, compiled for issuing tokens.
#[derive(Clone, Debug)]
pub struct CompiledCredential {
    /// The permissions, in order.
    pub permissions: PermissionSet,
    /// The allowlist.
    pub allowlist: Allowlist,
}

impl Credential {
    /// Creates an enabled credential of `org` from a validated spec and 48 random bytes.
    pub fn create(
        spec: &CredentialSpec,
        org: &str,
        now: i64,
        entropy: &[u8],
    ) -> Result<NewCredential, CredentialError> {
        if !is_valid_id(org) {
            return Err(CredentialError::Invalid(format!(
                "organisation id `{org}` is not 1 to 64 characters of A-Z, a-z, 0-9, `_`, `.`, `-`"
            )));
        }
        let (Some(id_bytes), Some(secret_bytes)) =
            (entropy.get(..16), entropy.get(16..ENTROPY_BYTES))
        else {
            return Err(CredentialError::InsufficientEntropy {
                given: entropy.len(),
                needed: ENTROPY_BYTES,
            });
        };
        let client_secret = format_secret(spec.environment, secret_bytes);
        let credential = Credential {
            client_id: format!("cid_{}", base32_encode(id_bytes)),
            org: org.to_owned(),
            name: spec.name.clone(),
            description: spec.description.clone(),
            permission_set_type: spec.permission_set_type,
            permissions: spec.permissions.iter().map(Permission::to_string).collect(),
            ip_allowlist: spec.ip_allowlist.clone(),
            environment: spec.environment,
            status: Status::Enabled,
            created_at: now,
            updated_at: now,
            expires_at: None,
            secrets: vec![Secret::new(&client_secret, now)],
        };
        Ok(NewCredential {
            credential,
            client_secret,
        })
    }

    /// Compiles the permissions and allowlist, checking the record is sound.
    pub fn compile(&self) -> Result<CompiledCredential, CredentialError> {
        if !is_valid_id(&self.org) {
            return Err(CredentialError::Invalid(format!(
                "bad organisation id `{}`",
                self.org
            )));
        }
        if self.secrets.is_empty() || self.secrets.len() > MAX_SECRETS {
            return Err(CredentialError::Invalid(format!(
                "the record has {} secrets; a credential has 1 or {MAX_SECRETS}",
                self.secrets.len()
            )));
        }
        if let Some(i) = self.secrets.iter().position(|s| digest(s).is_none()) {
            return Err(CredentialError::Invalid(format!(
                "`secrets[{i}].sha256` must be 64 hex characters"
            )));
        }
        // A token's `scope` is one or more permissions: without any, issuance would sign a
        // token that verification refuses (found by fuzz/facade; SPEC §4 asks for 1–100).
        if self.permissions.is_empty() {
            return Err(CredentialError::Invalid(
                "the record has no permissions".to_owned(),
            ));
        }
        let permissions = self
            .permissions
            .iter()
            .map(|p| Permission::parse(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CredentialError::Invalid(e.to_string()))?;
        let allowlist = Allowlist::parse(&self.ip_allowlist)
            .map_err(|e| CredentialError::Invalid(e.to_string()))?;
        Ok(CompiledCredential {
            permissions: PermissionSet::new(permissions),
            allowlist,
        })
    }

    /// The index of the secret that `secret` is, when that secret is live at `now` (every
    /// secret when `now` is not given). Every secret is compared, in constant time, whichever
    /// matches: the time taken does not tell which one did.
    pub fn matching_secret(&self, secret: &str, now: Option<i64>) -> Option<usize> {
        let matches: Vec<bool> = self
            .secrets
            .iter()
            .map(|s| {
                let stored = digest(s);
                secret_matches(stored.as_ref().unwrap_or(&NO_DIGEST), secret) && stored.is_some()
            })
            .collect();
        matches
            .iter()
            .zip(&self.secrets)
            .position(|(matched, s)| *matched && now.is_none_or(|now| s.is_live(now)))
    }

    /// Whether the credential has expired at `now` (its own `expires_at`).
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|expiry| now >= expiry)
    }

    /// Replaces what the spec decides (name, description, set type, permissions, allowlist,
    /// environment), keeping the id, secrets, status and dates.
    pub fn set_spec(&mut self, spec: &CredentialSpec, now: i64) -> Result<(), CredentialError> {
        self.changeable()?;
        self.name.clone_from(&spec.name);
        self.description.clone_from(&spec.description);
        self.permission_set_type = spec.permission_set_type;
        self.permissions = spec.permissions.iter().map(Permission::to_string).collect();
        self.ip_allowlist.clone_from(&spec.ip_allowlist);
        self.environment = spec.environment;
        self.updated_at = now;
        Ok(())
    }

    /// Sets or clears (`None`) the credential's expiry; a set expiry must be later than now.
    pub fn set_expiry(&mut self, expires_at: Option<i64>, now: i64) -> Result<(), CredentialError> {
        self.changeable()?;
        if let Some(expires_at) = expires_at.filter(|t| *t <= now) {
            return Err(CredentialError::ExpiryNotInFuture { expires_at, now });
        }
        self.expires_at = expires_at;
        self.updated_at = now;
        Ok(())
    }

    /// Records that secret `index` obtained a token at `now`.
    pub fn secret_used(&mut self, index: usize, now: i64) -> Result<(), CredentialError> {
        self.changeable()?;
        let secret = self
            .secrets
            .get_mut(index)
            .ok_or(CredentialError::UnknownSecret(index))?;
        secret.last_used_at = Some(now);
        Ok(())
    }

    /// Removes secret `index` at once (a leaked secret); the last one cannot go.
    pub fn revoke_secret(&mut self, index: usize, now: i64) -> Result<(), CredentialError> {
        self.changeable()?;
        if index >= self.secrets.len() {
            return Err(CredentialError::UnknownSecret(index));
        }
        if self.secrets.len() == 1 {
            return Err(CredentialError::SecretRequired);
        }
        self.secrets.remove(index);
        self.updated_at = now;
        Ok(())
    }

    /// Adds a new secret from 32 random bytes and retires the current one after
    /// `grace_secs` (0: at once). Expired secrets are dropped first; with two live secrets
    /// the rotation is refused (`credential.secret_limit`). Returns the new secret, to show
    /// once.
    pub fn rotate_secret(
        &mut self,
        now: i64,
        entropy: &[u8],
        grace_secs: i64,
    ) -> Result<String, CredentialError> {
        self.changeable()?;
        if !(0..=MAX_GRACE_SECS).contains(&grace_secs) {
            return Err(CredentialError::GraceOutOfRange(grace_secs));
        }
        let Some(random) = entropy.get(..SECRET_ENTROPY_BYTES) else {
            return Err(CredentialError::InsufficientEntropy {
                given: entropy.len(),
                needed: SECRET_ENTROPY_BYTES,
            });
        };
        let live: Vec<Secret> = self
            .secrets
            .iter()
            .filter(|s| s.is_live(now))
            .cloned()
            .collect();
        if live.len() >= MAX_SECRETS {
            return Err(CredentialError::SecretLimit);
        }
        let retire_at = now.saturating_add(grace_secs);
        let mut secrets: Vec<Secret> = live
            .into_iter()
            .map(|mut s| {
                s.expires_at = Some(s.expires_at.map_or(retire_at, |t| t.min(retire_at)));
                s
            })
            .filter(|s| s.is_live(now))
            .collect();
        let client_secret = format_secret(self.environment, random);
        secrets.push(Secret::new(&client_secret, now));
        self.secrets = secrets;
        self.updated_at = now;
        Ok(client_secret)
    }

    fn changeable(&self) -> Result<(), CredentialError> {
        if self.status == Status::Deleted {
            return Err(CredentialError::Deleted);
        }
        Ok(())
    }

    /// Enables a disabled credential (no-op when enabled).
    pub fn enable(&mut self, now: i64) -> Result<(), CredentialError> {
        self.set_status(Status::Enabled, now)
    }

    /// Disables the credential: it gets no new tokens; tokens already issued run out.
    pub fn disable(&mut self, now: i64) -> Result<(), CredentialError> {
        self.set_status(Status::Disabled, now)
    }

    /// Deletes the credential, for good.
    pub fn delete(&mut self, now: i64) -> Result<(), CredentialError> {
        self.set_status(Status::Deleted, now)
    }

    fn set_status(&mut self, status: Status, now: i64) -> Result<(), CredentialError> {
        self.changeable()?;
        if self.status != status {
            self.status = status;
            self.updated_at = now;
        }
        Ok(())
    }
}

/// The longest client secret that can be valid. A longer one is refused like a wrong one,
/// and hashed only up to this length, so a caller cannot make a comparison take longer.
/// credgate's own secrets are 73 characters; other issuers' fit too.
pub const MAX_SECRET_BYTES: usize = 256;

/// The digest a presented secret is compared with when there is no credential to compare
/// it with (an unknown client id): the comparison costs what a real one costs, and never
/// succeeds (no secret is checked against it as valid).
const NO_DIGEST: [u8; 32] = [0; 32];

/// A secret's stored digest, when it is 32 bytes of hex.
fn digest(secret: &Secret) -> Option<[u8; 32]> {
    hex_decode(&secret.sha256).and_then(|d| d.try_into().ok())
}

#[cfg(test)]
thread_local! {
    /// Secrets hashed on this thread, for tests of the issuance path.
    pub(crate) static SECRETS_HASHED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Hashes the presented secret (at most [`MAX_SECRET_BYTES`] of it) and compares the digest
/// with `stored` in constant time.
pub(crate) fn secret_matches(stored: &[u8; 32], secret: &str) -> bool {
    #[cfg(test)]
    SECRETS_HASHED.with(|n| n.set(n.get() + 1));
    let bounded = secret
        .as_bytes()
        .get(..MAX_SECRET_BYTES)
        .unwrap_or(secret.as_bytes());
    let digest = Sha256::digest(bounded);
    let equal = bool::from(stored.as_slice().ct_eq(digest.as_slice()));
    equal && secret.len() <= MAX_SECRET_BYTES
}

/// The comparison an issuance makes when no credential has the presented client id: the
/// work of [`Credential::matching_secret`] on one secret, always `false`.
pub(crate) fn no_credential_matches(secret: &str) -> bool {
    // black_box: the comparison must really run, though its answer is not needed.
    std::hint::black_box(secret_matches(&NO_DIGEST, secret));
    false
}

/// `cgs_live_…` / `cgs_test_…`: 32 random bytes in base32, then an 8-character checksum
/// (the first 5 bytes of SHA-256 of what precedes it), so scanners can find secrets with a
/// regex and tell real ones from look-alikes without a database.
fn format_secret(environment: Environment, random: &[u8]) -> String {
    let env = match environment {
        Environment::Production => "live",
        Environment::Sandbox => "test",
    };
    let body = format!("{SECRET_PREFIX}{env}_{}", base32_encode(random));
    let checksum = Sha256::digest(body.as_bytes());
    let checksum = base32_encode(checksum.get(..5).unwrap_or_default());
    format!("{body}{checksum}")
}

/// Whether `secret` has the shape and a valid checksum of a credgate client secret.
///
/// A typo or a truncated paste is caught without a lookup; hosts and scanners can use it.
pub fn is_well_formed_secret(secret: &str) -> bool {
    let Some(split) = secret.len().checked_sub(8) else {
        return false;
    };
    let (Some(body), Some(checksum)) = (secret.get(..split), secret.get(split..)) else {
        return false;
    };
    let prefixed = body.starts_with("cgs_live_") || body.starts_with("cgs_test_");
    let expected = Sha256::digest(body.as_bytes());
    prefixed && base32_encode(expected.get(..5).unwrap_or_default()) == checksum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::validate;

    fn spec() -> CredentialSpec {
        validate(&serde_json::json!({
            "name": "Payments backend", "permission_set_type": "wallets",
            "permissions": ["vault:read:org"], "ip_allowlist": ["203.0.113.0/24"],
            "environment": "production",
        }))
        .unwrap()
    }

    #[test]
    fn creates_with_a_checksummed_secret_and_stores_only_its_digest() {
        let new = Credential::create(&spec(), "org_1", 1_700_000_000, &[7u8; 48]).unwrap();
        assert!(new.client_secret.starts_with("cgs_live_"));
        assert!(is_well_formed_secret(&new.client_secret));
        assert!(!serde_json::to_string(&new.credential)
            .unwrap()
            .contains(&new.client_secret));
        assert_eq!(
            new.credential.matching_secret(&new.client_secret, None),
            Some(0)
        );
        assert_eq!(new.credential.matching_secret("cgs_live_wrong", None), None);
        let mut typo = new.client_secret.clone();
        typo.replace_range(10..11, if &typo[10..11] == "a" { "b" } else { "a" });
        assert!(!is_well_formed_secret(&typo));
    }

    #[test]
    fn entropy_is_required() {
        let err = Credential::create(&spec(), "org_1", 0, &[0u8; 47]).unwrap_err();
        assert_eq!(err.code(), "entropy.insufficient");
    }

    #[test]
    fn lifecycle() {
        let mut c = Credential::create(&spec(), "org_1", 0, &[1u8; 48])
            .unwrap()
            .credential;
        c.disable(5).unwrap();
        assert_eq!((c.status, c.updated_at), (Status::Disabled, 5));
        c.enable(6).unwrap();
        c.delete(7).unwrap();
        assert_eq!(c.enable(8).unwrap_err().code(), "credential.deleted");
        assert_eq!(
            c.rotate_secret(9, &[2; 32], 0).unwrap_err().code(),
            "credential.deleted"
        );
    }

    #[test]
    fn rotation_keeps_both_secrets_live_through_the_grace_period() {
        let new = Credential::create(&spec(), "org_1", 100, &[1u8; 48]).unwrap();
        let mut c = new.credential;
        let second = c.rotate_secret(200, &[2; 32], 50).unwrap();
        assert_eq!(c.secrets.len(), 2);
        assert_eq!(c.secrets[0].expires_at, Some(250));
        assert_eq!(c.matching_secret(&new.client_secret, Some(249)), Some(0));
        assert_eq!(c.matching_secret(&second, Some(249)), Some(1));
        assert_eq!(c.matching_secret(&new.client_secret, Some(250)), None);
        // two live secrets: no third
        assert_eq!(
            c.rotate_secret(210, &[3; 32], 0).unwrap_err().code(),
            "credential.secret_limit"
        );
        // after the grace period the old one is dropped by the next rotation
        let third = c.rotate_secret(250, &[3; 32], 10).unwrap();
        assert_eq!(c.secrets.len(), 2);
        assert_eq!(c.matching_secret(&second, Some(255)), Some(0));
        assert_eq!(c.matching_secret(&third, Some(255)), Some(1));
        // grace 0 retires at once
        c.revoke_secret(0, 256).unwrap();
        let fourth = c.rotate_secret(257, &[4; 32], 0).unwrap();
        assert_eq!(c.secrets.len(), 1);
        assert_eq!(c.matching_secret(&fourth, Some(257)), Some(0));
        assert_eq!(
            c.revoke_secret(0, 258).unwrap_err().code(),
            "credential.secret_required"
        );
        assert_eq!(c.revoke_secret(5, 258).unwrap_err().code(), "input.invalid");
        assert_eq!(
            c.rotate_secret(259, &[4; 32], -1).unwrap_err().code(),
            "input.invalid"
        );
        assert_eq!(
            c.rotate_secret(259, &[4; 31], 0).unwrap_err().code(),
            "entropy.insufficient"
        );
    }

    #[test]
    fn expiry_must_be_in_the_future() {
        let mut c = Credential::create(&spec(), "org_1", 100, &[1u8; 48])
            .unwrap()
            .credential;
        assert_eq!(
            c.set_expiry(Some(100), 100).unwrap_err().code(),
            "input.invalid"
        );
        c.set_expiry(Some(101), 100).unwrap();
        assert!(!c.is_expired(100) && c.is_expired(101));
        c.set_expiry(None, 102).unwrap();
        assert!(!c.is_expired(i64::MAX));
    }
}
