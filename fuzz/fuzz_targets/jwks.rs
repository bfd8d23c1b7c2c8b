//! Key sets (SPEC §6): `KeySet::from_json` on arbitrary text.
//!
//! Invariants: an error is `jwks.invalid`; an accepted set has distinct, non-empty kids; the
//! set printed as a JWKS reads back to the same kids and keys; and a fixed token signed by
//! the vectors' `k1` verifies under the set exactly when the set's `k1` is that key.
#![no_main]

use std::sync::LazyLock;

use credgate_core::codes::Code;
use credgate_core::token::Claims;
use credgate_core::{KeySet, Verifier, VerifyOptions};
use credgate_fuzz::{issue, signing_key, TokenParams, AUDIENCE, ISSUER, K1_SEED};
use libfuzzer_sys::fuzz_target;

static K1_PUBLIC: LazyLock<[u8; 32]> = LazyLock::new(|| {
    ed25519_dalek::SigningKey::from_bytes(&K1_SEED)
        .verifying_key()
        .to_bytes()
});

static TOKEN: LazyLock<(String, i64)> = LazyLock::new(|| {
    let permissions = match credgate_core::Permission::parse("vault:read:org") {
        Ok(p) => vec![p],
        Err(e) => unreachable!("a valid permission: {e}"),
    };
    let allowlist = match credgate_core::Allowlist::parse(&["0.0.0.0/0"]) {
        Ok(list) => list,
        Err(e) => unreachable!("a valid allowlist: {e}"),
    };
    issue(
        &signing_key("k1", &K1_SEED),
        &TokenParams {
            client_id: "cid_fuzz",
            org: "org_fuzz",
            jti: "jti-fuzz",
            now: 1_800_000_000,
            production: false,
            permissions,
            allowlist,
        },
    )
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let set = match KeySet::from_json(text) {
        Ok(set) => set,
        Err(error) => {
            assert_eq!(error.code(), Code::JwksInvalid);
            return;
        }
    };
    let kids: Vec<&str> = set.kids().collect();
    assert_eq!(kids.len(), set.len());
    for (i, kid) in kids.iter().enumerate() {
        assert!(!kid.is_empty());
        assert!(
            !kids.iter().take(i).any(|k| k == kid),
            "duplicate kid `{kid}`"
        );
    }
    let printed = match serde_json::to_string(&set.to_jwks()) {
        Ok(text) => text,
        Err(e) => panic!("a key set does not print: {e}"),
    };
    match KeySet::from_json(&printed) {
        Ok(again) => {
            assert_eq!(again.kids().collect::<Vec<_>>(), kids);
            for kid in &kids {
                assert_eq!(
                    again.get(kid).map(|k| k.to_bytes()),
                    set.get(kid).map(|k| k.to_bytes())
                );
            }
        }
        Err(e) => panic!("the printed JWKS does not read back: {e}"),
    }
    let is_k1 = set.get("k1").map(|k| k.to_bytes()) == Some(*K1_PUBLIC);
    let verifier = Verifier::new(
        set,
        VerifyOptions {
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            ..VerifyOptions::default()
        },
    );
    let (token, iat) = &*TOKEN;
    let verdict: Result<Claims, _> = verifier.verify(token, *iat);
    assert_eq!(verdict.is_ok(), is_k1, "{verdict:?}");
});
