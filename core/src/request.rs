//! Requests: what a caller wants to do and where (SPEC §2).
//!
//! This module owns the shape and validity of a request. It never evaluates permissions.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::codes::Code;
use crate::id::is_valid_id;
use crate::permission::{Action, ResourceType};

/// A request is invalid: unknown type or action, a key without its vault, an id outside
/// the grammar, or a JSON form of the wrong shape. Code `request.invalid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    detail: String,
}

impl RequestError {
    pub(crate) fn new(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
        }
    }

    /// The stable SPEC §8 code.
    pub fn code(&self) -> Code {
        Code::RequestInvalid
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: {}", self.detail)
    }
}

impl std::error::Error for RequestError {}

/// A validated request: type, action, and optionally the vault, key and organisation it
/// acts on. No vault and no key is an org-level action.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Request {
    #[serde(rename = "type")]
    kind: ResourceType,
    action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    vault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<String>,
}

/// The JSON form, read by [`Request::from_value`] (unknown members are errors).
impl<'de> serde::Deserialize<'de> for Request {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl Request {
    /// Builds a request from its words and ids, checking every rule of SPEC §2.
    pub fn new(
        kind: &str,
        action: &str,
        vault: Option<&str>,
        key: Option<&str>,
        org: Option<&str>,
    ) -> Result<Self, RequestError> {
        let kind = ResourceType::from_name(kind)
            .ok_or_else(|| RequestError::new(format!("unknown type `{kind}`")))?;
        let action = Action::from_name(action)
            .ok_or_else(|| RequestError::new(format!("unknown action `{action}`")))?;
        for (name, id) in [("vault", vault), ("key", key), ("org", org)] {
            if let Some(id) = id {
                if !is_valid_id(id) {
                    return Err(RequestError::new(format!(
                        "{name} id `{id}` is not 1 to 64 characters of A-Z, a-z, 0-9, `_`, `.`, `-`"
                    )));
                }
            }
        }
        if key.is_some() && vault.is_none() {
            return Err(RequestError::new("a key request must name its vault"));
        }
        Ok(Self {
            kind,
            action,
            vault: vault.map(str::to_owned),
            key: key.map(str::to_owned),
            org: org.map(str::to_owned),
        })
    }

    /// Reads the JSON form `{"type", "action", "vault"?, "key"?, "org"?}`; null means absent
    /// and any other member is an error, so a misspelt field is never silently ignored.
    pub fn from_value(value: &Value) -> Result<Self, RequestError> {
        let map = value
            .as_object()
            .ok_or_else(|| RequestError::new("expected a JSON object"))?;
        if let Some(extra) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "type" | "action" | "vault" | "key" | "org"))
        {
            return Err(RequestError::new(format!(
                "unexpected member `{extra}`: a request has type, action, vault, key and org"
            )));
        }
        let text = |name: &str, required: bool| match map.get(name) {
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err(RequestError::new(format!("`{name}` is missing"))),
            Some(_) => Err(RequestError::new(format!("`{name}` must be a string"))),
        };
        let kind = text("type", true)?.unwrap_or_default();
        let action = text("action", true)?.unwrap_or_default();
        Self::new(
            kind,
            action,
            text("vault", false)?,
            text("key", false)?,
            text("org", false)?,
        )
    }

    /// What the request is about.
    pub fn kind(&self) -> ResourceType {
        self.kind
    }

    /// What the request does.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The vault it acts in, if any.
    pub fn vault(&self) -> Option<&str> {
        self.vault.as_deref()
    }

    /// The key it acts on, if any (always with its vault).
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The organisation it names, if any.
    pub fn org(&self) -> Option<&str> {
        self.org.as_deref()
    }
}
