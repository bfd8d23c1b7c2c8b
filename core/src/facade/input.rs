//! Members shared by several operations' inputs, with serde messages in the user's terms
//! ("Unix seconds as an integer", not "i64").

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

value_list!(
    /// A list of permissions, each in its text or JSON form.
    PermissionList,
    "an array of permissions (texts like `vault:read:org`, or objects)"
);

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
