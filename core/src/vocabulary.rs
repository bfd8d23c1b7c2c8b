//! The closed vocabularies of SPEC §1–§5 and §8: every word credgate reads or prints that is
//! one of a fixed list (resource types, actions, scopes, environments, set types, statuses)
//! and every stable code ([`crate::codes::Code`]).
//!
//! Each is an enum built by one macro, so its words, its `ALL` list, its parsing, its
//! printing and its serde forms cannot disagree. This module owns only words: it never
//! decides anything.

/// Defines an enum of lowercase words: `ALL`, `as_str`, `from_name`, `Display`, and serde
/// as the word itself (an unknown word is an error naming the expected ones).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the SPEC's order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The word used in texts, JSON and tokens.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Looks up the exact word; anything else is `None`.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "schema")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "enum": [$($text),+], "description": $what })
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Words;
                impl ::serde::de::Visitor<'_> for Words {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_name(v).ok_or_else(|| E::invalid_value(::serde::de::Unexpected::Str(v), &self))
                    }
                }
                deserializer.deserialize_str(Words)
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary!(
    /// What a permission or request is about.
    ResourceType ("a permission type: vault, key, balances, transaction, address, policy, webhook or audit") {
        Vault => "vault",
        Key => "key",
        Balances => "balances",
        Transaction => "transaction",
        Address => "address",
        Policy => "policy",
        Webhook => "webhook",
        Audit => "audit",
    }
);

vocabulary!(
    /// What a permission or request does.
    Action ("an action: create, read, update or delete") {
        Create => "create",
        Read => "read",
        Update => "update",
        Delete => "delete",
    }
);

vocabulary!(
    /// Where a permission applies.
    Scope ("a scope: org, vault or key") {
        Org => "org",
        Vault => "vault",
        Key => "key",
    }
);

vocabulary!(
    /// Where a credential may be used.
    Environment ("an environment: sandbox or production") {
        Sandbox => "sandbox",
        Production => "production",
    }
);

vocabulary!(
    /// The permission set types of SPEC §3; each pre-populates default permissions.
    PermissionSetType ("a permission set type: wallets, transactions, controls or monitoring") {
        Wallets => "wallets",
        Transactions => "transactions",
        Controls => "controls",
        Monitoring => "monitoring",
    }
);

vocabulary!(
    /// A credential's status (SPEC §5). `deleted` is final.
    Status ("a status: enabled, disabled or deleted") {
        /// Can obtain tokens.
        Enabled => "enabled",
        /// Cannot obtain tokens; can be enabled again.
        Disabled => "disabled",
        /// Cannot obtain tokens, ever.
        Deleted => "deleted",
    }
);

impl ResourceType {
    /// The applicability table of SPEC §1: whether `scope` makes sense for this type.
    pub const fn allows_scope(self, scope: Scope) -> bool {
        match (self, scope) {
            (_, Scope::Org) => true,
            (Self::Webhook | Self::Audit, Scope::Vault) => false,
            (_, Scope::Vault) => true,
            (Self::Key | Self::Balances | Self::Transaction, Scope::Key) => true,
            (_, Scope::Key) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_serde() {
        for env in Environment::ALL {
            let text = serde_json::to_string(env).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Environment>(&text).ok(), Some(*env));
        }
        let error = serde_json::from_str::<Scope>(r#""wallet""#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("a scope: org, vault or key"), "{error}");
    }
}
