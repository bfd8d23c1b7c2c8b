"""The one exception hierarchy of credgate, and the one place that maps core codes to it.

Every failure the core reports carries a stable code (SPEC §8, e.g. ``token.expired``).
:func:`error_for_code` picks the exception class from the code's prefix; the native
module calls it too (``credgate._credgate`` raises what this module builds), so the
mapping exists exactly once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type

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
    "BearerError",
    "OAuthError",
    "error_for_code",
    "error_from_output",
    "class_for_code",
]


class Error(ValueError):
    """Base class of every credgate error.

    ``code`` is the stable SPEC code (``token.expired``, ``ip.invalid``...); match on it,
    never on the message. ``message`` is text for a person.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InputError(Error):
    """The input could not be used at all (``input.invalid``, ``op.unknown``, ``entropy.insufficient``)."""


class InvalidPermissionError(Error):
    """A permission could not be parsed (``permission.*``)."""


class RequestError(Error):
    """A request to authorize is itself invalid (``request.invalid``)."""


class IpError(Error):
    """An allowlist entry is invalid (``ip.*``)."""


class Problem:
    """One problem found by spec validation: where (``path``), what (``code``), and a message."""

    __slots__ = ("path", "code", "message")

    def __init__(self, path: str, code: str, message: str) -> None:
        self.path = path
        self.code = code
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

    ``code`` is the first problem's code; ``codes`` is the set of all of them.
    """

    problems: List[Problem]

    def __init__(self, problems: List[Problem]) -> None:
        first = problems[0] if problems else Problem("", "spec.invalid", "the spec is invalid")
        text = "; ".join(f"{p.path}: {p.message} [{p.code}]" for p in problems) or first.message
        super().__init__(first.code, text)
        self.problems = list(problems)

    @property
    def codes(self) -> "set[str]":
        return {p.code for p in self.problems}

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ValidationError(problems={self.problems!r})"


class CredentialError(Error):
    """A lifecycle change that is not allowed, or a malformed credential record (``credential.*``)."""


class SigningKeyError(Error):
    """A signing key (kid or seed) is invalid (``key.invalid``)."""


class TokenError(Error):
    """An access token failed verification (``token.*``); a deny with HTTP 401."""


class JwksError(Error):
    """A JWKS was rejected before any token was looked at (``jwks.invalid``)."""


class BearerError(Error):
    """The ``Authorization`` header carries no usable Bearer token (``bearer.*``).

    ``status`` is the HTTP status to answer and ``www_authenticate`` the header value (RFC 6750).
    """

    status: int
    www_authenticate: Optional[str]

    def __init__(
        self, code: str, message: str, *, status: int = 401, www_authenticate: Optional[str] = None
    ) -> None:
        super().__init__(code, message)
        self.status = status
        self.www_authenticate = www_authenticate

    @property
    def headers(self) -> Dict[str, str]:
        return {"WWW-Authenticate": self.www_authenticate} if self.www_authenticate else {}


class OAuthError(Error):
    """The token endpoint refused a request (RFC 6749 §5.2).

    ``error`` is the OAuth error (``invalid_client``...), ``error_description`` the text sent to
    the client, ``status`` and ``headers`` the HTTP answer; ``code`` is the internal reason
    (``client.bad_secret``...) for audit logs, never sent to the client. ``body`` is the §5.2
    JSON body.
    """

    error: str
    error_description: str
    status: int
    headers: Dict[str, str]

    def __init__(
        self,
        code: str,
        message: str,
        *,
        error: str,
        error_description: Optional[str] = None,
        status: int = 400,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(code, message)
        self.error = error
        self.error_description = error_description if error_description is not None else message
        self.status = status
        self.headers = dict(headers or {})

    @property
    def body(self) -> Dict[str, str]:
        return {"error": self.error, "error_description": self.error_description}

    def __repr__(self) -> str:
        return (
            f"OAuthError(code={self.code!r}, error={self.error!r}, status={self.status!r}, "
            f"error_description={self.error_description!r})"
        )


# Code prefix -> class. Validation codes (SPEC §4) become ValidationError only when they come
# as a list of problems; one of them alone (e.g. ``set_type.unknown``) is still a ValidationError.
_PREFIXES: Dict[str, Type[Error]] = {
    "input.": InputError,
    "op.": InputError,
    "permission.": InvalidPermissionError,
    "request.": RequestError,
    "ip.": IpError,
    "credential.": CredentialError,
    "key.": SigningKeyError,
    "entropy.": InputError,
    "token.": TokenError,
    "jwks.": JwksError,
    "bearer.": BearerError,
    "client.": OAuthError,
    "grant.": OAuthError,
    "scope.": OAuthError,
    "spec.": ValidationError,
    "name.": ValidationError,
    "description.": ValidationError,
    "set_type.": ValidationError,
    "permissions.": ValidationError,
    "environment.": ValidationError,
}


def class_for_code(code: str) -> Type[Error]:
    """The exception class for a core code (the base :class:`Error` when no prefix matches)."""
    for prefix, cls in _PREFIXES.items():
        if code.startswith(prefix):
            return cls
    return Error


def error_for_code(code: str, message: str) -> Error:
    """Build the exception for a core code and message (called by the native module too)."""
    cls = class_for_code(code)
    if cls is ValidationError:
        return ValidationError([Problem("", code, message)])
    if cls is OAuthError:
        return OAuthError(code, message, error="invalid_request")
    return cls(code, message)


def error_from_output(out: Mapping[str, Any]) -> Error:
    """Build the exception for a failed façade output (``{"ok": false, ...}`` or ``{"error": ...}``)."""
    if isinstance(out.get("errors"), list):
        return ValidationError(
            [
                Problem(str(e.get("path", "")), str(e.get("code", "")), str(e.get("message", "")))
                for e in out["errors"]
            ]
        )
    message = str(out.get("message") or out.get("error_description") or out.get("error", ""))
    if "error_description" in out:
        # Token endpoint (RFC 6749 §5.2): `error` is the OAuth error, `reason` the SPEC code.
        return OAuthError(
            str(out.get("reason", out.get("error", ""))),
            message,
            error=str(out.get("error", "")),
            error_description=str(out["error_description"]),
            status=int(out.get("status", 400)),
            headers=out.get("headers") or {},
        )
    code = str(out.get("error", ""))
    cls = class_for_code(code)
    if cls is BearerError:
        www = out.get("www_authenticate")
        return BearerError(
            code,
            message,
            status=int(out.get("status", 401)),
            www_authenticate=str(www) if www is not None else None,
        )
    return error_for_code(code, message)
