//! Property tests: the invariants users rely on, checked on random inputs.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use credgate_core::authorize::PermissionSet;
use credgate_core::ip::{parse_entry, Allowlist, ClientIp};
use credgate_core::permission::{Action, Permission, ResourceType, Scope};
use credgate_core::spec::Environment;
use credgate_core::token::{Claims, IssueParams, IssueTime};
use credgate_core::{facade, KeySet, Request, SigningKey, Verifier, VerifyOptions};
use proptest::prelude::*;
use std::net::Ipv4Addr;

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,12}"
}

fn permission() -> impl Strategy<Value = Permission> {
    (
        prop::sample::select(ResourceType::ALL.to_vec()),
        prop::sample::select(Action::ALL.to_vec()),
        prop::sample::select(Scope::ALL.to_vec()),
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
    )
        .prop_filter_map("applicable", |(kind, action, scope, resource)| {
            let resource = if scope == Scope::Org { None } else { resource };
            Permission::new(kind, action, scope, resource).ok()
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(ResourceType::ALL.to_vec()),
        prop::sample::select(Action::ALL.to_vec()),
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
    )
        .prop_filter_map("valid", |(kind, action, vault, key)| {
            let key = vault.and(key);
            Request::new(kind.as_str(), action.as_str(), vault, key, None).ok()
        })
}

proptest! {
    #[test]
    fn canonical_text_round_trips(p in permission()) {
        let text = p.to_string();
        prop_assert_eq!(Permission::parse(&text).unwrap(), p.clone());
        let json = serde_json::to_value(&p).unwrap();
        prop_assert_eq!(Permission::from_value(&json).unwrap(), p);
    }

    #[test]
    fn any_accepted_text_is_canonical(text in "[a-z:_.A-Z0-9 -]{0,40}") {
        if let Ok(p) = Permission::parse(&text) {
            prop_assert_eq!(p.to_string(), text);
        }
    }

    #[test]
    fn adding_a_permission_never_turns_allow_into_deny(
        set in prop::collection::vec(permission(), 0..8),
        extra in permission(),
        position in any::<prop::sample::Index>(),
        req in request(),
    ) {
        let before = PermissionSet::new(set.clone()).authorize(&req, None).allowed;
        let mut grown = set;
        grown.insert(position.index(grown.len() + 1), extra);
        let after = PermissionSet::new(grown).authorize(&req, None).allowed;
        prop_assert!(!before || after);
    }

    #[test]
    fn key_scoped_permissions_never_allow_org_or_vault_level(
        p in permission().prop_filter("key scope", |p| p.scope() == Scope::Key),
        req in request().prop_filter("not key level", |r| r.key().is_none()),
    ) {
        prop_assert!(!PermissionSet::new(vec![p]).authorize(&req, None).allowed);
    }

    #[test]
    fn allowlist_matching_agrees_with_a_reference(
        network in any::<u32>(), prefix in 0u8..=32, probes in prop::collection::vec(any::<u32>(), 1..16),
    ) {
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
        let entry = format!("{}/{prefix}", Ipv4Addr::from(network & mask));
        let list = Allowlist::parse(&[entry.as_str()]).unwrap();
        for probe in probes.into_iter().chain([network & mask, network | !mask]) {
            let reference = probe & mask == network & mask;
            prop_assert_eq!(list.contains(Ipv4Addr::from(probe)), reference);
            let mapped = format!("::ffff:{}", Ipv4Addr::from(probe));
            prop_assert_eq!(list.verdict(ClientIp::parse(&mapped)).code() == "allow", reference);
        }
    }

    #[test]
    fn entries_print_back_as_given(a in any::<[u8; 4]>(), prefix in 0u8..=32) {
        let text = format!("{}/{prefix}", Ipv4Addr::from(a));
        if let Ok(net) = parse_entry(&text) {
            prop_assert_eq!(net.to_string(), text);
        }
    }

    #[test]
    fn issued_tokens_verify_and_any_flipped_byte_fails(
        seed in any::<[u8; 32]>(), kid in id(), client in id(), jti in id(),
        set in prop::collection::vec(permission(), 1..5), now in 0i64..4_000_000_000,
        flip_at in any::<prop::sample::Index>(), flip_to in any::<u8>(),
    ) {
        let key = SigningKey::from_seed(&kid, &seed).unwrap();
        let params = IssueParams {
            issuer: "https://iss.test", audience: "https://aud.test", client_id: &client,
            org: "org_1", env: Environment::Sandbox, now: IssueTime::new(now).unwrap(), jti: &jti,
            not_after: None,
        };
        let allowlist = Allowlist::parse(&["10.0.0.0/8"]).unwrap();
        let claims = Claims::issue(&params, PermissionSet::new(set), allowlist);
        let token = key.sign(&claims);
        let verifier = Verifier::new(
            KeySet::from_signing_keys([&key]).unwrap_or_default(),
            VerifyOptions { issuer: "https://iss.test".into(), audience: "https://aud.test".into(), ..Default::default() },
        );
        prop_assert_eq!(verifier.verify(&token, now).unwrap(), claims);
        let mut bytes = token.into_bytes();
        let i = flip_at.index(bytes.len());
        let replacement = if flip_to == bytes[i] { flip_to.wrapping_add(1) } else { flip_to };
        bytes[i] = replacement;
        let tampered = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(verifier.verify(&tampered, now).is_err());
    }

    #[test]
    fn the_facade_never_panics(op in prop::sample::select(facade::OPS.to_vec()), input in "\\PC{0,200}") {
        let out = facade::call_json(op, &input);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    }

    #[test]
    fn the_facade_never_panics_on_json_shapes(
        op in prop::sample::select(facade::OPS.to_vec()),
        input in arbitrary_json(),
    ) {
        let outcome = facade::call(op, input);
        // Every outcome is one of the three, and encodes as the wire shape.
        prop_assert!(serde_json::to_value(&outcome).is_ok());
    }
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "\\PC{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "vault:read:org",
            "10.0.0.0/8",
            "POST",
            "enable",
            "k1",
            "sandbox"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "text",
                    "permission",
                    "spec",
                    "allowlist",
                    "ip",
                    "permissions",
                    "request",
                    "org",
                    "token",
                    "jwks",
                    "now",
                    "issuer",
                    "audience",
                    "leeway",
                    "client_ip",
                    "method",
                    "headers",
                    "body",
                    "credential",
                    "client_secret",
                    "signing_key",
                    "jti",
                    "scope",
                    "type",
                    "action",
                    "vault",
                    "key",
                    "keys",
                    "name",
                    "entropy",
                    "set_type",
                ])
                .prop_map(str::to_owned),
                inner,
                0..8,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
