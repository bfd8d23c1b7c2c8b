//! The token the criterion benchmark verifies: the claims of a typical credgate access token
//! (bench/src/main.rs issues the same claims for the side-by-side run with the peers).

use credgate_core::authorize::PermissionSet;
use credgate_core::ip::Allowlist;
use credgate_core::spec::Environment;
use credgate_core::token::{Claims, IssueParams, IssueTime};
use credgate_core::{KeySet, SigningKey, Verifier, VerifyOptions};

/// Issue time of the fixture token.
pub const NOW: i64 = 1_700_000_000;

/// A verifier and a token it accepts at `NOW + 10`.
pub fn token_fixture() -> (Verifier, String) {
    let key = SigningKey::from_seed("k1", &[7; 32]).unwrap();
    let permissions = PermissionSet::parse_scope(
        "balances:read:vault:vlt_1 transaction:read:org key:update:key:key_9",
    )
    .unwrap();
    let allowlist = Allowlist::parse(&["203.0.113.0/24", "198.51.100.7"]).unwrap();
    let params = IssueParams {
        issuer: "https://auth.example.test",
        audience: "https://api.example.test",
        client_id: "cid_demo",
        org: "org_1",
        env: Environment::Production,
        now: IssueTime::new(NOW).unwrap(),
        jti: "jti-0001",
        not_after: None,
    };
    let token = key.sign(&Claims::issue(&params, permissions, allowlist));
    let options = VerifyOptions {
        issuer: params.issuer.into(),
        audience: params.audience.into(),
        ..Default::default()
    };
    (
        Verifier::new(
            KeySet::from_signing_keys([&key]).unwrap_or_default(),
            options,
        ),
        token,
    )
}
