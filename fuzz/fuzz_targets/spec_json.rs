//! Credential specs as JSON text (SPEC §4, §9): strict JSON, then validation, then lint.
//!
//! Invariants: text that is not strict JSON is an error, never a panic; validation reports
//! at least one problem with a path and a code, or gives a spec within every bound of §4;
//! a valid spec, printed back as JSON in its canonical form, validates again to the same
//! spec; lint runs on every valid spec (with and without an age check).
#![no_main]

use credgate_core::json::parse_strict;
use credgate_core::{lint, spec, CredentialSpec};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn printed(spec: &CredentialSpec) -> Value {
    json!({
        "name": spec.name,
        "description": spec.description,
        "permission_set_type": spec.permission_set_type.as_str(),
        "permissions": spec.permissions.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "ip_allowlist": spec.ip_allowlist,
        "environment": spec.environment.as_str(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = parse_strict(data) else {
        return;
    };
    match spec::validate(&value) {
        Ok(valid) => {
            let name = valid.name.chars().count();
            assert!((5..=50).contains(&name), "name of {name} characters");
            if let Some(description) = &valid.description {
                assert!((5..=50).contains(&description.chars().count()));
            }
            assert!((1..=100).contains(&valid.permissions.len()));
            assert!((1..=6).contains(&valid.ip_allowlist.len()));
            assert_eq!(valid.allowlist.networks().len(), valid.ip_allowlist.len());
            match spec::validate(&printed(&valid)) {
                Ok(again) => assert_eq!(again, valid),
                Err(e) => panic!("the printed spec is invalid: {:?}", e.problems),
            }
            for (now, created_at) in [(None, None), (Some(1_800_000_000), Some(1_700_000_000))] {
                for finding in lint::lint(&valid, now, created_at) {
                    assert!(finding.code.as_str().starts_with("lint."));
                    assert!(!finding.message.is_empty());
                }
            }
        }
        Err(errors) => {
            assert!(!errors.problems.is_empty());
            for problem in &errors.problems {
                assert!(!problem.message.is_empty());
            }
        }
    }
});
