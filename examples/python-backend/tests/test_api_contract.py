"""The routes and members the console relies on (issue 13's backend/console contract), over
HTTP: who am I, the credentials list (filters, cursor, last use), reasons for disabling,
the audit of one credential, pagination of the protected lists, the RFC 8414 metadata and
the console served under a strict Content-Security-Policy."""

from __future__ import annotations

import http.client
import os
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest

from conftest import T0, Service, client, create, fetch, token_for

CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:;"
       " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def never_wait(service: Service) -> None:
    with service.admin() as alice:
        assert alice.put("/admin/approval-policy", json={"policy": "never"}).status_code == 200


def listed(service: Service, **params: Any) -> httpx.Response:
    with service.admin() as admin:
        return admin.get("/admin/credentials", params=params)


def ids(response: httpx.Response) -> List[str]:
    assert response.status_code == 200, response.text
    return [c["client_id"] for c in response.json()["credentials"]]


# -- who am I


def test_me_names_the_administrator(service: Service) -> None:
    with service.admin("alice") as alice, service.admin("bob") as bob:
        assert alice.get("/admin/me").json() == {"id": "alice", "role": "owner"}
        assert bob.get("/admin/me").json() == {"id": "bob", "role": "administrator"}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Basic {service.admin_tokens['alice']}"}):
        r = httpx.get(f"{service.url}/admin/me", headers=headers)
        assert (r.status_code, r.json()["error"]) == (401, "invalid_token"), headers
        assert r.headers["www-authenticate"] == 'Bearer realm="credgate-admin"'
    service.stop()
    service.start(CREDGATE_ADMINS="")
    r = httpx.get(f"{service.url}/admin/me", headers={"Authorization": f"Bearer {service.admin_tokens['alice']}"})
    assert (r.status_code, r.json()["error"]) == (503, "admin_disabled")


# -- the credentials list


def test_list_is_newest_first_filtered_and_paged(service: Service) -> None:
    never_wait(service)
    first = create(service)["client_id"]
    service.advance(10)
    prod = create(service, environment="production")["client_id"]
    service.advance(10)
    # Three created in the same second: ordered by client id, descending.
    same = sorted((create(service)["client_id"] for _ in range(3)), reverse=True)
    with service.admin() as admin:
        assert admin.post(f"/admin/credentials/{first}/disable").status_code == 200
    everything = [*same, prod, first]
    r = listed(service)
    assert ids(r) == everything and r.json()["next"] == {"after": None}
    view = r.json()["credentials"][-1]
    assert view["status"] == "disabled" and view["created_at"] == T0 and view["last_used_at"] is None
    assert set(view) >= {"client_id", "org", "name", "description", "permission_set_type", "permissions",
                         "ip_allowlist", "environment", "status", "created_at", "updated_at", "expires_at", "secrets"}
    assert all("sha256" not in s for s in view["secrets"])
    # Page by page, one at a time, across the equal creation times.
    seen: List[str] = []
    after = None
    while True:
        page = listed(service, limit=1, **({"after": after} if after else {}))
        seen += ids(page)
        after = page.json()["next"]["after"]
        if after is None:
            break
        assert after == seen[-1]
    assert seen == everything
    page = listed(service, limit=2)
    assert ids(page) == everything[:2] and page.json()["next"]["after"] == everything[1]
    assert ids(listed(service, limit=2, after=everything[1])) == everything[2:4]
    # Filters, alone and together with the cursor.
    assert ids(listed(service, status="disabled")) == [first]
    assert ids(listed(service, status="enabled")) == [*same, prod]
    assert ids(listed(service, status="deleted")) == []
    assert ids(listed(service, environment="production")) == [prod]
    assert ids(listed(service, environment="sandbox", status="enabled", after=same[0])) == same[1:]
    assert ids(listed(service, environment="sandbox", status="enabled", limit=500)) == same
    # Bad parameters: 400 invalid_request, never a 422 or a 500.
    unknown = "cid_" + "a" * 26
    for params in ({"status": "active"}, {"environment": "staging"}, {"limit": 0}, {"limit": 501},
                   {"limit": "ten"}, {"after": "not-a-cursor"}, {"after": unknown}):
        r = listed(service, **params)
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), params


def test_last_used_is_the_latest_token_or_call(service: Service) -> None:
    cred = create(service)
    cid = cred["client_id"]

    def last_used() -> Any:
        one = listed(service)
        with service.admin() as admin:
            single = admin.get(f"/admin/credentials/{cid}").json()
        assert one.json()["credentials"][0]["last_used_at"] == single["last_used_at"]
        return single["last_used_at"]

    assert last_used() is None
    service.advance(5)
    with client(service, cred) as c:
        fetch(c, service)  # a token issued at T0 + 5
        assert last_used() == T0 + 5
        service.advance(20)
        assert c.get("/v1/vaults").status_code == 200  # a call allowed at T0 + 25
        assert last_used() == T0 + 25
        service.advance(20)
        assert c.get("/v1/audit/decisions").status_code == 403  # a refused call is no use
    assert last_used() == T0 + 25
    service.advance(5)
    assert token_for(service, cid, cred["client_secret"]).status_code == 200
    assert last_used() == T0 + 50


# -- disabling with a reason, and one credential's audit


def test_disable_reason_is_stored_with_the_change(service: Service) -> None:
    cid = create(service)["client_id"]
    other = create(service)["client_id"]
    with service.admin() as admin:
        r = admin.post(f"/admin/credentials/{cid}/disable",
                       json={"reason": "compromised", "comment": "pasted in a `public` channel"})
        assert r.status_code == 200 and r.json()["status"] == "disabled"
        assert admin.post(f"/admin/credentials/{cid}/enable").status_code == 200
        assert admin.post(f"/admin/credentials/{cid}/disable").status_code == 200  # no body: no reason
        assert admin.post(f"/admin/credentials/{other}/disable", json={"reason": "unused"}).status_code == 200
        changes = admin.get("/admin/audit", params={"client_id": cid}).json()["credential_changes"]
        assert [(c["action"], c["detail"]) for c in changes] == [
            ("disable", None), ("enable", None),
            ("disable", {"reason": "compromised", "comment": "pasted in a `public` channel"})]
        everyone = admin.get("/admin/audit").json()["credential_changes"]
        assert everyone[0]["detail"] == {"reason": "unused", "comment": None}
        for reason in ("security_review", "other"):
            assert admin.post(f"/admin/credentials/{other}/enable").status_code == 200
            r = admin.post(f"/admin/credentials/{other}/disable", json={"reason": reason})
            assert r.status_code == 200, r.text
        assert admin.post(f"/admin/credentials/{other}/enable").status_code == 200
        for body in ({"reason": "bored"}, {"reason": 1}, {"comment": "x" * 501}, {"comment": 5},
                     {"reason": "other", "why": "?"}):
            r = admin.post(f"/admin/credentials/{other}/disable", json=body)
            assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), body
        r = admin.post(f"/admin/credentials/{other}/disable", content=b"[]", headers={"Content-Type": "application/json"})
        assert r.status_code == 400
        assert admin.get(f"/admin/credentials/{other}").json()["status"] == "enabled"  # refused: unchanged


def test_audit_of_one_credential(service: Service) -> None:
    one, two = create(service), create(service)
    for cred in (one, two):
        with client(service, cred) as c:
            fetch(c, service)
            assert c.get("/v1/vaults").status_code == 200
    assert token_for(service, one["client_id"], "cgs_wrong").status_code == 401
    with service.admin() as admin:
        assert admin.post(f"/admin/credentials/{two['client_id']}/disable").status_code == 200
        log = admin.get("/admin/audit", params={"client_id": one["client_id"]}).json()
        assert [d["client_id"] for d in log["decisions"]] == [one["client_id"]]
        assert [(t["client_id"], t["reason"]) for t in log["token_requests"]] == [
            (one["client_id"], "client.bad_secret"), (one["client_id"], "issued")]
        assert log["credential_changes"] == []
        assert [(a["action"], a["client_id"]) for a in log["admin_actions"]] == [("create", one["client_id"])]
        # Paged as before, within the credential.
        page = admin.get("/admin/audit", params={"client_id": one["client_id"], "limit": 1}).json()
        assert page["token_requests"][0]["reason"] == "client.bad_secret"
        older = admin.get("/admin/audit", params={"client_id": one["client_id"], "limit": 1,
                                                  "token_requests_before": page["next"]["token_requests_before"]})
        assert [t["reason"] for t in older.json()["token_requests"]] == ["issued"]
        assert admin.get("/admin/audit", params={"client_id": two["client_id"]}).json()["credential_changes"][0][
            "action"] == "disable"
        r = admin.get("/admin/audit", params={"client_id": "someone"})
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request")


# -- pagination of the protected lists


def test_protected_lists_are_paged(service: Service) -> None:
    cred = create(service, permissions=["vault:create:org", "vault:read:org", "key:create:org", "key:read:org",
                                        "audit:read:org"])
    with client(service, cred) as c:
        fetch(c, service)
        for v in ("v3", "v1", "v2"):
            assert c.post("/v1/vaults", json={"id": v}).status_code == 201
        for k in ("k2", "k1", "k3"):
            assert c.post("/v1/vaults/v1/keys", json={"id": k}).status_code == 201
        r = c.get("/v1/vaults", params={"limit": 2}).json()
        assert [v["id"] for v in r["vaults"]] == ["v1", "v2"] and r["next"] == {"after": "v2"}
        r = c.get("/v1/vaults", params={"limit": 2, "after": "v2"}).json()
        assert [v["id"] for v in r["vaults"]] == ["v3"] and r["next"] == {"after": None}
        assert c.get("/v1/vaults").json()["next"] == {"after": None}
        r = c.get("/v1/vaults/v1/keys", params={"limit": 1}).json()
        assert (r["vault"], r["keys"], r["next"]) == ("v1", ["k1"], {"after": "k1"})
        r = c.get("/v1/vaults/v1/keys", params={"after": "k1"}).json()
        assert (r["keys"], r["next"]) == (["k2", "k3"], {"after": None})
        first = c.get("/v1/audit/decisions", params={"limit": 2}).json()
        assert [d["path"] for d in first["decisions"]] == ["/v1/audit/decisions", "/v1/vaults/v1/keys"]
        before = first["next"]["before"]
        assert before == first["decisions"][-1]["id"]
        rest = c.get("/v1/audit/decisions", params={"before": before}).json()
        assert rest["next"] == {"before": None}
        # Every decision so far, once each (the next pages' own requests are newer).
        paged = [d["id"] for d in first["decisions"] + rest["decisions"]]
        assert paged == sorted(paged, reverse=True) and len(paged) == len(set(paged)) == 12
        for path, params in (("/v1/vaults", {"limit": 0}), ("/v1/vaults", {"limit": 501}),
                             ("/v1/vaults", {"after": "x" * 65}), ("/v1/vaults/v1/keys", {"limit": "all"}),
                             ("/v1/audit/decisions", {"limit": 0}), ("/v1/audit/decisions", {"before": "x"})):
            r = c.get(path, params=params)
            assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), (path, params)


def test_audit_feed_pages_only_the_callers_organisation(service: Service) -> None:
    mine = create(service, permissions=["vault:read:org", "audit:read:org"], permission_set_type="monitoring")
    theirs = create(service, org="org_b", permissions=["vault:read:org"], permission_set_type="monitoring")
    with client(service, theirs) as c:
        fetch(c, service)
        for _ in range(3):
            assert c.get("/v1/vaults").status_code == 200
    with client(service, mine) as c:
        fetch(c, service)
        assert c.get("/v1/vaults").status_code == 200
        got: List[Dict[str, Any]] = []
        params: Dict[str, Any] = {"limit": 1}
        for _ in range(10):
            page = c.get("/v1/audit/decisions", params=params).json()
            got += page["decisions"]
            if page["next"]["before"] is None:
                break
            params["before"] = page["next"]["before"]
    assert {d["org"] for d in got} == {"org_a"}
    assert [d["path"] for d in got][-1] == "/v1/vaults"


# -- RFC 8414


def test_authorization_server_metadata(service: Service) -> None:
    r = httpx.get(f"{service.url}/.well-known/oauth-authorization-server")
    assert r.status_code == 200
    meta = r.json()
    assert meta == {
        "issuer": "http://credgate.test",
        "token_endpoint": "http://credgate.test/oauth/token",
        "jwks_uri": "http://credgate.test/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": [],
    }
    # What it says is what the token endpoint does: both methods work, another grant does not.
    cred = create(service)
    for method in meta["token_endpoint_auth_methods_supported"]:
        with client(service, cred, method=method) as c:
            assert fetch(c, service)["token_type"] == "Bearer"
    r = httpx.post(f"{service.url}/oauth/token", data={"grant_type": "authorization_code", "code": "x"},
                   auth=(cred["client_id"], cred["client_secret"]))
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")


# -- the console


def console_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "console"
    folder.mkdir()
    (folder / "index.html").write_text('<!doctype html><script type="module" src="app.js"></script>')
    (folder / "app.js").write_text("export const x = 1;\n")
    (folder / "credgate.mjs").write_text("export default 1;\n")
    (folder / "console.css").write_text("body{}\n")
    (folder / "credgate_bg.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "secret.txt").write_text("outside the console folder")
    os.symlink(tmp_path / "secret.txt", folder / "link.txt")
    return folder


def raw_get(service: Service, target: str) -> http.client.HTTPResponse:
    """A GET of ``target`` exactly as written (httpx would resolve dot segments itself)."""
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    conn.request("GET", target)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def assert_console_headers(headers: Any) -> None:
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_console_served_with_a_strict_policy(service: Service, tmp_path: Path) -> None:
    folder = console_folder(tmp_path)
    service.stop()
    service.start(CREDGATE_CONSOLE_DIR=str(folder))
    r = httpx.get(f"{service.url}/")
    assert (r.status_code, r.headers["location"]) == (307, "/console/")
    r = httpx.get(f"{service.url}/console")
    assert (r.status_code, r.headers["location"]) == (307, "/console/")
    assert_console_headers(r.headers)
    r = httpx.get(f"{service.url}/console/")
    assert r.status_code == 200 and r.text.startswith("<!doctype html>")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert_console_headers(r.headers)
    for name, media_type in (("app.js", "text/javascript; charset=utf-8"),
                             ("credgate.mjs", "text/javascript; charset=utf-8"),
                             ("console.css", "text/css; charset=utf-8"), ("credgate_bg.wasm", "application/wasm")):
        r = httpx.get(f"{service.url}/console/{name}")
        assert (r.status_code, r.headers["content-type"]) == (200, media_type), name
        assert r.content == (folder / name).read_bytes()
        assert_console_headers(r.headers)
    r = httpx.get(f"{service.url}/console/missing.js")
    assert r.status_code == 404
    assert_console_headers(r.headers)
    # Nothing outside the folder: dot segments plain or encoded, and a symlink out of it.
    for target in ("/console/../secret.txt", "/console/%2e%2e/secret.txt", "/console/%2E%2E%2Fsecret.txt",
                   "/console/..%2fsecret.txt", "/console/link.txt", "/console/%2e%2e/console/../secret.txt"):
        response = raw_get(service, target)
        assert response.status != 200, target
    assert "outside" not in httpx.get(f"{service.url}/console/link.txt").text
    # The API is unchanged beside it, and carries no console policy.
    r = httpx.get(f"{service.url}/healthz")
    assert r.status_code == 200 and "content-security-policy" not in r.headers


def test_no_console_unless_configured(service: Service, tmp_path: Path) -> None:
    assert httpx.get(f"{service.url}/console/").status_code == 404
    assert httpx.get(f"{service.url}/").status_code == 404
    empty = tmp_path / "empty"
    empty.mkdir()
    service.stop()
    for folder in (empty, tmp_path / "absent"):
        with pytest.raises(RuntimeError, match="CREDGATE_CONSOLE_DIR must be a folder holding index.html"):
            service.start(CREDGATE_CONSOLE_DIR=str(folder))
