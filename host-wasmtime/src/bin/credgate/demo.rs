//! `credgate demo`: the whole life of credgate credentials on a sample organisation, told
//! step by step, every step computed by the engine in the wasmtime sandbox.
//!
//! Deterministic: a fixed clock (2026-01-01T00:00:00Z and offsets), fixed entropy, a fixed
//! signing key and fixed token ids, so the output is the same on every machine and run.

use std::fmt::Write as _;
use std::process::ExitCode;

use credgate_wasmtime::{
    CheckInput, CheckRequest, Checked, Code, CreateCredentialInput, Credential, CredentialAction,
    Headers, Host, HostError, IssueAnswer, IssueTokenInput, LintInput, PublicJwksInput, Seconds,
    SetTypeInput, SigningKeyInput, TokenRequestAnswer, TokenRequestInput, UnixSeconds,
    UpdateCredentialInput, VerifierInput,
};
use serde_json::{json, Value};

use crate::{print_json, Stop};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;
const ORG: &str = "org_acme";
const ISSUER: &str = "https://auth.acme.example";
const AUDIENCE: &str = "https://api.acme.example";
/// The demo's signing key seed (a fixed, public value: never use it for real tokens).
const DEMO_SEED: &str = "63726564676174652064656d6f206b6579202d206e6f74207365637265742121";

/// One row of the story.
struct Step {
    time: i64,
    actor: String,
    action: String,
    result: String,
    status: String,
    reason: String,
    detail: Value,
}

struct Story {
    host: Host,
    steps: Vec<Step>,
    jwks: Value,
    key: SigningKeyInput,
    jti: u32,
}

/// The four sample credentials, one per permission set type.
struct Sample {
    actor: &'static str,
    set_type: &'static str,
    name: &'static str,
    description: &'static str,
    /// Permissions to remove from the set type's defaults, then to add.
    remove: &'static [&'static str],
    add: &'static [&'static str],
    ip_allowlist: &'static [&'static str],
    environment: &'static str,
}

const SAMPLES: [Sample; 4] = [
    Sample {
        actor: "treasury-bot",
        set_type: "wallets",
        name: "Treasury wallet bot",
        description: "Manages keys in the treasury vault",
        remove: &[
            "vault:create:org",
            "vault:update:org",
            "key:create:org",
            "key:update:org",
            "balances:read:org",
        ],
        add: &[
            "key:create:vault:vlt_treasury",
            "balances:read:vault:vlt_treasury",
        ],
        ip_allowlist: &["203.0.113.0/24"],
        environment: "production",
    },
    Sample {
        actor: "payments",
        set_type: "transactions",
        name: "Payroll payments service",
        description: "Pays salaries from the payroll vault",
        remove: &["transaction:create:org", "transaction:update:org"],
        add: &["transaction:create:vault:vlt_payroll"],
        ip_allowlist: &["198.51.100.7", "198.51.100.8"],
        environment: "production",
    },
    Sample {
        actor: "risk-admin",
        set_type: "controls",
        name: "Risk team policy admin",
        description: "",
        remove: &[],
        add: &[],
        ip_allowlist: &["192.0.2.0/28"],
        environment: "production",
    },
    Sample {
        actor: "ops-dashboard",
        set_type: "monitoring",
        name: "Ops dashboard",
        description: "Read-only monitoring and webhooks",
        remove: &[],
        add: &[],
        ip_allowlist: &["0.0.0.0/0"],
        environment: "sandbox",
    },
];

/// Fixed entropy for sample `i` (48 bytes, hex): the CLI's demo never reads the OS.
fn demo_entropy(i: usize) -> String {
    (0..48usize)
        .map(|j| format!("{:02x}", (i * 97 + j * 31 + 7) % 256))
        .collect()
}

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn offset(t: i64) -> String {
    let d = t - T0;
    if d == 0 {
        "T+0".into()
    } else if d % 3600 == 0 {
        format!("T+{}h", d / 3600)
    } else if d % 60 == 0 {
        format!("T+{}m", d / 60)
    } else {
        format!("T+{d}s")
    }
}

struct Live {
    credential: Credential,
    secret: String,
    token: Option<String>,
}

/// A stored record as the engine takes it (JSON).
fn record(credential: &Credential) -> Result<Value, HostError> {
    serde_json::to_value(credential).map_err(|e| HostError::Json {
        message: format!("cannot encode the credential record: {e}"),
    })
}

/// A typed answer as the demo's `--json` detail.
fn detail(answer: &impl serde::Serialize) -> Value {
    serde_json::to_value(answer).unwrap_or(Value::Null)
}

impl Story {
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per column of a table row"
    )]
    fn push(
        &mut self,
        time: i64,
        actor: &str,
        action: impl Into<String>,
        result: impl Into<String>,
        status: impl Into<String>,
        reason: impl Into<String>,
        detail: Value,
    ) {
        self.steps.push(Step {
            time,
            actor: actor.into(),
            action: action.into(),
            result: result.into(),
            status: status.into(),
            reason: reason.into(),
            detail,
        });
    }

    fn create(&mut self, i: usize, s: &Sample) -> Result<Live, HostError> {
        let mut permissions = self
            .host
            .set_type_defaults(&SetTypeInput {
                set_type: s.set_type.into(),
            })?
            .permissions;
        permissions.retain(|p| !s.remove.contains(&p.as_str()));
        permissions.extend(s.add.iter().map(|p| p.to_string()));
        let spec = json!({
            "name": s.name, "description": s.description, "permission_set_type": s.set_type,
            "permissions": permissions, "ip_allowlist": s.ip_allowlist, "environment": s.environment,
        });
        let now = T0;
        let lint = self.host.lint(&LintInput {
            spec: spec.clone(),
            now: None,
            created_at: None,
            ..LintInput::default()
        })?;
        // An invalid sample spec would be raised here (`spec.invalid`, every problem).
        let created = self.host.create_credential(&CreateCredentialInput {
            spec: spec.clone(),
            org: ORG.into(),
            now: UnixSeconds(now),
            entropy: demo_entropy(i),
            expires_at: None,
        })?;
        let mut codes: Vec<(Code, usize)> = Vec::new();
        for f in &lint.findings {
            match codes.iter_mut().find(|(c, _)| *c == f.code) {
                Some((_, n)) => *n += 1,
                None => codes.push((f.code, 1)),
            }
        }
        let reason = if codes.is_empty() {
            "lint: clean".to_string()
        } else {
            let shown: Vec<String> = codes
                .iter()
                .map(|(c, n)| {
                    if *n > 1 {
                        format!("{c} x{n}")
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            format!("lint: {}", shown.join(", "))
        };
        let credential = created.credential;
        let result = format!(
            "created {} [{}]: {}",
            credential.client_id,
            s.set_type,
            credential.permissions.join(" ")
        );
        self.push(
            now,
            s.actor,
            "create credential",
            result,
            "-",
            reason,
            json!({ "spec": spec, "credential": credential, "client_secret": created.client_secret, "lint": lint.findings }),
        );
        Ok(Live {
            credential,
            secret: created.client_secret,
            token: None,
        })
    }

    /// The token endpoint: parse the HTTP request, then issue. Returns the token on success.
    fn exchange(
        &mut self,
        live: &Live,
        actor: &str,
        ip: &str,
        now: i64,
    ) -> Result<Option<String>, HostError> {
        self.jti += 1;
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            form_encode(&live.credential.client_id),
            form_encode(&live.secret)
        );
        let http = TokenRequestInput {
            method: "POST".into(),
            headers: Headers::Map(
                [(
                    "Content-Type".to_string(),
                    "application/x-www-form-urlencoded".to_string(),
                )]
                .into(),
            ),
            body,
        };
        let parsed = match self.host.parse_token_request(&http)? {
            TokenRequestAnswer::Parsed(parsed) => parsed,
            TokenRequestAnswer::Refused(refused) => {
                self.push(
                    now,
                    actor,
                    "POST /oauth/token",
                    format!("refused: {}", refused.error.as_str()),
                    refused.status.to_string(),
                    refused.reason.to_string(),
                    detail(&refused),
                );
                return Ok(None);
            }
        };
        let input = IssueTokenInput {
            credential: Some(record(&live.credential)?),
            client_id: Some(parsed.client_id),
            client_secret: parsed.client_secret,
            client_ip: ip.into(),
            now: UnixSeconds(now),
            signing_key: self.key.clone(),
            jti: format!("demo-jti-{:04}", self.jti),
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            scope: parsed.scope,
            auth_method: Some(parsed.auth_method),
        };
        let action = format!("POST /oauth/token from {ip}");
        match self.host.issue_token(&input)? {
            IssueAnswer::Issued(issued) => {
                let result = format!(
                    "token {} (expires {})",
                    issued.claims.jti,
                    offset(issued.claims.exp)
                );
                self.push(
                    now,
                    actor,
                    action,
                    result,
                    issued.status.to_string(),
                    "issued",
                    json!({ "response": issued.response, "claims": issued.claims }),
                );
                Ok(Some(issued.token))
            }
            IssueAnswer::Refused(refused) => {
                let result = format!("refused: {}", refused.error.as_str());
                self.push(now, actor, action, result, refused.status.to_string(), refused.reason.to_string(),
                    json!({ "error": refused.error, "error_description": refused.error_description, "reason": refused.reason }));
                Ok(None)
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "who, from where, when, and the request's parts"
    )]
    fn call(
        &mut self,
        token: &str,
        actor: &str,
        ip: &str,
        now: i64,
        kind: &str,
        action: &str,
        where_: Option<&str>,
        org: Option<&str>,
    ) -> Result<Checked, HostError> {
        // `where_` is a vault id, or `vault/key` for an action on a key.
        let (vault, key) = match where_.map(|w| w.split_once('/')) {
            Some(Some((v, k))) => (Some(v), Some(k)),
            _ => (where_, None),
        };
        let input = CheckInput {
            request: CheckRequest {
                token: Some(token.into()),
                authorization: None,
                now: UnixSeconds(now),
                client_ip: ip.into(),
                request: request(kind, action, vault, key, org),
            },
            verifier: VerifierInput {
                jwks: self.jwks.clone(),
                issuer: ISSUER.into(),
                audience: AUDIENCE.into(),
                leeway: Seconds(0),
                revoked_jtis: Vec::new(),
                revocations: None,
                ..Default::default()
            },
        };
        let checked = self.host.check(&input)?;
        let out = &checked.outcome;
        let mut what = format!("{kind}:{action}");
        if let Some(w) = where_ {
            let _ = write!(what, " in {w}");
        }
        if let Some(o) = org {
            let _ = write!(what, " of {o}");
        }
        let decision = &out.decision;
        let result = if decision.allowed {
            format!("allowed by {}", decision.matched.as_deref().unwrap_or("-"))
        } else {
            match &decision.near_misses {
                Some(near) if !near.is_empty() => {
                    format!("denied; near misses: {}", near.join(", "))
                }
                _ => "denied".to_string(),
            }
        };
        self.push(
            now,
            actor,
            format!("{what} from {ip}"),
            result,
            out.status.to_string(),
            decision.reason.to_string(),
            detail(&checked),
        );
        Ok(checked)
    }

    fn update(
        &mut self,
        live: &mut Live,
        actor: &str,
        action: CredentialAction,
        now: i64,
    ) -> Result<(), HostError> {
        let updated = self.host.update_credential(&UpdateCredentialInput {
            credential: record(&live.credential)?,
            action,
            now: UnixSeconds(now),
            spec: None,
            expires_at: None,
            secret: None,
        })?;
        self.push(
            now,
            "admin",
            format!("{action} {actor}"),
            format!("status: {}", updated.credential.status),
            "-",
            "-",
            json!({ "credential": updated.credential }),
        );
        live.credential = updated.credential;
        Ok(())
    }
}

fn story(host: Host) -> Result<Story, HostError> {
    let key = SigningKeyInput {
        kid: "acme-2026-01".into(),
        seed: DEMO_SEED.into(),
    };
    let mut st = Story {
        host,
        steps: Vec::new(),
        jwks: Value::Null,
        key,
        jti: 0,
    };
    let published = st.host.public_jwks(&PublicJwksInput {
        signing_keys: vec![st.key.clone()],
    })?;
    st.jwks = detail(&published.jwks);
    st.push(
        T0,
        "admin",
        "publish JWKS",
        format!("kid {}", st.key.kid),
        "-",
        "-",
        st.jwks.clone(),
    );

    let mut lives = Vec::new();
    for (i, sample) in SAMPLES.iter().enumerate() {
        lives.push(st.create(i, sample)?);
    }
    let [mut treasury, payments, risk, ops] =
        <[Live; 4]>::try_from(lives).map_err(|_| HostError::Json {
            message: "four samples".into(),
        })?;

    // Exchange secrets for tokens.
    let t = T0 + 60;
    treasury.token = st.exchange(&treasury, "treasury-bot", "203.0.113.10", t)?;
    let pay_token = st.exchange(&payments, "payments", "198.51.100.7", t)?;
    let ops_token = st.exchange(&ops, "ops-dashboard", "192.0.2.200", t)?;
    // A wrong secret and a call from outside the allowlist are refused at the token endpoint.
    let wrong = Live {
        credential: risk.credential.clone(),
        secret: format!("{}x", risk.secret),
        token: None,
    };
    st.exchange(&wrong, "risk-admin", "192.0.2.3", t)?;
    st.exchange(&risk, "risk-admin", "203.0.113.50", t)?;

    // Calls at the edge.
    let t = T0 + 120;
    let treasury_token = treasury.token.clone().unwrap_or_default();
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        t,
        "balances",
        "read",
        Some("vlt_treasury"),
        None,
    )?;
    st.call(
        &treasury_token,
        "treasury-bot",
        "192.0.2.55",
        t,
        "balances",
        "read",
        Some("vlt_treasury"),
        None,
    )?;
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        t,
        "key",
        "create",
        Some("vlt_treasury"),
        None,
    )?;
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        t,
        "key",
        "read",
        Some("vlt_treasury/key_hot"),
        None,
    )?;
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        t,
        "key",
        "update",
        Some("vlt_treasury/key_cold"),
        None,
    )?;
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        t,
        "key",
        "create",
        Some("vlt_payroll"),
        None,
    )?;
    if let Some(tok) = &pay_token {
        st.call(
            tok,
            "payments",
            "198.51.100.7",
            t,
            "transaction",
            "create",
            Some("vlt_payroll"),
            None,
        )?;
        st.call(
            tok,
            "payments",
            "198.51.100.7",
            t,
            "transaction",
            "create",
            Some("vlt_treasury"),
            None,
        )?;
    }
    if let Some(tok) = &ops_token {
        st.call(
            tok,
            "ops-dashboard",
            "192.0.2.200",
            t,
            "audit",
            "read",
            None,
            Some(ORG),
        )?;
        st.call(
            tok,
            "ops-dashboard",
            "192.0.2.200",
            t,
            "webhook",
            "read",
            None,
            Some("org_other"),
        )?;
        st.call(tok, "ops-dashboard", "::1", t, "audit", "read", None, None)?;
    }

    // Disable: the old token stays valid until it expires; no new token.
    st.update(
        &mut treasury,
        "treasury-bot",
        CredentialAction::Disable,
        T0 + 600,
    )?;
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        T0 + 900,
        "balances",
        "read",
        Some("vlt_treasury"),
        None,
    )?;
    let refused = st.exchange(&treasury, "treasury-bot", "203.0.113.10", T0 + 900)?;
    debug_assert!(refused.is_none());
    st.call(
        &treasury_token,
        "treasury-bot",
        "203.0.113.10",
        T0 + 60 + 3600,
        "balances",
        "read",
        Some("vlt_treasury"),
        None,
    )?;

    // Re-enable, then delete for good.
    st.update(
        &mut treasury,
        "treasury-bot",
        CredentialAction::Enable,
        T0 + 3720,
    )?;
    st.update(
        &mut treasury,
        "treasury-bot",
        CredentialAction::Delete,
        T0 + 3780,
    )?;
    st.exchange(&treasury, "treasury-bot", "203.0.113.10", T0 + 3900)?;
    Ok(st)
}

/// Runs the demo and prints it.
pub fn run(host: &mut Host, as_json: bool) -> Result<ExitCode, Stop> {
    let owned = std::mem::replace(host, host.module().host());
    let st = story(owned)?;
    if as_json {
        let steps: Vec<Value> = st
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| json!({
                "step": i + 1, "time": s.time, "at": offset(s.time), "actor": s.actor, "action": s.action,
                "result": s.result, "status": s.status, "reason": s.reason, "detail": s.detail,
            }))
            .collect();
        print_json(&json!({
            "org": ORG, "issuer": ISSUER, "audience": AUDIENCE, "t0": T0,
            "host": { "runtime": "wasmtime", "abi_version": credgate_wasmtime::ABI_VERSION,
                      "calls": st.host.stats().calls, "instantiations": st.host.stats().instantiations },
            "steps": steps,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("credgate demo — organisation {ORG}, vaults vlt_treasury (keys key_hot, key_cold) and vlt_payroll");
    println!("every step below ran in the credgate WebAssembly module under wasmtime (fuel, deadline and memory limits)");
    println!(
        "clock: T0 = 2026-01-01T00:00:00Z; tokens live 1 hour; signing key {}",
        st.key.kid
    );
    println!();
    let headers = ["#", "time", "who", "step", "result", "HTTP", "reason"];
    let rows: Vec<[String; 7]> = st
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            [
                (i + 1).to_string(),
                offset(s.time),
                s.actor.clone(),
                s.action.clone(),
                s.result.clone(),
                s.status.clone(),
                s.reason.clone(),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Keep the long "result" column from blowing up the table: wrap it at 60 columns.
    let result_w = widths.get(4).copied().unwrap_or(0).min(60);
    if let Some(w) = widths.get_mut(4) {
        *w = result_w;
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(widths.iter()) {
            let _ = write!(out, "{cell:<w$}  ");
        }
        out.trim_end().to_string()
    };
    println!("{}", line(&headers.map(String::from)));
    println!("{}", line(&widths.map(|w| "-".repeat(w))));
    for row in rows {
        let [n, time, who, step, result, status, reason] = row;
        let mut chunks = wrap(&result, result_w).into_iter();
        let first = chunks.next().unwrap_or_default();
        println!("{}", line(&[n, time, who, step, first, status, reason]));
        for more in chunks {
            println!(
                "{}",
                line(&[
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    more,
                    String::new(),
                    String::new()
                ])
            );
        }
    }
    println!();
    let s = st.host.stats();
    println!("{} engine calls on {} wasmtime instance(s); run `credgate demo --json` for every input and output", s.calls, s.instantiations);
    Ok(ExitCode::SUCCESS)
}

/// Splits `text` at spaces into lines of at most `width` characters (longer words stay whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(last) = lines.last_mut() else { break };
        if last.is_empty() {
            last.push_str(word);
        } else if last.chars().count() + 1 + word.chars().count() <= width {
            last.push(' ');
            last.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    lines
}

/// A request (SPEC §2) in its JSON form, without the members not given. The demo's words
/// are the engine's to judge, as a caller's would be.
fn request(
    kind: &str,
    action: &str,
    vault: Option<&str>,
    key: Option<&str>,
    org: Option<&str>,
) -> Value {
    let mut request = serde_json::Map::new();
    request.insert("type".into(), kind.into());
    request.insert("action".into(), action.into());
    for (name, value) in [("vault", vault), ("key", key), ("org", org)] {
        if let Some(value) = value {
            request.insert(name.into(), value.into());
        }
    }
    Value::Object(request)
}
