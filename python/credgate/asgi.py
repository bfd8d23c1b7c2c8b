"""A plain ASGI middleware (no framework imported): credgate decides the configured routes.

::

    from credgate.asgi import CredgateMiddleware, Protect

    app = CredgateMiddleware(app, verifier, routes=[
        Protect("GET", "/v1/vaults/{vault}/balances", "balances", "read", vault="vault"),
    ])

An HTTP request whose method and path match a :class:`Protect` rule is checked before the
application sees it: a refusal is answered here (400, 401, 403 with the ``WWW-Authenticate``
challenge, or 503 while a remote key set holds no usable keys; a JSON body with ``error``,
the RFC 6750 code, ``error_description`` and ``reason``, the credgate code); an allowed one
reaches the application with ``scope["state"]["credgate"]`` set to an :class:`Authorized`
(decision, claims, request; Starlette's ``request.state.credgate``). Other requests (and websockets, lifespan) pass
through untouched. The first matching rule applies, so list specific paths first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Mapping,
    MutableMapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ._api import Time, Verifier
from ._errors import error_for_code
from ._http import (
    Access,
    AuditCallback,
    Authorized,
    Refusal,
    TrustedProxies,
    VerifierProvider,
    Verifiers,
    client_address,
    decide,
)
from ._types import Action, ResourceType

__all__ = ["Authorized", "CredgateMiddleware", "Protect", "Refusal", "TrustedProxies"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Protect:
    """A rule: requests with ``method`` (``"*"``: any) to paths matching ``path`` (a
    template; ``{name}`` matches one path segment) need ``(type, action)``; ``vault``,
    ``key`` and ``org`` name the path parameters that hold those ids."""

    method: str
    path: str
    type: ResourceType
    action: Action
    vault: Optional[str] = None
    key: Optional[str] = None
    org: Optional[str] = None
    access: Access = field(init=False, repr=False, compare=False)
    pattern: "re.Pattern[str]" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise error_for_code("input.invalid", f"the path `{self.path}` must start with /")
        params = {
            name: param
            for name, param in (("vault", self.vault), ("key", self.key), ("org", self.org))
            if param is not None
        }
        names = set(_PARAM.findall(self.path))
        for name, param in params.items():
            if param not in names:
                raise error_for_code(
                    "input.invalid", f"{name}=`{param}` is not a parameter of `{self.path}`"
                )
        regex, at = "", 0
        for m in _PARAM.finditer(self.path):
            regex += re.escape(self.path[at : m.start()]) + f"(?P<{m.group(1)}>[^/]+)"
            at = m.end()
        regex += re.escape(self.path[at:])
        object.__setattr__(self, "access", Access(self.type, self.action, params))
        object.__setattr__(self, "pattern", re.compile(regex))

    def match(self, method: str, path: str) -> Optional[Dict[str, str]]:
        """The path parameters when this rule applies to the request, else ``None``."""
        if self.method != "*" and self.method.upper() != method.upper():
            return None
        m = self.pattern.fullmatch(path)
        return None if m is None else m.groupdict()


def _headers(scope: Scope) -> Callable[[str], List[str]]:
    raw: Sequence[Tuple[bytes, bytes]] = scope.get("headers") or ()

    def get(name: str) -> List[str]:
        wanted = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in raw if k.lower() == wanted]

    return get


async def _send_refusal(send: Send, refusal: Refusal) -> None:
    body = refusal.json()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in refusal.headers.items()
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CredgateMiddleware:
    """ASGI middleware checking Bearer tokens for ``routes`` (a list of :class:`Protect`).

    ``on_decision(record, scope)`` gets the core's decision record of every decision (it may
    be a coroutine function; a sync one runs in the event loop, so keep it quick). The client
    address is the ASGI peer (``scope["client"]``) unless ``trusted_proxies`` (a
    :class:`TrustedProxies`) or ``client_ip(scope) -> str`` says otherwise; ``now`` is a clock
    for tests. ``state_key`` names the entry of ``scope["state"]``. ``verifier`` may be a
    function returning the verifier for each request (a sync one runs in the default
    executor, a coroutine function is awaited).
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: Union[Verifier, VerifierProvider],
        *,
        routes: Sequence[Protect],
        on_decision: Optional[AuditCallback] = None,
        trusted_proxies: Optional[TrustedProxies] = None,
        client_ip: Optional[Callable[[Scope], str]] = None,
        now: Optional[Callable[[], Time]] = None,
        state_key: str = "credgate",
    ) -> None:
        self.app = app
        self._verifiers = Verifiers(verifier)
        self.routes: Tuple[Protect, ...] = tuple(routes)
        for rule in self.routes:
            if not isinstance(rule, Protect):
                raise error_for_code(
                    "input.invalid", f"routes must be Protect rules, not `{type(rule).__name__}`"
                )
        self.on_decision = on_decision
        self.trusted_proxies = trusted_proxies
        self._client_ip = client_ip
        self.now = now
        self.state_key = state_key

    def _rule(self, scope: Scope) -> Optional[Tuple[Protect, Mapping[str, str]]]:
        method, path = scope.get("method", ""), scope.get("path", "")
        for rule in self.routes:
            params = rule.match(method, path)
            if params is not None:
                return rule, params
        return None

    def client_ip(self, scope: Scope) -> str:
        """The client address the core checks against the token's allowlist."""
        if self._client_ip is not None:
            return self._client_ip(scope)
        client = scope.get("client")
        peer = str(client[0]) if client else None
        return client_address(peer, _headers(scope), self.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._rule(scope) if scope.get("type") == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        rule, params = found
        answer = await decide(
            await self._verifiers.get(),
            rule.access,
            authorization=_headers(scope)("authorization"),
            client_ip=lambda: self.client_ip(scope),
            path_params=params,
            now=self.now,
            on_decision=self.on_decision,
            request=scope,
        )
        if isinstance(answer, Refusal):
            await _send_refusal(send, answer)
            return
        state = scope.setdefault("state", {})
        state[self.state_key] = answer
        await self.app(scope, receive, send)
