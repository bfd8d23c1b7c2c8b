//! The `credgate` binary as people and scripts use it (issue 12): exit statuses by class,
//! secrets off the command line, RFC 3339 times, stdin, outputs that feed the next command,
//! the lifecycle verbs, `token inspect`, `preview`, help and completions. Every test runs the
//! built binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("credgate-cli-cache")
}

/// Runs credgate with `args`, `stdin` (closed when `None`) and extra environment.
fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_credgate"));
    command
        .args(args)
        .env("CREDGATE_CACHE_DIR", cache())
        .env_remove("CREDGATE_CLIENT_SECRET")
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run credgate");
    if let Some(text) = stdin {
        // A command that does not read stdin may exit first: a broken pipe is its answer.
        let _ = child.stdin.take().unwrap().write_all(text.as_bytes());
    }
    child.wait_with_output().unwrap()
}

fn credgate(args: &[&str]) -> Output {
    run(args, None, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", stdout(o), stderr(o)))
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("credgate-cli-ux-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const NOW: &str = "1700000000";
/// NOW + 100 s as RFC 3339.
const SOON_RFC3339: &str = "2023-11-14T22:15:20Z";

fn spec() -> Value {
    json!({"name": "CLI UX bot", "permission_set_type": "wallets",
        "permissions": ["balances:read:vault:vlt_1"], "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox"})
}

/// A key file, its JWKS file, and a `credential create` output file, made with the
/// commands as they were before issue 12, so that each test fails on its own point.
struct Setup {
    dir: TempDir,
    key: String,
    jwks: String,
    created: String,
}

fn setup(name: &str) -> Setup {
    let dir = TempDir::new(name);
    let o = credgate(&["keygen", "--kid", "ux-1"]);
    assert_exit(&o, 0);
    let key = dir.write("key.json", &stdout(&o));
    let o = credgate(&["jwks", &key]);
    assert_exit(&o, 0);
    let jwks = dir.write("jwks.json", &stdout(&o));
    let spec = dir.write("spec.json", &spec().to_string());
    let o = credgate(&[
        "credential",
        "create",
        &spec,
        "--org",
        "org_1",
        "--now",
        NOW,
    ]);
    assert_exit(&o, 0);
    let created = dir.write("new.json", &stdout(&o));
    Setup {
        dir,
        key,
        jwks,
        created,
    }
}

fn issue_args<'a>(credential: &'a str, key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "token",
        "issue",
        "--credential",
        credential,
        "--key",
        key,
        "--ip",
        "203.0.113.5",
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    args
}

/// A token for the setup's credential, asked for as before issue 12 (`--secret` and the
/// record), so that tests of other points do not depend on the composed outputs.
fn issued_token(s: &Setup, extra: &[&str]) -> String {
    let created: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.created).unwrap()).unwrap();
    let record = s
        .dir
        .write("plain-record.json", &created["credential"].to_string());
    let secret = created["client_secret"].as_str().unwrap();
    let mut args = issue_args(&record, &s.key, &["--secret", secret]);
    args.extend_from_slice(extra);
    token_of(&credgate(&args))
}

fn token_of(o: &Output) -> String {
    json_out(o)["response"]["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}\n{}", stdout(o), stderr(o)))
        .to_owned()
}

fn check_args<'a>(jwks: &'a str, token: &'a str, kind: &'a str) -> Vec<&'a str> {
    vec![
        "check",
        "--token",
        token,
        "--jwks",
        jwks,
        "--ip",
        "203.0.113.5",
        "--type",
        kind,
        "--action",
        "read",
        "--vault",
        "vlt_1",
        "--now",
        "1700000100",
    ]
}

/// The pipeline of the brief, through the binary: `keygen --out` feeds `--key`, `jwks` feeds
/// `--jwks`, `credential create`'s output feeds `token issue` (file and pipe) with its
/// secret, and the token feeds `check` on stdin.
#[test]
fn outputs_feed_the_next_command() {
    let s = setup("pipeline");
    // `keygen --out` writes what `--key` and `jwks` read.
    let key = s.dir.path("key-out.json");
    assert_exit(&credgate(&["keygen", "--kid", "ux-1", "--out", &key]), 0);
    let o = credgate(&["jwks", &key]);
    assert_exit(&o, 0);
    let jwks = s.dir.write("jwks-out.json", &stdout(&o));
    let s = Setup { key, jwks, ..s };
    // The file written by `credential create`, as is: the secret comes from it.
    let o = credgate(&issue_args(&s.created, &s.key, &[]));
    assert_exit(&o, 0);
    let token = token_of(&o);
    let o = run(&check_args(&s.jwks, "-", "balances"), Some(&token), &[]);
    assert_exit(&o, 0);
    assert_eq!(json_out(&o)["matched"], "balances:read:vault:vlt_1");

    // A pipe: `credential create … | credgate token issue --credential -`.
    let created = std::fs::read_to_string(&s.created).unwrap();
    let o = run(&issue_args("-", &s.key, &[]), Some(&created), &[]);
    assert_exit(&o, 0);
    // The record alone (what a backend stores) has no secret: a usage error naming the ways.
    let created: Value = serde_json::from_str(&created).unwrap();
    let record = s
        .dir
        .write("record.json", &created["credential"].to_string());
    let o = credgate(&issue_args(&record, &s.key, &[]));
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--secret-file"), "{}", stderr(&o));
    // `rotate` prints the same shape: its new secret works directly.
    let o = credgate(&[
        "credential",
        "rotate",
        "--credential",
        &s.created,
        "--grace",
        "0",
        "--now",
        NOW,
    ]);
    assert_exit(&o, 0);
    let rotated = s.dir.write("rotated.json", &stdout(&o));
    assert_exit(&credgate(&issue_args(&rotated, &s.key, &[])), 0);
    // The old secret was dropped (grace 0): it is refused with the rotated record.
    let env = [(
        "CREDGATE_CLIENT_SECRET",
        created["client_secret"].as_str().unwrap(),
    )];
    let rotated: Value = serde_json::from_str(&std::fs::read_to_string(&rotated).unwrap()).unwrap();
    let rotated_record = s
        .dir
        .write("rotated-record.json", &rotated["credential"].to_string());
    let o = run(&issue_args(&rotated_record, &s.key, &[]), None, &env);
    assert_exit(&o, 1);
    assert_eq!(json_out(&o)["reason"], "client.bad_secret");
}

/// The client secret from a file, stdin or the environment; argv still works.
#[test]
fn secrets_stay_off_the_command_line() {
    let s = setup("secrets");
    let created: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.created).unwrap()).unwrap();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let record = s
        .dir
        .write("record.json", &created["credential"].to_string());

    // A file with one trailing newline (as `echo` writes it).
    let file = s.dir.write("secret.txt", &format!("{secret}\n"));
    assert_exit(
        &credgate(&issue_args(&record, &s.key, &["--secret-file", &file])),
        0,
    );
    // Only one newline is removed: a second one is part of the (now wrong) secret.
    let two = s.dir.write("two.txt", &format!("{secret}\n\n"));
    let o = credgate(&issue_args(&record, &s.key, &["--secret-file", &two]));
    assert_exit(&o, 1);
    assert_eq!(json_out(&o)["reason"], "client.bad_secret");
    // Stdin, through `--secret -` and `--secret-file -`.
    let line = format!("{secret}\n");
    assert_exit(
        &run(
            &issue_args(&record, &s.key, &["--secret", "-"]),
            Some(&line),
            &[],
        ),
        0,
    );
    assert_exit(
        &run(
            &issue_args(&record, &s.key, &["--secret-file", "-"]),
            Some(&line),
            &[],
        ),
        0,
    );
    // The environment.
    let env = [("CREDGATE_CLIENT_SECRET", secret.as_str())];
    assert_exit(&run(&issue_args(&record, &s.key, &[]), None, &env), 0);
    let env = [("CREDGATE_CLIENT_SECRET", "cgs_wrong")];
    assert_exit(&run(&issue_args(&record, &s.key, &[]), None, &env), 1);
    // argv, documented as unsafe.
    assert_exit(
        &credgate(&issue_args(&record, &s.key, &["--secret", &secret])),
        0,
    );
    let o = credgate(&["token", "issue", "--help"]);
    assert!(stdout(&o).contains("UNSAFE"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("CREDGATE_CLIENT_SECRET"),
        "{}",
        stdout(&o)
    );
    // stdin is read once.
    let o = run(
        &issue_args("-", &s.key, &["--secret", "-"]),
        Some(&created.to_string()),
        &[],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("stdin is read once"), "{}", stderr(&o));
}

/// 0 allowed, 1 the answer is no, 2 the input is wrong, 3 the host failed.
#[test]
fn exit_statuses_by_class() {
    let s = setup("exit");
    let token = issued_token(&s, &[]);
    // A real deny: 1.
    let mut args = check_args(&s.jwks, &token, "balances");
    args[12] = "vlt_2";
    let o = credgate(&args);
    assert_exit(&o, 1);
    assert_eq!(json_out(&o)["reason"], "deny.no_matching_permission");
    // A typo in --type: 2, with clap's suggestion and the core's words.
    let o = credgate(&check_args(&s.jwks, &token, "balance"));
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("'balances'"), "{err}");
    assert!(
        err.contains("possible values") || err.contains("similar"),
        "{err}"
    );
    let mut args = check_args(&s.jwks, &token, "balances");
    args[10] = "raed";
    let o = credgate(&args);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("'read'"), "{}", stderr(&o));
    // A failed verification: 1.
    let o = credgate(&[
        "token",
        "verify",
        &token,
        "--jwks",
        &s.jwks,
        "--now",
        "1800000000",
    ]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).starts_with("error: token.expired: "),
        "{}",
        stderr(&o)
    );
    // Not JSON: 2. An invalid JWKS given as input: 2.
    let junk = s.dir.write("junk.json", "{not json");
    let o = credgate(&["token", "verify", &token, "--jwks", &junk, "--now", NOW]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("is not JSON"), "{}", stderr(&o));
    let empty = s.dir.write("empty.json", r#"{"keys": 3}"#);
    let o = credgate(&["token", "verify", &token, "--jwks", &empty, "--now", NOW]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("jwks.invalid"), "{}", stderr(&o));
    // An invalid request (a bad vault id) in `check`: 2.
    let mut args = check_args(&s.jwks, &token, "balances");
    args[12] = "no spaces allowed";
    let o = credgate(&args);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("request.invalid"), "{}", stderr(&o));
    // A file that cannot be read: 3. A sandbox limit: 3.
    let o = credgate(&["token", "verify", &token, "--jwks", "/no/such/jwks.json"]);
    assert_exit(&o, 3);
    let o = credgate(&[
        "--fuel", "1000", "token", "verify", &token, "--jwks", &s.jwks, "--now", NOW,
    ]);
    assert_exit(&o, 3);
    assert!(stderr(&o).contains("host.out_of_fuel"), "{}", stderr(&o));
    // The long help documents the classes.
    let help = stdout(&credgate(&["--help"]));
    for needle in [
        "Exit status:",
        "1  the answer is a refusal",
        "2  usage or input error",
        "3  host failure",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

/// `--now` takes RFC 3339 or Unix seconds; milliseconds are refused with a hint.
#[test]
fn times_are_rfc3339_or_seconds() {
    let s = setup("times");
    let token = issued_token(&s, &[]);
    let verify =
        |now: &str| credgate(&["token", "verify", &token, "--jwks", &s.jwks, "--now", now]);
    let a = verify("1700000100");
    assert_exit(&a, 0);
    let b = verify(SOON_RFC3339);
    assert_exit(&b, 0);
    assert_eq!(stdout(&a), stdout(&b));
    assert_exit(&verify("2023-11-14T23:15:20+01:00"), 0);
    // An hour and more later, in RFC 3339: expired.
    assert_exit(&verify("2023-11-14T23:15:00Z"), 1);
    let o = verify("1700000100000");
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("looks like milliseconds"), "{err}");
    assert!(err.contains("`1700000100`"), "{err}");
    let o = verify("tomorrow");
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("RFC 3339"), "{}", stderr(&o));
    // `--expires-at` too.
    let spec = s.dir.write("spec2.json", &spec().to_string());
    let o = credgate(&[
        "credential",
        "create",
        &spec,
        "--org",
        "org_1",
        "--now",
        NOW,
        "--expires-at",
        "2024-01-01T00:00:00Z",
    ]);
    assert_exit(&o, 0);
    assert_eq!(json_out(&o)["credential"]["expires_at"], 1_704_067_200);
}

#[test]
fn validate_reads_stdin_and_denies_warnings() {
    let clean = json!({"name": "Clean bot", "permission_set_type": "monitoring",
        "permissions": ["audit:read:org"], "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox"});
    let o = run(&["validate", "-"], Some(&clean.to_string()), &[]);
    assert_exit(&o, 0);
    assert_eq!(json_out(&o)["ok"], true);
    assert_exit(
        &run(
            &["validate", "--deny-warnings", "-"],
            Some(&clean.to_string()),
            &[],
        ),
        0,
    );

    let mut wide = clean.clone();
    wide["ip_allowlist"] = json!(["0.0.0.0/0"]);
    let o = run(&["validate", "-"], Some(&wide.to_string()), &[]);
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("warning: "), "{}", stderr(&o));
    let o = run(
        &["validate", "--deny-warnings", "-"],
        Some(&wide.to_string()),
        &[],
    );
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("lint.all_addresses"), "{}", stderr(&o));
    // Invalid: 1 (the answer); not JSON: 2.
    let mut bad = clean;
    bad["environment"] = json!("moon");
    assert_exit(&run(&["validate", "-"], Some(&bad.to_string()), &[]), 1);
    let o = run(&["validate", "-"], Some("{"), &[]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("stdin is not JSON"), "{}", stderr(&o));
}

#[test]
fn token_inspect_decodes_without_verifying() {
    let s = setup("inspect");
    let token = issued_token(&s, &["--jti", "j-ux"]);
    let o = credgate(&["token", "inspect", &token]);
    assert_exit(&o, 0);
    let out = json_out(&o);
    assert_eq!(out["verified"], false);
    assert_eq!(out["header"]["kid"], "ux-1");
    assert_eq!(out["header"]["alg"], "EdDSA");
    assert_eq!(out["claims"]["jti"], "j-ux");
    assert_eq!(out["signature_bytes"], 64);
    assert!(stderr(&o).contains("not verified"), "{}", stderr(&o));
    // From stdin, and with a forged signature: still decoded, still unverified.
    let o = run(&["token", "inspect", "-"], Some(&format!("{token}\n")), &[]);
    assert_eq!(json_out(&o)["claims"], out["claims"]);
    // Malformed: 2.
    for bad in [
        "abc",
        "a.b",
        "!!.e30.AA",
        "e30.bm90IGpzb24.AA",
        "e30.e30.e30.e30",
    ] {
        let o = credgate(&["token", "inspect", bad]);
        assert_exit(&o, 2);
        assert!(
            stderr(&o).contains("not a compact JWS"),
            "{bad}: {}",
            stderr(&o)
        );
    }
    let huge = "a".repeat(9000);
    assert_exit(&credgate(&["token", "inspect", &huge]), 2);
}

#[test]
fn credential_disable_enable_delete() {
    let s = setup("lifecycle");
    let update = |verb: &str, input: &str, out: &str| {
        let o = credgate(&["credential", verb, "--credential", input, "--now", NOW]);
        assert_exit(&o, 0);
        s.dir.write(out, &stdout(&o))
    };
    let disabled = update("disable", &s.created, "disabled.json");
    let record: Value = serde_json::from_str(&std::fs::read_to_string(&disabled).unwrap()).unwrap();
    assert_eq!(record["credential"]["status"], "disabled");
    assert!(
        record.get("client_secret").is_none(),
        "a secret is shown once"
    );
    let created: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.created).unwrap()).unwrap();
    let env = [(
        "CREDGATE_CLIENT_SECRET",
        created["client_secret"].as_str().unwrap(),
    )];
    let o = run(&issue_args(&disabled, &s.key, &[]), None, &env);
    assert_exit(&o, 1);
    assert_eq!(json_out(&o)["reason"], "client.disabled");

    let enabled = update("enable", &disabled, "enabled.json");
    assert_exit(&run(&issue_args(&enabled, &s.key, &[]), None, &env), 0);

    let deleted = update("delete", &enabled, "deleted.json");
    let o = run(&issue_args(&deleted, &s.key, &[]), None, &env);
    assert_exit(&o, 1);
    assert_eq!(json_out(&o)["reason"], "client.deleted");
    let o = credgate(&[
        "credential",
        "enable",
        "--credential",
        &deleted,
        "--now",
        NOW,
    ]);
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("credential.deleted"), "{}", stderr(&o));
    // Not a record: 2.
    let junk = s.dir.write("junk.json", r#"{"client_id": 1}"#);
    let o = credgate(&["credential", "disable", "--credential", &junk, "--now", NOW]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains(".invalid: "), "{}", stderr(&o));
}

#[test]
fn preview_shows_the_reach() {
    let dir = TempDir::new("preview");
    let spec = dir.write(
        "spec.json",
        &json!({"name": "Preview bot", "permission_set_type": "wallets",
            "permissions": ["balances:read:vault:v1", "key:read:org"],
            "ip_allowlist": ["203.0.113.0/24"], "environment": "sandbox"})
        .to_string(),
    );
    let o = credgate(&["preview", &spec, "--resource", "v1", "--resource", "v1/k1"]);
    assert_exit(&o, 0);
    let out = json_out(&o);
    assert_eq!(out["resources"]["org"], json!(["key:read"]));
    assert_eq!(
        out["resources"]["vaults"]["v1"],
        json!(["key:read", "balances:read"])
    );
    assert_eq!(
        out["resources"]["keys"]["v1/k1"],
        json!(["key:read", "balances:read"])
    );
    let o = run(
        &["preview", "-"],
        Some(r#"["balances:read:vault:v1"]"#),
        &[],
    );
    assert_exit(&o, 0);
    assert!(json_out(&o).get("resources").is_none());
    let o = run(&["preview", "-"], Some(r#"["balances:read"]"#), &[]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("permission.invalid"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn keygen_out_is_0600_and_never_overwrites_silently() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("keygen");
    let path = dir.path("key.json");
    let o = credgate(&["keygen", "--kid", "k-file", "--out", &path]);
    assert_exit(&o, 0);
    assert!(
        o.stdout.is_empty(),
        "the seed is not printed: {}",
        stdout(&o)
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let first = std::fs::read_to_string(&path).unwrap();
    let key: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(key["kid"], "k-file");
    let o = credgate(&["keygen", "--out", &path]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
    // --force replaces it with a new file made 0600, whatever the old file's mode was.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_exit(&credgate(&["keygen", "--out", &path, "--force"]), 0);
    assert_ne!(std::fs::read_to_string(&path).unwrap(), first);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        std::fs::read_dir(&dir.0).unwrap().count(),
        1,
        "no temporary left"
    );
    // And it feeds `jwks`.
    assert_exit(&credgate(&["jwks", &path]), 0);
}

#[test]
fn help_groups_the_sandbox_options_and_shows_examples() {
    let short = stdout(&credgate(&["check", "-h"]));
    assert!(!short.contains("--fuel"), "{short}");
    assert!(!short.contains("--memory-mib"), "{short}");
    let long = stdout(&credgate(&["check", "--help"]));
    let (before, sandbox) = long.split_once("Sandbox options:").expect(&long);
    for flag in [
        "--module",
        "--fuel",
        "--deadline-ms",
        "--memory-mib",
        "--no-cache",
    ] {
        assert!(sandbox.contains(flag), "{flag}: {long}");
        assert!(!before.contains(flag), "{flag} before the heading: {long}");
    }
    // The core's words are listed.
    assert!(long.contains("balances"), "{long}");
    for args in [
        vec!["--help"],
        vec!["check", "--help"],
        vec!["token", "issue", "--help"],
        vec!["token", "verify", "--help"],
        vec!["token", "inspect", "--help"],
        vec!["credential", "create", "--help"],
        vec!["validate", "--help"],
        vec!["explain", "--help"],
        vec!["diff", "--help"],
        vec!["preview", "--help"],
        vec!["keygen", "--help"],
    ] {
        let o = credgate(&args);
        assert!(stdout(&o).contains("Examples:"), "{args:?}: {}", stdout(&o));
    }
}

#[test]
fn completions_for_the_shells() {
    for (shell, needle) in [
        ("bash", "_credgate()"),
        ("zsh", "#compdef credgate"),
        ("fish", "complete -c credgate"),
    ] {
        let o = credgate(&["completions", shell]);
        assert_exit(&o, 0);
        let text = stdout(&o);
        assert!(text.contains(needle), "{shell}: {text}");
        assert!(text.contains("inspect"), "{shell}");
    }
    assert_exit(&credgate(&["completions", "tcsh"]), 2);
}
