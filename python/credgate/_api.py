"""The Pythonic API over the native module.

This layer only adapts: keyword arguments, ``datetime``/``int`` times, ``bytes`` entropy,
dicts in and out, result classes, and the defaults a caller expects (``time.time()`` for
"now", ``os.urandom`` for entropy). It is the ONLY place that reads the clock or draws
randomness; every decision is made by credgate-core, reached through ``credgate._credgate``.

Answers are returned and failures raised, per operation, as on every host (SPEC §9):
reports, verdicts, decisions and refusals are values; input that cannot be evaluated raises
a :class:`~credgate.Error` (``input.invalid`` when it cannot even be converted).
"""

from __future__ import annotations

import asyncio
import codecs
import json
import math
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
    cast,
)

from . import _credgate
from ._credgate import Claims, Decision, KeySet, PermissionSet, Request
from ._errors import Error, Problem, TokenError, ValidationError, error_for_code, problems_of
from ._remote import AsyncRemoteKeySet, RemoteKeySet
from ._types import (
    Action,
    AuthMethod,
    BearerCode,
    DecisionCode,
    DiffCode,
    Environment,
    IpReason,
    IssuanceReason,
    LintCode,
    OAuthErrorName,
    ResourceType,
    Scope,
    SetType,
    Status,
)

__all__ = [
    "ENTROPY_BYTES",
    "JTI_BYTES",
    "MAX_BODY_BYTES",
    "SECRET_ENTROPY_BYTES",
    "Time",
    "Seconds",
    "PermissionLike",
    "RequestLike",
    "HeadersLike",
    "Permission",
    "CredentialSpec",
    "SpecReport",
    "Finding",
    "LintReport",
    "Credential",
    "NewCredential",
    "SecretInfo",
    "SecretCheck",
    "UsageEntry",
    "UsageLike",
    "Explanation",
    "SpecDiff",
    "DiffFinding",
    "Suggestion",
    "Narrowing",
    "RevokeClient",
    "RevokeToken",
    "RevocationEntry",
    "RevocationEntryLike",
    "SignedRevocations",
    "RevocationList",
    "SigningKey",
    "Verifier",
    "KeysLike",
    "CacheStats",
    "CACHE_ENTRIES",
    "CACHE_BYTES",
    "IpDecision",
    "BearerToken",
    "BearerRefusal",
    "TokenRequest",
    "TokenResponse",
    "TokenRefusal",
    "call",
    "parse_permission",
    "validate_spec",
    "set_type_defaults",
    "vocabulary",
    "Vocabulary",
    "SetTypeInfo",
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
    "explain",
    "diff",
    "suggest",
    "sign_revocations",
    "load_revocations",
    "to_unix",
]

#: Bytes of entropy a new credential takes (the core's ``credential::ENTROPY_BYTES``).
ENTROPY_BYTES: int = _credgate.ENTROPY_BYTES
#: Random bytes in a default ``jti`` (the core's ``token::JTI_BYTES``).
JTI_BYTES: int = _credgate.JTI_BYTES
#: The largest token request body (the core's ``oauth::MAX_BODY_BYTES``).
MAX_BODY_BYTES: int = _credgate.MAX_BODY_BYTES
#: Bytes of entropy a rotated secret takes (the core's ``credential::SECRET_ENTROPY_BYTES``).
SECRET_ENTROPY_BYTES: int = _credgate.SECRET_ENTROPY_BYTES

#: A point in time: Unix seconds (``int``/``float``) or a timezone-aware ``datetime``.
Time = Union[int, float, datetime]
#: A permission in any accepted form: canonical text, JSON dict, or :class:`Permission`.
PermissionLike = Union[str, Mapping[str, Any], "Permission"]
#: A request to authorize: a :class:`Request` or a dict with the same keys.
RequestLike = Union[Request, Mapping[str, Any]]
#: Request headers: a mapping, or ``(name, value)`` pairs (which can repeat a name).
HeadersLike = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


def _input_error(message: str) -> Error:
    return error_for_code("input.invalid", message)


def _type(value: object) -> str:
    return type(value).__name__


def to_unix(t: Optional[Time]) -> int:
    """Unix seconds from ``None`` (now), an ``int``/``float`` or an aware ``datetime``.

    Anything else (a ``bool``, a naive ``datetime``, NaN, a value outside 64-bit seconds)
    is :class:`~credgate.InputError`.
    """
    if t is None:
        return int(time.time())
    if isinstance(t, bool):
        raise _input_error("a time must be an int, a float or a datetime, not a bool")
    if isinstance(t, int):
        seconds = int(t)
    elif isinstance(t, float):
        if not math.isfinite(t):
            raise _input_error(f"a time must be finite, not {t!r}")
        seconds = math.floor(t)
    elif isinstance(t, datetime):
        try:
            offset = t.utcoffset()
            if offset is None:
                raise _input_error(
                    "a naive datetime has no timezone: give an aware one, e.g."
                    " `datetime.now(timezone.utc)` or `tzinfo=timezone.utc`"
                )
            seconds = math.floor(t.timestamp())
        except Error:
            raise
        except Exception as e:  # a tzinfo that fails while it is read
            raise _input_error(f"the datetime could not be read: {e}") from e
    else:
        raise _input_error(f"a time must be an int, a float or a datetime, not {_type(t)}")
    if not _I64_MIN <= seconds <= _I64_MAX:
        raise _input_error(f"the time {seconds} is outside 64-bit Unix seconds")
    return seconds


def _opt_time(t: Optional[Time], what: str) -> Optional[int]:
    """Unix seconds of an optional time whose ``None`` means "none" (not "now")."""
    return None if t is None else to_unix(t)


def _required_time(t: Any, what: str) -> int:
    """Unix seconds of a time that must be given."""
    if t is None:
        raise _input_error(f"{what} must be a time (an int, a float or a datetime), not None")
    return to_unix(t)


def _duration(d: Any, what: str) -> Any:
    """Whole seconds of a ``timedelta`` (rounded down); an ``int`` as given, for the core to
    judge its range. Anything else is :class:`~credgate.InputError`."""
    if isinstance(d, timedelta):
        return d // timedelta(seconds=1)
    if isinstance(d, bool) or not isinstance(d, int):
        raise _input_error(f"{what} must be an int of seconds or a timedelta, not {_type(d)}")
    return d


#: A length of time: whole seconds as an ``int``, or a ``timedelta``.
Seconds = Union[int, timedelta]

_U64_LIMIT = 2**64


def _whole_seconds(d: Any, what: str) -> int:
    """A non-negative whole number of seconds from an ``int`` or a ``timedelta`` (the one
    conversion of ``leeway``). A negative, fractional (``1.5``, ``timedelta(milliseconds=1)``)
    or out-of-range value, a ``bool`` or anything else is :class:`~credgate.InputError`."""
    if isinstance(d, timedelta):
        whole, rest = divmod(d, timedelta(seconds=1))
        if rest:
            raise _input_error(f"{what} must be whole seconds, not `{d!r}`")
        seconds = int(whole)
    elif isinstance(d, int) and not isinstance(d, bool):
        seconds = int(d)
    else:
        raise _input_error(
            f"{what} must be an int of seconds or a timedelta, not `{d!r}` ({_type(d)})"
        )
    if not 0 <= seconds < _U64_LIMIT:
        raise _input_error(f"{what} must be a non-negative number of seconds, not `{d!r}`")
    return seconds


def _opt_int(v: Any) -> Optional[int]:
    """An int member of the core's output or of a record, else ``None`` (never raises)."""
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _list(value: Any, what: str) -> List[Any]:
    """The items of a list-like argument (not a str, bytes or mapping); else InputError."""
    if isinstance(value, (str, bytes, bytearray, Mapping)):
        raise _input_error(f"{what} must be a list, not a {_type(value)}")
    try:
        return list(value)
    except Exception as e:  # not iterable, or an iterator that fails while it is read
        raise _input_error(f"{what} could not be read as a list: {e}") from e


def _bytes(value: Any, what: str) -> bytes:
    """Bytes from a bytes-like value (never from an int, which ``bytes()`` would zero-fill)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise _input_error(f"{what} must be bytes, not {_type(value)}")


def _mapping(value: Any, what: str) -> Dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _input_error(f"{what} must be a mapping, not {_type(value)}")
    try:
        return dict(value)
    except Exception as e:
        raise _input_error(f"{what} could not be read: {e}") from e


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate member `{k}`")
        out[k] = v
    return out


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"`{name}` is not JSON")


def _loads(text: Union[str, bytes], what: str) -> Any:
    """Strict JSON text (duplicate members, NaN and Infinity refused); else InputError."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise _input_error(f"{what} must be JSON text, not {_type(text)}")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise _input_error(f"{what} is not JSON: {e}") from None


def call(op: str, input: Any) -> Dict[str, Any]:
    """Run one core operation and return its wire form as a dict (docs/OUTCOMES.md).

    The member ``outcome`` says what it is: ``"result"``, ``"answer"`` or ``"failure"``.
    Nothing is raised for a failed operation, not even for input that cannot be converted
    (that is an ``input.invalid`` failure like any other). The typed functions of this
    package are what an application calls; this is the façade underneath them.
    """
    out: Dict[str, Any] = _credgate.call(op, input)
    return out


def _run(op: str, input: Mapping[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """Run one core operation: ``(kind, output)`` for a result or an answer (the core's
    decision, docs/OUTCOMES.md); a failure is raised as its :class:`~credgate.Error` class."""
    kind, out = _credgate.run(op, input)
    return kind, out


def _checked(op: str, input: Mapping[str, Any]) -> Dict[str, Any]:
    """The output of an operation whose success is a result or an answer of one shape."""
    return _run(op, input)[1]


def _permission_json(p: Any) -> Any:
    """A permission for the core: a :class:`Permission` by its text, anything else as given
    (the core judges it as it judges its JSON)."""
    return p.text if isinstance(p, Permission) else p


# ---------------------------------------------------------------- permissions


@dataclass(frozen=True)
class Permission:
    """One permission: ``type``, ``action``, ``scope`` and an optional ``resource``.

    The constructor validates with the core (raising :class:`InvalidPermissionError`);
    ``str(p)`` is the canonical text form, e.g. ``balances:read:vault:vlt_01``.
    """

    type: ResourceType
    action: Action
    scope: Scope
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
            out = _checked("parse_permission", {"permission": value})
        p = out["permission"]
        return cls(p["type"], p["action"], p["scope"], p.get("resource"))

    def to_dict(self) -> Dict[str, str]:
        d: Dict[str, str] = {"type": self.type, "action": self.action, "scope": self.scope}
        if self.resource is not None:
            d["resource"] = self.resource
        return d

    def __str__(self) -> str:
        return self.text


def parse_permission(value: PermissionLike) -> Permission:
    """Parse a permission from its text or JSON form; :class:`InvalidPermissionError`."""
    return Permission.parse(value)


# ---------------------------------------------------------------- specs and credentials


@dataclass
class CredentialSpec:
    """What a person fills in to create a credential (SPEC §4)."""

    name: str
    permission_set_type: SetType
    permissions: List[PermissionLike]
    ip_allowlist: List[str]
    environment: Environment
    description: Optional[str] = None

    @classmethod
    def with_defaults(
        cls,
        *,
        name: str,
        permission_set_type: SetType,
        ip_allowlist: Sequence[str],
        environment: Environment,
        description: Optional[str] = None,
        add: Iterable[PermissionLike] = (),
        remove: Iterable[PermissionLike] = (),
    ) -> "CredentialSpec":
        """A spec pre-populated with the set type's default permissions (SPEC §3), edited by
        ``add`` and ``remove``."""
        perms: List[PermissionLike] = list(set_type_defaults(permission_set_type))
        drop = {str(Permission.parse(p)) for p in _list(remove, "remove")}
        perms = [p for p in perms if str(p) not in drop]
        perms.extend(_list(add, "add"))
        return cls(
            name=name,
            permission_set_type=permission_set_type,
            permissions=perms,
            ip_allowlist=_list(ip_allowlist, "ip_allowlist"),
            environment=environment,
            description=description,
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CredentialSpec":
        """From the JSON form; values are kept as given, for the core to judge."""
        d = _mapping(d, "a spec")
        permissions = d.get("permissions")
        allowlist = d.get("ip_allowlist")
        return cls(
            name=d.get("name"),  # type: ignore[arg-type]  # the core reports bad types
            permission_set_type=d.get("permission_set_type"),  # type: ignore[arg-type]
            permissions=list(permissions) if isinstance(permissions, (list, tuple)) else permissions,  # type: ignore[arg-type]
            ip_allowlist=list(allowlist) if isinstance(allowlist, (list, tuple)) else allowlist,  # type: ignore[arg-type]
            environment=d.get("environment"),  # type: ignore[arg-type]
            description=d.get("description"),
        )

    def to_dict(self) -> Dict[str, Any]:
        perms: Any = self.permissions
        allowlist: Any = self.ip_allowlist
        return {
            "name": self.name,
            "description": self.description,
            "permission_set_type": self.permission_set_type,
            "permissions": (
                [_permission_json(p) for p in perms] if isinstance(perms, (list, tuple)) else perms
            ),
            "ip_allowlist": list(allowlist) if isinstance(allowlist, (list, tuple)) else allowlist,
            "environment": self.environment,
        }

    def validate(self) -> None:
        """Raise :class:`ValidationError` (``spec.invalid``) listing every problem, or return
        ``None``. (:func:`validate_spec` returns the report instead.)"""
        validate_spec(self).raise_if_invalid()


def _spec_json(spec: Any) -> Any:
    return spec.to_dict() if isinstance(spec, CredentialSpec) else spec


@dataclass(frozen=True)
class SpecReport:
    """The answer of :func:`validate_spec`: valid, or every problem at once.

    Truthy when the spec is valid; ``errors`` holds each :class:`Problem` (``path``,
    ``code``, ``message``).
    """

    errors: Tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def codes(self) -> "set[str]":
        return {p.code for p in self.errors}

    def raise_if_invalid(self) -> None:
        """Raise :class:`ValidationError` (``spec.invalid``) when there are problems."""
        if self.errors:
            raise ValidationError(self.errors)

    def to_dict(self) -> Dict[str, Any]:
        """The façade's form: ``{"ok": true}`` or ``{"ok": false, "errors": [...]}``."""
        if self.ok:
            return {"ok": True}
        return {"ok": False, "error": "spec.invalid", "errors": [p.to_dict() for p in self.errors]}

    def __bool__(self) -> bool:
        return self.ok


def validate_spec(spec: Union[CredentialSpec, Mapping[str, Any]]) -> SpecReport:
    """Validate a credential spec: a :class:`SpecReport`, valid or with ALL problems.

    Only input that cannot be converted raises (:class:`InputError`).
    """
    out = _checked("validate_spec", {"spec": _spec_json(spec)})
    return SpecReport(tuple(problems_of(out)))


def set_type_defaults(set_type: SetType) -> List[str]:
    """The default permissions (text form) of a permission set type (SPEC §3);
    :class:`ValidationError` (``set_type.unknown``) for another name."""
    return [str(p) for p in _checked("set_type_defaults", {"set_type": set_type})["permissions"]]


@dataclass(frozen=True)
class SetTypeInfo:
    """A permission set type, one line on what it grants, and its default permissions."""

    set_type: SetType
    summary: str
    permissions: Tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """Every word a credential spec is made of, for a form that offers choices instead of free
    text (:func:`vocabulary`): each resource type with its applicable scopes (SPEC §1's table),
    the actions and scopes, the set types with their summaries and defaults, the environments,
    the statuses, and the spec's limits as inclusive ``(min, max)`` bounds (``text_chars``,
    ``permissions``, ``ip_allowlist``, ``resource_chars``)."""

    types: Tuple[Tuple[ResourceType, Tuple[Scope, ...]], ...]
    actions: Tuple[Action, ...]
    scopes: Tuple[Scope, ...]
    set_types: Tuple[SetTypeInfo, ...]
    environments: Tuple[Environment, ...]
    statuses: Tuple[Status, ...]
    limits: Mapping[str, Tuple[int, int]]

    def scopes_for(self, resource_type: ResourceType) -> Tuple[Scope, ...]:
        """The scopes that make sense for ``resource_type`` (none for an unknown one)."""
        return next((scopes for kind, scopes in self.types if kind == resource_type), ())

    def to_dict(self) -> Dict[str, Any]:
        """The documented JSON form (the other hosts' ``vocabulary`` answer, without ``ok``)."""
        return {
            "types": [{"type": kind, "scopes": list(scopes)} for kind, scopes in self.types],
            "actions": list(self.actions),
            "scopes": list(self.scopes),
            "set_types": [{"set_type": t.set_type, "summary": t.summary, "permissions": list(t.permissions)}
                          for t in self.set_types],
            "environments": list(self.environments),
            "statuses": list(self.statuses),
            "limits": {name: {"min": low, "max": high} for name, (low, high) in self.limits.items()},
        }


def vocabulary() -> Vocabulary:
    """The words of a credential spec, from the core (so a form never drifts from what it
    accepts): see :class:`Vocabulary`."""
    out = _checked("vocabulary", {})
    return Vocabulary(
        types=tuple((t["type"], tuple(t["scopes"])) for t in out["types"]),
        actions=tuple(out["actions"]),
        scopes=tuple(out["scopes"]),
        set_types=tuple(SetTypeInfo(t["set_type"], t["summary"], tuple(t["permissions"])) for t in out["set_types"]),
        environments=tuple(out["environments"]),
        statuses=tuple(out["statuses"]),
        limits={name: (int(b["min"]), int(b["max"])) for name, b in out["limits"].items()},
    )


@dataclass(frozen=True)
class Finding:
    """One piece of advice on a spec: a ``lint.*`` code, where, and why."""

    code: LintCode
    path: str
    message: str

    def to_dict(self) -> Dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message}


@dataclass(frozen=True)
class LintReport:
    """The answer of :func:`lint`: the findings of a valid spec, or, for an invalid one, its
    problems (``errors``) and no findings. Iterating it yields the findings."""

    findings: Tuple[Finding, ...] = ()
    errors: Tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the spec was valid (and so linted)."""
        return not self.errors

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)


class Credential:
    """A stored credential record (never holds the secret, only its SHA-256 digest).

    Lifecycle methods return a NEW record; persist it. ``to_dict()`` gives the record to
    store, ``Credential.from_dict`` reads it back. The core checks the record whenever it
    uses it (``credential.invalid``); the properties never raise.
    """

    __slots__ = ("_record",)

    def __init__(self, record: Mapping[str, Any]) -> None:
        self._record: Dict[str, Any] = _mapping(record, "a credential record")

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> "Credential":
        return cls(record)

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "Credential":
        """From the record's JSON text (strict: duplicate members are refused)."""
        return cls(_loads(text, "a credential record"))

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._record)

    def to_json(self) -> str:
        return _credgate.dumps(self._record)

    def _str(self, name: str) -> str:
        v = self._record.get(name)
        return v if isinstance(v, str) else ""

    def _int(self, name: str) -> int:
        v = self._record.get(name)
        return v if isinstance(v, int) and not isinstance(v, bool) else 0

    def _strs(self, name: str) -> List[str]:
        v = self._record.get(name)
        return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []

    @property
    def client_id(self) -> str:
        return self._str("client_id")

    @property
    def org(self) -> str:
        return self._str("org")

    @property
    def name(self) -> str:
        return self._str("name")

    @property
    def description(self) -> Optional[str]:
        d = self._record.get("description")
        return d if isinstance(d, str) else None

    @property
    def permission_set_type(self) -> SetType:
        return cast(SetType, self._str("permission_set_type"))

    @property
    def permissions(self) -> List[str]:
        return self._strs("permissions")

    @property
    def ip_allowlist(self) -> List[str]:
        return self._strs("ip_allowlist")

    @property
    def environment(self) -> Environment:
        return cast(Environment, self._str("environment"))

    @property
    def status(self) -> Status:
        return cast(Status, self._str("status"))

    @property
    def enabled(self) -> bool:
        return self._record.get("status") == "enabled"

    @property
    def created_at(self) -> int:
        return self._int("created_at")

    @property
    def updated_at(self) -> int:
        return self._int("updated_at")

    @property
    def expires_at(self) -> Optional[int]:
        """The credential's own expiry (Unix seconds), or ``None`` for never."""
        return _opt_int(self._record.get("expires_at"))

    @property
    def secrets(self) -> Tuple["SecretInfo", ...]:
        """The record's secrets, oldest first (1 or 2; a rotation adds the second). Only their
        digests are stored; :class:`SecretInfo` never shows the digest in its ``repr``."""
        v = self._record.get("secrets")
        if not isinstance(v, list):
            return ()
        return tuple(_secret_info(e) for e in v if isinstance(e, Mapping))

    def _update(self, action: str, now: Optional[Time], **members: Any) -> "Credential":
        d: Dict[str, Any] = {"credential": self._record, "action": action, "now": to_unix(now)}
        d.update(members)
        return Credential(_checked("update_credential", d)["credential"])

    def enable(self, *, now: Optional[Time] = None) -> "Credential":
        """The record, enabled again (``credential.deleted`` once deleted)."""
        return self._update("enable", now)

    def disable(self, *, now: Optional[Time] = None) -> "Credential":
        """The record, disabled: it can no longer obtain tokens."""
        return self._update("disable", now)

    def delete(self, *, now: Optional[Time] = None) -> "Credential":
        """The record, deleted (final)."""
        return self._update("delete", now)

    def set_spec(
        self, spec: Union[CredentialSpec, Mapping[str, Any]], *, now: Optional[Time] = None
    ) -> "Credential":
        """The record with a new spec (name, description, set type, permissions, allowlist,
        environment); :class:`ValidationError` (``spec.invalid``) with every problem."""
        return self._update("set_spec", now, spec=_spec_json(spec))

    def set_expiry(
        self, expires_at: Optional[Time], *, now: Optional[Time] = None
    ) -> "Credential":
        """The record expiring at ``expires_at`` (``None``: never). At or after it, issuance
        refuses with ``client.expired``, and no token outlives it."""
        return self._update("set_expiry", now, expires_at=_opt_time(expires_at, "expires_at"))

    def secret_used(self, index: int, *, now: Optional[Time] = None) -> "Credential":
        """The record with secret ``index``'s ``last_used_at`` set to ``now`` (the index is
        the issued token response's ``secret``)."""
        return self._update("secret_used", now, secret=index)

    def revoke_secret(self, index: int, *, now: Optional[Time] = None) -> "Credential":
        """The record without secret ``index`` (at once); the last secret cannot be removed
        (``credential.secret_required``)."""
        return self._update("revoke_secret", now, secret=index)

    def rotate_secret(
        self,
        *,
        grace: Union[int, timedelta],
        now: Optional[Time] = None,
        entropy: Optional[bytes] = None,
    ) -> "NewCredential":
        """A new client secret (shown once) beside the current one, which stays valid for
        ``grace`` (seconds or a ``timedelta``, 0 to 30 days). Expired secrets are dropped
        first; two live secrets refuse the rotation (``credential.secret_limit``).

        ``entropy`` (:data:`SECRET_ENTROPY_BYTES` bytes) defaults to ``os.urandom``.
        """
        raw = os.urandom(SECRET_ENTROPY_BYTES) if entropy is None else _bytes(entropy, "entropy")
        out = _checked(
            "rotate_secret",
            {
                "credential": self._record,
                "now": to_unix(now),
                "entropy": raw.hex(),
                "grace_seconds": _duration(grace, "grace"),
            },
        )
        return NewCredential(Credential(out["credential"]), str(out["client_secret"]))

    def verify_secret(self, client_secret: str, *, now: Optional[Time] = None) -> "SecretCheck":
        """Whether ``client_secret`` is one of this credential's live secrets at ``now``
        (constant-time, in the core) and whether it has credgate's secret format; truthy when
        it matches. ``secret`` is the index of the matching secret."""
        out = _checked(
            "verify_secret",
            {"credential": self._record, "client_secret": client_secret, "now": to_unix(now)},
        )
        return SecretCheck(
            valid=out.get("valid") is True,
            well_formed=out.get("well_formed") is True,
            secret=_opt_int(out.get("secret")),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credential):
            return NotImplemented
        return self._record == other._record

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> Dict[str, Any]:
        return self._record

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._record = state

    def __repr__(self) -> str:
        r = self._record
        return (
            f"Credential(client_id={r.get('client_id')!r}, name={r.get('name')!r}, "
            f"org={r.get('org')!r}, environment={r.get('environment')!r}, status={r.get('status')!r})"
        )


@dataclass(frozen=True)
class SecretInfo:
    """One secret of a record: when it was created, when it expires (``None``: never; a
    rotation sets it on the previous secret) and when it was last used (``None``: never).
    ``sha256`` is its digest (the secret itself is never stored); ``repr`` leaves it out."""

    created_at: int
    expires_at: Optional[int] = None
    last_used_at: Optional[int] = None
    sha256: str = field(default="", repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """The record's form (``sha256`` included: this is what is stored)."""
        d: Dict[str, Any] = {"sha256": self.sha256, "created_at": self.created_at}
        if self.expires_at is not None:
            d["expires_at"] = self.expires_at
        if self.last_used_at is not None:
            d["last_used_at"] = self.last_used_at
        return d


def _secret_info(e: Mapping[str, Any]) -> SecretInfo:
    digest = e.get("sha256")
    return SecretInfo(
        created_at=_opt_int(e.get("created_at")) or 0,
        expires_at=_opt_int(e.get("expires_at")),
        last_used_at=_opt_int(e.get("last_used_at")),
        sha256=digest if isinstance(digest, str) else "",
    )


@dataclass(frozen=True)
class SecretCheck:
    """The answer of :meth:`Credential.verify_secret`: ``valid`` (the secret matches a live
    secret of the record), ``well_formed`` (it has credgate's format and checksum) and
    ``secret`` (the index of the matching secret, else ``None``). Truthy when valid."""

    valid: bool
    well_formed: bool
    secret: Optional[int] = None

    def __bool__(self) -> bool:
        return self.valid


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
    expires_at: Optional[Time] = None,
    entropy: Optional[bytes] = None,
) -> NewCredential:
    """Create an enabled credential from a valid spec, optionally expiring at ``expires_at``
    (after ``now``; ``None``: never).

    ``entropy`` (:data:`ENTROPY_BYTES` bytes) defaults to ``os.urandom``. Raises
    :class:`ValidationError` (``spec.invalid``, every problem in ``problems``) or
    :class:`InputError` (``entropy.insufficient``, ``input.invalid``).
    """
    raw = os.urandom(ENTROPY_BYTES) if entropy is None else _bytes(entropy, "entropy")
    d: Dict[str, Any] = {
        "spec": _spec_json(spec), "org": org, "now": to_unix(now), "entropy": raw.hex()
    }
    if expires_at is not None:
        d["expires_at"] = to_unix(expires_at)
    out = _checked("create_credential", d)
    return NewCredential(Credential(out["credential"]), str(out["client_secret"]))


# ---------------------------------------------------------------- keys and tokens


class SigningKey:
    """An Ed25519 signing key: a ``kid`` and a 32-byte seed (``repr`` never shows the seed)."""

    __slots__ = ("_kid", "_seed", "_jwk")

    def __init__(self, kid: str, seed: bytes) -> None:
        seed = _bytes(seed, "seed")
        keys = _checked("public_jwks", {"signing_keys": [{"kid": kid, "seed": seed.hex()}]})["keys"]
        self._kid = kid
        self._seed = seed
        self._jwk: Dict[str, Any] = dict(keys[0])

    @classmethod
    def generate(cls, kid: str) -> "SigningKey":
        """A new key with a seed from ``os.urandom(32)``."""
        return cls(kid, os.urandom(32))

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> "SigningKey":
        """From the stored form ``{"kid", "seed"}`` (seed in lowercase hex, checked by the
        core: ``key.invalid``)."""
        d = _mapping(d, "a signing key")
        _checked("public_jwks", {"signing_keys": [d]})
        return cls(d["kid"], bytes.fromhex(d["seed"]))

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


def _signing_key_json(k: Any) -> Any:
    return k.to_dict() if isinstance(k, SigningKey) else k


def public_jwks(keys: Iterable[SigningKey]) -> Dict[str, Any]:
    """The JWKS (``{"keys": [...]}``) publishing the public halves of ``keys``;
    :class:`SigningKeyError`, or :class:`JwksError` for two keys with one ``kid``."""
    items = [_signing_key_json(k) for k in _list(keys, "the signing keys")]
    out = _checked("public_jwks", {"signing_keys": items})
    out.pop("ok", None)
    return out


def _keyset(keys: Union[KeySet, Mapping[str, Any], str, bytes, Iterable[SigningKey]]) -> KeySet:
    """A KeySet from a KeySet, a JWKS (dict, JSON str/bytes) or signing keys."""
    if isinstance(keys, KeySet):
        return keys
    if isinstance(keys, (str, bytes, Mapping)):
        return KeySet.from_jwks(keys)
    items = _list(keys, "the keys")
    if items and all(isinstance(k, SigningKey) for k in items):
        return KeySet.from_jwks(public_jwks(items))
    # Anything else is handed to the core as a JWKS, which rejects it (`jwks.invalid`).
    return KeySet.from_jwks(items)  # type: ignore[arg-type]


CACHE_ENTRIES = 1024
"""The default number of tokens a :class:`Verifier`'s cache holds."""

CACHE_BYTES = 4 * 1024 * 1024
"""The default number of bytes a :class:`Verifier`'s cache holds."""


@dataclass(frozen=True)
class CacheStats:
    """What a :class:`Verifier`'s cache of verified tokens has done since it was made
    (``hits``, ``misses``, ``evictions``) and holds now (``entries``, ``bytes``)."""

    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int


_R = TypeVar("_R")

#: What a :class:`Verifier` takes as its keys.
KeysLike = Union[
    KeySet, Mapping[str, Any], str, bytes, Iterable["SigningKey"], RemoteKeySet, AsyncRemoteKeySet
]


def _unknown_key(outcome: object) -> bool:
    """Whether a verification outcome (a Decision or an exception) is ``token.unknown_key``."""
    if isinstance(outcome, TokenError):
        return outcome.code == "token.unknown_key"
    return isinstance(outcome, Decision) and outcome.reason == "token.unknown_key"


class Verifier:
    """A prepared token verifier: a parsed key set plus issuer, audience and leeway, and
    optionally a signed revocation list (``revocations``, replaced by
    :meth:`load_revocations`).

    Build it once and share it between threads; ``verify`` and ``check`` release the GIL
    while the signature is checked.

    It keeps the tokens it has verified (``cache_entries`` tokens, ``cache_bytes`` bytes at
    most; 0 turns the cache off): a token seen again skips parsing and the signature, and
    nothing else. Expiry, revocation, the client IP and the permission are checked on every
    call; a new revocation list empties the cache. :meth:`cache_stats` reads its counters.

    ``keys`` may be a :class:`RemoteKeySet`: each call then takes the remote's usable keys
    (fetching them when none are held; :class:`JwksError` when there are none) and, when a
    token names an unknown ``kid``, asks the remote for a newer set (at most once per
    cooldown) and checks once more. With an :class:`AsyncRemoteKeySet`, use the ``*_async``
    methods (``await verifier.check_async(...)``); its sync methods raise :class:`InputError`
    (a ``TypeError``). The
    ``*_async`` methods work with every kind of keys. With a remote, ``revocations`` is not
    taken at construction (there are no keys to check it against yet): call
    :meth:`refresh_keys` (or ``await`` :meth:`refresh_keys_async`), then
    :meth:`load_revocations`.
    """

    __slots__ = ("_core", "_remote", "_loaded", "_lock")

    def __init__(
        self,
        keys: KeysLike,
        *,
        issuer: str,
        audience: str,
        leeway: Seconds = 0,
        revoked_jtis: Iterable[str] = (),
        revocations: Optional[str] = None,
        cache_entries: int = CACHE_ENTRIES,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        leeway = _whole_seconds(leeway, "leeway")
        for name, limit in (("cache_entries", cache_entries), ("cache_bytes", cache_bytes)):
            if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit < 2**63:
                raise _input_error(f"{name} must be a non-negative int, not {limit!r}")
        jtis = _list(revoked_jtis, "revoked_jtis")
        self._remote: Union[RemoteKeySet, AsyncRemoteKeySet, None] = None
        if isinstance(keys, (RemoteKeySet, AsyncRemoteKeySet)):
            if revocations is not None:
                raise _input_error(
                    "revocations cannot be checked before a remote key set is fetched: call"
                    " refresh_keys() and then load_revocations()"
                )
            self._remote = keys
            initial = KeySet({"keys": []})
        else:
            initial = _keyset(keys)
        # The remote's generation the core holds (0: none yet), and the lock that orders loads.
        self._loaded = 0
        self._lock = threading.Lock()
        self._core = _credgate.VerifierCore(
            initial, issuer, audience, leeway, jtis, revocations, cache_entries, cache_bytes
        )

    @property
    def remote(self) -> Union[RemoteKeySet, AsyncRemoteKeySet, None]:
        """The remote key set the keys come from, or ``None``."""
        return self._remote

    def _load(self, usable: Tuple[KeySet, int]) -> int:
        """Hold the remote's usable keys when they are newer than the ones held; the
        generation they are of."""
        keys, generation = usable
        if generation <= self._loaded:  # the usual case: nothing to load, no lock
            return generation
        with self._lock:
            if generation > self._loaded:
                self._core.set_keys(keys)
                self._loaded = generation
        return generation

    def _sync_remote(self) -> Optional[RemoteKeySet]:
        remote = self._remote
        if isinstance(remote, AsyncRemoteKeySet):
            raise _input_error(
                "this Verifier's keys are an AsyncRemoteKeySet: use the *_async methods"
                " (await verifier.check_async(...))"
            )
        return remote

    def _with_keys(self, attempt: Callable[[], _R]) -> _R:
        """Run ``attempt`` with the remote's current keys; after ``token.unknown_key``, once
        more when the remote found newer keys."""
        remote = self._sync_remote()
        if remote is None:
            return attempt()
        seen = self._load(remote._usable())
        try:
            outcome = attempt()
        except TokenError as error:
            if not _unknown_key(error) or not remote.refresh_unknown_key(seen):
                raise
        else:
            if not _unknown_key(outcome) or not remote.refresh_unknown_key(seen):
                return outcome
        self._load(remote._usable())
        return attempt()

    async def _with_keys_async(self, attempt: Callable[[], _R]) -> _R:
        remote = self._remote
        if isinstance(remote, RemoteKeySet):  # may block on a fetch: not in the event loop
            return await asyncio.get_running_loop().run_in_executor(None, self._with_keys, attempt)
        if remote is None:
            return attempt()
        seen = self._load(await remote._usable())
        try:
            outcome = attempt()
        except TokenError as error:
            if not _unknown_key(error) or not await remote.refresh_unknown_key(seen):
                raise
        else:
            if not _unknown_key(outcome) or not await remote.refresh_unknown_key(seen):
                return outcome
        self._load(await remote._usable())
        return attempt()

    def refresh_keys(self) -> KeySet:
        """Hold the remote key set's usable keys now (fetching them if none are held) and
        return them; without a remote, the keys. :class:`JwksError` when none are usable."""
        remote = self._sync_remote()
        if remote is not None:
            self._load(remote._usable())
        return self.keys

    async def refresh_keys_async(self) -> KeySet:
        """:meth:`refresh_keys` for an :class:`AsyncRemoteKeySet` (or any keys)."""
        remote = self._remote
        if isinstance(remote, AsyncRemoteKeySet):
            self._load(await remote._usable())
            return self.keys
        return await self._with_keys_async(lambda: self.keys)

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

    @property
    def revocations(self) -> Optional["RevocationList"]:
        """The revocation list held (``None`` until one is given or loaded)."""
        held = self._core.revocations
        return None if held is None else _revocation_list(held)

    @property
    def cache_entries(self) -> int:
        """The most tokens the cache of verified tokens holds (0: no cache)."""
        return self._core.cache_limits[0]

    @property
    def cache_bytes(self) -> int:
        """The most bytes the cache holds, counted as about twice each token's length."""
        return self._core.cache_limits[1]

    def cache_stats(self) -> "CacheStats":
        """What the cache of verified tokens has done, and holds now."""
        return CacheStats(**self._core.cache_stats())

    def load_revocations(self, text: str) -> "RevocationList":
        """Verify a signed revocation list (:func:`sign_revocations`) against this verifier's
        keys and issuer, and hold it from now on: a token on it is ``token.revoked``.

        Raises :class:`RevocationsInvalid`, or :class:`RevocationsStale` when its epoch is
        lower than the held list's (the held list stays; an equal epoch is a re-fetch).
        Safe to call while other threads verify.
        """
        return _revocation_list(self._core.load_revocations(text))

    def verify(self, token: str, *, now: Optional[Time] = None) -> Claims:
        """The token's claims, or :class:`TokenError` with the first failing check's code."""
        t = to_unix(now)
        return self._with_keys(lambda: self._core.verify(token, t))

    def check(
        self,
        token: str,
        *,
        client_ip: str,
        request: RequestLike,
        now: Optional[Time] = None,
    ) -> Decision:
        """The edge path (SPEC §8): token → IP → org → permission, as one :class:`Decision`.

        Every outcome is returned: 200 allow, 400 ``request.invalid`` for an invalid request,
        401 for a token failure (with a challenge), 403 for a denial.
        """
        t = to_unix(now)
        return self._with_keys(lambda: self._core.check(token, t, client_ip, request))

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
        t = to_unix(now)
        return self._with_keys(
            lambda: self._core.check_authorization(authorization, t, client_ip, request)
        )

    async def verify_async(self, token: str, *, now: Optional[Time] = None) -> Claims:
        """:meth:`verify`, awaiting an :class:`AsyncRemoteKeySet`'s fetches."""
        t = to_unix(now)
        return await self._with_keys_async(lambda: self._core.verify(token, t))

    async def check_async(
        self,
        token: str,
        *,
        client_ip: str,
        request: RequestLike,
        now: Optional[Time] = None,
    ) -> Decision:
        """:meth:`check`, awaiting an :class:`AsyncRemoteKeySet`'s fetches."""
        t = to_unix(now)
        return await self._with_keys_async(lambda: self._core.check(token, t, client_ip, request))

    async def check_authorization_async(
        self,
        authorization: Optional[str],
        *,
        client_ip: str,
        request: RequestLike,
        now: Optional[Time] = None,
    ) -> Decision:
        """:meth:`check_authorization`, awaiting an :class:`AsyncRemoteKeySet`'s fetches."""
        t = to_unix(now)
        return await self._with_keys_async(
            lambda: self._core.check_authorization(authorization, t, client_ip, request)
        )

    def __repr__(self) -> str:
        return (
            f"Verifier(kids={self._core.keys.kids!r}, issuer={self.issuer!r}, "
            f"audience={self.audience!r}, leeway={self.leeway!r})"
        )


def verify_token(
    token: str,
    jwks: Union[KeySet, Mapping[str, Any], str, bytes],
    *,
    issuer: str,
    audience: str,
    now: Optional[Time] = None,
    leeway: Seconds = 0,
    revocations: Optional[str] = None,
) -> Claims:
    """One-off token verification (build a :class:`Verifier` for repeated use)."""
    v = Verifier(jwks, issuer=issuer, audience=audience, leeway=leeway, revocations=revocations)
    return v.verify(token, now=now)


def check(
    token: str,
    jwks: Union[KeySet, Mapping[str, Any], str, bytes],
    *,
    issuer: str,
    audience: str,
    client_ip: str,
    request: RequestLike,
    now: Optional[Time] = None,
    leeway: Seconds = 0,
    revocations: Optional[str] = None,
) -> Decision:
    """One-off edge check (build a :class:`Verifier` for repeated use)."""
    v = Verifier(jwks, issuer=issuer, audience=audience, leeway=leeway, revocations=revocations)
    return v.check(token, client_ip=client_ip, request=request, now=now)


# ---------------------------------------------------------------- revocation lists


@dataclass(frozen=True)
class RevokeClient:
    """Every token of ``client_id`` issued before ``not_before`` is revoked (a disable, a
    delete, a rotation after a compromise)."""

    client_id: str
    not_before: Time

    def to_dict(self) -> Dict[str, Any]:
        return {
            "client_id": self.client_id,
            "not_before": _required_time(self.not_before, "not_before"),
        }


@dataclass(frozen=True)
class RevokeToken:
    """The one token ``jti``, revoked at ``revoked_at``."""

    jti: str
    revoked_at: Time

    def to_dict(self) -> Dict[str, Any]:
        return {"jti": self.jti, "revoked_at": _required_time(self.revoked_at, "revoked_at")}


#: An entry of a revocation list.
RevocationEntry = Union[RevokeClient, RevokeToken]
#: An entry as given: a :class:`RevokeClient`, a :class:`RevokeToken` or its JSON form.
RevocationEntryLike = Union[RevokeClient, RevokeToken, Mapping[str, Any]]


def _entries_json(entries: Any) -> List[Any]:
    out: List[Any] = []
    for e in _list(entries, "the entries"):
        if isinstance(e, (RevokeClient, RevokeToken)):
            out.append(e.to_dict())
        elif isinstance(e, Mapping):
            d = _mapping(e, "a revocation entry")
            for name in ("not_before", "revoked_at"):
                if isinstance(d.get(name), (datetime, float)):
                    d[name] = to_unix(d[name])
            out.append(d)
        else:
            out.append(e)
    return out


def _entries_of(value: Any) -> Tuple[RevocationEntry, ...]:
    out: List[RevocationEntry] = []
    for e in value if isinstance(value, list) else []:
        if not isinstance(e, Mapping):
            continue
        if "client_id" in e:
            out.append(RevokeClient(str(e["client_id"]), _opt_int(e.get("not_before")) or 0))
        elif "jti" in e:
            out.append(RevokeToken(str(e["jti"]), _opt_int(e.get("revoked_at")) or 0))
    return tuple(out)


@dataclass(frozen=True)
class SignedRevocations:
    """A signed revocation list: ``revocations`` (the compact JWS to publish), the
    ``entries`` it kept (those older than a token lifetime are dropped) and its ``epoch``."""

    revocations: str = field(repr=False)
    entries: Tuple[RevocationEntry, ...]
    epoch: int

    def __str__(self) -> str:
        return self.revocations


@dataclass(frozen=True)
class RevocationList:
    """A verified revocation list: its ``epoch``, when it was signed (``issued_at``) and its
    ``entries``."""

    epoch: int
    issued_at: int
    entries: Tuple[RevocationEntry, ...]


def _revocation_list(out: Mapping[str, Any]) -> RevocationList:
    return RevocationList(
        epoch=_opt_int(out.get("epoch")) or 0,
        issued_at=_opt_int(out.get("issued_at")) or 0,
        entries=_entries_of(out.get("entries")),
    )


def sign_revocations(
    signing_key: Union[SigningKey, Mapping[str, str]],
    *,
    issuer: str,
    epoch: int,
    entries: Iterable[RevocationEntryLike],
    now: Optional[Time] = None,
) -> SignedRevocations:
    """Sign a revocation list with a token signing key (verified against the same JWKS).
    ``epoch`` must grow with every list published. Raises :class:`SigningKeyError`,
    :class:`RevocationsInvalid` (too many entries) or :class:`InputError`."""
    if not isinstance(signing_key, (SigningKey, Mapping)):
        raise _input_error(f"signing_key must be a SigningKey, not {_type(signing_key)}")
    out = _checked(
        "sign_revocations",
        {
            "signing_key": _signing_key_json(signing_key),
            "issuer": issuer,
            "epoch": epoch,
            "now": to_unix(now),
            "entries": _entries_json(entries),
        },
    )
    return SignedRevocations(
        revocations=str(out["revocations"]),
        entries=_entries_of(out.get("entries")),
        epoch=_opt_int(out.get("epoch")) or 0,
    )


def load_revocations(
    text: str,
    *,
    jwks: Union[KeySet, Mapping[str, Any], str, bytes],
    issuer: str,
    held_epoch: Optional[int] = None,
) -> RevocationList:
    """Verify a revocation list: the :class:`RevocationList`, or :class:`RevocationsInvalid`,
    or :class:`RevocationsStale` when its epoch is lower than ``held_epoch``. (A
    :class:`Verifier` holds a list itself: :meth:`Verifier.load_revocations`.)"""
    d: Dict[str, Any] = {"revocations": text, "jwks": _jwks_json(jwks), "issuer": issuer}
    if held_epoch is not None:
        d["held_epoch"] = held_epoch
    return _revocation_list(_checked("load_revocations", d))


def _jwks_json(jwks: Any) -> Any:
    """A JWKS for the façade: a KeySet's usable keys; JSON text read as a KeySet reads it
    (``jwks.invalid``); anything else as given (the core judges it)."""
    if isinstance(jwks, (str, bytes)):
        jwks = KeySet.from_jwks(jwks)
    if isinstance(jwks, KeySet):
        return jwks.to_jwks()
    return jwks


@dataclass(frozen=True)
class BearerToken:
    """The token of an ``Authorization: Bearer ...`` header (truthy)."""

    token: str = field(repr=False)

    @property
    def ok(self) -> Literal[True]:
        return True

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class BearerRefusal:
    """No usable Bearer token (RFC 6750): answer ``status`` with the ``WWW-Authenticate``
    challenge in ``headers`` (falsy)."""

    reason: BearerCode
    status: Literal[400, 401]
    www_authenticate: str
    message: str

    @property
    def ok(self) -> Literal[False]:
        return False

    @property
    def headers(self) -> Dict[str, str]:
        return {"WWW-Authenticate": self.www_authenticate}

    def __bool__(self) -> bool:
        return False


def parse_bearer(authorization: Optional[str]) -> Union[BearerToken, BearerRefusal]:
    """The token of an ``Authorization`` header value (``None`` when absent), or the
    refusal to answer (``bearer.missing`` 401, ``bearer.malformed`` 400)."""
    kind, out = _run("parse_bearer", {"authorization": authorization})
    if kind == "result":
        return BearerToken(str(out["token"]))
    return BearerRefusal(
        reason=out["error"],
        status=cast(Literal[400, 401], int(out["status"])),
        www_authenticate=str(out.get("www_authenticate") or ""),
        message=str(out.get("message", "")),
    )


# ---------------------------------------------------------------- authorization


def authorize(
    permissions: Union[PermissionSet, Iterable[PermissionLike]],
    request: RequestLike,
    *,
    org: Optional[str] = None,
) -> Decision:
    """Decide one request against a list of permissions (SPEC §2): allow or deny.

    Raises :class:`RequestError` for an invalid request and :class:`InvalidPermissionError`
    (with ``index``) for an invalid permission; the request is read first, as the core's
    ``authorize`` operation does.
    """
    if not isinstance(request, Request):
        request = Request.from_dict(request)
    if not isinstance(permissions, PermissionSet):
        permissions = PermissionSet(permissions)
    return permissions.authorize(request, org)


def authorize_many(
    permissions: Union[PermissionSet, Iterable[PermissionLike]],
    requests: Iterable[RequestLike],
    *,
    org: Optional[str] = None,
) -> List[Decision]:
    """Decide many requests in one crossing into the core."""
    if not isinstance(permissions, PermissionSet):
        permissions = PermissionSet(permissions)
    return permissions.authorize_many(requests, org)


@dataclass(frozen=True)
class IpDecision:
    """Whether a client IP is inside an allowlist; truthy when allowed."""

    allowed: bool
    reason: IpReason

    def __bool__(self) -> bool:
        return self.allowed


def ip_allowed(allowlist: Sequence[str], ip: str) -> IpDecision:
    """Match a client IP against an allowlist; :class:`IpError` when the allowlist is invalid."""
    out = _checked("ip_allowed", {"allowlist": _list(allowlist, "the allowlist"), "ip": ip})
    return IpDecision(bool(out["allowed"]), out["reason"])


def preview(
    permissions: Iterable[PermissionLike], resources: Optional[Mapping[str, Any]] = None
) -> Dict[str, Any]:
    """What a permission list allows, for a person to review (the documented preview shape)."""
    d: Dict[str, Any] = {"permissions": [_permission_json(p) for p in _list(permissions, "the permissions")]}
    if resources is not None:
        d["resources"] = resources
    out = _checked("preview", d)
    out.pop("ok", None)
    return out


@dataclass(frozen=True)
class UsageEntry:
    """One distinct allowed request counted from an audit log: the request, the last time it
    was allowed and how often (docs/LIFECYCLE.md "Usage")."""

    request: RequestLike
    last_at: Time
    count: int = 1

    def to_dict(self) -> Dict[str, Any]:
        request = self.request
        return {
            "request": request.to_dict() if isinstance(request, Request) else request,
            "last_at": _required_time(self.last_at, "a usage entry's last_at"),
            "count": self.count,
        }


#: A usage entry: a :class:`UsageEntry` or a dict ``{"request", "last_at", "count"}``.
UsageLike = Union[UsageEntry, Mapping[str, Any]]


def _usage_json(usage: Any) -> List[Any]:
    """Usage entries for the core; a dict's members are kept as given (a ``Request`` and a
    ``datetime`` converted), for the core to judge."""
    out: List[Any] = []
    for entry in _list(usage, "usage"):
        if isinstance(entry, UsageEntry):
            out.append(entry.to_dict())
            continue
        if isinstance(entry, Mapping):
            d = _mapping(entry, "a usage entry")
            if isinstance(d.get("request"), Request):
                d["request"] = d["request"].to_dict()
            if isinstance(d.get("last_at"), (datetime, float)):
                d["last_at"] = to_unix(d["last_at"])
            entry = d
        out.append(entry)
    return out


def _credential_json(credential: Any) -> Any:
    return credential.to_dict() if isinstance(credential, Credential) else _mapping(
        credential, "the credential"
    )


def lint(
    spec: Optional[Union[CredentialSpec, Mapping[str, Any]]] = None,
    *,
    credential: Optional[Union[Credential, Mapping[str, Any]]] = None,
    now: Optional[Time] = None,
    created_at: Optional[Time] = None,
    usage: Optional[Iterable[UsageLike]] = None,
    unused_after_days: Optional[int] = None,
    rotation_days: Optional[int] = None,
) -> LintReport:
    """Advice on a spec, or on a stored record (its spec, age, expiry and secrets): a
    :class:`LintReport` of findings, or, for an invalid spec, its problems and no findings.

    Give exactly one of ``spec`` and ``credential``. ``usage`` (what the audit log counted)
    adds ``lint.unused_permission``; ``now`` enables the checks that need a time.
    """
    if (spec is None) == (credential is None):
        raise _input_error("give exactly one of `spec` and `credential`")
    d: Dict[str, Any] = (
        {"spec": _spec_json(spec)} if credential is None
        else {"credential": _credential_json(credential)}
    )
    if now is not None:
        d["now"] = to_unix(now)
    if created_at is not None:
        d["created_at"] = to_unix(created_at)
    if usage is not None:
        d["usage"] = _usage_json(usage)
    if unused_after_days is not None:
        d["unused_after_days"] = unused_after_days
    if rotation_days is not None:
        d["rotation_days"] = rotation_days
    out = _checked("lint", d)
    findings = tuple(
        Finding(f["code"], str(f.get("path", "")), str(f.get("message", "")))
        for f in out["findings"]
    )
    return LintReport(findings, tuple(problems_of(out)))


# ---------------------------------------------------------------- explanations and diffs


@dataclass(frozen=True)
class Explanation:
    """The answer of :func:`explain` (SPEC §10): the decision of :func:`authorize`, plus
    ``narrowest``, the narrowest single permission that would allow the request (``None`` on
    ``deny.org_mismatch``: no permission fixes that), and, on allow, ``wider_than_needed``
    (``matched`` is not ``narrowest``). Truthy when allowed."""

    allowed: bool
    reason: DecisionCode
    matched: Optional[str] = None
    near_misses: Optional[Tuple[str, ...]] = None
    narrowest: Optional[str] = None
    wider_than_needed: Optional[bool] = None

    @property
    def status(self) -> Literal[200, 403]:
        """200 on allow, 403 on a deny (as :attr:`Decision.status` for ``authorize``)."""
        return 200 if self.allowed else 403

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form (as the façade's ``explain`` output)."""
        d: Dict[str, Any] = {"allowed": self.allowed, "reason": self.reason}
        if self.matched is not None:
            d["matched"] = self.matched
        if self.near_misses is not None:
            d["near_misses"] = list(self.near_misses)
        if self.narrowest is not None:
            d["narrowest"] = self.narrowest
        if self.wider_than_needed is not None:
            d["wider_than_needed"] = self.wider_than_needed
        return d

    def __bool__(self) -> bool:
        return self.allowed


def _opt_str(v: Any) -> Optional[str]:
    return v if isinstance(v, str) else None


def _strs(v: Any) -> Tuple[str, ...]:
    return tuple(str(x) for x in v) if isinstance(v, list) else ()


def explain(
    permissions: Union[PermissionSet, Iterable[PermissionLike]],
    request: RequestLike,
    *,
    org: Optional[str] = None,
) -> Explanation:
    """Why a request is allowed or denied, and the narrowest permission that would allow it
    (SPEC §10). Raises as :func:`authorize` does (:class:`RequestError`,
    :class:`InvalidPermissionError` with ``index``)."""
    if isinstance(permissions, PermissionSet):
        perms: List[Any] = permissions.permissions
    else:
        perms = [_permission_json(p) for p in _list(permissions, "the permissions")]
    d: Dict[str, Any] = {
        "permissions": perms,
        "request": request.to_dict() if isinstance(request, Request) else request,
    }
    if org is not None:
        d["org"] = org
    out = _checked("explain", d)
    near = out.get("near_misses")
    wider = out.get("wider_than_needed")
    return Explanation(
        allowed=out.get("allowed") is True,
        reason=out["reason"],
        matched=_opt_str(out.get("matched")),
        near_misses=_strs(near) if isinstance(near, list) else None,
        narrowest=_opt_str(out.get("narrowest")),
        wider_than_needed=wider if isinstance(wider, bool) else None,
    )


@dataclass(frozen=True)
class DiffFinding:
    """One cause of new access in a diff: a ``diff.*`` code, where in ``after``, and why."""

    code: DiffCode
    path: str
    message: str

    def to_dict(self) -> Dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message}


@dataclass(frozen=True)
class SpecDiff:
    """The answer of :func:`diff` (SPEC §11): what changed between two specs and whether the
    new one grants any access the old one did not.

    ``permissions_added``/``removed`` are canonical texts, ``ip_added``/``removed`` CIDR
    entries, ``environment`` the ``(before, after)`` pair when it changed, ``new_access`` one
    :class:`DiffFinding` per cause. For an invalid spec ``ok`` is false and ``errors`` holds
    every problem (paths prefixed ``before.``/``after.``). Truthy when valid and granting
    nothing new (safe to approve without a second look).
    """

    ok: bool
    grants_new_access: bool = False
    permissions_added: Tuple[str, ...] = ()
    permissions_removed: Tuple[str, ...] = ()
    ip_added: Tuple[str, ...] = ()
    ip_removed: Tuple[str, ...] = ()
    environment: Optional[Tuple[str, str]] = None
    new_access: Tuple[DiffFinding, ...] = ()
    errors: Tuple[Problem, ...] = ()

    @property
    def codes(self) -> "set[str]":
        """The codes of ``new_access``."""
        return {f.code for f in self.new_access}

    def raise_if_invalid(self) -> None:
        """Raise :class:`ValidationError` (``spec.invalid``) when a spec was invalid."""
        if not self.ok:
            raise ValidationError(self.errors)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form (as the façade's ``diff`` output)."""
        if not self.ok:
            return {"ok": False, "error": "spec.invalid", "errors": [p.to_dict() for p in self.errors]}
        d: Dict[str, Any] = {
            "ok": True,
            "grants_new_access": self.grants_new_access,
            "permissions": {
                "added": list(self.permissions_added), "removed": list(self.permissions_removed)
            },
            "ip_allowlist": {"added": list(self.ip_added), "removed": list(self.ip_removed)},
        }
        if self.environment is not None:
            d["environment"] = {"before": self.environment[0], "after": self.environment[1]}
        d["new_access"] = [f.to_dict() for f in self.new_access]
        return d

    def __bool__(self) -> bool:
        return self.ok and not self.grants_new_access


def _spec_diff(out: Mapping[str, Any]) -> SpecDiff:
    if out.get("ok") is not True:
        return SpecDiff(ok=False, errors=tuple(problems_of(out)))
    perms = out.get("permissions")
    perms = perms if isinstance(perms, Mapping) else {}
    ips = out.get("ip_allowlist")
    ips = ips if isinstance(ips, Mapping) else {}
    env = out.get("environment")
    return SpecDiff(
        ok=True,
        grants_new_access=out.get("grants_new_access") is True,
        permissions_added=_strs(perms.get("added")),
        permissions_removed=_strs(perms.get("removed")),
        ip_added=_strs(ips.get("added")),
        ip_removed=_strs(ips.get("removed")),
        environment=(
            (str(env.get("before")), str(env.get("after"))) if isinstance(env, Mapping) else None
        ),
        new_access=tuple(
            DiffFinding(f["code"], str(f.get("path", "")), str(f.get("message", "")))
            for f in out.get("new_access") or []
            if isinstance(f, Mapping)
        ),
    )


def diff(
    before: Union[CredentialSpec, Mapping[str, Any]],
    after: Union[CredentialSpec, Mapping[str, Any]],
) -> SpecDiff:
    """Whether ``after`` grants any access ``before`` did not (SPEC §11): a :class:`SpecDiff`,
    also for an invalid spec (``ok`` false, every problem in ``errors``)."""
    return _spec_diff(_checked("diff", {"before": _spec_json(before), "after": _spec_json(after)}))


@dataclass(frozen=True)
class Narrowing:
    """A used permission replaced by the narrower ones its uses needed (``from_`` is the
    JSON form's ``from``)."""

    from_: str
    to: Tuple[str, ...]

    def to_dict(self) -> Dict[str, Any]:
        return {"from": self.from_, "to": list(self.to)}


@dataclass(frozen=True)
class Suggestion:
    """The answer of :func:`suggest`: a narrower spec fitted to the recorded usage.

    ``spec`` is the suggested spec (``None`` when nothing was used at all: then
    ``unused_credential`` is true, and the advice is to disable the credential), ``removed``
    the permissions without use, ``narrowed`` the replacements, ``diff`` the diff from the
    given spec to the suggestion (it never grants new access). For an invalid spec ``ok`` is
    false and ``errors`` holds every problem.
    """

    ok: bool
    spec: Optional[CredentialSpec] = field(default=None, hash=False)
    removed: Tuple[str, ...] = ()
    narrowed: Tuple[Narrowing, ...] = ()
    diff: Optional[SpecDiff] = None
    unused_credential: bool = False
    errors: Tuple[Problem, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form (as the façade's ``suggest`` output)."""
        if not self.ok:
            return {"ok": False, "error": "spec.invalid", "errors": [p.to_dict() for p in self.errors]}
        d: Dict[str, Any] = {"ok": True}
        if self.spec is not None:
            d["spec"] = self.spec.to_dict()
        d["removed"] = list(self.removed)
        d["narrowed"] = [n.to_dict() for n in self.narrowed]
        if self.diff is not None:
            d["diff"] = self.diff.to_dict()
        d["unused_credential"] = self.unused_credential
        return d


def suggest(
    spec: Union[CredentialSpec, Mapping[str, Any]],
    usage: Iterable[UsageLike],
    *,
    now: Optional[Time] = None,
    unused_after_days: Optional[int] = None,
) -> Suggestion:
    """A least-privilege spec from recorded usage (docs/LIFECYCLE.md): unused permissions
    removed, used ones narrowed to what their uses needed. With ``now``, a permission whose
    last use is older than ``unused_after_days`` (default 90) counts as unused."""
    d: Dict[str, Any] = {"spec": _spec_json(spec), "usage": _usage_json(usage)}
    if now is not None:
        d["now"] = to_unix(now)
    if unused_after_days is not None:
        d["unused_after_days"] = unused_after_days
    out = _checked("suggest", d)
    if out.get("ok") is not True:
        return Suggestion(ok=False, errors=tuple(problems_of(out)))
    suggested = out.get("spec")
    changes = out.get("diff")
    return Suggestion(
        ok=True,
        spec=CredentialSpec.from_dict(suggested) if isinstance(suggested, Mapping) else None,
        removed=_strs(out.get("removed")),
        narrowed=tuple(
            Narrowing(str(n.get("from", "")), _strs(n.get("to")))
            for n in out.get("narrowed") or []
            if isinstance(n, Mapping)
        ),
        diff=_spec_diff(changes) if isinstance(changes, Mapping) else None,
        unused_credential=out.get("unused_credential") is True,
    )


# ---------------------------------------------------------------- the token endpoint


def _header_pairs(headers: Any) -> List[Any]:
    """Headers as ``[name, value]`` pairs, unjoined, so a repeated line reaches the core."""
    if isinstance(headers, Mapping):
        try:
            items: Any = headers.items()
        except Exception as e:
            raise _input_error(f"the headers could not be read: {e}") from e
    else:
        items = headers
    return [list(p) if isinstance(p, tuple) else p for p in _list(items, "the headers")]


def _percent_escape(error: UnicodeError) -> Tuple[str, int]:
    """A codec error handler: bytes that are not UTF-8 become ``%XX``, which the core's form
    decoding reads as the same bytes (and refuses as not UTF-8)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(f"%{b:02X}" for b in bad), error.end


codecs.register_error("credgate.percent", _percent_escape)


def _form_body(body: Any) -> Any:
    """The body for the core, reading no more than the core's limit allows (one byte past it,
    so the core still sees that it is too large)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body[: MAX_BODY_BYTES + 1])
        return raw.decode("utf-8", errors="credgate.percent")
    if isinstance(body, str):
        return body[: MAX_BODY_BYTES + 1]
    return body


@dataclass(frozen=True)
class TokenRequest:
    """A parsed client-credentials token request (``repr`` hides the secret; truthy)."""

    client_id: str
    client_secret: str = field(repr=False)
    auth_method: AuthMethod
    scope: Optional[str] = None

    @property
    def ok(self) -> Literal[True]:
        return True

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class TokenRefusal:
    """The token endpoint's refusal (RFC 6749 §5.2), from :func:`parse_token_request` or
    :func:`issue_token`: send ``body`` as JSON with ``status`` and ``headers``.

    ``error`` is the OAuth error (``invalid_client``...), ``error_description`` the text for
    the client; ``reason`` is the internal code (``client.bad_secret``...) for audit logs,
    never sent to the client. Falsy.
    """

    error: OAuthErrorName
    error_description: str
    status: Literal[400, 401]
    headers: Dict[str, str] = field(hash=False)
    reason: IssuanceReason
    message: str = field(repr=False)

    @property
    def ok(self) -> Literal[False]:
        return False

    @property
    def body(self) -> Dict[str, str]:
        return {"error": self.error, "error_description": self.error_description}

    def __bool__(self) -> bool:
        return False


def _refusal(out: Mapping[str, Any]) -> TokenRefusal:
    """A refusal of the token endpoint (an answer of the core)."""
    headers = out.get("headers")
    return TokenRefusal(
        error=out["error"],
        error_description=str(out["error_description"]),
        status=cast(Literal[400, 401], int(out["status"])),
        headers=dict(headers) if isinstance(headers, Mapping) else {},
        reason=out.get("reason", out["error"]),
        message=str(out.get("message", "")),
    )


def parse_token_request(
    method: str, headers: HeadersLike, body: Union[bytes, str]
) -> Union[TokenRequest, TokenRefusal]:
    """Parse an RFC 6749 §4.4 token request: the :class:`TokenRequest`, or the
    :class:`TokenRefusal` to send (400 ``invalid_request``, 401 ``invalid_client``...).

    ``headers`` may be a mapping or ``(name, value)`` pairs; pairs keep repeated lines, which
    the core refuses for ``Authorization`` and ``Content-Type``.
    """
    kind, out = _run(
        "parse_token_request",
        {"method": method, "headers": _header_pairs(headers), "body": _form_body(body)},
    )
    if kind == "answer":
        return _refusal(out)
    return TokenRequest(
        client_id=str(out["client_id"]),
        client_secret=str(out["client_secret"]),
        auth_method=out["auth_method"],
        scope=out.get("scope"),
    )


@dataclass(frozen=True)
class TokenResponse:
    """A successful token response (RFC 6749 §5.1): send ``body`` as JSON with ``status`` and
    ``headers`` (truthy)."""

    status: Literal[200]
    headers: Dict[str, str] = field(hash=False)
    body: Dict[str, Any] = field(repr=False, hash=False)
    token: str = field(repr=False)
    claims: Dict[str, Any] = field(default_factory=dict, repr=False, hash=False)
    #: The index of the record's secret that was presented: record its use with
    #: ``credential.secret_used(response.secret)``.
    secret: int = 0

    @property
    def ok(self) -> Literal[True]:
        return True

    @property
    def access_token(self) -> str:
        return self.token

    @property
    def expires_in(self) -> int:
        return int(self.body["expires_in"])

    @property
    def scope(self) -> str:
        return str(self.body.get("scope", ""))

    def __bool__(self) -> bool:
        return True


def issue_token(
    credential: Optional[Union[Credential, Mapping[str, Any]]],
    request: Union[TokenRequest, str],
    *,
    client_ip: str,
    signing_key: Union[SigningKey, Mapping[str, str]],
    issuer: str,
    audience: str,
    scope: Optional[str] = None,
    now: Optional[Time] = None,
    jti: Optional[str] = None,
) -> Union[TokenResponse, TokenRefusal]:
    """Exchange a client secret for a 1-hour access token (SPEC §7).

    ``credential`` is the stored record found by the request's client ID, or ``None`` when
    there is none (refused as ``client.unknown``). ``request`` is the parsed
    :class:`TokenRequest` (its client ID, secret, scope and authentication method are used)
    or just the client secret. ``jti`` defaults to :data:`JTI_BYTES` random bytes in hex.

    Returns the :class:`TokenResponse`, or the :class:`TokenRefusal` to send (400/401,
    ``WWW-Authenticate: Basic`` when Basic was used). Raises :class:`SigningKeyError`,
    :class:`CredentialError` (a malformed record) or :class:`InputError`.
    """
    if credential is None:
        record: Any = None
    elif isinstance(credential, Credential):
        record = credential.to_dict()
    else:
        record = _mapping(credential, "the credential")
    if not isinstance(signing_key, (SigningKey, Mapping)):
        raise _input_error(f"signing_key must be a SigningKey, not {_type(signing_key)}")
    d: Dict[str, Any] = {
        "credential": record,
        "client_ip": client_ip,
        "now": to_unix(now),
        "signing_key": _signing_key_json(signing_key),
        "jti": jti if jti is not None else os.urandom(JTI_BYTES).hex(),
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
    kind, out = _run("issue_token", d)
    if kind == "answer":
        return _refusal(out)
    claims = out.get("claims")
    return TokenResponse(
        status=cast(Literal[200], int(out.get("status", 200))),
        headers=dict(out.get("headers") or {}),
        body=dict(out["response"]),
        token=str(out["token"]),
        claims=dict(claims) if isinstance(claims, dict) else {},
        secret=_opt_int(out.get("secret")) or 0,
    )
