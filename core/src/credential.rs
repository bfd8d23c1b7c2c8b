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
    /// `entropy.insufficient`: fewer random bytes than [`ENTROPY_BYTES`].
    InsufficientEntropy(usize),
    /// `credential.invalid`: a stored record that breaks the rules (bad org, permission,
    /// allowlist or digest).
    Invalid(String),
    /// `credential.deleted`: a deleted credential cannot change any more.
    Deleted,
}

impl CredentialError {
    /// The stable code (project-defined, see docs/CODES.md).
    pub fn code(&self) -> Code {
        match self {
            Self::InsufficientEntropy(_) => Code::EntropyInsufficient,
            Self::Invalid(_) => Code::CredentialInvalid,
            Self::Deleted => Code::CredentialDeleted,
        }
    }
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsufficientEntropy(n) => write!(
                f,
                "{n} bytes of entropy given; creating a credential needs {ENTROPY_BYTES} random bytes"
            ),
            Self::Invalid(detail) => write!(f, "invalid credential record: {detail}"),
            Self::Deleted => f.write_str("the credential is deleted; deletion is final"),
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
    /// SHA-256 of the client secret, lowercase hex.
    pub secret_sha256: String,
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
    /// Time of the last status change, Unix seconds.
    pub updated_at: i64,
}

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
            return Err(CredentialError::InsufficientEntropy(entropy.len()));
        };
        let client_secret = format_secret(spec.environment, secret_bytes);
        let credential = Credential {
            client_id: format!("cid_{}", base32_encode(id_bytes)),
            secret_sha256: hex_encode(&Sha256::digest(client_secret.as_bytes())),
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
        if hex_decode(&self.secret_sha256).is_none_or(|d| d.len() != 32) {
            return Err(CredentialError::Invalid(
                "`secret_sha256` must be 64 hex characters".to_owned(),
            ));
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

    /// Whether `secret` is this credential's secret, compared in constant time.
    pub fn verify_secret(&self, secret: &str) -> bool {
        let stored: Option<[u8; 32]> =
            hex_decode(&self.secret_sha256).and_then(|d| d.try_into().ok());
        secret_matches(stored.as_ref().unwrap_or(&NO_DIGEST), secret) && stored.is_some()
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
        if self.status == Status::Deleted {
            return Err(CredentialError::Deleted);
        }
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
/// same work as [`Credential::verify_secret`], always `false`.
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
        assert!(new.credential.verify_secret(&new.client_secret));
        assert!(!new.credential.verify_secret("cgs_live_wrong"));
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
    }
}
