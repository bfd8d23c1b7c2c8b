"""credgate.fastapi: the Security dependency, its refusals, audit callback, client address
and OpenAPI scheme (issue 12). Before issue 12 there was no such module."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Tuple

import pytest

pytest.importorskip("fastapi")

from fastapi import FastAPI, Security  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

import credgate  # noqa: E402
from credgate.fastapi import Authorized, CredgateBearer, CredgateRefused  # noqa: E402
from conftest import AUDIENCE, IP_BAD, IP_OK, ISSUER, NOW  # noqa: E402

Audit = List[Tuple[Dict[str, Any], str]]


def make_app(guard: CredgateBearer, *, flat: bool = True) -> FastAPI:
    app = FastAPI()
    if flat:
        guard.install(app)

    @app.get("/v1/vaults")
    def vaults(auth: Authorized = Security(guard.require("vault", "read"))) -> Dict[str, Any]:
        return {"org": auth.claims.org, "matched": auth.decision.matched,
                "request": auth.request.to_dict()}

    @app.get("/v1/vaults/{vault}/balances")
    async def balances(
        vault: str, auth: Authorized = Security(guard.require("balances", "read", vault="vault"))
    ) -> Dict[str, Any]:
        return {"vault": vault, "claims": auth.claims}

    return app


@pytest.fixture()
def audit() -> Audit:
    return []


@pytest.fixture()
def guard(verifier: credgate.Verifier, audit: Audit) -> CredgateBearer:
    return CredgateBearer(
        verifier, now=lambda: NOW,
        on_decision=lambda record, request: audit.append((record, request.url.path)),
    )


def client(app: FastAPI, ip: str = IP_OK) -> TestClient:
    return TestClient(app, client=(ip, 50000))


def test_allowed_returns_the_decision_and_claims(guard: CredgateBearer, token: str,
                                                 audit: Audit) -> None:
    c = client(make_app(guard))
    r = c.get("/v1/vaults/vlt_1/balances", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["vault"] == "vlt_1" and r.json()["claims"]["org"] == "org_1"
    r = c.get("/v1/vaults", headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {"org": "org_1", "matched": "vault:read:org",
                        "request": {"type": "vault", "action": "read"}}
    assert [(rec["allowed"], rec["reason"], path) for rec, path in audit] == [
        (True, "allow", "/v1/vaults/vlt_1/balances"), (True, "allow", "/v1/vaults")]
    assert audit[0][0]["request"] == {"type": "balances", "action": "read", "vault": "vlt_1"}
    assert audit[0][0]["client_ip"] == IP_OK and audit[0][0]["jti"] == "jti-1"


@pytest.mark.parametrize(
    "path, header, ip, status, error, reason",
    [
        ("/v1/vaults", None, IP_OK, 401, "unauthorized", "bearer.missing"),
        ("/v1/vaults", "Bearer a b", IP_OK, 400, "invalid_request", "bearer.malformed"),
        ("/v1/vaults", "Bearer x.y.z", IP_OK, 401, "invalid_token", "token.malformed"),
        ("/v1/vaults", "Bearer {token}", IP_BAD, 403, "insufficient_scope", "deny.ip_not_allowed"),
        ("/v1/vaults/vlt_2/balances", "Bearer {token}", IP_OK, 403, "insufficient_scope",
         "deny.no_matching_permission"),
        ("/v1/vaults/bad%20id/balances", "Bearer {token}", IP_OK, 400, "invalid_request",
         "request.invalid"),
        # Authentication first: a bad id is 401 for a caller without a good token.
        ("/v1/vaults/bad%20id/balances", "Bearer x.y.z", IP_OK, 401, "invalid_token",
         "token.malformed"),
        ("/v1/vaults/bad%20id/balances", None, IP_OK, 401, "unauthorized", "bearer.missing"),
    ],
)
def test_refusals_carry_the_challenge_and_codes(
    guard: CredgateBearer, token: str, audit: Audit, path: str, header: Any, ip: str,
    status: int, error: str, reason: str,
) -> None:
    headers = {"Authorization": header.format(token=token)} if header else {}
    r = client(make_app(guard), ip).get(path, headers=headers)
    body = r.json()
    assert (r.status_code, body["error"], body["reason"]) == (status, error, reason), r.text
    assert body["error_description"]
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="credgate"')
    assert (f'error="{error}"' in challenge) == (error != "unauthorized")
    if reason == "deny.no_matching_permission":
        assert body["near_misses"] == ["balances:read:vault:vlt_1"]
    if reason != "request.invalid" and "bad%20id" not in path:
        assert audit and audit[-1][0]["reason"] == reason and not audit[-1][0]["allowed"]


def test_without_install_the_body_is_fastapis_detail(guard: CredgateBearer) -> None:
    r = client(make_app(guard, flat=False)).get("/v1/vaults")
    assert r.status_code == 401 and r.json()["detail"]["reason"] == "bearer.missing"
    assert r.headers["www-authenticate"] == 'Bearer realm="credgate"'


def test_refusal_exception_is_an_http_exception(guard: CredgateBearer) -> None:
    from fastapi import HTTPException

    assert issubclass(CredgateRefused, HTTPException)


def test_x_forwarded_for_is_not_trusted_by_default(guard: CredgateBearer, token: str) -> None:
    c = client(make_app(guard), ip="10.0.0.5")
    r = c.get("/v1/vaults", headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": IP_OK})
    assert (r.status_code, r.json()["reason"]) == (403, "deny.ip_not_allowed")


def test_trusted_proxies_give_the_forwarded_address(verifier: credgate.Verifier, token: str) -> None:
    guard = CredgateBearer(verifier, now=lambda: NOW,
                           trusted_proxies=credgate.TrustedProxies(["10.0.0.0/8"]))
    auth = {"Authorization": f"Bearer {token}"}
    proxied = client(make_app(guard), ip="10.0.0.5")
    assert proxied.get("/v1/vaults", headers={**auth, "X-Forwarded-For": f"{IP_OK}, 10.1.1.1"}).status_code == 200
    assert proxied.get("/v1/vaults", headers={**auth, "X-Forwarded-For": f"{IP_OK}, {IP_BAD}"}).status_code == 403
    r = proxied.get("/v1/vaults", headers={**auth, "X-Forwarded-For": "nonsense"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    # A peer that is not a trusted proxy cannot claim an address.
    direct = client(make_app(guard), ip=IP_BAD)
    assert direct.get("/v1/vaults", headers={**auth, "X-Forwarded-For": IP_OK}).status_code == 403
    with pytest.raises(credgate.InputError):
        credgate.TrustedProxies("10.0.0.0/8")  # type: ignore[arg-type]
    with pytest.raises(credgate.InputError):
        credgate.TrustedProxies(["not a network"])


def test_openapi_declares_the_bearer_scheme(guard: CredgateBearer) -> None:
    doc = make_app(guard).openapi()
    assert doc["components"]["securitySchemes"]["credgate"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An EdDSA access token issued by credgate"}
    assert doc["paths"]["/v1/vaults"]["get"]["security"] == [{"credgate": []}]
    assert doc["paths"]["/v1/vaults/{vault}/balances"]["get"]["security"] == [{"credgate": []}]


def test_openapi_declares_client_credentials(verifier: credgate.Verifier) -> None:
    guard = CredgateBearer(verifier, token_url="/oauth/token", scheme_name="oauth")
    doc = make_app(guard).openapi()
    scheme = doc["components"]["securitySchemes"]["oauth"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"] == {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}}
    assert doc["paths"]["/v1/vaults"]["get"]["security"] == [{"oauth": []}]


def test_misspelt_words_fail_when_the_route_is_declared(guard: CredgateBearer) -> None:
    with pytest.raises(credgate.RequestError):
        guard.require("vualt", "read")  # type: ignore[arg-type]
    with pytest.raises(credgate.InputError):
        CredgateBearer("not a verifier")  # type: ignore[arg-type]


def test_async_audit_and_verifier_provider(key: credgate.SigningKey, token: str) -> None:
    seen: List[str] = []
    built: List[int] = []

    async def on_decision(record: Dict[str, Any], request: Any) -> None:
        await asyncio.sleep(0)
        seen.append(record["reason"])

    def provider() -> credgate.Verifier:
        built.append(1)
        return credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)

    guard = CredgateBearer(provider, on_decision=on_decision, now=lambda: NOW)
    c = client(make_app(guard))
    assert c.get("/v1/vaults", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert c.get("/v1/vaults", headers={"Authorization": "Bearer x.y.z"}).status_code == 401
    assert seen == ["allow", "token.malformed"] and len(built) == 2


def test_remote_key_sets(key: credgate.SigningKey, token: str) -> None:
    from test_remote import JwksServer

    server = JwksServer()
    server.keys = [key]
    try:
        for remote in (
            credgate.RemoteKeySet(server.url, clock=lambda: NOW),
            credgate.AsyncRemoteKeySet(server.url, clock=lambda: NOW),
        ):
            v = credgate.Verifier(remote, issuer=ISSUER, audience=AUDIENCE)
            guard = CredgateBearer(v, now=lambda: NOW)
            r = client(make_app(guard)).get("/v1/vaults",
                                            headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
        assert server.count == 2
    finally:
        server.close()


def test_no_usable_keys_is_503(token: str) -> None:
    from test_remote import JwksServer

    server = JwksServer()
    server.mode = "500"
    try:
        remote = credgate.AsyncRemoteKeySet(server.url, clock=lambda: NOW)
        guard = CredgateBearer(credgate.Verifier(remote, issuer=ISSUER, audience=AUDIENCE),
                               now=lambda: NOW)
        r = client(make_app(guard)).get("/v1/vaults",
                                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 503 and r.json()["error"] == "temporarily_unavailable"
        assert r.json()["reason"] == "jwks.invalid" and int(r.headers["retry-after"]) >= 1
    finally:
        server.close()


@pytest.mark.parametrize(
    "path, header",
    [
        ("/v1/vaults/%ED%A0%80/balances", "Bearer {token}"),
        ("/v1/vaults/%00/balances", "Bearer {token}"),
        ("/v1/vaults/" + "v" * 5000 + "/balances", "Bearer {token}"),
        ("/v1/vaults/vlt_1/balances", "Bearer " + "A" * 100_000),
        ("/v1/vaults/vlt_1/balances", "Bearer \u00e9t\u00e9"),
    ],
)
def test_hostile_input_is_a_refusal_never_a_500(guard: CredgateBearer, token: str, path: str,
                                                header: str) -> None:
    c = client(make_app(guard))
    value = header.format(token=token) if "{token}" in header else header
    r = c.get(path, headers={"Authorization": value.encode("utf-8")})  # type: ignore[dict-item]
    assert r.status_code in (400, 401, 403), r.text
    assert r.json()["reason"] and r.headers["www-authenticate"].startswith("Bearer")
