//! The credential story, told by the core alone: create a credential, exchange its secret
//! for a token, call from an allowed and a blocked address, disable it, and watch the old
//! token keep working until it expires while new tokens are refused.
//!
//! Run it with `make demo-native` (or `cargo run -p credgate-core --example story`). Time
//! and entropy are fixed here, so the output is the same on every run.

use base64::Engine as _;
use credgate_core::oauth::{issue_token, parse_token_request, IssueContext};
use credgate_core::token::IssueTime;
use credgate_core::{spec, Credential, KeySet, Request, SigningKey, Verifier, VerifyOptions};
use serde_json::json;

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "https://api.example.test";
const T0: i64 = 1_700_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = SigningKey::from_seed("2026-11", &[42; 32])?;
    let verifier = Verifier::new(
        KeySet::from_signing_keys([&key])?,
        VerifyOptions {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            ..Default::default()
        },
    );

    step("1. An admin creates a credential for the payments backend");
    let spec = spec::validate(&json!({
        "name": "Payments backend", "description": "Reads balances in the treasury vault",
        "permission_set_type": "wallets",
        "permissions": ["balances:read:vault:vlt_treasury", "key:read:org"],
        "ip_allowlist": ["203.0.113.0/24"], "environment": "production",
    }))?;
    let entropy: Vec<u8> = (0u8..48).collect(); // a host passes OS randomness here
    let created = Credential::create(&spec, "org_acme", T0, &entropy)?;
    let mut credential = created.credential;
    println!("   client_id      {}", credential.client_id);
    println!(
        "   client_secret  {}  (shown once; only its SHA-256 is stored)",
        created.client_secret
    );
    println!("   permissions    {}", credential.permissions.join(" "));

    step("2. The backend exchanges its secret for a token (client credentials grant)");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        credential.client_id, created.client_secret
    ));
    let authorization = format!("Basic {basic}");
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", authorization.as_str()),
    ];
    let token_request = parse_token_request("POST", headers, "grant_type=client_credentials")?;
    let context = IssueContext {
        issuer: ISSUER,
        audience: AUDIENCE,
        signing_key: &key,
        now: IssueTime::new(T0)?,
        jti: "jti-0001",
    };
    let issued = issue_token(Some(&credential), &token_request, "203.0.113.10", &context)?;
    let token = issued.response.access_token;
    println!(
        "   200 token_type=Bearer expires_in=3600 scope=\"{}\"",
        issued.response.scope
    );

    step("3. The backend calls the API");
    let read = Request::new(
        "balances",
        "read",
        Some("vlt_treasury"),
        None,
        Some("org_acme"),
    )?;
    let write = Request::new("transaction", "create", Some("vlt_treasury"), None, None)?;
    let other_vault = Request::new("balances", "read", Some("vlt_ops"), None, None)?;
    show(
        &verifier,
        &token,
        T0 + 60,
        "203.0.113.10",
        &read,
        "read treasury balances",
    );
    show(
        &verifier,
        &token,
        T0 + 60,
        "198.51.100.1",
        &read,
        "same call, from outside the allowlist",
    );
    show(
        &verifier,
        &token,
        T0 + 60,
        "203.0.113.10",
        &other_vault,
        "read another vault's balances",
    );
    show(
        &verifier,
        &token,
        T0 + 60,
        "203.0.113.10",
        &write,
        "create a transaction",
    );

    step("4. The admin disables the credential");
    credential.disable(T0 + 120)?;
    println!("   status {}", credential.status.as_str());
    let context = IssueContext {
        now: IssueTime::new(T0 + 180)?,
        jti: "jti-0002",
        ..context
    };
    match issue_token(Some(&credential), &token_request, "203.0.113.10", &context) {
        Ok(_) => println!("   unexpected: a disabled credential got a token"),
        Err(e) => println!(
            "   new token refused: {} {} (reason {})",
            e.status(),
            e.error.as_str(),
            e.reason
        ),
    }
    show(
        &verifier,
        &token,
        T0 + 3599,
        "203.0.113.10",
        &read,
        "old token, last second of its hour",
    );
    show(
        &verifier,
        &token,
        T0 + 3600,
        "203.0.113.10",
        &read,
        "old token, one hour after issue",
    );

    step("5. The admin deletes the credential; deletion is final");
    credential.delete(T0 + 4000)?;
    match credential.enable(T0 + 4001) {
        Ok(()) => println!("   unexpected: re-enabled"),
        Err(e) => println!("   enable refused: {} ({})", e, e.code()),
    }
    Ok(())
}

fn step(title: &str) {
    println!("\n{title}");
}

fn show(verifier: &Verifier, token: &str, now: i64, ip: &str, request: &Request, what: &str) {
    let outcome = verifier.check(token, now, ip, request);
    println!(
        "   {:<40} from {:<14} -> {} {:<28} {}",
        what,
        ip,
        outcome.status,
        outcome.reason().code(),
        outcome.decision.matched.as_deref().unwrap_or_default()
    );
}
