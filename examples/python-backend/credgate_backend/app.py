"""The ASGI application (FastAPI): the routes, and the order in which each one checks.

Every decision is credgate's: the token endpoint calls ``parse_token_request`` and
``issue_token``; the protected API routes are guarded by ``credgate.fastapi.CredgateBearer``
(a ``Security`` dependency over the current verifier: the published keys, or with
``CREDGATE_JWKS_URL`` a ``credgate.AsyncRemoteKeySet``), and ``/v1/audit/decisions`` by the
framework-free ``credgate.asgi.CredgateMiddleware``; both store each decision record. Reading requests safely is ``inputs.py``'s, the failed-request
limit ``limits.py``'s, persistence ``store.py``'s; this module wires them to HTTP. Client
input is answered with 400/401/403/404/409/429, never 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from pathlib import Path
from typing import Annotated, Any, Dict, List, Optional, Tuple

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

import credgate
from credgate.asgi import CredgateMiddleware, Protect
from credgate.fastapi import Authorized, CredgateBearer

from .config import Settings
from .inputs import BodyTooLarge, ClientError, client_address, read_body
from .models import AuthorizationServerMetadata, CreateKey, CreateVault, complete_openapi, json_body, openapi_body
from .limits import FailureLimiter
from .admin import add_admin_routes
from .console import PREFIX as CONSOLE, ConsoleFiles, ConsoleHeaders
from .store import CLIENT_ID, MAX_PAGE, KeyIdTaken, Store

# What credgate is given in place of a body that was not read because it is over the limit:
# the core then refuses the request as it refuses any oversized body (400 invalid_request).
_OVERSIZED_BODY = bytes(credgate.MAX_BODY_BYTES + 1)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# How many audit rows one /v1/audit/decisions request reads at most to find a page of the
# caller's organisation (the store pages by id, not by organisation); a page cut short by
# this bound still gives `next.before` to go on from.
_MAX_AUDIT_SCAN = 10 * MAX_PAGE

# Query parameters of the protected lists (ids are at most 64 characters in the core's grammar).
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
AfterId = Annotated[Optional[str], Query(min_length=1, max_length=64)]
BeforeId = Annotated[Optional[int], Query(ge=1, le=2**63 - 1)]


def _json(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers or {})


class Refused(Exception):
    """A prepared refusal (an authorization decision, the admin check) to send as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Service:
    """State shared by the routes: settings, the store, the cached verifier and the limits
    on failed token requests (per client id and per client address)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.database_url)
        self.failures_by_client = self._failure_limiter()
        self.failures_by_address = self._failure_limiter()
        self._lock = threading.Lock()
        # The cached verifier: the kids it was built with, the revocation epoch it holds (-1:
        # none), and itself.
        self._verifier: Optional[Tuple[Tuple[str, ...], int, credgate.Verifier]] = None
        # With CREDGATE_JWKS_URL: one verifier over the keys fetched from it, for good (the
        # remote key set refreshes itself; the verifier keeps its verified-token cache).
        self.remote_keys: Optional[credgate.AsyncRemoteKeySet] = None
        self.remote_verifier: Optional[credgate.Verifier] = None
        if settings.jwks_url is not None:
            self.remote_keys = credgate.AsyncRemoteKeySet(settings.jwks_url, clock=settings.now)
            self.remote_verifier = credgate.Verifier(self.remote_keys, issuer=settings.issuer,
                                                     audience=settings.audience)
        if self.store.active_signing_key() is None:
            self.rotate_key()

    def _failure_limiter(self) -> FailureLimiter:
        s = self.settings
        return FailureLimiter(burst=s.token_failure_burst, refill_seconds=s.token_failure_refill_seconds,
                              max_keys=s.rate_limit_max_keys, clock=s.now)

    # -- keys

    def rotate_key(self) -> credgate.SigningKey:
        """A new active signing key; the previous one stays published for the retention."""
        now = self.settings.now()
        key = credgate.SigningKey.generate(f"k{now}-{os.urandom(4).hex()}")
        self.store.add_signing_key(key, now)
        return key

    def current_verifier(self) -> credgate.Verifier:
        """The verifier for the next request: over CREDGATE_JWKS_URL's keys, or the published
        ones (:meth:`verifier`)."""
        return self.remote_verifier or self.verifier()

    def audit(self, record: Dict[str, Any], method: str, path: str) -> None:
        """Store one decision record (credgate's ``Decision.audit``) with the HTTP route."""
        self.store.audit(record, method, path)

    def published_keys(self) -> List[credgate.SigningKey]:
        return self.store.published_signing_keys(self.settings.now(), self.settings.key_retention)

    def verifier(self) -> credgate.Verifier:
        """A verifier over the published keys, rebuilt only when they change; with
        ``verify_revocations`` it also holds the published revocation list, loaded again
        (``Verifier.load_revocations``) whenever its epoch grows."""
        keys = self.published_keys()
        kids = tuple(k.kid for k in keys)
        epoch, revocations = self.revocations() if self.settings.verify_revocations else (-1, None)
        with self._lock:
            held = self._verifier
            if held is None or held[0] != kids:
                v = credgate.Verifier(keys, issuer=self.settings.issuer, audience=self.settings.audience)
                held = (kids, -1, v)
            if revocations is not None and held[1] != epoch:
                held[2].load_revocations(revocations)
                held = (kids, epoch, held[2])
            self._verifier = held
            return held[2]

    # -- the revocation list

    def revocations(self) -> Tuple[int, str]:
        """The published revocation list ``(epoch, JWS)``, signed with the active token signing
        key (so verifiers check it against the JWKS they already fetch)."""
        key = self.store.active_signing_key()
        if key is None:  # pragma: no cover - created at start-up
            key = self.rotate_key()
        signer = key

        def sign(epoch: int, entries: List[Dict[str, Any]]) -> str:
            return credgate.sign_revocations(signer, issuer=self.settings.issuer, epoch=epoch,
                                             entries=entries, now=self.settings.now()).revocations

        return self.store.signed_revocations(key.kid, self.settings.now(), sign)

    # -- request helpers

    def client_ip(self, request: Request) -> str:
        """The client address (``inputs.client_address``; 400 for an ambiguous X-Forwarded-For)."""
        return client_address(request, self.settings.trusted_proxies)

    # -- failed token requests

    def token_retry_after(self, ip: str, client_id: Optional[str]) -> int:
        """Seconds until this address (and client id, when well-formed) may try again; 0 = now."""
        wait = self.failures_by_address.retry_after(ip)
        if client_id is not None and CLIENT_ID.fullmatch(client_id):
            wait = max(wait, self.failures_by_client.retry_after(client_id))
        return wait

    def token_failed(self, ip: str, client_id: Optional[str]) -> None:
        self.failures_by_address.charge(ip)
        if client_id is not None and CLIENT_ID.fullmatch(client_id):
            self.failures_by_client.charge(client_id)


def etag_matches(if_none_match: Optional[str], etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*``, or any listed tag equal to ``etag`` (weak comparison)."""
    if if_none_match is None:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    """The application for ``settings`` (default: from the environment)."""
    svc = Service(settings or Settings.from_env())
    app = FastAPI(title="credgate example backend", version=credgate.__version__)
    app.state.service = svc
    documented = FastAPI.openapi

    def openapi() -> Dict[str, Any]:
        """FastAPI's document completed by ``models.complete_openapi`` (the routes' bodies are
        read by a capped dependency, not declared as body parameters)."""
        if app.openapi_schema is None:
            app.openapi_schema = complete_openapi(documented(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> Response:
        return exc.response

    @app.exception_handler(ClientError)
    async def client_error(_: Request, exc: ClientError) -> Response:
        return _json({"error": exc.error, "error_description": exc.description, **exc.extra}, exc.status, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_parameters(_: Request, exc: RequestValidationError) -> Response:
        # FastAPI's 422 for a bad query parameter is a 400 invalid_request here, like any bad input.
        problems = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        return _json({"error": "invalid_request", "error_description": problems}, 400)

    # ------------------------------------------------------------ public

    @app.get("/healthz")
    def healthz() -> Dict[str, Any]:
        if svc.remote_keys is not None:  # what the resource server holds and does (docs/REMOTE.md)
            return {"status": "ok", "jwks": svc.remote_keys.status()}
        return {"status": "ok"}

    @app.get("/.well-known/oauth-authorization-server", response_model=AuthorizationServerMetadata)
    def authorization_server_metadata() -> JSONResponse:
        """RFC 8414 metadata: what the token endpoint really supports (credgate's
        ``parse_token_request``: the client credentials grant, the secret in HTTP Basic or
        in the form), so OAuth clients find it by the issuer alone."""
        issuer = svc.settings.issuer
        base = issuer.rstrip("/")
        return _json({
            "issuer": issuer,
            "token_endpoint": f"{base}/oauth/token",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            # No authorization endpoint: no response types (the member is required).
            "response_types_supported": [],
        }, headers={"Cache-Control": "max-age=3600"})

    @app.get("/.well-known/jwks.json")
    def jwks() -> JSONResponse:
        return _json(credgate.public_jwks(svc.published_keys()), headers={"Cache-Control": "max-age=60"})

    @app.get("/.well-known/credgate-revocations")
    def revocations(request: Request) -> Response:
        """The signed revocation list (docs/LIFECYCLE.md): the same bytes for one epoch, so a
        strong ETag; 304 to a matching If-None-Match."""
        epoch, jws = svc.revocations()
        etag = f'"{epoch}-{hashlib.sha256(jws.encode()).hexdigest()[:32]}"'
        headers = {"Cache-Control": f"public, max-age={svc.settings.revocations_refresh}", "ETag": etag}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(jws, media_type="application/jwt", headers=headers)

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        # The body is read up to credgate.MAX_BODY_BYTES and no further (Content-Length first);
        # an oversized one is refused by credgate like any other, and the connection closed.
        try:
            body, extra_headers = await read_body(request, credgate.MAX_BODY_BYTES), {}
        except BodyTooLarge as e:
            body, extra_headers = _OVERSIZED_BODY, e.headers
        now = svc.settings.now()
        ip = svc.client_ip(request)
        # The header lines as received, unjoined: credgate refuses a repeated Authorization
        # or Content-Type (400 invalid_request).
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        # Both steps answer with a value: the token response or the refusal, each ready to
        # send as it is (status, headers, JSON body); the reason goes to the audit log only.
        parsed = credgate.parse_token_request(request.method, headers, body)
        client_id = parsed.client_id if parsed.ok else None
        wait = svc.token_retry_after(ip, client_id)
        if wait:  # refused unseen (a right secret too) and not logged: a flood writes nothing
            return _json({"error": "too_many_requests",
                          "error_description": f"too many failed token requests; retry in {wait} s"},
                         429, {**_NO_STORE, **extra_headers, "Retry-After": str(wait)})
        if not parsed.ok:
            svc.store.log_token(now, None, ip, parsed.reason)
            svc.token_failed(ip, None)
            return _json(parsed.body, parsed.status, {**parsed.headers, **extra_headers})
        key = svc.store.active_signing_key()
        if key is None:  # pragma: no cover - created at start-up
            key = svc.rotate_key()
        answer = credgate.issue_token(
            svc.store.get_credential(parsed.client_id), parsed, client_ip=ip, signing_key=key,
            issuer=svc.settings.issuer, audience=svc.settings.audience, now=now,
        )
        if not answer.ok:
            svc.store.log_token(now, parsed.client_id, ip, answer.reason)
            svc.token_failed(ip, parsed.client_id)
        else:
            svc.store.log_token(now, parsed.client_id, ip, "issued", str(answer.claims.get("jti")))
            if answer.secret is not None:  # which live secret was used: its last_used_at
                svc.store.secret_used(parsed.client_id, answer.secret, now)
        return _json(answer.body, answer.status, answer.headers)

    # ------------------------------------------------------------ protected API

    # Every protected route: credgate decides (authentication first, then the client IP,
    # the organisation and the permission) and answers refusals itself (400/401/403 with the
    # RFC 6750 challenge; 503 while CREDGATE_JWKS_URL gives no usable keys); each decision
    # record goes to the audit table.
    bearer = CredgateBearer(
        svc.current_verifier,
        on_decision=lambda record, request: svc.audit(record, request.method, request.url.path),
        client_ip=svc.client_ip,
        now=svc.settings.now,
        token_url="/oauth/token",
    )
    bearer.install(app)

    def guard(kind: credgate.ResourceType, action: credgate.Action, **ids: str) -> Any:
        """``Security`` over credgate for ``(kind, action)``; ``ids`` name the path parameters
        holding the vault and key ids (``vault="vault"``)."""
        return Security(bearer.require(kind, action, **ids))

    def org(auth: Authorized) -> str:
        return auth.claims.org

    @app.get("/v1/vaults")
    def list_vaults(limit: Limit = 100, after: AfterId = None, d: Authorized = guard("vault", "read")) -> Dict[str, Any]:
        """The organisation's vaults by id, ``limit`` after the id ``after``."""
        vaults = svc.store.vaults(org(d), limit, after)
        return {"vaults": vaults, "next": {"after": vaults[-1]["id"] if len(vaults) == limit else None}}

    @app.post("/v1/vaults", status_code=201, openapi_extra=openapi_body(CreateVault))
    def create_vault(d: Authorized = guard("vault", "create"),
                     body: CreateVault = Depends(json_body(CreateVault))) -> JSONResponse:
        vault_id, name = body.id, body.name
        try:
            credgate.Request("vault", "read", vault=vault_id)  # the core's id grammar
        except credgate.RequestError as e:
            raise ClientError(e.message) from None
        if not svc.store.add_vault(org(d), vault_id, name or vault_id):
            return _json({"error": "conflict", "error_description": f"vault `{vault_id}` exists"}, 409)
        return _json({"id": vault_id, "name": name or vault_id}, 201)

    @app.get("/v1/vaults/{vault}")
    def get_vault(vault: str, d: Authorized = guard("vault", "read", vault="vault")) -> JSONResponse:
        v = svc.store.vault(org(d), vault)
        return _json(v) if v else _json({"error": "not_found"}, 404)

    @app.get("/v1/vaults/{vault}/keys")
    def list_keys(vault: str, limit: Limit = 100, after: AfterId = None,
                  d: Authorized = guard("key", "read", vault="vault")) -> Dict[str, Any]:
        keys = svc.store.keys(org(d), vault, limit, after)
        return {"vault": vault, "keys": keys, "next": {"after": keys[-1] if len(keys) == limit else None}}

    @app.post("/v1/vaults/{vault}/keys", status_code=201, openapi_extra=openapi_body(CreateKey))
    def create_key(vault: str, d: Authorized = guard("key", "create", vault="vault"),
                   body: CreateKey = Depends(json_body(CreateKey))) -> JSONResponse:
        key_id = body.id
        try:
            credgate.Request("key", "read", vault=vault, key=key_id)
        except credgate.RequestError as e:
            raise ClientError(e.message) from None
        if svc.store.vault(org(d), vault) is None:
            return _json({"error": "not_found", "error_description": f"no vault `{vault}`"}, 404)
        try:
            svc.store.add_key(org(d), vault, key_id)
        except KeyIdTaken as taken:
            # Which other vault is not said: the caller may have no right to see it.
            where = f"vault `{vault}`" if taken.vault == vault else "another vault of this organisation"
            return _json({"error": "conflict", "error_description":
                          f"key `{key_id}` exists in {where}; key ids are unique within an organisation"}, 409)
        return _json({"vault": vault, "id": key_id}, 201)

    @app.get("/v1/vaults/{vault}/keys/{key}")
    def get_key(vault: str, key: str, d: Authorized = guard("key", "read", vault="vault", key="key")) -> JSONResponse:
        if not svc.store.key_exists(org(d), vault, key):
            return _json({"error": "not_found"}, 404)
        return _json({"vault": vault, "id": key})

    @app.get("/v1/vaults/{vault}/balances")
    def vault_balances(vault: str, d: Authorized = guard("balances", "read", vault="vault")) -> Dict[str, Any]:
        keys = all_keys(org(d), vault)
        return {"vault": vault, "balances": [{"key": k, "asset": "BTC", "amount": "0"} for k in keys]}

    def all_keys(org_id: str, vault: str) -> List[str]:
        keys: List[str] = []
        while True:
            page = svc.store.keys(org_id, vault, MAX_PAGE, keys[-1] if keys else None)
            keys += page
            if len(page) < MAX_PAGE:
                return keys

    @app.get("/v1/vaults/{vault}/keys/{key}/balances")
    def key_balances(vault: str, key: str,
                     d: Authorized = guard("balances", "read", vault="vault", key="key")) -> JSONResponse:
        if not svc.store.key_exists(org(d), vault, key):
            return _json({"error": "not_found"}, 404)
        return _json({"vault": vault, "key": key, "balances": [{"asset": "BTC", "amount": "0"}]})

    # ------------------------------------------------------------ the ASGI middleware

    @app.get("/v1/audit/decisions")
    def audit_decisions(request: Request, limit: Limit = 100, before: BeforeId = None) -> Dict[str, Any]:
        """The caller's organisation's decisions, newest first: ``limit`` of them with ids
        below ``before``; ``next.before`` goes on (None: no older rows). Guarded by
        ``CredgateMiddleware`` below rather than a dependency: what a framework without
        dependencies (Starlette, Litestar, a raw ASGI app) would use."""
        auth: Authorized = request.state.credgate
        rows: List[Dict[str, Any]] = []
        cursor, scanned = before, 0
        while len(rows) < limit and scanned < _MAX_AUDIT_SCAN:
            page = svc.store.audit_log(MAX_PAGE, cursor)
            for r in page:
                scanned += 1
                cursor = int(r["id"])
                if r["org"] == auth.claims.org:
                    rows.append(r)
                    if len(rows) == limit:
                        break
            if len(page) < MAX_PAGE and len(rows) < limit:
                return {"decisions": rows, "next": {"before": None}}  # the oldest row was read
        return {"decisions": rows, "next": {"before": cursor}}

    async def audit_row(record: Dict[str, Any], scope: Any) -> None:
        await asyncio.to_thread(svc.audit, record, scope["method"], scope["path"])

    proxies = svc.settings.trusted_proxies
    app.add_middleware(
        CredgateMiddleware,
        verifier=svc.current_verifier,
        routes=[Protect("GET", "/v1/audit/decisions", "audit", "read")],
        on_decision=audit_row,
        trusted_proxies=credgate.TrustedProxies([str(n) for n in proxies]) if proxies else None,
        now=svc.settings.now,
    )

    add_admin_routes(app, svc)
    if svc.settings.console_dir is not None:
        add_console(app, svc.settings.console_dir)
    return app


def add_console(app: FastAPI, folder: Path) -> None:
    """The console at /console/ (its headers: ``console.py``), and / leading to it."""

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{CONSOLE}/", status_code=307)

    @app.get(CONSOLE, include_in_schema=False)
    def console_root() -> RedirectResponse:  # relative URLs in index.html need the slash
        return RedirectResponse(f"{CONSOLE}/", status_code=307)

    app.mount(f"{CONSOLE}/", ConsoleFiles(directory=folder, html=True), name="console")
    app.add_middleware(ConsoleHeaders)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory credgate_backend.app:app_from_env`` (run it with
    ``--no-proxy-headers``: ``CREDGATE_TRUSTED_PROXIES`` is this application's to apply)."""
    return create_app(Settings.from_env())
