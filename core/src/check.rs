//! `check`, the edge path (SPEC §8): bearer token → client IP → organisation → permission,
//! one decision with its HTTP status, reason and challenge, plus a record for audit logs.
//!
//! This module composes the others; it owns only the order of the steps.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::authorize::Decision;
use crate::bearer::{challenge_error, parse_authorization, www_authenticate, ChallengeError};
use crate::ip::IpVerdict;
use crate::reason::Reason;
use crate::request::Request;
use crate::token::{Claims, Verifier};

/// The outcome of a check: the decision, with what an HTTP server sends along with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckOutcome {
    /// Whether the request may proceed, why, and what matched or nearly did.
    #[serde(flatten)]
    pub decision: Decision,
    /// 200, 400, 401 or 403: the status of [`Decision::reason`].
    pub status: u16,
    /// A person-readable explanation.
    pub message: String,
    /// The RFC 6750 `error` code of a refusal (`invalid_request`, `invalid_token` or
    /// `insufficient_scope`), the one its challenge names; absent on allow and for a missing
    /// token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ChallengeError>,
    /// The `WWW-Authenticate` value to send with a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
    /// The verified claims, when the token verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Arc<Claims>>,
}

impl CheckOutcome {
    /// A decision with its status and challenge.
    fn new(decision: Decision, message: String, claims: Option<Arc<Claims>>) -> Self {
        Self {
            status: decision.reason.status(),
            error: challenge_error(decision.reason),
            www_authenticate: www_authenticate(decision.reason),
            decision,
            message,
            claims,
        }
    }

    /// A refusal for `reason`, before any permission was looked at.
    pub(crate) fn refused(reason: Reason, message: String, claims: Option<Arc<Claims>>) -> Self {
        Self::new(Decision::denied(reason), message, claims)
    }

    /// Whether the request may proceed.
    pub fn allowed(&self) -> bool {
        self.decision.allowed
    }

    /// The reason code.
    pub fn reason(&self) -> Reason {
        self.decision.reason
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
            allowed: self.decision.allowed,
            status: self.status,
            reason: self.decision.reason,
            matched: self.decision.matched.clone(),
        }
    }
}

/// One line of an audit log: who, what, when, with which token, and the verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        let claims = match self.verify_shared(token, now) {
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
        let decision = claims.permissions().authorize(request, Some(&claims.org));
        let message = match decision.reason {
            Reason::Allow => format!(
                "allowed by `{}`",
                decision.matched.as_deref().unwrap_or_default()
            ),
            Reason::OrgMismatch => format!("the token belongs to organisation `{}`", claims.org),
            _ => "no permission in the token allows this request".to_owned(),
        };
        CheckOutcome::new(decision, message, Some(claims))
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
