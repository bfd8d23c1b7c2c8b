//! The answer/failure table of docs/OUTCOMES.md, checked for every operation through the
//! façade (`facade::call`, which every host's generic entry uses): for each operation, an
//! input that succeeds gives the documented kind (result or answer), and an input that
//! cannot be evaluated is a failure with the documented code.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failure is the point"
)]

use credgate_core::facade::{self, Operation, Outcome};
use serde_json::{json, Value};

const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const NOW: i64 = 1_700_000_000;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Expect {
    Result,
    Answer,
    Failure(&'static str),
}

fn outcome_of(op: Operation, input: Value) -> (Expect, Value) {
    match facade::call(op.as_str(), input) {
        Outcome::Result(v) => (Expect::Result, v),
        Outcome::Answer(v) => (Expect::Answer, v),
        Outcome::Failure(f) => {
            let code = credgate_core::Code::ALL
                .iter()
                .find(|c| **c == f.code)
                .map(|c| c.as_str())
                .unwrap_or("?");
            (Expect::Failure(code), serde_json::to_value(&f).unwrap())
        }
    }
}

fn spec() -> Value {
    json!({
        "name": "Payments backend", "permission_set_type": "wallets",
        "permissions": ["balances:read:vault:vlt_1"], "ip_allowlist": ["203.0.113.7"],
        "environment": "sandbox",
    })
}

fn credential() -> Value {
    let created = facade::call(
        "create_credential",
        json!({ "spec": spec(), "org": "org_1", "now": NOW, "entropy": "ab".repeat(48) }),
    );
    match created {
        Outcome::Result(v) => v["credential"].clone(),
        other => panic!("create_credential: {other:?}"),
    }
}

fn jwks() -> Value {
    match facade::call(
        "public_jwks",
        json!({ "signing_keys": [{ "kid": "k1", "seed": SEED }] }),
    ) {
        Outcome::Result(mut v) => {
            v.as_object_mut().unwrap().remove("ok");
            v
        }
        other => panic!("public_jwks: {other:?}"),
    }
}

fn issue(secret: &str) -> Value {
    json!({
        "credential": credential(), "client_secret": secret, "client_ip": "203.0.113.7",
        "now": NOW, "signing_key": { "kid": "k1", "seed": SEED }, "jti": "jti-1",
        "issuer": "https://iss.test", "audience": "https://aud.test",
    })
}

fn token() -> String {
    // The secret is made from the entropy: create once and issue with its secret.
    let created = facade::call(
        "create_credential",
        json!({ "spec": spec(), "org": "org_1", "now": NOW, "entropy": "ab".repeat(48) }),
    );
    let Outcome::Result(created) = created else {
        panic!("create_credential")
    };
    let mut input = issue(created["client_secret"].as_str().unwrap());
    input["credential"] = created["credential"].clone();
    match facade::call("issue_token", input) {
        Outcome::Result(v) => v["token"].as_str().unwrap().to_owned(),
        other => panic!("issue_token: {other:?}"),
    }
}

fn verify(token: &str, jwks: Value) -> Value {
    json!({ "token": token, "now": NOW, "jwks": jwks, "issuer": "https://iss.test",
            "audience": "https://aud.test" })
}

fn check(token: &str, jwks: Value, request: Value) -> Value {
    let mut input = verify(token, jwks);
    input["client_ip"] = json!("203.0.113.7");
    input["request"] = request;
    input
}

fn sign_input(epoch: u64, entries: Value) -> Value {
    json!({ "signing_key": { "kid": "k1", "seed": SEED }, "issuer": "https://iss.test",
            "epoch": epoch, "now": NOW, "entries": entries })
}

/// A revocation list of `https://iss.test` at `epoch`, signed with the token key.
fn revocations(epoch: u64, entries: Value) -> String {
    match facade::call("sign_revocations", sign_input(epoch, entries)) {
        Outcome::Result(v) => v["revocations"].as_str().unwrap().to_owned(),
        other => panic!("sign_revocations: {other:?}"),
    }
}

fn load(text: &str, jwks: Value) -> Value {
    json!({ "revocations": text, "jwks": jwks, "issuer": "https://iss.test" })
}

/// `input` with a `revocations` member.
fn with_revocations(mut input: Value, text: &str) -> Value {
    input["revocations"] = json!(text);
    input
}

/// Each operation with inputs and the outcome each must give.
fn table() -> Vec<(Operation, Value, Expect)> {
    use Expect::*;
    use Operation as Op;
    let token = token();
    let revoking = revocations(1, json!([{ "jti": "jti-1", "revoked_at": NOW }]));
    let other = revocations(1, json!([{ "jti": "jti-2", "revoked_at": NOW }]));
    let forged = format!("{}x", &other[..other.len() - 1]);
    let balances = json!({ "type": "balances", "action": "read", "vault": "vlt_1" });
    let form = json!({ "Content-Type": "application/x-www-form-urlencoded" });
    vec![
        (
            Op::ParsePermission,
            json!({ "text": "vault:read:org" }),
            Result,
        ),
        (
            Op::ParsePermission,
            json!({ "text": "vault:read" }),
            Failure("permission.invalid"),
        ),
        (Op::ParsePermission, json!({}), Failure("input.invalid")),
        (Op::ValidateSpec, json!({ "spec": spec() }), Answer),
        (Op::ValidateSpec, json!({ "spec": { "name": "x" } }), Answer),
        (Op::ValidateSpec, json!([]), Failure("input.invalid")),
        (
            Op::IpAllowed,
            json!({ "allowlist": ["10.0.0.0/8"], "ip": "10.1.2.3" }),
            Answer,
        ),
        (
            Op::IpAllowed,
            json!({ "allowlist": ["10.0.0.0/8"], "ip": "11.1.2.3" }),
            Answer,
        ),
        (
            Op::IpAllowed,
            json!({ "allowlist": ["10.0.0.1/8"], "ip": "10.1.2.3" }),
            Failure("ip.host_bits_set"),
        ),
        (
            Op::Authorize,
            json!({ "permissions": ["vault:read:org"], "request": { "type": "vault", "action": "read" } }),
            Answer,
        ),
        (
            Op::Authorize,
            json!({ "permissions": ["vault:read:org"], "request": { "type": "key", "action": "read" } }),
            Answer,
        ),
        (
            Op::Authorize,
            json!({ "permissions": ["vault:read:org"], "request": { "type": "wallet", "action": "read" } }),
            Failure("request.invalid"),
        ),
        (
            Op::Authorize,
            json!({ "permissions": ["vault:read"], "request": { "type": "vault", "action": "read" } }),
            Failure("permission.invalid"),
        ),
        (Op::VerifyToken, verify(&token, jwks()), Result),
        (
            Op::VerifyToken,
            verify("a.b.c", jwks()),
            Failure("token.malformed"),
        ),
        (
            Op::VerifyToken,
            verify(&token, json!({ "keys": 1 })),
            Failure("jwks.invalid"),
        ),
        (
            Op::VerifyToken,
            with_revocations(verify(&token, jwks()), &other),
            Result,
        ),
        (
            Op::VerifyToken,
            with_revocations(verify(&token, jwks()), &revoking),
            Failure("token.revoked"),
        ),
        (
            Op::VerifyToken,
            with_revocations(verify(&token, jwks()), &forged),
            Failure("revocations.invalid"),
        ),
        (
            Op::Check,
            check(
                &token,
                jwks(),
                json!({ "type": "balances", "action": "read", "vault": "vlt_1" }),
            ),
            Answer,
        ),
        (
            Op::Check,
            with_revocations(check(&token, jwks(), balances.clone()), &revoking),
            Answer,
        ),
        (
            Op::Check,
            with_revocations(check(&token, jwks(), balances.clone()), "a.b.c"),
            Failure("revocations.invalid"),
        ),
        (
            Op::Check,
            check(
                "a.b.c",
                jwks(),
                json!({ "type": "balances", "action": "read", "vault": "vlt_1" }),
            ),
            Answer,
        ),
        (
            Op::Check,
            check(&token, jwks(), json!({ "type": "nope", "action": "read" })),
            Answer,
        ),
        (
            Op::Check,
            check(
                &token,
                json!([]),
                json!({ "type": "vault", "action": "read" }),
            ),
            Failure("jwks.invalid"),
        ),
        (
            Op::ParseTokenRequest,
            json!({ "method": "POST", "headers": form, "body": "grant_type=client_credentials&client_id=a&client_secret=b" }),
            Result,
        ),
        (
            Op::ParseTokenRequest,
            json!({ "method": "GET", "headers": form, "body": "" }),
            Answer,
        ),
        (
            Op::ParseTokenRequest,
            json!({ "method": 1 }),
            Failure("input.invalid"),
        ),
        (Op::IssueToken, issue("cgs_test_wrong"), Answer),
        (
            Op::IssueToken,
            {
                let mut i = issue("x");
                i["signing_key"]["seed"] = json!("00");
                i
            },
            Failure("key.invalid"),
        ),
        (
            Op::IssueToken,
            {
                let mut i = issue("x");
                i["credential"] = json!({ "client_id": 1 });
                i
            },
            Failure("credential.invalid"),
        ),
        (
            Op::Preview,
            json!({ "permissions": ["vault:read:org"] }),
            Result,
        ),
        (
            Op::Preview,
            json!({ "permissions": ["vault:read:nowhere"] }),
            Failure("permission.unknown_scope"),
        ),
        (Op::Lint, json!({ "spec": spec() }), Answer),
        (Op::Lint, json!({ "spec": {} }), Answer),
        (
            Op::Lint,
            json!({ "spec": spec(), "now": "today" }),
            Failure("input.invalid"),
        ),
        (
            Op::CreateCredential,
            json!({ "spec": spec(), "org": "org_1", "now": NOW, "entropy": "ab".repeat(48) }),
            Result,
        ),
        (
            Op::CreateCredential,
            json!({ "spec": {}, "org": "org_1", "now": NOW, "entropy": "ab".repeat(48) }),
            Failure("spec.invalid"),
        ),
        (
            Op::CreateCredential,
            json!({ "spec": spec(), "org": "org_1", "now": NOW, "entropy": "ab" }),
            Failure("entropy.insufficient"),
        ),
        (
            Op::UpdateCredential,
            json!({ "credential": credential(), "action": "disable", "now": NOW }),
            Result,
        ),
        (
            Op::UpdateCredential,
            json!({ "credential": credential(), "action": "pause", "now": NOW }),
            Failure("input.invalid"),
        ),
        (
            Op::SetTypeDefaults,
            json!({ "set_type": "wallets" }),
            Result,
        ),
        (
            Op::SetTypeDefaults,
            json!({ "set_type": "wallet" }),
            Failure("set_type.unknown"),
        ),
        (Op::Vocabulary, json!({}), Result),
        // Not an object: the one way its input can be wrong.
        (Op::Vocabulary, json!(["wallets"]), Failure("input.invalid")),
        (
            Op::PublicJwks,
            json!({ "signing_keys": [{ "kid": "k1", "seed": SEED }] }),
            Result,
        ),
        (
            Op::PublicJwks,
            json!({ "signing_keys": [{ "kid": "k1", "seed": SEED }, { "kid": "k1", "seed": SEED }] }),
            Failure("jwks.invalid"),
        ),
        (
            Op::ParseBearer,
            json!({ "authorization": "Bearer abc" }),
            Result,
        ),
        (Op::ParseBearer, json!({ "authorization": null }), Answer),
        (
            Op::ParseBearer,
            json!({ "authorization": 5 }),
            Failure("input.invalid"),
        ),
        (
            Op::VerifySecret,
            json!({ "credential": credential(), "client_secret": "x" }),
            Answer,
        ),
        (
            Op::VerifySecret,
            json!({ "credential": {}, "client_secret": "x" }),
            Failure("credential.invalid"),
        ),
        (
            Op::Explain,
            json!({ "permissions": ["vault:read:org"], "request": { "type": "vault", "action": "read" } }),
            Answer,
        ),
        (
            Op::Explain,
            json!({ "permissions": ["vault:read:org"], "request": { "type": "vault", "action": "fly" } }),
            Failure("request.invalid"),
        ),
        (
            Op::Diff,
            json!({ "before": spec(), "after": spec() }),
            Answer,
        ),
        (Op::Diff, json!({ "before": spec(), "after": {} }), Answer),
        (
            Op::Diff,
            json!({ "before": spec() }),
            Failure("input.invalid"),
        ),
        (
            Op::Suggest,
            json!({ "spec": spec(), "usage": [{ "request": { "type": "balances", "action": "read", "vault": "vlt_1" }, "last_at": NOW }] }),
            Answer,
        ),
        (Op::Suggest, json!({ "spec": {}, "usage": [] }), Answer),
        (
            Op::Suggest,
            json!({ "spec": spec(), "usage": [{ "request": { "type": "balances", "action": "fly" }, "last_at": NOW }] }),
            Failure("request.invalid"),
        ),
        (
            Op::Lint,
            json!({ "credential": credential(), "now": NOW, "usage": [] }),
            Answer,
        ),
        (
            Op::Lint,
            json!({ "credential": credential(), "spec": spec() }),
            Failure("input.invalid"),
        ),
        (
            Op::RotateSecret,
            json!({ "credential": credential(), "now": NOW, "entropy": "cd".repeat(32), "grace_seconds": 60 }),
            Result,
        ),
        (
            Op::RotateSecret,
            json!({ "credential": credential(), "now": NOW, "entropy": "cd".repeat(31), "grace_seconds": 60 }),
            Failure("entropy.insufficient"),
        ),
        (
            Op::UpdateCredential,
            json!({ "credential": credential(), "now": NOW, "action": "set_expiry", "expires_at": NOW + 1 }),
            Result,
        ),
        (
            Op::UpdateCredential,
            json!({ "credential": credential(), "now": NOW, "action": "set_spec" }),
            Failure("input.invalid"),
        ),
        (
            Op::UpdateCredential,
            json!({ "credential": credential(), "now": NOW, "action": "revoke_secret", "secret": 0 }),
            Failure("credential.secret_required"),
        ),
        (
            Op::SignRevocations,
            sign_input(1, json!([{ "client_id": "cid_1", "not_before": NOW }])),
            Result,
        ),
        (
            Op::SignRevocations,
            {
                let mut i = sign_input(1, json!([]));
                i["signing_key"]["seed"] = json!("00");
                i
            },
            Failure("key.invalid"),
        ),
        (
            Op::SignRevocations,
            sign_input(1, json!([{ "jti": "", "revoked_at": NOW }])),
            Failure("input.invalid"),
        ),
        (
            Op::SignRevocations,
            sign_input(
                1,
                json!([{ "client_id": "cid_1", "not_before": NOW, "jti": "j" }]),
            ),
            Failure("input.invalid"),
        ),
        (Op::LoadRevocations, load(&revoking, jwks()), Result),
        (
            Op::LoadRevocations,
            {
                let mut i = load(&revoking, jwks());
                i["held_epoch"] = json!(1);
                i
            },
            Result,
        ),
        (
            Op::LoadRevocations,
            {
                let mut i = load(&revoking, jwks());
                i["held_epoch"] = json!(2);
                i
            },
            Failure("revocations.stale"),
        ),
        (
            Op::LoadRevocations,
            load(&forged, jwks()),
            Failure("revocations.invalid"),
        ),
        (
            Op::LoadRevocations,
            load(&token, jwks()),
            Failure("revocations.invalid"),
        ),
        (
            Op::LoadRevocations,
            {
                let mut i = load(&revoking, jwks());
                i["issuer"] = json!("https://other.test");
                i
            },
            Failure("revocations.invalid"),
        ),
        (
            Op::LoadRevocations,
            load(&revoking, json!({ "keys": 1 })),
            Failure("jwks.invalid"),
        ),
        (
            Op::LoadRevocations,
            {
                let mut i = load(&revoking, jwks());
                i["held_epoch"] = json!(-1);
                i
            },
            Failure("input.invalid"),
        ),
    ]
}

#[test]
fn revocation_lists_have_the_documented_shapes() {
    let entries = json!([
        { "client_id": "cid_old", "not_before": NOW - 3600 },
        { "client_id": "cid_1", "not_before": NOW },
        { "jti": "jti-1", "revoked_at": NOW - 10 },
    ]);
    let Outcome::Result(signed) = facade::call("sign_revocations", sign_input(3, entries)) else {
        panic!("sign_revocations")
    };
    let kept = json!([
        { "client_id": "cid_1", "not_before": NOW },
        { "jti": "jti-1", "revoked_at": NOW - 10 },
    ]);
    let text = signed["revocations"].as_str().unwrap();
    assert_eq!(
        signed,
        json!({ "ok": true, "revocations": text, "entries": kept, "epoch": 3 })
    );
    let Outcome::Result(loaded) = facade::call("load_revocations", load(text, jwks())) else {
        panic!("load_revocations")
    };
    assert_eq!(
        loaded,
        json!({ "ok": true, "epoch": 3, "issued_at": NOW, "entries": kept })
    );
    // On the edge path a revoked token is a 401 `token.revoked` answer.
    let input = with_revocations(
        check(
            &token(),
            jwks(),
            json!({ "type": "balances", "action": "read", "vault": "vlt_1" }),
        ),
        text,
    );
    let Outcome::Answer(checked) = facade::call("check", input) else {
        panic!("check")
    };
    assert_eq!(
        (&checked["reason"], &checked["status"], &checked["allowed"]),
        (&json!("token.revoked"), &json!(401), &json!(false))
    );
}

#[test]
fn every_operation_returns_answers_and_raises_failures_as_documented() {
    let table = table();
    for op in Operation::ALL {
        assert!(
            table
                .iter()
                .any(|(o, _, e)| o == op && *e != Expect::Answer && *e != Expect::Result)
                && table
                    .iter()
                    .any(|(o, _, e)| o == op && !matches!(e, Expect::Failure(_))),
            "{op}: the table needs a success and a failure"
        );
    }
    for (op, input, expect) in table {
        let (got, output) = outcome_of(op, input.clone());
        assert_eq!(got, expect, "{op} {input} -> {output}");
    }
}

#[test]
fn the_wire_carries_the_outcome_and_rejects_duplicate_members() {
    let text = facade::call_json("parse_permission", r#"{"text":"vault:read:org"}"#);
    let out: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(out["outcome"], "result");
    // Before the typed façade, `call_json` let the last of two members win.
    let text = facade::call_json(
        "parse_permission",
        r#"{"text":"vault:read:org","text":"vault:delete:org"}"#,
    );
    let out: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (&out["outcome"], &out["error"]),
        (&json!("failure"), &json!("input.invalid"))
    );
    let nested = format!(r#"{{"spec":{}{}}}"#, "[".repeat(200), "]".repeat(200));
    let out: Value = serde_json::from_str(&facade::call_json("validate_spec", &nested)).unwrap();
    assert_eq!(out["error"], "input.invalid");
}

#[test]
fn input_errors_speak_in_the_users_terms() {
    let rust_words = [
        "struct", "i64", "u64", "usize", "Vec", "Option", "enum ", "variant", "sequence", "Input",
    ];
    let shapes = [
        json!([]),
        json!({}),
        json!(5),
        json!({ "now": "x", "token": 1, "permissions": {}, "allowlist": 3, "headers": 5, "leeway": -1, "spec": {}, "request": {} }),
    ];
    for op in Operation::ALL {
        for shape in &shapes {
            if let (Expect::Failure("input.invalid"), out) = outcome_of(*op, shape.clone()) {
                let message = out["message"].as_str().unwrap_or_default();
                for word in rust_words {
                    assert!(!message.contains(word), "{op} {shape}: {message}");
                }
            }
        }
    }
}
