//! Preview: what a permission list will let a credential do, before it is created — for
//! admin pages. Every answer comes from [`crate::authorize`], so a preview can never
//! disagree with a real decision.
//!
//! Shape (documented in docs/PREVIEW.md): per type and action, whether org-level actions
//! are allowed, which vaults and keys are reachable; and, when concrete resources are
//! given, the allowed `type:action` pairs at the org, on each vault and on each key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::authorize::PermissionSet;
use crate::permission::{Action, ResourceType, Scope};
use crate::request::Request;

/// Reach of one type and action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Grant {
    /// The type.
    #[serde(rename = "type")]
    pub kind: ResourceType,
    /// The action.
    pub action: Action,
    /// Org-level requests (no vault, no key) are allowed.
    pub org: bool,
    /// Every vault is reachable.
    pub all_vaults: bool,
    /// Vaults reachable by name (when not all).
    pub vaults: Vec<String>,
    /// Every key is reachable.
    pub all_keys: bool,
    /// Keys reachable by name (when not all); keys in `vaults` are reachable too.
    pub keys: Vec<String>,
}

/// What a permission set allows on concrete resources.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResourceView {
    /// `type:action` pairs allowed at the org level.
    pub org: Vec<String>,
    /// Per vault id, the `type:action` pairs allowed on it.
    pub vaults: BTreeMap<String, Vec<String>>,
    /// Per `vault/key`, the `type:action` pairs allowed on it.
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The reach of every type and action some permission grants, in vocabulary order.
pub fn grants(set: &PermissionSet) -> Vec<Grant> {
    let mut grants = Vec::new();
    for kind in ResourceType::ALL {
        for action in Action::ALL {
            let relevant: Vec<_> = set
                .permissions()
                .iter()
                .filter(|p| p.kind() == *kind && p.action() == *action)
                .collect();
            if relevant.is_empty() {
                continue;
            }
            let has = |scope: Scope, any: bool| {
                relevant
                    .iter()
                    .any(|p| p.scope() == scope && (!any || p.resource().is_none()))
            };
            let named = |scope: Scope| -> Vec<String> {
                let mut ids: Vec<String> = relevant
                    .iter()
                    .filter(|p| p.scope() == scope)
                    .filter_map(|p| p.resource().map(str::to_owned))
                    .collect();
                ids.sort();
                ids.dedup();
                ids
            };
            let org = has(Scope::Org, false);
            let all_vaults = org || has(Scope::Vault, true);
            let all_keys = all_vaults || has(Scope::Key, true);
            grants.push(Grant {
                kind: *kind,
                action: *action,
                org,
                all_vaults,
                vaults: if all_vaults {
                    Vec::new()
                } else {
                    named(Scope::Vault)
                },
                all_keys,
                keys: if all_keys {
                    Vec::new()
                } else {
                    named(Scope::Key)
                },
            });
        }
    }
    grants
}

/// Evaluates every type and action on the given vaults and their keys.
pub fn on_resources<'a>(
    set: &PermissionSet,
    vaults: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> ResourceView {
    let allowed = |vault: Option<&str>, key: Option<&str>| -> Vec<String> {
        let mut out = Vec::new();
        for kind in ResourceType::ALL {
            for action in Action::ALL {
                let request = Request::new(kind.as_str(), action.as_str(), vault, key, None);
                if request.is_ok_and(|r| set.authorize(&r, None).allowed) {
                    out.push(format!("{kind}:{action}"));
                }
            }
        }
        out
    };
    let mut view = ResourceView {
        org: allowed(None, None),
        ..ResourceView::default()
    };
    for (vault, keys) in vaults {
        view.vaults
            .insert(vault.to_owned(), allowed(Some(vault), None));
        for key in keys {
            view.keys
                .insert(format!("{vault}/{key}"), allowed(Some(vault), Some(key)));
        }
    }
    view
}
