//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/`:
//!
//! ```sh
//! cd fuzz && cargo +nightly run --example seed_corpus -- ../tests/vectors
//! ```
//!
//! Seeds are the inputs of the conformance vectors (each in the target's own input form) and
//! tokens and key sets the core itself issues with the vectors' keys. File names are a hash
//! of the content, as libFuzzer names them, so running this twice changes nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use credgate_core::facade::Operation;
use credgate_core::{Allowlist, KeySet, Permission};
use credgate_fuzz::{issue, vector_keys, TokenParams};
use serde_json::Value;

const MAX_TOKEN_SEED: usize = 9000;
const MAX_BODY_SEED: usize = 17000;

#[derive(Default)]
struct Corpus {
    files: std::collections::BTreeMap<&'static str, BTreeSet<Vec<u8>>>,
}

impl Corpus {
    fn add(&mut self, target: &'static str, bytes: Vec<u8>) {
        let limit = match target {
            "token_verify" | "bearer" => MAX_TOKEN_SEED,
            _ => MAX_BODY_SEED,
        };
        if bytes.len() <= limit {
            self.files.entry(target).or_default().insert(bytes);
        }
    }

    fn prefixed(&mut self, target: &'static str, first: u8, rest: &[u8]) {
        let mut bytes = vec![first];
        bytes.extend_from_slice(rest);
        self.add(target, bytes);
    }

    fn write(&self, root: &Path) -> std::io::Result<()> {
        for (target, files) in &self.files {
            let dir = root.join(target);
            fs::create_dir_all(&dir)?;
            for bytes in files {
                fs::write(dir.join(format!("{:016x}", fnv1a(bytes))), bytes)?;
            }
            println!("{target}: {} seeds", files.len());
        }
        Ok(())
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn text(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// The `Name: value` lines of a vector's headers (an object or a list of pairs).
fn header_lines(headers: Option<&Value>) -> String {
    let mut out = String::new();
    match headers {
        Some(Value::Object(map)) => {
            for (name, value) in map {
                out.push_str(&format!("\n{name}: {}", value.as_str().unwrap_or("")));
            }
        }
        Some(Value::Array(pairs)) => {
            for pair in pairs {
                if let Some([name, value]) = pair.as_array().map(Vec::as_slice) {
                    out.push_str(&format!(
                        "\n{}: {}",
                        name.as_str().unwrap_or(""),
                        value.as_str().unwrap_or("")
                    ));
                }
            }
        }
        _ => {}
    }
    out
}

fn from_case(corpus: &mut Corpus, op: &str, input: &Value) {
    if let Some(index) = Operation::ALL.iter().position(|o| o.as_str() == op) {
        corpus.prefixed("facade", index as u8, &text(input));
    }
    let get = |name: &str| input.get(name);
    let str_of = |name: &str| get(name).and_then(Value::as_str);
    if let Some(token) = str_of("token") {
        corpus.prefixed("token_verify", 0, token.as_bytes());
        corpus.prefixed("bearer", 1, format!("Bearer {token}").as_bytes());
    }
    if let Some(jwks) = get("jwks") {
        corpus.add("jwks", text(jwks));
    }
    match op {
        "parse_bearer" => match str_of("authorization") {
            Some(header) => corpus.prefixed("bearer", 1, header.as_bytes()),
            None => corpus.add("bearer", vec![0]),
        },
        "parse_permission" => {
            if let Some(t) = str_of("text") {
                corpus.prefixed("permission_roundtrip", 0, t.as_bytes());
            }
            if let Some(p) = get("permission") {
                corpus.prefixed("permission_roundtrip", 1, &text(p));
            }
        }
        "authorize" | "preview" => {
            for p in get("permissions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match p.as_str() {
                    Some(t) => corpus.prefixed("permission_roundtrip", 0, t.as_bytes()),
                    None => corpus.prefixed("permission_roundtrip", 1, &text(p)),
                }
            }
        }
        "ip_allowed" => {
            let entries: Vec<&str> = get("allowlist")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let ip = str_of("ip").unwrap_or("");
            let seed = format!("{}\n{ip}", entries.join(","));
            corpus.prefixed("allowlist_differential", 0, seed.as_bytes());
        }
        "validate_spec" | "lint" | "create_credential" => {
            if let Some(spec) = get("spec") {
                corpus.add("spec_json", text(spec));
            }
        }
        "parse_token_request" => {
            let seed = format!(
                "{}{}\n\n{}",
                str_of("method").unwrap_or(""),
                header_lines(get("headers")),
                str_of("body").unwrap_or("")
            );
            corpus.prefixed("token_request", 0, seed.as_bytes());
        }
        _ => {}
    }
}

/// Tokens and key sets the core issues itself.
fn issued(corpus: &mut Corpus) {
    let keys = vector_keys();
    let scopes: [&[&str]; 4] = [
        &["vault:read:org"],
        &[
            "balances:read:vault:vlt_1",
            "transaction:read:org",
            "key:update:key:key_9",
        ],
        &["webhook:create:org", "audit:read:org", "key:read:vault"],
        &["policy:delete:vault:vlt_X.1-2"],
    ];
    let lists: [&[&str]; 3] = [
        &["0.0.0.0/0"],
        &["203.0.113.0/24", "198.51.100.7/32"],
        &["10.0.0.0/8", "192.168.1.1/32", "172.16.0.0/12"],
    ];
    for (i, scope) in scopes.iter().enumerate() {
        let permissions: Vec<Permission> = scope
            .iter()
            .filter_map(|t| Permission::parse(t).ok())
            .collect();
        for (j, list) in lists.iter().enumerate() {
            let Ok(allowlist) = Allowlist::parse(list) else {
                continue;
            };
            let key = &keys[(i + j) % keys.len()];
            let (token, _) = issue(
                key,
                &TokenParams {
                    client_id: "cid_seed",
                    org: "org_seed",
                    jti: &format!("jti-seed-{i}-{j}"),
                    now: 1_800_000_000,
                    production: j % 2 == 0,
                    permissions: permissions.clone(),
                    allowlist: allowlist.clone(),
                },
            );
            corpus.prefixed("token_verify", 0, token.as_bytes());
            corpus.prefixed("bearer", 1, format!("Bearer {token}").as_bytes());
        }
        // Permission texts of issued tokens.
        for t in *scope {
            corpus.prefixed("permission_roundtrip", 0, t.as_bytes());
        }
    }
    if let Ok(set) = KeySet::from_signing_keys(&keys) {
        corpus.add(
            "jwks",
            serde_json::to_vec(&set.to_jwks()).unwrap_or_default(),
        );
    }
    // Tamper mode and the arbitrary modes start from a few plain byte strings.
    for seed in [
        &b"\x01"[..],
        b"\x01cid\x00org\x00jti\x00\x10\x00",
        b"\x03\xff\xff\xff\xff",
    ] {
        corpus.add("token_verify", seed.to_vec());
    }
    for seed in [
        &b"\x01\x00"[..],
        b"\x01\x01cid\x00sec\x00",
        b"\x03\x02\x02\x02",
    ] {
        corpus.add("token_request", seed.to_vec());
    }
    for seed in [
        &b"\x01\x01\x0a\x00\x00\x00\x18\x01"[..],
        b"\x01\x02\x03\x04\x05",
    ] {
        corpus.add("allowlist_differential", seed.to_vec());
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let vectors = PathBuf::from(args.first().map_or("../tests/vectors", String::as_str));
    let out = PathBuf::from(args.get(1).map_or("corpus", String::as_str));
    let mut corpus = Corpus::default();
    let mut files: Vec<PathBuf> = fs::read_dir(&vectors)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for file in files {
        let doc: Value = serde_json::from_slice(&fs::read(&file)?)?;
        for case in doc
            .get("cases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(op), Some(input)) =
                (case.get("op").and_then(Value::as_str), case.get("input"))
            else {
                continue;
            };
            from_case(&mut corpus, op, input);
        }
    }
    issued(&mut corpus);
    corpus.write(&out)?;
    Ok(())
}
