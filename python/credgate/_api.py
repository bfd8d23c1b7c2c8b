"""The Pythonic API over the native module.

This layer only adapts: keyword arguments, ``datetime``/``int`` times, ``bytes`` entropy,
dicts in and out, and the defaults a caller expects (``time.time()`` for "now",
``os.urandom`` for entropy). It is the ONLY place that reads the clock or draws randomness;
every decision is made by credgate-core, reached through ``credgate._credgate``.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _credgate
from ._credgate import Claims, Decision, KeySet, PermissionSet, Request
from ._errors import error_for_code, error_from_output

__all__ = [
    "Time",
    "PermissionLike",
    "RequestLike",
    "Permission",
    "CredentialSpec",
    "Credential",
    "NewCredential",
    "SigningKey",
    "Verifier",
    "IpDecision",
    "TokenRequest",
    "TokenResponse",
    "call",
    "parse_permission",
    "validate_spec",
    "set_type_defaults",
    "ip_allowed",
    "authorize",
    "authorize_many",
    "create_credential",
    "public_jwks",
    "verify_token",
    "check",
    "parse_bearer",
    "parse_token_request",
    "issue_token",
    "preview",
    "lint",
    "to_unix",
]

#: A point in time: Unix seconds (``int``/``float``) or a timezone-aware ``datetime``.
Time = Union[int, float, datetime]
#: A permission in any accepted form: canonical text, JSON dict, or :class:`Permission`.
PermissionLike = Union[str, Mapping[str, Any], "Permission"]
#: A request to authorize: a :class:`Request` or a dict with the same keys.
RequestLike = Union[Request, Mapping[str, Any]]


def to_unix(t: Optional[Time]) -> int:
    """Unix seconds from ``None`` (now), an ``int``/``float`` or an aware ``datetime``."""
    if t is None:
        return int(time.time())
    if isinstance(t, bool):
        raise TypeError("a time must be an int, a float or a datetime, not a bool")
    if isinstance(t, int):
        return t
    if isinstance(t, float):
        if not math.isfinite(t):
            raise ValueError("a time must be finite")
        return math.floor(t)
    if isinstance(t, datetime):
        if t.tzinfo is None or t.tzinfo.utcoffset(t) is None:
            raise ValueError("naive datetime: give it a timezone (e.g. tzinfo=timezone.utc)")
        return math.floor(t.timestamp())
    raise TypeError(f"a time must be an int, a float or a datetime, not {type(t).__name__}")


def call(op: str, input: Mapping[str, Any]) -> Dict[str, Any]:
    """Run one core operation through the JSON façade and return its output as a dict.

    This never raises for a failed operation: the output carries ``ok``/``error`` as the
    core produced it. It is what the conformance runner uses.
    """
    try:
        text = json.dumps(input, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as e:
        # Not JSON: a cycle, nesting deeper than the interpreter allows, NaN, or an object
        # json cannot encode. The caller's input is at fault, so it is an input error.
        raise error_for_code("input.invalid", f"the input is not JSON-encodable: {e}") from None
    out: Dict[str, Any] = json.loads(_credgate.call(op, text))
    return out


def _checked(op: str, input: Mapping[str, Any]) -> Dict[str, Any]:
    """Like :func:`call`, but raise the mapped :class:`~credgate.Error` on failure."""
    out = call(op, input)
    if out.get("ok") is False or ("error" in out and "ok" not in out):
        raise error_from_output(out)
    return out


def _permission_json(p: PermissionLike) -> Union[str, Dict[str, Any]]:
    if isinstance(p, Permission):
        return p.text
    if isinstance(p, str):
        return p
    return dict(p)


def _request(r: RequestLike) -> RequestLike:
    """A request for the native layer: a ``Request`` or a ``dict`` (read by the core, which
    rejects unknown members)."""
    if isinstance(r, (Request, dict)):
        return r
    return dict(r)


# ---------------------------------------------------------------- permissions


@dataclass(frozen=True)
class Permission:
    """One permission: ``type``, ``action``, ``scope`` and an optional ``resource``.

    The constructor validates with the core (raising :class:`InvalidPermissionError`);
    ``str(p)`` is the canonical text form, e.g. ``balances:read:vault:vlt_01``.
    """

    type: str
    action: str
    scope: str
    resource: Optional[str] = None
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        d: Dict[str, Any] = {"type": self.type, "action": self.action, "scope": self.scope}
        if self.resource is not None:
            d["resource"] = self.resource
        out = _checked("parse_permission", {"permission": d})
        object.__setattr__(self, "text", str(out["canonical"]))

    @classmethod
    def parse(cls, value: PermissionLike) -> "Permission":
        """Parse the text form (``vault:read:org``) or the JSON form (a dict)."""
        if isinstance(value, Permission):
            return value
        if isinstance(value, str):
            out = _checked("parse_permission", {"text": value})
        else:
            out = _checked("parse_permission", {"permission": dict(value)})
        p = out["permission"]
        return cls(p["type"], p["action"], p["scope"], p.get("resource"))

    def to_dict(self) -> Dict[str, str]:
        d = {"type": self.type, "action": self.action, "scope": self.scope}
        if self.resource is not None:
            d["resource"] = self.resource
        return d

    def __str__(self) -> str:
        return self.text


def parse_permission(value: PermissionLike) -> Permission:
    """Parse a permission from its text or JSON form."""
    return Permission.parse(value)


# ---------------------------------------------------------------- specs and credentials


@dataclass
class CredentialSpec:
    """What a person fills in to create a credential (SPEC §4)."""

    name: str
    permission_set_type: str
    permissions: List[PermissionLike]
    ip_allowlist: List[str]
    environment: str
    description: Optional[str] = None

    @classmethod
    def with_defaults(
        cls,
        *,
        name: str,
        permission_set_type: str,
        ip_allowlist: Sequence[str],
        environment: str,
        description: Optional[str] = None,
        add: Iterable[PermissionLike] = (),
        remove: Iterable[PermissionLike] = (),
    ) -> "CredentialSpec":
        """A spec pre-populated with the set type's default permissions (SPEC §3), edited by
        ``add`` and ``remove``."""
        perms: List[PermissionLike] = list(set_type_defaults(permission_set_type))
        drop = {str(Permission.parse(p)) for p in remove}
        perms = [p for p in perms if str(p) not in drop]
        perms.extend(add)
        return cls(
            name=name,
            permission_set_type=permission_set_type,
            permissions=perms,
            ip_allowlist=list(ip_allowlist),
            environment=environment,
            description=description,
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CredentialSpec":
        return cls(
            name=d.get("name"),  # type: ignore[arg-type]  # the core reports bad types
            permission_set_type=d.get("permission_set_type"),  # type: ignore[arg-type]
            permissions=list(d.get("permissions") or []),
            ip_allowlist=list(d.get("ip_allowlist") or []),
            environment=d.get("environment"),  # type: ignore[arg-type]
            description=d.get("description"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "permission_set_type": self.permission_set_type,
            "permissions": [_permission_json(p) for p in self.permissions],
            "ip_allowlist": list(self.ip_allowlist),
            "environment": self.environment,
        }

    def validate(self) -> None:
        """Raise :class:`ValidationError` listing every problem, or return ``None``."""
        validate_spec(self)


def _spec_json(spec: Union[CredentialSpec, Mapping[str, Any]]) -> Dict[str, Any]:
    return spec.to_dict() if isinstance(spec, CredentialSpec) else dict(spec)


def validate_spec(spec: Union[CredentialSpec, Mapping[str, Any]]) -> None:
    """Validate a credential spec; raise :class:`ValidationError` with ALL problems."""
    _checked("validate_spec", {"spec": _spec_json(spec)})


def set_type_defaults(set_type: str) -> List[str]:
    """The default permissions (text form) of a permission set type (SPEC §3)."""
    return [str(p) for p in _checked("set_type_defaults", {"set_type": set_type})["permissions"]]


class Credential:
    """A stored credential record (never holds the secret, only its SHA-256 digest).

    Lifecycle methods return a NEW record; persist it. ``to_dict()`` gives the record to
    store, ``Credential.from_dict`` reads it back.
    """

    __slots__ = ("_record",)

    def __init__(self, record: Mapping[str, Any]) -> None:
        self._record: Dict[str, Any] = dict(record)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> "Credential":
        return cls(record)

    @classmethod
    def from_json(cls, text: str) -> "Credential":
        return cls(json.loads(text))

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._record)

    def to_json(self) -> str:
        return json.dumps(self._record)

    @property
    def client_id(self) -> str:
        return str(self._record.get("client_id"))

    @property
    def org(self) -> str:
        return str(self._record.get("org"))

    @property
    def name(self) -> str:
        return str(self._record.get("name"))

    @property
    def description(self) -> Optional[str]:
        d = self._record.get("description")
        return None if d is None else str(d)

    @property
    def permission_set_type(self) -> str:
        return str(self._record.get("permission_set_type"))

    @property
    def permissions(self) -> List[str]:
        return list(self._record.get("permissions") or [])

    @property
    def ip_allowlist(self) -> List[str]:
        return list(self._record.get("ip_allowlist") or [])

    @property
    def environment(self) -> str:
        return str(self._record.get("environment"))

    @property
    def status(self) -> str:
        return str(self._record.get("status"))

    @property
    def enabled(self) -> bool:
        return self._record.get("status") == "enabled"

    @property
    def created_at(self) -> int:
        return int(self._record.get("created_at", 0))

    @property
    def updated_at(self) -> int:
        return int(self._record.get("updated_at", 0))

    @property
    def secret_sha256(self) -> str:
        """The SHA-256 digest of the client secret (lowercase hex); the secret is never kept."""
        return str(self._record.get("secret_sha256"))

    def _update(self, action: str, now: Optional[Time]) -> "Credential":
        out = _checked(
            "update_credential", {"credential": self._record, "action": action, "now": to_unix(now)}
        )
        return Credential(out["credential"])

    def enable(self, *, now: Optional[Time] = None) -> "Credential":
        """The record, enabled again (not possible once deleted)."""
        return self._update("enable", now)

    def disable(self, *, now: Optional[Time] = None) -> "Credential":
        """The record, disabled: it can no longer obtain tokens."""
        return self._update("disable", now)

    def delete(self, *, now: Optional[Time] = None) -> "Credential":
        """The record, deleted (final)."""
        return self._update("delete", now)

    def verify_secret(self, client_secret: str) -> bool:
        """Whether ``client_secret`` is this credential's secret (constant-time, in the core)."""
        out = _checked("verify_secret", {"credential": self._record, "client_secret": client_secret})
        return out.get("valid") is True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credential):
            return NotImplemented
        return self._record == other._record

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        r = self._record
        return (
            f"Credential(client_id={r.get('client_id')!r}, name={r.get('name')!r}, "
            f"org={r.get('org')!r}, environment={r.get('environment')!r}, status={r.get('status')!r})"
        )


@dataclass(frozen=True)
class NewCredential:
    """A created credential and its client secret, shown exactly once (``repr`` hides it).

    Unpacks as ``credential, client_secret = create_credential(...)``.
    """

    credential: Credential
    client_secret: str = field(repr=False)

    @property
    def client_id(self) -> str:
        return self.credential.client_id

    def __iter__(self) -> Iterator[Any]:
        return iter((self.credential, self.client_secret))


def create_credential(
    spec: Union[CredentialSpec, Mapping[str, Any]],
    *,
    org: str,
    now: Optional[Time] = None,
    entropy: Optional[bytes] = None,
) -> NewCredential:
    """Create an enabled credential from a valid spec.

    ``entropy`` (48 bytes) defaults to ``os.urandom(48)``; raises :class:`ValidationError`.
    """
    if entropy is None:
        entropy = os.urandom(48)
    out = _checked(
        "create_credential",
        {"spec": _spec_json(spec), "org": org, "now": to_unix(now), "entropy": bytes(entropy).hex()},
    )
    return NewCredential(Credential(out["credential"]), str(out["client_secret"]))


# ---------------------------------------------------------------- keys and tokens


class SigningKey:
    """An Ed25519 signing key: a ``kid`` and a 32-byte seed (``repr`` never shows the seed)."""

    __slots__ = ("_kid", "_seed", "_jwk")

    def __init__(self, kid: str, seed: bytes) -> None:
        seed = bytes(seed)
        self._kid = kid
        self._seed = seed
        keys = _checked("public_jwks", {"signing_keys": [{"kid": kid, "seed": seed.hex()}]})["keys"]
        self._jwk: Dict[str, Any] = dict(keys[0])

    @classmethod
    def generate(cls, kid: str) -> "SigningKey":
        """A new key with a seed from ``os.urandom(32)``."""
        return cls(kid, os.urandom(32))

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> "SigningKey":
        """From the stored form ``{"kid", "seed"}`` (seed in lowercase hex)."""
        try:
            seed = bytes.fromhex(d["seed"])
        except (KeyError, TypeError, ValueError):
            seed = b""
        return cls(d.get("kid", ""), seed)

    def to_dict(self) -> Dict[str, str]:
        """The stored form ``{"kid", "seed"}``; the seed is secret, keep it so."""
        return {"kid": self._kid, "seed": self._seed.hex()}

    @property
    def kid(self) -> str:
        return self._kid

    @property
    def seed(self) -> bytes:
        return self._seed

    def public_jwk(self) -> Dict[str, Any]:
        """The public key as a JWK (OKP, Ed25519, with ``kid``)."""
        return dict(self._jwk)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningKey):
            return NotImplemented
        return self._kid == other._kid and self._seed == other._seed

    def __hash__(self) -> int:
        return hash((self._kid, self._seed))

    def __repr__(self) -> str:
        return f"SigningKey(kid={self._kid!r}, x={self._jwk.get('x')!r})"


def public_jwks(keys: Iterable[SigningKey]) -> Dict[str, Any]:
    """The JWKS (``{"keys": [...]}``) publishing the public halves of ``keys``."""
    return _checked("public_jwks", {"signing_keys": [k.to_dict() for k in keys]})


def _keyset(keys: Union[KeySet, Mapping[str, Any], str, Iterable[SigningKey]]) -> KeySet:
    """A KeySet from a KeySet, a JWKS (dict, JSON str/bytes) or signing keys."""
    if isinstance(keys, KeySet):
        return keys
    if isinstance(keys, (str, bytes, Mapping)):
        return KeySet.from_jwks(keys)
    items = list(keys)
    if items and all(isinstance(k, SigningKey) for k in items):
        return KeySet.from_jwks(public_jwks(items))
    # Anything else is handed to the core as a JWKS, which rejects it (`jwks.invalid`).
    return KeySet.from_jwks(items)  # type: ignore[arg-type]


class Verifier:
    """A prepared token verifier: a parsed key set plus issuer, audience and leeway.

    Build it once and share it between threads; ``verify`` and ``check`` release the GIL
    while the signature is checked.
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        keys: Union[KeySet, Mapping[str, Any], str, Iterable[SigningKey]],
        *,
        issuer: str,
        audience: str,
        leeway: int = 0,
        revoked_jtis: Iterable[str] = (),
    ) -> None:
        if isinstance(leeway, bool) or not isinstance(leeway, int) or leeway < 0:
            raise error_for_code(
                "input.invalid", f"leeway must be a non-negative int of seconds, not {leeway!r}"
            )
        self._core = _credgate.VerifierCore(
            _keyset(keys), issuer, audience, leeway, list(revoked_jtis)
        )

    @property
    def keys(self) -> KeySet:
        return self._core.keys

    @property
    def issuer(self) -> str:
        return self._core.issuer

    @property
    def audience(self) -> str:
        return self._core.audience

    @property
    def leeway(self) -> int:
        return self._core.leeway

    @property
    def revoked_jtis(self) -> List[str]:
        return self._core.revoked_jtis

    def verify(self, token: str, *, now: Optional[Time] = None) -> Claims:
        """The token's claims, or :class:`TokenError` with the first failing check's code."""
        return self._core.verify(token, to_unix(now))

    def check(
        self,
        token: str,
        *,
        client_ip: str,
        request: RequestLike,
        now: Optional[Time] = None,
    ) -> Decision:
        """The edge path (SPEC §8): token → IP → org → permission, as one :class:`Decision`.

        A token failure is a deny with status 401, never an exception; an invalid request
        raises :class:`RequestError`.
        """
        return self._core.check(token, to_unix(now), client_ip, _request(request))

    def check_authorization(
        self,
        authorization: Optional[str],
        *,
        client_ip: str,
        request: RequestLike,
        now: Optional[Time] = None,
    ) -> Decision:
        """Like :meth:`check`, reading the token from an ``Authorization`` header value
        (``None`` when absent). A missing or malformed header is a refusal (401/400 with
        ``bearer.*`` and a ``www_authenticate`` challenge), not an exception."""
        return self._core.check_authorization(
            authorization, to_unix(now), client_ip, _request(request)
        )

    def __repr__(self) -> str:
        return (
            f"Verifier(kids={self._core.keys.kids!r}, issuer={self.issuer!r}, "
            f"audience={self.audience!r}, leeway={self.leeway!r})"
        )


def verify_token(
    token: str,
    jwks: Union[KeySet, Mapping[str, Any], str],
    *,
    issuer: str,
    audience: str,
    now: Optional[Time] = None,
    leeway: int = 0,
) -> Claims:
    """One-off token verification (build a :class:`Verifier` for repeated use)."""
    return Verifier(jwks, issuer=issuer, audience=audience, leeway=leeway).verify(token, now=now)


def check(
    token: str,
    jwks: Union[KeySet, Mapping[str, Any], str],
    *,
    issuer: str,
    audience: str,
    client_ip: str,
    request: RequestLike,
    now: Optional[Time] = None,
    leeway: int = 0,
) -> Decision:
    """One-off edge check (build a :class:`Verifier` for repeated use)."""
    v = Verifier(jwks, issuer=issuer, audience=audience, leeway=leeway)
    return v.check(token, client_ip=client_ip, request=request, now=now)


def parse_bearer(authorization: Optional[str]) -> str:
    """The token of an ``Authorization: Bearer ...`` header (RFC 6750), or :class:`BearerError`
    carrying ``status`` and ``www_authenticate``."""
    return str(_checked("parse_bearer", {"authorization": authorization})["token"])


# ---------------------------------------------------------------- authorization


def authorize(
    permissions: Union[PermissionSet, Iterable[PermissionLike]],
    request: RequestLike,
    *,
    org: Optional[str] = None,
) -> Decision:
    """Decide one request against a list of permissions (SPEC §2).

    The request is read before the permissions, as the core's ``authorize`` operation does.
    """
    if not isinstance(request, Request):
        request = Request.from_dict(request)
    if not isinstance(permissions, PermissionSet):
        permissions = PermissionSet([_permission_json(p) for p in permissions])
    return permissions.authorize(_request(request), org)


def authorize_many(
    permissions: Union[PermissionSet, Iterable[PermissionLike]],
    requests: Iterable[RequestLike],
    *,
    org: Optional[str] = None,
) -> List[Decision]:
    """Decide many requests in one crossing into the core."""
    if not isinstance(permissions, PermissionSet):
        permissions = PermissionSet([_permission_json(p) for p in permissions])
    batch = requests if isinstance(requests, list) else [_request(r) for r in requests]
    return permissions.authorize_many(batch, org)


@dataclass(frozen=True)
class IpDecision:
    """Whether a client IP is inside an allowlist; truthy when allowed."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def ip_allowed(allowlist: Sequence[str], ip: str) -> IpDecision:
    """Match a client IP against an allowlist; :class:`IpError` when the allowlist is invalid."""
    out = _checked("ip_allowed", {"allowlist": list(allowlist), "ip": ip})
    return IpDecision(bool(out["allowed"]), str(out["reason"]))


def preview(
    permissions: Iterable[PermissionLike], resources: Optional[Mapping[str, Any]] = None
) -> Dict[str, Any]:
    """What a permission list allows, for a person to review (the documented preview shape)."""
    d: Dict[str, Any] = {"permissions": [_permission_json(p) for p in permissions]}
    if resources is not None:
        d["resources"] = dict(resources)
    return _checked("preview", d)


def lint(
    spec: Union[CredentialSpec, Mapping[str, Any]],
    *,
    now: Optional[Time] = None,
    created_at: Optional[Time] = None,
) -> List[Dict[str, Any]]:
    """Advice on a spec (over-broad permissions, open allowlists...): a list of findings."""
    d: Dict[str, Any] = {"spec": _spec_json(spec)}
    if now is not None:
        d["now"] = to_unix(now)
    if created_at is not None:
        d["created_at"] = to_unix(created_at)
    return list(_checked("lint", d)["findings"])


# ---------------------------------------------------------------- the token endpoint

HeadersLike = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


def _headers(headers: HeadersLike) -> Dict[str, str]:
    """Headers as one dict; a repeated field is combined with ``", "`` (RFC 9110 §5.3)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: Dict[str, str] = {}
    lower: Dict[str, str] = {}
    for name, value in items:
        key = lower.setdefault(name.lower(), name)
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


@dataclass(frozen=True)
class TokenRequest:
    """A parsed client-credentials token request (``repr`` hides the secret)."""

    client_id: str
    client_secret: str = field(repr=False)
    auth_method: str
    scope: Optional[str] = None


def parse_token_request(
    method: str, headers: HeadersLike, body: Union[bytes, str]
) -> TokenRequest:
    """Parse an RFC 6749 §4.4 token request; :class:`OAuthError` (status 400/401) if invalid."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", errors="replace")
    out = _checked("parse_token_request", {"method": method, "headers": _headers(headers), "body": body})
    return TokenRequest(
        client_id=str(out["client_id"]),
        client_secret=str(out["client_secret"]),
        auth_method=str(out["auth_method"]),
        scope=out.get("scope"),
    )


@dataclass(frozen=True)
class TokenResponse:
    """A successful token response (RFC 6749 §5.1): send ``body`` as JSON with ``status`` and
    ``headers``."""

    status: int
    headers: Dict[str, str]
    body: Dict[str, Any] = field(repr=False)
    token: str = field(repr=False)
    claims: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def access_token(self) -> str:
        return self.token

    @property
    def expires_in(self) -> int:
        return int(self.body["expires_in"])

    @property
    def scope(self) -> str:
        return str(self.body.get("scope", ""))


def issue_token(
    credential: Optional[Credential],
    request: Union[TokenRequest, str],
    *,
    client_ip: str,
    signing_key: SigningKey,
    issuer: str,
    audience: str,
    scope: Optional[str] = None,
    now: Optional[Time] = None,
    jti: Optional[str] = None,
) -> TokenResponse:
    """Exchange a client secret for a 1-hour access token (SPEC §7).

    ``credential`` is the stored record found by the request's client ID, or ``None`` when
    there is none (refused as ``client.unknown``). ``request`` is the parsed
    :class:`TokenRequest` (its client ID, secret, scope and authentication method are used)
    or just the client secret. ``jti`` defaults to 16 random bytes in hex. Raises
    :class:`OAuthError` carrying the §5.2 ``error``, ``status``, ``headers`` and the internal
    reason as ``code``.
    """
    d: Dict[str, Any] = {
        "credential": credential.to_dict() if credential is not None else None,
        "client_ip": client_ip,
        "now": to_unix(now),
        "signing_key": signing_key.to_dict(),
        "jti": jti if jti is not None else os.urandom(16).hex(),
        "issuer": issuer,
        "audience": audience,
    }
    if isinstance(request, TokenRequest):
        d["client_id"] = request.client_id
        d["client_secret"] = request.client_secret
        d["auth_method"] = request.auth_method
        scope = scope if scope is not None else request.scope
    else:
        d["client_secret"] = request
    if scope is not None:
        d["scope"] = scope
    out = call("issue_token", d)
    if out.get("ok") is not True:
        raise error_from_output(out)
    claims = out.get("claims")
    return TokenResponse(
        status=int(out.get("status", 200)),
        headers=dict(out.get("headers") or {}),
        body=dict(out["response"]),
        token=str(out["token"]),
        claims=dict(claims) if isinstance(claims, dict) else {},
    )
