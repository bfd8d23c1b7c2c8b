//! Permission text and JSON forms (SPEC §1): parse → print → parse.
//!
//! The first byte picks the form: even, the rest is a permission text; odd, the rest is
//! JSON text (strict) read with `Permission::from_value`. Invariants: parsing is exact, so
//! an accepted text prints as itself; the printed text is a fixed point (it parses back to
//! the same permission, which prints the same); the JSON form round-trips; a permission
//! covers itself; a scope string of one permission is that permission.
#![no_main]

use credgate_core::authorize::PermissionSet;
use credgate_core::json::parse_strict;
use credgate_core::Permission;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check_canonical(permission: &Permission) {
    let text = permission.to_string();
    let again = match Permission::parse(&text) {
        Ok(p) => p,
        Err(e) => panic!("the printed form `{text}` does not parse: {e}"),
    };
    assert_eq!(&again, permission);
    assert_eq!(
        again.to_string(),
        text,
        "the canonical text is not a fixed point"
    );
    // JSON form: print, read back.
    let json = match serde_json::to_value(permission) {
        Ok(v) => v,
        Err(e) => panic!("a permission does not serialize: {e}"),
    };
    assert_eq!(Permission::from_value(&json).as_ref(), Ok(permission));
    assert_eq!(
        Permission::from_value(&Value::String(text.clone())).as_ref(),
        Ok(permission)
    );
    assert!(permission.covers(permission));
    match PermissionSet::parse_scope(&text) {
        Ok(set) => assert_eq!(set.permissions(), std::slice::from_ref(permission)),
        Err(e) => panic!("`{text}` is not a scope of one permission: {e:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&form, rest)) = data.split_first() else {
        return;
    };
    if form & 1 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        match Permission::parse(text) {
            Ok(permission) => {
                assert_eq!(permission.to_string(), text, "parsing is exact");
                check_canonical(&permission);
            }
            Err(error) => {
                assert!(error.code().as_str().starts_with("permission."));
                assert!(!error.to_string().is_empty());
                // The string JSON form is the same parser.
                assert_eq!(
                    Permission::from_value(&Value::String(text.to_owned())),
                    Err(error)
                );
            }
        }
    } else {
        let Ok(value) = parse_strict(rest) else {
            return;
        };
        match Permission::from_value(&value) {
            Ok(permission) => check_canonical(&permission),
            Err(error) => assert!(error.code().as_str().starts_with("permission.")),
        }
    }
});
