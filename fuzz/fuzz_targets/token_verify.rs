//! Token verification (SPEC §6).
//!
//! The first byte picks the mode:
//! - even: **text**. The rest is a token, verified by a verifier trusting the vectors' keys
//!   `k1` and `k2` at a time chosen by the first byte's other bits. Verification returns
//!   claims or a typed error, never panics; an accepted token satisfies every rule of §6
//!   (times, issuer, audience, size).
//! - odd: **tamper**. The rest drives [`arbitrary`]: the core issues a token with `k1` for
//!   fuzzed claims, then the fuzzer mutates it: bytes of the compact form, bytes of the
//!   decoded header, payload or signature (re-encoded canonically), or re-signs the
//!   signing input with a key no verifier trusts. base64url is canonical in credgate, so
//!   the invariant is exact: the untouched token verifies (at its issue time, when it fits
//!   the 8 KiB limit), and **any token whose text differs from it never verifies**.
//!
//! In both modes the verifiers keep their verified-token cache (docs/CACHE.md), so tokens
//! are checked against what earlier inputs left in it, and every verdict must equal that of
//! a verifier without a cache.
#![no_main]

use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use credgate_core::ip::Allowlist;
use credgate_core::CacheLimits;
use credgate_core::{Permission, Verifier};
use credgate_fuzz::{
    base64url, base64url_decode_lenient, dotted, issue, signing_key, vector_verifier,
    vector_verifier_with, TokenParams, ATTACKER_SEED, AUDIENCE, ISSUER, K1_SEED, VECTOR_NOW,
};
use ed25519_dalek::Signer as _;
use libfuzzer_sys::fuzz_target;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| vector_verifier(0));
static VERIFIER_LEEWAY: LazyLock<Verifier> = LazyLock::new(|| vector_verifier(300));
static UNCACHED: LazyLock<Verifier> =
    LazyLock::new(|| vector_verifier_with(0, CacheLimits::DISABLED));
static UNCACHED_LEEWAY: LazyLock<Verifier> =
    LazyLock::new(|| vector_verifier_with(300, CacheLimits::DISABLED));
static K1: LazyLock<credgate_core::SigningKey> = LazyLock::new(|| signing_key("k1", &K1_SEED));
static ATTACKER: LazyLock<ed25519_dalek::SigningKey> =
    LazyLock::new(|| ed25519_dalek::SigningKey::from_bytes(&ATTACKER_SEED));

/// Times at which text-mode tokens are verified.
const TIMES: [i64; 8] = [
    VECTOR_NOW,
    0,
    -1,
    i64::MIN,
    i64::MAX,
    1_800_003_600,
    1_799_999_999,
    253_402_300_799,
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        text_mode(mode, rest);
    } else {
        if let Ok(input) = Tamper::arbitrary_take_rest(Unstructured::new(rest)) {
            tamper_mode(input);
        }
    }
});

fn text_mode(mode: u8, rest: &[u8]) {
    let Ok(token) = std::str::from_utf8(rest) else {
        return;
    };
    let now = TIMES[usize::from(mode >> 1) % TIMES.len()];
    let (verifier, uncached) = if mode & 0x10 == 0 {
        (&*VERIFIER, &*UNCACHED)
    } else {
        (&*VERIFIER_LEEWAY, &*UNCACHED_LEEWAY)
    };
    let leeway = i128::from(verifier.options().leeway);
    let verdict = verifier.verify(token, now);
    assert_eq!(
        verdict,
        uncached.verify(token, now),
        "the cache changed a verdict"
    );
    match verdict {
        Ok(claims) => {
            // Everything §6 promises about an accepted token.
            assert!(token.len() <= credgate_core::token::MAX_TOKEN_BYTES);
            assert_eq!(token.split('.').count(), 3);
            let at = i128::from(now);
            assert!(
                at < i128::from(claims.exp) + leeway,
                "expired token accepted"
            );
            assert!(at + leeway >= i128::from(claims.iat), "future iat accepted");
            if let Some(nbf) = claims.nbf {
                assert!(at + leeway >= i128::from(nbf), "future nbf accepted");
            }
            assert_eq!(claims.iss, ISSUER);
            assert!(claims.aud.contains(AUDIENCE));
            // The compiled scope and allowlist are those of the claims' texts.
            let texts: Vec<String> = claims
                .permissions()
                .permissions()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(texts.join(" "), claims.scope);
            assert_eq!(claims.allowlist().networks().len(), claims.ips.len());
            // Deterministic.
            assert!(verifier.verify(token, now).is_ok());
        }
        Err(error) => {
            // A typed error with a code and a message.
            assert!(error.code().as_str().starts_with("token."));
            assert!(!error.to_string().is_empty());
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Tamper<'a> {
    client_id: &'a str,
    org: &'a str,
    jti: &'a str,
    now: i64,
    production: bool,
    permissions: Vec<PermissionPick<'a>>,
    networks: Vec<(u32, u8)>,
    edits: Vec<Edit>,
}

#[derive(Arbitrary, Debug)]
struct PermissionPick<'a> {
    kind: u8,
    action: u8,
    scope: u8,
    resource: Option<&'a str>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Part {
    Compact,
    Header,
    Payload,
    Signature,
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Flip {
        part: Part,
        at: u16,
        bit: u8,
    },
    Set {
        part: Part,
        at: u16,
        byte: u8,
    },
    Insert {
        part: Part,
        at: u16,
        byte: u8,
    },
    Delete {
        part: Part,
        at: u16,
    },
    Truncate {
        part: Part,
        at: u16,
    },
    /// Re-sign the (possibly edited) signing input with a key no verifier trusts, under
    /// the trusted kid `k1`.
    Resign,
}

fn permissions(picks: &[PermissionPick<'_>]) -> Vec<Permission> {
    use credgate_core::{Action, ResourceType, Scope};
    let mut out = Vec::new();
    for pick in picks.iter().take(20) {
        let kind = ResourceType::ALL[usize::from(pick.kind) % ResourceType::ALL.len()];
        let action = Action::ALL[usize::from(pick.action) % Action::ALL.len()];
        let scope = Scope::ALL[usize::from(pick.scope) % Scope::ALL.len()];
        if let Ok(p) = Permission::new(kind, action, scope, pick.resource) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

fn allowlist(networks: &[(u32, u8)]) -> Allowlist {
    let entries: Vec<String> = networks
        .iter()
        .take(6)
        .map(|(address, prefix)| {
            let prefix = u32::from(*prefix) % 33;
            let address = address & credgate_fuzz::ref_mask(prefix);
            format!("{}/{prefix}", dotted(address))
        })
        .collect();
    Allowlist::parse(&entries)
        .or_else(|_| Allowlist::parse(&["0.0.0.0/0"]))
        .unwrap_or_else(|e| unreachable!("0.0.0.0/0 is a valid allowlist: {e}"))
}

/// Applies one byte edit to `bytes` (positions wrap around the length).
fn edit_bytes(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |at: u16, len: usize| if len == 0 { 0 } else { usize::from(at) % len };
    match *edit {
        Edit::Flip { at: i, bit, .. } => {
            let i = at(i, bytes.len());
            if let Some(b) = bytes.get_mut(i) {
                *b ^= 1 << (bit % 8);
            }
        }
        Edit::Set { at: i, byte, .. } => {
            let i = at(i, bytes.len());
            if let Some(b) = bytes.get_mut(i) {
                *b = byte;
            }
        }
        Edit::Insert { at: i, byte, .. } => {
            let i = at(i, bytes.len() + 1);
            bytes.insert(i.min(bytes.len()), byte);
        }
        Edit::Delete { at: i, .. } => {
            let i = at(i, bytes.len());
            if i < bytes.len() {
                bytes.remove(i);
            }
        }
        Edit::Truncate { at: i, .. } => {
            let i = at(i, bytes.len() + 1);
            bytes.truncate(i);
        }
        Edit::Resign => {}
    }
}

fn part_of(edit: &Edit) -> Option<Part> {
    match edit {
        Edit::Flip { part, .. }
        | Edit::Set { part, .. }
        | Edit::Insert { part, .. }
        | Edit::Delete { part, .. }
        | Edit::Truncate { part, .. } => Some(*part),
        Edit::Resign => None,
    }
}

fn tamper_mode(input: Tamper<'_>) {
    let params = TokenParams {
        client_id: input.client_id,
        org: input.org,
        jti: input.jti,
        now: input.now,
        production: input.production,
        permissions: permissions(&input.permissions),
        allowlist: allowlist(&input.networks),
    };
    let (original, iat) = issue(&K1, &params);
    let verifier = &*VERIFIER;

    // The untouched token verifies at its issue time, when it fits the size limit. (An
    // empty permission list issues an empty `scope`, which verification reads as one
    // empty permission and refuses: the issuer never issues such a token, see below.)
    let fits = original.len() <= credgate_core::token::MAX_TOKEN_BYTES;
    let untouched = verifier.verify(&original, iat);
    if fits && !params.permissions.is_empty() {
        match &untouched {
            Ok(claims) => {
                assert_eq!(claims.client_id, input.client_id);
                assert_eq!(claims.sub, input.client_id);
                assert_eq!(claims.org, input.org);
                assert_eq!(claims.jti, input.jti);
                assert_eq!(claims.iat, iat);
                assert_eq!(claims.permissions().permissions(), &params.permissions[..]);
                assert_eq!(claims.allowlist(), &params.allowlist);
            }
            Err(e) => panic!("a token the core issued does not verify: {e}"),
        }
    }

    // Apply the edits.
    let mut token = original.clone();
    for edit in input.edits.iter().take(8) {
        let parts: Vec<&str> = token.splitn(3, '.').collect();
        let (h, p, s) = match parts.as_slice() {
            [h, p, s] => (h.to_string(), p.to_string(), s.to_string()),
            _ => (String::new(), String::new(), token.clone()),
        };
        token = match (edit, part_of(edit)) {
            (Edit::Resign, _) => {
                let signing_input = format!("{h}.{p}");
                let signature = ATTACKER.sign(signing_input.as_bytes());
                format!("{signing_input}.{}", base64url(&signature.to_bytes()))
            }
            (_, Some(Part::Compact)) | (_, None) => {
                let mut bytes = token.into_bytes();
                edit_bytes(&mut bytes, edit);
                match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                }
            }
            (_, Some(part)) => {
                let text = match part {
                    Part::Header => &h,
                    Part::Payload => &p,
                    _ => &s,
                };
                let mut bytes = base64url_decode_lenient(text);
                edit_bytes(&mut bytes, edit);
                let encoded = base64url(&bytes);
                match part {
                    Part::Header => format!("{encoded}.{p}.{s}"),
                    Part::Payload => format!("{h}.{encoded}.{s}"),
                    _ => format!("{h}.{p}.{encoded}"),
                }
            }
        };
    }

    let verdict = verifier.verify(&token, iat);
    assert_eq!(
        verdict,
        UNCACHED.verify(&token, iat),
        "the cache changed a verdict"
    );
    if token == original {
        assert_eq!(verdict.is_ok(), untouched.is_ok());
    } else if let Ok(claims) = verdict {
        panic!(
            "a tampered token verified:\noriginal {original}\ntampered {token}\nclaims {claims:?}"
        );
    }
}
