"""credgate.asgi: the framework-free middleware (issue 12), driven by httpx.ASGITransport
over a raw ASGI app and a Starlette app. Before issue 12 there was no such module."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional

import pytest

httpx = pytest.importorskip("httpx")

import credgate  # noqa: E402
from credgate.asgi import Authorized, CredgateMiddleware, Protect  # noqa: E402
from conftest import IP_BAD, IP_OK, NOW  # noqa: E402

ROUTES = [
    Protect("GET", "/v1/vaults/{vault}/balances", "balances", "read", vault="vault"),
    Protect("*", "/v1/vaults", "vault", "read"),
]


async def raw_app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    """Answers what the middleware left in scope["state"]."""
    auth: Optional[Authorized] = scope.get("state", {}).get("credgate")
    body = {
        "path": scope["path"],
        "org": auth.claims.org if auth else None,
        "request": auth.request.to_dict() if auth else None,
        "claims": dict(auth.claims) if auth else None,
    }
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": data})


def get(app: Any, path: str, headers: Optional[Dict[str, str]] = None, ip: str = IP_OK,
        method: str = "GET") -> Any:
    async def go() -> Any:
        transport = httpx.ASGITransport(app=app, client=(ip, 123))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.request(method, path, headers=headers or {})

    return asyncio.run(go())


def test_allowed_requests_reach_the_app_with_the_decision(verifier: credgate.Verifier,
                                                          token: str) -> None:
    records: List[Dict[str, Any]] = []
    app = CredgateMiddleware(raw_app, verifier, routes=ROUTES, now=lambda: NOW,
                             on_decision=lambda record, scope: records.append(record))
    auth = {"Authorization": f"Bearer {token}"}
    r = get(app, "/v1/vaults/vlt_1/balances", auth)
    assert r.status_code == 200 and r.json()["org"] == "org_1"
    assert r.json()["request"] == {"type": "balances", "action": "read", "vault": "vlt_1"}
    assert r.json()["claims"]["jti"] == "jti-1"
    assert get(app, "/v1/vaults", auth, method="POST").json()["request"]["type"] == "vault"
    # Not a configured route: untouched, no decision.
    r = get(app, "/healthz")
    assert r.status_code == 200 and r.json()["org"] is None
    assert [r["reason"] for r in records] == ["allow", "allow"]


@pytest.mark.parametrize(
    "path, header, ip, status, error, reason",
    [
        ("/v1/vaults", None, IP_OK, 401, "unauthorized", "bearer.missing"),
        ("/v1/vaults", "Bearer x.y.z", IP_OK, 401, "invalid_token", "token.malformed"),
        ("/v1/vaults", "Bearer {token}", IP_BAD, 403, "insufficient_scope", "deny.ip_not_allowed"),
        ("/v1/vaults/vlt_9/balances", "Bearer {token}", IP_OK, 403, "insufficient_scope",
         "deny.no_matching_permission"),
        ("/v1/vaults/bad%20id/balances", "Bearer {token}", IP_OK, 400, "invalid_request",
         "request.invalid"),
        ("/v1/vaults/bad%20id/balances", None, IP_OK, 401, "unauthorized", "bearer.missing"),
    ],
)
def test_refusals_are_answered_by_the_middleware(
    verifier: credgate.Verifier, token: str, path: str, header: Any, ip: str, status: int,
    error: str, reason: str,
) -> None:
    reached: List[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await raw_app(scope, receive, send)

    mw = CredgateMiddleware(app, verifier, routes=ROUTES, now=lambda: NOW)
    headers = {"Authorization": header.format(token=token)} if header else {}
    r = get(mw, path, headers, ip=ip)
    assert (r.status_code, r.json()["error"], r.json()["reason"]) == (status, error, reason)
    assert r.headers["content-type"] == "application/json"
    assert r.headers["www-authenticate"].startswith('Bearer realm="credgate"')
    assert reached == []


def test_forwarded_for_only_from_trusted_proxies(verifier: credgate.Verifier, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}", "X-Forwarded-For": IP_OK}
    plain = CredgateMiddleware(raw_app, verifier, routes=ROUTES, now=lambda: NOW)
    assert get(plain, "/v1/vaults", auth, ip="10.0.0.5").status_code == 403
    proxied = CredgateMiddleware(raw_app, verifier, routes=ROUTES, now=lambda: NOW,
                                 trusted_proxies=credgate.TrustedProxies(["10.0.0.5"]))
    assert get(proxied, "/v1/vaults", auth, ip="10.0.0.5").status_code == 200
    assert get(proxied, "/v1/vaults", auth, ip=IP_BAD).status_code == 403


def test_starlette_app_reads_request_state(verifier: credgate.Verifier, token: str) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def balances(request: Request) -> JSONResponse:
        auth: Authorized = request.state.credgate
        return JSONResponse({"vault": request.path_params["vault"], "org": auth.claims.org})

    app = Starlette(routes=[Route("/v1/vaults/{vault}/balances", balances)])
    app.add_middleware(CredgateMiddleware, verifier=verifier, routes=ROUTES, now=lambda: NOW)
    r = get(app, "/v1/vaults/vlt_1/balances", {"Authorization": f"Bearer {token}"})
    assert r.json() == {"vault": "vlt_1", "org": "org_1"}
    assert get(app, "/v1/vaults/vlt_1/balances").status_code == 401


def test_rules_are_checked_when_declared() -> None:
    with pytest.raises(credgate.InputError):
        Protect("GET", "/v1/vaults/{id}", "vault", "read", vault="vault")
    with pytest.raises(credgate.InputError):
        Protect("GET", "v1/vaults", "vault", "read")
    with pytest.raises(credgate.RequestError):
        Protect("GET", "/v1/vaults", "vualt", "read")  # type: ignore[arg-type]
    rule = Protect("GET", "/v1/vaults/{vault}", "vault", "read", vault="vault")
    assert rule.match("GET", "/v1/vaults/v1") == {"vault": "v1"}
    assert rule.match("GET", "/v1/vaults/v1/keys") is None
    assert rule.match("POST", "/v1/vaults/v1") is None
