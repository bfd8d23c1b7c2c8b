//! The façade (`facade::call_json`), every operation.
//!
//! The first byte picks the operation from `facade::Operation::ALL`; the rest is the JSON
//! input text. Invariants: the output is always one JSON object with an `outcome` of
//! `result`, `answer` or `failure`; a failure carries `"ok": false` and an `error` code;
//! the same call gives the same text (operations are deterministic); bytes that are not
//! UTF-8 go through `call_json_bytes` and fail as `input.invalid`; a token that
//! `issue_token` issues verifies (through `verify_token`, with the JWKS `public_jwks` gives
//! for the same signing key, at the issue time) unless it is over the 8 KiB limit.
#![no_main]

use credgate_core::facade::{call_json, call_json_bytes, Operation};
use credgate_fuzz::read_output;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn check_output(op: Operation, output: &str) -> Value {
    let value: Value = match read_output(output) {
        Ok(v) => v,
        Err(e) => panic!("{op}: the output is not JSON ({e}): {output}"),
    };
    let Some(object) = value.as_object() else {
        panic!("{op}: the output is not an object: {output}");
    };
    match object.get("outcome").and_then(Value::as_str) {
        Some("result" | "answer") => {}
        Some("failure") => {
            assert_eq!(
                object.get("ok"),
                Some(&Value::Bool(false)),
                "{op}: {output}"
            );
            let code = object.get("error").and_then(Value::as_str);
            assert!(code.is_some_and(|c| !c.is_empty()), "{op}: {output}");
            let message = object.get("message").and_then(Value::as_str);
            assert!(message.is_some_and(|m| !m.is_empty()), "{op}: {output}");
        }
        _ => panic!("{op}: no valid `outcome`: {output}"),
    }
    value
}

/// The core's own tokens verify: issue → public JWKS → verify, all through the façade.
fn issued_token_verifies(input: &str, output: &Value) {
    if output.get("outcome").and_then(Value::as_str) != Some("result") {
        return;
    }
    let Ok(input) = read_output(input) else {
        return;
    };
    let jwks = call_json(
        "public_jwks",
        &json!({ "signing_keys": [input["signing_key"]] }).to_string(),
    );
    let Ok(jwks) = read_output(&jwks) else {
        panic!("public_jwks: not JSON: {jwks}");
    };
    let verify = json!({
        "token": output["token"],
        "now": input["now"],
        "jwks": { "keys": jwks["keys"] },
        "issuer": input["issuer"],
        "audience": input["audience"],
    });
    let verdict = call_json("verify_token", &verify.to_string());
    let Ok(verdict) = read_output(&verdict) else {
        panic!("verify_token: not JSON: {verdict}");
    };
    let too_large = verdict["error"] == "token.too_large";
    assert!(
        verdict["outcome"] == "result" || too_large,
        "an issued token does not verify: {verdict}\nissued by {input}\noutput {output}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&index, input)) = data.split_first() else {
        return;
    };
    let op = Operation::ALL[usize::from(index) % Operation::ALL.len()];
    match std::str::from_utf8(input) {
        Ok(text) => {
            let output = call_json(op.as_str(), text);
            let value = check_output(op, &output);
            if op == Operation::IssueToken {
                issued_token_verifies(text, &value);
            }
            assert_eq!(
                call_json(op.as_str(), text),
                output,
                "{op}: not deterministic"
            );
        }
        Err(_) => {
            let output = call_json_bytes(op.as_str().as_bytes(), input);
            let value = check_output(op, &output);
            assert_eq!(
                value.get("error").and_then(Value::as_str),
                Some("input.invalid")
            );
        }
    }
});
