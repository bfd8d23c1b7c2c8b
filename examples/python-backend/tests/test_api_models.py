"""Bodies as pydantic models, over HTTP: /openapi.json documents every request body and the
two security schemes; a JSON type error is 400 invalid_request naming the member's path,
while what credgate judges in a spec stays credgate's invalid_spec problems."""

from __future__ import annotations

import re
from typing import Any, Dict

import credgate
import httpx
import pytest

from conftest import Service, create, spec

BODIES = {("/admin/credentials", "post"): "CreateCredential",
          ("/admin/credentials/{client_id}", "patch"): "UpdateCredential",
          ("/admin/credentials/{client_id}/rotate", "post"): "RotateSecret",
          ("/admin/credentials/{client_id}/disable", "post"): "Disable",
          ("/admin/changes/{change_id}/approve", "post"): "Decide",
          ("/admin/changes/{change_id}/reject", "post"): "Decide",
          ("/admin/credentials/{client_id}/expiry", "put"): "SetExpiry",
          ("/admin/approval-policy", "put"): "SetPolicy",
          ("/admin/tokens/revoke", "post"): "RevokeToken",
          ("/v1/vaults", "post"): "CreateVault",
          ("/v1/vaults/{vault}/keys", "post"): "CreateKey"}


def test_openapi_documents_bodies_and_security(service: Service) -> None:
    r = httpx.get(f"{service.url}/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["AdminToken"]["type"] == "http" and schemes["AdminToken"]["scheme"] == "bearer"
    assert schemes["credgate"]["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    schemas = doc["components"]["schemas"]
    for (path, method), model in BODIES.items():
        operation = doc["paths"][path][method]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{model}"}, path
        assert schemas[model]["additionalProperties"] is False, model
        assert "422" not in operation["responses"] and "400" in operation["responses"], path
    assert set(schemas["CreateCredential"]["properties"]) == {
        "name", "description", "permission_set_type", "permissions", "ip_allowlist", "environment", "org",
        "expires_at"}
    assert schemas["Disable"]["properties"]["reason"]["anyOf"][0]["enum"] == [
        "compromised", "unused", "security_review", "other"]
    # Every reference resolves; the admin routes ask for the admin token, the API for credgate's.
    for ref in set(re.findall(r'"#/components/schemas/(\w+)"', r.text)):
        assert ref in schemas, ref
    assert doc["paths"]["/admin/credentials"]["get"]["security"] == [{"AdminToken": []}]
    assert doc["paths"]["/admin/me"]["get"]["security"] == [{"AdminToken": []}]
    assert doc["paths"]["/v1/vaults"]["post"]["security"] == [{"credgate": []}]
    created = doc["paths"]["/admin/credentials"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Created"}
    assert httpx.get(f"{service.url}/docs").status_code == 200


@pytest.mark.parametrize("body, path", [
    ({"name": 5}, "name"),
    ({"permissions": ["vault:read:org", 7]}, "permissions[1]"),
    ({"permissions": "vault:read:org"}, "permissions"),
    ({"ip_allowlist": [None]}, "ip_allowlist[0]"),
    ({"expires_at": "tomorrow"}, "expires_at"),
    ({"expires_at": 1.5}, "expires_at"),
    ({"expires_at": True}, "expires_at"),
    ({"org": 3}, "org"),
    ({"org": None}, "org"),
    ({"owner": "me"}, "owner"),
])
def test_a_type_error_names_the_member(service: Service, body: Dict[str, Any], path: str) -> None:
    with service.admin() as admin:
        r = admin.post("/admin/credentials", json={**spec(), **body})
    assert (r.status_code, r.json()["error"], r.json()["path"]) == (400, "invalid_request", path), r.text
    assert f"`{path}`" in r.json()["error_description"]


def test_what_credgate_judges_stays_credgates(service: Service) -> None:
    bad = {"name": "abc", "description": "x", "permission_set_type": "wallet", "permissions": ["vault:fly:org"],
           "ip_allowlist": ["::1", "300.1.1.1"], "environment": "prod"}
    expected = [p.to_dict() for p in credgate.validate_spec(credgate.CredentialSpec.from_dict(bad)).errors]
    assert len(expected) >= 5
    with service.admin() as admin:
        r = admin.post("/admin/credentials", json={**bad, "org": "org_a"})
        assert (r.status_code, r.json()["error"]) == (400, "invalid_spec")
        assert r.json()["problems"] == expected
        # Missing members too are the core's problems, not the model's.
        r = admin.post("/admin/credentials", json={})
        assert (r.status_code, r.json()["error"]) == (400, "invalid_spec")
        assert {p["path"] for p in r.json()["problems"]} >= {"name", "permissions", "ip_allowlist"}
    # Permissions as the console's editor sends them: objects of type, action, scope, resource.
    cred = create(service, permissions=[{"type": "vault", "action": "read", "scope": "org"},
                                        {"type": "balances", "action": "read", "scope": "vault", "resource": "v1"}])
    assert cred["credential"]["permissions"] == ["vault:read:org", "balances:read:vault:v1"]
    assert cred["credential"]["last_used_at"] is None


def test_update_and_other_bodies(service: Service) -> None:
    cid = create(service)["client_id"]
    with service.admin("alice") as alice, service.admin("bob") as bob:
        r = alice.patch(f"/admin/credentials/{cid}", json={"name": 12})
        assert (r.status_code, r.json()["path"]) == (400, "name")
        r = alice.patch(f"/admin/credentials/{cid}", json={"name": None})  # the core: a name is required
        assert (r.status_code, r.json()["error"]) == (400, "invalid_spec")
        r = alice.patch(f"/admin/credentials/{cid}", json={"description": "Pays the wallets"})
        assert r.status_code == 200 and r.json()["credential"]["description"] == "Pays the wallets"
        assert r.json()["credential"]["name"] == "Wallet service"  # the members not sent stay
        r = alice.post(f"/admin/credentials/{cid}/rotate", json={"grace_seconds": "60"})
        assert (r.status_code, r.json()["path"]) == (400, "grace_seconds")
        r = alice.post(f"/admin/credentials/{cid}/rotate", json={"compromised": 1})
        assert (r.status_code, r.json()["path"]) == (400, "compromised")
        r = alice.post(f"/admin/credentials/{cid}/disable", json={"reason": "bored"})
        assert (r.status_code, r.json()["path"]) == (400, "reason")
        assert "compromised" in r.json()["error_description"]
        r = alice.put("/admin/approval-policy", json={"policy": "sometimes"})
        assert (r.status_code, r.json()["path"]) == (400, "policy")
        r = alice.put(f"/admin/credentials/{cid}/expiry", json={})
        assert (r.status_code, r.json()["path"]) == (400, "expires_at")
        r = bob.post("/admin/changes/1/approve", json={"comment": ["no"]})
        assert (r.status_code, r.json()["path"]) == (400, "comment")
        # A duplicate member is refused, not silently resolved to the last one.
        r = alice.post(f"/admin/credentials/{cid}/disable", content=b'{"reason": "unused", "reason": "other"}',
                       headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
        assert "duplicate member `reason`" in r.json()["error_description"]
    # Authentication comes before the body: no token, a bad body, still 401.
    r = httpx.put(f"{service.url}/admin/approval-policy", content=b"not json")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="credgate-admin"'
