//! The decision: does a permission set allow a request (SPEC §2)?
//!
//! This module owns matching and the [`Decision`] it reports. A [`PermissionSet`] is the
//! compiled form reused on the hot path; it never parses anything while deciding.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::permission::{Permission, PermissionError, Scope};
pub use crate::reason::Reason;
use crate::request::Request;

/// The outcome of [`PermissionSet::authorize`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// `allow`, `deny.no_matching_permission` or `deny.org_mismatch`.
    pub reason: Reason,
    /// On allow: the text form of the first matching permission, in the set's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<Arc<str>>,
    /// On deny: the permissions with the request's type and action whose scope or
    /// resource did not cover it, so a person can see why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_misses: Option<Vec<Arc<str>>>,
}

impl Decision {
    /// A deny for `reason`, with no permission named.
    pub fn denied(reason: Reason) -> Self {
        Self {
            allowed: false,
            reason,
            matched: None,
            near_misses: None,
        }
    }
}

/// A parsed permission set, compiled once and evaluated many times.
///
/// Canonical texts are shared (`Arc<str>`), so a decision names its permissions without
/// copying them: `authorize` does not allocate on allow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionSet {
    permissions: Vec<Permission>,
    texts: Vec<Arc<str>>,
}

/// A permission at a position of a list could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedPermissionError {
    /// Its position in the list.
    pub index: usize,
    /// What was wrong with it.
    pub error: PermissionError,
}

impl fmt::Display for IndexedPermissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "permissions[{}]: {}", self.index, self.error)
    }
}

impl std::error::Error for IndexedPermissionError {}

impl PermissionSet {
    /// Compiles permissions in the given order (the order decides `matched`).
    pub fn new(permissions: Vec<Permission>) -> Self {
        let texts = permissions
            .iter()
            .map(|p| Arc::from(p.to_string()))
            .collect();
        Self { permissions, texts }
    }

    /// Parses a list of permissions in either form; the first bad entry is the error.
    pub fn from_values(values: &[Value]) -> Result<Self, IndexedPermissionError> {
        values
            .iter()
            .enumerate()
            .map(|(index, v)| {
                Permission::from_value(v).map_err(|error| IndexedPermissionError { index, error })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }

    /// Parses a space-separated list of canonical texts, as in a token's `scope` or an
    /// OAuth `scope` parameter. Empty items (double spaces) are rejected.
    pub fn parse_scope(scope: &str) -> Result<Self, IndexedPermissionError> {
        // Exact parsing means an accepted text is already canonical: share it as is.
        let (permissions, texts) = scope
            .split(' ')
            .enumerate()
            .map(|(index, text)| {
                Permission::parse(text)
                    .map(|p| (p, Arc::from(text)))
                    .map_err(|error| IndexedPermissionError { index, error })
            })
            .collect::<Result<(Vec<_>, Vec<_>), _>>()?;
        Ok(Self { permissions, texts })
    }

    /// The permissions, in order.
    pub fn permissions(&self) -> &[Permission] {
        &self.permissions
    }

    /// The canonical texts, in order.
    pub fn texts(&self) -> &[Arc<str>] {
        &self.texts
    }

    /// The canonical texts joined by single spaces: a token's `scope`.
    pub fn scope_string(&self) -> String {
        self.texts.join(" ")
    }

    /// Whether some permission of the set covers `wanted` (see [`Permission::covers`]).
    pub fn covers(&self, wanted: &Permission) -> bool {
        self.permissions.iter().any(|p| p.covers(wanted))
    }

    /// Decides `request` for a credential of organisation `org`.
    ///
    /// A request that names an org must name `org`; without a known `org` such a request
    /// is denied (`deny.org_mismatch`), never assumed to match.
    pub fn authorize(&self, request: &Request, org: Option<&str>) -> Decision {
        if let Some(wanted) = request.org() {
            if org != Some(wanted) {
                return Decision {
                    allowed: false,
                    reason: Reason::OrgMismatch,
                    matched: None,
                    near_misses: None,
                };
            }
        }
        let candidates = self
            .permissions
            .iter()
            .zip(&self.texts)
            .filter(|(p, _)| p.kind() == request.kind() && p.action() == request.action());
        let mut near_misses = Vec::new();
        for (permission, text) in candidates {
            if scope_matches(permission, request) {
                return Decision {
                    allowed: true,
                    reason: Reason::Allow,
                    matched: Some(text.clone()),
                    near_misses: None,
                };
            }
            near_misses.push(text.clone());
        }
        Decision {
            allowed: false,
            reason: Reason::NoMatchingPermission,
            matched: None,
            near_misses: Some(near_misses),
        }
    }
}

/// The scope rule of SPEC §2, for a permission already known to have the request's type
/// and action.
fn scope_matches(permission: &Permission, request: &Request) -> bool {
    match permission.scope() {
        Scope::Org => true,
        Scope::Vault => match (request.vault(), permission.resource()) {
            (Some(_), None) => true,
            (Some(vault), Some(resource)) => vault == resource,
            (None, _) => false,
        },
        Scope::Key => match (request.key(), permission.resource()) {
            (Some(_), None) => true,
            (Some(key), Some(resource)) => key == resource,
            (None, _) => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(texts: &[&str]) -> PermissionSet {
        PermissionSet::new(
            texts
                .iter()
                .map(|t| Permission::parse(t).unwrap())
                .collect(),
        )
    }

    fn req(kind: &str, action: &str, vault: Option<&str>, key: Option<&str>) -> Request {
        Request::new(kind, action, vault, key, None).unwrap()
    }

    #[test]
    fn the_match_table() {
        let org = set(&["key:read:org"]);
        assert!(org.authorize(&req("key", "read", None, None), None).allowed);
        assert!(
            org.authorize(&req("key", "read", Some("v"), Some("k")), None)
                .allowed
        );

        let vault_any = set(&["key:read:vault"]);
        assert!(
            !vault_any
                .authorize(&req("key", "read", None, None), None)
                .allowed
        );
        assert!(
            vault_any
                .authorize(&req("key", "read", Some("v"), None), None)
                .allowed
        );

        let key_scoped = set(&["key:read:key:k"]);
        assert!(
            !key_scoped
                .authorize(&req("key", "read", Some("v"), None), None)
                .allowed
        );
        assert!(
            !key_scoped
                .authorize(&req("key", "read", None, None), None)
                .allowed
        );
        assert!(
            key_scoped
                .authorize(&req("key", "read", Some("v"), Some("k")), None)
                .allowed
        );
        assert!(
            !key_scoped
                .authorize(&req("key", "read", Some("v"), Some("j")), None)
                .allowed
        );
    }

    #[test]
    fn first_match_wins_and_near_misses_explain_a_deny() {
        let s = set(&[
            "balances:read:vault:a",
            "balances:read:org",
            "vault:read:org",
        ]);
        let d = s.authorize(&req("balances", "read", Some("b"), None), None);
        assert_eq!(d.matched.as_deref(), Some("balances:read:org"));
        let s = set(&["balances:read:vault:a", "vault:read:org"]);
        let d = s.authorize(&req("balances", "read", Some("b"), None), None);
        assert_eq!(
            d.near_misses,
            Some(vec![Arc::from("balances:read:vault:a")])
        );
    }
}
