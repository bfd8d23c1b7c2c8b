//! `facade::call_text` (typed input read straight from JSON text, after a strictness check
//! that builds nothing) gives the outcome `facade::call` gives for the same input as a JSON
//! value: on every vector input, and on the strictness boundaries of SPEC §9 (duplicate
//! member names at any depth, escaped or not; 128 levels accepted, 129 refused).

#![allow(missing_docs, reason = "an integration test")]
#![allow(
    clippy::useless_format,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use credgate_core::facade::{self, Outcome};
use credgate_core::Code;
use serde_json::{json, Value};

fn vector_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut pending = vec![
        root.join("tests/vectors"),
        root.join("../shared/conformance"),
    ];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn code(outcome: &Outcome<Value>) -> Option<Code> {
    match outcome {
        Outcome::Failure(failure) => Some(failure.code),
        _ => None,
    }
}

#[test]
fn call_text_and_call_agree_on_every_vector_input() {
    let mut cases = 0;
    for file in vector_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(list) = doc.get("cases").and_then(Value::as_array) else {
            continue;
        };
        for case in list {
            let (Some(op), Some(input)) =
                (case.get("op").and_then(Value::as_str), case.get("input"))
            else {
                continue;
            };
            let bytes = serde_json::to_vec(input).unwrap();
            let by_value = facade::call(op, input.clone());
            let by_text = facade::call_text(op, &bytes);
            assert_eq!(
                by_text,
                by_value,
                "{}: {}",
                file.display(),
                case.get("name").unwrap_or(&Value::Null)
            );
            // The wire entry reads text the same way.
            let wire: Value =
                serde_json::from_str(&facade::call_json_bytes(op.as_bytes(), &bytes)).unwrap();
            assert_eq!(
                wire,
                serde_json::to_value(&by_value).unwrap(),
                "{}",
                file.display()
            );
            cases += 1;
        }
    }
    assert!(cases > 500, "only {cases} vector cases found");
}

#[test]
fn permission_lists_fail_at_the_same_entry_either_way() {
    let inputs = [
        json!({"permissions": ["balances:read:org", {"type": "balances", "action": "read", "scope": "vault", "resource": "v1"}], "request": {"type": "balances", "action": "read", "vault": "v1"}}),
        json!({"permissions": ["balances:read:org", 7, "nope"], "request": {"type": "balances", "action": "read"}}),
        json!({"permissions": ["balances:read:org", {"type": "balances", "action": "read", "scope": "org", "x": 1}], "request": {"type": "balances", "action": "read"}}),
        json!({"permissions": [[["deep"]], null, true, 1.5], "request": {"type": "balances", "action": "read"}}),
        json!({"permissions": {"a": 1}, "request": {"type": "balances", "action": "read"}}),
        json!({"permissions": [], "request": 5}),
        json!({"request": {"type": "balances", "action": "read"}}),
        json!(["balances:read:org"]),
        json!({"permissions": ["balances:read:org"], "request": {"type": "balances", "action": "read"}, "org": 5}),
    ];
    for input in inputs {
        for op in ["authorize", "preview"] {
            let text = serde_json::to_vec(&input).unwrap();
            assert_eq!(
                facade::call_text(op, &text),
                facade::call(op, input.clone()),
                "{op} {input}"
            );
        }
    }
}

#[test]
fn duplicate_members_are_refused_at_any_depth() {
    let request = r#"{"type":"balances","action":"read"}"#;
    for text in [
        format!(r#"{{"permissions":[],"permissions":[],"request":{request}}}"#),
        format!(r#"{{"permissions":[],"request":{request},"x":1,"x":2}}"#),
        format!(r#"{{"permissions":[],"request":{request},"\u0061":1,"a":2}}"#),
        format!(
            r#"{{"permissions":[],"request":{{"type":"balances","type":"balances","action":"read"}}}}"#
        ),
        format!(
            r#"{{"permissions":[{{"type":"balances","type":"keys","action":"read","scope":"org"}}],"request":{request}}}"#
        ),
        format!(r#"{{"permissions":[],"request":{request},"extra":[{{"b":1,"\u0062":2}}]}}"#),
        format!(r#"{{"permissions":[],"request":{request},"p\u0065rmissions":[]}}"#),
    ] {
        let outcome = facade::call_text("authorize", text.as_bytes());
        assert_eq!(code(&outcome), Some(Code::InputInvalid), "{text}");
        let Outcome::Failure(failure) = outcome else {
            unreachable!()
        };
        assert!(
            failure.message.contains("duplicate member"),
            "{text}: {}",
            failure.message
        );
    }
    // Many members: the hash-set path of the check.
    let members: Vec<String> = (0..100).map(|i| format!(r#""m{i}":{i}"#)).collect();
    let ok = format!(
        r#"{{"permissions":[],"request":{request},{}}}"#,
        members.join(",")
    );
    assert_eq!(code(&facade::call_text("authorize", ok.as_bytes())), None);
    let dup = format!(
        r#"{{"permissions":[],"request":{request},{},"m7":0}}"#,
        members.join(",")
    );
    assert_eq!(
        code(&facade::call_text("authorize", dup.as_bytes())),
        Some(Code::InputInvalid)
    );
    // Same names in sibling objects are fine.
    let siblings = format!(
        r#"{{"permissions":[{{"type":"balances","action":"read","scope":"org"}},{{"type":"balances","action":"read","scope":"org"}}],"request":{request}}}"#
    );
    assert_eq!(
        code(&facade::call_text("authorize", siblings.as_bytes())),
        None
    );
}

#[test]
fn nesting_of_128_levels_is_read_and_129_refused() {
    // `extra` sits at level 1; it holds `levels - 1` nested arrays.
    let nested = |levels: usize| {
        format!(
            r#"{{"permissions":[],"request":{{"type":"balances","action":"read"}},"extra":{}{}}}"#,
            "[".repeat(levels - 1),
            "]".repeat(levels - 1)
        )
    };
    let ok = nested(128);
    assert!(credgate_core::json::parse_strict(ok.as_bytes()).is_ok());
    assert_eq!(code(&facade::call_text("authorize", ok.as_bytes())), None);
    let deep = nested(129);
    assert!(credgate_core::json::parse_strict(deep.as_bytes()).is_err());
    assert_eq!(
        code(&facade::call_text("authorize", deep.as_bytes())),
        Some(Code::InputInvalid)
    );
    // Inside a permission list and inside a `Value` member.
    let in_list = |levels: usize| {
        format!(
            r#"{{"permissions":{}{},"request":{{"type":"balances","action":"read"}}}}"#,
            "[".repeat(levels - 1),
            "]".repeat(levels - 1)
        )
    };
    assert_ne!(
        code(&facade::call_text("authorize", in_list(128).as_bytes())),
        Some(Code::InputInvalid)
    );
    assert_eq!(
        code(&facade::call_text("authorize", in_list(129).as_bytes())),
        Some(Code::InputInvalid)
    );
    for levels in [128, 129] {
        let value = credgate_core::json::parse_strict(nested(levels).as_bytes());
        if let Ok(value) = value {
            assert_eq!(
                facade::call_text("authorize", nested(levels).as_bytes()),
                facade::call("authorize", value)
            );
        }
    }
    // Far past the limit: refused, no stack overflow.
    let huge = "[".repeat(1_000_000);
    assert_eq!(
        code(&facade::call_text("authorize", huge.as_bytes())),
        Some(Code::InputInvalid)
    );
}

#[test]
fn text_that_is_not_strict_json_is_refused_like_call_json() {
    for text in [
        "",
        "{",
        r#"{"permissions":[]} x"#,
        "nul",
        r#"{"a":1e400}"#,
        "\u{feff}{}",
    ] {
        let outcome = facade::call_text("authorize", text.as_bytes());
        assert_eq!(code(&outcome), Some(Code::InputInvalid), "{text}");
        let wire: Value = serde_json::from_str(&facade::call_json("authorize", text)).unwrap();
        assert_eq!(wire, serde_json::to_value(&outcome).unwrap(), "{text}");
    }
    assert_eq!(
        code(&facade::call_text("nope", b"{}")),
        Some(Code::OpUnknown)
    );
    assert_eq!(
        code(&facade::call_text("nope", b"{")),
        Some(Code::OpUnknown)
    );
}
