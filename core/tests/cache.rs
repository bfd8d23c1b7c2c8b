//! The verified-token cache never changes an answer (docs/CACHE.md).
//!
//! Two verifiers with the same keys and options, one caching (with limits small enough to
//! evict) and one not, are driven by the same random sequence of calls: `check` and `verify`
//! of random tokens (good, expired, not yet valid, other issuer or audience, tampered, signed
//! by an unknown key) at random times with random client IPs and requests, interleaved with
//! revocation lists loaded and key sets replaced. Every answer must be identical, including
//! the fast-jwt pitfall cases: a cached token used past its `exp`, a token revoked after it
//! was cached, a token whose key was removed after it was cached.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use credgate_core::authorize::PermissionSet;
use credgate_core::cache::CacheLimits;
use credgate_core::ip::Allowlist;
use credgate_core::permission::Permission;
use credgate_core::revocation::{RevocationEntry, RevocationList};
use credgate_core::spec::Environment;
use credgate_core::token::{Claims, IssueParams, IssueTime};
use credgate_core::{KeySet, Request, SigningKey, Verifier, VerifyOptions};
use proptest::prelude::*;

const ISS: &str = "https://iss.test";
const AUD: &str = "https://aud.test";
const T0: i64 = 1_800_000_000;

fn key(kid: &str, byte: u8) -> SigningKey {
    SigningKey::from_seed(kid, &[byte; 32]).unwrap()
}

/// A token of client `cli_{client}` with `jti_{n}`, issued at `iat` (possibly with `nbf`).
#[derive(Clone, Debug)]
struct TokenSpec {
    signer: u8,
    client: u8,
    n: u8,
    iat: i64,
    nbf: Option<i64>,
    issuer_ok: bool,
    audience_ok: bool,
    tamper: bool,
}

fn token_spec() -> impl Strategy<Value = TokenSpec> {
    (
        0u8..3,
        0u8..3,
        any::<u8>(),
        -7200i64..7200,
        prop::option::of(-100i64..200),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(signer, client, n, offset, nbf, issuer_ok, audience_ok, tamper)| TokenSpec {
                signer,
                client,
                n,
                iat: T0 + offset,
                nbf: nbf.map(|d| T0 + offset + d),
                issuer_ok,
                audience_ok,
                tamper,
            },
        )
}

fn signers() -> [SigningKey; 3] {
    [key("k0", 1), key("k1", 2), key("k2", 3)]
}

fn mint(spec: &TokenSpec) -> String {
    let client = format!("cli_{}", spec.client);
    let jti = format!("jti_{}", spec.n);
    let params = IssueParams {
        issuer: if spec.issuer_ok {
            ISS
        } else {
            "https://other.test"
        },
        audience: if spec.audience_ok {
            AUD
        } else {
            "https://else.test"
        },
        client_id: &client,
        org: "org_1",
        env: Environment::Sandbox,
        now: IssueTime::new(spec.iat).unwrap(),
        jti: &jti,
        not_after: None,
    };
    let permissions = PermissionSet::new(vec![
        Permission::parse("balances:read:vault:vlt_a").unwrap(),
        Permission::parse("transaction:create:org").unwrap(),
    ]);
    let allowlist = Allowlist::parse(&["10.0.0.0/8", "192.168.1.7"]).unwrap();
    let mut claims = Claims::issue(&params, permissions, allowlist);
    claims.nbf = spec.nbf;
    let signer = &signers()[usize::from(spec.signer)];
    let token = signer.sign(&claims);
    if spec.tamper {
        // Another token's signature: structurally fine, cryptographically wrong.
        let (body, _) = token.rsplit_once('.').unwrap();
        let other = key("k0", 9).sign(&claims);
        let (_, signature) = other.rsplit_once('.').unwrap();
        return format!("{body}.{signature}");
    }
    token
}

#[derive(Clone, Debug)]
enum Step {
    Check {
        token: usize,
        at: i64,
        ip: &'static str,
        request: usize,
    },
    Verify {
        token: usize,
        at: i64,
    },
    /// Revoke a client's tokens issued before `not_before`, or one jti.
    Revoke {
        client: Option<u8>,
        jti: u8,
        not_before: i64,
    },
    /// Trust only these signers from now on (a rotation, or a key withdrawn).
    Keys(Vec<u8>),
}

fn step(tokens: usize) -> impl Strategy<Value = Step> {
    let at = T0 - 200..T0 + 7400;
    prop_oneof![
        6 => (0..tokens, at.clone(), prop::sample::select(vec!["10.1.2.3", "192.168.1.7", "8.8.8.8", "nope"]), 0usize..4)
            .prop_map(|(token, at, ip, request)| Step::Check { token, at, ip, request }),
        2 => (0..tokens, at.clone()).prop_map(|(token, at)| Step::Verify { token, at }),
        1 => (prop::option::of(0u8..3), any::<u8>(), at)
            .prop_map(|(client, jti, not_before)| Step::Revoke { client, jti, not_before }),
        1 => prop::collection::vec(0u8..3, 0..4).prop_map(Step::Keys),
    ]
}

fn requests() -> [Request; 4] {
    [
        Request::new("balances", "read", Some("vlt_a"), None, None).unwrap(),
        Request::new("balances", "read", Some("vlt_b"), None, None).unwrap(),
        Request::new("transaction", "create", None, None, Some("org_1")).unwrap(),
        Request::new("transaction", "create", None, None, Some("org_2")).unwrap(),
    ]
}

fn key_set(signers_kept: &[u8]) -> KeySet {
    let all = signers();
    let kept: Vec<&SigningKey> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| signers_kept.iter().any(|k| usize::from(*k) == *i))
        .map(|(_, k)| k)
        .collect();
    KeySet::from_signing_keys(kept).unwrap_or_default()
}

fn verifier(limits: CacheLimits) -> Verifier {
    Verifier::new(
        key_set(&[0, 1, 2]),
        VerifyOptions {
            issuer: ISS.to_owned(),
            audience: AUD.to_owned(),
            leeway: 5,
            cache: limits,
            ..Default::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_cached_answer_is_the_uncached_answer(
        specs in prop::collection::vec(token_spec(), 1..8),
        steps in prop::collection::vec(step(8), 1..60),
        max_entries in 1usize..5,
    ) {
        let tokens: Vec<String> = specs.iter().map(mint).collect();
        let limits = CacheLimits { max_entries, max_bytes: usize::MAX };
        let mut cached = verifier(limits);
        let mut plain = verifier(CacheLimits::DISABLED);
        let requests = requests();
        let mut epoch = 0;
        let mut entries = Vec::new();
        for step in steps {
            match step {
                Step::Check { token, at, ip, request } => {
                    let token = &tokens[token % tokens.len()];
                    let request = &requests[request];
                    prop_assert_eq!(
                        cached.check(token, at, ip, request),
                        plain.check(token, at, ip, request)
                    );
                }
                Step::Verify { token, at } => {
                    let token = &tokens[token % tokens.len()];
                    prop_assert_eq!(cached.verify(token, at), plain.verify(token, at));
                }
                Step::Revoke { client, jti, not_before } => {
                    epoch += 1;
                    entries.push(match client {
                        Some(c) => RevocationEntry::Client { client_id: format!("cli_{c}"), not_before },
                        None => RevocationEntry::Token { jti: format!("jti_{jti}"), revoked_at: not_before },
                    });
                    let signer = key("k0", 1);
                    let (text, _) = RevocationList::sign(&signer, ISS, epoch, T0 - 3000, entries.clone()).unwrap();
                    let list = RevocationList::verify(&text, &key_set(&[0]), ISS).unwrap();
                    cached.load_revocations(list.clone()).unwrap();
                    plain.load_revocations(list).unwrap();
                }
                Step::Keys(kept) => {
                    cached.set_keys(key_set(&kept));
                    plain.set_keys(key_set(&kept));
                }
            }
        }
        let stats = cached.cache_stats();
        prop_assert!(stats.entries <= max_entries);
        prop_assert_eq!(plain.cache_stats().hits + plain.cache_stats().misses, 0);
    }
}

/// The fast-jwt pitfall, spelled out: a hit past `exp` is `token.expired`, never the cached
/// success, and the expired token leaves the cache.
#[test]
fn a_cached_token_past_its_expiry_is_expired() {
    let spec = TokenSpec {
        signer: 0,
        client: 0,
        n: 1,
        iat: T0,
        nbf: None,
        issuer_ok: true,
        audience_ok: true,
        tamper: false,
    };
    let token = mint(&spec);
    let verifier = verifier(CacheLimits::DEFAULT);
    assert!(verifier.verify(&token, T0 + 10).is_ok());
    assert!(verifier.verify(&token, T0 + 20).is_ok());
    assert_eq!(verifier.cache_stats().hits, 1);
    // exp is T0 + 3600; leeway 5.
    assert!(verifier.verify(&token, T0 + 3604).is_ok());
    let error = verifier.verify(&token, T0 + 3605).unwrap_err();
    assert_eq!(error.code(), "token.expired");
    let stats = verifier.cache_stats();
    assert_eq!((stats.entries, stats.evictions), (0, 1));
    // Checking it again verifies it in full (a miss), and is still expired.
    assert!(verifier.verify(&token, T0 + 3605).is_err());
    assert_eq!(verifier.cache_stats().misses, 2);
}

/// A token revoked after it was cached is `token.revoked` on the next call.
#[test]
fn a_token_revoked_after_it_was_cached_is_revoked() {
    let spec = TokenSpec {
        signer: 1,
        client: 2,
        n: 7,
        iat: T0,
        nbf: None,
        issuer_ok: true,
        audience_ok: true,
        tamper: false,
    };
    let token = mint(&spec);
    let mut verifier = verifier(CacheLimits::DEFAULT);
    let request = &requests()[0];
    assert!(verifier
        .check(&token, T0 + 1, "10.0.0.1", request)
        .allowed());
    assert!(verifier
        .check(&token, T0 + 2, "10.0.0.1", request)
        .allowed());
    assert_eq!(verifier.cache_stats().hits, 1);
    let entry = RevocationEntry::Token {
        jti: "jti_7".to_owned(),
        revoked_at: T0 + 3,
    };
    let (text, _) = RevocationList::sign(&key("k0", 1), ISS, 1, T0 + 3, vec![entry]).unwrap();
    verifier
        .load_revocations(RevocationList::verify(&text, &key_set(&[0]), ISS).unwrap())
        .unwrap();
    let outcome = verifier.check(&token, T0 + 4, "10.0.0.1", request);
    assert_eq!(outcome.reason().code(), "token.revoked");
    assert_eq!(outcome.status, 401);
}

/// A key withdrawn from the key set takes its cached tokens with it.
#[test]
fn a_token_of_a_withdrawn_key_is_not_served_from_the_cache() {
    let spec = TokenSpec {
        signer: 2,
        client: 0,
        n: 3,
        iat: T0,
        nbf: None,
        issuer_ok: true,
        audience_ok: true,
        tamper: false,
    };
    let token = mint(&spec);
    let mut verifier = verifier(CacheLimits::DEFAULT);
    assert!(verifier.verify(&token, T0).is_ok());
    verifier.set_keys(key_set(&[0, 1]));
    let error = verifier.verify(&token, T0).unwrap_err();
    assert_eq!(error.code(), "token.unknown_key");
}
