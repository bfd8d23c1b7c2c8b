"""The spellings of credgate's words and codes as ``Literal`` types (the npm package's
TypeScript types, wasm/src/types.rs, in Python).

``Code`` is every stable code of the core (``credgate_core::codes::ALL``, at run time
``credgate.CODES``); ``tests/test_errors.py::test_all_codes`` fails when the two differ.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ResourceType",
    "Action",
    "Scope",
    "SetType",
    "Environment",
    "Status",
    "AuthMethod",
    "LifecycleAction",
    "OAuthErrorName",
    "ChallengeError",
    "HttpStatus",
    "DecisionCode",
    "IpReason",
    "TokenCode",
    "BearerCode",
    "CheckReason",
    "PermissionCode",
    "SpecCode",
    "IpCode",
    "ClientCode",
    "IssuanceReason",
    "CredentialCode",
    "InputCode",
    "LintCode",
    "DiffCode",
    "RevocationsCode",
    "Code",
]

#: A permission's or request's ``type`` (SPEC §1).
ResourceType = Literal[
    "vault", "key", "balances", "transaction", "address", "policy", "webhook", "audit"
]
#: A permission's or request's ``action``.
Action = Literal["create", "read", "update", "delete"]
#: A permission's ``scope``.
Scope = Literal["org", "vault", "key"]
#: A permission set type (SPEC §3).
SetType = Literal["wallets", "transactions", "controls", "monitoring"]
#: A credential's environment.
Environment = Literal["sandbox", "production"]
#: A credential's status (SPEC §5).
Status = Literal["enabled", "disabled", "deleted"]
#: How a client authenticated at the token endpoint.
AuthMethod = Literal["client_secret_basic", "client_secret_post"]
#: A change to a stored record (``update_credential``'s ``action``; docs/LIFECYCLE.md).
LifecycleAction = Literal[
    "enable", "disable", "delete", "set_spec", "set_expiry", "secret_used", "revoke_secret",
]
#: An RFC 6749 §5.2 error, sent to the client.
OAuthErrorName = Literal[
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope",
]
#: An RFC 6750 §3.1 error of a refused request (``Decision.error``; the core's
#: ``bearer::ChallengeError``): ``invalid_request`` (400), ``invalid_token`` (401),
#: ``insufficient_scope`` (403).
ChallengeError = Literal["invalid_request", "invalid_token", "insufficient_scope"]
#: The HTTP status of a decision.
HttpStatus = Literal[200, 400, 401, 403]

#: The reasons of an authorization decision (SPEC §2, §8).
DecisionCode = Literal[
    "allow", "deny.no_matching_permission", "deny.ip_not_allowed", "deny.ip_invalid",
    "deny.org_mismatch",
]
#: The reasons of an IP verdict.
IpReason = Literal["allow", "deny.ip_not_allowed", "deny.ip_invalid"]
#: A token that does not verify (SPEC §6, in checking order, then the revocation list).
TokenCode = Literal[
    "token.too_large", "token.malformed", "token.unsupported_alg", "token.wrong_type",
    "token.forbidden_header", "token.unknown_key", "token.bad_signature",
    "token.missing_claim", "token.invalid_claim", "token.expired", "token.not_yet_valid",
    "token.wrong_issuer", "token.wrong_audience", "token.revoked",
]
#: An ``Authorization`` header without a usable Bearer token (RFC 6750).
BearerCode = Literal["bearer.missing", "bearer.malformed"]
#: The reasons of a ``check`` decision.
CheckReason = Literal[DecisionCode, TokenCode, BearerCode, "request.invalid"]
#: A permission that does not parse (SPEC §1, in checking order).
PermissionCode = Literal[
    "permission.invalid", "permission.unknown_type", "permission.unknown_action",
    "permission.unknown_scope", "permission.invalid_resource",
    "permission.resource_with_org_scope", "permission.scope_not_applicable",
]
#: An allowlist entry or list that is invalid (SPEC §4).
IpCode = Literal[
    "ip.empty", "ip.too_many", "ip.invalid", "ip.ipv6_unsupported", "ip.host_bits_set",
    "ip.duplicate",
]
#: A spec problem other than its permissions' and allowlist's (SPEC §4).
SpecCode = Literal[
    "spec.invalid", "name.length", "name.invalid_char", "description.length",
    "description.invalid_char", "set_type.unknown", "permissions.empty",
    "permissions.too_many", "permissions.duplicate", "environment.unknown",
]
#: Why the token endpoint refused a client (``invalid_client``).
ClientCode = Literal[
    "client.unknown", "client.bad_secret", "client.disabled", "client.deleted",
    "client.ip_not_allowed", "client.no_auth", "client.malformed_auth", "client.expired",
]
#: The internal reason of a token endpoint refusal (for audit logs, never sent).
IssuanceReason = Literal[ClientCode, "scope.not_covered", "request.invalid", "grant.unsupported"]
#: A lifecycle change that is not allowed, or a malformed record.
CredentialCode = Literal[
    "credential.invalid", "credential.deleted", "credential.secret_limit",
    "credential.secret_required",
]
#: Input that cannot be used at all.
InputCode = Literal["input.invalid", "op.unknown", "entropy.insufficient"]
#: Advice on a spec (docs/CODES.md).
LintCode = Literal[
    "lint.all_addresses", "lint.wide_network", "lint.overlapping_networks",
    "lint.private_network_in_production", "lint.redundant_permission",
    "lint.outside_set_type", "lint.org_wide_delete", "lint.stale_credential",
    "lint.secret_rotation_due", "lint.secret_past_grace", "lint.no_expiry", "lint.expires_soon",
    "lint.unused_permission",
]
#: A cause of new access in a diff of two specs (SPEC §11).
DiffCode = Literal[
    "diff.permission_not_covered", "diff.ip_not_covered", "diff.environment_changed",
]
#: A revocation list that cannot be used (docs/LIFECYCLE.md).
RevocationsCode = Literal["revocations.invalid", "revocations.stale"]
#: Every stable code.
Code = Literal[
    DecisionCode, "request.invalid", PermissionCode, SpecCode, IpCode, TokenCode,
    "jwks.invalid", "key.invalid", BearerCode, ClientCode, "scope.not_covered",
    "grant.unsupported", CredentialCode, InputCode, LintCode, DiffCode, RevocationsCode,
]
