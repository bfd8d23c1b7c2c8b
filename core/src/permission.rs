//! Permissions: the vocabulary (types, actions, scopes), the text and JSON forms, and the
//! applicability table of SPEC §1.
//!
//! This module owns parsing and printing a single permission. It never decides whether a
//! request is allowed: that is [`crate::authorize`].

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::codes::Code;
use crate::id::is_valid_id;

pub use crate::vocabulary::{Action, ResourceType, Scope};

/// Why a permission text or JSON form was rejected. Checked in the SPEC's order; the first
/// failure wins.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PermissionError {
    /// Not 3 or 4 non-empty segments without whitespace, or a JSON form of the wrong shape.
    Invalid {
        /// What is wrong, for a person.
        detail: String,
    },
    /// The type word is not one of SPEC §1.
    UnknownType(String),
    /// The action word is not one of SPEC §1.
    UnknownAction(String),
    /// The scope word is not one of SPEC §1.
    UnknownScope(String),
    /// The resource id is outside `[A-Za-z0-9_.-]{1,64}`.
    InvalidResource(String),
    /// A resource was given with the `org` scope.
    ResourceWithOrgScope,
    /// The scope does not apply to the type (the applicability table).
    ScopeNotApplicable {
        /// The permission's type.
        kind: ResourceType,
        /// The scope that does not apply to it.
        scope: Scope,
    },
}

impl PermissionError {
    /// The stable SPEC §8 code.
    pub fn code(&self) -> Code {
        match self {
            Self::Invalid { .. } => Code::PermissionInvalid,
            Self::UnknownType(_) => Code::PermissionUnknownType,
            Self::UnknownAction(_) => Code::PermissionUnknownAction,
            Self::UnknownScope(_) => Code::PermissionUnknownScope,
            Self::InvalidResource(_) => Code::PermissionInvalidResource,
            Self::ResourceWithOrgScope => Code::PermissionResourceWithOrgScope,
            Self::ScopeNotApplicable { .. } => Code::PermissionScopeNotApplicable,
        }
    }
}

impl fmt::Display for PermissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { detail } => write!(f, "invalid permission: {detail}"),
            Self::UnknownType(t) => write!(
                f,
                "unknown permission type `{t}`: expected one of vault, key, balances, transaction, address, policy, webhook, audit"
            ),
            Self::UnknownAction(a) => write!(
                f,
                "unknown action `{a}`: expected one of create, read, update, delete"
            ),
            Self::UnknownScope(s) => {
                write!(f, "unknown scope `{s}`: expected one of org, vault, key")
            }
            Self::InvalidResource(r) => write!(
                f,
                "invalid resource id `{r}`: use 1 to 64 characters of A-Z, a-z, 0-9, `_`, `.`, `-`"
            ),
            Self::ResourceWithOrgScope => {
                f.write_str("a permission with the org scope covers the whole organisation and takes no resource")
            }
            Self::ScopeNotApplicable { kind, scope } => {
                let allowed: Vec<&str> = Scope::ALL
                    .iter()
                    .filter(|s| kind.allows_scope(**s))
                    .map(|s| s.as_str())
                    .collect();
                write!(
                    f,
                    "scope `{scope}` does not apply to `{kind}` permissions: use {}",
                    allowed.join(" or ")
                )
            }
        }
    }
}

impl std::error::Error for PermissionError {}

/// One permission: type, action, scope and an optional resource id.
///
/// Only constructible through parsing, so every value satisfies SPEC §1.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    kind: ResourceType,
    action: Action,
    scope: Scope,
    resource: Option<String>,
}

impl Permission {
    /// Builds a permission from its parts, running the SPEC's checks from the resource on.
    pub fn new(
        kind: ResourceType,
        action: Action,
        scope: Scope,
        resource: Option<&str>,
    ) -> Result<Self, PermissionError> {
        if let Some(resource) = resource {
            if !is_valid_id(resource) {
                return Err(PermissionError::InvalidResource(resource.to_owned()));
            }
            if scope == Scope::Org {
                return Err(PermissionError::ResourceWithOrgScope);
            }
        }
        if !kind.allows_scope(scope) {
            return Err(PermissionError::ScopeNotApplicable { kind, scope });
        }
        Ok(Self {
            kind,
            action,
            scope,
            resource: resource.map(str::to_owned),
        })
    }

    /// The org-wide permission for `kind` and `action`: org scope applies to every type and
    /// takes no resource, so it needs no checks.
    pub fn org_wide(kind: ResourceType, action: Action) -> Self {
        Self {
            kind,
            action,
            scope: Scope::Org,
            resource: None,
        }
    }

    /// Parses the canonical text form `type:action:scope[:resource]`, exactly.
    pub fn parse(text: &str) -> Result<Self, PermissionError> {
        // Split without allocating: this runs for every permission of every token verified.
        let mut segments = [""; 4];
        let mut count = 0usize;
        for segment in text.split(':') {
            if let Some(slot) = segments.get_mut(count) {
                *slot = segment;
            }
            count += 1;
        }
        let shape_ok = matches!(count, 3 | 4)
            && segments.iter().take(count).all(|s| !s.is_empty())
            && !text.chars().any(char::is_whitespace);
        if !shape_ok {
            return Err(PermissionError::Invalid {
                detail: format!(
                    "`{text}` is not `type:action:scope` or `type:action:scope:resource`"
                ),
            });
        }
        let [kind, action, scope, resource] = segments;
        Self::from_words(kind, action, scope, (count == 4).then_some(resource))
    }

    /// Parses either form: a text string or a JSON object
    /// `{"type", "action", "scope", "resource"?}` (a null resource means none).
    pub fn from_value(value: &Value) -> Result<Self, PermissionError> {
        match value {
            Value::String(text) => Self::parse(text),
            Value::Object(map) => {
                let invalid = |detail: String| PermissionError::Invalid { detail };
                if let Some(extra) = map
                    .keys()
                    .find(|k| !matches!(k.as_str(), "type" | "action" | "scope" | "resource"))
                {
                    return Err(invalid(format!(
                        "unexpected member `{extra}`: a permission has type, action, scope and resource"
                    )));
                }
                let word = |name: &str| match map.get(name) {
                    Some(Value::String(s)) => Ok(s.as_str()),
                    Some(_) => Err(invalid(format!("`{name}` must be a string"))),
                    None => Err(invalid(format!("`{name}` is missing"))),
                };
                let (kind, action, scope) = (word("type")?, word("action")?, word("scope")?);
                let resource = match map.get("resource") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.as_str()),
                    Some(_) => return Err(invalid("`resource` must be a string".to_owned())),
                };
                Self::from_words(kind, action, scope, resource)
            }
            _ => Err(PermissionError::Invalid {
                detail: "expected a permission text or a JSON object".to_owned(),
            }),
        }
    }

    fn from_words(
        kind: &str,
        action: &str,
        scope: &str,
        resource: Option<&str>,
    ) -> Result<Self, PermissionError> {
        let kind = ResourceType::from_name(kind)
            .ok_or_else(|| PermissionError::UnknownType(kind.to_owned()))?;
        let action = Action::from_name(action)
            .ok_or_else(|| PermissionError::UnknownAction(action.to_owned()))?;
        let scope = Scope::from_name(scope)
            .ok_or_else(|| PermissionError::UnknownScope(scope.to_owned()))?;
        Self::new(kind, action, scope, resource)
    }

    /// The permission's type.
    pub fn kind(&self) -> ResourceType {
        self.kind
    }

    /// The permission's action.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The permission's scope.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The resource id, when the permission names one.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// Whether every request this permission allows is also allowed by `self`.
    ///
    /// Used for down-scoping at the token endpoint: `other` is the narrower permission asked for.
    pub fn covers(&self, other: &Permission) -> bool {
        if self.kind != other.kind || self.action != other.action {
            return false;
        }
        match (self.scope, self.resource(), other.scope, other.resource()) {
            (Scope::Org, _, _, _) => true,
            // A vault-scoped permission without resource allows every request naming a vault,
            // and every key-level request names its vault.
            (Scope::Vault, None, Scope::Vault | Scope::Key, _) => true,
            (Scope::Vault, Some(mine), Scope::Vault, Some(theirs)) => mine == theirs,
            (Scope::Key, None, Scope::Key, _) => true,
            (Scope::Key, Some(mine), Scope::Key, Some(theirs)) => mine == theirs,
            _ => false,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.kind, self.action, self.scope)?;
        if let Some(resource) = &self.resource {
            write!(f, ":{resource}")?;
        }
        Ok(())
    }
}

impl Serialize for Permission {
    /// The JSON form; `resource` is omitted when absent.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", &self.kind)?;
        map.serialize_entry("action", &self.action)?;
        map.serialize_entry("scope", &self.scope)?;
        if let Some(resource) = &self.resource {
            map.serialize_entry("resource", resource)?;
        }
        map.end()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Permission {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Permission".into()
    }

    /// The JSON form, as it is printed.
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "type": generator.subschema_for::<ResourceType>(),
                "action": generator.subschema_for::<Action>(),
                "scope": generator.subschema_for::<Scope>(),
                "resource": { "type": "string" },
            },
            "required": ["type", "action", "scope"],
            "additionalProperties": false,
        })
    }
}

/// Either form, read by [`Permission::from_value`].
impl<'de> serde::Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Permission {
    type Err = PermissionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_canonical_text() {
        for text in [
            "balances:read:vault:vlt_01",
            "transaction:read:org",
            "key:update:key:k-9.x",
        ] {
            assert_eq!(Permission::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn checks_run_in_the_spec_order() {
        let code = |t: &str| Permission::parse(t).unwrap_err().code();
        assert_eq!(code("foo:bar:baz:!!"), "permission.unknown_type");
        assert_eq!(code("vault:bar:baz:!!"), "permission.unknown_action");
        assert_eq!(code("vault:read:baz:!!"), "permission.unknown_scope");
        assert_eq!(code("vault:read:org:!!"), "permission.invalid_resource");
        assert_eq!(
            code("vault:read:org:ok"),
            "permission.resource_with_org_scope"
        );
        assert_eq!(code("vault:read:key:ok"), "permission.scope_not_applicable");
        assert_eq!(code("vault:read: org"), "permission.invalid");
        assert_eq!(code("vault:read:org:"), "permission.invalid");
        assert_eq!(code("Vault:read:org"), "permission.unknown_type");
    }

    #[test]
    fn applicability_table() {
        use ResourceType::*;
        let key_ok = [Key, Balances, Transaction];
        let vault_ok = [Vault, Key, Balances, Transaction, Address, Policy];
        for kind in ResourceType::ALL {
            assert!(kind.allows_scope(Scope::Org));
            assert_eq!(kind.allows_scope(Scope::Vault), vault_ok.contains(kind));
            assert_eq!(kind.allows_scope(Scope::Key), key_ok.contains(kind));
        }
    }
}
