//! `make bench-native`: credgate's core against its native peers, side by side in one run.
//!
//! - Token verification, interleaved call by call: ed25519-dalek's bare `verify_strict` on
//!   the token's signing input (the floor), credgate's `Verifier::verify` and `check`, and the
//!   `jsonwebtoken` crate's `decode` of the same EdDSA token with the same key.
//! - Authorization over a 20-permission credential (`bench/cedar/credential.json`): credgate's
//!   `PermissionSet::authorize` against `cedar-policy` evaluating the equivalent policies of
//!   `bench/cedar/policies.cedar`. Before timing, both engines decide the benchmarked requests
//!   and a grid of every type x action x place x org; any difference ends the run with a
//!   non-zero status.
//! - Allowlist matching over 6 entries.
//!
//! Prints a table per group and writes `target/bench/native.json` (or the path after
//! `--out`) for `bench/report.py`. This package is not a workspace member: its peers never
//! enter the normal build (`exclude` in the root Cargo.toml, its own Cargo.lock).

mod cedar;
mod harness;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use credgate_core::authorize::PermissionSet;
use credgate_core::ip::Allowlist;
use credgate_core::spec::Environment;
use credgate_core::token::{Claims, IssueParams, IssueTime};
use credgate_core::{CacheLimits, KeySet, Request, SigningKey, Verifier, VerifyOptions};
use ed25519_dalek::Signature;
use harness::{interleave, print_group, Stats, Subject};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "https://api.example.test";

/// Versions of the packages in this crate's Cargo.lock that the report names.
const LOCK: &str = include_str!("../Cargo.lock");
const PEERS: [&str; 4] = [
    "jsonwebtoken",
    "cedar-policy",
    "ed25519-dalek",
    "curve25519-dalek",
];

fn locked_version(name: &str) -> Option<String> {
    let mut lines = LOCK.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"") {
            return lines
                .next()
                .and_then(|v| v.strip_prefix("version = \""))
                .map(|v| v.trim_end_matches('"').to_owned());
        }
    }
    None
}

struct Options {
    out: String,
    samples: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        out: "target/bench/native.json".to_owned(),
        samples: 12_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => options.out = args.next().ok_or("--out needs a path")?,
            "--samples" => {
                options.samples = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--samples needs a number")?;
            }
            "--bench" => {} // passed by `cargo bench`
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// The typical token of core/benches/shared: 3 permissions, 2 networks, issued now (the
/// wall clock, because jsonwebtoken checks `exp` against it); a verifier with the
/// verified-token cache off and one with it on (the default limits).
fn token_fixture(now: i64) -> Result<(Verifier, Verifier, String), String> {
    let key = SigningKey::from_seed("k1", &[7; 32]).map_err(|e| e.to_string())?;
    let permissions = PermissionSet::parse_scope(
        "balances:read:vault:vlt_1 transaction:read:org key:update:key:key_9",
    )
    .map_err(|e| e.to_string())?;
    let allowlist =
        Allowlist::parse(&["203.0.113.0/24", "198.51.100.7"]).map_err(|e| e.to_string())?;
    let params = IssueParams {
        issuer: ISSUER,
        audience: AUDIENCE,
        client_id: "cid_demo",
        org: "org_1",
        env: Environment::Production,
        now: IssueTime::new(now).map_err(|e| e.to_string())?,
        jti: "jti-0001",
        not_after: None,
    };
    let token = key.sign(&Claims::issue(&params, permissions, allowlist));
    let keys = KeySet::from_signing_keys([&key]).map_err(|e| e.to_string())?;
    let cached = VerifyOptions {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        ..Default::default()
    };
    let uncached = VerifyOptions {
        cache: CacheLimits::DISABLED,
        ..cached.clone()
    };
    Ok((
        Verifier::new(keys.clone(), uncached),
        Verifier::new(keys, cached),
        token,
    ))
}

fn group_json(id: &str, title: &str, stats: &[Stats]) -> Value {
    json!({ "id": id, "title": title, "subjects": stats.iter().map(Stats::to_json).collect::<Vec<_>>() })
}

fn tokens(samples: usize) -> Result<(Value, Value), String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let (verifier, cached, token) = token_fixture(now)?;
    let at = now + 10;
    let (signing_input, signature) = token.rsplit_once('.').ok_or("the token has no signature")?;
    let signature = credgate_core::encoding::b64url_decode(signature)
        .ok_or("the signature is not base64url")?;
    let signature = Signature::from_slice(&signature).map_err(|e| e.to_string())?;
    let public = *verifier.keys().get("k1").ok_or("no key k1")?;
    let request =
        Request::new("balances", "read", Some("vlt_1"), None, None).map_err(|e| e.to_string())?;
    let ip = "203.0.113.9";

    // jsonwebtoken, given the key as a JWK user would (its `x`), checking what credgate checks
    // of the claims: signature, exp, nbf, iss, aud.
    let jwk = verifier.keys().to_jwks();
    let x = jwk.keys.first().map(|k| k.x.clone()).ok_or("no JWK")?;
    let jwt_key = DecodingKey::from_ed_components(&x).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_nbf = true;
    let decode = || jsonwebtoken::decode::<Value>(&token, &jwt_key, &validation);

    // Every subject accepts the token before anything is timed.
    public
        .verify_strict(signing_input.as_bytes(), &signature)
        .map_err(|e| format!("verify_strict: {e}"))?;
    verifier
        .verify(&token, at)
        .map_err(|e| format!("credgate verify: {e}"))?;
    for v in [&verifier, &cached] {
        let outcome = v.check(&token, at, ip, &request);
        if !outcome.allowed() {
            return Err(format!("credgate check refused: {}", outcome.message));
        }
    }
    decode().map_err(|e| format!("jsonwebtoken decode: {e}"))?;
    // ... and refuses it with one signature bit flipped (so none of them skips the signature).
    let mut tampered = signature.to_bytes();
    if let Some(byte) = tampered.first_mut() {
        *byte ^= 1;
    }
    let tampered = format!(
        "{signing_input}.{}",
        credgate_core::encoding::b64url_encode(&tampered)
    );
    if verifier.verify(&tampered, at).is_ok()
        || cached.check(&tampered, at, ip, &request).allowed()
        || jsonwebtoken::decode::<Value>(&tampered, &jwt_key, &validation).is_ok()
    {
        return Err("a peer accepted a token with a bad signature".into());
    }

    let mut subjects = vec![
        Subject::new(
            "verify_strict",
            "ed25519-dalek verify_strict (bare signature)",
            || public.verify_strict(signing_input.as_bytes(), &signature),
        ),
        Subject::new(
            "credgate_verify",
            "credgate Verifier::verify, uncached",
            || verifier.verify(&token, at),
        ),
        Subject::new(
            "credgate_check",
            "credgate Verifier::check, uncached",
            || verifier.check(&token, at, ip, &request),
        ),
        Subject::new(
            "credgate_check_cached",
            "credgate Verifier::check, cached",
            || cached.check(&token, at, ip, &request),
        ),
        Subject::new(
            "jsonwebtoken_decode",
            "jsonwebtoken decode (EdDSA, exp/nbf/iss/aud)",
            decode,
        ),
    ];
    let stats = interleave(&mut subjects, 300, samples);
    drop(subjects);
    // The cached subject hit the cache every time, the uncached ones never did.
    let (hits, plain) = (cached.cache_stats(), verifier.cache_stats());
    if hits.entries != 1 || hits.hits == 0 || plain.hits != 0 || plain.entries != 0 {
        return Err(format!(
            "unexpected cache counters: cached {hits:?}, uncached {plain:?}"
        ));
    }
    let title = format!(
        "token verification, interleaved call by call ({samples} samples each, {}-byte token)",
        token.len()
    );
    print_group(&title, &stats, Some("verify_strict"));
    let find = |key: &str| {
        stats
            .iter()
            .find(|s| s.key == key)
            .map_or(f64::NAN, |s| s.median_ns)
    };
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let full = find("credgate_verify") / find("verify_strict");
    let peer = find("jsonwebtoken_decode") / find("credgate_verify");
    let cached_ns = find("credgate_check_cached");
    let speedup = find("credgate_check") / cached_ns;
    println!(
        "  full verification / verify_strict = {full:.3}x (target <= 1.15x: {})",
        met(full <= 1.15)
    );
    println!(
        "  jsonwebtoken decode / credgate verify = {peer:.3}x (target > 1: {})",
        met(peer > 1.0)
    );
    println!(
        "  cached check {} (target < 1 µs: {}), {speedup:.0}x faster than uncached (target >= 20x: {})",
        harness::human(cached_ns),
        met(cached_ns < 1_000.0),
        met(speedup >= 20.0)
    );
    println!();
    Ok((
        group_json("token", &title, &stats),
        json!({ "token_bytes": token.len() }),
    ))
}

fn authorization(samples: usize) -> Result<(Value, Value), String> {
    let fixture = cedar::Fixture::load()?;
    let (requests, allowed) = match fixture.agree() {
        Ok(counts) => counts,
        Err(differences) => {
            for d in &differences {
                eprintln!("credgate and cedar-policy disagree: {d}");
            }
            return Err(format!(
                "{} requests decided differently by credgate and cedar-policy",
                differences.len()
            ));
        }
    };
    println!(
        "credgate and cedar-policy agree on all {requests} requests ({allowed} allowed), \
         the benchmarked ones included"
    );
    let allow = fixture.prepare(&fixture.allow)?;
    let deny = fixture.prepare(&fixture.deny)?;
    if !fixture.credgate_allows(&allow) || fixture.credgate_allows(&deny) {
        return Err("the benchmarked requests are not one allow and one deny".into());
    }
    let org = fixture.org.as_str();
    let set = &fixture.set;
    let mut subjects = vec![
        Subject::new(
            "credgate_authorize_allow",
            "credgate authorize, allow (last permission)",
            || set.authorize(&allow.credgate, Some(org)),
        ),
        Subject::new(
            "credgate_authorize_deny",
            "credgate authorize, deny (with near misses)",
            || set.authorize(&deny.credgate, Some(org)),
        ),
        Subject::new("cedar_allow", "cedar-policy is_authorized, allow", || {
            fixture
                .authorizer
                .is_authorized(&allow.cedar, &fixture.policies, &allow.entities)
        }),
        Subject::new("cedar_deny", "cedar-policy is_authorized, deny", || {
            fixture
                .authorizer
                .is_authorized(&deny.cedar, &fixture.policies, &deny.entities)
        }),
    ];
    let stats = interleave(&mut subjects, 100, samples);
    drop(subjects);
    let title = format!(
        "authorization, 20-permission credential vs {} equivalent Cedar policies ({samples} samples each)",
        fixture.policies.policies().count()
    );
    print_group(&title, &stats, Some("credgate_authorize_allow"));
    let find = |key: &str| {
        stats
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.median_ns)
            .unwrap_or(f64::NAN)
    };
    let (allow_x, deny_x) = (
        find("cedar_allow") / find("credgate_authorize_allow"),
        find("cedar_deny") / find("credgate_authorize_deny"),
    );
    println!(
        "  cedar-policy / credgate: allow {allow_x:.0}x, deny {deny_x:.0}x (target >= 100x: {})\n",
        if allow_x.min(deny_x) >= 100.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    let check = json!({
        "requests": requests,
        "allowed": allowed,
        "agree": true,
        "policies": fixture.policies.policies().count(),
    });
    Ok((group_json("authorize", &title, &stats), check))
}

fn allowlist(samples: usize) -> Result<Value, String> {
    let list = Allowlist::parse(&[
        "203.0.113.0/24",
        "198.51.100.7",
        "192.0.2.0/28",
        "10.1.0.0/16",
        "172.16.0.0/12",
        "100.64.0.0/10",
    ])
    .map_err(|e| e.to_string())?;
    let outside = Ipv4Addr::new(8, 8, 8, 8);
    let mut subjects = vec![
        Subject::new(
            "allowlist_parsed",
            "allowlist, 6 entries, parsed address (miss)",
            || list.contains(std::hint::black_box(outside)),
        ),
        Subject::new(
            "allowlist_text",
            "allowlist, 6 entries, address text (miss)",
            || list.check(std::hint::black_box("8.8.8.8")),
        ),
    ];
    let stats = interleave(&mut subjects, 100, samples);
    drop(subjects);
    let title = format!("IPv4 allowlist matching ({samples} samples each)");
    print_group(&title, &stats, None);
    Ok(group_json("allowlist", &title, &stats))
}

/// The 1-minute load average (Linux), recorded with the results.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn run() -> Result<(), String> {
    let options = options()?;
    let load = load_average();
    let (token_group, token_info) = tokens(options.samples)?;
    let (authorize_group, cedar_check) = authorization(options.samples / 4)?;
    let allowlist_group = allowlist(options.samples / 4)?;
    let versions: BTreeMap<&str, Option<String>> = PEERS
        .iter()
        .map(|name| (*name, locked_version(name)))
        .chain([("rustc", Some(env!("BENCH_RUSTC_VERSION").to_owned()))])
        .collect();
    let out = json!({
        "host": "native",
        "generated_unix": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "load_average": load,
        "versions": versions,
        "fixture": token_info,
        "cedar_equivalence": cedar_check,
        "groups": [token_group, authorize_group, allowlist_group],
    });
    let path = std::path::Path::new(&options.out);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-native: {e}");
            ExitCode::FAILURE
        }
    }
}
