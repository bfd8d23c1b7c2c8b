//! Least privilege from usage: which permission of a spec allowed the requests a host saw,
//! which were never used, and the narrower spec that would have done (`suggest`).
//!
//! This module owns the attribution of observed requests to permissions (the first that
//! allows each, as [`PermissionSet::authorize`] decides) and the narrowing. It never reads
//! an audit log: the host counts and passes the usage in. Every replacement it proposes is
//! covered by the permission it replaces ([`Permission::covers`]), so the suggestion's diff
//! never grants new access.

use serde::{Deserialize, Serialize};

use crate::authorize::PermissionSet;
use crate::explain::candidates;
use crate::permission::Permission;
use crate::request::Request;
use crate::spec::{CredentialSpec, PERMISSIONS_LEN};

/// The most usage entries an operation reads.
pub const MAX_USAGE_ENTRIES: usize = 10_000;

/// Seconds in a day, for the `*_days` options.
pub const DAY_SECS: i64 = 24 * 3600;

/// Days without use after which a permission counts as unused, by default.
pub const UNUSED_AFTER_DAYS: u64 = 90;

/// One observed request and when it was last allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The request.
    pub request: Request,
    /// When it was last allowed, Unix seconds.
    pub last_at: i64,
    /// How often it was allowed.
    pub count: u64,
}

/// What one permission of a spec was used for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionUse<'a> {
    /// The uses it allowed first, in the order given.
    pub uses: Vec<&'a Use>,
}

impl PermissionUse<'_> {
    /// The last time it allowed a request.
    pub fn last_at(&self) -> Option<i64> {
        self.uses.iter().map(|u| u.last_at).max()
    }

    /// Whether it counts as unused: never used, or (when `now` is known) not within
    /// `window_secs`.
    pub fn unused(&self, now: Option<i64>, window_secs: i64) -> bool {
        match (self.last_at(), now) {
            (None, _) => true,
            (Some(last), Some(now)) => now.saturating_sub(last) > window_secs,
            (Some(_), None) => false,
        }
    }
}

/// Attributes each use to the first permission of `set` that allows its request (the
/// request's own `org`, if any, is the credential's: the host saw it allowed).
pub fn attribute<'a>(set: &PermissionSet, usage: &'a [Use]) -> Vec<PermissionUse<'a>> {
    let mut per_permission = vec![PermissionUse::default(); set.permissions().len()];
    for u in usage {
        let decision = set.authorize(&u.request, u.request.org());
        let index = decision
            .matched
            .and_then(|m| set.texts().iter().position(|t| *t == m));
        if let Some(slot) = index.and_then(|i| per_permission.get_mut(i)) {
            slot.uses.push(u);
        }
    }
    per_permission
}

/// A permission replaced by narrower ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Narrowing {
    /// The permission of the spec.
    pub from: String,
    /// What replaces it, each covered by it.
    pub to: Vec<String>,
}

/// The permissions a narrowed spec keeps, and what changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narrowed {
    /// The new permission list, in order, without duplicates.
    pub permissions: Vec<Permission>,
    /// Permissions dropped as unused.
    pub removed: Vec<String>,
    /// Permissions replaced by narrower ones.
    pub narrowed: Vec<Narrowing>,
}

/// Narrows `spec` to what `usage` shows: unused permissions go; a used permission is
/// replaced by, for each request it allowed, the narrowest permission of the chain
/// key → vault → org that it covers; replacements that would pass 100 permissions keep
/// the original.
pub fn narrow(
    spec: &CredentialSpec,
    usage: &[Use],
    now: Option<i64>,
    window_secs: i64,
) -> Narrowed {
    let set = PermissionSet::new(spec.permissions.clone());
    let attributed = attribute(&set, usage);
    let mut out = Narrowed::default();
    let kept_after = |i: usize| {
        attributed
            .iter()
            .skip(i + 1)
            .filter(|u| !u.unused(now, window_secs))
            .count()
    };
    for (i, (permission, used)) in spec.permissions.iter().zip(&attributed).enumerate() {
        if used.unused(now, window_secs) {
            out.removed.push(permission.to_string());
            continue;
        }
        let mut replacements: Vec<Permission> = Vec::new();
        // More than a spec can hold cannot replace it: stop collecting there.
        for u in &used.uses {
            if replacements.len() > *PERMISSIONS_LEN.end() {
                break;
            }
            let narrowest = candidates(&u.request).find(|c| permission.covers(c));
            if let Some(p) = narrowest.filter(|p| !replacements.contains(p)) {
                replacements.push(p);
            }
        }
        let fits =
            out.permissions.len() + replacements.len() + kept_after(i) <= *PERMISSIONS_LEN.end();
        if replacements.is_empty() || replacements == [permission.clone()] || !fits {
            push_new(&mut out.permissions, permission.clone());
            continue;
        }
        out.narrowed.push(Narrowing {
            from: permission.to_string(),
            to: replacements.iter().map(Permission::to_string).collect(),
        });
        for p in replacements {
            push_new(&mut out.permissions, p);
        }
    }
    out
}

fn push_new(list: &mut Vec<Permission>, p: Permission) {
    if !list.contains(&p) {
        list.push(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::validate;
    use serde_json::json;

    fn spec(permissions: &[&str]) -> CredentialSpec {
        validate(
            &json!({"name": "Payments backend", "permission_set_type": "wallets",
            "permissions": permissions, "ip_allowlist": ["203.0.113.7"], "environment": "sandbox"}),
        )
        .unwrap()
    }

    fn used(kind: &str, vault: Option<&str>, key: Option<&str>, last_at: i64) -> Use {
        Use {
            request: Request::new(kind, "read", vault, key, None).unwrap(),
            last_at,
            count: 1,
        }
    }

    fn texts(p: &[Permission]) -> Vec<String> {
        p.iter().map(Permission::to_string).collect()
    }

    #[test]
    fn the_first_permission_that_allows_a_request_is_credited() {
        let s = spec(&["balances:read:vault:v", "balances:read:org"]);
        let usage = [
            used("balances", Some("v"), None, 5),
            used("balances", Some("w"), None, 7),
        ];
        let set = PermissionSet::new(s.permissions.clone());
        let a = attribute(&set, &usage);
        assert_eq!((a[0].last_at(), a[1].last_at()), (Some(5), Some(7)));
    }

    #[test]
    fn unused_go_and_wide_grants_narrow_to_what_was_used() {
        let s = spec(&[
            "balances:read:org",
            "key:read:vault",
            "webhook:read:org",
            "key:read:vault:v",
        ]);
        let usage = [
            used("balances", Some("v1"), None, 10),
            used("balances", Some("v2"), Some("k"), 11),
            used("key", Some("v"), Some("k1"), 12),
        ];
        let n = narrow(&s, &usage, None, 0);
        assert_eq!(
            texts(&n.permissions),
            [
                "balances:read:vault:v1",
                "balances:read:key:k",
                "key:read:key:k1"
            ]
        );
        assert_eq!(n.removed, ["webhook:read:org", "key:read:vault:v"]);
        // every replacement is covered by what it replaces
        for change in &n.narrowed {
            let from = Permission::parse(&change.from).unwrap();
            assert!(change
                .to
                .iter()
                .all(|t| from.covers(&Permission::parse(t).unwrap())));
        }
    }

    #[test]
    fn a_vault_resource_is_not_narrowed_to_a_key_it_does_not_cover() {
        let s = spec(&["key:read:vault:v"]);
        let n = narrow(&s, &[used("key", Some("v"), Some("k"), 1)], None, 0);
        assert_eq!(texts(&n.permissions), ["key:read:vault:v"]);
        assert!(n.narrowed.is_empty());
    }

    #[test]
    fn use_outside_the_window_counts_as_unused() {
        let s = spec(&["balances:read:org", "vault:read:org"]);
        let usage = [
            used("balances", None, None, 100),
            used("vault", None, None, 10),
        ];
        let n = narrow(&s, &usage, Some(200), 100);
        assert_eq!(texts(&n.permissions), ["balances:read:org"]);
        assert_eq!(n.removed, ["vault:read:org"]);
    }
}
