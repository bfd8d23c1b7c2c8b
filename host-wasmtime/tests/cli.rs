//! The `credgate` binary end to end: every command, its exit status and its SPEC codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// A compiled-module cache for the tests, inside the target directory.
fn test_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("credgate-cli-cache")
}

fn credgate_with_cache(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credgate"))
        .args(args)
        .env("CREDGATE_CACHE_DIR", cache)
        .env_remove("CREDGATE_CLIENT_SECRET")
        .output()
        .expect("run credgate")
}

fn credgate(args: &[&str]) -> Output {
    credgate_with_cache(&test_cache(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("credgate-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn help_everywhere() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["keygen", "--help"],
        vec!["jwks", "--help"],
        vec!["token", "--help"],
        vec!["token", "issue", "--help"],
        vec!["token", "verify", "--help"],
        vec!["check", "--help"],
        vec!["validate", "--help"],
        vec!["credential", "create", "--help"],
        vec!["credential", "rotate", "--help"],
        vec!["credential", "disable", "--help"],
        vec!["credential", "enable", "--help"],
        vec!["credential", "delete", "--help"],
        vec!["token", "inspect", "--help"],
        vec!["preview", "--help"],
        vec!["completions", "--help"],
        vec!["explain", "--help"],
        vec!["revocations", "sign", "--help"],
        vec!["revocations", "verify", "--help"],
        vec!["diff", "--help"],
        vec!["suggest", "--help"],
        vec!["conformance", "--help"],
        vec!["call", "--help"],
    ] {
        let o = credgate(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
    let o = credgate(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn demo_tells_the_story_deterministically() {
    let a = credgate(&["demo"]);
    assert!(a.status.success(), "{}", stderr(&a));
    let text = stdout(&a);
    for needle in [
        "create credential",
        "wallets",
        "transactions",
        "controls",
        "monitoring",
        "allow",
        "deny.ip_not_allowed",
        "deny.no_matching_permission",
        "deny.org_mismatch",
        "client.bad_secret",
        "client.ip_not_allowed",
        "client.disabled",
        "token.expired",
        "client.deleted",
        "lint.",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    let b = credgate(&["demo"]);
    assert_eq!(text, stdout(&b), "the demo is deterministic");

    let j = credgate(&["demo", "--json"]);
    assert!(j.status.success());
    let doc = json_out(&j);
    let steps = doc["steps"].as_array().unwrap();
    assert!(steps.len() >= 15);
    assert_eq!(doc["host"]["runtime"], "wasmtime");
    // The old token is still accepted after disable, then expires.
    let disable = steps
        .iter()
        .position(|s| s["action"] == "disable treasury-bot")
        .unwrap();
    assert_eq!(steps[disable + 1]["reason"], "allow");
    assert_eq!(steps[disable + 2]["reason"], "client.disabled");
    assert_eq!(steps[disable + 3]["reason"], "token.expired");
    assert_eq!(stdout(&j), stdout(&credgate(&["demo", "--json"])));
}

#[test]
fn keygen_jwks_credential_token_check_round_trip() {
    let dir = TempDir::new("flow");
    let o = credgate(&["keygen", "--kid", "test-1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let key = json_out(&o);
    assert_eq!(key["kid"], "test-1");
    assert_eq!(key["seed"].as_str().unwrap().len(), 64);
    let key_file = dir.write("key.json", &key.to_string());

    let o = credgate(&["jwks", &key_file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let jwks = json_out(&o);
    assert_eq!(jwks["keys"][0]["kid"], "test-1");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    let jwks_file = dir.write("jwks.json", &jwks.to_string());

    let spec = json!({"name": "CLI test bot", "permission_set_type": "wallets",
        "permissions": ["balances:read:vault:vlt_1"], "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox"});
    let spec_file = dir.write("spec.json", &spec.to_string());
    let o = credgate(&[
        "credential",
        "create",
        &spec_file,
        "--org",
        "org_1",
        "--now",
        "1700000000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let created = json_out(&o);
    let secret = created["client_secret"].as_str().unwrap().to_string();
    let cred_file = dir.write("cred.json", &created["credential"].to_string());

    let issue = |ip: &str, secret: &str| {
        credgate(&[
            "token",
            "issue",
            "--credential",
            &cred_file,
            "--secret",
            secret,
            "--key",
            &key_file,
            "--ip",
            ip,
            "--now",
            "1700000000",
            "--jti",
            "jti-cli",
        ])
    };
    let o = issue("203.0.113.5", &secret);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = json_out(&o)["response"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let o = issue("198.51.100.1", &secret);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("client.ip_not_allowed"),
        "{}",
        stderr(&o)
    );
    let o = issue("203.0.113.5", "cgs_wrong");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_out(&o)["reason"], "client.bad_secret");

    let o = credgate(&[
        "token",
        "verify",
        &token,
        "--jwks",
        &jwks_file,
        "--now",
        "1700000100",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json_out(&o)["jti"], "jti-cli");
    let o = credgate(&[
        "token",
        "verify",
        &token,
        "--jwks",
        &jwks_file,
        "--now",
        "1700003600",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: token.expired: "),
        "{}",
        stderr(&o)
    );
    let o = credgate(&[
        "token",
        "verify",
        &token,
        "--jwks",
        &jwks_file,
        "--now",
        "1700000100",
        "--audience",
        "other",
    ]);
    assert!(
        stderr(&o).contains("token.wrong_audience"),
        "{}",
        stderr(&o)
    );

    let check = |ip: &str, vault: &str, token: &str| {
        credgate(&[
            "check",
            "--token",
            token,
            "--jwks",
            &jwks_file,
            "--ip",
            ip,
            "--type",
            "balances",
            "--action",
            "read",
            "--vault",
            vault,
            "--now",
            "1700000100",
        ])
    };
    let o = check("203.0.113.5", "vlt_1", &token);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json_out(&o)["matched"], "balances:read:vault:vlt_1");
    let o = check("203.0.113.5", "vlt_2", &format!("Bearer {token}"));
    assert_eq!(o.status.code(), Some(1));
    let out = json_out(&o);
    assert_eq!(
        (out["status"].as_u64(), out["reason"].as_str()),
        (Some(403), Some("deny.no_matching_permission"))
    );
    let o = check("192.0.2.1", "vlt_1", &token);
    assert_eq!(json_out(&o)["reason"], "deny.ip_not_allowed");
    let o = check("203.0.113.5", "vlt_1", "Bearer a b");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bearer.malformed"), "{}", stderr(&o));
    assert_eq!(json_out(&o)["status"], 400);
    let o = check("203.0.113.5", "vlt_1", "Basic abc");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bearer.missing"), "{}", stderr(&o));
}

#[test]
fn lifecycle_commands_explain_diff_suggest_rotate() {
    let dir = TempDir::new("lifecycle");
    let spec = json!({"name": "CLI lifecycle bot", "permission_set_type": "wallets",
        "permissions": ["balances:read:org", "vault:read:org"], "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox"});
    let spec_file = dir.write("spec.json", &spec.to_string());

    let o = credgate(&[
        "explain", &spec_file, "--type", "balances", "--action", "read", "--vault", "vlt_1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = json_out(&o);
    assert_eq!(out["narrowest"], "balances:read:vault:vlt_1");
    assert_eq!(out["wider_than_needed"], true);
    assert!(
        stderr(&o).contains("`balances:read:vault:vlt_1` is enough"),
        "{}",
        stderr(&o)
    );
    let o = credgate(&[
        "explain", &spec_file, "--type", "key", "--action", "delete", "--vault", "v", "--key", "k",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`key:delete:key:k` would allow it"),
        "{}",
        stderr(&o)
    );

    let mut narrower = spec.clone();
    narrower["permissions"] = json!(["balances:read:vault:vlt_1"]);
    let narrower_file = dir.write("narrower.json", &narrower.to_string());
    let o = credgate(&["diff", &spec_file, &narrower_file]);
    assert!(
        o.status.success(),
        "a narrowing grants nothing new: {}",
        stderr(&o)
    );
    assert_eq!(json_out(&o)["grants_new_access"], false);
    let o = credgate(&["diff", &narrower_file, &spec_file]);
    assert_eq!(o.status.code(), Some(1), "a widening exits 1");
    assert!(
        stderr(&o).contains("diff.permission_not_covered"),
        "{}",
        stderr(&o)
    );
    let bad_file = dir.write("bad.json", r#"{"name": "x"}"#);
    let o = credgate(&["diff", &spec_file, &bad_file]);
    assert_eq!(o.status.code(), Some(2), "an invalid spec given as input");
    assert!(stderr(&o).contains("after.name"), "{}", stderr(&o));

    let usage = json!([{"request": {"type": "balances", "action": "read", "vault": "vlt_1"}, "last_at": 1_700_000_000}]);
    let usage_file = dir.write("usage.json", &usage.to_string());
    let o = credgate(&["suggest", &spec_file, "--usage", &usage_file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = json_out(&o);
    assert_eq!(
        out["spec"]["permissions"],
        json!(["balances:read:vault:vlt_1"])
    );
    assert_eq!(out["diff"]["grants_new_access"], false);
    let o = credgate(&["suggest", &spec_file, "--usage", &spec_file]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "usage that is not a list: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("input.invalid"), "{}", stderr(&o));

    let o = credgate(&[
        "credential",
        "create",
        &spec_file,
        "--org",
        "org_1",
        "--now",
        "1700000000",
        "--expires-at",
        "1800000000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let created = json_out(&o);
    assert_eq!(created["credential"]["expires_at"], 1_800_000_000);
    let cred_file = dir.write("cred.json", &created["credential"].to_string());
    let o = credgate(&[
        "credential",
        "rotate",
        "--credential",
        &cred_file,
        "--grace",
        "600",
        "--now",
        "1700000100",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rotated = json_out(&o);
    assert_eq!(
        rotated["credential"]["secrets"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        rotated["credential"]["secrets"][0]["expires_at"],
        1_700_000_700
    );
    assert_ne!(rotated["client_secret"], created["client_secret"]);
    let twice = dir.write("twice.json", &rotated["credential"].to_string());
    let o = credgate(&[
        "credential",
        "rotate",
        "--credential",
        &twice,
        "--grace",
        "600",
        "--now",
        "1700000200",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("credential.secret_limit"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn revocation_lists_sign_verify_and_refuse_in_check() {
    let dir = TempDir::new("revocations");
    let key = json!({"kid": "rev-1", "seed": "42".repeat(32)});
    let key_file = dir.write("key.json", &key.to_string());
    let jwks_file = dir.write("jwks.json", &stdout(&credgate(&["jwks", &key_file])));
    let spec = json!({"name": "CLI revocation bot", "permission_set_type": "wallets",
        "permissions": ["balances:read:vault:vlt_1"], "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox"});
    let spec_file = dir.write("spec.json", &spec.to_string());
    let created = json_out(&credgate(&[
        "credential",
        "create",
        &spec_file,
        "--org",
        "org_1",
        "--now",
        "1700000000",
    ]));
    let cred_file = dir.write("cred.json", &created["credential"].to_string());
    let secret = created["client_secret"].as_str().unwrap();
    let o = credgate(&[
        "token",
        "issue",
        "--credential",
        &cred_file,
        "--secret",
        secret,
        "--key",
        &key_file,
        "--ip",
        "203.0.113.7",
        "--now",
        "1700000100",
        "--jti",
        "j-1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = json_out(&o)["response"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    let entries =
        json!([{"client_id": created["credential"]["client_id"], "not_before": 1_700_000_200}]);
    let entries_file = dir.write("entries.json", &entries.to_string());
    let o = credgate(&[
        "revocations",
        "sign",
        "--key",
        &key_file,
        "--epoch",
        "3",
        "--entries",
        &entries_file,
        "--now",
        "1700000200",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list_file = dir.write("list.jws", &stdout(&o));
    let list = stdout(&o).trim().to_string();
    let o = credgate(&["revocations", "verify", &list, "--jwks", &jwks_file]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json_out(&o)["epoch"], 3);
    let o = credgate(&[
        "revocations",
        "verify",
        &list,
        "--jwks",
        &jwks_file,
        "--held-epoch",
        "4",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("revocations.stale"), "{}", stderr(&o));
    let bad_file = dir.write("bad.json", r#"[{"client_id": "c"}]"#);
    let o = credgate(&[
        "revocations",
        "sign",
        "--key",
        &key_file,
        "--epoch",
        "3",
        "--entries",
        &bad_file,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("input.invalid"), "{}", stderr(&o));

    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--token",
            &token,
            "--jwks",
            &jwks_file,
            "--ip",
            "203.0.113.7",
            "--type",
            "balances",
            "--action",
            "read",
            "--vault",
            "vlt_1",
            "--now",
            "1700000300",
        ];
        args.extend_from_slice(extra);
        credgate(&args)
    };
    assert!(check(&[]).status.success(), "without a list: SPEC §5");
    let o = check(&["--revocations", &list_file]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_out(&o)["reason"], "token.revoked");
}

#[test]
fn validate_reports_every_problem_with_codes() {
    let dir = TempDir::new("validate");
    let bad = dir.write(
        "bad.json",
        r#"{"name": "x", "permission_set_type": "wallets", "permissions": ["vault:read:key"],
            "ip_allowlist": ["10.0.0.1/24"], "environment": "moon"}"#,
    );
    let o = credgate(&["validate", &bad]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for code in [
        "name.length",
        "permission.scope_not_applicable",
        "ip.host_bits_set",
        "environment.unknown",
    ] {
        assert!(err.contains(code), "{code} missing: {err}");
    }
    let good = dir.write(
        "good.json",
        r#"{"name": "Good bot", "permission_set_type": "monitoring", "permissions": ["audit:read:org"],
            "ip_allowlist": ["0.0.0.0/0"], "environment": "production"}"#,
    );
    let o = credgate(&["validate", &good]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json_out(&o)["ok"], true);
    // Creating from an invalid spec is the engine's `spec.invalid` failure, every problem shown.
    let o = credgate(&["credential", "create", &bad, "--org", "org_1"]);
    assert_eq!(o.status.code(), Some(2), "an invalid spec given as input");
    let err = stderr(&o);
    assert!(
        err.starts_with("error: spec.invalid: 4 problem(s)\n"),
        "{err}"
    );
    assert!(
        err.contains("error: environment: environment.unknown: "),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let o = credgate(&["validate", "/no/such/spec.json"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("cannot read"));
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

#[test]
fn conformance_passes_and_fails_loudly() {
    let o = credgate(&["conformance", vectors().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let last = stdout(&o).lines().last().unwrap_or_default().to_string();
    assert!(
        last.starts_with("wasmtime: ") && last.ends_with(" passed, 0 failed"),
        "{last}"
    );

    let dir = TempDir::new("conf");
    let wrong = dir.write(
        "wrong.json",
        r#"{"suite": "w", "cases": [{"name": "expects the wrong canonical form", "op": "parse_permission",
            "input": {"text": "audit:read:org"}, "expect": {"ok": true, "canonical": "audit:read:vault"}}]}"#,
    );
    let o = credgate(&["conformance", &wrong]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("wrong.json: expects the wrong canonical form: expected"),
        "{out}"
    );
    assert!(out.ends_with("wasmtime: 0 passed, 1 failed\n"), "{out}");

    let unknown = dir.write(
        "unknown.json",
        r#"{"cases": [{"name": "n", "op": "nope", "input": {}, "expect": {}}]}"#,
    );
    assert_eq!(credgate(&["conformance", &unknown]).status.code(), Some(1));
    assert_eq!(
        credgate(&["conformance", "/no/such/vectors"]).status.code(),
        Some(1)
    );
}

#[test]
fn call_and_host_errors() {
    let o = credgate(&["call", "parse_permission", r#"{"text":"audit:read:org"}"#]);
    assert!(o.status.success());
    assert_eq!(json_out(&o)["canonical"], "audit:read:org");
    assert_eq!(json_out(&o)["outcome"], "result");
    let o = credgate(&["call", "parse_permission", r#"{"text":"audit:read"}"#]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an invalid permission given as input"
    );
    assert_eq!(json_out(&o)["error"], "permission.invalid");
    assert_eq!(json_out(&o)["outcome"], "failure");
    // The wire text as is: one line, exactly the native façade's.
    let input = r#"{"authorization":null}"#;
    let o = credgate(&["call", "parse_bearer", input]);
    assert_eq!(o.status.code(), Some(1), "a refusal has ok: false");
    assert_eq!(
        stdout(&o),
        format!(
            "{}\n",
            credgate_core::facade::call_json("parse_bearer", input)
        )
    );
    assert_eq!(json_out(&o)["outcome"], "answer");
    let o = credgate(&["call", "--list"]);
    assert!(stdout(&o).lines().any(|l| l == "check"));

    let dir = TempDir::new("host");
    let junk = dir.write("junk.wasm", "not a module");
    let o = credgate(&["--module", &junk, "call", "check", "{}"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).starts_with("error: host.compile: "),
        "{}",
        stderr(&o)
    );
    // A fuel budget too small for any real work: the sandbox stops the call.
    let o = credgate(&[
        "--fuel",
        "1000",
        "call",
        "parse_permission",
        r#"{"text":"audit:read:org"}"#,
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).starts_with("error: host.out_of_fuel: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_compiled_module_cache_is_used_and_survives_corruption() {
    let dir = TempDir::new("cache");
    let cache = dir.0.join("c");
    let args = ["call", "parse_permission", r#"{"text":"audit:read:org"}"#];
    let first = credgate_with_cache(&cache, &args);
    assert!(first.status.success(), "{}", stderr(&first));
    let files: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|x| x == "cwasm"));
    let good = std::fs::read(&files[0]).unwrap();
    let again = credgate_with_cache(&cache, &args);
    assert_eq!(stdout(&again), stdout(&first));
    // A corrupt cache file is ignored and replaced.
    std::fs::write(&files[0], b"not machine code").unwrap();
    let healed = credgate_with_cache(&cache, &args);
    assert_eq!(stdout(&healed), stdout(&first), "{}", stderr(&healed));
    assert_eq!(std::fs::read(&files[0]).unwrap().len(), good.len());
    // Other limits are other machine code: a second file.
    let other = credgate_with_cache(
        &cache,
        &[
            "--fuel",
            "0",
            "call",
            "parse_permission",
            r#"{"text":"audit:read:org"}"#,
        ],
    );
    assert!(other.status.success());
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 2);
    // Off means off.
    let off = dir.0.join("off");
    assert!(credgate_with_cache(
        &off,
        &[
            "--no-cache",
            "call",
            "parse_permission",
            r#"{"text":"audit:read:org"}"#
        ]
    )
    .status
    .success());
    assert!(!off.exists());
}
