"""The ASGI application (FastAPI).

Every decision is credgate's: the token endpoint calls ``parse_token_request`` and
``issue_token``; protected routes call ``Verifier.check_authorization`` and store the
decision record it returns. This module only does HTTP, storage and configuration.
"""

from __future__ import annotations

import hmac
import os
import re
import threading
from typing import Any, Dict, List, Optional, Tuple

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

import credgate

from .config import Settings
from .store import Store

_CHALLENGE_ERROR = re.compile(r'error="([a-z_]+)"')


def _json(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers or {})


class Service:
    """State shared by the routes: settings, the store, and the cached verifier."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self._lock = threading.Lock()
        self._verifier: Optional[Tuple[Tuple[str, ...], credgate.Verifier]] = None
        if self.store.active_signing_key() is None:
            self.rotate_key()

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
        """A verifier over the published keys, rebuilt only when they change."""
        keys = self.published_keys()
        kids = tuple(k.kid for k in keys)
        with self._lock:
            if self._verifier is None or self._verifier[0] != kids:
                v = credgate.Verifier(keys, issuer=self.settings.issuer, audience=self.settings.audience)
                self._verifier = (kids, v)
            return self._verifier[1]

    # -- request helpers

    def client_ip(self, request: Request) -> str:
        if self.settings.trust_proxy:
            forwarded = request.headers.get("x-forwarded-for")
            if forwarded:
                return forwarded.split(",")[-1].strip()
        return request.client.host if request.client else ""


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    """The application for ``settings`` (default: from the environment)."""
    svc = Service(settings or Settings.from_env())
    app = FastAPI(title="credgate example backend", version=credgate.__version__)
    app.state.service = svc

    # ------------------------------------------------------------ public

    @app.get("/healthz")
    def healthz() -> Dict[str, str]:
        return {"status": "ok"}

    @app.get("/.well-known/jwks.json")
    def jwks() -> JSONResponse:
        return _json(credgate.public_jwks(svc.published_keys()), headers={"Cache-Control": "max-age=60"})

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        body = await _limited_body(request, credgate.MAX_BODY_BYTES)
        now = svc.settings.now()
        ip = svc.client_ip(request)
        # The header lines as received, unjoined: credgate refuses a repeated Authorization
        # or Content-Type (400 invalid_request).
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        # Both steps answer with a value: the token response or the refusal, each ready to
        # send as it is (status, headers, JSON body); the reason goes to the audit log only.
        parsed = credgate.parse_token_request(request.method, headers, body)
        if not parsed.ok:
            svc.store.log_token(now, None, ip, parsed.reason)
            return _json(parsed.body, parsed.status, parsed.headers)
        key = svc.store.active_signing_key()
        if key is None:  # pragma: no cover - created at start-up
            key = svc.rotate_key()
        answer = credgate.issue_token(
            svc.store.get_credential(parsed.client_id), parsed, client_ip=ip, signing_key=key,
            issuer=svc.settings.issuer, audience=svc.settings.audience, now=now,
        )
        if not answer.ok:
            svc.store.log_token(now, parsed.client_id, ip, answer.reason)
        else:
            svc.store.log_token(now, parsed.client_id, ip, "issued", str(answer.claims.get("jti")))
        return _json(answer.body, answer.status, answer.headers)

    # ------------------------------------------------------------ protected API

    def guard(kind: credgate.ResourceType, action: credgate.Action):  # type: ignore[no-untyped-def]
        """A dependency: authorize this route's request with credgate and audit the decision."""

        def dependency(request: Request) -> credgate.Decision:
            p = request.path_params
            req = credgate.Request(kind, action, vault=p.get("vault"), key=p.get("key"))
            decision = svc.verifier().check_authorization(
                request.headers.get("authorization"), client_ip=svc.client_ip(request),
                request=req, now=svc.settings.now(),
            )
            if decision.audit is not None:
                svc.store.audit(decision.audit, request.method, request.url.path)
            if not decision.allowed:
                challenge = decision.www_authenticate
                m = _CHALLENGE_ERROR.search(challenge or "")
                body = {
                    "error": m.group(1) if m else "unauthorized",
                    "error_description": decision.message,
                    "reason": decision.reason,
                }
                if decision.near_misses:
                    body["near_misses"] = decision.near_misses
                raise _Refused(_json(body, decision.status, {"WWW-Authenticate": challenge} if challenge else {}))
            return decision

        return Depends(dependency)

    class _Refused(Exception):
        def __init__(self, response: Response) -> None:
            self.response = response

    @app.exception_handler(_Refused)
    async def refused(_: Request, exc: _Refused) -> Response:
        return exc.response

    def org(d: credgate.Decision) -> str:
        assert d.claims is not None  # allowed decisions always carry the claims
        return d.claims.org

    @app.get("/v1/vaults")
    def list_vaults(d: credgate.Decision = guard("vault", "read")) -> Dict[str, Any]:
        return {"vaults": svc.store.vaults(org(d))}

    @app.post("/v1/vaults", status_code=201)
    async def create_vault(request: Request, d: credgate.Decision = guard("vault", "create")) -> JSONResponse:
        body = await _body(request)
        vault_id, name = str(body.get("id", "")), str(body.get("name", ""))
        try:
            credgate.Request("vault", "read", vault=vault_id)  # the core's id grammar
        except credgate.RequestError as e:
            return _json({"error": "invalid_request", "error_description": e.message}, 400)
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
        body = await _body(request)
        key_id = str(body.get("id", ""))
        try:
            credgate.Request("key", "read", vault=vault, key=key_id)
        except credgate.RequestError as e:
            return _json({"error": "invalid_request", "error_description": e.message}, 400)
        if svc.store.vault(org(d), vault) is None:
            return _json({"error": "not_found", "error_description": f"no vault `{vault}`"}, 404)
        if not svc.store.add_key(org(d), vault, key_id):
            return _json({"error": "conflict", "error_description": f"key `{key_id}` exists"}, 409)
        return _json({"vault": vault, "id": key_id}, 201)

    @app.get("/v1/vaults/{vault}/keys/{key}")
    def get_key(vault: str, key: str, d: credgate.Decision = guard("key", "read")) -> JSONResponse:
        if key not in svc.store.keys(org(d), vault):
            return _json({"error": "not_found"}, 404)
        return _json({"vault": vault, "id": key})

    @app.get("/v1/vaults/{vault}/balances")
    def vault_balances(vault: str, d: credgate.Decision = guard("balances", "read")) -> Dict[str, Any]:
        keys = svc.store.keys(org(d), vault)
        return {"vault": vault, "balances": [{"key": k, "asset": "BTC", "amount": "0"} for k in keys]}

    @app.get("/v1/vaults/{vault}/keys/{key}/balances")
    def key_balances(vault: str, key: str, d: credgate.Decision = guard("balances", "read")) -> Dict[str, Any]:
        return {"vault": vault, "key": key, "balances": [{"asset": "BTC", "amount": "0"}]}

    # ------------------------------------------------------------ admin API

    def admin(request: Request) -> None:
        expected = svc.settings.admin_token
        if not expected:
            raise _Refused(_json({"error": "admin_disabled",
                                  "error_description": "set CREDGATE_ADMIN_TOKEN to enable the admin API"}, 503))
        given = request.headers.get("authorization", "")
        scheme, _, secret = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise _Refused(_json({"error": "invalid_token", "error_description": "admin bearer secret required"},
                                 401, {"WWW-Authenticate": 'Bearer realm="credgate-admin"'}))

    admin_only = [Depends(admin)]

    def public_record(c: credgate.Credential) -> Dict[str, Any]:
        r = c.to_dict()
        r.pop("secret_sha256", None)
        return r

    @app.post("/admin/credentials", dependencies=admin_only, status_code=201)
    async def create_credential(request: Request) -> JSONResponse:
        body = await _body(request)
        org_name = str(body.pop("org", svc.settings.default_org))
        try:
            spec = credgate.CredentialSpec.from_dict(body)
            report = credgate.validate_spec(spec)  # an answer: valid, or every problem
            if not report:
                return _json({"error": "invalid_spec", "problems": [p.to_dict() for p in report.errors]}, 400)
            new = credgate.create_credential(spec, org=org_name, now=svc.settings.now())
        except credgate.Error as e:  # input that cannot be used at all (input.invalid)
            return _json({"error": e.code, "error_description": e.message}, 400)
        svc.store.put_credential(new.credential)
        # The secret is shown once, here, and never stored.
        return _json({"client_id": new.client_id, "client_secret": new.client_secret,
                      "credential": public_record(new.credential)}, 201, {"Cache-Control": "no-store"})

    @app.get("/admin/credentials", dependencies=admin_only)
    def list_credentials() -> Dict[str, Any]:
        return {"credentials": [public_record(c) for c in svc.store.list_credentials()]}

    @app.get("/admin/credentials/{client_id}", dependencies=admin_only)
    def get_credential(client_id: str) -> JSONResponse:
        c = svc.store.get_credential(client_id)
        return _json(public_record(c)) if c else _json({"error": "not_found"}, 404)

    def change(client_id: str, action: str) -> JSONResponse:
        c = svc.store.get_credential(client_id)
        if c is None:
            return _json({"error": "not_found"}, 404)
        try:
            updated = getattr(c, action)(now=svc.settings.now())
        except credgate.CredentialError as e:
            return _json({"error": e.code, "error_description": e.message}, 409)
        svc.store.put_credential(updated)
        return _json(public_record(updated))

    @app.post("/admin/credentials/{client_id}/disable", dependencies=admin_only)
    def disable(client_id: str) -> JSONResponse:
        return change(client_id, "disable")

    @app.post("/admin/credentials/{client_id}/enable", dependencies=admin_only)
    def enable(client_id: str) -> JSONResponse:
        return change(client_id, "enable")

    @app.delete("/admin/credentials/{client_id}", dependencies=admin_only)
    def delete(client_id: str) -> JSONResponse:
        return change(client_id, "delete")

    @app.post("/admin/keys/rotate", dependencies=admin_only)
    def rotate() -> Dict[str, Any]:
        key = svc.rotate_key()
        return {"active": key.kid, "published": [k.kid for k in svc.published_keys()]}

    @app.get("/admin/audit", dependencies=admin_only)
    def audit(limit: int = 100) -> Dict[str, Any]:
        return {"decisions": svc.store.audit_log(limit), "token_requests": svc.store.token_log(limit)}

    return app


async def _limited_body(request: Request, limit: int) -> bytes:
    """The request body, reading at most one byte past ``limit`` (enough for credgate to
    refuse an oversized body) rather than all of it."""
    chunks: List[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)[: limit + 1]


async def _body(request: Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory credgate_backend.app:app_from_env``."""
    return create_app(Settings.from_env())
