//! The OAuth 2.0 token endpoint (SPEC §7; RFC 6749 §4.4, client credentials only), without
//! I/O: parse a token request from its method, headers and body, then issue a token
//! response or an RFC 6749 §5.2 error with its HTTP status and headers.
//!
//! The internal reason (a SPEC §8 code) travels beside each error for audit logs; it is
//! never part of what the client is sent.

use std::collections::HashSet;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::authorize::PermissionSet;
use crate::codes::Code;
use crate::credential::{no_credential_matches, Credential, Status};
use crate::ip::IpVerdict;
use crate::token::{Claims, IssueParams, IssueTime, SigningKey};

/// How the client authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum AuthMethod {
    /// HTTP Basic (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// The RFC 6749 §5.2 error codes credgate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum OAuthErrorCode {
    /// `invalid_request` (400)
    InvalidRequest,
    /// `invalid_client` (401)
    InvalidClient,
    /// `unsupported_grant_type` (400)
    UnsupportedGrantType,
    /// `invalid_scope` (400)
    InvalidScope,
}

impl OAuthErrorCode {
    /// The registered code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidClient => 401,
            _ => 400,
        }
    }
}

/// A token request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    /// The RFC 6749 error code sent to the client.
    pub error: OAuthErrorCode,
    /// The internal SPEC §8 reason, for audit logs only.
    pub reason: Code,
    /// A description for the client (no secrets, no internal reason).
    pub description: String,
    /// Whether the client used HTTP Basic (the 401 then carries `WWW-Authenticate: Basic`).
    pub basic_auth_used: bool,
}

impl OAuthError {
    fn new(error: OAuthErrorCode, reason: Code, description: impl Into<String>) -> Self {
        Self {
            error,
            reason,
            description: description.into(),
            basic_auth_used: false,
        }
    }

    /// The internal reason code (SPEC §8).
    pub fn code(&self) -> Code {
        self.reason
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.error.status()
    }

    /// The response headers: no caching, and `WWW-Authenticate` on a 401 after Basic.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = no_store_headers();
        if self.error == OAuthErrorCode::InvalidClient && self.basic_auth_used {
            headers.push((
                "WWW-Authenticate",
                "Basic realm=\"credgate\", charset=\"UTF-8\"".to_owned(),
            ));
        }
        headers
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}

fn no_store_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Cache-Control", "no-store".to_owned()),
        ("Pragma", "no-cache".to_owned()),
    ]
}

/// A parsed client-credentials token request.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The client id.
    pub client_id: String,
    /// The client secret, as sent.
    pub client_secret: String,
    /// The `scope` parameter, when given.
    pub scope: Option<String>,
    /// How the client authenticated.
    pub auth_method: AuthMethod,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scope", &self.scope)
            .field("auth_method", &self.auth_method)
            .finish()
    }
}

/// Bodies longer than this are refused as `invalid_request` before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Parses a token request. Header names are matched case-insensitively; checks run in
/// this order: method, content type, body (size, encoding, repeated parameters), both
/// authentication methods at once, `grant_type` missing, `grant_type` unsupported, a
/// malformed `Authorization` header, no client authentication.
pub fn parse_token_request<'a>(
    method: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &str,
) -> Result<TokenRequest, OAuthError> {
    use OAuthErrorCode::*;
    let invalid =
        |description: String| OAuthError::new(InvalidRequest, Code::RequestInvalid, description);
    if method != "POST" {
        return Err(invalid(format!(
            "the token endpoint takes POST, not `{method}`"
        )));
    }
    let mut content_type = None;
    let mut authorization = None;
    for (name, value) in headers {
        let slot = if name.eq_ignore_ascii_case("content-type") {
            &mut content_type
        } else if name.eq_ignore_ascii_case("authorization") {
            &mut authorization
        } else {
            continue;
        };
        if slot.replace(value).is_some() {
            return Err(invalid(format!("the `{name}` header is repeated")));
        }
    }
    let form_media_type = content_type.is_some_and(|ct| {
        ct.split(';').next().is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if !form_media_type {
        return Err(invalid(
            "the body must be application/x-www-form-urlencoded".to_owned(),
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(invalid(format!(
            "the body is larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let form = Form::parse(body).map_err(invalid)?;
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    if authorization.is_some() && (body_id.is_some() || body_secret.is_some()) {
        return Err(invalid(
            "use one client authentication method: HTTP Basic or the body, not both".to_owned(),
        ));
    }
    match form.get("grant_type") {
        None => return Err(invalid("`grant_type` is missing".to_owned())),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::new(
                UnsupportedGrantType,
                Code::GrantUnsupported,
                format!("the grant type `{other}` is not supported: use client_credentials"),
            ))
        }
    }
    let scope = form.get("scope").map(str::to_owned);
    if let Some(header) = authorization {
        let (client_id, client_secret) = parse_basic(header).ok_or_else(|| OAuthError {
            basic_auth_used: true,
            ..OAuthError::new(
                InvalidClient,
                Code::ClientMalformedAuth,
                "the Authorization header must be `Basic` with base64 of `client_id:client_secret`",
            )
        })?;
        return Ok(TokenRequest {
            client_id,
            client_secret,
            scope,
            auth_method: AuthMethod::ClientSecretBasic,
        });
    }
    match (body_id, body_secret) {
        (Some(id), Some(secret)) => Ok(TokenRequest {
            client_id: id.to_owned(),
            client_secret: secret.to_owned(),
            scope,
            auth_method: AuthMethod::ClientSecretPost,
        }),
        _ => Err(OAuthError::new(
            InvalidClient,
            Code::ClientNoAuth,
            "client authentication is required: HTTP Basic, or client_id and client_secret in the body",
        )),
    }
}

/// `Basic <base64(urlencode(id) ":" urlencode(secret))>` (RFC 6749 §2.3.1, RFC 7617).
fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, credentials) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(credentials.trim_start_matches(' ')).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let id = form_decode(id)?;
    let secret = form_decode(secret)?;
    (!id.is_empty()).then_some((id, secret))
}

/// An `application/x-www-form-urlencoded` body. Empty values count as omitted
/// (RFC 6749 §3.1); a repeated parameter is an error (§3.2).
struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    fn parse(body: &str) -> Result<Self, String> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        // Repeated names found with a hash set: linear in the body (SPEC §9), where a scan of
        // the names so far made a 16 KiB body of distinct names cost 8 million comparisons.
        let mut names = HashSet::new();
        for pair in body.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = form_decode(name).ok_or_else(|| format!("bad encoding in `{pair}`"))?;
            let value = form_decode(value).ok_or_else(|| format!("bad encoding in `{pair}`"))?;
            if !names.insert(name.clone()) {
                return Err(format!("the parameter `{name}` is repeated"));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes one form-urlencoded component: `+` is a space, `%XX` a byte; UTF-8 required.
fn form_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = char::from(input.next()?).to_digit(16)?;
                let lo = char::from(input.next()?).to_digit(16)?;
                bytes.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).ok()
}

/// The `token_type` of every response: credgate issues Bearer tokens only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TokenType {
    /// `Bearer` (RFC 6750).
    Bearer,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: TokenType,
    /// Seconds until expiry: 3600.
    pub expires_in: i64,
    /// The granted permissions, space-separated.
    pub scope: String,
}

impl TokenResponse {
    /// The response headers (`Cache-Control: no-store`, `Pragma: no-cache`).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        no_store_headers()
    }
}

/// The server side of an issuance: who issues, with which key, when, and the token id.
#[derive(Clone, Debug)]
pub struct IssueContext<'a> {
    /// The `iss` claim.
    pub issuer: &'a str,
    /// The `aud` claim.
    pub audience: &'a str,
    /// The signing key.
    pub signing_key: &'a SigningKey,
    /// Issue time.
    pub now: IssueTime,
    /// The token id, used as given (take it from a random source).
    pub jti: &'a str,
}

/// What [`issue_token`] returns on success: the response and the claims that were signed.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The RFC 6749 §5.1 response.
    pub response: TokenResponse,
    /// The claims in the token.
    pub claims: Claims,
    /// Which of the credential's secrets was presented (its index), for the host to record
    /// with `secret_used`.
    pub secret: usize,
}

/// Issues a token for an authenticated request. `credential` is the record found for the
/// request's client id (`None` when there is none). Checks, in order: the client exists,
/// is not deleted, not disabled, not expired, presented one of its live secrets, calls from
/// an allowed IP, and asks (with `scope`) only for what its permissions cover.
pub fn issue_token(
    credential: Option<&Credential>,
    request: &TokenRequest,
    client_ip: &str,
    context: &IssueContext<'_>,
) -> Result<Issued, OAuthError> {
    use OAuthErrorCode::*;
    let basic = request.auth_method == AuthMethod::ClientSecretBasic;
    let refuse = |reason: Code| OAuthError {
        basic_auth_used: basic,
        ..OAuthError::new(InvalidClient, reason, "client authentication failed")
    };
    // Every path hashes the presented secret once, before any reason is chosen (against a
    // dummy digest when no credential has the id), so the time an unauthenticated caller
    // sees does not tell whether a credential exists or is enabled.
    let credential = credential.filter(|c| c.client_id == request.client_id);
    let now = context.now.get();
    let secret = match credential {
        Some(c) => c.matching_secret(&request.client_secret, Some(now)),
        None => no_credential_matches(&request.client_secret).then_some(0),
    };
    let Some(credential) = credential else {
        return Err(refuse(Code::ClientUnknown));
    };
    match credential.status {
        Status::Deleted => return Err(refuse(Code::ClientDeleted)),
        Status::Disabled => return Err(refuse(Code::ClientDisabled)),
        Status::Enabled => {}
    }
    if credential.is_expired(now) {
        return Err(refuse(Code::ClientExpired));
    }
    let Some(secret) = secret else {
        return Err(refuse(Code::ClientBadSecret));
    };
    let compiled = credential
        .compile()
        .map_err(|_| refuse(Code::ClientUnknown))?;
    if compiled.allowlist.check(client_ip) != IpVerdict::Allowed {
        return Err(refuse(Code::ClientIpNotAllowed));
    }
    let permissions = match &request.scope {
        None => compiled.permissions,
        Some(scope) => {
            let wanted = PermissionSet::parse_scope(scope).map_err(|e| {
                OAuthError::new(
                    InvalidScope,
                    Code::ScopeNotCovered,
                    format!("the requested scope is not valid: {}", e.error),
                )
            })?;
            if let Some(extra) = wanted
                .permissions()
                .iter()
                .find(|p| !compiled.permissions.covers(p))
            {
                return Err(OAuthError::new(
                    InvalidScope,
                    Code::ScopeNotCovered,
                    format!("the credential's permissions do not cover `{extra}`"),
                ));
            }
            wanted
        }
    };
    let params = IssueParams {
        issuer: context.issuer,
        audience: context.audience,
        client_id: &credential.client_id,
        org: &credential.org,
        env: credential.environment,
        now: context.now,
        jti: context.jti,
        not_after: credential.expires_at,
    };
    let claims = Claims::issue(&params, permissions, compiled.allowlist);
    let response = TokenResponse {
        access_token: context.signing_key.sign(&claims),
        token_type: TokenType::Bearer,
        expires_in: claims.exp - claims.iat,
        scope: claims.scope.clone(),
    };
    Ok(Issued {
        response,
        claims,
        secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

    #[test]
    fn basic_credentials_are_form_decoded() {
        // "a%3Ab" : "s+p%25" -> id "a:b", secret "s p%"
        let header = format!("basic {}", STANDARD.encode("a%3Ab:s+p%25"));
        let req = parse_token_request(
            "POST",
            [FORM, ("authorization", header.as_str())],
            "grant_type=client_credentials",
        )
        .unwrap();
        assert_eq!(
            (req.client_id.as_str(), req.client_secret.as_str()),
            ("a:b", "s p%")
        );
    }

    #[test]
    fn refusals_carry_status_and_reason() {
        let e = parse_token_request("GET", [FORM], "").unwrap_err();
        assert_eq!((e.status(), e.reason), (400, Code::RequestInvalid));
        let e = parse_token_request(
            "POST",
            [FORM],
            "grant_type=client_credentials&scope=a&scope=b",
        )
        .unwrap_err();
        assert_eq!(e.reason, Code::RequestInvalid);
        let e = parse_token_request(
            "POST",
            [FORM, ("Authorization", "Basic !!")],
            "grant_type=client_credentials",
        )
        .unwrap_err();
        assert_eq!((e.status(), e.reason), (401, Code::ClientMalformedAuth));
        assert!(e.headers().iter().any(|(n, _)| *n == "WWW-Authenticate"));
    }

    /// The issuance path does the same work whatever the refusal: the presented secret is
    /// hashed exactly once before any reason is chosen (checked by counting, not timing).
    #[test]
    fn every_issuance_path_hashes_the_presented_secret_once() {
        use crate::credential::{Status, MAX_SECRET_BYTES, SECRETS_HASHED};
        let spec = crate::spec::validate(&serde_json::json!({
            "name": "Payments backend", "permission_set_type": "wallets",
            "permissions": ["vault:read:org"], "ip_allowlist": ["203.0.113.7"],
            "environment": "sandbox",
        }))
        .unwrap();
        let new = Credential::create(&spec, "org_1", 0, &[7; 48]).unwrap();
        let key = SigningKey::from_seed("k1", &[1; 32]).unwrap();
        let context = IssueContext {
            issuer: "https://iss.test",
            audience: "https://aud.test",
            signing_key: &key,
            now: IssueTime::new(10).unwrap(),
            jti: "jti-1",
        };
        let request = |secret: &str, client_id: &str| TokenRequest {
            client_id: client_id.to_owned(),
            client_secret: secret.to_owned(),
            scope: None,
            auth_method: AuthMethod::ClientSecretPost,
        };
        let id = new.credential.client_id.clone();
        let with_status = |status: Status| Credential {
            status,
            ..new.credential.clone()
        };
        let expiring = |expires_at: i64| Credential {
            expires_at: Some(expires_at),
            ..new.credential.clone()
        };
        let long = format!("{}{}", new.client_secret, "x".repeat(MAX_SECRET_BYTES));
        let cases: Vec<(Option<Credential>, TokenRequest, Option<Code>)> = vec![
            (
                None,
                request(&new.client_secret, &id),
                Some(Code::ClientUnknown),
            ),
            (
                Some(new.credential.clone()),
                request("s", "cid_other"),
                Some(Code::ClientUnknown),
            ),
            (
                Some(with_status(Status::Deleted)),
                request(&new.client_secret, &id),
                Some(Code::ClientDeleted),
            ),
            (
                Some(with_status(Status::Disabled)),
                request("wrong", &id),
                Some(Code::ClientDisabled),
            ),
            (
                Some(new.credential.clone()),
                request("wrong", &id),
                Some(Code::ClientBadSecret),
            ),
            (
                Some(new.credential.clone()),
                request(&long, &id),
                Some(Code::ClientBadSecret),
            ),
            (
                Some(expiring(10)),
                request("wrong", &id),
                Some(Code::ClientExpired),
            ),
            (
                Some(new.credential.clone()),
                request(&new.client_secret, &id),
                None,
            ),
        ];
        for (credential, request, refusal) in cases {
            let before = SECRETS_HASHED.with(|n| n.get());
            let got = issue_token(credential.as_ref(), &request, "203.0.113.7", &context);
            assert_eq!(got.as_ref().err().map(|e| e.reason), refusal);
            assert_eq!(SECRETS_HASHED.with(|n| n.get()) - before, 1, "{refusal:?}");
        }

        // exp is capped at the credential's expiry, and expires_in says so
        let issued = issue_token(
            Some(&expiring(100)),
            &request(&new.client_secret, &id),
            "203.0.113.7",
            &context,
        )
        .unwrap();
        assert_eq!((issued.claims.exp, issued.response.expires_in), (100, 90));

        // after a rotation both secrets are compared, whichever matches, and either works
        let mut rotated = new.credential.clone();
        let second = rotated.rotate_secret(5, &[9; 32], 3600).unwrap();
        for (secret, index) in [(&new.client_secret, 0), (&second, 1)] {
            let before = SECRETS_HASHED.with(|n| n.get());
            let issued = issue_token(
                Some(&rotated),
                &request(secret, &id),
                "203.0.113.7",
                &context,
            );
            assert_eq!(issued.map(|i| i.secret).ok(), Some(index));
            assert_eq!(SECRETS_HASHED.with(|n| n.get()) - before, 2);
        }
    }

    #[test]
    fn issue_times_outside_the_range_are_refused() {
        use crate::token::MAX_ISSUE_TIME;
        assert!(IssueTime::new(0).is_ok() && IssueTime::new(MAX_ISSUE_TIME).is_ok());
        assert!(IssueTime::new(-1).is_err() && IssueTime::new(MAX_ISSUE_TIME + 1).is_err());
        assert!(IssueTime::new(i64::MAX).is_err());
    }
}
