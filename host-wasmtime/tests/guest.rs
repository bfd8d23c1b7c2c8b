//! The real guest module (`credgate_abi.wasm`, embedded at build time) through the host:
//! it imports nothing, speaks ABI version 1, answers byte for byte like the native engine,
//! reuses its instance, and is stopped by the limits.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::path::PathBuf;

use credgate_wasmtime::*;
use serde_json::{json, Value};

fn module(limits: Limits) -> CredgateModule {
    if limits == Limits::default() {
        // Compile the default module once per test binary.
        static DEFAULT: std::sync::OnceLock<CredgateModule> = std::sync::OnceLock::new();
        return DEFAULT
            .get_or_init(|| {
                CredgateModule::embedded(Limits::default())
                    .expect("build the guest first: make build-wasmtime")
            })
            .clone();
    }
    CredgateModule::embedded(limits).expect("build the guest first: make build-wasmtime")
}

/// A `parse_permission` input in the text form.
fn text(permission: &str) -> ParsePermissionInput {
    ParsePermissionInput {
        text: Some(permission.into()),
        ..Default::default()
    }
}

fn shared_vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn project_vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

#[test]
fn the_module_imports_nothing_and_exports_the_abi() {
    let m = module(Limits::default());
    assert_eq!(m.import_count(), 0);
    let exports = m.export_names();
    for name in [
        "memory",
        "credgate_abi_version",
        "credgate_alloc",
        "credgate_free",
        "credgate_call",
    ] {
        assert!(
            exports.iter().any(|e| e == name),
            "missing {name}: {exports:?}"
        );
    }
    // Also checked independently of our loader, on the raw bytes.
    let wasm = embedded_wasm().unwrap();
    let mut config = wasmtime::Config::new();
    config.wasm_wide_arithmetic(true); // the embedded build uses the wide-arithmetic proposal
    let engine = wasmtime::Engine::new(&config).unwrap();
    let raw = wasmtime::Module::new(&engine, wasm).unwrap();
    assert_eq!(raw.imports().len(), 0);
}

/// Every case input of every vector file, answered by the guest and by the native façade:
/// the bytes must be identical.
#[test]
fn answers_equal_the_native_engine_byte_for_byte() {
    let mut host = module(Limits::default()).host();
    let files = conformance::collect_files(&[shared_vectors(), project_vectors()]).unwrap();
    let mut n = 0;
    for file in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let op = case["op"].as_str().unwrap();
            let input = case["input"].to_string();
            let native = credgate_core::facade::call_json(op, &input);
            let guest = host.call_json(op, &input).unwrap();
            assert_eq!(guest, native, "{}: {}", file.display(), case["name"]);
            n += 1;
        }
    }
    assert!(n >= 38, "only {n} cases");
    assert_eq!(
        host.stats().instantiations,
        1,
        "one instance served every call"
    );
}

/// Every case through the typed API (input type in, answer type out, encoded again) gives
/// exactly the native façade's answer: the core's types carry every member, on every path.
#[test]
fn typed_outcomes_re_encode_to_the_native_answer() {
    let mut host = module(Limits::default()).host();
    let files = conformance::collect_files(&[shared_vectors(), project_vectors()]).unwrap();
    let mut n = 0;
    for file in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let Some(op) = Operation::from_name(case["op"].as_str().unwrap()) else {
                continue;
            };
            let native: Value = serde_json::from_str(&credgate_core::facade::call_json(
                op.as_str(),
                &case["input"].to_string(),
            ))
            .unwrap();
            let typed = conformance::call(&mut host, op, &case["input"]).unwrap();
            assert_eq!(typed, native, "{}: {}", file.display(), case["name"]);
            n += 1;
        }
    }
    assert!(n >= 900, "only {n} cases");
}

#[test]
fn the_shared_vectors_pass() {
    let mut host = module(Limits::default()).host();
    let summary = conformance::run(&mut host, &[shared_vectors(), project_vectors()]);
    assert_eq!(summary.failed, 0, "{:#?}", summary.failures);
    assert!(summary.passed >= 38);
    // An unknown op and an unreadable path fail the run.
    let dir = std::env::temp_dir().join(format!("credgate-wasmtime-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("unknown.json");
    std::fs::write(
        &file,
        r#"{"suite":"x","cases":[{"name":"n","op":"frobnicate","input":{},"expect":{}}]}"#,
    )
    .unwrap();
    let summary = conformance::run(&mut host, &[file.clone(), dir.join("missing.json")]);
    assert_eq!(summary.failed, 1, "{:?}", summary.failures);
    let summary = conformance::run(&mut host, &[file]);
    assert_eq!((summary.passed, summary.failed), (0, 1));
    assert!(
        summary.failures[0].contains("unknown op `frobnicate`"),
        "{:?}",
        summary.failures
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_an_answer_not_a_crash() {
    let mut host = module(Limits::default()).host();
    for (op, input, code) in [
        ("nope", "{}", "op.unknown"),
        ("check", "not json", "input.invalid"),
        ("check", "{}", "input.invalid"),
        ("verify_token", "[1,2,3]", "input.invalid"),
        ("parse_permission", "{\"text\": 5}", "input.invalid"),
    ] {
        let out: Value = serde_json::from_str(&host.call_json(op, input).unwrap()).unwrap();
        assert_eq!(out["ok"], false, "{op} {input}");
        assert_eq!(out["error"], code, "{op} {input}");
    }
    let deep = "[".repeat(100_000);
    let out: Value = serde_json::from_str(&host.call_json("check", &deep).unwrap()).unwrap();
    assert_eq!(out["error"], "input.invalid");
    let err = host
        .parse_permission(&text("balances:read:galaxy"))
        .unwrap_err();
    assert_eq!(err.code(), "permission.unknown_scope");
    let failure = err.failure().unwrap();
    assert_eq!(failure.code, Code::PermissionUnknownScope);
    assert!(!failure.ok);
    assert_eq!(host.stats().stops, 0);
    assert_eq!(host.stats().instantiations, 1);
}

#[test]
fn a_small_fuel_budget_stops_a_real_call_and_the_next_call_works() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(shared_vectors().join("check.json")).unwrap(),
    )
    .unwrap();
    let input = doc["cases"][0]["input"].to_string();
    // Measure what a check costs and what a cheap call costs, then set the budget between.
    let mut probe = module(Limits::default()).host();
    probe.call_json("check", &input).unwrap();
    let check_fuel = probe.stats().last_fuel;
    probe
        .call_json("set_type_defaults", "{\"set_type\":\"x\"}")
        .unwrap();
    let cheap_fuel = probe.stats().last_fuel;
    assert!(
        cheap_fuel * 4 < check_fuel,
        "cheap {cheap_fuel}, check {check_fuel}"
    );
    let limits = Limits {
        fuel_per_call: Some(check_fuel / 2),
        ..Limits::default()
    };
    let mut host = module(limits).host();
    let err = host.call_json("check", &input).unwrap_err();
    assert_eq!(err.code(), "host.out_of_fuel");
    // A cheap call fits the same budget, on a fresh instance.
    assert_eq!(
        host.call_json("set_type_defaults", "{\"set_type\":\"x\"}")
            .map(|s| s.contains("set_type.unknown")),
        Ok(true)
    );
    assert_eq!(host.stats().instantiations, 2);
}

#[test]
fn a_large_input_grows_memory_then_the_instance_is_recycled() {
    let limits = Limits {
        max_input_bytes: 8 << 20,
        recycle_memory_bytes: 4 << 20,
        fuel_per_call: Some(10_000_000_000),
        ..Limits::default()
    };
    let mut host = module(limits).host();
    let big = format!("{{\"text\":\"{}\"}}", "a".repeat(6 << 20));
    let err = host
        .parse_permission(&text(&"a".repeat(6 << 20)))
        .unwrap_err();
    assert_eq!(err.code(), "permission.invalid", "{err}");
    assert!(big.len() > 6 << 20);
    assert_eq!(host.memory_size(), 0, "recycled after growing past 4 MiB");
    host.parse_permission(&text("audit:read:org")).unwrap();
    assert!(host.memory_size() < 4 << 20);
}

#[test]
fn memory_cap_stops_a_huge_input() {
    let limits = Limits {
        memory_bytes: 4 << 20,
        max_input_bytes: 16 << 20,
        fuel_per_call: Some(10_000_000_000),
        ..Limits::default()
    };
    let mut host = module(limits).host();
    let err = host
        .parse_permission(&text(&"b".repeat(8 << 20)))
        .unwrap_err();
    assert_eq!(err, HostError::MemoryLimit { limit: 4 << 20 });
    host.parse_permission(&text("audit:read:org")).unwrap();
}

#[test]
fn precompiled_module_round_trips() {
    let m = module(Limits::default());
    let bytes = m.precompile().unwrap();
    #[expect(unsafe_code, reason = "the artifact was made just above by precompile")]
    // SAFETY: `bytes` come from `precompile` of the embedded module, unmodified.
    let m2 = unsafe { CredgateModule::from_precompiled(&bytes, Limits::default()) }.unwrap();
    let mut host = m2.host();
    let controls = SetTypeInput {
        set_type: "controls".into(),
    };
    assert_eq!(
        host.set_type_defaults(&controls).unwrap().permissions.len(),
        8
    );
    // Different limits mean different machine code: wasmtime refuses the mismatch.
    let other = Limits {
        fuel_per_call: None,
        ..Limits::default()
    };
    #[expect(unsafe_code, reason = "same trusted artifact")]
    // SAFETY: as above.
    let err = unsafe { CredgateModule::from_precompiled(&bytes, other) }.unwrap_err();
    assert_eq!(err.code(), "host.compile");
}

/// The whole credential story through the typed calls, in the core's own types.
#[test]
fn typed_calls_tell_the_credential_story() {
    let mut host = module(Limits::default()).host();
    let key = SigningKeyInput {
        kid: "k1".into(),
        seed: "11".repeat(32),
    };
    let jwks = host
        .public_jwks(&PublicJwksInput {
            signing_keys: vec![key.clone()],
        })
        .unwrap()
        .jwks;
    assert_eq!(jwks.keys.len(), 1);
    let jwks = serde_json::to_value(&jwks).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "k1");

    let spec = json!({"name": "Treasury bot", "permission_set_type": "wallets",
        "permissions": ["balances:read:vault:vlt_1", "key:read:org"],
        "ip_allowlist": ["203.0.113.0/24"], "environment": "sandbox"});
    let created = host
        .create_credential(&CreateCredentialInput {
            spec,
            org: "org_1".into(),
            now: UnixSeconds(1_700_000_000),
            entropy: "ab".repeat(48),
            expires_at: None,
        })
        .unwrap();
    let record = serde_json::to_value(&created.credential).unwrap();
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        created.credential.client_id, created.client_secret
    );
    let request = TokenRequestInput {
        method: "POST".into(),
        headers: Headers::Pairs(vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )]),
        body,
    };
    let TokenRequestAnswer::Parsed(parsed) = host.parse_token_request(&request).unwrap() else {
        panic!("refused")
    };
    assert_eq!(parsed.client_id, created.credential.client_id);

    let issue = IssueTokenInput {
        credential: Some(record.clone()),
        client_id: Some(parsed.client_id),
        client_secret: parsed.client_secret,
        client_ip: "203.0.113.7".into(),
        now: UnixSeconds(1_700_000_100),
        signing_key: key,
        jti: "jti-1".into(),
        issuer: "https://auth.example.test".into(),
        audience: "https://api.example.test".into(),
        scope: None,
        auth_method: Some(parsed.auth_method),
    };
    let IssueAnswer::Issued(issued) = host.issue_token(&issue).unwrap() else {
        panic!("refused")
    };
    assert_eq!(issued.response.expires_in, 3600);

    let verifier = VerifierInput {
        jwks,
        issuer: issue.issuer.clone(),
        audience: issue.audience.clone(),
        leeway: Seconds(0),
        revoked_jtis: vec![],
        revocations: None,
        ..Default::default()
    };
    let verified = host
        .verify_token(&VerifyTokenInput {
            token: issued.token.clone(),
            now: UnixSeconds(1_700_000_200),
            verifier: verifier.clone(),
        })
        .unwrap();
    assert_eq!(verified.claims.client_id, created.credential.client_id);

    let check = CheckInput {
        request: CheckRequest {
            token: None,
            authorization: Some(format!("Bearer {}", issued.token)),
            now: UnixSeconds(1_700_000_200),
            client_ip: "203.0.113.9".into(),
            request: json!({"type": "balances", "action": "read", "vault": "vlt_1"}),
        },
        verifier,
    };
    let checked = host.check(&check).unwrap();
    assert!(checked.outcome.allowed());
    assert_eq!(checked.outcome.status, 200);
    assert_eq!(
        checked.outcome.decision.matched.as_deref(),
        Some("balances:read:vault:vlt_1")
    );
    assert!(checked.audit.is_some());

    let disabled = host
        .update_credential(&UpdateCredentialInput {
            credential: record,
            action: CredentialAction::Disable,
            now: UnixSeconds(1_700_000_300),
            spec: None,
            expires_at: None,
            secret: None,
        })
        .unwrap()
        .credential;
    assert_eq!(disabled.status, credgate_core::Status::Disabled);
    let IssueAnswer::Refused(refused) = host
        .issue_token(&IssueTokenInput {
            credential: Some(serde_json::to_value(&disabled).unwrap()),
            ..issue
        })
        .unwrap()
    else {
        panic!("issued to a disabled credential")
    };
    assert_eq!(refused.reason, Code::ClientDisabled);
    assert_eq!(refused.status, 401);
    assert_eq!(host.stats().instantiations, 1);
}

/// The portable build (no wide-arithmetic) is the artifact for other runtimes: it loads in
/// a wasmtime engine with default settings and gives the same answers. The embedded build
/// needs the wide-arithmetic proposal, which the host enables.
#[test]
fn the_portable_module_loads_anywhere_and_answers_the_same() {
    let path = option_env!("CREDGATE_ABI_WASM_PORTABLE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/wasm32-unknown-unknown/wasm-abi/credgate_abi.wasm")
        },
        PathBuf::from,
    );
    let portable = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `make build-wasmtime`", path.display()));
    let mut plain = wasmtime::Config::new();
    plain.wasm_wide_arithmetic(false);
    let engine = wasmtime::Engine::new(&plain).unwrap();
    let raw = wasmtime::Module::new(&engine, &portable).unwrap();
    assert_eq!(raw.imports().len(), 0);

    let mut a = CredgateModule::from_bytes(&portable, Limits::default())
        .unwrap()
        .host();
    let mut b = module(Limits::default()).host();
    let summary = conformance::run(&mut a, &[shared_vectors(), project_vectors()]);
    assert_eq!(summary.failed, 0, "{:#?}", summary.failures);
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(shared_vectors().join("check.json")).unwrap(),
    )
    .unwrap();
    for case in doc["cases"].as_array().unwrap() {
        let input = case["input"].to_string();
        assert_eq!(
            a.call_json("check", &input).unwrap(),
            b.call_json("check", &input).unwrap()
        );
    }
}

/// Inputs at the default 1 MiB cap are answered within the default fuel, deadline and
/// memory limits: the limits stop runaway guests, not large honest inputs.
#[test]
fn maximum_size_inputs_fit_the_default_limits() {
    let mut host = module(Limits::default()).host();
    let big = "a".repeat((1 << 20) - 300);
    let half = "b".repeat((1 << 19) - 300);
    let many: Vec<String> = (0..20_000)
        .map(|i| format!("key:read:vault:v{i}"))
        .collect();
    let many_json = serde_json::to_string(&many).unwrap();
    let cases = [
        ("parse_permission", json!({ "text": big }).to_string()),
        (
            "validate_spec",
            json!({ "spec": { "name": half, "permissions": [half] } }).to_string(),
        ),
        (
            "verify_token",
            json!({ "token": big, "jwks": {"keys": []}, "now": 0, "issuer": "i", "audience": "a" })
                .to_string(),
        ),
        (
            "parse_token_request",
            json!({ "method": "POST", "headers": {}, "body": big }).to_string(),
        ),
        (
            "parse_bearer",
            json!({ "authorization": format!("Bearer {big}") }).to_string(),
        ),
        (
            "authorize",
            format!(
                r#"{{"permissions":{many_json},"request":{{"type":"key","action":"read","vault":"v41999"}}}}"#
            ),
        ),
        ("preview", format!(r#"{{"permissions":{many_json}}}"#)),
    ];
    for (op, input) in &cases {
        assert!(input.len() <= 1 << 20, "{op}: {}", input.len());
        let out = host.call_json(op, input);
        assert!(out.is_ok(), "{op}: {out:?}");
        // (42 000 permissions cost about 250 M fuel: linear, about 6 000 per permission.)
        assert!(host.stats().last_fuel > 0, "{op}");
    }
    assert_eq!(host.stats().stops, 0);
}
