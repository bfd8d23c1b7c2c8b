//! Members shared by several operations' inputs, with serde messages in the user's terms
//! ("Unix seconds as an integer", not "i64").

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::authorize::IndexedPermissionError;
use crate::json::ValueSeed;
use crate::permission::{Permission, PermissionError};

/// A point in time: Unix seconds, an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnixSeconds(pub i64);

impl<'de> Deserialize<'de> for UnixSeconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Integer;
        impl Visitor<'_> for Integer {
            type Value = i64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Unix seconds as an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
        }
        deserializer.deserialize_i64(Integer).map(Self)
    }
}

impl UnixSeconds {
    /// The magnitude from which a time given as seconds is far more likely milliseconds
    /// passed by mistake (`Date.now()`): 10^11 seconds is the year 5138, while every time
    /// since 1973-03-03 counted in milliseconds is at least 10^11.
    pub const MILLISECONDS_FROM: i64 = 100_000_000_000;

    /// Whether this looks like milliseconds rather than seconds: hosts that take a bare
    /// number from people (JS, the CLI) refuse it with a hint instead of answering
    /// `token.expired` for a time 50,000 years away. The core itself takes any `i64`.
    pub fn looks_like_milliseconds(self) -> bool {
        self.0.unsigned_abs() >= Self::MILLISECONDS_FROM.unsigned_abs()
    }
}

/// A duration: a non-negative integer number of seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Seconds(pub u64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Count;
        impl Visitor<'_> for Count {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds: an integer, 0 or more")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
                u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
        }
        deserializer.deserialize_u64(Count).map(Self)
    }
}

/// Defines a JSON array member read as `Vec<Value>`, with its own expecting text; entries
/// are judged later by the module that owns them, so a bad entry gets its own code.
macro_rules! value_list {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(pub Vec<Value>);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct List;
                impl<'de> Visitor<'de> for List {
                    type Value = Vec<Value>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Value>, A::Error> {
                        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                        while let Some(item) = seq.next_element()? {
                            items.push(item);
                        }
                        Ok(items)
                    }
                }
                deserializer.deserialize_seq(List).map(Self)
            }
        }
    };
}

/// A list of permissions, each in its text or JSON form, read entry by entry: a text is
/// parsed where it lies in the input, an object is read (strictly, alone) and parsed, and
/// nothing of the list is kept but the parsed permissions. A bad entry is kept with its error
/// (its index is its position), so the operation decides when to report it; the first one is
/// the failure, as for every list (SPEC §9).
///
/// Collect it from JSON values (`values.into_iter().collect()`), as a caller that holds the
/// list in its JSON form does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PermissionList(pub PermissionEntries);

/// The entries of a [`PermissionList`], in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PermissionEntries(pub Vec<PermissionEntry>);

/// One entry of a [`PermissionList`]: the permission, or why it is not one.
#[derive(Clone, Debug, PartialEq)]
pub enum PermissionEntry {
    /// A valid permission.
    Valid(Permission),
    /// An invalid entry: the JSON value as given (so the list encodes as it was read) and
    /// what is wrong with it (boxed: a list's entries are as small as a permission).
    Invalid(Box<(Value, PermissionError)>),
}

impl PermissionEntry {
    /// Judges one entry in its JSON form.
    pub fn from_value(value: Value) -> Self {
        match Permission::from_value(&value) {
            Ok(permission) => Self::Valid(permission),
            Err(error) => Self::Invalid(Box::new((value, error))),
        }
    }

    fn from_text(text: &str) -> Self {
        match Permission::parse(text) {
            Ok(permission) => Self::Valid(permission),
            Err(error) => Self::Invalid(Box::new((Value::String(text.to_owned()), error))),
        }
    }
}

impl PermissionList {
    /// The permissions in order, or the first invalid entry with its index.
    pub fn into_permissions(self) -> Result<Vec<Permission>, IndexedPermissionError> {
        self.0
             .0
            .into_iter()
            .enumerate()
            .map(|(index, entry)| match entry {
                PermissionEntry::Valid(permission) => Ok(permission),
                PermissionEntry::Invalid(invalid) => Err(IndexedPermissionError {
                    index,
                    error: invalid.1,
                }),
            })
            .collect()
    }
}

impl FromIterator<Value> for PermissionEntries {
    fn from_iter<I: IntoIterator<Item = Value>>(values: I) -> Self {
        Self(
            values
                .into_iter()
                .map(PermissionEntry::from_value)
                .collect(),
        )
    }
}

impl Serialize for PermissionEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Valid(permission) => permission.serialize(serializer),
            Self::Invalid(invalid) => invalid.0.serialize(serializer),
        }
    }
}

impl Serialize for PermissionList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.0 .0)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PermissionList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PermissionList".into()
    }

    /// An array of anything: each entry is judged by the permission module (its own code).
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = generator.subschema_for::<Vec<Value>>();
        schema.insert(
            "description".to_owned(),
            "A list of permissions, each in its text or JSON form.".into(),
        );
        schema
    }
}

impl<'de> Deserialize<'de> for PermissionList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Vec<PermissionEntry>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of permissions (texts like `vault:read:org`, or objects)")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Vec<PermissionEntry>, A::Error> {
                let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = seq.next_element_seed(EntrySeed)? {
                    entries.push(entry);
                }
                Ok(entries)
            }
        }
        deserializer
            .deserialize_seq(List)
            .map(|entries| Self(PermissionEntries(entries)))
    }
}

/// Reads one entry of a permission list: a text without a copy, anything else as a small
/// strict JSON value of its own, judged at once and dropped.
struct EntrySeed;

impl<'de> de::DeserializeSeed<'de> for EntrySeed {
    type Value = PermissionEntry;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed {
    type Value = PermissionEntry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a permission text or a JSON object")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PermissionEntry, E> {
        Ok(PermissionEntry::from_text(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PermissionEntry, E> {
        ValueSeed::default()
            .visit_bool(v)
            .map(PermissionEntry::from_value)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PermissionEntry, E> {
        ValueSeed::default()
            .visit_i64(v)
            .map(PermissionEntry::from_value)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PermissionEntry, E> {
        ValueSeed::default()
            .visit_u64(v)
            .map(PermissionEntry::from_value)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PermissionEntry, E> {
        ValueSeed::default()
            .visit_f64(v)
            .map(PermissionEntry::from_value)
    }

    fn visit_unit<E: de::Error>(self) -> Result<PermissionEntry, E> {
        ValueSeed::default()
            .visit_unit()
            .map(PermissionEntry::from_value)
    }

    fn visit_none<E: de::Error>(self) -> Result<PermissionEntry, E> {
        ValueSeed::default()
            .visit_none()
            .map(PermissionEntry::from_value)
    }

    fn visit_some<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<PermissionEntry, D::Error> {
        de::DeserializeSeed::deserialize(self, deserializer)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<PermissionEntry, A::Error> {
        ValueSeed::default()
            .visit_seq(seq)
            .map(PermissionEntry::from_value)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<PermissionEntry, A::Error> {
        ValueSeed::default()
            .visit_map(map)
            .map(PermissionEntry::from_value)
    }
}

value_list!(
    /// An IPv4 allowlist: addresses and CIDRs as texts.
    AllowlistEntries,
    "an array of IPv4 addresses or CIDRs"
);

/// Request headers: an object of names to values, or a list of `[name, value]` pairs (the
/// only form that can carry a header line repeated under the same name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "headers: an object of names to values, or an array of [name, value] pairs"
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Headers {
    /// One value per name.
    Map(BTreeMap<String, String>),
    /// Header lines in order, repeats included.
    Pairs(Vec<(String, String)>),
}

impl Default for Headers {
    fn default() -> Self {
        Self::Map(BTreeMap::new())
    }
}

impl Headers {
    /// Every header line as `(name, value)`.
    pub fn lines(&self) -> Vec<(&str, &str)> {
        match self {
            Self::Map(map) => map.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect(),
            Self::Pairs(pairs) => pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UnixSeconds;

    #[test]
    fn milliseconds_are_told_from_seconds() {
        assert!(!UnixSeconds(1_764_650_000).looks_like_milliseconds());
        assert!(!UnixSeconds(99_999_999_999).looks_like_milliseconds());
        assert!(UnixSeconds(1_764_650_000_000).looks_like_milliseconds());
        assert!(UnixSeconds(-1_764_650_000_000).looks_like_milliseconds());
        assert!(UnixSeconds(i64::MIN).looks_like_milliseconds());
        assert!(!UnixSeconds(0).looks_like_milliseconds());
    }
}
