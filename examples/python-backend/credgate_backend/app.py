"""The ASGI application (FastAPI): the routes, and the order in which each one checks.

Every decision is credgate's: the token endpoint calls ``parse_token_request`` and
``issue_token``; protected routes call ``Verifier.check_authorization`` (with
``CREDGATE_JWKS_URL``, ``check_authorization_async`` over a ``credgate.AsyncRemoteKeySet``)
and store the decision record it returns. Reading requests safely is ``inputs.py``'s, the failed-request
limit ``limits.py``'s, persistence ``store.py``'s; this module wires them to HTTP. Client
input is answered with 400/401/403/404/409/429, never 500.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from typing import Any, Dict, List, Optional, Tuple, Union

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

import credgate

from .config import Settings
from .inputs import BodyTooLarge, ClientError, client_address, read_body, read_json_object
from .limits import FailureLimiter
from .admin import add_admin_routes
from .store import CLIENT_ID, KeyIdTaken, Store

MAX_VAULT_NAME = 100
# What credgate is given in place of a body that was not read because it is over the limit:
# the core then refuses the request as it refuses any oversized body (400 invalid_request).
_OVERSIZED_BODY = bytes(credgate.MAX_BODY_BYTES + 1)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_CHALLENGE_ERROR = re.compile(r'error="([a-z_]+)"')


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
        self.store = Store(settings.db_path)
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


def _unauthenticated(decision: credgate.Decision) -> bool:
    """The caller was not authenticated: no, a malformed or an invalid bearer token."""
    return decision.status == 401 or decision.reason.startswith("bearer.")


def _refusal(decision: credgate.Decision) -> Refused:
    """credgate's refusal as a response: its status, the RFC 6750 challenge and a JSON body."""
    challenge = decision.www_authenticate
    m = _CHALLENGE_ERROR.search(challenge or "")
    body: Dict[str, Any] = {
        "error": m.group(1) if m else ("invalid_request" if decision.status == 400 else "unauthorized"),
        "error_description": decision.message,
        "reason": decision.reason,
    }
    if decision.near_misses:
        body["near_misses"] = decision.near_misses
    return Refused(_json(body, decision.status, {"WWW-Authenticate": challenge} if challenge else {}))


def _keys_unavailable(svc: Service, error: credgate.JwksError) -> Refused:
    """503 while the resource server holds no usable keys (the JWKS URL failing since before
    the first fetch, or for longer than stale-if-error), with ``Retry-After`` from the state
    machine's backoff: a 401 would send clients to fetch new tokens for nothing."""
    now = svc.settings.now()
    retry_at = svc.remote_keys.status()["retry_at"] if svc.remote_keys is not None else None
    wait = max(1, retry_at - now) if isinstance(retry_at, int) else 1
    return Refused(_json({"error": "temporarily_unavailable",
                          "error_description": f"the token signing keys are unavailable: {error.message}"},
                         503, {"Retry-After": str(wait)}))


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

    def guard(kind: credgate.ResourceType, action: credgate.Action):  # type: ignore[no-untyped-def]
        """A dependency: authorize this route's request with credgate and audit the decision.

        Authentication comes first: a path id outside the grammar (credgate's RequestError)
        is 400 only for a caller whose token is good, 401 otherwise."""

        def inputs(request: Request) -> Tuple[str, Optional[str], Union[credgate.Request, credgate.RequestError]]:
            p = request.path_params
            ip = svc.client_ip(request)
            authorization = request.headers.get("authorization")
            try:
                return ip, authorization, credgate.Request(kind, action, vault=p.get("vault"), key=p.get("key"))
            except credgate.RequestError as e:
                return ip, authorization, e

        def bad_path(probe: credgate.Decision, e: credgate.RequestError) -> Refused:
            # `probe` checked the org-level form of the request, to learn whether the caller is
            # authenticated; its permission verdict is not used or audited.
            if _unauthenticated(probe):
                return _refusal(probe)
            return Refused(_json({"error": "invalid_request", "error_description": e.message, "reason": e.code}, 400))

        def admit(request: Request, decision: credgate.Decision) -> credgate.Decision:
            if decision.audit is not None:
                svc.store.audit(decision.audit, request.method, request.url.path)
            if not decision.allowed:
                raise _refusal(decision)
            return decision

        def dependency(request: Request) -> credgate.Decision:
            ip, authorization, req = inputs(request)
            if isinstance(req, credgate.RequestError):
                probe = svc.verifier().check_authorization(
                    authorization, client_ip=ip, request=credgate.Request(kind, action), now=svc.settings.now())
                raise bad_path(probe, req)
            decision = svc.verifier().check_authorization(
                authorization, client_ip=ip, request=req, now=svc.settings.now(),
            )
            return admit(request, decision)

        remote = svc.remote_verifier
        if remote is None:
            return Depends(dependency)

        async def remote_dependency(request: Request) -> credgate.Decision:
            """The same over the keys of CREDGATE_JWKS_URL: awaits a fetch when one is needed
            (one for all concurrent requests); no usable keys is 503, not the caller's fault."""
            ip, authorization, req = inputs(request)
            target = credgate.Request(kind, action) if isinstance(req, credgate.RequestError) else req
            try:
                decision = await remote.check_authorization_async(
                    authorization, client_ip=ip, request=target, now=svc.settings.now())
            except credgate.JwksError as e:
                raise _keys_unavailable(svc, e) from None
            if isinstance(req, credgate.RequestError):
                raise bad_path(decision, req)
            return await run_in_threadpool(admit, request, decision)  # the audit row: SQLite

        return Depends(remote_dependency)

    def org(d: credgate.Decision) -> str:
        assert d.claims is not None  # allowed decisions always carry the claims
        return d.claims.org

    def id_from(body: Dict[str, Any]) -> str:
        value = body.get("id")
        if not isinstance(value, str):
            raise ClientError("`id` must be a string")
        return value

    @app.get("/v1/vaults")
    def list_vaults(d: credgate.Decision = guard("vault", "read")) -> Dict[str, Any]:
        return {"vaults": svc.store.vaults(org(d))}

    @app.post("/v1/vaults", status_code=201)
    async def create_vault(request: Request, d: credgate.Decision = guard("vault", "create")) -> JSONResponse:
        body = await read_json_object(request)
        vault_id, name = id_from(body), body.get("name", "")
        if not isinstance(name, str) or len(name) > MAX_VAULT_NAME:
            raise ClientError(f"`name` must be a string of at most {MAX_VAULT_NAME} characters")
        try:
            credgate.Request("vault", "read", vault=vault_id)  # the core's id grammar
        except credgate.RequestError as e:
            raise ClientError(e.message) from None
        if not svc.store.add_vault(org(d), vault_id, name or vault_id):
            return _json({"error": "conflict", "error_description": f"vault `{vault_id}` exists"}, 409)
        return _json({"id": vault_id, "name": name or vault_id}, 201)

    @app.get("/v1/vaults/{vault}")
    def get_vault(vault: str, d: credgate.Decision = guard("vault", "read")) -> JSONResponse:
        v = svc.store.vault(org(d), vault)
        return _json(v) if v else _json({"error": "not_found"}, 404)

    @app.get("/v1/vaults/{vault}/keys")
    def list_keys(vault: str, d: credgate.Decision = guard("key", "read")) -> Dict[str, Any]:
        return {"vault": vault, "keys": svc.store.keys(org(d), vault)}

    @app.post("/v1/vaults/{vault}/keys", status_code=201)
    async def create_key(request: Request, vault: str, d: credgate.Decision = guard("key", "create")) -> JSONResponse:
        body = await read_json_object(request)
        key_id = id_from(body)
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
    def get_key(vault: str, key: str, d: credgate.Decision = guard("key", "read")) -> JSONResponse:
        if not svc.store.key_exists(org(d), vault, key):
            return _json({"error": "not_found"}, 404)
        return _json({"vault": vault, "id": key})

    @app.get("/v1/vaults/{vault}/balances")
    def vault_balances(vault: str, d: credgate.Decision = guard("balances", "read")) -> Dict[str, Any]:
        keys = svc.store.keys(org(d), vault)
        return {"vault": vault, "balances": [{"key": k, "asset": "BTC", "amount": "0"} for k in keys]}

    @app.get("/v1/vaults/{vault}/keys/{key}/balances")
    def key_balances(vault: str, key: str, d: credgate.Decision = guard("balances", "read")) -> JSONResponse:
        if not svc.store.key_exists(org(d), vault, key):
            return _json({"error": "not_found"}, 404)
        return _json({"vault": vault, "key": key, "balances": [{"asset": "BTC", "amount": "0"}]})

    add_admin_routes(app, svc)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory credgate_backend.app:app_from_env`` (run it with
    ``--no-proxy-headers``: ``CREDGATE_TRUSTED_PROXIES`` is this application's to apply)."""
    return create_app(Settings.from_env())
