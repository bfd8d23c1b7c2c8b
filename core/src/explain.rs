//! Explanations (SPEC §10): why a request was allowed or denied, and the narrowest single
//! permission that would allow it.
//!
//! This module owns `narrowest` and `wider_than_needed`. The decision itself is
//! [`crate::authorize`]'s; an explanation never decides differently from it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::authorize::{Decision, PermissionSet, Reason};
use crate::permission::{Permission, Scope};
use crate::request::Request;

/// A decision and what would have been enough (the answer of `explain`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Explanation {
    /// The decision, exactly as `authorize` gives it.
    #[serde(flatten)]
    pub decision: Decision,
    /// The narrowest single permission, in text form, that allows the request; absent on
    /// `deny.org_mismatch` (no permission fixes that).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrowest: Option<Arc<str>>,
    /// On allow: whether `matched` is wider than `narrowest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wider_than_needed: Option<bool>,
}

/// The narrowest permission that allows `request`, following SPEC §1's scope table: its
/// key when it names one and the type has key scope, else its vault when it names one and
/// the type has vault scope, else the organisation.
pub fn narrowest(request: &Request) -> Permission {
    candidates(request)
        .next()
        .unwrap_or_else(|| org_wide(request))
}

/// The permissions that allow `request`, narrowest first, ending with org scope: the chain
/// key → vault → org, each only where the type has that scope.
pub fn candidates(request: &Request) -> impl Iterator<Item = Permission> + '_ {
    let key = request.key().map(|k| (Scope::Key, k));
    let vault = request.vault().map(|v| (Scope::Vault, v));
    key.into_iter()
        .chain(vault)
        .filter(|(scope, _)| request.kind().allows_scope(*scope))
        .filter_map(|(scope, id)| {
            Permission::new(request.kind(), request.action(), scope, Some(id)).ok()
        })
        .chain(std::iter::once(org_wide(request)))
}

fn org_wide(request: &Request) -> Permission {
    Permission::org_wide(request.kind(), request.action())
}

impl PermissionSet {
    /// Decides `request` as [`PermissionSet::authorize`] does, and explains the decision.
    pub fn explain(&self, request: &Request, org: Option<&str>) -> Explanation {
        let decision = self.authorize(request, org);
        if decision.reason == Reason::OrgMismatch {
            return Explanation {
                decision,
                narrowest: None,
                wider_than_needed: None,
            };
        }
        let narrowest: Arc<str> = Arc::from(narrowest(request).to_string());
        let wider_than_needed = decision
            .matched
            .as_ref()
            .map(|matched| **matched != *narrowest);
        Explanation {
            decision,
            narrowest: Some(narrowest),
            wider_than_needed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: &str, vault: Option<&str>, key: Option<&str>) -> Request {
        Request::new(kind, "read", vault, key, None).unwrap()
    }

    fn set(texts: &[&str]) -> PermissionSet {
        PermissionSet::new(
            texts
                .iter()
                .map(|t| Permission::parse(t).unwrap())
                .collect(),
        )
    }

    #[test]
    fn narrowest_follows_the_scope_table() {
        let n = |kind, vault, key| narrowest(&req(kind, vault, key)).to_string();
        assert_eq!(n("key", Some("v"), Some("k")), "key:read:key:k");
        assert_eq!(n("vault", Some("v"), None), "vault:read:vault:v");
        // address has no key scope: the vault is the narrowest
        assert_eq!(n("address", Some("v"), Some("k")), "address:read:vault:v");
        // webhook has org scope only
        assert_eq!(n("webhook", Some("v"), None), "webhook:read:org");
        assert_eq!(n("balances", None, None), "balances:read:org");
    }

    #[test]
    fn wider_than_needed_on_allow_only_and_nothing_on_org_mismatch() {
        let s = set(&["key:read:org", "balances:read:vault:v"]);
        let e = s.explain(&req("key", Some("v"), Some("k")), None);
        assert_eq!(e.wider_than_needed, Some(true));
        let e = s.explain(&req("balances", Some("v"), None), None);
        assert_eq!(e.wider_than_needed, Some(false));
        let e = s.explain(&req("balances", Some("w"), None), None);
        assert_eq!(
            (e.narrowest.as_deref(), e.wider_than_needed),
            (Some("balances:read:vault:w"), None)
        );
        let other_org = Request::new("key", "read", None, None, Some("org_2")).unwrap();
        let e = s.explain(&other_org, Some("org_1"));
        assert_eq!(
            (e.decision.reason, e.narrowest),
            (Reason::OrgMismatch, None)
        );
    }
}
