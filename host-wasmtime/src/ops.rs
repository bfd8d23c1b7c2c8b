//! Typed calls for every operation of the ABI.
//!
//! Each method serializes a typed input, calls the guest through [`Host::call_json`], and
//! decodes the JSON answer. The rule for failures:
//!
//! - an answer with `"ok": false` and a stable `"error"` becomes
//!   `Err(HostError::Guest { code, message })` — `token.expired`, `permission.unknown_type`,
//!   `input.invalid`, ...;
//! - answers whose failure is itself a normal result stay values: decisions (`allowed:
//!   false`), validation problem lists ([`Validation`], [`Created::Invalid`]), and the OAuth
//!   answers ([`OAuthFailure`], [`BearerFailure`]) a server sends back as an HTTP response.
//!
//! The shapes mirror the engine's JSON façade (CONFORMANCE.md and the project README).
//! Unknown output members are ignored, so a newer guest stays compatible.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use credgate_core::credential::Credential;

use crate::error::HostError;
use crate::runtime::Host;

/// A request to authorize: what is done, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInput {
    /// `vault`, `key`, `balances`, `transaction`, `address`, `policy`, `webhook`, `audit`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `create`, `read`, `update`, `delete`.
    pub action: String,
    /// The vault acted on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// The key acted on, if any (requires `vault`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The organisation named by the request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// A signing key: `kid` and the 32-byte Ed25519 seed in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyInput {
    /// Key id.
    pub kid: String,
    /// 64 lowercase hex characters.
    pub seed: String,
}

/// A parsed permission.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ParsedPermission {
    /// The canonical text form.
    pub canonical: String,
    /// The JSON form.
    pub permission: Value,
}

/// One validation problem of a credential spec.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Problem {
    /// `name`, `permissions[2]`, ...
    pub path: String,
    /// A SPEC §4 code.
    pub code: String,
    /// What to do about it.
    #[serde(default)]
    pub message: String,
}

/// The result of `validate_spec`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Validation {
    /// True when the spec is valid.
    pub ok: bool,
    /// Every problem (empty when valid).
    #[serde(default)]
    pub errors: Vec<Problem>,
}

/// The result of `ip_allowed`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IpVerdict {
    /// Whether the IP is allowed.
    pub allowed: bool,
    /// `allow`, `deny.ip_not_allowed` or `deny.ip_invalid`.
    pub reason: String,
}

/// The result of `authorize`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// The reason code.
    pub reason: String,
    /// On allow, the first matching permission.
    #[serde(default)]
    pub matched: Option<String>,
    /// On deny, the permissions of the same type and action that did not cover it.
    #[serde(default)]
    pub near_misses: Option<Vec<String>>,
}

/// The claims of a verified credgate token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject (the client id).
    pub sub: String,
    /// Audience: a string or an array.
    pub aud: Value,
    /// Client id.
    pub client_id: String,
    /// Issued at.
    pub iat: i64,
    /// Expires at.
    pub exp: i64,
    /// Not before, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Token id.
    pub jti: String,
    /// Space-separated canonical permissions.
    pub scope: String,
    /// Organisation.
    pub org: String,
    /// Allowlist in CIDR form.
    pub ips: Vec<String>,
    /// Environment.
    pub env: String,
}

/// Input of `verify_token` (and the token part of `check`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyInput {
    /// The compact JWS.
    pub token: String,
    /// The JWKS to verify against.
    pub jwks: Value,
    /// Unix seconds.
    pub now: i64,
    /// Expected issuer.
    pub issuer: String,
    /// Expected audience.
    pub audience: String,
    /// Clock leeway, seconds.
    pub leeway: u64,
    /// Token ids to refuse (an explicit revocation list; empty by default).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revoked_jtis: Vec<String>,
}

/// Input of `check`: a token, a client IP and a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckInput {
    /// Token, keys, time, issuer, audience.
    #[serde(flatten)]
    pub verify: VerifyInput,
    /// What is asked.
    pub request: RequestInput,
    /// From where.
    pub client_ip: String,
}

/// The result of `check`: the edge decision.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckOutput {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// 200, 400, 401 or 403.
    pub status: u16,
    /// The reason code (SPEC §8).
    pub reason: String,
    /// On allow, the permission that matched.
    #[serde(default)]
    pub matched: Option<String>,
    /// On a permission deny, the near misses.
    #[serde(default)]
    pub near_misses: Option<Vec<String>>,
    /// A person-readable explanation.
    #[serde(default)]
    pub message: String,
    /// The `WWW-Authenticate` value to send with a 401/403.
    #[serde(default)]
    pub www_authenticate: Option<String>,
    /// The verified claims, when the token verified.
    #[serde(default)]
    pub claims: Option<Claims>,
    /// The audit record of the decision.
    #[serde(default)]
    pub audit: Option<Value>,
}

/// Input of `parse_token_request`: an HTTP request to the token endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TokenHttpRequest {
    /// HTTP method.
    pub method: String,
    /// Headers (names matched case-insensitively).
    pub headers: BTreeMap<String, String>,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
}

/// A parsed token request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenRequest {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// The requested scope, if any.
    #[serde(default)]
    pub scope: Option<String>,
    /// `client_secret_basic` or `client_secret_post`.
    pub auth_method: String,
}

/// An OAuth error answer (RFC 6749 §5.2), with the internal reason for audit logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthFailure {
    /// `invalid_request`, `invalid_client`, `invalid_scope`, `unsupported_grant_type`, ...
    pub error: String,
    /// Human text for the client.
    #[serde(default)]
    pub error_description: String,
    /// HTTP status.
    pub status: u16,
    /// The SPEC §8 reason (never sent to the client).
    pub reason: String,
    /// Response headers (`WWW-Authenticate`, `Cache-Control`, ...).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Input of `issue_token`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueInput {
    /// The stored credential record (`None`: the client is unknown).
    pub credential: Option<Credential>,
    /// The client id presented (defaults to the credential's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client secret presented.
    pub client_secret: String,
    /// The caller's IP.
    pub client_ip: String,
    /// Unix seconds.
    pub now: i64,
    /// The key to sign with.
    pub signing_key: SigningKeyInput,
    /// The token id, used as is.
    pub jti: String,
    /// Issuer.
    pub issuer: String,
    /// Audience.
    pub audience: String,
    /// A narrower scope, if asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The token response body (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds: 3600.
    pub expires_in: i64,
    /// Granted permissions, space-separated.
    pub scope: String,
}

/// A successful issuance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Issued {
    /// HTTP status (200).
    pub status: u16,
    /// Response headers (`Cache-Control: no-store`, `Pragma: no-cache`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The JSON response body.
    pub response: TokenResponse,
    /// The token (same as `response.access_token`).
    pub token: String,
    /// The token's claims.
    pub claims: Claims,
}

/// The result of `preview` (the project's documented preview shape).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Preview {
    /// Canonical permissions.
    pub permissions: Vec<String>,
    /// The reach of each type and action.
    pub grants: Value,
    /// The view on concrete resources, when resources were given.
    #[serde(default)]
    pub resources: Option<Value>,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Finding {
    /// A `lint.*` code.
    pub code: String,
    /// Where.
    pub path: String,
    /// Advice.
    #[serde(default)]
    pub message: String,
}

/// The result of `lint`: findings of a valid spec, or the spec's validation problems.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LintOutput {
    /// False when the spec is invalid (then `errors` says why and `findings` is empty).
    pub ok: bool,
    /// Advice.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Validation problems of an invalid spec.
    #[serde(default)]
    pub errors: Vec<Problem>,
}

/// The result of `create_credential`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// The record to store, and the secret to show once.
    Credential {
        /// Store this.
        credential: Credential,
        /// Show this once; it is not stored anywhere.
        client_secret: String,
    },
    /// The spec is invalid: every problem.
    Invalid(Vec<Problem>),
}

/// A refused `Authorization` header (RFC 6750).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BearerFailure {
    /// `bearer.missing` or `bearer.malformed`.
    pub error: String,
    /// HTTP status (401 or 400).
    pub status: u16,
    /// The challenge to send back.
    #[serde(default)]
    pub www_authenticate: Option<String>,
    /// Human text.
    #[serde(default)]
    pub message: String,
}

/// The result of `verify_secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SecretCheck {
    /// The secret matches the record.
    pub valid: bool,
    /// The secret has credgate's secret format.
    pub well_formed: bool,
}

fn guest_error(v: &Value) -> HostError {
    let code = v
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("host.abi")
        .to_string();
    let message = v
        .get("message")
        .or_else(|| v.get("error_description"))
        .and_then(Value::as_str)
        .unwrap_or("the engine refused the input")
        .to_string();
    HostError::Guest { code, message }
}

fn is_failure(v: &Value) -> bool {
    v.get("ok") == Some(&Value::Bool(false)) || (v.get("ok").is_none() && v.get("error").is_some())
}

fn decode<T: DeserializeOwned>(op: &str, v: Value) -> Result<T, HostError> {
    serde_json::from_value(v).map_err(|e| HostError::Json {
        message: format!("unexpected `{op}` output: {e}"),
    })
}

impl Host {
    fn run<I: Serialize + ?Sized>(&mut self, op: &str, input: &I) -> Result<Value, HostError> {
        let text = serde_json::to_string(input).map_err(|e| HostError::Json {
            message: format!("cannot encode the `{op}` input: {e}"),
        })?;
        let out = self.call_json(op, &text)?;
        serde_json::from_str(&out)
            .map_err(|e| HostError::abi(format!("the `{op}` output is not JSON: {e}")))
    }

    /// Runs `op` and decodes a success; any `ok: false` answer is `HostError::Guest`.
    fn simple<I: Serialize + ?Sized, T: DeserializeOwned>(
        &mut self,
        op: &str,
        input: &I,
    ) -> Result<T, HostError> {
        let v = self.run(op, input)?;
        if is_failure(&v) {
            return Err(guest_error(&v));
        }
        decode(op, v)
    }

    /// Runs an OAuth-style `op`: a failure with an HTTP `status` is a value.
    fn oauth<I: Serialize + ?Sized, T: DeserializeOwned, F: DeserializeOwned>(
        &mut self,
        op: &str,
        input: &I,
    ) -> Result<Result<T, F>, HostError> {
        let v = self.run(op, input)?;
        if !is_failure(&v) {
            return decode(op, v).map(Ok);
        }
        if v.get("status").is_some() {
            return decode(op, v).map(Err);
        }
        Err(guest_error(&v))
    }

    /// Parses a permission from its text form (`balances:read:vault:vlt_01`).
    pub fn parse_permission(&mut self, text: &str) -> Result<ParsedPermission, HostError> {
        self.simple("parse_permission", &serde_json::json!({ "text": text }))
    }

    /// Parses a permission from its JSON form (`{"type","action","scope","resource"?}`).
    pub fn parse_permission_value(
        &mut self,
        permission: &Value,
    ) -> Result<ParsedPermission, HostError> {
        self.simple(
            "parse_permission",
            &serde_json::json!({ "permission": permission }),
        )
    }

    /// Validates a credential spec, reporting every problem.
    pub fn validate_spec(&mut self, spec: &Value) -> Result<Validation, HostError> {
        let v = self.run("validate_spec", &serde_json::json!({ "spec": spec }))?;
        if is_failure(&v) && v.get("errors").is_none() {
            return Err(guest_error(&v));
        }
        decode("validate_spec", v)
    }

    /// Whether `ip` is within `allowlist` (an invalid allowlist is an error).
    pub fn ip_allowed(&mut self, allowlist: &[&str], ip: &str) -> Result<IpVerdict, HostError> {
        self.simple(
            "ip_allowed",
            &serde_json::json!({ "allowlist": allowlist, "ip": ip }),
        )
    }

    /// The decision for `request` under `permissions` (text or JSON forms).
    pub fn authorize(
        &mut self,
        permissions: &[Value],
        request: &RequestInput,
        org: Option<&str>,
    ) -> Result<Decision, HostError> {
        self.simple(
            "authorize",
            &serde_json::json!({ "permissions": permissions, "request": request, "org": org }),
        )
    }

    /// Verifies a token; a failure is `HostError::Guest` with a `token.*`/`jwks.*` code.
    pub fn verify_token(&mut self, input: &VerifyInput) -> Result<Claims, HostError> {
        #[derive(Deserialize)]
        struct Out {
            claims: Claims,
        }
        self.simple::<_, Out>("verify_token", input)
            .map(|o| o.claims)
    }

    /// The edge decision for a token, client IP and request (denials are values).
    pub fn check(&mut self, input: &CheckInput) -> Result<CheckOutput, HostError> {
        self.simple("check", input)
    }

    /// Parses a token-endpoint HTTP request; an OAuth refusal is `Ok(Err(..))`.
    pub fn parse_token_request(
        &mut self,
        request: &TokenHttpRequest,
    ) -> Result<Result<TokenRequest, OAuthFailure>, HostError> {
        self.oauth("parse_token_request", request)
    }

    /// Issues a token; an OAuth refusal (`invalid_client`, ...) is `Ok(Err(..))`.
    pub fn issue_token(
        &mut self,
        input: &IssueInput,
    ) -> Result<Result<Issued, OAuthFailure>, HostError> {
        self.oauth("issue_token", input)
    }

    /// What `permissions` reach, optionally on concrete vaults and keys
    /// (`resources`: `{"vaults": {"vlt_1": ["key_1"]}}`).
    pub fn preview(
        &mut self,
        permissions: &[Value],
        resources: Option<&Value>,
    ) -> Result<Preview, HostError> {
        self.simple(
            "preview",
            &serde_json::json!({ "permissions": permissions, "resources": resources }),
        )
    }

    /// Advice on a spec (`now` and `created_at` enable the age check).
    pub fn lint(
        &mut self,
        spec: &Value,
        now: Option<i64>,
        created_at: Option<i64>,
    ) -> Result<LintOutput, HostError> {
        let v = self.run(
            "lint",
            &serde_json::json!({ "spec": spec, "now": now, "created_at": created_at }),
        )?;
        if is_failure(&v) && v.get("errors").is_none() {
            return Err(guest_error(&v));
        }
        decode("lint", v)
    }

    /// Creates a credential from a spec; `entropy` is 48 bytes of hex from the caller.
    pub fn create_credential(
        &mut self,
        spec: &Value,
        org: &str,
        now: i64,
        entropy_hex: &str,
    ) -> Result<Created, HostError> {
        #[derive(Deserialize)]
        struct Out {
            credential: Credential,
            client_secret: String,
        }
        #[derive(Deserialize)]
        struct Invalid {
            errors: Vec<Problem>,
        }
        let v = self.run(
            "create_credential",
            &serde_json::json!({ "spec": spec, "org": org, "now": now, "entropy": entropy_hex }),
        )?;
        if !is_failure(&v) {
            let o: Out = decode("create_credential", v)?;
            return Ok(Created::Credential {
                credential: o.credential,
                client_secret: o.client_secret,
            });
        }
        if v.get("errors").is_some() {
            let i: Invalid = decode("create_credential", v)?;
            return Ok(Created::Invalid(i.errors));
        }
        Err(guest_error(&v))
    }

    /// Enables, disables or deletes a credential (`action`: `enable`, `disable`, `delete`).
    pub fn update_credential(
        &mut self,
        credential: &Credential,
        action: &str,
        now: i64,
    ) -> Result<Credential, HostError> {
        #[derive(Deserialize)]
        struct Out {
            credential: Credential,
        }
        self.simple::<_, Out>(
            "update_credential",
            &serde_json::json!({ "credential": credential, "action": action, "now": now }),
        )
        .map(|o| o.credential)
    }

    /// The default permissions of a permission set type.
    pub fn set_type_defaults(&mut self, set_type: &str) -> Result<Vec<String>, HostError> {
        #[derive(Deserialize)]
        struct Out {
            permissions: Vec<String>,
        }
        self.simple::<_, Out>(
            "set_type_defaults",
            &serde_json::json!({ "set_type": set_type }),
        )
        .map(|o| o.permissions)
    }

    /// The public JWKS (`{"keys": [...]}`) of signing keys.
    pub fn public_jwks(&mut self, signing_keys: &[SigningKeyInput]) -> Result<Value, HostError> {
        let mut v: Value = self.simple(
            "public_jwks",
            &serde_json::json!({ "signing_keys": signing_keys }),
        )?;
        if let Some(map) = v.as_object_mut() {
            map.remove("ok");
        }
        Ok(v)
    }

    /// Extracts the token of an `Authorization: Bearer` header; a refusal is `Ok(Err(..))`.
    pub fn parse_bearer(
        &mut self,
        authorization: Option<&str>,
    ) -> Result<Result<String, BearerFailure>, HostError> {
        #[derive(Deserialize)]
        struct Out {
            token: String,
        }
        self.oauth::<_, Out, BearerFailure>(
            "parse_bearer",
            &serde_json::json!({ "authorization": authorization }),
        )
        .map(|r| r.map(|o| o.token))
    }

    /// Whether `client_secret` matches the credential (constant-time, in the engine).
    pub fn verify_secret(
        &mut self,
        credential: &Credential,
        client_secret: &str,
    ) -> Result<SecretCheck, HostError> {
        self.simple(
            "verify_secret",
            &serde_json::json!({ "credential": credential, "client_secret": client_secret }),
        )
    }
}
