//! `credgate`: try, script and debug credgate from a shell.
//!
//! Every command runs the engine through the wasmtime host: the embedded
//! `credgate_abi.wasm` (or `--module PATH`), inside the host's fuel, deadline and memory
//! limits. This binary reads files, the clock and OS entropy; the engine never does.
//!
//! Exit status: 0 success (or allowed), 1 the engine refused (invalid input, denied
//! request, failed verification: the SPEC code is printed), 2 usage error, 3 host failure
//! (module, sandbox limit, file I/O).

mod cache;
mod demo;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use credgate_wasmtime::{
    conformance, AuthorizeInput, CheckInput, CheckRequest, Code, CreateCredentialInput,
    CredgateModule, DiffAnswer, DiffInput, Epoch, ExplainInput, Failure, Host, HostError,
    IssueAnswer, IssueTokenInput, Limits, LintInput, LoadRevocationsInput, PermissionList,
    PublicJwksInput, RotateSecretInput, Seconds, SignRevocationsInput, SigningKeyInput,
    SuggestAnswer, SuggestInput, UnixSeconds, ValidateSpecInput, VerifierInput, VerifyTokenInput,
};
use serde::Serialize;
use serde_json::{json, Value};

/// Default issuer of tokens made and checked by this tool.
pub const DEFAULT_ISSUER: &str = "https://auth.credgate.example";
/// Default audience of tokens made and checked by this tool.
pub const DEFAULT_AUDIENCE: &str = "https://api.credgate.example";

#[derive(Parser)]
#[command(
    name = "credgate",
    version,
    about = "API credentials with Ed25519 access tokens: the credgate engine, run in a wasmtime sandbox",
    long_about = "API credentials with Ed25519 access tokens: the credgate engine, run in a wasmtime sandbox.\n\n\
        Every command runs the engine's WebAssembly module (embedded in this binary) through the \
        wasmtime host, with a fuel budget, a deadline and a memory cap.\n\n\
        Exit status: 0 success/allowed, 1 refused by the engine (the SPEC code is printed), \
        2 usage error, 3 host failure.",
    after_help = "Start with `credgate demo`."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Run this credgate_abi.wasm instead of the embedded module
    #[arg(long, global = true, value_name = "PATH")]
    module: Option<PathBuf>,
    /// Fuel budget per call (0 turns fuel metering off)
    #[arg(
        long,
        global = true,
        value_name = "UNITS",
        default_value_t = 1_000_000_000
    )]
    fuel: u64,
    /// Wall-clock deadline per call in milliseconds (0 turns it off)
    #[arg(long, global = true, value_name = "MS", default_value_t = 1000)]
    deadline_ms: u64,
    /// Cap on the guest's linear memory, in MiB
    #[arg(long, global = true, value_name = "MIB", default_value_t = 64)]
    memory_mib: usize,
    /// Compile the module instead of loading its cached machine code (~/.cache/credgate)
    #[arg(long, global = true)]
    no_cache: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Tell the whole story on a sample organisation: create, exchange, allow, deny, disable, expire, delete
    Demo {
        /// Print the steps as JSON (with every engine output) instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Make a new Ed25519 signing key from OS entropy; prints {"kid","seed"} (keep it secret)
    Keygen {
        /// Key id (default: `k-` and 8 random hex characters)
        #[arg(long)]
        kid: Option<String>,
    },
    /// Print the public JWKS of signing key files ({"kid","seed"} objects or arrays of them)
    Jwks {
        /// Signing key files
        #[arg(required = true, value_name = "KEY.json")]
        keys: Vec<PathBuf>,
    },
    /// Issue or verify access tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Decide a request at the edge: verify the bearer token, the client IP, the org and the permissions
    Check(CheckArgs),
    /// Validate a credential spec file (all problems at once) and lint it
    Validate {
        /// The spec: {"name","description"?,"permission_set_type","permissions","ip_allowlist","environment"}
        #[arg(value_name = "SPEC.json")]
        spec: PathBuf,
    },
    /// Create credentials from a spec, or rotate their secret (entropy from the OS; a secret is shown once)
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// Explain a decision: why a request is allowed or denied, and the narrowest permission that allows it
    Explain(ExplainArgs),
    /// Compare two versions of a spec: what changed, and whether the new one grants new access (exit 1 when it does)
    Diff {
        /// The current version
        #[arg(value_name = "BEFORE.json")]
        before: PathBuf,
        /// The proposed version
        #[arg(value_name = "AFTER.json")]
        after: PathBuf,
    },
    /// Propose a narrower spec from observed usage (its diff never grants new access)
    Suggest {
        /// The current spec
        #[arg(value_name = "SPEC.json")]
        spec: PathBuf,
        /// The usage: [{"request": {...}, "last_at": t, "count"?: n}, ...]
        #[arg(long, value_name = "USAGE.json")]
        usage: PathBuf,
        /// Current time, Unix seconds: uses older than --unused-after-days count as unused
        #[arg(long)]
        now: Option<i64>,
        /// Days without use after which a permission is unused (default 90; needs --now)
        #[arg(long, value_name = "DAYS")]
        unused_after_days: Option<u64>,
    },
    /// Sign or verify signed revocation lists (docs/LIFECYCLE.md)
    #[command(subcommand)]
    Revocations(RevocationsCommand),
    /// Run conformance vector files or folders through the wasmtime host
    Conformance {
        /// Vector files or folders (CONFORMANCE.md format)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Call one engine operation with a JSON input (from the argument or stdin); prints the raw output
    Call {
        /// Operation name (see `credgate call --list`)
        #[arg(required_unless_present = "list")]
        op: Option<String>,
        /// JSON input; `-` or absent reads stdin
        input: Option<String>,
        /// List the operations
        #[arg(long)]
        list: bool,
    },
}

#[derive(Subcommand)]
enum RevocationsCommand {
    /// Sign a revocation list with a token signing key: prints the list (a JWS) to publish; spent entries are dropped
    Sign {
        /// The signing key file ({"kid","seed"})
        #[arg(long, value_name = "KEY.json")]
        key: PathBuf,
        /// The list's epoch: higher than the last published one
        #[arg(long)]
        epoch: u64,
        /// The entries: [{"client_id","not_before"} | {"jti","revoked_at"}, ...]
        #[arg(long, value_name = "ENTRIES.json")]
        entries: PathBuf,
        /// The list's `iss`
        #[arg(long, default_value = DEFAULT_ISSUER)]
        issuer: String,
        /// Signing time, Unix seconds (default: the system clock)
        #[arg(long)]
        now: Option<i64>,
    },
    /// Verify a revocation list against a JWKS: prints its epoch, signing time and entries
    Verify {
        /// The list (`-` reads stdin)
        list: String,
        /// The JWKS file
        #[arg(long, value_name = "JWKS.json")]
        jwks: PathBuf,
        /// The expected `iss`
        #[arg(long, default_value = DEFAULT_ISSUER)]
        issuer: String,
        /// The epoch of the list held: a lower one is `revocations.stale`
        #[arg(long)]
        held_epoch: Option<u64>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Exchange a client secret for an access token (the token endpoint's logic, no HTTP)
    Issue(IssueArgs),
    /// Verify an access token and print its claims
    Verify(VerifyArgs),
}

#[derive(Subcommand)]
enum CredentialCommand {
    /// Create a credential: prints {"credential","client_secret"}
    Create {
        /// The spec file
        #[arg(value_name = "SPEC.json")]
        spec: PathBuf,
        /// The organisation the credential belongs to
        #[arg(long)]
        org: String,
        /// Creation time, Unix seconds (default: now)
        #[arg(long)]
        now: Option<i64>,
        /// The credential's own expiry, Unix seconds (default: never)
        #[arg(long, value_name = "UNIX")]
        expires_at: Option<i64>,
    },
    /// Rotate the client secret: prints {"credential","client_secret"}; the current secret keeps working for --grace seconds
    Rotate {
        /// The stored credential record
        #[arg(long, value_name = "CREDENTIAL.json")]
        credential: PathBuf,
        /// Seconds the current secret keeps working (0 to 30 days)
        #[arg(long, value_name = "SECONDS")]
        grace: u64,
        /// Rotation time, Unix seconds (default: now)
        #[arg(long)]
        now: Option<i64>,
    },
}

#[derive(Args)]
struct ExplainArgs {
    /// The permissions: a JSON array, or a spec or credential record file (its `permissions`)
    #[arg(value_name = "PERMISSIONS.json")]
    permissions: PathBuf,
    #[command(flatten)]
    request: RequestArgs,
    /// The caller's organisation
    #[arg(long)]
    caller_org: Option<String>,
}

#[derive(Args)]
struct TokenOptions {
    /// Expected/issued `iss`
    #[arg(long, default_value = DEFAULT_ISSUER)]
    issuer: String,
    /// Expected/issued `aud`
    #[arg(long, default_value = DEFAULT_AUDIENCE)]
    audience: String,
    /// Current time, Unix seconds (default: the system clock)
    #[arg(long)]
    now: Option<i64>,
}

#[derive(Args)]
struct IssueArgs {
    /// The stored credential record (JSON)
    #[arg(long, value_name = "CREDENTIAL.json")]
    credential: PathBuf,
    /// The client secret
    #[arg(long)]
    secret: String,
    /// The signing key file ({"kid","seed"})
    #[arg(long, value_name = "KEY.json")]
    key: PathBuf,
    /// The caller's IP address
    #[arg(long)]
    ip: String,
    /// Ask for fewer rights: space-separated permissions
    #[arg(long)]
    scope: Option<String>,
    /// Token id (default: 16 random bytes in hex)
    #[arg(long)]
    jti: Option<String>,
    #[command(flatten)]
    options: TokenOptions,
}

#[derive(Args)]
struct VerifyArgs {
    /// The token (`-` reads stdin)
    token: String,
    /// The JWKS file
    #[arg(long, value_name = "JWKS.json")]
    jwks: PathBuf,
    /// Clock leeway, seconds
    #[arg(long, default_value_t = 0)]
    leeway: u64,
    /// A signed revocation list file: a token on it is `token.revoked`
    #[arg(long, value_name = "LIST")]
    revocations: Option<PathBuf>,
    #[command(flatten)]
    options: TokenOptions,
}

#[derive(Args)]
struct CheckArgs {
    /// The token, or a whole `Authorization` header value (`Bearer ...`); `-` reads stdin
    #[arg(long)]
    token: String,
    /// The JWKS file
    #[arg(long, value_name = "JWKS.json")]
    jwks: PathBuf,
    /// The client IP
    #[arg(long)]
    ip: String,
    #[command(flatten)]
    request: RequestArgs,
    /// Clock leeway, seconds
    #[arg(long, default_value_t = 0)]
    leeway: u64,
    /// A signed revocation list file: a token on it is `token.revoked`
    #[arg(long, value_name = "LIST")]
    revocations: Option<PathBuf>,
    #[command(flatten)]
    options: TokenOptions,
}

/// Why a command stopped: what to print and which exit status.
enum Stop {
    /// The engine raised a failure: exit 1, `error: <code>: <message>` (for an invalid
    /// spec: the count of problems, then one line per problem).
    Refused(Failure),
    /// The host failed (module, sandbox limit): exit 3.
    Host(HostError),
    /// A file could not be read or parsed: exit 3.
    Io(String),
}

impl From<HostError> for Stop {
    fn from(e: HostError) -> Self {
        match e {
            HostError::Guest(failure) => Stop::Refused(failure),
            other => Stop::Host(other),
        }
    }
}

type Outcome = Result<ExitCode, Stop>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Stop::Refused(failure)) => {
            // An invalid spec's message lists every problem: print them one a line instead.
            if failure.errors.is_empty() {
                eprintln!("error: {}: {}", failure.code, failure.message);
            } else {
                eprintln!(
                    "error: {}: {} problem(s)",
                    failure.code,
                    failure.errors.len()
                );
            }
            for p in &failure.errors {
                eprintln!("error: {}: {}: {}", p.path, p.code, p.message);
            }
            ExitCode::from(1)
        }
        Err(Stop::Host(e)) => {
            eprintln!("error: {}: {e}", e.code());
            ExitCode::from(3)
        }
        Err(Stop::Io(message)) => {
            eprintln!("error: io: {message}");
            ExitCode::from(3)
        }
    }
}

fn limits(g: &Global) -> Limits {
    Limits {
        fuel_per_call: (g.fuel > 0).then_some(g.fuel),
        deadline: (g.deadline_ms > 0).then(|| Duration::from_millis(g.deadline_ms)),
        memory_bytes: g.memory_mib.saturating_mul(1 << 20),
        ..Limits::default()
    }
}

fn host(g: &Global) -> Result<Host, Stop> {
    let module = match &g.module {
        Some(path) => CredgateModule::from_file(path, limits(g))?,
        None if g.no_cache => CredgateModule::embedded(limits(g))?,
        None => cache::embedded(limits(g))?,
    };
    Ok(module.host())
}

fn read_text(path: &Path) -> Result<String, Stop> {
    std::fs::read_to_string(path)
        .map_err(|e| Stop::Io(format!("cannot read `{}`: {e}", path.display())))
}

fn read_json(path: &Path) -> Result<Value, Stop> {
    serde_json::from_str(&read_text(path)?)
        .map_err(|e| Stop::Io(format!("`{}` is not JSON: {e}", path.display())))
}

fn read_stdin_if_dash(value: &str) -> Result<String, Stop> {
    if value != "-" {
        return Ok(value.to_string());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Stop::Io(format!("cannot read stdin: {e}")))?;
    Ok(text.trim().to_string())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Stop> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Stop::Io(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// The system clock: the CLI's only time source (the engine takes `now` as an argument).
fn now_or_clock(now: Option<i64>) -> Result<i64, Stop> {
    if let Some(now) = now {
        return Ok(now);
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Stop::Io(format!("the system clock is before 1970: {e}")))?;
    i64::try_from(since.as_secs()).map_err(|e| Stop::Io(e.to_string()))
}

/// OS entropy: the CLI's only randomness (the engine takes entropy as an argument).
fn os_entropy(n: usize) -> Result<Vec<u8>, Stop> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Stop::Io(format!("cannot read OS entropy from /dev/urandom: {e}")))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request (SPEC §2) as flags; its JSON form is its serialization, without the members
/// not given.
#[derive(Args, Serialize)]
pub struct RequestArgs {
    /// Request type (vault, key, balances, transaction, address, policy, webhook, audit)
    #[arg(long = "type", value_name = "TYPE")]
    #[serde(rename = "type")]
    pub kind: String,
    /// Request action (create, read, update, delete)
    #[arg(long)]
    pub action: String,
    /// The vault acted on
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// The key acted on (requires --vault)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The organisation named by the request
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

impl RequestArgs {
    /// The request in its JSON form.
    pub fn to_value(&self) -> Value {
        // A struct of strings always serializes.
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Signing keys from a file: one {"kid","seed"} object or an array of them.
fn read_keys(path: &Path) -> Result<Vec<SigningKeyInput>, Stop> {
    let value = read_json(path)?;
    let keys = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|k| vec![k])
    };
    keys.map_err(|e| {
        Stop::Io(format!(
            "`{}` is not a signing key file ({{\"kid\",\"seed\"}} or an array of them): {e}",
            path.display()
        ))
    })
}

fn run(cli: Cli) -> Outcome {
    let g = &cli.global;
    match cli.command {
        Command::Demo { json } => demo::run(&mut host(g)?, json),
        Command::Keygen { kid } => {
            let kid = match kid {
                Some(kid) => kid,
                None => format!("k-{}", hex(&os_entropy(4)?)),
            };
            let key = SigningKeyInput {
                kid,
                seed: hex(&os_entropy(32)?),
            };
            // Round-trip through the engine: refuses a bad kid, proves the key is usable.
            host(g)?.public_jwks(&PublicJwksInput {
                signing_keys: vec![key.clone()],
            })?;
            print_json(&key)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Jwks { keys } => {
            let mut all = Vec::new();
            for path in &keys {
                all.extend(read_keys(path)?);
            }
            let published = host(g)?.public_jwks(&PublicJwksInput { signing_keys: all })?;
            print_json(&published.jwks)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Issue(a)) => token_issue(g, a),
        Command::Token(TokenCommand::Verify(a)) => {
            let input = VerifyTokenInput {
                token: read_stdin_if_dash(&a.token)?,
                now: UnixSeconds(now_or_clock(a.options.now)?),
                verifier: verifier(
                    read_json(&a.jwks)?,
                    a.options,
                    a.leeway,
                    a.revocations.as_deref(),
                )?,
            };
            print_json(&host(g)?.verify_token(&input)?.claims)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(a) => check(g, a),
        Command::Validate { spec } => validate(g, &spec),
        Command::Credential(CredentialCommand::Create {
            spec,
            org,
            now,
            expires_at,
        }) => {
            // An invalid spec is raised (`spec.invalid`, every problem printed by `main`).
            let created = host(g)?.create_credential(&CreateCredentialInput {
                spec: read_json(&spec)?,
                org,
                now: UnixSeconds(now_or_clock(now)?),
                entropy: hex(&os_entropy(credgate_core::credential::ENTROPY_BYTES)?),
                expires_at: expires_at.map(UnixSeconds),
            })?;
            print_json(
                &json!({ "credential": created.credential, "client_secret": created.client_secret }),
            )?;
            eprintln!("note: the client secret is shown once; store only the credential record");
            Ok(ExitCode::SUCCESS)
        }
        Command::Credential(CredentialCommand::Rotate {
            credential,
            grace,
            now,
        }) => {
            // A third live secret is the engine's `credential.secret_limit`.
            let rotated = host(g)?.rotate_secret(&RotateSecretInput {
                credential: read_json(&credential)?,
                now: UnixSeconds(now_or_clock(now)?),
                entropy: hex(&os_entropy(
                    credgate_core::credential::SECRET_ENTROPY_BYTES,
                )?),
                grace_seconds: Seconds(grace),
            })?;
            print_json(
                &json!({ "credential": rotated.credential, "client_secret": rotated.client_secret }),
            )?;
            eprintln!(
                "note: the new client secret is shown once; store only the credential record"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain(a) => explain(g, a),
        Command::Diff { before, after } => diff(g, &before, &after),
        Command::Suggest {
            spec,
            usage,
            now,
            unused_after_days,
        } => suggest(g, &spec, &usage, now, unused_after_days),
        Command::Revocations(command) => revocations(g, command),
        Command::Conformance { paths } => {
            let mut host = host(g)?;
            let summary = conformance::run(&mut host, &paths);
            for failure in &summary.failures {
                println!("{failure}");
            }
            println!("{}", conformance::summary_line(&summary));
            Ok(if summary.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Call { op, input, list } => {
            if list {
                for op in credgate_core::facade::OPS {
                    println!("{op}");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let op = op.unwrap_or_default();
            let input = read_stdin_if_dash(input.as_deref().unwrap_or("-"))?;
            // The wire text as is; exit 1 for a failure or a refusal (`"ok": false`).
            let out = host(g)?.call_json(&op, &input)?;
            println!("{out}");
            let failed = serde_json::from_str::<Value>(&out)
                .map(|v| v.get("ok") == Some(&Value::Bool(false)))
                .unwrap_or(true);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// The verifier's members: the key set, what every token must meet, and optionally a
/// revocation list (verified by the engine: a bad one is its `revocations.invalid`).
fn verifier(
    jwks: Value,
    options: TokenOptions,
    leeway: u64,
    revocations: Option<&Path>,
) -> Result<VerifierInput, Stop> {
    Ok(VerifierInput {
        jwks,
        issuer: options.issuer,
        audience: options.audience,
        leeway: Seconds(leeway),
        revoked_jtis: Vec::new(),
        revocations: revocations
            .map(|path| read_text(path).map(|text| text.trim().to_owned()))
            .transpose()?,
        ..Default::default()
    })
}

fn token_issue(g: &Global, a: IssueArgs) -> Outcome {
    let mut keys = read_keys(&a.key)?;
    let Some(signing_key) = keys.pop() else {
        return Err(Stop::Io(format!(
            "`{}` holds no signing key",
            a.key.display()
        )));
    };
    let jti = match a.jti {
        Some(jti) => jti,
        None => hex(&os_entropy(credgate_core::token::JTI_BYTES)?),
    };
    // The record goes to the engine as read: a bad one is its `credential.invalid`.
    let input = IssueTokenInput {
        credential: Some(read_json(&a.credential)?),
        client_id: None,
        client_secret: a.secret,
        client_ip: a.ip,
        now: UnixSeconds(now_or_clock(a.options.now)?),
        signing_key,
        jti,
        issuer: a.options.issuer,
        audience: a.options.audience,
        scope: a.scope,
        auth_method: None,
    };
    match host(g)?.issue_token(&input)? {
        IssueAnswer::Issued(issued) => {
            print_json(&json!({ "response": issued.response, "claims": issued.claims }))?;
            Ok(ExitCode::SUCCESS)
        }
        IssueAnswer::Refused(refused) => {
            print_json(&json!({
                "error": refused.error, "error_description": refused.error_description,
                "status": refused.status, "reason": refused.reason,
            }))?;
            eprintln!("error: {}: {}", refused.reason, refused.error_description);
            Ok(ExitCode::from(1))
        }
    }
}

fn check(g: &Global, a: CheckArgs) -> Outcome {
    let presented = read_stdin_if_dash(&a.token)?;
    // A whole header (`Bearer …`) is the engine's to read: a malformed or missing bearer
    // token is its 400/401 answer, like any other refusal.
    let (token, authorization) = if presented.contains(' ') {
        (None, Some(presented))
    } else {
        (Some(presented), None)
    };
    let input = CheckInput {
        request: CheckRequest {
            token,
            authorization,
            now: UnixSeconds(now_or_clock(a.options.now)?),
            client_ip: a.ip,
            request: a.request.to_value(),
        },
        verifier: verifier(
            read_json(&a.jwks)?,
            a.options,
            a.leeway,
            a.revocations.as_deref(),
        )?,
    };
    let checked = host(g)?.check(&input)?;
    print_json(&checked)?;
    let outcome = &checked.outcome;
    if outcome.allowed() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "denied: {} (HTTP {}): {}",
            outcome.reason(),
            outcome.status,
            outcome.message
        );
        Ok(ExitCode::from(1))
    }
}

fn validate(g: &Global, path: &Path) -> Outcome {
    let spec = read_json(path)?;
    let mut host = host(g)?;
    let report = host.validate_spec(&ValidateSpecInput { spec: spec.clone() })?;
    if !report.ok {
        print_json(&report)?;
        for p in &report.errors {
            eprintln!("error: {}: {}: {}", p.path, p.code, p.message);
        }
        return Ok(ExitCode::from(1));
    }
    let lint = host.lint(&LintInput {
        spec,
        now: None,
        created_at: None,
        ..LintInput::default()
    })?;
    print_json(&lint)?;
    for f in &lint.findings {
        eprintln!("warning: {}: {}: {}", f.path, f.code, f.message);
    }
    Ok(ExitCode::SUCCESS)
}

/// The permissions of a file: a JSON array, or an object's `permissions` (a spec or a record).
fn read_permissions(path: &Path) -> Result<PermissionList, Stop> {
    let value = read_json(path)?;
    let list = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => match object.remove("permissions") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(Stop::Io(format!(
                    "`{}` has no `permissions` array",
                    path.display()
                )))
            }
        },
        _ => {
            return Err(Stop::Io(format!(
                "`{}` is neither an array of permissions nor a spec",
                path.display()
            )))
        }
    };
    Ok(PermissionList(list.into_iter().collect()))
}

fn explain(g: &Global, a: ExplainArgs) -> Outcome {
    let input = ExplainInput(AuthorizeInput {
        permissions: read_permissions(&a.permissions)?,
        request: a.request.to_value(),
        org: a.caller_org,
    });
    let explained = host(g)?.explain(&input)?;
    print_json(&explained)?;
    let e = &explained.explanation;
    if e.decision.allowed {
        if e.wider_than_needed == Some(true) {
            if let Some(narrowest) = &e.narrowest {
                eprintln!(
                    "note: allowed by a wider permission than needed: `{narrowest}` is enough"
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    } else {
        match &e.narrowest {
            Some(narrowest) => eprintln!(
                "denied: {}; `{narrowest}` would allow it",
                e.decision.reason
            ),
            None => eprintln!("denied: {}", e.decision.reason),
        }
        Ok(ExitCode::from(1))
    }
}

fn diff(g: &Global, before: &Path, after: &Path) -> Outcome {
    let input = DiffInput {
        before: read_json(before)?,
        after: read_json(after)?,
    };
    match host(g)?.diff(&input)? {
        DiffAnswer::Compared(compared) => {
            print_json(&compared)?;
            for finding in &compared.new_access {
                eprintln!(
                    "new access: {}: {}: {}",
                    finding.path, finding.code, finding.message
                );
            }
            Ok(if compared.grants_new_access {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        DiffAnswer::Invalid(report) => {
            print_json(&report)?;
            for p in &report.errors {
                eprintln!("error: {}: {}: {}", p.path, p.code, p.message);
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn suggest(
    g: &Global,
    spec: &Path,
    usage: &Path,
    now: Option<i64>,
    unused_after_days: Option<u64>,
) -> Outcome {
    // The usage goes to the engine as read: a bad entry is its `input.invalid`.
    let input = serde_json::from_value::<SuggestInput>(json!({
        "spec": read_json(spec)?,
        "usage": read_json(usage)?,
        "now": now,
        "unused_after_days": unused_after_days,
    }));
    let answer = match input {
        Ok(input) => host(g)?.suggest(&input)?,
        Err(e) => {
            return Err(Stop::Refused(Failure::new(
                Code::InputInvalid,
                e.to_string(),
            )))
        }
    };
    match answer {
        SuggestAnswer::Suggested(suggestion) => {
            print_json(&suggestion)?;
            if suggestion.unused_credential {
                eprintln!("note: nothing was used: disable the credential rather than keep it");
            }
            Ok(ExitCode::SUCCESS)
        }
        SuggestAnswer::Invalid(report) => {
            print_json(&report)?;
            for p in &report.errors {
                eprintln!("error: {}: {}: {}", p.path, p.code, p.message);
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn revocations(g: &Global, command: RevocationsCommand) -> Outcome {
    match command {
        RevocationsCommand::Sign {
            key,
            epoch,
            entries,
            issuer,
            now,
        } => {
            let Some(signing_key) = read_keys(&key)?.pop() else {
                return Err(Stop::Io(format!(
                    "`{}` holds no signing key",
                    key.display()
                )));
            };
            // The entries go to the engine as read: a bad one is its `input.invalid`.
            let input = serde_json::from_value::<SignRevocationsInput>(json!({
                "signing_key": signing_key,
                "issuer": issuer,
                "epoch": epoch,
                "now": now_or_clock(now)?,
                "entries": read_json(&entries)?,
            }))
            .map_err(|e| Stop::Refused(Failure::new(Code::InputInvalid, e.to_string())))?;
            let signed = host(g)?.sign_revocations(&input)?;
            println!("{}", signed.revocations);
            eprintln!(
                "note: epoch {}, {} entries kept (entries a token lifetime old are dropped)",
                signed.epoch,
                signed.entries.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        RevocationsCommand::Verify {
            list,
            jwks,
            issuer,
            held_epoch,
        } => {
            let loaded = host(g)?.load_revocations(&LoadRevocationsInput {
                revocations: read_stdin_if_dash(&list)?,
                jwks: read_json(&jwks)?,
                issuer,
                held_epoch: held_epoch.map(Epoch),
            })?;
            print_json(&loaded)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
