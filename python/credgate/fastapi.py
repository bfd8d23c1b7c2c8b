"""FastAPI integration: a ``Security`` dependency that lets credgate decide each request.

::

    from fastapi import FastAPI, Security
    import credgate
    from credgate.fastapi import Authorized, CredgateBearer

    guard = CredgateBearer(credgate.Verifier(jwks, issuer=ISSUER, audience=AUDIENCE))
    app = FastAPI()

    @app.get("/v1/vaults/{vault}/balances")
    def balances(vault: str, auth: Authorized = Security(guard.require("balances", "read", vault="vault"))):
        return {"vault": vault, "org": auth.claims.org}

``require(type, action, vault=..., key=..., org=...)``: the keyword values name the *path
parameters* holding the ids of the core's :class:`~credgate.Request`. The dependency returns
an :class:`Authorized` (the decision, its claims and the request), or answers the refusal
itself: 400, 401 or 403 with the ``WWW-Authenticate`` challenge and a JSON body
(FastAPI's ``{"detail": ...}``, or the body itself after ``guard.install(app)``: ``error``: the RFC 6750 code, ``error_description``, ``reason``: the credgate code,
``near_misses`` of a permission deny); 503 with ``Retry-After`` while a remote key set holds
no usable keys. Each decision record (``Decision.audit``) goes to ``on_decision``.

The OpenAPI document declares the scheme (HTTP bearer; OAuth 2.0 client credentials when
``token_url`` is given), so ``/docs`` has an Authorize button.

Only this module imports fastapi.
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, Dict, Optional, Union

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import HTTPBearer, OAuth2
from starlette.concurrency import run_in_threadpool

from ._api import Time, Verifier
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

__all__ = [
    "Authorized",
    "CredgateBearer",
    "CredgateRefused",
    "Refusal",
    "TrustedProxies",
    "VerifierProvider",
    "refused_handler",
]


class CredgateRefused(HTTPException):
    """The refusal the dependency raises, an ``HTTPException``: FastAPI's handler sends
    ``{"detail": body}`` with the status and headers; after :meth:`CredgateBearer.install`
    the body is sent as it is. ``refusal`` is the whole answer, ``refusal.decision`` the
    core's."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.status, detail=refusal.body, headers=refusal.headers or None)
        self.refusal = refusal


def _async_audit(callback: Optional[AuditCallback]) -> Optional[AuditCallback]:
    """A sync callback runs in the thread pool (it may write to a database), as FastAPI runs
    a sync dependency; a coroutine function is awaited."""
    if callback is None or inspect.iscoroutinefunction(callback):
        return callback
    sync = callback

    async def audit(record: Dict[str, Any], request: Any) -> None:
        await run_in_threadpool(sync, record, request)

    return audit


async def refused_handler(request: Request, exc: Exception) -> Response:
    """The exception handler :meth:`CredgateBearer.install` adds: the refusal's JSON body as
    it is (``{"error", "error_description", "reason", ...}``), not under ``detail``."""
    if not isinstance(exc, CredgateRefused):  # pragma: no cover - registered for it only
        raise exc
    r = exc.refusal
    return JSONResponse(r.body, status_code=r.status, headers=r.headers)


class CredgateBearer:
    """Bearer-token protection for FastAPI routes, decided by ``verifier``.

    - ``on_decision(record, request)``: the core's decision record (``Decision.audit``) of
      every allowed and refused request, with the ``fastapi.Request``; a sync function runs
      in the thread pool, a coroutine function is awaited.
    - ``trusted_proxies``: a :class:`TrustedProxies` to take the client address from a
      forwarded-for header set by proxies you run; by default the TCP peer
      (``request.client.host``), and ``X-Forwarded-For`` is never believed.
      ``client_ip(request) -> str`` replaces both with your own.
    - ``now``: a clock (Unix seconds or an aware ``datetime``) for tests; default the time.
    - ``token_url``: declare OAuth 2.0 client credentials (with this token endpoint) in the
      OpenAPI document instead of plain HTTP bearer; ``scheme_name`` names the scheme.

    ``verifier`` may hold a :class:`~credgate.RemoteKeySet` or an
    :class:`~credgate.AsyncRemoteKeySet`: the dependency awaits its fetches. It may also be
    a function returning the verifier to use for each request (e.g. one rebuilt when your
    keys rotate): a sync one runs in the default executor, a coroutine function is awaited.
    """

    def __init__(
        self,
        verifier: Union[Verifier, VerifierProvider],
        *,
        on_decision: Optional[AuditCallback] = None,
        trusted_proxies: Optional[TrustedProxies] = None,
        client_ip: Optional[Callable[[Request], str]] = None,
        now: Optional[Callable[[], Time]] = None,
        token_url: Optional[str] = None,
        scheme_name: str = "credgate",
        description: Optional[str] = None,
    ) -> None:
        self._verifiers = Verifiers(verifier)
        self.on_decision = _async_audit(on_decision)
        self.trusted_proxies = trusted_proxies
        self._client_ip = client_ip
        self.now = now
        # Only for the OpenAPI document: the header is read (and judged) by the core.
        self.scheme: Union[HTTPBearer, OAuth2]
        if token_url is None:
            self.scheme = HTTPBearer(
                scheme_name=scheme_name,
                bearerFormat="JWT",
                description=description or "An EdDSA access token issued by credgate",
                auto_error=False,
            )
        else:
            flows = OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl=token_url))
            self.scheme = OAuth2(
                flows=flows,
                scheme_name=scheme_name,
                description=description or "OAuth 2.0 client credentials (credgate)",
                auto_error=False,
            )

    async def verifier(self) -> Verifier:
        """The verifier for the next request."""
        return await self._verifiers.get()

    def client_ip(self, request: Request) -> str:
        """The client address the core checks against the token's allowlist."""
        if self._client_ip is not None:
            return self._client_ip(request)
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.getlist, self.trusted_proxies)

    def require(
        self,
        type: ResourceType,
        action: Action,
        *,
        vault: Optional[str] = None,
        key: Optional[str] = None,
        org: Optional[str] = None,
    ) -> Callable[..., Awaitable[Authorized]]:
        """The dependency for ``Security(...)`` (or ``Depends(...)``): the request
        ``(type, action)`` with the ids of the path parameters named ``vault``, ``key`` and
        ``org``. A misspelt type or action fails here, when the route is declared."""
        params = {
            name: param
            for name, param in (("vault", vault), ("key", key), ("org", org))
            if param is not None
        }
        access = Access(type, action, params)
        scheme = self.scheme

        async def credgate_bearer(
            request: Request, _scheme: Any = Depends(scheme)
        ) -> Authorized:
            answer = await decide(
                await self.verifier(),
                access,
                authorization=request.headers.getlist("authorization"),
                client_ip=lambda: self.client_ip(request),
                path_params=request.path_params,
                now=self.now,
                on_decision=self.on_decision,
                request=request,
            )
            if isinstance(answer, Refusal):
                raise CredgateRefused(answer)
            return answer

        return credgate_bearer

    @staticmethod
    def install(app: FastAPI) -> None:
        """Send refusals with their JSON body at the top level (``{"error": ...}``) instead
        of FastAPI's ``{"detail": {"error": ...}}``."""
        app.add_exception_handler(CredgateRefused, refused_handler)

    def __repr__(self) -> str:
        return f"CredgateBearer({self._verifiers!r})"
