//! `check`, the edge path (SPEC §8): bearer token → client IP → organisation → permission,
//! one decision with its HTTP status, reason and challenge, plus a record for audit logs.
//!
//! This module composes the others; it owns only the order of the steps.

use std::sync::Arc;

use serde::Serialize;

use crate::authorize::{Decision, Reason};
use crate::bearer::{parse_authorization, www_authenticate};
use crate::ip::IpVerdict;
use crate::request::Request;
use crate::token::{Claims, Verifier};

/// The outcome of a check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckOutcome {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// 200, 400, 401 or 403.
    pub status: u16,
    /// The reason code.
    pub reason: Reason,
    /// On allow, the permission that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<Arc<str>>,
    /// On a permission deny, the near misses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_misses: Option<Vec<Arc<str>>>,
    /// A person-readable explanation.
    pub message: String,
    /// The `WWW-Authenticate` value to send with a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
    /// The verified claims, when the token verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Claims>,
}

impl CheckOutcome {
    fn refused(reason: Reason, message: String, claims: Option<Claims>) -> Self {
        Self {
            allowed: false,
            status: reason.status(),
            reason,
            matched: None,
            near_misses: None,
            message,
            www_authenticate: www_authenticate(reason),
            claims,
        }
    }

    /// The decision record for an audit log.
    pub fn record(&self, request: &Request, client_ip: &str, now: i64) -> DecisionRecord {
        let claims = self.claims.as_ref();
        DecisionRecord {
            time: now,
            client_id: claims.map(|c| c.client_id.clone()),
            org: claims.map(|c| c.org.clone()),
            jti: claims.map(|c| c.jti.clone()),
            request: request.clone(),
            client_ip: client_ip.to_owned(),
            allowed: self.allowed,
            status: self.status,
            reason: self.reason,
            matched: self.matched.clone(),
        }
    }
}

/// One line of an audit log: who, what, when, with which token, and the verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    /// When, Unix seconds.
    pub time: i64,
    /// The client, when the token verified.
    pub client_id: Option<String>,
    /// The organisation, when the token verified.
    pub org: Option<String>,
    /// The token id, when the token verified.
    pub jti: Option<String>,
    /// What was asked.
    pub request: Request,
    /// From where.
    pub client_ip: String,
    /// The verdict.
    pub allowed: bool,
    /// The HTTP status.
    pub status: u16,
    /// The reason code.
    pub reason: Reason,
    /// The permission that allowed it.
    pub matched: Option<Arc<str>>,
}

impl Verifier {
    /// Checks a request carrying `token` from `client_ip` at `now`.
    pub fn check(&self, token: &str, now: i64, client_ip: &str, request: &Request) -> CheckOutcome {
        let claims = match self.verify(token, now) {
            Ok(claims) => claims,
            Err(e) => return CheckOutcome::refused(Reason::Token(e.kind()), e.to_string(), None),
        };
        match claims.allowlist().check(client_ip) {
            IpVerdict::Allowed => {}
            IpVerdict::NotAllowed => {
                let message =
                    format!("the client IP `{client_ip}` is not in the token's allowlist");
                return CheckOutcome::refused(Reason::IpNotAllowed, message, Some(claims));
            }
            IpVerdict::Invalid => {
                let message = format!("the client IP `{client_ip}` is not an IP address");
                return CheckOutcome::refused(Reason::IpInvalid, message, Some(claims));
            }
        }
        let Decision {
            allowed,
            reason,
            matched,
            near_misses,
        } = claims.permissions().authorize(request, Some(&claims.org));
        let message = match reason {
            Reason::Allow => format!("allowed by `{}`", matched.as_deref().unwrap_or_default()),
            Reason::OrgMismatch => format!("the token belongs to organisation `{}`", claims.org),
            _ => "no permission in the token allows this request".to_owned(),
        };
        CheckOutcome {
            allowed,
            status: reason.status(),
            reason,
            matched,
            near_misses,
            message,
            www_authenticate: www_authenticate(reason),
            claims: Some(claims),
        }
    }

    /// Like [`Verifier::check`], reading the token from an `Authorization` header value.
    pub fn check_authorization(
        &self,
        authorization: Option<&str>,
        now: i64,
        client_ip: &str,
        request: &Request,
    ) -> CheckOutcome {
        match parse_authorization(authorization) {
            Ok(token) => self.check(token, now, client_ip, request),
            Err(e) => CheckOutcome::refused(e.reason(), e.to_string(), None),
        }
    }
}
