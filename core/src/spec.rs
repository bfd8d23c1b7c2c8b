//! Credential specs and their validation (SPEC §3, §4): what a person asks for when they
//! create a credential, checked all at once so every problem is reported together.
//!
//! This module owns the rules on names, descriptions, set types, permission lists,
//! allowlists and environments. It never creates a credential (see [`crate::credential`]).

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::codes::Code;
use crate::ip::{parse_entry, Allowlist, MAX_ENTRIES};
use crate::permission::{Action, Permission, ResourceType, Scope};

/// Bounds on names and descriptions, in Unicode scalar values.
pub const TEXT_LEN: std::ops::RangeInclusive<usize> = 5..=50;
/// Bounds on the number of permissions.
pub const PERMISSIONS_LEN: std::ops::RangeInclusive<usize> = 1..=100;

pub use crate::vocabulary::{Environment, PermissionSetType};

impl PermissionSetType {
    /// One line on what the set type grants, for a person choosing one (an admin console,
    /// `credgate preview`): the same words on every host.
    pub const fn summary(self) -> &'static str {
        match self {
            Self::Wallets => "Create, read and update vaults and keys (wallets), and read balances",
            Self::Transactions => {
                "Create, read and update transactions, and read keys and balances"
            }
            Self::Controls => "Create, read, update and delete policies and whitelisted addresses",
            Self::Monitoring => "Manage webhooks, and read the audit log and transactions",
        }
    }

    /// The default permissions (all org scope), in the SPEC's order.
    pub fn defaults(self) -> Vec<Permission> {
        use Action::*;
        use ResourceType as T;
        let grants: &[(T, &[Action])] = match self {
            Self::Wallets => &[
                (T::Vault, &[Create, Read, Update]),
                (T::Key, &[Create, Read, Update]),
                (T::Balances, &[Read]),
            ],
            Self::Transactions => &[
                (T::Transaction, &[Create, Read, Update]),
                (T::Key, &[Read]),
                (T::Balances, &[Read]),
            ],
            Self::Controls => &[
                (T::Policy, &[Create, Read, Update, Delete]),
                (T::Address, &[Create, Read, Update, Delete]),
            ],
            Self::Monitoring => &[
                (T::Webhook, &[Create, Read, Update, Delete]),
                (T::Audit, &[Read]),
                (T::Transaction, &[Read]),
            ],
        };
        grants
            .iter()
            .flat_map(|(kind, actions)| actions.iter().map(move |action| (*kind, *action)))
            .filter_map(|(kind, action)| Permission::new(kind, action, Scope::Org, None).ok())
            .collect()
    }
}

/// One validation problem: where, which code, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// `name`, `permissions[2]`, `ip_allowlist[0]`, …
    pub path: String,
    /// A stable code of SPEC §4.
    pub code: Code,
    /// A message a person can act on.
    pub message: String,
}

/// A spec failed validation; every problem is listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationErrors {
    /// The problems, in field order.
    pub problems: Vec<Problem>,
}

impl ValidationErrors {
    /// The code of the first problem (`spec.invalid` if, impossibly, there is none).
    pub fn code(&self) -> Code {
        Code::SpecInvalid
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the credential spec has {} problem(s)",
            self.problems.len()
        )?;
        for p in &self.problems {
            write!(f, "; {}: {}", p.path, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A permission set type name that is not one of SPEC §3 (`set_type.unknown`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSetType(pub String);

impl fmt::Display for UnknownSetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown permission set type `{}`: use wallets, transactions, controls or monitoring",
            self.0
        )
    }
}

impl std::error::Error for UnknownSetType {}

/// A spec that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialSpec {
    /// The name, as given.
    pub name: String,
    /// The description; `None` when absent, null or empty.
    pub description: Option<String>,
    /// The set type.
    pub permission_set_type: PermissionSetType,
    /// The permissions, in the given order.
    pub permissions: Vec<Permission>,
    /// The allowlist entries as given (validated).
    pub ip_allowlist: Vec<String>,
    /// The compiled allowlist.
    pub allowlist: Allowlist,
    /// The environment.
    pub environment: Environment,
}

/// Validates a spec given as JSON, reporting every problem at once.
pub fn validate(spec: &Value) -> Result<CredentialSpec, ValidationErrors> {
    let mut problems = Vec::new();
    let Some(map) = spec.as_object() else {
        problems.push(problem(
            "",
            Code::SpecInvalid,
            "the credential spec must be a JSON object".to_owned(),
        ));
        return Err(ValidationErrors { problems });
    };
    let name = check_text(map, "name", "name", false, &mut problems);
    let description = check_text(map, "description", "description", true, &mut problems);
    let set_type = check_set_type(map, &mut problems);
    let permissions = check_permissions(map, &mut problems);
    let ips = check_allowlist(map, &mut problems);
    let environment = check_environment(map, &mut problems);
    match (name, description, set_type, permissions, ips, environment) {
        (
            Some(name),
            Some(description),
            Some(permission_set_type),
            Some(permissions),
            Some(ips),
            Some(environment),
        ) if problems.is_empty() => match Allowlist::parse(&ips) {
            Ok(allowlist) => Ok(CredentialSpec {
                name: name.unwrap_or_default(),
                description,
                permission_set_type,
                permissions,
                ip_allowlist: ips,
                allowlist,
                environment,
            }),
            Err(e) => Err(ValidationErrors {
                problems: vec![problem("ip_allowlist", e.code(), e.to_string())],
            }),
        },
        _ => Err(ValidationErrors { problems }),
    }
}

fn problem(path: &str, code: Code, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        code,
        message,
    }
}

/// Name or description: 5–50 scalar values, no control characters. Returns `Some(None)`
/// for an optional field that is absent, null or empty.
fn check_text(
    map: &Map<String, Value>,
    field: &str,
    code_prefix: &str,
    optional: bool,
    problems: &mut Vec<Problem>,
) -> Option<Option<String>> {
    let (length_code, char_code) = match code_prefix {
        "name" => (Code::NameLength, Code::NameInvalidChar),
        _ => (Code::DescriptionLength, Code::DescriptionInvalidChar),
    };
    let text = match map.get(field) {
        None | Some(Value::Null) if optional => return Some(None),
        Some(Value::String(s)) if optional && s.is_empty() => return Some(None),
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => {
            problems.push(problem(
                field,
                length_code,
                format!("the {field} is required: 5 to 50 characters"),
            ));
            return None;
        }
        Some(_) => {
            problems.push(problem(
                field,
                length_code,
                format!("the {field} must be a string of 5 to 50 characters"),
            ));
            return None;
        }
    };
    let before = problems.len();
    let count = text.chars().count();
    if !TEXT_LEN.contains(&count) {
        problems.push(problem(
            field,
            length_code,
            format!("the {field} has {count} characters; use 5 to 50"),
        ));
    }
    if let Some(c) = text.chars().find(|c| is_control_character(*c)) {
        problems.push(problem(
            field,
            char_code,
            format!(
                "the {field} contains the control character U+{:04X}; remove it",
                u32::from(c)
            ),
        ));
    }
    (problems.len() == before).then(|| Some(text.clone()))
}

/// The characters SPEC §4 calls control characters: Unicode general categories Cc, Cf, Zl
/// and Zp (C0/C1 controls, bidirectional overrides, zero-width characters, the BOM, tag
/// characters, line and paragraph separators), as of Unicode 16.
///
/// Kept by hand instead of a general-category crate: the four categories are 23 ranges,
/// while the crate's table for every category adds about 40 KB to the WebAssembly module.
/// A test compares this table with `unicode-properties` for every scalar value.
const CONTROL_RANGES: [(char, char); 23] = [
    ('\u{0}', '\u{1F}'),
    ('\u{7F}', '\u{9F}'),
    ('\u{AD}', '\u{AD}'),
    ('\u{600}', '\u{605}'),
    ('\u{61C}', '\u{61C}'),
    ('\u{6DD}', '\u{6DD}'),
    ('\u{70F}', '\u{70F}'),
    ('\u{890}', '\u{891}'),
    ('\u{8E2}', '\u{8E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Whether `c` is a control character in SPEC §4's sense.
pub fn is_control_character(c: char) -> bool {
    CONTROL_RANGES
        .binary_search_by(|(start, end)| {
            if *end < c {
                std::cmp::Ordering::Less
            } else if *start > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

fn check_set_type(
    map: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<PermissionSetType> {
    let found = map
        .get("permission_set_type")
        .and_then(Value::as_str)
        .and_then(PermissionSetType::from_name);
    if found.is_none() {
        problems.push(problem(
            "permission_set_type",
            Code::SetTypeUnknown,
            "choose a permission set type: wallets, transactions, controls or monitoring"
                .to_owned(),
        ));
    }
    found
}

fn check_permissions(
    map: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Permission>> {
    let Some(Value::Array(items)) = map.get("permissions") else {
        let message = match map.get("permissions") {
            None | Some(Value::Null) => "add at least one permission",
            Some(_) => "`permissions` must be an array of permissions",
        };
        problems.push(problem(
            "permissions",
            Code::PermissionsEmpty,
            message.to_owned(),
        ));
        return None;
    };
    let before = problems.len();
    if items.is_empty() {
        problems.push(problem(
            "permissions",
            Code::PermissionsEmpty,
            "add at least one permission".to_owned(),
        ));
    }
    if items.len() > *PERMISSIONS_LEN.end() {
        problems.push(problem(
            "permissions",
            Code::PermissionsTooMany,
            format!(
                "{} permissions; at most {} are allowed",
                items.len(),
                PERMISSIONS_LEN.end()
            ),
        ));
    }
    // Bounded work (SPEC §9): the count is judged first; entries past the limit are not
    // parsed, so an oversized list costs its first entries plus the count.
    let judged = items.get(..*PERMISSIONS_LEN.end()).unwrap_or(items);
    let mut parsed: Vec<Option<Permission>> = Vec::with_capacity(judged.len());
    let mut seen = std::collections::HashSet::with_capacity(judged.len());
    for (i, item) in judged.iter().enumerate() {
        match Permission::from_value(item) {
            Ok(p) => {
                if !seen.insert(p.clone()) {
                    problems.push(problem(
                        &format!("permissions[{i}]"),
                        Code::PermissionsDuplicate,
                        format!("`{p}` is listed twice"),
                    ));
                }
                parsed.push(Some(p));
            }
            Err(e) => {
                problems.push(problem(
                    &format!("permissions[{i}]"),
                    e.code(),
                    e.to_string(),
                ));
                parsed.push(None);
            }
        }
    }
    (problems.len() == before).then(|| parsed.into_iter().flatten().collect())
}

fn check_allowlist(map: &Map<String, Value>, problems: &mut Vec<Problem>) -> Option<Vec<String>> {
    let Some(Value::Array(items)) = map.get("ip_allowlist") else {
        let message = match map.get("ip_allowlist") {
            None | Some(Value::Null) => {
                "add at least one IPv4 address or CIDR (`0.0.0.0/0` allows all)"
            }
            Some(_) => "`ip_allowlist` must be an array of IPv4 addresses or CIDRs",
        };
        problems.push(problem("ip_allowlist", Code::IpEmpty, message.to_owned()));
        return None;
    };
    let before = problems.len();
    if items.is_empty() {
        problems.push(problem(
            "ip_allowlist",
            Code::IpEmpty,
            "add at least one IPv4 address or CIDR (`0.0.0.0/0` allows all)".to_owned(),
        ));
    }
    if items.len() > MAX_ENTRIES {
        problems.push(problem(
            "ip_allowlist",
            Code::IpTooMany,
            format!("{} entries; at most {MAX_ENTRIES} are allowed", items.len()),
        ));
    }
    // Bounded work (SPEC §9), as for permissions: only the first entries are judged.
    let judged = items.get(..MAX_ENTRIES).unwrap_or(items);
    let mut texts = Vec::with_capacity(judged.len());
    let mut seen = std::collections::HashSet::with_capacity(judged.len());
    for (i, item) in judged.iter().enumerate() {
        let path = format!("ip_allowlist[{i}]");
        let Some(text) = item.as_str() else {
            problems.push(problem(
                &path,
                Code::IpEntryInvalid,
                "each entry must be a string such as `203.0.113.7` or `198.51.100.0/24`".to_owned(),
            ));
            continue;
        };
        texts.push(text.to_owned());
        match parse_entry(text) {
            Ok(net) if !seen.insert(net) => problems.push(problem(
                &path,
                Code::IpDuplicate,
                format!("`{text}` is already in the allowlist"),
            )),
            Ok(_) => {}
            Err(e) => problems.push(problem(&path, e.code(), e.to_string())),
        }
    }
    (problems.len() == before).then_some(texts)
}

fn check_environment(map: &Map<String, Value>, problems: &mut Vec<Problem>) -> Option<Environment> {
    let found = map
        .get("environment")
        .and_then(Value::as_str)
        .and_then(Environment::from_name);
    if found.is_none() {
        problems.push(problem(
            "environment",
            Code::EnvironmentUnknown,
            "choose an environment: sandbox or production".to_owned(),
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_the_unicode_categories_cc_cf_zl_zp() {
        use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let expected = matches!(
                c.general_category(),
                G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator
            );
            assert_eq!(
                super::is_control_character(c),
                expected,
                "U+{:04X}",
                u32::from(c)
            );
        }
    }
}
