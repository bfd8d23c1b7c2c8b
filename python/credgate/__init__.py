"""credgate: API credentials for a wallet-as-a-service platform.

Permissions, IPv4 allowlists, credential lifecycle, OAuth 2.0 client-credentials token
issuance and Ed25519 (EdDSA) access-token verification, all decided by the Rust core
(``credgate-core``); this package converts types and supplies the clock and entropy.

Quick tour::

    import credgate

    spec = credgate.CredentialSpec.with_defaults(
        name="Reporting service", permission_set_type="monitoring",
        ip_allowlist=["203.0.113.0/24"], environment="production")
    new = credgate.create_credential(spec, org="org_1")      # secret shown once
    key = credgate.SigningKey.generate("k1")
    resp = credgate.issue_token(new.credential, new.client_secret, client_ip="203.0.113.7",
                                signing_key=key, issuer="https://auth.example",
                                audience="https://api.example")
    assert resp.ok                                 # or a TokenRefusal to send as it is
    verifier = credgate.Verifier([key], issuer="https://auth.example",
                                 audience="https://api.example")
    decision = verifier.check(resp.access_token, client_ip="203.0.113.7",
                              request=credgate.Request("audit", "read"))
    assert decision.allowed and decision.status == 200

Answers (reports, verdicts, decisions, refusals) are returned; failures are raised, as one
hierarchy (:class:`Error`, a ``ValueError``), each with a stable ``code``.
"""

from __future__ import annotations

from ._api import (
    ENTROPY_BYTES,
    JTI_BYTES,
    MAX_BODY_BYTES,
    BearerRefusal,
    BearerToken,
    Credential,
    CredentialSpec,
    Finding,
    IpDecision,
    LintReport,
    NewCredential,
    Permission,
    SecretCheck,
    SigningKey,
    SpecReport,
    TokenRefusal,
    TokenRequest,
    TokenResponse,
    Verifier,
    authorize,
    authorize_many,
    call,
    check,
    create_credential,
    ip_allowed,
    issue_token,
    lint,
    parse_bearer,
    parse_permission,
    parse_token_request,
    preview,
    public_jwks,
    set_type_defaults,
    to_unix,
    validate_spec,
    verify_token,
)
from ._credgate import CODES, OPS, Claims, Decision, KeySet, PermissionSet, Request, __version__
from ._errors import (
    CredentialError,
    Error,
    InputError,
    InvalidPermissionError,
    IpError,
    JwksError,
    Problem,
    RequestError,
    SigningKeyError,
    TokenError,
    ValidationError,
)
from ._types import (
    Action,
    AuthMethod,
    BearerCode,
    CheckReason,
    ClientCode,
    Code,
    CredentialCode,
    DecisionCode,
    Environment,
    HttpStatus,
    InputCode,
    IpCode,
    IpReason,
    IssuanceReason,
    LifecycleAction,
    LintCode,
    OAuthErrorName,
    PermissionCode,
    ResourceType,
    Scope,
    SetType,
    SpecCode,
    Status,
    TokenCode,
)

__all__ = [
    "__version__",
    "OPS",
    "CODES",
    "ENTROPY_BYTES",
    "JTI_BYTES",
    "MAX_BODY_BYTES",
    # prepared, thread-safe objects (native)
    "Claims",
    "Decision",
    "KeySet",
    "PermissionSet",
    "Request",
    # classes and answers
    "BearerRefusal",
    "BearerToken",
    "Credential",
    "CredentialSpec",
    "Finding",
    "IpDecision",
    "LintReport",
    "NewCredential",
    "Permission",
    "SecretCheck",
    "SigningKey",
    "SpecReport",
    "TokenRefusal",
    "TokenRequest",
    "TokenResponse",
    "Verifier",
    # functions
    "authorize",
    "authorize_many",
    "call",
    "check",
    "create_credential",
    "ip_allowed",
    "issue_token",
    "lint",
    "parse_bearer",
    "parse_permission",
    "parse_token_request",
    "preview",
    "public_jwks",
    "set_type_defaults",
    "to_unix",
    "validate_spec",
    "verify_token",
    # errors
    "CredentialError",
    "Error",
    "InputError",
    "InvalidPermissionError",
    "IpError",
    "JwksError",
    "Problem",
    "RequestError",
    "SigningKeyError",
    "TokenError",
    "ValidationError",
    # Literal types of words and codes
    "Action",
    "AuthMethod",
    "BearerCode",
    "CheckReason",
    "ClientCode",
    "Code",
    "CredentialCode",
    "DecisionCode",
    "Environment",
    "HttpStatus",
    "InputCode",
    "IpCode",
    "IpReason",
    "IssuanceReason",
    "LifecycleAction",
    "LintCode",
    "OAuthErrorName",
    "PermissionCode",
    "ResourceType",
    "Scope",
    "SetType",
    "SpecCode",
    "Status",
    "TokenCode",
]
