//! Credential diffs (SPEC §11): does a new version of a credential grant any access that
//! the old one did not? The verdict approval flows act on.
//!
//! This module owns the comparison of two validated specs: what was added and removed, and
//! which entries of the new version are not covered by the old one. Validation is
//! [`crate::spec`]'s; the cover rule between permissions is [`Permission::covers`] (the rule
//! of SPEC §7's down-scoping).

use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::permission::Permission;
use crate::spec::{CredentialSpec, Environment};

/// Entries in one version and not in the other.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Changes {
    /// In `after`, not in `before` (in `after`'s order).
    pub added: Vec<String>,
    /// In `before`, not in `after` (in `before`'s order).
    pub removed: Vec<String>,
}

/// The environment, when it changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnvironmentChange {
    /// The old environment.
    pub before: Environment,
    /// The new one.
    pub after: Environment,
}

/// One cause of new access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAccess {
    /// `diff.permission_not_covered`, `diff.ip_not_covered` or `diff.environment_changed`.
    pub code: Code,
    /// Where in `after`: `after.permissions[i]`, `after.ip_allowlist[j]`,
    /// `after.environment`.
    pub path: String,
    /// What the new version allows that the old one did not.
    pub message: String,
}

/// The comparison of two valid specs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpecDiff {
    /// `true`: both specs were valid.
    pub ok: bool,
    /// Whether `new_access` is not empty.
    pub grants_new_access: bool,
    /// Canonical permission texts added and removed.
    pub permissions: Changes,
    /// Allowlist entries (CIDR form) added and removed.
    pub ip_allowlist: Changes,
    /// The environment, only when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentChange>,
    /// One finding per cause of new access.
    pub new_access: Vec<NewAccess>,
}

/// Compares `before` with `after`. Name, description and set type are not access.
pub fn diff(before: &CredentialSpec, after: &CredentialSpec) -> SpecDiff {
    let mut new_access = Vec::new();
    for (i, p) in after.permissions.iter().enumerate() {
        if !before.permissions.iter().any(|q| q.covers(p)) {
            new_access.push(NewAccess {
                code: Code::DiffPermissionNotCovered,
                path: format!("after.permissions[{i}]"),
                message: format!("`{p}` is not covered by any permission of the current version"),
            });
        }
    }
    let old_ranges = merged_ranges(before);
    for (j, net) in after.allowlist.networks().iter().enumerate() {
        let range = (u32::from(net.network()), u32::from(net.broadcast()));
        if !covered(range, &old_ranges) {
            new_access.push(NewAccess {
                code: Code::DiffIpNotCovered,
                path: format!("after.ip_allowlist[{j}]"),
                message: format!("`{net}` includes addresses that the current allowlist does not"),
            });
        }
    }
    let environment = (before.environment != after.environment).then_some(EnvironmentChange {
        before: before.environment,
        after: after.environment,
    });
    if let Some(change) = environment {
        new_access.push(NewAccess {
            code: Code::DiffEnvironmentChanged,
            path: "after.environment".to_owned(),
            message: format!(
                "the credential moves from {} to {}",
                change.before, change.after
            ),
        });
    }
    SpecDiff {
        ok: true,
        grants_new_access: !new_access.is_empty(),
        permissions: changes(&texts(&before.permissions), &texts(&after.permissions)),
        ip_allowlist: changes(&before.allowlist.cidrs(), &after.allowlist.cidrs()),
        environment,
        new_access,
    }
}

fn texts(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(Permission::to_string).collect()
}

fn changes(before: &[String], after: &[String]) -> Changes {
    let missing_from = |list: &[String], other: &[String]| {
        list.iter()
            .filter(|item| !other.contains(item))
            .cloned()
            .collect()
    };
    Changes {
        added: missing_from(after, before),
        removed: missing_from(before, after),
    }
}

/// The address ranges of `spec`'s allowlist, sorted and merged where they touch, so that
/// the union of several entries can cover one (`10.0.0.0/25` + `10.0.0.128/25`).
fn merged_ranges(spec: &CredentialSpec) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = spec
        .allowlist
        .networks()
        .iter()
        .map(|n| (u32::from(n.network()), u32::from(n.broadcast())))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Whether `range` lies inside one merged range (merged ranges never touch, so a range
/// covered by their union is inside one of them).
fn covered(range: (u32, u32), merged: &[(u32, u32)]) -> bool {
    merged
        .iter()
        .any(|(start, end)| *start <= range.0 && range.1 <= *end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::validate;
    use serde_json::json;

    fn spec(permissions: &[&str], ips: &[&str], env: &str) -> CredentialSpec {
        validate(
            &json!({"name": "Payments backend", "permission_set_type": "wallets",
            "permissions": permissions, "ip_allowlist": ips, "environment": env}),
        )
        .unwrap()
    }

    fn codes(d: &SpecDiff) -> Vec<(&str, &str)> {
        d.new_access
            .iter()
            .map(|f| (f.code.as_str(), f.path.as_str()))
            .collect()
    }

    #[test]
    fn the_example_of_the_spec() {
        let before = spec(&["vault:read:vault:vlt_1"], &["203.0.113.0/24"], "sandbox");
        let after = spec(
            &["vault:read:org"],
            &["10.0.0.0/24", "203.0.113.0/24"],
            "production",
        );
        let d = diff(&before, &after);
        assert!(d.grants_new_access);
        assert_eq!(d.permissions.added, ["vault:read:org"]);
        assert_eq!(d.permissions.removed, ["vault:read:vault:vlt_1"]);
        assert_eq!(d.ip_allowlist.added, ["10.0.0.0/24"]);
        assert!(d.ip_allowlist.removed.is_empty());
        assert_eq!(
            codes(&d),
            [
                ("diff.permission_not_covered", "after.permissions[0]"),
                ("diff.ip_not_covered", "after.ip_allowlist[0]"),
                ("diff.environment_changed", "after.environment"),
            ]
        );
    }

    #[test]
    fn a_narrowing_grants_nothing_and_unions_cover() {
        let before = spec(
            &["key:read:vault", "balances:read:org"],
            &["10.0.0.0/25", "10.0.0.128/25"],
            "production",
        );
        let after = spec(
            &["key:read:key:k1", "balances:read:vault:v"],
            &["10.0.0.0/24"],
            "production",
        );
        let d = diff(&before, &after);
        assert!(!d.grants_new_access, "{:?}", d.new_access);
        assert_eq!(d.ip_allowlist.added, ["10.0.0.0/24"]);
        assert_eq!(d.environment, None);
    }

    #[test]
    fn a_vault_resource_does_not_cover_a_key_and_partial_coverage_is_new() {
        let before = spec(&["key:read:vault:v"], &["10.0.0.0/25"], "sandbox");
        let after = spec(&["key:read:key:k"], &["10.0.0.0/24", "10.0.0.7"], "sandbox");
        assert_eq!(
            codes(&diff(&before, &after)),
            [
                ("diff.permission_not_covered", "after.permissions[0]"),
                ("diff.ip_not_covered", "after.ip_allowlist[0]"),
            ]
        );
    }

    #[test]
    fn the_whole_address_space_covers_everything() {
        let before = spec(&["key:read:org"], &["0.0.0.0/0"], "sandbox");
        let after = spec(
            &["key:read:org"],
            &["255.255.255.255", "0.0.0.0/1"],
            "sandbox",
        );
        assert!(!diff(&before, &after).grants_new_access);
    }
}
