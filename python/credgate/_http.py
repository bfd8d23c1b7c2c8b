"""What the web integrations share (``credgate.fastapi``, ``credgate.asgi``), framework-free.

One request is decided by the core (``Verifier.check_authorization_async``); this module
only gathers its inputs (the ``Authorization`` lines, the client address, the ids named by
the route) and turns the core's decision into a response: the status, the
``WWW-Authenticate`` challenge and a JSON body with the RFC 6750 error (the core's
``Decision.error``) and the credgate code (``reason``).
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import json
from dataclasses import dataclass, field
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    cast,
)

from ._api import Time, Verifier, to_unix
from ._credgate import Claims, Decision, Request
from ._errors import InputError, JwksError, error_for_code
from ._types import Action, ResourceType

__all__ = [
    "Authorized",
    "Refusal",
    "TrustedProxies",
    "VerifierProvider",
    "Verifiers",
    "Access",
    "AuditCallback",
    "client_address",
    "decide",
    "refusal",
    "verifier_arg",
]

_Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
_Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

#: Called with the core's decision record (``Decision.audit``: time, client_id, org, jti,
#: request, client_ip, allowed, status, reason, matched) and the framework's request object,
#: for every decision the core makes, allowed or refused. It may be a coroutine function.
AuditCallback = Callable[[Dict[str, Any], Any], Union[None, Awaitable[None]]]


@dataclass(frozen=True)
class Authorized:
    """An allowed request: the core's :class:`~credgate.Decision`, the verified token's
    :class:`~credgate.Claims` and the :class:`~credgate.Request` that was checked."""

    decision: Decision
    claims: Claims
    request: Request


@dataclass(frozen=True)
class Refusal:
    """A refused request as the response to send: ``status``, ``headers`` (the
    ``WWW-Authenticate`` challenge of a 400/401/403, ``Retry-After`` of a 503) and ``body``
    (``error``, ``error_description``, ``reason``, and ``near_misses`` of a permission deny).
    ``decision`` is the core's, ``None`` for a 503 (no usable keys) or an ambiguous client
    address."""

    status: Literal[400, 401, 403, 503]
    headers: Dict[str, str]
    body: Dict[str, Any]
    decision: Optional[Decision] = None

    def json(self) -> bytes:
        """The body as compact UTF-8 JSON."""
        return json.dumps(self.body, separators=(",", ":")).encode()


class TrustedProxies:
    """The client address behind reverse proxies you run, from a forwarded-for header.

    Never the default: without it the integrations take the TCP peer (``request.client.host``,
    ASGI ``scope["client"]``). With it, the header (``X-Forwarded-For`` unless ``header``
    says otherwise) is read only when the peer is one of ``proxies`` (addresses or CIDR
    networks), from the right (each proxy appends the address it received from), skipping
    the trusted proxies; the first other entry is the client (the left-most when all are
    trusted). Several header lines, or an entry that is not a bare IP address, are ambiguous:
    :class:`~credgate.InputError`, answered as 400 ``invalid_request``.
    """

    __slots__ = ("networks", "header")

    def __init__(self, proxies: Iterable[str], *, header: str = "x-forwarded-for") -> None:
        if isinstance(proxies, (str, bytes)):
            raise error_for_code(
                "input.invalid", "proxies must be a list of addresses or networks, not a str"
            )
        networks: List[_Network] = []
        for entry in proxies:
            try:
                networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError:
                raise error_for_code(
                    "input.invalid", f"`{entry}` is not an IP address or network"
                ) from None
        if not networks:
            raise error_for_code("input.invalid", "list at least one trusted proxy")
        self.networks: Tuple[_Network, ...] = tuple(networks)
        self.header: str = header.lower()

    def _trusted(self, address: _Address) -> bool:
        return any(address in n for n in self.networks)

    def client_ip(self, peer: str, values: Sequence[str]) -> str:
        """The client address for a request from ``peer`` carrying the header ``values``."""
        try:
            peer_address = ipaddress.ip_address(peer)
        except ValueError:
            return peer  # not an IP peer (a Unix socket): nothing to trust
        if not self._trusted(peer_address) or not values:
            return peer
        if len(values) > 1:
            raise error_for_code(
                "input.invalid", f"several `{self.header}` header lines: send one, comma-separated"
            )
        entries: List[_Address] = []
        for entry in values[0].split(","):
            try:
                entries.append(ipaddress.ip_address(entry.strip()))
            except ValueError:
                raise error_for_code(
                    "input.invalid", f"a `{self.header}` entry is not an IP address"
                ) from None
        for address in reversed(entries):
            if not self._trusted(address):
                return str(address)
        return str(entries[0])

    def __repr__(self) -> str:
        return f"TrustedProxies({[str(n) for n in self.networks]!r}, header={self.header!r})"


@dataclass(frozen=True)
class Access:
    """What a route requires: ``type`` and ``action``, and the names of the path parameters
    that hold the ids the core's :class:`~credgate.Request` takes (``vault``, ``key``,
    ``org``)."""

    type: ResourceType
    action: Action
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Request(self.type, self.action)  # the words are the core's: a misspelt one fails here
        for name, param in self.params.items():
            if name not in ("vault", "key", "org") or not isinstance(param, str):
                raise error_for_code(
                    "input.invalid",
                    f"`{name}` is not a request id (give vault=, key= or org= the name of a"
                    " path parameter)",
                )

    def form(self, path_params: Mapping[str, Any]) -> Dict[str, Any]:
        """The request's JSON form for these path parameters (the core judges the ids)."""
        form: Dict[str, Any] = {"type": self.type, "action": self.action}
        for name, param in self.params.items():
            if param not in path_params:
                raise LookupError(
                    f"the route has no path parameter `{param}` (named by {name}=)"
                )
            form[name] = path_params[param]
        return form


def _body(decision: Decision) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        # A missing token's challenge names no error (RFC 6750 §3.1): the body says
        # `unauthorized`, the challenge carries only the realm.
        "error": decision.error or "unauthorized",
        "error_description": decision.message,
        "reason": decision.reason,
    }
    if decision.near_misses:
        body["near_misses"] = decision.near_misses
    return body


def refusal(decision: Decision) -> Refusal:
    """The core's refusal as a response."""
    challenge = decision.www_authenticate
    headers = {"WWW-Authenticate": challenge} if challenge else {}
    status = cast(Literal[400, 401, 403], decision.status)  # a refusal: never 200
    return Refusal(status, headers, _body(decision), decision)


def _unauthenticated(decision: Decision) -> bool:
    return decision.status == 401 or decision.reason.startswith("bearer.")


def _unavailable(verifier: Verifier, error: JwksError, now: int) -> Refusal:
    """503 while a remote key set holds no usable keys, with ``Retry-After`` from its
    backoff: a 401 would send clients to fetch new tokens for nothing."""
    remote = verifier.remote
    retry_at = remote.status().get("retry_at") if remote is not None else None
    wait = max(1, retry_at - now) if isinstance(retry_at, int) else 1
    return Refusal(
        503,
        {"Retry-After": str(wait)},
        {
            "error": "temporarily_unavailable",
            "error_description": f"the token signing keys are unavailable: {error.message}",
            "reason": error.code,
        },
    )


async def _audit(callback: Optional[AuditCallback], decision: Decision, request: Any) -> None:
    record = decision.audit
    if callback is None or record is None:
        return
    result = callback(record, request)
    if inspect.isawaitable(result):
        await result


def client_address(
    peer: Optional[str], headers: Callable[[str], List[str]], proxies: Optional[TrustedProxies]
) -> str:
    """The client address: the TCP peer, or behind ``proxies`` the forwarded one."""
    peer = peer or ""
    if proxies is None:
        return peer
    return proxies.client_ip(peer, headers(proxies.header))


async def decide(
    verifier: Verifier,
    access: Access,
    *,
    authorization: List[str],
    client_ip: Callable[[], str],
    path_params: Mapping[str, Any],
    now: Optional[Callable[[], Time]],
    on_decision: Optional[AuditCallback],
    request: Any,
) -> Union[Authorized, Refusal]:
    """One request decided by the core: an :class:`Authorized`, or the :class:`Refusal` to
    send. Authentication comes first: an id outside the grammar (``request.invalid``) is 400
    only for a caller whose token is good, 401 otherwise."""
    t = to_unix(now() if now is not None else None)
    try:
        ip = client_ip()
    except InputError as e:
        return Refusal(
            400, {}, {"error": "invalid_request", "error_description": e.message, "reason": e.code}
        )
    # Several Authorization lines are one malformed header to the core (never the first
    # taken silently).
    header = ", ".join(authorization) if authorization else None
    form = access.form(path_params)
    try:
        decision = await verifier.check_authorization_async(
            header, client_ip=ip, request=form, now=t
        )
        if decision.reason == "request.invalid":
            probe = await verifier.check_authorization_async(
                header, client_ip=ip, request=Request(access.type, access.action), now=t
            )
            return refusal(probe if _unauthenticated(probe) else decision)
    except JwksError as e:
        return _unavailable(verifier, e, t)
    await _audit(on_decision, decision, request)
    if not decision.allowed or decision.claims is None:
        return refusal(decision)
    return Authorized(decision, decision.claims, Request.from_dict(form))


#: A function giving the verifier for each request (sync, or a coroutine function).
VerifierProvider = Callable[[], Union[Verifier, Awaitable[Verifier]]]


class Verifiers:
    """A :class:`~credgate.Verifier`, or a :data:`VerifierProvider` asked for each request (a
    sync one runs in the loop's default executor, as it may read a database; a coroutine
    function is awaited)."""

    __slots__ = ("fixed", "provider")

    def __init__(self, source: Union[Verifier, VerifierProvider]) -> None:
        self.fixed: Optional[Verifier] = None
        self.provider: Optional[VerifierProvider] = None
        if callable(source) and not isinstance(source, Verifier):
            self.provider = source
        else:
            self.fixed = verifier_arg(source)

    async def get(self) -> Verifier:
        if self.fixed is not None:
            return self.fixed
        provider = self.provider
        assert provider is not None
        if inspect.iscoroutinefunction(provider):
            return verifier_arg(await provider())
        loop = asyncio.get_running_loop()
        got = await loop.run_in_executor(None, provider)
        if inspect.isawaitable(got):
            got = await got
        return verifier_arg(got)

    def __repr__(self) -> str:
        return repr(self.fixed if self.fixed is not None else self.provider)


def verifier_arg(verifier: Any) -> Verifier:
    """A :class:`~credgate.Verifier` argument (``input.invalid`` for anything else)."""
    if not isinstance(verifier, Verifier):
        raise error_for_code(
            "input.invalid", f"expected a credgate.Verifier, not `{type(verifier).__name__}`"
        )
    return verifier

