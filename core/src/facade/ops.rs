//! One typed function per operation: its input type, its answer type, and which [`Kind`]
//! of outcome each answer is. Hosts with prepared objects (a `Verifier` kept for many
//! tokens, a `PermissionSet` for many requests) call the `*_with` functions, so a prepared
//! call answers exactly as the one-off operation does.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{AllowlistEntries, Headers, PermissionList, Seconds, UnixSeconds};
use super::{Kind, Reply};
use crate::authorize::{Decision, PermissionSet};
use crate::bearer::{parse_authorization, BearerError};
use crate::cache::CacheLimits;
use crate::check::{CheckOutcome, DecisionRecord};
use crate::codes::Code;
use crate::credential::{is_well_formed_secret, Credential, CredentialError};
use crate::diff::SpecDiff;
use crate::error::{Error, InputError};
use crate::explain::Explanation;
use crate::ip::{Allowlist, IpError};
use crate::lint::{Finding, ROTATE_AFTER_DAYS};
use crate::oauth::{self, AuthMethod, IssueContext, OAuthError, OAuthErrorCode, TokenRequest};
use crate::permission::Permission;
use crate::preview::{grants, on_resources, Grant, ResourceView};
use crate::reason::Reason;
use crate::request::{Request, RequestError};
use crate::spec::{validate, CredentialSpec, Problem, UnknownSetType, ValidationErrors};
use crate::token::{Claims, IssueTime, Jwks, KeySet, SigningKey, Verifier, VerifyOptions};
use crate::usage::{Narrowing, Use, MAX_USAGE_ENTRIES, UNUSED_AFTER_DAYS};
use crate::vocabulary::{
    vocabulary, Action, Environment, PermissionSetType, ResourceType, Scope, Status,
};

/// Implements [`Reply`] for answer types that are always one kind.
macro_rules! replies {
    ($kind:ident: $($name:ty),+ $(,)?) => {
        $(impl Reply for $name {
            fn kind(&self) -> Kind {
                Kind::$kind
            }
        })+
    };
}

// ------------------------------------------------------------------ parse_permission

/// `parse_permission`: exactly one of `text` (the text form) or `permission` (the JSON form).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `text` (a permission text) or `permission` (an object)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParsePermissionInput {
    /// The text form, `type:action:scope[:resource]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The JSON form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<Value>,
}

/// A parsed permission (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParsedPermission {
    /// `true`.
    pub ok: bool,
    /// The canonical text form.
    pub canonical: String,
    /// The JSON form.
    pub permission: Permission,
}

/// Parses a permission; `permission.*` is a failure.
pub fn parse_permission(input: ParsePermissionInput) -> Result<ParsedPermission, Error> {
    let permission = match (input.text, input.permission) {
        (Some(text), None) => Permission::parse(&text)?,
        (None, Some(value)) => Permission::from_value(&value)?,
        _ => {
            return Err(InputError::new("give exactly one of `text` or `permission`").into());
        }
    };
    Ok(ParsedPermission {
        ok: true,
        canonical: permission.to_string(),
        permission,
    })
}

// ------------------------------------------------------------------ validate_spec, lint

/// `validate_spec`: the spec to check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `spec` (a credential spec)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidateSpecInput {
    /// A credential spec (SPEC §4), any JSON: every problem is reported.
    pub spec: Value,
}

/// A validation report (an answer): valid, or every problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpecReport {
    /// Whether the spec is valid.
    pub ok: bool,
    /// `spec.invalid` when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Code>,
    /// Every problem, in field order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

impl SpecReport {
    fn of(problems: Vec<Problem>) -> Self {
        Self {
            ok: problems.is_empty(),
            error: (!problems.is_empty()).then_some(Code::SpecInvalid),
            errors: problems,
        }
    }
}

/// Validates a spec; an invalid one is an answer listing every problem.
pub fn validate_spec(input: ValidateSpecInput) -> Result<SpecReport, Error> {
    Ok(SpecReport::of(
        validate(&input.spec)
            .err()
            .map(|e| e.problems)
            .unwrap_or_default(),
    ))
}

/// `lint`: a spec or a stored record, and optionally the time, the creation time (a spec's
/// age check), observed usage and the periods its checks use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `spec` or `credential`, and optionally `now`, `created_at`, `usage`, `unused_after_days` and `rotation_days`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LintInput {
    /// A credential spec (or give `credential`).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub spec: Value,
    /// A stored record: its spec, secrets and expiry are linted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Value>,
    /// Now, for the checks of age and expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<UnixSeconds>,
    /// When the credential was created, for a spec's age check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<UnixSeconds>,
    /// Observed usage: enables `lint.unused_permission`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageList>,
    /// Days without use after which a permission is unused (default 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_after_days: Option<Seconds>,
    /// Days after which a secret is due for rotation (default 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<Seconds>,
}

/// A lint verdict (an answer): the findings of a valid spec, or the problems of an invalid
/// one and no findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LintReport {
    /// Whether the spec is valid.
    pub ok: bool,
    /// The findings (none for an invalid spec).
    pub findings: Vec<Finding>,
    /// `spec.invalid` when the spec is not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Code>,
    /// Every problem of an invalid spec.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

fn days(days: Option<Seconds>, default: u64) -> i64 {
    i64::try_from(days.map_or(default, |d| d.0))
        .unwrap_or(i64::MAX)
        .saturating_mul(crate::usage::DAY_SECS)
}

/// The spec a record was made from, in its JSON form.
fn spec_of(record: &Credential) -> Value {
    serde_json::to_value(SpecDocument {
        name: record.name.clone(),
        description: record.description.clone(),
        permission_set_type: record.permission_set_type,
        permissions: record.permissions.clone(),
        ip_allowlist: record.ip_allowlist.clone(),
        environment: record.environment,
    })
    .unwrap_or_default()
}

/// Lints a spec or a stored record.
pub fn lint(input: LintInput) -> Result<LintReport, Error> {
    let record = match (input.credential, input.spec.is_null()) {
        (Some(_), false) => {
            return Err(InputError::new("give `spec` or `credential`, not both").into())
        }
        (Some(value), true) => Some(credential(value)?),
        (None, _) => None,
    };
    let usage = input.usage.map(UsageList::into_uses).transpose()?;
    let spec = record.as_ref().map_or(input.spec, spec_of);
    Ok(match validate(&spec) {
        Ok(spec) => LintReport {
            ok: true,
            findings: crate::lint::lint_with(
                &spec,
                &crate::lint::LintContext {
                    now: input.now.map(|t| t.0),
                    created_at: input.created_at.map(|t| t.0),
                    record: record.as_ref(),
                    usage: usage.as_deref(),
                    unused_after_secs: days(input.unused_after_days, UNUSED_AFTER_DAYS),
                    rotate_after_secs: days(input.rotation_days, ROTATE_AFTER_DAYS),
                },
            ),
            error: None,
            errors: Vec::new(),
        },
        Err(e) => LintReport {
            ok: false,
            findings: Vec::new(),
            error: Some(Code::SpecInvalid),
            errors: e.problems,
        },
    })
}

// ------------------------------------------------------------------ usage, suggest

/// One observed request, as a host counted it from its audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an object with `request`, `last_at` and optionally `count`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UsageEntry {
    /// The request, in `authorize`'s JSON form.
    pub request: Value,
    /// When it was last allowed.
    pub last_at: UnixSeconds,
    /// How often it was allowed (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Seconds>,
}

/// Observed usage: at most [`MAX_USAGE_ENTRIES`] entries, counted while reading, so an
/// oversized list costs no more than its first entries.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UsageList(pub Vec<UsageEntry>);

impl<'de> Deserialize<'de> for UsageList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = UsageList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "an array of at most {MAX_USAGE_ENTRIES} usage entries")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<UsageList, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = seq.next_element::<UsageEntry>()? {
                    if entries.len() == MAX_USAGE_ENTRIES {
                        return Err(serde::de::Error::custom(format!(
                            "`usage` has more than {MAX_USAGE_ENTRIES} entries; count distinct requests"
                        )));
                    }
                    entries.push(entry);
                }
                Ok(UsageList(entries))
            }
        }
        deserializer.deserialize_seq(Entries)
    }
}

impl UsageList {
    /// The uses, each request read; the first bad one is `request.invalid`, naming it.
    pub fn into_uses(self) -> Result<Vec<Use>, Error> {
        self.0
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                let request = Request::from_value(&entry.request)
                    .map_err(|e| RequestError::new(format!("usage[{i}].request: {e}")))?;
                Ok(Use {
                    request,
                    last_at: entry.last_at.0,
                    count: entry.count.map_or(1, |c| c.0),
                })
            })
            .collect()
    }
}

/// `suggest`: a spec and its observed usage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `spec` and `usage`, and optionally `now` and `unused_after_days`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SuggestInput {
    /// The current spec.
    pub spec: Value,
    /// What was used.
    pub usage: UsageList,
    /// Now: a permission not used within `unused_after_days` counts as unused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<UnixSeconds>,
    /// Days without use after which a permission is unused (default 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_after_days: Option<Seconds>,
}

/// A credential spec in its JSON form (the shape `validate_spec` reads).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpecDocument {
    /// The name.
    pub name: String,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The set type.
    pub permission_set_type: PermissionSetType,
    /// Canonical permission texts.
    pub permissions: Vec<String>,
    /// Allowlist entries as given.
    pub ip_allowlist: Vec<String>,
    /// The environment.
    pub environment: crate::spec::Environment,
}

/// A narrower spec from usage (an answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Suggestion {
    /// `true`: the spec was valid.
    pub ok: bool,
    /// The suggested spec; absent when nothing was used (`unused_credential`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<SpecDocument>,
    /// Whether nothing was used at all: disable the credential rather than keep it.
    pub unused_credential: bool,
    /// Permissions removed as unused.
    pub removed: Vec<String>,
    /// Permissions replaced by narrower ones.
    pub narrowed: Vec<Narrowing>,
    /// `diff` of the current spec and the suggestion: it never grants new access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<SpecDiff>,
}

/// What `suggest` gives (an answer either way): a suggestion, or the spec's problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a suggestion or a spec report")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum SuggestAnswer {
    /// The spec was valid (boxed: it is several times the size of a report).
    Suggested(Box<Suggestion>),
    /// It was not.
    Invalid(SpecReport),
}

/// Proposes a narrower spec from usage.
pub fn suggest(input: SuggestInput) -> Result<SuggestAnswer, Error> {
    let uses = input.usage.into_uses()?;
    let spec = match validate(&input.spec) {
        Ok(spec) => spec,
        Err(e) => return Ok(SuggestAnswer::Invalid(SpecReport::of(e.problems))),
    };
    let window = days(input.unused_after_days, UNUSED_AFTER_DAYS);
    let narrowed = crate::usage::narrow(&spec, &uses, input.now.map(|t| t.0), window);
    let document = (!narrowed.permissions.is_empty()).then(|| SpecDocument {
        name: spec.name.clone(),
        description: spec.description.clone(),
        permission_set_type: spec.permission_set_type,
        permissions: narrowed
            .permissions
            .iter()
            .map(Permission::to_string)
            .collect(),
        ip_allowlist: spec.ip_allowlist.clone(),
        environment: spec.environment,
    });
    let diff = document
        .as_ref()
        .and_then(|d| serde_json::to_value(d).ok())
        .and_then(|v| validate(&v).ok())
        .map(|after| crate::diff::diff(&spec, &after));
    Ok(SuggestAnswer::Suggested(Box::new(Suggestion {
        ok: true,
        unused_credential: document.is_none(),
        spec: document,
        removed: narrowed.removed,
        narrowed: narrowed.narrowed,
        diff,
    })))
}

// ------------------------------------------------------------------ ip_allowed

/// `ip_allowed`: an allowlist and a client address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `allowlist` (an array) and `ip` (a text)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IpAllowedInput {
    /// The allowlist (SPEC §4); an invalid one is a failure with its `ip.*` code.
    pub allowlist: AllowlistEntries,
    /// The client address.
    pub ip: String,
}

/// The verdict on a client address (an answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IpDecision {
    /// `true`.
    pub ok: bool,
    /// Whether the address is allowed.
    pub allowed: bool,
    /// `allow`, `deny.ip_not_allowed` or `deny.ip_invalid`.
    pub reason: Reason,
}

/// Compiles allowlist entries given as JSON values (a non-text entry is `ip.invalid`).
pub fn allowlist(entries: &[Value]) -> Result<Allowlist, Error> {
    let texts = entries
        .iter()
        .map(|e| e.as_str().ok_or_else(|| IpError::Invalid(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Allowlist::parse(&texts)?)
}

/// Matches a client address against an allowlist.
pub fn ip_allowed(input: IpAllowedInput) -> Result<IpDecision, Error> {
    let reason = allowlist(&input.allowlist.0)?.check(&input.ip).reason();
    Ok(IpDecision {
        ok: true,
        allowed: reason == Reason::Allow,
        reason,
    })
}

// ------------------------------------------------------------------ authorize

/// `authorize`: permissions, a request, and optionally the caller's organisation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `permissions` (an array), `request` (an object) and optionally `org`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuthorizeInput {
    /// The permissions, in order (the order decides `matched`).
    pub permissions: PermissionList,
    /// The request in its JSON form; an invalid one is a `request.invalid` failure.
    pub request: Value,
    /// The caller's organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// A decision (an answer): allow or deny, never a failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Authorized {
    /// `true`.
    pub ok: bool,
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
}

/// Compiles a permission list in either form; the first bad entry is the failure, with
/// its `index`.
pub fn permission_set(list: PermissionList) -> Result<PermissionSet, Error> {
    Ok(PermissionSet::new(list.into_permissions()?))
}

/// Decides a request in its JSON form against a compiled set.
pub fn authorize_with(
    set: &PermissionSet,
    request: &Value,
    org: Option<&str>,
) -> Result<Authorized, Error> {
    let request = Request::from_value(request)?;
    Ok(Authorized {
        ok: true,
        decision: set.authorize(&request, org),
    })
}

/// Authorizes a request. The request is read before the permissions.
pub fn authorize(input: AuthorizeInput) -> Result<Authorized, Error> {
    Request::from_value(&input.request)?;
    let set = permission_set(input.permissions)?;
    authorize_with(&set, &input.request, input.org.as_deref())
}

/// `explain`: `authorize`'s input (SPEC §10).
pub type ExplainInput = AuthorizeInput;

/// A decision and the narrowest permission that would allow the request (an answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Explained {
    /// `true`.
    pub ok: bool,
    /// The decision and its explanation.
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// Explains a decision; its input and failures are `authorize`'s.
pub fn explain(input: ExplainInput) -> Result<Explained, Error> {
    let request = Request::from_value(&input.request)?;
    let set = permission_set(input.permissions)?;
    Ok(Explained {
        ok: true,
        explanation: set.explain(&request, input.org.as_deref()),
    })
}

// ------------------------------------------------------------------ diff

/// `diff`: two versions of a credential spec (SPEC §11).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `before` and `after` (credential specs)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiffInput {
    /// The current version.
    pub before: Value,
    /// The proposed version.
    pub after: Value,
}

/// What `diff` gives (an answer either way): the comparison, or the problems of the
/// invalid spec(s), with paths prefixed `before.` / `after.`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a spec diff or a spec report")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum DiffAnswer {
    /// Both specs were valid.
    Compared(SpecDiff),
    /// At least one was not.
    Invalid(SpecReport),
}

/// Validates both versions, every problem of both reported with its version's prefix.
pub(crate) fn validate_pair(
    before: &Value,
    after: &Value,
) -> Result<(CredentialSpec, CredentialSpec), SpecReport> {
    let prefixed = |prefix: &str, result: Result<CredentialSpec, ValidationErrors>| {
        result.map_err(|e| {
            e.problems
                .into_iter()
                .map(|p| Problem {
                    path: format!("{prefix}.{}", p.path),
                    ..p
                })
                .collect::<Vec<_>>()
        })
    };
    match (
        prefixed("before", validate(before)),
        prefixed("after", validate(after)),
    ) {
        (Ok(before), Ok(after)) => Ok((before, after)),
        (before, after) => Err(SpecReport::of(
            before
                .err()
                .into_iter()
                .chain(after.err())
                .flatten()
                .collect(),
        )),
    }
}

/// Compares two specs.
pub fn diff(input: DiffInput) -> Result<DiffAnswer, Error> {
    Ok(match validate_pair(&input.before, &input.after) {
        Ok((before, after)) => DiffAnswer::Compared(crate::diff::diff(&before, &after)),
        Err(report) => DiffAnswer::Invalid(report),
    })
}

// ------------------------------------------------------------------ verify_token, check

/// The members that prepare a [`Verifier`]: the key set and what every token must meet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `jwks`, `issuer`, `audience`, and optionally `leeway`, `revoked_jtis` and `revocations`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifierInput {
    /// A JWKS (SPEC §6).
    pub jwks: Value,
    /// The expected `iss`.
    pub issuer: String,
    /// The audience that must be in `aud`.
    pub audience: String,
    /// Clock skew tolerated, in seconds (default 0).
    #[serde(default)]
    pub leeway: Seconds,
    /// Token ids revoked before their expiry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_jtis: Vec<String>,
    /// A signed revocation list (docs/LIFECYCLE.md), verified with `jwks` and `issuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocations: Option<String>,
    /// What a prepared verifier's cache of verified tokens may hold (docs/CACHE.md); the
    /// default is on. A one-off `verify_token` or `check` call has nothing to reuse.
    #[serde(default, skip_serializing_if = "CacheLimits::is_default")]
    pub cache: CacheLimits,
}

/// Prepares a verifier; an unusable key set is `jwks.invalid`, a revocation list that does
/// not verify `revocations.invalid`.
pub fn verifier(input: VerifierInput) -> Result<Verifier, Error> {
    let keys = KeySet::from_value(&input.jwks)?;
    let revocations = input
        .revocations
        .as_deref()
        .map(|text| super::revocations::revocation_list(text, &keys, &input.issuer))
        .transpose()?;
    let mut verifier = Verifier::new(
        keys,
        VerifyOptions {
            issuer: input.issuer,
            audience: input.audience,
            leeway: input.leeway.0,
            revoked_jtis: input.revoked_jtis,
            cache: input.cache,
        },
    );
    if let Some(list) = revocations {
        verifier.load_revocations(list)?;
    }
    Ok(verifier)
}

/// `verify_token`: a token, the time, and the verifier's members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `token`, `now`, `jwks`, `issuer` and `audience`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifyTokenInput {
    /// The compact JWS.
    pub token: String,
    /// Now.
    pub now: UnixSeconds,
    /// The key set and expectations.
    #[serde(flatten)]
    pub verifier: VerifierInput,
}

/// A verified token's claims (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifiedToken {
    /// `true`.
    pub ok: bool,
    /// The claims.
    pub claims: Claims,
}

/// Verifies a token with a prepared verifier; `token.*` is a failure.
pub fn verify_with(verifier: &Verifier, token: &str, now: i64) -> Result<VerifiedToken, Error> {
    Ok(VerifiedToken {
        ok: true,
        claims: verifier.verify(token, now)?,
    })
}

/// Verifies a token.
pub fn verify_token(input: VerifyTokenInput) -> Result<VerifiedToken, Error> {
    verify_with(&verifier(input.verifier)?, &input.token, input.now.0)
}

/// What `check` judges: the token (or the `Authorization` header carrying it), from where,
/// when, and what for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `token` or `authorization`, `now`, `client_ip` and `request`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckRequest {
    /// The token. Without it, `authorization` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The raw `Authorization` header value (RFC 6750), used when `token` is absent;
    /// absent too is a missing header (401 `bearer.missing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// Now.
    pub now: UnixSeconds,
    /// The client address.
    pub client_ip: String,
    /// The request in its JSON form; an invalid one is a 400 `request.invalid` answer.
    pub request: Value,
}

/// `check`: what is judged, and the verifier's members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `token`, `now`, `client_ip`, `request`, `jwks`, `issuer` and `audience`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckInput {
    /// What is judged.
    #[serde(flatten)]
    pub request: CheckRequest,
    /// The key set and expectations.
    #[serde(flatten)]
    pub verifier: VerifierInput,
}

/// The edge decision (an answer), with its status and challenge, and the audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Checked {
    /// `true`.
    pub ok: bool,
    /// The decision, status, message, challenge and claims.
    #[serde(flatten)]
    pub outcome: CheckOutcome,
    /// The audit record (absent when the request itself was invalid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<DecisionRecord>,
}

/// Where `check` reads the token from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bearer<'a> {
    /// The token itself.
    Token(&'a str),
    /// The raw `Authorization` header value (`None`: no header, 401 `bearer.missing`).
    Header(Option<&'a str>),
}

/// The edge decision for a request already read, or refused as `request.invalid` (a 400
/// answer, no token looked at): the one place `check`'s answer is built, for the façade and
/// for every host's prepared verifier.
pub fn checked(
    verifier: &Verifier,
    bearer: Bearer<'_>,
    now: i64,
    client_ip: &str,
    request: Result<&Request, &RequestError>,
) -> Checked {
    let request = match request {
        Ok(request) => request,
        Err(e) => {
            return Checked {
                ok: true,
                outcome: CheckOutcome::refused(Reason::RequestInvalid, e.to_string(), None),
                audit: None,
            }
        }
    };
    let outcome = match bearer {
        Bearer::Token(token) => verifier.check(token, now, client_ip, request),
        Bearer::Header(header) => verifier.check_authorization(header, now, client_ip, request),
    };
    let audit = Some(outcome.record(request, client_ip, now));
    Checked {
        ok: true,
        outcome,
        audit,
    }
}

/// Checks a request with a prepared verifier: every decision is an answer.
pub fn check_with(verifier: &Verifier, input: &CheckRequest) -> Result<Checked, Error> {
    let bearer = match (&input.token, &input.authorization) {
        (Some(token), None) => Bearer::Token(token),
        (None, header) => Bearer::Header(header.as_deref()),
        (Some(_), Some(_)) => {
            return Err(InputError::new("give `token` or `authorization`, not both").into())
        }
    };
    let request = Request::from_value(&input.request);
    Ok(checked(
        verifier,
        bearer,
        input.now.0,
        &input.client_ip,
        request.as_ref(),
    ))
}

/// The edge path: token, client IP, organisation, permission.
pub fn check(input: CheckInput) -> Result<Checked, Error> {
    check_with(&verifier(input.verifier)?, &input.request)
}

// ------------------------------------------------------------------ the token endpoint

/// `parse_token_request`: the HTTP request's method, headers and form body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `method`, `headers` and `body`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenRequestInput {
    /// The HTTP method.
    pub method: String,
    /// The headers (names matched case-insensitively).
    #[serde(default)]
    pub headers: Headers,
    /// The `application/x-www-form-urlencoded` body.
    #[serde(default)]
    pub body: String,
}

/// A parsed token request (a result).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParsedTokenRequest {
    /// `true`.
    pub ok: bool,
    /// The client id.
    pub client_id: String,
    /// The client secret, as sent.
    pub client_secret: String,
    /// The `scope` parameter, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// How the client authenticated.
    pub auth_method: AuthMethod,
}

impl std::fmt::Debug for ParsedTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedTokenRequest")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scope", &self.scope)
            .field("auth_method", &self.auth_method)
            .finish()
    }
}

/// A refused token request (an answer): what to send (status, headers, the RFC 6749 §5.2
/// body members `error` and `error_description`) and the internal `reason` for audit logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenRefusal {
    /// `false`.
    pub ok: bool,
    /// The RFC 6749 error code sent to the client.
    pub error: OAuthErrorCode,
    /// The description sent to the client.
    pub error_description: String,
    /// 400 or 401.
    pub status: u16,
    /// The internal SPEC §8 reason: for audit logs, never for the client.
    pub reason: Code,
    /// The headers to send.
    pub headers: BTreeMap<String, String>,
    /// A message for the operator.
    pub message: String,
}

impl From<OAuthError> for TokenRefusal {
    fn from(e: OAuthError) -> Self {
        Self {
            ok: false,
            error: e.error,
            status: e.status(),
            reason: e.reason,
            headers: headers(e.headers()),
            message: e.to_string(),
            error_description: e.description,
        }
    }
}

fn headers(list: Vec<(&'static str, String)>) -> BTreeMap<String, String> {
    list.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

/// What `parse_token_request` gives: the request, or its refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a parsed token request or a refusal")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TokenRequestAnswer {
    /// The parsed request (a result).
    Parsed(ParsedTokenRequest),
    /// A refusal (an answer).
    Refused(TokenRefusal),
}

impl Reply for TokenRequestAnswer {
    fn kind(&self) -> Kind {
        match self {
            Self::Parsed(_) => Kind::Result,
            Self::Refused(_) => Kind::Answer,
        }
    }
}

/// Parses a token request (RFC 6749 §4.4).
pub fn parse_token_request(input: TokenRequestInput) -> Result<TokenRequestAnswer, Error> {
    Ok(
        match oauth::parse_token_request(&input.method, input.headers.lines(), &input.body) {
            Ok(r) => TokenRequestAnswer::Parsed(ParsedTokenRequest {
                ok: true,
                client_id: r.client_id,
                client_secret: r.client_secret,
                scope: r.scope,
                auth_method: r.auth_method,
            }),
            Err(e) => TokenRequestAnswer::Refused(e.into()),
        },
    )
}

/// A signing key: its `kid` and 32-byte Ed25519 seed in lowercase hex.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "a signing key: an object with `kid` and `seed` (64 hex characters)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SigningKeyInput {
    /// The key id.
    pub kid: String,
    /// The seed, 64 lowercase hex characters.
    pub seed: String,
}

impl std::fmt::Debug for SigningKeyInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyInput")
            .field("kid", &self.kid)
            .field("seed", &"<redacted>")
            .finish()
    }
}

impl SigningKeyInput {
    /// The key; a bad seed is `key.invalid`.
    pub fn key(&self) -> Result<SigningKey, Error> {
        Ok(SigningKey::from_hex(&self.kid, &self.seed)?)
    }
}

/// `issue_token`: the stored credential (or none), what the client presented, and the
/// issuer's key, time and token id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    expecting = "an object with `credential`, `client_secret`, `client_ip`, `now`, `signing_key`, `jti`, `issuer` and `audience`"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssueTokenInput {
    /// The stored record found by the client id (docs/credential.schema.json), or `null`.
    #[serde(default)]
    pub credential: Option<Value>,
    /// The client id presented (default: the credential's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The secret presented.
    pub client_secret: String,
    /// The client address.
    pub client_ip: String,
    /// Now.
    pub now: UnixSeconds,
    /// The key that signs.
    pub signing_key: SigningKeyInput,
    /// The token id, used as is.
    pub jti: String,
    /// The `iss` claim.
    pub issuer: String,
    /// The `aud` claim.
    pub audience: String,
    /// The permissions asked for (down-scoping), space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// How the client authenticated (default `client_secret_post`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_method: Option<AuthMethod>,
}

/// An issued token (a result): the response to send and the token's claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedToken {
    /// `true`.
    pub ok: bool,
    /// 200.
    pub status: u16,
    /// The headers to send (`Cache-Control: no-store`, `Pragma: no-cache`).
    pub headers: BTreeMap<String, String>,
    /// The JSON body (RFC 6749 §5.1).
    pub response: oauth::TokenResponse,
    /// The access token.
    pub token: String,
    /// Its claims.
    pub claims: Claims,
    /// The index of the credential's secret that was presented: record it with
    /// `update_credential`'s `secret_used`.
    pub secret: usize,
}

/// What `issue_token` gives: a token, or a refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "an issued token or a refusal")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum IssueAnswer {
    /// The token (a result; boxed: it is several times the size of a refusal).
    Issued(Box<IssuedToken>),
    /// A refusal (an answer).
    Refused(TokenRefusal),
}

impl Reply for IssueAnswer {
    fn kind(&self) -> Kind {
        match self {
            Self::Issued(_) => Kind::Result,
            Self::Refused(_) => Kind::Answer,
        }
    }
}

/// Reads a stored credential record; a record that breaks the rules is `credential.invalid`.
pub fn credential(value: Value) -> Result<Credential, Error> {
    let credential: Credential =
        serde_json::from_value(value).map_err(|e| CredentialError::Invalid(e.to_string()))?;
    credential.compile()?;
    Ok(credential)
}

/// Issues a token (SPEC §7).
pub fn issue_token(input: IssueTokenInput) -> Result<IssueAnswer, Error> {
    let now = IssueTime::new(input.now.0)?;
    let key = input.signing_key.key()?;
    let credential = input
        .credential
        .filter(|v| !v.is_null())
        .map(credential)
        .transpose()?;
    let request = TokenRequest {
        client_id: input
            .client_id
            .or_else(|| credential.as_ref().map(|c| c.client_id.clone()))
            .unwrap_or_default(),
        client_secret: input.client_secret,
        scope: input.scope,
        auth_method: input.auth_method.unwrap_or(AuthMethod::ClientSecretPost),
    };
    let context = IssueContext {
        issuer: &input.issuer,
        audience: &input.audience,
        signing_key: &key,
        now,
        jti: &input.jti,
    };
    Ok(
        match oauth::issue_token(credential.as_ref(), &request, &input.client_ip, &context) {
            Ok(issued) => IssueAnswer::Issued(Box::new(IssuedToken {
                ok: true,
                status: 200,
                headers: headers(issued.response.headers()),
                token: issued.response.access_token.clone(),
                response: issued.response,
                claims: issued.claims,
                secret: issued.secret,
            })),
            Err(e) => IssueAnswer::Refused(e.into()),
        },
    )
}

// ------------------------------------------------------------------ preview

/// Concrete resources to preview a permission list on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an object with `vaults`: vault ids to arrays of key ids")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResourcesInput {
    /// Vault ids to the key ids in each.
    #[serde(default)]
    pub vaults: BTreeMap<String, Vec<String>>,
}

/// `preview`: permissions, and optionally concrete resources.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `permissions` (an array) and optionally `resources`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PreviewInput {
    /// The permissions.
    pub permissions: PermissionList,
    /// Concrete vaults and keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesInput>,
}

/// What a permission list allows (a result; docs/PREVIEW.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Preview {
    /// `true`.
    pub ok: bool,
    /// The canonical texts, in order.
    pub permissions: Vec<Arc<str>>,
    /// The reach of each type and action granted.
    pub grants: Vec<Grant>,
    /// What is allowed on the resources given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceView>,
}

/// Previews a permission list.
pub fn preview(input: PreviewInput) -> Result<Preview, Error> {
    let set = permission_set(input.permissions)?;
    let resources = match input.resources {
        None => None,
        Some(resources) => {
            for (vault, keys) in &resources.vaults {
                Request::new("vault", "read", Some(vault), None, None)?;
                for key in keys {
                    Request::new("key", "read", Some(vault), Some(key), None)?;
                }
            }
            let vaults = resources
                .vaults
                .iter()
                .map(|(v, ks)| (v.as_str(), ks.as_slice()));
            Some(on_resources(&set, vaults))
        }
    };
    Ok(Preview {
        ok: true,
        permissions: set.texts().to_vec(),
        grants: grants(&set),
        resources,
    })
}

// ------------------------------------------------------------------ credentials

/// `create_credential`: a spec, its organisation, the time and 48 random bytes.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `spec`, `org`, `now` and `entropy` (hex)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateCredentialInput {
    /// The spec; an invalid one is a `spec.invalid` failure with every problem.
    pub spec: Value,
    /// The organisation.
    pub org: String,
    /// Now.
    pub now: UnixSeconds,
    /// [`crate::credential::ENTROPY_BYTES`] random bytes, in hex.
    pub entropy: String,
    /// The credential's own expiry (later than `now`); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<UnixSeconds>,
}

impl std::fmt::Debug for CreateCredentialInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateCredentialInput")
            .field("spec", &self.spec)
            .field("org", &self.org)
            .field("now", &self.now)
            .field("entropy", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A created credential and its secret, shown once (a result).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedCredential {
    /// `true`.
    pub ok: bool,
    /// The record to store.
    pub credential: Credential,
    /// The client secret: show it once, never store it.
    pub client_secret: String,
}

impl std::fmt::Debug for CreatedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedCredential")
            .field("credential", &self.credential)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Creates an enabled credential.
pub fn create_credential(input: CreateCredentialInput) -> Result<CreatedCredential, Error> {
    let spec = validate(&input.spec)?;
    let entropy = crate::encoding::hex_decode(&input.entropy)
        .ok_or_else(|| InputError::new("`entropy` must be hex"))?;
    let mut new = Credential::create(&spec, &input.org, input.now.0, &entropy)?;
    new.credential
        .set_expiry(input.expires_at.map(|t| t.0), input.now.0)?;
    Ok(CreatedCredential {
        ok: true,
        credential: new.credential,
        client_secret: new.client_secret,
    })
}

vocabulary!(
    /// A change to a stored credential: SPEC §5's lifecycle, and docs/LIFECYCLE.md's.
    CredentialAction ("an action: enable, disable, delete, set_spec, set_expiry, secret_used or revoke_secret") {
        Enable => "enable",
        Disable => "disable",
        Delete => "delete",
        SetSpec => "set_spec",
        SetExpiry => "set_expiry",
        SecretUsed => "secret_used",
        RevokeSecret => "revoke_secret",
    }
);

/// `update_credential`: a stored record, the change, the time, and what the change needs:
/// `spec` for `set_spec`, `expires_at` (or `null`) for `set_expiry`, `secret` (an index)
/// for `secret_used` and `revoke_secret`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `credential`, `action` and `now`, and the action's member")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateCredentialInput {
    /// The stored record.
    pub credential: Value,
    /// The change.
    pub action: CredentialAction,
    /// Now.
    pub now: UnixSeconds,
    /// `set_spec`: the new spec (validated; `spec.invalid` with every problem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Value>,
    /// `set_expiry`: the new expiry, `null` for none.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<Option<UnixSeconds>>,
    /// `secret_used`, `revoke_secret`: the secret's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<usize>,
}

/// A member that may be `null`: present (`Some(None)` for null) or absent (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The updated record (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdatedCredential {
    /// `true`.
    pub ok: bool,
    /// The record to store.
    pub credential: Credential,
}

fn needs<T>(member: Option<T>, action: CredentialAction, name: &str) -> Result<T, Error> {
    member.ok_or_else(|| InputError::new(format!("`{action}` needs `{name}`")).into())
}

/// Changes a stored credential; a deleted one cannot change (`credential.deleted`).
pub fn update_credential(input: UpdateCredentialInput) -> Result<UpdatedCredential, Error> {
    use CredentialAction as A;
    let mut record = credential(input.credential)?;
    let now = input.now.0;
    let action = input.action;
    match action {
        A::Enable => record.enable(now)?,
        A::Disable => record.disable(now)?,
        A::Delete => record.delete(now)?,
        A::SetSpec => record.set_spec(&validate(&needs(input.spec, action, "spec")?)?, now)?,
        A::SetExpiry => record.set_expiry(
            needs(input.expires_at, action, "expires_at")?.map(|t| t.0),
            now,
        )?,
        A::SecretUsed => record.secret_used(needs(input.secret, action, "secret")?, now)?,
        A::RevokeSecret => record.revoke_secret(needs(input.secret, action, "secret")?, now)?,
    }
    Ok(UpdatedCredential {
        ok: true,
        credential: record,
    })
}

/// `rotate_secret`: a stored record, the time, 32 random bytes, and how long the current
/// secret keeps working.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `credential`, `now`, `entropy` (hex) and `grace_seconds`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RotateSecretInput {
    /// The stored record.
    pub credential: Value,
    /// Now.
    pub now: UnixSeconds,
    /// [`crate::credential::SECRET_ENTROPY_BYTES`] random bytes, in hex.
    pub entropy: String,
    /// Seconds the current secret keeps working (0 … 30 days).
    pub grace_seconds: Seconds,
}

impl std::fmt::Debug for RotateSecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateSecretInput")
            .field("credential", &self.credential)
            .field("now", &self.now)
            .field("entropy", &"<redacted>")
            .field("grace_seconds", &self.grace_seconds)
            .finish()
    }
}

/// Adds a new secret (shown once) and retires the current one after the grace period.
pub fn rotate_secret(input: RotateSecretInput) -> Result<CreatedCredential, Error> {
    let mut record = credential(input.credential)?;
    let entropy = crate::encoding::hex_decode(&input.entropy)
        .ok_or_else(|| InputError::new("`entropy` must be hex"))?;
    let grace = i64::try_from(input.grace_seconds.0).unwrap_or(i64::MAX);
    let client_secret = record.rotate_secret(input.now.0, &entropy, grace)?;
    Ok(CreatedCredential {
        ok: true,
        credential: record,
        client_secret,
    })
}

/// `verify_secret`: a stored record and a presented secret.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object with `credential` and `client_secret`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifySecretInput {
    /// The stored record.
    pub credential: Value,
    /// The secret presented.
    pub client_secret: String,
    /// Now: only secrets live at `now` count (every secret when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<UnixSeconds>,
}

impl std::fmt::Debug for VerifySecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifySecretInput")
            .field("credential", &self.credential)
            .field("client_secret", &"<redacted>")
            .field("now", &self.now)
            .finish()
    }
}

/// The verdict on a presented secret (an answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SecretCheck {
    /// `true`.
    pub ok: bool,
    /// Whether it is the credential's secret (compared in constant time).
    pub valid: bool,
    /// Whether it has the shape of a credgate secret (prefix, length, checksum).
    pub well_formed: bool,
    /// The index of the matching secret, when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<usize>,
}

/// Checks a presented secret against a stored record.
pub fn verify_secret(input: VerifySecretInput) -> Result<SecretCheck, Error> {
    let record = credential(input.credential)?;
    let secret = record.matching_secret(&input.client_secret, input.now.map(|t| t.0));
    Ok(SecretCheck {
        ok: true,
        valid: secret.is_some(),
        well_formed: is_well_formed_secret(&input.client_secret),
        secret,
    })
}

// ------------------------------------------------------------------ small helpers

/// `set_type_defaults`: a set type name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an object with `set_type`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SetTypeInput {
    /// `wallets`, `transactions`, `controls` or `monitoring`; another is `set_type.unknown`.
    pub set_type: String,
}

/// A set type's default permissions (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SetTypeDefaults {
    /// `true`.
    pub ok: bool,
    /// Canonical texts, in the SPEC's order.
    pub permissions: Vec<String>,
}

/// The default permissions of a set type (SPEC §3).
pub fn set_type_defaults(input: SetTypeInput) -> Result<SetTypeDefaults, Error> {
    let set_type = PermissionSetType::from_name(&input.set_type)
        .ok_or_else(|| UnknownSetType(input.set_type.clone()))?;
    Ok(SetTypeDefaults {
        ok: true,
        permissions: set_type
            .defaults()
            .iter()
            .map(Permission::to_string)
            .collect(),
    })
}

/// `vocabulary`: no members (an empty object).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an empty object")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VocabularyInput {}

/// A resource type and the scopes that make sense for it (SPEC §1's table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TypeScopes {
    /// The resource type.
    #[serde(rename = "type")]
    pub kind: ResourceType,
    /// Its applicable scopes, in the SPEC's order.
    pub scopes: Vec<Scope>,
}

/// A permission set type, what it grants in one line, and its defaults (SPEC §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SetTypeEntry {
    /// The set type.
    pub set_type: PermissionSetType,
    /// One line on what it grants.
    pub summary: String,
    /// Its default permissions (canonical texts, all org scope).
    pub permissions: Vec<String>,
}

/// Inclusive bounds on a count (characters, entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bounds {
    /// The least allowed.
    pub min: usize,
    /// The most allowed.
    pub max: usize,
}

impl Bounds {
    fn of(range: &std::ops::RangeInclusive<usize>) -> Self {
        Self {
            min: *range.start(),
            max: *range.end(),
        }
    }
}

/// The limits of a spec (SPEC §4) a form shows before it asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SpecLimits {
    /// A name's and a description's length, in Unicode scalar values.
    pub text_chars: Bounds,
    /// Entries of `permissions`.
    pub permissions: Bounds,
    /// Entries of `ip_allowlist`.
    pub ip_allowlist: Bounds,
    /// A permission's `resource` id, in characters.
    pub resource_chars: Bounds,
}

/// Every word a credential spec is made of, for forms that offer choices instead of free text
/// (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Vocabulary {
    /// `true`.
    pub ok: bool,
    /// Every resource type with its applicable scopes, in the SPEC's order.
    pub types: Vec<TypeScopes>,
    /// Every action.
    pub actions: Vec<Action>,
    /// Every scope.
    pub scopes: Vec<Scope>,
    /// Every permission set type.
    pub set_types: Vec<SetTypeEntry>,
    /// Every environment.
    pub environments: Vec<Environment>,
    /// Every credential status.
    pub statuses: Vec<Status>,
    /// The spec's limits.
    pub limits: SpecLimits,
}

/// The vocabulary of specs: types and their scopes, actions, set types with their summaries
/// and defaults, environments, statuses and the spec's limits.
pub fn vocabulary(_: VocabularyInput) -> Result<Vocabulary, Error> {
    Ok(Vocabulary {
        ok: true,
        types: ResourceType::ALL
            .iter()
            .map(|&kind| TypeScopes {
                kind,
                scopes: Scope::ALL
                    .iter()
                    .copied()
                    .filter(|&scope| kind.allows_scope(scope))
                    .collect(),
            })
            .collect(),
        actions: Action::ALL.to_vec(),
        scopes: Scope::ALL.to_vec(),
        set_types: PermissionSetType::ALL
            .iter()
            .map(|&set_type| SetTypeEntry {
                set_type,
                summary: set_type.summary().to_owned(),
                permissions: set_type
                    .defaults()
                    .iter()
                    .map(Permission::to_string)
                    .collect(),
            })
            .collect(),
        environments: Environment::ALL.to_vec(),
        statuses: Status::ALL.to_vec(),
        limits: SpecLimits {
            text_chars: Bounds::of(&crate::spec::TEXT_LEN),
            permissions: Bounds::of(&crate::spec::PERMISSIONS_LEN),
            ip_allowlist: Bounds {
                min: 1,
                max: crate::ip::MAX_ENTRIES,
            },
            resource_chars: Bounds {
                min: 1,
                max: crate::id::MAX_ID_LEN,
            },
        },
    })
}

/// `public_jwks`: signing keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an object with `signing_keys` (an array of `{kid, seed}`)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PublicJwksInput {
    /// The keys whose public halves to publish; two with one `kid` are `jwks.invalid`.
    pub signing_keys: Vec<SigningKeyInput>,
}

/// A JWKS to publish (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PublishedJwks {
    /// `true`.
    pub ok: bool,
    /// The keys.
    #[serde(flatten)]
    pub jwks: Jwks,
}

/// The public JWKS of some signing keys.
pub fn public_jwks(input: PublicJwksInput) -> Result<PublishedJwks, Error> {
    let keys = input
        .signing_keys
        .iter()
        .map(SigningKeyInput::key)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PublishedJwks {
        ok: true,
        jwks: KeySet::from_signing_keys(&keys)?.to_jwks(),
    })
}

/// `parse_bearer`: an `Authorization` header value, or none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "an object with `authorization` (a text, or null when there is no header)")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BearerInput {
    /// The header value.
    #[serde(default)]
    pub authorization: Option<String>,
}

/// A bearer token read from a header (a result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BearerToken {
    /// `true`.
    pub ok: bool,
    /// The token.
    pub token: String,
}

/// A header without a usable bearer token (an answer): what to send back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BearerRefusal {
    /// `false`.
    pub ok: bool,
    /// `bearer.missing` or `bearer.malformed`.
    pub error: Code,
    /// What is wrong.
    pub message: String,
    /// 401 missing, 400 malformed.
    pub status: u16,
    /// The challenge to send.
    pub www_authenticate: String,
}

impl From<BearerError> for BearerRefusal {
    fn from(e: BearerError) -> Self {
        Self {
            ok: false,
            error: e.code(),
            message: e.to_string(),
            status: e.status(),
            www_authenticate: e.www_authenticate(),
        }
    }
}

/// What `parse_bearer` gives: the token, or a refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a bearer token or a refusal")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum BearerAnswer {
    /// The token (a result).
    Token(BearerToken),
    /// A refusal (an answer).
    Refused(BearerRefusal),
}

impl Reply for BearerAnswer {
    fn kind(&self) -> Kind {
        match self {
            Self::Token(_) => Kind::Result,
            Self::Refused(_) => Kind::Answer,
        }
    }
}

/// Reads the bearer token of an `Authorization` header (RFC 6750).
pub fn parse_bearer(input: BearerInput) -> Result<BearerAnswer, Error> {
    Ok(match parse_authorization(input.authorization.as_deref()) {
        Ok(token) => BearerAnswer::Token(BearerToken {
            ok: true,
            token: token.to_owned(),
        }),
        Err(e) => BearerAnswer::Refused(e.into()),
    })
}

replies!(Result: ParsedPermission, VerifiedToken, Preview, CreatedCredential, UpdatedCredential, SetTypeDefaults, PublishedJwks, Vocabulary);
replies!(Answer: SpecReport, LintReport, IpDecision, Authorized, Checked, SecretCheck, Explained, DiffAnswer, SuggestAnswer);
