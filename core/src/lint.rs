//! Lint: advice on a valid credential spec — things that are allowed but probably not
//! meant. Findings never block creation; validation ([`crate::spec`]) does that.
//!
//! Codes (listed in docs/CODES.md): `lint.all_addresses`, `lint.wide_network`,
//! `lint.overlapping_networks`, `lint.private_network_in_production`,
//! `lint.redundant_permission`, `lint.outside_set_type`, `lint.org_wide_delete`,
//! `lint.stale_credential`; for a stored record `lint.secret_rotation_due`,
//! `lint.secret_past_grace`, `lint.no_expiry`, `lint.expires_soon`; with usage
//! `lint.unused_permission`.

use serde::{Deserialize, Serialize};

use crate::authorize::PermissionSet;
use crate::codes::Code;
use crate::credential::Credential;
use crate::permission::{Action, Scope};
use crate::spec::{CredentialSpec, Environment};
use crate::usage::{attribute, Use, DAY_SECS};

/// Days after which a credential (or a secret) should be rotated, by default.
pub const ROTATE_AFTER_DAYS: u64 = 90;

/// [`ROTATE_AFTER_DAYS`] in seconds.
pub const ROTATE_AFTER_SECS: i64 = 90 * DAY_SECS;

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

/// A credential that expires sooner than this gets `lint.expires_soon`.
pub const EXPIRES_SOON_SECS: i64 = 14 * DAY_SECS;

/// What a lint can take beyond the spec.
#[derive(Clone, Copy, Debug, Default)]
pub struct LintContext<'a> {
    /// Now, for every check of age or expiry.
    pub now: Option<i64>,
    /// When the credential was created (a spec's age check, `lint.stale_credential`).
    pub created_at: Option<i64>,
    /// The stored record: its secrets and expiry are checked (instead of `created_at`).
    pub record: Option<&'a Credential>,
    /// Observed usage: permissions it does not show in use get `lint.unused_permission`.
    pub usage: Option<&'a [Use]>,
    /// A permission not used for longer than this is unused.
    pub unused_after_secs: i64,
    /// A secret older than this is due for rotation.
    pub rotate_after_secs: i64,
}

/// Lints a validated spec; `now` and `created_at` enable the age check.
pub fn lint(spec: &CredentialSpec, now: Option<i64>, created_at: Option<i64>) -> Vec<Finding> {
    lint_with(
        spec,
        &LintContext {
            now,
            created_at,
            rotate_after_secs: ROTATE_AFTER_SECS,
            ..LintContext::default()
        },
    )
}

/// Lints a validated spec with what the host knows besides: the stored record, usage.
pub fn lint_with(spec: &CredentialSpec, context: &LintContext<'_>) -> Vec<Finding> {
    let now = context.now;
    let created_at = if context.record.is_some() {
        None
    } else {
        context.created_at
    };
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
        if now.saturating_sub(created_at) > context.rotate_after_secs {
            add(
                Code::LintStaleCredential,
                "created_at".to_owned(),
                format!(
                    "the credential is older than {} days; rotate it",
                    context.rotate_after_secs / DAY_SECS
                ),
            );
        }
    }
    if let Some(record) = context.record {
        lint_record(record, spec.environment, context, &mut add);
    }
    if let Some(usage) = context.usage {
        let set = PermissionSet::new(spec.permissions.clone());
        for (i, (p, used)) in spec
            .permissions
            .iter()
            .zip(attribute(&set, usage))
            .enumerate()
        {
            if !used.unused(now, context.unused_after_secs) {
                continue;
            }
            let message = match (used.last_at(), now) {
                (Some(last), Some(now)) => format!(
                    "`{p}` last allowed a request {} days ago; remove it if it is no longer needed",
                    now.saturating_sub(last) / DAY_SECS
                ),
                _ => format!(
                    "`{p}` allowed none of the requests seen; remove it if it is not needed"
                ),
            };
            add(
                Code::LintUnusedPermission,
                format!("permissions[{i}]"),
                message,
            );
        }
    }
    findings
}

/// The checks only a stored record allows: its secrets' ages and its expiry.
fn lint_record(
    record: &Credential,
    environment: Environment,
    context: &LintContext<'_>,
    add: &mut impl FnMut(Code, String, String),
) {
    if let Some(now) = context.now {
        for (i, secret) in record.secrets.iter().enumerate() {
            let path = format!("secrets[{i}]");
            match secret.expires_at {
                Some(expiry) if expiry <= now => add(
                    Code::LintSecretPastGrace,
                    path,
                    "this secret's grace period is over and it no longer works; revoke it so the record holds only live secrets".to_owned(),
                ),
                // A secret being retired is already on its way out.
                Some(_) => {}
                None if now.saturating_sub(secret.created_at) > context.rotate_after_secs => add(
                    Code::LintSecretRotationDue,
                    path,
                    format!(
                        "this secret is {} days old (rotation period: {} days); rotate it",
                        now.saturating_sub(secret.created_at) / DAY_SECS,
                        context.rotate_after_secs / DAY_SECS
                    ),
                ),
                None => {}
            }
        }
    }
    match (record.expires_at, context.now) {
        (None, _) if environment == Environment::Production => add(
            Code::LintNoExpiry,
            "expires_at".to_owned(),
            "a production credential that never expires outlives the people and systems that use it; set an expiry".to_owned(),
        ),
        (Some(expiry), Some(now)) if expiry.saturating_sub(now) < EXPIRES_SOON_SECS => add(
            Code::LintExpiresSoon,
            "expires_at".to_owned(),
            if expiry <= now {
                "the credential has expired and can get no tokens; extend its expiry or delete it".to_owned()
            } else {
                format!(
                    "the credential expires in {} days; extend it or plan its replacement",
                    expiry.saturating_sub(now) / DAY_SECS
                )
            },
        ),
        _ => {}
    }
}
