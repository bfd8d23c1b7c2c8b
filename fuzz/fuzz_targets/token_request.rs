//! The token request of the token endpoint (SPEC §7): method, headers and body.
//!
//! The first byte picks the input's form: even, the text form of the seeds (method line,
//! `Name: value` lines, an empty line, the body); odd, [`arbitrary`] data for one of two modes:
//! - **raw**: any method, header pairs and body (header names and values biased towards the
//!   ones that matter). Invariants: an accepted request was a `POST` with one form content
//!   type and a body within 16 KiB; Basic gives a non-empty `client_id`, from one
//!   `Authorization` header and no body credentials; body authentication gives a non-empty
//!   `client_id` and `client_secret` and no `Authorization` header; a refusal has the
//!   status of its RFC 6749 code (401 exactly for `invalid_client`) and a §8 reason.
//! - **well-formed**: a request built by the book (Basic with form-urlencoded id and secret,
//!   or the body), with fuzzed ids, secrets, scope and extra parameters: it must be
//!   accepted and read back exactly what was encoded.
#![no_main]

use arbitrary::Arbitrary;
use credgate_core::oauth::{parse_token_request, AuthMethod, OAuthErrorCode, MAX_BODY_BYTES};
use credgate_fuzz::{base64_standard, form_encode};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input<'a> {
    Raw {
        method: Method<'a>,
        headers: Vec<(Name<'a>, Value<'a>)>,
        body: Body<'a>,
    },
    WellFormed {
        basic: bool,
        id: &'a str,
        secret: &'a str,
        scope: Option<&'a str>,
        charset: bool,
        scheme_upper: bool,
        extra: Vec<(&'a str, &'a str)>,
    },
}

#[derive(Arbitrary, Debug)]
enum Method<'a> {
    Post,
    Get,
    LowerPost,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Name<'a> {
    ContentType,
    ContentTypeUpper,
    Authorization,
    AuthorizationLower,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Value<'a> {
    Form,
    FormCharset,
    Basic { id: &'a str, secret: &'a str },
    BasicRaw(&'a [u8]),
    Text(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Body<'a> {
    Text(&'a str),
    Pairs(Vec<(Param<'a>, &'a str, bool)>),
}

#[derive(Arbitrary, Debug)]
enum Param<'a> {
    GrantType,
    ClientId,
    ClientSecret,
    Scope,
    Other(&'a str),
}

fn basic(id: &str, secret: &str) -> String {
    let credentials = format!("{}:{}", form_encode(id), form_encode(secret));
    format!("Basic {}", base64_standard(credentials.as_bytes()))
}

fn structured(method: Method<'_>, headers: Vec<(Name<'_>, Value<'_>)>, body: Body<'_>) {
    let method = match method {
        Method::Post => "POST".to_owned(),
        Method::Get => "GET".to_owned(),
        Method::LowerPost => "post".to_owned(),
        Method::Other(m) => m.to_owned(),
    };
    let headers: Vec<(String, String)> = headers
        .into_iter()
        .take(8)
        .map(|(name, value)| {
            let name = match name {
                Name::ContentType => "Content-Type".to_owned(),
                Name::ContentTypeUpper => "CONTENT-TYPE".to_owned(),
                Name::Authorization => "Authorization".to_owned(),
                Name::AuthorizationLower => "authorization".to_owned(),
                Name::Other(n) => n.to_owned(),
            };
            let value = match value {
                Value::Form => "application/x-www-form-urlencoded".to_owned(),
                Value::FormCharset => "application/x-www-form-urlencoded; charset=UTF-8".to_owned(),
                Value::Basic { id, secret } => basic(id, secret),
                Value::BasicRaw(bytes) => format!("Basic {}", base64_standard(bytes)),
                Value::Text(t) => t.to_owned(),
            };
            (name, value)
        })
        .collect();
    let body = match body {
        Body::Text(t) => t.to_owned(),
        Body::Pairs(pairs) => pairs
            .into_iter()
            .take(16)
            .map(|(name, value, encode)| {
                let name = match name {
                    Param::GrantType => "grant_type",
                    Param::ClientId => "client_id",
                    Param::ClientSecret => "client_secret",
                    Param::Scope => "scope",
                    Param::Other(n) => n,
                };
                let value = if encode {
                    form_encode(value)
                } else {
                    value.to_owned()
                };
                format!("{name}={value}")
            })
            .collect::<Vec<_>>()
            .join("&"),
    };
    raw(&method, &headers, &body);
}

/// The text form of the seeds: the method on the first line, then `Name: value` lines, an
/// empty line, and the body.
fn text(data: &str) {
    let (head, body) = data.split_once("\n\n").unwrap_or((data, ""));
    let mut lines = head.split('\n');
    let method = lines.next().unwrap_or("");
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            (name.to_owned(), value.to_owned())
        })
        .collect();
    raw(method, &headers, body);
}

fn raw(method: &str, headers: &[(String, String)], body: &str) {
    let result = parse_token_request(
        method,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        body,
    );
    let named = |wanted: &str| {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(wanted))
            .count()
    };
    match result {
        Ok(request) => {
            assert_eq!(method, "POST");
            assert_eq!(named("content-type"), 1);
            assert!(body.len() <= MAX_BODY_BYTES);
            assert!(
                !request.client_id.is_empty(),
                "accepted without a client_id"
            );
            match request.auth_method {
                AuthMethod::ClientSecretBasic => assert_eq!(named("authorization"), 1),
                AuthMethod::ClientSecretPost => {
                    assert_eq!(named("authorization"), 0);
                    assert!(!request.client_secret.is_empty());
                }
            }
            if let Some(scope) = &request.scope {
                assert!(!scope.is_empty());
            }
        }
        Err(error) => {
            assert_eq!(
                error.status() == 401,
                error.error == OAuthErrorCode::InvalidClient
            );
            assert!(matches!(error.status(), 400 | 401));
            assert!(!error.description.is_empty());
            if error.basic_auth_used {
                assert_eq!(error.error, OAuthErrorCode::InvalidClient);
            }
            let www = error
                .headers()
                .iter()
                .any(|(n, _)| *n == "WWW-Authenticate");
            assert_eq!(
                www,
                error.basic_auth_used && error.error == OAuthErrorCode::InvalidClient
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn well_formed(
    basic_auth: bool,
    id: &str,
    secret: &str,
    scope: Option<&str>,
    charset: bool,
    scheme_upper: bool,
    extra: Vec<(&str, &str)>,
) {
    // Empty values count as omitted (RFC 6749 §3.1), so a well-formed request needs a
    // non-empty id (and, in the body, a non-empty secret).
    if id.is_empty() || (!basic_auth && secret.is_empty()) {
        return;
    }
    let mut params = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
    if let Some(scope) = scope {
        params.push(("scope".to_owned(), scope.to_owned()));
    }
    if !basic_auth {
        params.push(("client_id".to_owned(), id.to_owned()));
        params.push(("client_secret".to_owned(), secret.to_owned()));
    }
    for (name, value) in extra.into_iter().take(4) {
        // Extra parameters are ignored, as long as they are new names and not credentials
        // (which would be a second authentication method next to Basic).
        let reserved = matches!(name, "client_id" | "client_secret" | "grant_type" | "scope");
        if name.is_empty() || reserved || params.iter().any(|(n, _)| n == name) {
            continue;
        }
        params.push((name.to_owned(), value.to_owned()));
    }
    let body = params
        .iter()
        .map(|(n, v)| format!("{}={}", form_encode(n), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    if body.len() > MAX_BODY_BYTES {
        return;
    }
    let content_type = if charset {
        "application/x-www-form-urlencoded;charset=utf-8"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
    if basic_auth {
        let mut value = basic(id, secret);
        if scheme_upper {
            value.replace_range(..5, "BASIC");
        }
        headers.push(("Authorization".to_owned(), value));
    }
    let result = parse_token_request(
        "POST",
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        &body,
    );
    let request = match result {
        Ok(request) => request,
        Err(e) => {
            panic!("a well-formed request was refused: {e}\nheaders {headers:?}\nbody {body}")
        }
    };
    assert_eq!(request.client_id, id);
    assert_eq!(request.client_secret, secret);
    assert_eq!(request.scope.as_deref(), scope.filter(|s| !s.is_empty()));
    let expected = if basic_auth {
        AuthMethod::ClientSecretBasic
    } else {
        AuthMethod::ClientSecretPost
    };
    assert_eq!(request.auth_method, expected);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(data) = std::str::from_utf8(rest) {
            text(data);
        }
        return;
    }
    let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(rest)) else {
        return;
    };
    match input {
        Input::Raw {
            method,
            headers,
            body,
        } => structured(method, headers, body),
        Input::WellFormed {
            basic,
            id,
            secret,
            scope,
            charset,
            scheme_upper,
            extra,
        } => well_formed(basic, id, secret, scope, charset, scheme_upper, extra),
    }
});
