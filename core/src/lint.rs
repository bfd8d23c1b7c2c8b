//! Lint: advice on a valid credential spec — things that are allowed but probably not
//! meant. Findings never block creation; validation ([`crate::spec`]) does that.
//!
//! Codes (listed in docs/CODES.md): `lint.all_addresses`, `lint.wide_network`,
//! `lint.overlapping_networks`, `lint.private_network_in_production`,
//! `lint.redundant_permission`, `lint.outside_set_type`, `lint.org_wide_delete`,
//! `lint.stale_credential`.

use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::permission::{Action, Scope};
use crate::spec::{CredentialSpec, Environment};

/// Credentials older than this should be rotated.
pub const ROTATE_AFTER_SECS: i64 = 90 * 24 * 3600;

/// Networks wider than this prefix (but not /0) get `lint.wide_network`.
pub const WIDE_PREFIX: u8 = 16;

/// One piece of advice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Finding {
    /// A stable `lint.*` code.
    pub code: Code,
    /// Where: `ip_allowlist[0]`, `permissions[3]`, `created_at`.
    pub path: String,
    /// What to consider doing.
    pub message: String,
}

/// Lints a validated spec; `now` and `created_at` enable the age check.
pub fn lint(spec: &CredentialSpec, now: Option<i64>, created_at: Option<i64>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut add = |code: Code, path: String, message: String| {
        findings.push(Finding {
            code,
            path,
            message,
        });
    };
    let networks = spec.allowlist.networks();
    for (i, net) in networks.iter().enumerate() {
        let path = format!("ip_allowlist[{i}]");
        if net.prefix_len() == 0 {
            add(Code::LintAllAddresses, path.clone(), "`0.0.0.0/0` lets the secret be used from anywhere; list your egress addresses instead".to_owned());
        } else if net.prefix_len() < WIDE_PREFIX {
            add(
                Code::LintWideNetwork,
                path.clone(),
                format!(
                    "`{net}` spans {} addresses; narrow it to your egress addresses",
                    1u64 << (32 - u32::from(net.prefix_len()))
                ),
            );
        }
        if let Some(wider) = networks.iter().enumerate().find(|(j, other)| {
            *j != i && other.contains(net) && (other.prefix_len() < net.prefix_len() || *j < i)
        }) {
            add(
                Code::LintOverlappingNetworks,
                path.clone(),
                format!("`{net}` is already covered by `{}`", wider.1),
            );
        }
        let private = net.network().is_private()
            || net.network().is_loopback()
            || net.network().is_link_local();
        if spec.environment == Environment::Production && private && net.prefix_len() > 0 {
            add(Code::LintPrivateNetworkInProduction, path, format!("`{net}` is a private range; production calls usually arrive from public addresses"));
        }
    }
    let defaults: Vec<_> = spec
        .permission_set_type
        .defaults()
        .iter()
        .map(|p| p.kind())
        .collect();
    for (i, p) in spec.permissions.iter().enumerate() {
        let path = format!("permissions[{i}]");
        if let Some(wider) = spec
            .permissions
            .iter()
            .enumerate()
            .find(|(j, other)| *j != i && *other != p && other.covers(p))
        {
            add(
                Code::LintRedundantPermission,
                path.clone(),
                format!("`{p}` is already covered by `{}`", wider.1),
            );
        }
        if !defaults.contains(&p.kind()) {
            add(
                Code::LintOutsideSetType,
                path.clone(),
                format!(
                    "`{}` permissions are not part of the `{}` set; check the set type",
                    p.kind(),
                    spec.permission_set_type
                ),
            );
        }
        if p.action() == Action::Delete
            && p.scope() == Scope::Org
            && spec.environment == Environment::Production
        {
            add(Code::LintOrgWideDelete, path, format!("`{p}` can delete across the whole organisation in production; scope it to a vault if you can"));
        }
    }
    if let (Some(now), Some(created_at)) = (now, created_at) {
        if now.saturating_sub(created_at) > ROTATE_AFTER_SECS {
            add(
                Code::LintStaleCredential,
                "created_at".to_owned(),
                "the credential is older than 90 days; rotate it".to_owned(),
            );
        }
    }
    findings
}
