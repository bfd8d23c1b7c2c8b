//! The JSON façade every host uses: one operation name, one JSON input, one JSON output.
//!
//! Operation names and shapes are those of CONFORMANCE.md, plus the host helpers listed in
//! [`OPS`]. Nothing is thrown across this boundary: a failure is an output with `"error"`
//! (a stable code) and `"message"`. Bindings convert types only; every decision is made
//! by the modules this façade calls.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::authorize::{PermissionSet, Reason};
use crate::bearer::parse_authorization;
use crate::credential::{is_well_formed_secret, Credential};
use crate::ip::{Allowlist, IpError};
use crate::lint::lint;
use crate::oauth::{issue_token, parse_token_request, AuthMethod, IssueContext, TokenRequest};
use crate::permission::Permission;
use crate::preview::{grants, on_resources};
use crate::request::Request;
use crate::spec::{validate, PermissionSetType};
use crate::token::{KeySet, SigningKey, Verifier, VerifyOptions};

/// Every operation, by name.
pub const OPS: &[&str] = &[
    "parse_permission",
    "validate_spec",
    "ip_allowed",
    "authorize",
    "verify_token",
    "check",
    "parse_token_request",
    "issue_token",
    "preview",
    "lint",
    "create_credential",
    "update_credential",
    "set_type_defaults",
    "public_jwks",
    "parse_bearer",
    "verify_secret",
];

/// The operation name is not one of [`OPS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOp(pub String);

impl UnknownOp {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        "op.unknown"
    }
}

impl fmt::Display for UnknownOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown operation `{}`: expected one of {}",
            self.0,
            OPS.join(", ")
        )
    }
}

impl std::error::Error for UnknownOp {}

/// Runs one operation on a parsed JSON input.
pub fn call(op: &str, input: Value) -> Result<Value, UnknownOp> {
    let output = match op {
        "parse_permission" => parse_permission(input),
        "validate_spec" => validate_spec(input),
        "ip_allowed" => ip_allowed(input),
        "authorize" => authorize(input),
        "verify_token" => verify_token(input),
        "check" => check(input),
        "parse_token_request" => token_request(input),
        "issue_token" => issue(input),
        "preview" => preview(input),
        "lint" => lint_spec(input),
        "create_credential" => create_credential(input),
        "update_credential" => update_credential(input),
        "set_type_defaults" => set_type_defaults(input),
        "public_jwks" => public_jwks(input),
        "parse_bearer" => parse_bearer(input),
        "verify_secret" => verify_secret(input),
        _ => return Err(UnknownOp(op.to_owned())),
    };
    Ok(output.unwrap_or_else(|failure| failure))
}

/// Runs one operation on JSON text and returns JSON text. Never fails: an unknown
/// operation or unparseable input is an output with `"error"`.
pub fn call_json(op: &str, input: &str) -> String {
    let output = match serde_json::from_str::<Value>(input) {
        Ok(value) => call(op, value).unwrap_or_else(|e| fail(e.code(), e.to_string())),
        Err(e) => fail("input.invalid", format!("the input is not JSON: {e}")),
    };
    output.to_string()
}

/// An operation's result; `Err` holds the failure output, already shaped.
type Output = Result<Value, Value>;

fn fail(code: &str, message: impl Into<String>) -> Value {
    json!({ "ok": false, "error": code, "message": message.into() })
}

fn input<T: DeserializeOwned>(value: Value) -> Result<T, Value> {
    serde_json::from_value(value).map_err(|e| fail("input.invalid", format!("invalid input: {e}")))
}

#[derive(Deserialize)]
struct ParsePermissionInput {
    text: Option<String>,
    permission: Option<Value>,
}

fn parse_permission(value: Value) -> Output {
    let i: ParsePermissionInput = input(value)?;
    let parsed = match (i.text, i.permission) {
        (Some(text), None) => Permission::parse(&text),
        (None, Some(permission)) => Permission::from_value(&permission),
        _ => {
            return Err(fail(
                "input.invalid",
                "give exactly one of `text` or `permission`",
            ))
        }
    };
    let p = parsed.map_err(|e| fail(e.code(), e.to_string()))?;
    Ok(json!({ "ok": true, "canonical": p.to_string(), "permission": p }))
}

#[derive(Deserialize)]
struct SpecInput {
    spec: Value,
    now: Option<i64>,
    created_at: Option<i64>,
}

fn validate_spec(value: Value) -> Output {
    let i: SpecInput = input(value)?;
    match validate(&i.spec) {
        Ok(_) => Ok(json!({ "ok": true })),
        Err(e) => Ok(json!({ "ok": false, "error": e.code(), "errors": e.problems })),
    }
}

#[derive(Deserialize)]
struct IpAllowedInput {
    allowlist: Vec<Value>,
    ip: String,
}

fn allowlist_from(entries: &[Value]) -> Result<Allowlist, Value> {
    let texts = entries
        .iter()
        .map(|e| e.as_str().ok_or_else(|| IpError::Invalid(e.to_string())))
        .collect::<Result<Vec<_>, _>>();
    texts
        .and_then(|t| Allowlist::parse(&t))
        .map_err(|e| fail(e.code(), e.to_string()))
}

fn ip_allowed(value: Value) -> Output {
    let i: IpAllowedInput = input(value)?;
    let verdict = allowlist_from(&i.allowlist)?.check(&i.ip);
    Ok(json!({ "ok": true, "allowed": verdict.code() == "allow", "reason": verdict.code() }))
}

#[derive(Deserialize)]
struct AuthorizeInput {
    permissions: Vec<Value>,
    request: Value,
    org: Option<String>,
}

/// Compiles a permission list in either form, for [`authorize_with`]. `Err` is the failure
/// output: the permission's code, a message and the `index` of the bad entry.
pub fn permission_set_from(values: &[Value]) -> Result<PermissionSet, Value> {
    PermissionSet::from_values(values).map_err(|e| {
        let mut out = fail(
            e.error.code(),
            format!("permissions[{}]: {}", e.index, e.error),
        );
        if let Some(map) = out.as_object_mut() {
            map.insert("index".to_owned(), json!(e.index));
        }
        out
    })
}

/// The `authorize` output for a compiled set and a request in its JSON form.
pub fn authorize_with(set: &PermissionSet, request: &Value, org: Option<&str>) -> Value {
    let request = match Request::from_value(request) {
        Ok(request) => request,
        Err(e) => return fail(e.code(), e.to_string()),
    };
    with_ok(serde_json::to_value(set.authorize(&request, org)).unwrap_or_default())
}

fn authorize(value: Value) -> Output {
    let i: AuthorizeInput = input(value)?;
    Request::from_value(&i.request).map_err(|e| fail(e.code(), e.to_string()))?;
    let set = permission_set_from(&i.permissions)?;
    Ok(authorize_with(&set, &i.request, i.org.as_deref()))
}

/// Adds `"ok": true` to a successful output object.
fn with_ok(mut out: Value) -> Value {
    if let Some(map) = out.as_object_mut() {
        map.insert("ok".to_owned(), json!(true));
    }
    out
}

#[derive(Deserialize)]
struct VerifierInput {
    jwks: Value,
    issuer: String,
    audience: String,
    #[serde(default)]
    leeway: u64,
    #[serde(default)]
    revoked_jtis: Vec<String>,
}

/// Prepares a [`Verifier`] from the `verify_token` input members `jwks`, `issuer`,
/// `audience`, `leeway` and `revoked_jtis` (other members are ignored). `Err` is the
/// failure output (`jwks.invalid` or `input.invalid`).
pub fn verifier_from(value: &Value) -> Result<Verifier, Value> {
    let i = VerifierInput::deserialize(value)
        .map_err(|e| fail("input.invalid", format!("invalid input: {e}")))?;
    let keys = KeySet::from_value(&i.jwks).map_err(|e| fail(e.code(), e.to_string()))?;
    Ok(Verifier::new(
        keys,
        VerifyOptions {
            issuer: i.issuer,
            audience: i.audience,
            leeway: i.leeway,
            revoked_jtis: i.revoked_jtis,
        },
    ))
}

/// The `verify_token` output for a prepared verifier.
pub fn verify_with(verifier: &Verifier, token: &str, now: i64) -> Value {
    match verifier.verify(token, now) {
        Ok(claims) => json!({ "ok": true, "claims": claims }),
        Err(e) => fail(e.code(), e.to_string()),
    }
}

#[derive(Deserialize)]
struct VerifyInput {
    token: String,
    now: i64,
}

fn verify_token(value: Value) -> Output {
    let verifier = verifier_from(&value)?;
    let i: VerifyInput = input(value)?;
    Ok(verify_with(&verifier, &i.token, i.now))
}

/// The `check` output for a prepared verifier; the request is in its JSON form, so an
/// invalid one gets the operation's 400 `request.invalid` answer.
pub fn check_with(
    verifier: &Verifier,
    token: &str,
    now: i64,
    client_ip: &str,
    request: &Value,
) -> Value {
    checked(request, client_ip, now, |r| {
        verifier.check(token, now, client_ip, r)
    })
}

/// Like [`check_with`], reading the token from an `Authorization` header value
/// (`None` = no header; a missing or malformed one is refused with `bearer.*`).
pub fn check_authorization_with(
    verifier: &Verifier,
    authorization: Option<&str>,
    now: i64,
    client_ip: &str,
    request: &Value,
) -> Value {
    checked(request, client_ip, now, |r| {
        verifier.check_authorization(authorization, now, client_ip, r)
    })
}

fn checked(
    request: &Value,
    client_ip: &str,
    now: i64,
    decide: impl FnOnce(&Request) -> crate::check::CheckOutcome,
) -> Value {
    let request = match Request::from_value(request) {
        Ok(request) => request,
        Err(e) => {
            return json!({
                "ok": true, "allowed": false, "status": Reason::RequestInvalid.status(),
                "reason": Reason::RequestInvalid, "message": e.to_string(),
            })
        }
    };
    let outcome = decide(&request);
    let record = outcome.record(&request, client_ip, now);
    let mut out = with_ok(serde_json::to_value(&outcome).unwrap_or_default());
    if let Some(map) = out.as_object_mut() {
        map.insert(
            "audit".to_owned(),
            serde_json::to_value(&record).unwrap_or_default(),
        );
    }
    out
}

#[derive(Deserialize)]
struct CheckInput {
    token: String,
    now: i64,
    request: Value,
    client_ip: String,
}

fn check(value: Value) -> Output {
    let verifier = verifier_from(&value)?;
    let i: CheckInput = input(value)?;
    Ok(check_with(
        &verifier,
        &i.token,
        i.now,
        &i.client_ip,
        &i.request,
    ))
}

#[derive(Deserialize)]
struct TokenRequestInput {
    method: String,
    #[serde(default)]
    headers: HeadersInput,
    #[serde(default)]
    body: String,
}

fn oauth_failure(e: &crate::oauth::OAuthError) -> Value {
    let headers: Map<String, Value> = e
        .headers()
        .into_iter()
        .map(|(n, v)| (n.to_owned(), json!(v)))
        .collect();
    json!({
        "ok": false, "error": e.error.as_str(), "error_description": e.description,
        "status": e.status(), "reason": e.reason, "headers": headers, "message": e.to_string(),
    })
}

/// Request headers: an object of names to values, or a list of `[name, value]` pairs, the
/// only form that can carry a header line repeated under the same name.
#[derive(Deserialize)]
#[serde(untagged)]
enum HeadersInput {
    Map(BTreeMap<String, String>),
    Pairs(Vec<(String, String)>),
}

impl Default for HeadersInput {
    fn default() -> Self {
        Self::Map(BTreeMap::new())
    }
}

impl HeadersInput {
    fn pairs(&self) -> Vec<(&str, &str)> {
        match self {
            Self::Map(map) => map.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect(),
            Self::Pairs(pairs) => pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect(),
        }
    }
}

fn token_request(value: Value) -> Output {
    let i: TokenRequestInput = input(value)?;
    let headers = i.headers.pairs();
    let r = parse_token_request(&i.method, headers, &i.body).map_err(|e| oauth_failure(&e))?;
    let mut out = json!({
        "ok": true, "client_id": r.client_id, "client_secret": r.client_secret,
        "auth_method": r.auth_method,
    });
    if let (Some(scope), Some(map)) = (r.scope, out.as_object_mut()) {
        map.insert("scope".to_owned(), json!(scope));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct SigningKeyInput {
    kid: String,
    seed: String,
}

impl SigningKeyInput {
    fn key(&self) -> Result<SigningKey, Value> {
        SigningKey::from_hex(&self.kid, &self.seed).map_err(|e| fail(e.code(), e.to_string()))
    }
}

#[derive(Deserialize)]
struct IssueInput {
    credential: Option<Value>,
    client_id: Option<String>,
    client_secret: String,
    client_ip: String,
    now: i64,
    signing_key: SigningKeyInput,
    jti: String,
    issuer: String,
    audience: String,
    scope: Option<String>,
    auth_method: Option<AuthMethodInput>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum AuthMethodInput {
    ClientSecretBasic,
    ClientSecretPost,
}

fn credential_from(value: Value) -> Result<Credential, Value> {
    let credential: Credential = serde_json::from_value(value).map_err(|e| {
        fail(
            "credential.invalid",
            format!("invalid credential record: {e}"),
        )
    })?;
    credential
        .compile()
        .map_err(|e| fail(e.code(), e.to_string()))?;
    Ok(credential)
}

fn issue(value: Value) -> Output {
    let i: IssueInput = input(value)?;
    let key = i.signing_key.key()?;
    let credential = match i.credential {
        None | Some(Value::Null) => None,
        Some(value) => Some(credential_from(value)?),
    };
    let request = TokenRequest {
        client_id: i
            .client_id
            .or_else(|| credential.as_ref().map(|c| c.client_id.clone()))
            .unwrap_or_default(),
        client_secret: i.client_secret,
        scope: i.scope,
        auth_method: match i.auth_method {
            Some(AuthMethodInput::ClientSecretBasic) => AuthMethod::ClientSecretBasic,
            _ => AuthMethod::ClientSecretPost,
        },
    };
    let context = IssueContext {
        issuer: &i.issuer,
        audience: &i.audience,
        signing_key: &key,
        now: i.now,
        jti: &i.jti,
    };
    let issued = issue_token(credential.as_ref(), &request, &i.client_ip, &context)
        .map_err(|e| oauth_failure(&e))?;
    let headers: Map<String, Value> = issued
        .response
        .headers()
        .into_iter()
        .map(|(n, v)| (n.to_owned(), json!(v)))
        .collect();
    Ok(json!({
        "ok": true, "status": 200, "headers": headers, "response": issued.response,
        "token": issued.response.access_token, "claims": issued.claims,
    }))
}

#[derive(Deserialize)]
struct PreviewInput {
    permissions: Vec<Value>,
    resources: Option<ResourcesInput>,
}

#[derive(Deserialize)]
struct ResourcesInput {
    #[serde(default)]
    vaults: BTreeMap<String, Vec<String>>,
}

fn preview(value: Value) -> Output {
    let i: PreviewInput = input(value)?;
    let set = permission_set_from(&i.permissions)?;
    let mut out = json!({ "ok": true, "permissions": set.texts(), "grants": grants(&set) });
    if let (Some(resources), Some(map)) = (i.resources, out.as_object_mut()) {
        for (vault, keys) in &resources.vaults {
            Request::new("vault", "read", Some(vault), None, None)
                .map_err(|e| fail(e.code(), e.to_string()))?;
            for key in keys {
                Request::new("key", "read", Some(vault), Some(key), None)
                    .map_err(|e| fail(e.code(), e.to_string()))?;
            }
        }
        let view = on_resources(
            &set,
            resources
                .vaults
                .iter()
                .map(|(v, ks)| (v.as_str(), ks.as_slice())),
        );
        map.insert(
            "resources".to_owned(),
            serde_json::to_value(view).unwrap_or_default(),
        );
    }
    Ok(out)
}

fn lint_spec(value: Value) -> Output {
    let i: SpecInput = input(value)?;
    match validate(&i.spec) {
        Ok(spec) => Ok(json!({ "ok": true, "findings": lint(&spec, i.now, i.created_at) })),
        Err(e) => {
            Ok(json!({ "ok": false, "error": e.code(), "errors": e.problems, "findings": [] }))
        }
    }
}

#[derive(Deserialize)]
struct CreateInput {
    spec: Value,
    org: String,
    now: i64,
    entropy: String,
}

fn create_credential(value: Value) -> Output {
    let i: CreateInput = input(value)?;
    let spec = validate(&i.spec)
        .map_err(|e| json!({ "ok": false, "error": e.code(), "errors": e.problems, "message": e.to_string() }))?;
    let entropy = crate::encoding::hex_decode(&i.entropy)
        .ok_or_else(|| fail("input.invalid", "`entropy` must be hex"))?;
    let new = Credential::create(&spec, &i.org, i.now, &entropy)
        .map_err(|e| fail(e.code(), e.to_string()))?;
    Ok(json!({ "ok": true, "credential": new.credential, "client_secret": new.client_secret }))
}

#[derive(Deserialize)]
struct UpdateInput {
    credential: Value,
    action: String,
    now: i64,
}

fn update_credential(value: Value) -> Output {
    let i: UpdateInput = input(value)?;
    let mut credential = credential_from(i.credential)?;
    let result = match i.action.as_str() {
        "enable" => credential.enable(i.now),
        "disable" => credential.disable(i.now),
        "delete" => credential.delete(i.now),
        other => {
            return Err(fail(
                "input.invalid",
                format!("unknown action `{other}`: use enable, disable or delete"),
            ))
        }
    };
    result.map_err(|e| fail(e.code(), e.to_string()))?;
    Ok(json!({ "ok": true, "credential": credential }))
}

#[derive(Deserialize)]
struct SetTypeInput {
    set_type: String,
}

fn set_type_defaults(value: Value) -> Output {
    let i: SetTypeInput = input(value)?;
    let set_type = PermissionSetType::from_name(&i.set_type).ok_or_else(|| {
        fail("set_type.unknown", format!("unknown permission set type `{}`: use wallets, transactions, controls or monitoring", i.set_type))
    })?;
    let permissions: Vec<String> = set_type
        .defaults()
        .iter()
        .map(Permission::to_string)
        .collect();
    Ok(json!({ "ok": true, "permissions": permissions }))
}

#[derive(Deserialize)]
struct PublicJwksInput {
    signing_keys: Vec<SigningKeyInput>,
}

fn public_jwks(value: Value) -> Output {
    let i: PublicJwksInput = input(value)?;
    let keys = i
        .signing_keys
        .iter()
        .map(SigningKeyInput::key)
        .collect::<Result<Vec<_>, _>>()?;
    let set = KeySet::from_value(
        &json!({ "keys": keys.iter().map(SigningKey::public_jwk).collect::<Vec<_>>() }),
    )
    .map_err(|e| fail(e.code(), e.to_string()))?;
    let mut out = set.to_jwks();
    if let Some(map) = out.as_object_mut() {
        map.insert("ok".to_owned(), json!(true));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct BearerInput {
    authorization: Option<String>,
}

fn parse_bearer(value: Value) -> Output {
    let i: BearerInput = input(value)?;
    match parse_authorization(i.authorization.as_deref()) {
        Ok(token) => Ok(json!({ "ok": true, "token": token })),
        Err(e) => Err(json!({
            "ok": false, "error": e.code(), "message": e.to_string(),
            "status": e.status(), "www_authenticate": e.www_authenticate(),
        })),
    }
}

#[derive(Deserialize)]
struct VerifySecretInput {
    credential: Value,
    client_secret: String,
}

fn verify_secret(value: Value) -> Output {
    let i: VerifySecretInput = input(value)?;
    let credential = credential_from(i.credential)?;
    Ok(json!({
        "ok": true,
        "valid": credential.verify_secret(&i.client_secret),
        "well_formed": is_well_formed_secret(&i.client_secret),
    }))
}
