"""The backend over credgate's web integrations (issue 12): the FastAPI ``Security``
dependency's OpenAPI scheme, and the route guarded by the plain ASGI middleware."""

from __future__ import annotations

import httpx

from conftest import Service, client, create, fetch


def test_openapi_has_the_client_credentials_scheme(service: Service) -> None:
    doc = httpx.get(f"{service.url}/openapi.json").json()
    assert doc["components"]["securitySchemes"]["credgate"] == {
        "type": "oauth2", "description": "OAuth 2.0 client credentials (credgate)",
        "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}}}
    for path, method in (("/v1/vaults", "get"), ("/v1/vaults/{vault}/keys/{key}/balances", "get")):
        assert doc["paths"][path][method]["security"] == [{"credgate": []}], path
    assert "security" not in doc["paths"]["/healthz"]["get"]


def test_audit_feed_behind_the_asgi_middleware(service: Service) -> None:
    r = httpx.get(f"{service.url}/v1/audit/decisions")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="credgate"'
    assert r.json()["reason"] == "bearer.missing"
    wallets = create(service)
    with client(service, wallets) as c:
        fetch(c, service)
        assert c.get("/v1/vaults").status_code == 200
        r = c.get("/v1/audit/decisions")
    assert r.status_code == 403 and r.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    auditor = create(service, permissions=["audit:read:org"], permission_set_type="monitoring")
    with client(service, auditor) as c:
        fetch(c, service)
        r = c.get("/v1/audit/decisions")
    assert r.status_code == 200, r.text
    decisions = r.json()["decisions"]
    # Newest first: this request's own allow (recorded by the middleware), the wallet
    # client's refusal and allow; every one of organisation org_a.
    assert [(d["client_id"], d["reason"], d["path"]) for d in decisions[:3]] == [
        (auditor["client_id"], "allow", "/v1/audit/decisions"),
        (wallets["client_id"], "deny.no_matching_permission", "/v1/audit/decisions"),
        (wallets["client_id"], "allow", "/v1/vaults"),
    ]
    assert {d["org"] for d in decisions} == {"org_a"}
