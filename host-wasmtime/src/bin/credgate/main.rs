//! `credgate`: try, script and debug credgate from a shell.
//!
//! Every command runs the engine through the wasmtime host: the embedded
//! `credgate_abi.wasm` (or `--module PATH`), inside the host's fuel, deadline and memory
//! limits. This binary reads files, stdin, the environment (the client secret), the clock
//! and OS entropy; the engine never does.
//!
//! Exit status (`exit.rs` decides per engine code): 0 success or allowed, 1 the answer is
//! a refusal (deny, refused token, failed verification, validation or lint problems), 2
//! usage or input error, 3 host failure (module, sandbox limit, file I/O).

mod cache;
mod demo;
mod exit;
mod input;
mod inspect;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};
use credgate_core::{Action, ResourceType};
use credgate_wasmtime::{
    conformance, AuthorizeInput, CheckInput, CheckRequest, CreateCredentialInput, CredentialAction,
    CredgateModule, DiffAnswer, DiffInput, Epoch, ExplainInput, Failure, Host, HostError,
    IssueAnswer, IssueTokenInput, Limits, LintInput, LoadRevocationsInput, PermissionList,
    PreviewInput, PublicJwksInput, ResourcesInput, RotateSecretInput, Seconds,
    SignRevocationsInput, SigningKeyInput, SuggestAnswer, SuggestInput, UnixSeconds,
    UpdateCredentialInput, ValidateSpecInput, VerifierInput, VerifyTokenInput,
};
use serde::Serialize;
use serde_json::{json, Value};

use exit::Class;
use input::{
    arg_or_stdin, client_secret, parse_time, read_credential, read_json, read_text, SecretSources,
    WordParser,
};

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
        wasmtime host, with a fuel budget, a deadline and a memory cap (the sandbox options, \
        listed by `--help`).\n\n\
        Times (`--now`, `--expires-at`) are RFC 3339 (`2026-12-02T10:00:00Z`) or Unix seconds. \
        A file argument `-` reads stdin (once per command).",
    after_help = "Start with `credgate demo`. `--help` shows the sandbox options, exit statuses and examples.",
    after_long_help = concat!(
        "Exit status:\n  ",
        "0  success, or the request is allowed\n  ",
        "1  the answer is a refusal: deny, refused token or secret, failed verification, ",
        "validation or lint problems, a diff that grants new access, failing vectors\n  ",
        "2  usage or input error: unknown flag or value, a time that is not one, text that is not ",
        "JSON, an invalid spec, permission, request, key, JWKS or record given as input\n  ",
        "3  host failure: the module, a sandbox limit (fuel, deadline, memory), a file that ",
        "cannot be read or written, the clock, OS entropy\n\n",
        "Examples:\n  ",
        "credgate demo\n  ",
        "credgate keygen --kid k1 --out key.json\n  ",
        "credgate jwks key.json > jwks.json\n  ",
        "credgate credential create spec.json --org org_1 > new.json\n  ",
        "credgate token issue --credential new.json --key key.json --ip 203.0.113.5 \\\n      ",
        "| jq -r .response.access_token > token.txt\n  ",
        "credgate check --token - --jwks jwks.json --ip 203.0.113.5 --type balances --action read ",
        "--vault vlt_1 < token.txt\n  ",
        "credgate completions bash > /etc/bash_completion.d/credgate",
    )
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// The sandbox options: global, under their own heading, shown by `--help` only.
#[derive(Args)]
#[command(next_help_heading = "Sandbox options")]
struct Global {
    /// Run this credgate_abi.wasm instead of the embedded module
    #[arg(long, global = true, value_name = "PATH", hide_short_help = true)]
    module: Option<PathBuf>,
    /// Fuel budget per call (0 turns fuel metering off)
    #[arg(
        long,
        global = true,
        value_name = "UNITS",
        default_value_t = 1_000_000_000,
        hide_short_help = true
    )]
    fuel: u64,
    /// Wall-clock deadline per call in milliseconds (0 turns it off)
    #[arg(
        long,
        global = true,
        value_name = "MS",
        default_value_t = 1000,
        hide_short_help = true
    )]
    deadline_ms: u64,
    /// Cap on the guest's linear memory, in MiB
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        default_value_t = 64,
        hide_short_help = true
    )]
    memory_mib: usize,
    /// Compile the module instead of loading its cached machine code (~/.cache/credgate)
    #[arg(long, global = true, hide_short_help = true)]
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
    #[command(after_long_help = "Examples:\n  \
        credgate keygen --kid k1 --out key.json        # mode 0600, refuses to overwrite\n  \
        credgate jwks key.json > jwks.json             # the public half, to publish\n  \
        credgate token issue --key key.json ...")]
    Keygen {
        /// Key id (default: `k-` and 8 random hex characters)
        #[arg(long)]
        kid: Option<String>,
        /// Write the key to FILE (created with mode 0600) instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists (written to a new 0600 file, then renamed over it)
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Print the public JWKS of signing key files ({"kid","seed"} objects or arrays of them)
    Jwks {
        /// Signing key files (`-` reads stdin)
        #[arg(required = true, value_name = "KEY.json")]
        keys: Vec<PathBuf>,
    },
    /// Issue, verify or inspect access tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Decide a request at the edge: verify the bearer token, the client IP, the org and the permissions
    #[command(after_long_help = "Examples:\n  \
        credgate check --token \"$TOKEN\" --jwks jwks.json --ip 203.0.113.5 --type balances --action read --vault vlt_1\n  \
        credgate check --token \"Bearer $TOKEN\" ...       # a whole Authorization header\n  \
        credgate check --token - ... < token.txt        # the token from stdin\n\n\
        Exit status: 0 allowed, 1 denied (the reason is printed), 2 an invalid request.")]
    Check(CheckArgs),
    /// Validate a credential spec (all problems at once) and lint it
    #[command(after_long_help = "Examples:\n  \
        credgate validate spec.json\n  \
        generate-spec | credgate validate -              # the spec from stdin\n  \
        credgate validate --deny-warnings spec.json     # in CI: lint findings fail too\n\n\
        Exit status: 0 valid, 1 invalid (or findings with --deny-warnings), 2 not JSON.")]
    Validate {
        /// The spec: {"name","description"?,"permission_set_type","permissions","ip_allowlist","environment"}; `-` reads stdin
        #[arg(value_name = "SPEC.json")]
        spec: PathBuf,
        /// Exit 1 when lint has findings (warnings), not only on validation errors
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Create, rotate, disable, enable or delete credentials (entropy from the OS; a secret is shown once)
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// What a permission list allows: each type and action's reach, and optionally on given vaults and keys
    #[command(after_long_help = "Examples:\n  \
        credgate preview spec.json\n  \
        credgate preview spec.json --resource vlt_1 --resource vlt_1/key_7\n  \
        echo '[\"balances:read:vault:vlt_1\"]' | credgate preview -")]
    Preview {
        /// The permissions: a JSON array, or a spec or credential record file; `-` reads stdin
        #[arg(value_name = "PERMISSIONS.json")]
        permissions: PathBuf,
        /// A vault (`VAULT`) or a key (`VAULT/KEY`) to show what is allowed on (repeatable)
        #[arg(long, value_name = "VAULT[/KEY]")]
        resource: Vec<String>,
    },
    /// Explain a decision: why a request is allowed or denied, and the narrowest permission that allows it
    #[command(after_long_help = "Examples:\n  \
        credgate explain spec.json --type balances --action read --vault vlt_1\n  \
        credgate explain new.json --type key --action delete --vault vlt_1 --key k1\n\n\
        Exit status: 0 allowed, 1 denied.")]
    Explain(ExplainArgs),
    /// Compare two versions of a spec: what changed, and whether the new one grants new access (exit 1 when it does)
    #[command(after_long_help = "Examples:\n  \
        credgate diff current.json proposed.json\n  \
        git show HEAD:spec.json | credgate diff - spec.json\n\n\
        Exit status: 0 grants nothing new, 1 grants new access, 2 a spec is invalid.")]
    Diff {
        /// The current version (`-` reads stdin)
        #[arg(value_name = "BEFORE.json")]
        before: PathBuf,
        /// The proposed version (`-` reads stdin)
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
        /// Current time (RFC 3339 or Unix seconds): uses older than --unused-after-days count as unused
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(after_long_help = "Examples:\n  \
        credgate completions bash > ~/.local/share/bash-completion/completions/credgate\n  \
        credgate completions zsh > \"${fpath[1]}/_credgate\"\n  \
        credgate completions fish > ~/.config/fish/completions/credgate.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
        /// Signing time, RFC 3339 or Unix seconds (default: the system clock)
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
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
    #[command(after_long_help = "The client secret, first found of:\n  \
        --secret-file PATH      a file (one trailing newline is removed); `-` reads stdin\n  \
        --secret -              stdin (one trailing newline is removed)\n  \
        --credential FILE       the output of `credential create` or `rotate` carries it\n  \
        $CREDGATE_CLIENT_SECRET the environment\n  \
        --secret VALUE          unsafe: visible in `ps` and kept in shell history\n\n\
        Examples:\n  \
        credgate credential create spec.json --org org_1 > new.json\n  \
        credgate token issue --credential new.json --key key.json --ip 203.0.113.5\n  \
        credgate token issue --credential record.json --secret-file secret.txt --key key.json --ip 203.0.113.5\n  \
        credgate credential create spec.json --org org_1 | credgate token issue --credential - --key key.json --ip 203.0.113.5\n\n\
        Exit status: 0 issued, 1 refused (the reason is printed), 2 no secret or bad input.")]
    Issue(IssueArgs),
    /// Verify an access token and print its claims
    #[command(after_long_help = "Examples:\n  \
        credgate token verify \"$TOKEN\" --jwks jwks.json\n  \
        credgate token verify - --jwks jwks.json --now 2026-12-02T10:00:00Z < token.txt\n\n\
        Exit status: 0 valid, 1 verification failed (the `token.*` code is printed).")]
    Verify(VerifyArgs),
    /// Decode a token's header and claims WITHOUT verifying it (for debugging)
    #[command(
        after_long_help = "The output says `\"verified\": false`: nothing in it can be trusted. \
        Use `credgate token verify` to verify.\n\n\
        Examples:\n  \
        credgate token inspect \"$TOKEN\"\n  \
        credgate token inspect - < token.txt\n\n\
        Exit status: 0 decoded, 2 not a compact JWS (three base64url parts, JSON objects)."
    )]
    Inspect {
        /// The token (`-` reads stdin)
        token: String,
    },
}

/// The stored record of `credential disable|enable|delete`.
#[derive(Args)]
struct UpdateArgs {
    /// The stored credential record, or the output of another `credential` command; `-` reads stdin
    #[arg(long, value_name = "CREDENTIAL.json")]
    credential: PathBuf,
    /// Time of the change, RFC 3339 or Unix seconds (default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    now: Option<i64>,
}

#[derive(Subcommand)]
enum CredentialCommand {
    /// Create a credential: prints {"credential","client_secret"} (feed it to `token issue --credential`)
    #[command(after_long_help = "Examples:\n  \
        credgate credential create spec.json --org org_1 > new.json\n  \
        credgate credential create spec.json --org org_1 --expires-at 2027-06-30T00:00:00Z\n  \
        credgate token issue --credential new.json --key key.json --ip 203.0.113.5\n\n\
        Store only `.credential`; the client secret is shown once.")]
    Create {
        /// The spec file (`-` reads stdin)
        #[arg(value_name = "SPEC.json")]
        spec: PathBuf,
        /// The organisation the credential belongs to
        #[arg(long)]
        org: String,
        /// Creation time, RFC 3339 or Unix seconds (default: now)
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<i64>,
        /// The credential's own expiry, RFC 3339 or Unix seconds (default: never)
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        expires_at: Option<i64>,
    },
    /// Rotate the client secret: prints {"credential","client_secret"}; the current secret keeps working for --grace seconds
    Rotate {
        /// The stored credential record, or the output of another `credential` command; `-` reads stdin
        #[arg(long, value_name = "CREDENTIAL.json")]
        credential: PathBuf,
        /// Seconds the current secret keeps working (0 to 30 days)
        #[arg(long, value_name = "SECONDS")]
        grace: u64,
        /// Rotation time, RFC 3339 or Unix seconds (default: now)
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<i64>,
    },
    /// Disable a credential: prints {"credential"}; it cannot obtain tokens until enabled (issued tokens live until they expire)
    Disable(UpdateArgs),
    /// Enable a disabled credential: prints {"credential"}
    Enable(UpdateArgs),
    /// Delete a credential for good: prints {"credential"}; a deleted credential never changes again
    Delete(UpdateArgs),
}

#[derive(Args)]
struct ExplainArgs {
    /// The permissions: a JSON array, or a spec or credential record file (its `permissions`); `-` reads stdin
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
    /// Current time, RFC 3339 or Unix seconds (default: the system clock)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    now: Option<i64>,
}

#[derive(Args)]
struct IssueArgs {
    /// The stored credential record, or the output of `credential create`/`rotate` (its secret is used); `-` reads stdin
    #[arg(long, value_name = "CREDENTIAL.json")]
    credential: PathBuf,
    /// The client secret; `-` reads stdin. UNSAFE as a value: visible in `ps` and shell history
    #[arg(long, value_name = "SECRET|-", conflicts_with = "secret_file")]
    secret: Option<String>,
    /// A file holding the client secret (one trailing newline is removed); `-` reads stdin
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// The signing key file ({"kid","seed"}, as `keygen` writes it)
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
pub enum Stop {
    /// The engine raised a failure: `error: <code>: <message>` (for an invalid spec: the
    /// count of problems, then one line per problem); the status is the code's class.
    Engine(Failure),
    /// The host failed (module, sandbox limit): exit 3.
    Host(HostError),
    /// A file could not be read or written, the clock or entropy failed: exit 3.
    Io(String),
    /// What the user gave cannot be used (not JSON, no secret, not a token): exit 2.
    Usage(String),
}

impl From<HostError> for Stop {
    fn from(e: HostError) -> Self {
        match e {
            HostError::Guest(failure) => Stop::Engine(failure),
            other => Stop::Host(other),
        }
    }
}

type Outcome = Result<ExitCode, Stop>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Stop::Engine(failure)) => {
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
            Class::of(failure.code).exit()
        }
        Err(Stop::Host(e)) => {
            eprintln!("error: {}: {e}", e.code());
            Class::Host.exit()
        }
        Err(Stop::Io(message)) => {
            eprintln!("error: io: {message}");
            Class::Host.exit()
        }
        Err(Stop::Usage(message)) => {
            eprintln!("error: {message}");
            Class::Usage.exit()
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
    use std::io::Read;
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
/// not given. The type and action are the core's words: a typo is a usage error.
#[derive(Args, Serialize)]
pub struct RequestArgs {
    /// Request type
    #[arg(long = "type", value_name = "TYPE", value_parser = WordParser::<ResourceType>::new())]
    #[serde(rename = "type")]
    pub kind: ResourceType,
    /// Request action
    #[arg(long, value_parser = WordParser::<Action>::new())]
    pub action: Action,
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
        // Words and strings always serialize.
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
        Stop::Usage(format!(
            "`{}` is not a signing key file ({{\"kid\",\"seed\"}} or an array of them): {e}",
            path.display()
        ))
    })
}

/// Writes a new key file with mode 0600 from its creation: `create_new`, so an existing
/// file is refused; with `force`, a fresh temporary file beside it is renamed over it.
fn write_key_file(path: &Path, text: &str, force: bool) -> Result<(), Stop> {
    use std::io::Write;
    let open = |target: &Path| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(target)
    };
    let write = |target: &Path| {
        open(target).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()
        })
    };
    if !force {
        return write(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Stop::Usage(format!(
                "`{}` exists: pass `--force` to replace it",
                path.display()
            )),
            _ => Stop::Io(format!("cannot write `{}`: {e}", path.display())),
        });
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        hex(&os_entropy(4)?)
    ));
    let temporary = PathBuf::from(temporary);
    write(&temporary)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Stop::Io(format!("cannot write `{}`: {e}", path.display()))
        })
}

fn run(cli: Cli) -> Outcome {
    let g = &cli.global;
    match cli.command {
        Command::Demo { json } => demo::run(&mut host(g)?, json),
        Command::Keygen { kid, out, force } => {
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
            match out {
                Some(path) => {
                    let text =
                        serde_json::to_string_pretty(&key).map_err(|e| Stop::Io(e.to_string()))?;
                    write_key_file(&path, &text, force)?;
                    eprintln!(
                        "note: wrote signing key `{}` to `{}` (mode 0600); publish `credgate jwks {}`",
                        key.kid,
                        path.display(),
                        path.display()
                    );
                }
                None => print_json(&key)?,
            }
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
                token: arg_or_stdin(&a.token, "the token")?,
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
        Command::Token(TokenCommand::Inspect { token }) => {
            let decoded = inspect::inspect(&arg_or_stdin(&token, "the token")?)?;
            eprintln!(
                "warning: not verified: the signature, issuer, audience and times were not checked"
            );
            print_json(&decoded)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(a) => check(g, a),
        Command::Validate {
            spec,
            deny_warnings,
        } => validate(g, &spec, deny_warnings),
        Command::Credential(command) => credential(g, command),
        Command::Preview {
            permissions,
            resource,
        } => preview(g, &permissions, &resource),
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
                Class::Refused.exit()
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
            let input = arg_or_stdin(input.as_deref().unwrap_or("-"), "the input")?;
            // The wire text as is; a failure exits with its code's class, a refusal
            // (`"ok": false`) with 1.
            let out = host(g)?.call_json(&op, &input)?;
            println!("{out}");
            let value = serde_json::from_str::<Value>(&out).unwrap_or_default();
            if value.get("ok") != Some(&Value::Bool(false)) {
                return Ok(ExitCode::SUCCESS);
            }
            let code = value
                .get("error")
                .and_then(Value::as_str)
                .and_then(credgate_core::Code::from_name);
            Ok(match (value.get("outcome").and_then(Value::as_str), code) {
                (Some("failure"), Some(code)) => Class::of(code).exit(),
                _ => Class::Refused.exit(),
            })
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "credgate", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The `credential` commands; each takes a record or another command's output, and prints
/// `{"credential", "client_secret"?}`, which the others and `token issue` take again.
fn credential(g: &Global, command: CredentialCommand) -> Outcome {
    let (a, action) = match command {
        CredentialCommand::Create {
            spec,
            org,
            now,
            expires_at,
        } => {
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
            return Ok(ExitCode::SUCCESS);
        }
        CredentialCommand::Rotate {
            credential,
            grace,
            now,
        } => {
            // A third live secret is the engine's `credential.secret_limit`.
            let rotated = host(g)?.rotate_secret(&RotateSecretInput {
                credential: read_credential(&credential)?.0,
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
            return Ok(ExitCode::SUCCESS);
        }
        CredentialCommand::Disable(a) => (a, CredentialAction::Disable),
        CredentialCommand::Enable(a) => (a, CredentialAction::Enable),
        CredentialCommand::Delete(a) => (a, CredentialAction::Delete),
    };
    // A deleted credential is the engine's `credential.deleted` (exit 1).
    let updated = host(g)?.update_credential(&UpdateCredentialInput {
        credential: read_credential(&a.credential)?.0,
        action,
        now: UnixSeconds(now_or_clock(a.now)?),
        spec: None,
        expires_at: None,
        secret: None,
    })?;
    print_json(&json!({ "credential": updated.credential }))?;
    Ok(ExitCode::SUCCESS)
}

/// `preview`: the permissions' reach, and on `--resource VAULT[/KEY]` what is allowed there.
fn preview(g: &Global, permissions: &Path, resources: &[String]) -> Outcome {
    let mut vaults: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for resource in resources {
        match resource.split_once('/') {
            Some((vault, key)) => vaults
                .entry(vault.to_owned())
                .or_default()
                .push(key.to_owned()),
            None => {
                vaults.entry(resource.clone()).or_default();
            }
        }
    }
    // A bad permission is `permission.*` with its index, a bad id `request.invalid`.
    let previewed = host(g)?.preview(&PreviewInput {
        permissions: read_permissions(permissions)?,
        resources: (!resources.is_empty()).then_some(ResourcesInput { vaults }),
    })?;
    print_json(&previewed)?;
    Ok(ExitCode::SUCCESS)
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
        return Err(Stop::Usage(format!(
            "`{}` holds no signing key",
            a.key.display()
        )));
    };
    let jti = match a.jti {
        Some(jti) => jti,
        None => hex(&os_entropy(credgate_core::token::JTI_BYTES)?),
    };
    // The record goes to the engine as read: a bad one is its `credential.invalid`.
    let (credential, from_credential) = read_credential(&a.credential)?;
    let client_secret = client_secret(SecretSources {
        arg: a.secret.as_deref(),
        file: a.secret_file.as_deref(),
        from_credential,
    })?;
    let input = IssueTokenInput {
        credential: Some(credential),
        client_id: None,
        client_secret,
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
            Ok(Class::of(refused.reason).exit())
        }
    }
}

fn check(g: &Global, a: CheckArgs) -> Outcome {
    let presented = arg_or_stdin(&a.token, "the token")?;
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
        Ok(Class::of(outcome.reason().code()).exit())
    }
}

fn validate(g: &Global, path: &Path, deny_warnings: bool) -> Outcome {
    let spec = read_json(path)?;
    let mut host = host(g)?;
    let report = host.validate_spec(&ValidateSpecInput { spec: spec.clone() })?;
    if !report.ok {
        print_json(&report)?;
        for p in &report.errors {
            eprintln!("error: {}: {}: {}", p.path, p.code, p.message);
        }
        return Ok(Class::Refused.exit());
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
    if deny_warnings && !lint.findings.is_empty() {
        eprintln!(
            "error: {} lint finding(s) and `--deny-warnings`",
            lint.findings.len()
        );
        return Ok(Class::Refused.exit());
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
                return Err(Stop::Usage(format!(
                    "`{}` has no `permissions` array",
                    path.display()
                )))
            }
        },
        _ => {
            return Err(Stop::Usage(format!(
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
        Ok(Class::of(e.decision.reason.code()).exit())
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
                Class::Refused.exit()
            } else {
                ExitCode::SUCCESS
            })
        }
        DiffAnswer::Invalid(report) => {
            print_json(&report)?;
            for p in &report.errors {
                eprintln!("error: {}: {}: {}", p.path, p.code, p.message);
            }
            // An invalid spec given as input.
            Ok(Class::Usage.exit())
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
            return Err(Stop::Engine(Failure::new(
                credgate_core::Code::InputInvalid,
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
            // An invalid spec given as input.
            Ok(Class::Usage.exit())
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
                return Err(Stop::Usage(format!(
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
            .map_err(|e| {
                Stop::Engine(Failure::new(
                    credgate_core::Code::InputInvalid,
                    e.to_string(),
                ))
            })?;
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
                revocations: arg_or_stdin(&list, "the list")?,
                jwks: read_json(&jwks)?,
                issuer,
                held_epoch: held_epoch.map(Epoch),
            })?;
            print_json(&loaded)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
