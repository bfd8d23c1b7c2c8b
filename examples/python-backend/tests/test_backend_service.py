"""The example backend, driven over loopback by Authlib's OAuth 2.0 client-credentials client."""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest
from authlib.integrations.httpx_client import OAuthError
from jwt.algorithms import OKPAlgorithm

from conftest import WALLETS, Service, client, create, fetch


def test_token_obtained_and_used(service: Service) -> None:
    cred = create(service)
    for method in ("client_secret_basic", "client_secret_post"):
        with client(service, cred, method=method) as c:
            token = fetch(c, service)
            assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
            assert token["scope"].split(" ") == WALLETS
            assert c.post("/v1/vaults", json={"id": "v1", "name": "Main"}).status_code in (201, 409)
            assert c.get("/v1/vaults").json()["vaults"] == [{"id": "v1", "name": "Main"}]
            assert c.post("/v1/vaults/v1/keys", json={"id": f"k-{method[-5:]}"}).status_code == 201
            assert c.get("/v1/vaults/v1").json()["name"] == "Main"
            assert c.get("/v1/vaults/v1/balances").status_code == 200
            assert c.get(f"/v1/vaults/v1/keys/k-{method[-5:]}").status_code == 200
    # The §5.1 response headers.
    basic = base64.b64encode(f"{cred['client_id']}:{cred['client_secret']}".encode()).decode()
    r = httpx.post(f"{service.url}/oauth/token", data={"grant_type": "client_credentials"},
                   headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.headers["pragma"] == "no-cache"
    # One decision record per protected call, with the token's jti and the client.
    with service.admin() as admin:
        log = admin.get("/admin/audit").json()
    decisions = log["decisions"]
    assert len(decisions) == 12
    assert {d["client_id"] for d in decisions} == {cred["client_id"]}
    assert all(d["allowed"] and d["reason"] == "allow" and d["jti"] for d in decisions)
    assert decisions[0]["path"] == "/v1/vaults/v1/keys/k-_post" and decisions[0]["client_ip"] == "127.0.0.1"
    assert [t["granted"] for t in log["token_requests"]] == [True, True, True]


def test_wrong_secret(service: Service) -> None:
    cred = create(service)
    with client(service, cred, secret="cgs_wrong") as c:
        with pytest.raises(OAuthError) as e:
            fetch(c, service)
    assert e.value.error == "invalid_client"
    r = httpx.post(f"{service.url}/oauth/token", data={"grant_type": "client_credentials"},
                   auth=(cred["client_id"], "cgs_wrong"))
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert r.json()["error"] == "invalid_client" and "reason" not in r.json()
    r = httpx.post(f"{service.url}/oauth/token", data={"grant_type": "password"})
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")
    with service.admin() as admin:
        reasons = [t["reason"] for t in admin.get("/admin/audit").json()["token_requests"]]
    assert reasons == ["grant.unsupported", "client.bad_secret", "client.bad_secret"]


def test_disabled_credential_keeps_old_token_until_expiry(service: Service) -> None:
    cred = create(service)
    with client(service, cred) as c:
        fetch(c, service)
        assert c.get("/v1/vaults").status_code == 200
        with service.admin() as admin:
            assert admin.post(f"/admin/credentials/{cred['client_id']}/disable").json()["status"] == "disabled"
        # No new token...
        with client(service, cred) as c2:
            with pytest.raises(OAuthError) as e:
                fetch(c2, service)
            assert e.value.error == "invalid_client"
        # ...but the old one works until it expires (tokens never consult status).
        service.advance(3599)
        assert c.get("/v1/vaults").status_code == 200
        service.advance(1)
        r = c.get("/v1/vaults")
        assert r.status_code == 401 and r.json()["reason"] == "token.expired"
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
    with service.admin() as admin:
        assert admin.post(f"/admin/credentials/{cred['client_id']}/enable").json()["status"] == "enabled"
        with client(service, cred) as c3:
            fetch(c3, service)
        assert admin.delete(f"/admin/credentials/{cred['client_id']}").json()["status"] == "deleted"
        r = admin.post(f"/admin/credentials/{cred['client_id']}/enable")
        assert (r.status_code, r.json()["error"]) == (409, "credential.deleted")
    with client(service, cred) as c4:
        with pytest.raises(OAuthError):
            fetch(c4, service)


def test_ip_outside_the_allowlist(service: Service) -> None:
    far = create(service, allow=["203.0.113.0/24"])
    with client(service, far) as c:
        with pytest.raises(OAuthError) as e:
            fetch(c, service)
    assert e.value.error == "invalid_client"
    with service.admin() as admin:
        assert admin.get("/admin/audit").json()["token_requests"][0]["reason"] == "client.ip_not_allowed"


def test_ip_outside_the_allowlist_behind_a_proxy(service: Service) -> None:
    service.stop()
    service.start(CREDGATE_TRUST_PROXY="1", CREDGATE_TRUSTED_PROXIES="127.0.0.1")
    cred = create(service, allow=["127.0.0.1", "198.51.100.0/24"])
    with client(service, cred) as c:
        c.headers["X-Forwarded-For"] = "198.51.100.20"
        fetch(c, service)
        assert c.get("/v1/vaults").status_code == 200
        c.headers["X-Forwarded-For"] = "192.0.2.1"
        r = c.get("/v1/vaults")
    assert r.status_code == 403 and r.json()["reason"] == "deny.ip_not_allowed"
    assert r.json()["error"] == "insufficient_scope"


def test_insufficient_permission(service: Service) -> None:
    cred = create(service)
    with client(service, cred) as c:
        fetch(c, service)
        r = c.get("/v1/vaults/v2/balances")  # balances only in v1
    assert r.status_code == 403
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    body = r.json()
    assert body["error"] == "insufficient_scope" and body["reason"] == "deny.no_matching_permission"
    assert body["near_misses"] == ["balances:read:vault:v1"]
    with service.admin() as admin:
        last = admin.get("/admin/audit").json()["decisions"][0]
    assert (last["allowed"], last["status"], last["reason"]) == (False, 403, "deny.no_matching_permission")
    assert last["request"] == {"type": "balances", "action": "read", "vault": "v2"}


def test_missing_and_bad_tokens(service: Service) -> None:
    r = httpx.get(f"{service.url}/v1/vaults")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="credgate"'
    r = httpx.get(f"{service.url}/v1/vaults", headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401 and r.json()["reason"] == "token.malformed"


def test_restart_keeps_credentials(service: Service) -> None:
    cred = create(service)
    with client(service, cred) as c:
        fetch(c, service)
        old = c.token
    service.restart()
    with client(service, cred) as c:
        fetch(c, service)  # the stored digest still matches the secret shown once
        assert c.get("/v1/vaults").status_code == 200
    with client(service, cred) as c:
        c.token = old  # and a token issued before the restart still verifies
        assert c.get("/v1/vaults").status_code == 200
    with service.admin() as admin:
        listed = admin.get("/admin/credentials").json()["credentials"]
    assert [x["client_id"] for x in listed] == [cred["client_id"]]
    assert "secret_sha256" not in listed[0]
    assert cred["client_secret"] not in service.db.read_bytes().decode("latin-1")


def test_key_rotation(service: Service) -> None:
    cred = create(service)
    with client(service, cred) as c:
        fetch(c, service)
        old_kid = jwt.get_unverified_header(c.token["access_token"])["kid"]
        with service.admin() as admin:
            rotated = admin.post("/admin/keys/rotate").json()
        assert rotated["published"] == [rotated["active"], old_kid]
        assert c.get("/v1/vaults").status_code == 200  # old key still verifies
        with client(service, cred) as c2:
            fetch(c2, service)
            new_kid = jwt.get_unverified_header(c2.token["access_token"])["kid"]
            assert new_kid == rotated["active"] != old_kid  # new key signs
            jwks = httpx.get(f"{service.url}/.well-known/jwks.json").json()
            assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
            # An independent library verifies the new token with the published JWKS.
            jwk = next(k for k in jwks["keys"] if k["kid"] == new_kid)
            claims = jwt.decode(c2.token["access_token"], OKPAlgorithm.from_jwk(jwk), algorithms=["EdDSA"],
                                audience="wallet-api", options={"verify_exp": False, "verify_iat": False})
            assert claims["client_id"] == cred["client_id"]
            # After the retention (one token lifetime) the old key is unpublished.
            service.advance(3600)
            fetch(c2, service)
            assert [k["kid"] for k in httpx.get(f"{service.url}/.well-known/jwks.json").json()["keys"]] == [new_kid]
            assert c2.get("/v1/vaults").status_code == 200


def test_admin_api_is_protected(service: Service) -> None:
    assert httpx.get(f"{service.url}/admin/credentials").status_code == 401
    r = httpx.get(f"{service.url}/admin/credentials", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    with service.admin() as admin:
        r = admin.post("/admin/credentials", json={"name": "x", "permission_set_type": "wallets",
                                                   "permissions": [], "ip_allowlist": [], "environment": "prod"})
        assert r.status_code == 400
        codes = {p["code"] for p in r.json()["problems"]}
        assert codes == {"name.length", "permissions.empty", "ip.empty", "environment.unknown"}
        assert admin.get("/admin/credentials/cid_nope").status_code == 404
    service.stop()
    service.start(CREDGATE_ADMINS="")
    with service.admin() as admin:
        assert admin.get("/admin/credentials").status_code == 503


def test_repeated_token_request_headers_are_refused(service: Service) -> None:
    """The header lines reach credgate unjoined: a repeated Authorization is 400
    invalid_request (docs/DECISIONS.md), not a malformed Basic header."""
    cred = create(service)
    basic = "Basic " + base64.b64encode(f"{cred['client_id']}:{cred['client_secret']}".encode()).decode()
    r = httpx.post(f"{service.url}/oauth/token", content=b"grant_type=client_credentials",
                   headers=[("Content-Type", "application/x-www-form-urlencoded"),
                            ("Authorization", basic), ("authorization", basic)])
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    r = httpx.post(f"{service.url}/oauth/token", content=b"grant_type=client_credentials&" + b"x" * 20000,
                   headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    with service.admin() as admin:
        reasons = [t["reason"] for t in admin.get("/admin/audit").json()["token_requests"]]
    assert reasons == ["request.invalid", "request.invalid"]
