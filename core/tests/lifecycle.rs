//! docs/LIFECYCLE.md through the façade, as hosts call it: lint of a stored record and of
//! usage, `suggest`, rotation and expiry at the token endpoint.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failure is the point"
)]

use credgate_core::facade::{self, Outcome};
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";

fn call(op: &str, input: Value) -> Value {
    match facade::call(op, input) {
        Outcome::Result(v) | Outcome::Answer(v) => v,
        Outcome::Failure(f) => panic!("{op}: {f:?}"),
    }
}

fn spec(env: &str) -> Value {
    json!({
        "name": "Payments backend", "permission_set_type": "wallets",
        "permissions": ["balances:read:org", "vault:read:org", "key:read:vault"],
        "ip_allowlist": ["203.0.113.7"], "environment": env,
    })
}

fn created(env: &str, expires_at: Option<i64>) -> (Value, String) {
    let mut input =
        json!({ "spec": spec(env), "org": "org_1", "now": NOW, "entropy": "ab".repeat(48) });
    if let Some(t) = expires_at {
        input["expires_at"] = json!(t);
    }
    let v = call("create_credential", input);
    (
        v["credential"].clone(),
        v["client_secret"].as_str().unwrap().to_owned(),
    )
}

fn findings(report: &Value) -> Vec<(String, String)> {
    let mut f: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    f.sort();
    f
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_record_is_linted_for_its_secrets_and_expiry() {
    let (record, _) = created("production", None);
    let report = call(
        "lint",
        json!({ "credential": record, "now": NOW + 91 * DAY }),
    );
    assert_eq!(
        findings(&report),
        pairs(&[
            ("lint.no_expiry", "expires_at"),
            ("lint.secret_rotation_due", "secrets[0]")
        ])
    );

    let (record, _) = created("sandbox", Some(NOW + 20 * DAY));
    let rotated = call(
        "rotate_secret",
        json!({ "credential": record, "now": NOW + DAY, "entropy": "cd".repeat(32), "grace_seconds": 3600 }),
    );
    let report = call(
        "lint",
        json!({ "credential": rotated["credential"], "now": NOW + 7 * DAY }),
    );
    assert_eq!(
        findings(&report),
        pairs(&[
            ("lint.expires_soon", "expires_at"),
            ("lint.secret_past_grace", "secrets[0]")
        ])
    );
}

#[test]
fn usage_finds_unused_permissions_and_suggest_never_grants_new_access() {
    let usage = json!([
        { "request": { "type": "balances", "action": "read", "vault": "vlt_1" }, "last_at": NOW, "count": 3 },
        { "request": { "type": "key", "action": "read", "vault": "vlt_1", "key": "k1" }, "last_at": NOW - 100 * DAY },
    ]);
    let report = call(
        "lint",
        json!({ "spec": spec("sandbox"), "usage": usage, "now": NOW }),
    );
    assert_eq!(
        findings(&report),
        pairs(&[
            ("lint.unused_permission", "permissions[1]"),
            ("lint.unused_permission", "permissions[2]"),
        ])
    );

    let s = call(
        "suggest",
        json!({ "spec": spec("sandbox"), "usage": usage }),
    );
    assert_eq!(
        s["spec"]["permissions"],
        json!(["balances:read:vault:vlt_1", "key:read:key:k1"])
    );
    assert_eq!(s["removed"], json!(["vault:read:org"]));
    assert_eq!(s["diff"]["grants_new_access"], json!(false));
    assert_eq!(s["unused_credential"], json!(false));

    let nothing = call("suggest", json!({ "spec": spec("sandbox"), "usage": [] }));
    assert_eq!(
        (nothing["unused_credential"].clone(), nothing.get("spec")),
        (json!(true), None)
    );
}

#[test]
fn usage_lists_are_bounded_before_their_entries_are_read() {
    let entry = json!({ "request": { "type": "vault", "action": "read" }, "last_at": NOW });
    let usage = vec![entry; credgate_core::usage::MAX_USAGE_ENTRIES + 1];
    match facade::call(
        "suggest",
        json!({ "spec": spec("sandbox"), "usage": usage }),
    ) {
        Outcome::Failure(f) => assert_eq!(f.code, "input.invalid"),
        other => panic!("{other:?}"),
    }
}

fn issue(record: &Value, secret: &str, now: i64) -> Value {
    call(
        "issue_token",
        json!({
            "credential": record, "client_secret": secret, "client_ip": "203.0.113.7", "now": now,
            "signing_key": { "kid": "k1", "seed": SEED }, "jti": "jti-1",
            "issuer": "https://iss.test", "audience": "https://aud.test",
        }),
    )
}

#[test]
fn both_secrets_work_through_the_grace_period_and_expiry_caps_tokens() {
    let (record, first) = created("sandbox", Some(NOW + 2 * 3600));
    let rotated = call(
        "rotate_secret",
        json!({ "credential": record, "now": NOW, "entropy": "cd".repeat(32), "grace_seconds": 600 }),
    );
    let second = rotated["client_secret"].as_str().unwrap();
    let record = &rotated["credential"];
    assert_eq!(issue(record, &first, NOW + 599)["secret"], json!(0));
    assert_eq!(issue(record, second, NOW + 599)["secret"], json!(1));
    assert_eq!(
        issue(record, &first, NOW + 600)["reason"],
        json!("client.bad_secret")
    );

    let late = issue(record, second, NOW + 5400);
    assert_eq!(late["claims"]["exp"], json!(NOW + 2 * 3600));
    assert_eq!(late["response"]["expires_in"], json!(1800));
    assert_eq!(
        issue(record, second, NOW + 2 * 3600)["reason"],
        json!("client.expired")
    );
}
