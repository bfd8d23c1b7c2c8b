"""The one exception hierarchy of credgate, and the one place that maps core codes to it.

Every failure the core reports carries a stable code (SPEC §8, e.g. ``token.expired``).
:data:`CODE_CLASSES` names the exception class of every code of the core (``None`` for the
codes that are only ever answers: decision reasons, refusal reasons, lint findings), and
:func:`error_for_code` builds the exception; the native module calls it too
(``credgate._credgate`` raises what this module builds), so the mapping exists exactly once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Type, cast

from ._types import Code

__all__ = [
    "Error",
    "InputError",
    "InvalidPermissionError",
    "RequestError",
    "IpError",
    "ValidationError",
    "Problem",
    "CredentialError",
    "SigningKeyError",
    "TokenError",
    "JwksError",
    "RevocationsError",
    "RevocationsInvalid",
    "RevocationsStale",
    "CODE_CLASSES",
    "error_for_code",
    "class_for_code",
]


class Error(ValueError):
    """Base class of every credgate error.

    ``code`` is the stable SPEC code (``token.expired``, ``ip.invalid``...); match on it,
    never on the message. ``message`` is text for a person. ``index`` is the position of the
    bad entry when the input is a list (``permissions[1]``), else ``None``.
    """

    code: Code
    message: str
    index: Optional[int]

    def __init__(self, code: str, message: str, *, index: Optional[int] = None) -> None:
        super().__init__(code, message)
        self.code = cast(Code, code)
        self.message = message
        self.index = index

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InputError(Error, TypeError):
    """The input could not be used at all (``input.invalid``, ``op.unknown``,
    ``entropy.insufficient``): a value of the wrong Python type, a str that is not Unicode
    text, an int out of range, a naive ``datetime``, a value nested too deeply or that
    refers to itself, an object that failed while it was read (then the original exception is
    the ``__cause__``).

    It is both a ``ValueError`` (as every :class:`Error`) and a ``TypeError``, so
    ``except ValueError`` and ``except TypeError`` written for bad arguments keep working.
    """


class InvalidPermissionError(Error):
    """A permission could not be parsed (``permission.*``)."""


class RequestError(Error):
    """A request to authorize is itself invalid (``request.invalid``)."""


class IpError(Error):
    """An allowlist entry is invalid (``ip.*``)."""


class Problem:
    """One problem found by spec validation: where (``path``), what (``code``), and a message."""

    __slots__ = ("path", "code", "message")

    path: str
    code: Code
    message: str

    def __init__(self, path: str, code: str, message: str) -> None:
        self.path = path
        self.code = cast(Code, code)
        self.message = message

    def to_dict(self) -> Dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.path, self.code, self.message) == (other.path, other.code, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.code, self.message))

    def __repr__(self) -> str:
        return f"Problem(path={self.path!r}, code={self.code!r}, message={self.message!r})"


class ValidationError(Error):
    """A credential spec has problems; ``problems`` lists ALL of them.

    ``code`` is ``spec.invalid`` for a whole spec (``create_credential``,
    :meth:`CredentialSpec.validate`), or the one problem's code when a single value was
    checked (``set_type_defaults``: ``set_type.unknown``); ``codes`` is the set of every
    problem's code.
    """

    problems: List[Problem]

    def __init__(
        self, problems: Sequence[Problem], code: str = "spec.invalid", message: Optional[str] = None
    ) -> None:
        problems = list(problems) or [Problem("", "spec.invalid", "the spec is invalid")]
        text = "; ".join(f"{p.path or '(spec)'}: {p.message} [{p.code}]" for p in problems)
        super().__init__(code, text if message is None else message)
        self.problems = problems

    @property
    def codes(self) -> "set[str]":
        return {p.code for p in self.problems}

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ValidationError(code={self.code!r}, problems={self.problems!r})"


class CredentialError(Error):
    """A lifecycle change that is not allowed, or a malformed credential record (``credential.*``)."""


class SigningKeyError(Error):
    """A signing key (kid or seed) is invalid (``key.invalid``)."""


class TokenError(Error):
    """An access token failed verification (``token.*``); a deny with HTTP 401."""


class JwksError(Error):
    """A JWKS was rejected before any token was looked at (``jwks.invalid``)."""


class RevocationsError(Error):
    """A revocation list could not be used (``revocations.*``)."""


class RevocationsInvalid(RevocationsError):
    """A revocation list that does not verify: not a compact JWS of the right type, a bad
    signature, an unknown key, another issuer, too many entries (``revocations.invalid``)."""


class RevocationsStale(RevocationsError):
    """A revocation list older than the one held: its epoch is lower (``revocations.stale``).
    The held list stays."""


# Every code of the core and the class raised for it; ``None``: the code is only ever an
# answer (a decision's reason, a refusal's reason, a lint or diff finding), never raised. Codes of
# spec problems map to ValidationError, which carries them in ``problems``.
CODE_CLASSES: Dict[str, Optional[Type[Error]]] = {
    # decisions (request.invalid is also raised, by authorize)
    "allow": None,
    "deny.no_matching_permission": None,
    "deny.ip_not_allowed": None,
    "deny.ip_invalid": None,
    "deny.org_mismatch": None,
    "request.invalid": RequestError,
    # permissions
    "permission.invalid": InvalidPermissionError,
    "permission.unknown_type": InvalidPermissionError,
    "permission.unknown_action": InvalidPermissionError,
    "permission.unknown_scope": InvalidPermissionError,
    "permission.invalid_resource": InvalidPermissionError,
    "permission.resource_with_org_scope": InvalidPermissionError,
    "permission.scope_not_applicable": InvalidPermissionError,
    # specs
    "spec.invalid": ValidationError,
    "name.length": ValidationError,
    "name.invalid_char": ValidationError,
    "description.length": ValidationError,
    "description.invalid_char": ValidationError,
    "set_type.unknown": ValidationError,
    "permissions.empty": ValidationError,
    "permissions.too_many": ValidationError,
    "permissions.duplicate": ValidationError,
    "environment.unknown": ValidationError,
    # allowlists
    "ip.empty": IpError,
    "ip.too_many": IpError,
    "ip.invalid": IpError,
    "ip.ipv6_unsupported": IpError,
    "ip.host_bits_set": IpError,
    "ip.duplicate": IpError,
    # tokens and keys
    "token.too_large": TokenError,
    "token.malformed": TokenError,
    "token.unsupported_alg": TokenError,
    "token.wrong_type": TokenError,
    "token.forbidden_header": TokenError,
    "token.unknown_key": TokenError,
    "token.bad_signature": TokenError,
    "token.missing_claim": TokenError,
    "token.invalid_claim": TokenError,
    "token.expired": TokenError,
    "token.not_yet_valid": TokenError,
    "token.wrong_issuer": TokenError,
    "token.wrong_audience": TokenError,
    "token.revoked": TokenError,
    "jwks.invalid": JwksError,
    "key.invalid": SigningKeyError,
    # refusals with an HTTP status: answers (BearerRefusal, TokenRefusal, Decision)
    "bearer.missing": None,
    "bearer.malformed": None,
    "client.unknown": None,
    "client.bad_secret": None,
    "client.disabled": None,
    "client.deleted": None,
    "client.ip_not_allowed": None,
    "client.no_auth": None,
    "client.malformed_auth": None,
    "client.expired": None,
    "scope.not_covered": None,
    "grant.unsupported": None,
    # credentials
    "credential.invalid": CredentialError,
    "credential.deleted": CredentialError,
    "credential.secret_limit": CredentialError,
    "credential.secret_required": CredentialError,
    # revocation lists
    "revocations.invalid": RevocationsInvalid,
    "revocations.stale": RevocationsStale,
    # diff findings (answers)
    "diff.permission_not_covered": None,
    "diff.ip_not_covered": None,
    "diff.environment_changed": None,
    "entropy.insufficient": InputError,
    # the façade
    "input.invalid": InputError,
    "op.unknown": InputError,
    # lint findings
    "lint.all_addresses": None,
    "lint.wide_network": None,
    "lint.overlapping_networks": None,
    "lint.private_network_in_production": None,
    "lint.redundant_permission": None,
    "lint.outside_set_type": None,
    "lint.org_wide_delete": None,
    "lint.stale_credential": None,
    "lint.secret_rotation_due": None,
    "lint.secret_past_grace": None,
    "lint.no_expiry": None,
    "lint.expires_soon": None,
    "lint.unused_permission": None,
}

# Where the one value checked sits in a spec, for a ValidationError about that value alone.
_PATHS = {"set_type.unknown": "permission_set_type"}


def class_for_code(code: str) -> Type[Error]:
    """The exception class for a core code (the base :class:`Error` for an answer's code or
    a code this version does not know)."""
    return CODE_CLASSES.get(code) or Error


def error_for_code(
    code: str,
    message: str,
    *,
    index: Optional[int] = None,
    errors: Optional[List[Mapping[str, Any]]] = None,
) -> Error:
    """Build the exception for a core failure: its code, message and details (the ``index``
    of a bad list entry; every problem of an invalid spec in ``errors``). The native module
    calls this for every failure the core reports: the one place a class is chosen."""
    cls = class_for_code(code)
    if errors:
        return ValidationError(problems_of({"errors": errors}), code=code, message=message)
    if cls is ValidationError:
        return ValidationError([Problem(_PATHS.get(code, ""), code, message)], code=code)
    return cls(code, message, index=index)


def problems_of(out: Mapping[str, Any]) -> List[Problem]:
    """The problems of a façade output's ``errors`` list."""
    return [
        Problem(str(e.get("path", "")), str(e.get("code", "")), str(e.get("message", "")))
        for e in out.get("errors") or []
        if isinstance(e, Mapping)
    ]
