"""The credential lifecycle of issue 10 over HTTP: approvals by two administrator identities,
secret rotation with overlap, expiry, the published revocation list, usage and suggestions,
and hostile input. Time moves only through the clock file. (Version 1 records: test_migrations.py,
from a pre-Alembic database.)"""

from __future__ import annotations

from typing import Any, Dict, List

import credgate
import httpx
import jwt

from conftest import T0, WALLETS, Service, create, spec, token_for

REVOCATIONS = "/.well-known/credgate-revocations"


def token(service: Service, client_id: str, secret: str) -> str:
    r = token_for(service, client_id, secret)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def last_token_reason(service: Service) -> str:
    with service.admin() as admin:
        return str(admin.get("/admin/audit").json()["token_requests"][0]["reason"])


def bearer(access_token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


# -- approvals


def test_creation_waits_for_another_administrator(service: Service) -> None:
    with service.admin("alice") as alice, service.admin("bob") as bob:
        assert alice.get("/admin/approval-policy").json()["policy"] == "production"
        r = alice.post("/admin/credentials", json=spec(environment="production"))
        assert r.status_code == 202 and r.json()["status"] == "pending_approval", r.text
        assert r.headers["cache-control"] == "no-store"
        pending = r.json()
        cid, secret, change_id = pending["client_id"], pending["client_secret"], pending["change_id"]
        # Not a credential yet: no tokens, not listed.
        assert token_for(service, cid, secret).status_code == 401
        assert last_token_reason(service) == "client.unknown"
        assert alice.get(f"/admin/credentials/{cid}").status_code == 404
        listed = bob.get("/admin/changes")
        assert [c["id"] for c in listed.json()["changes"]] == [change_id]
        change = listed.json()["changes"][0]
        assert (change["kind"], change["state"], change["requested_by"]) == ("create", "pending", "alice")
        assert change["spec"]["environment"] == "production" and change["diff"] is None
        assert secret not in listed.text  # the approver never sees the secret
        assert secret not in service.db.read_bytes().decode("latin-1")  # nor is it stored
        # Nobody approves their own change.
        r = alice.post(f"/admin/changes/{change_id}/approve")
        assert (r.status_code, r.json()["error"]) == (403, "approval.self_approval")
        r = bob.post(f"/admin/changes/{change_id}/approve", json={"comment": "looks right"})
        assert r.status_code == 200 and (r.json()["state"], r.json()["decided_by"]) == ("approved", "bob")
        # The secret shown once to the requester now works.
        token(service, cid, secret)
        r = bob.post(f"/admin/changes/{change_id}/reject")
        assert (r.status_code, r.json()["error"]) == (409, "change.decided")
        assert bob.get("/admin/changes").json()["changes"] == []
        actions = alice.get("/admin/audit").json()["admin_actions"]
        approval = next(a for a in actions if a["action"] == "approve")
        assert (approval["admin"], approval["change_id"], approval["time"]) == ("bob", change_id, T0)
        assert approval["detail"]["requested_by"] == "alice"
        assert [a["action"] for a in actions][-1] == "request_create"


def test_narrowing_applies_at_once_and_widening_waits(service: Service) -> None:
    with service.admin("alice") as alice, service.admin("bob") as bob:
        r = alice.post("/admin/credentials", json=spec(environment="production"))
        cid, secret = r.json()["client_id"], r.json()["client_secret"]
        assert bob.post(f"/admin/changes/{r.json()['change_id']}/approve").status_code == 200
        # Narrowing: applied at once, whatever the environment.
        narrower = ["vault:read:org", "balances:read:vault:v1"]
        r = alice.patch(f"/admin/credentials/{cid}", json={"permissions": narrower})
        assert r.status_code == 200 and r.json()["status"] == "applied", r.text
        assert r.json()["diff"]["grants_new_access"] is False
        assert r.json()["credential"]["permissions"] == narrower
        # Widening: pending until another administrator approves.
        wider = narrower + ["key:read:org"]
        r = alice.patch(f"/admin/credentials/{cid}", json={"permissions": wider})
        assert r.status_code == 202 and r.json()["status"] == "pending_approval", r.text
        diff = r.json()["diff"]
        assert diff["grants_new_access"] is True and diff["permissions"]["added"] == ["key:read:org"]
        assert [f["code"] for f in diff["new_access"]] == ["diff.permission_not_covered"]
        change_id = r.json()["change_id"]
        assert alice.get(f"/admin/credentials/{cid}").json()["permissions"] == narrower
        assert jwt.decode(token(service, cid, secret), options={"verify_signature": False})["scope"] == " ".join(narrower)
        listed = bob.get("/admin/changes").json()["changes"][0]
        assert listed["before"]["permissions"] == narrower and listed["spec"]["permissions"] == wider
        assert listed["diff"] == diff
        assert alice.post(f"/admin/changes/{change_id}/approve").status_code == 403
        r = bob.post(f"/admin/changes/{change_id}/approve")
        assert r.status_code == 200 and r.json()["state"] == "approved"
        assert alice.get(f"/admin/credentials/{cid}").json()["permissions"] == wider
        assert jwt.decode(token(service, cid, secret), options={"verify_signature": False})["scope"] == " ".join(wider)
        # Rejected: nothing changes, and the rejection is in the log.
        r = bob.patch(f"/admin/credentials/{cid}", json={"ip_allowlist": ["127.0.0.1", "10.0.0.0/8"]})
        assert r.status_code == 202
        rejected = r.json()["change_id"]
        r = alice.post(f"/admin/changes/{rejected}/reject", json={"comment": "not needed"})
        assert (r.status_code, r.json()["state"], r.json()["decided_by"]) == (200, "rejected", "alice")
        assert alice.get(f"/admin/credentials/{cid}").json()["ip_allowlist"] == ["127.0.0.1"]
        assert alice.post(f"/admin/changes/{rejected}/approve").status_code == 409
        log = bob.get("/admin/audit").json()["admin_actions"][0]
        assert (log["action"], log["admin"], log["change_id"], log["detail"]["comment"]) == (
            "reject", "alice", rejected, "not needed")
        assert [c["id"] for c in bob.get("/admin/changes", params={"state": "rejected"}).json()["changes"]] == [rejected]
        # A widening requested against a spec that changed meanwhile is stale.
        r = alice.patch(f"/admin/credentials/{cid}", json={"permissions": wider + ["vault:create:org"]})
        stale = r.json()["change_id"]
        assert alice.patch(f"/admin/credentials/{cid}", json={"name": "Renamed service"}).json()["status"] == "applied"
        r = bob.post(f"/admin/changes/{stale}/approve")
        assert (r.status_code, r.json()["error"]) == (409, "change.stale")
        assert bob.get(f"/admin/changes/{stale}").json()["state"] == "pending"


def test_the_policy_is_the_owners_to_set(service: Service) -> None:
    with service.admin("alice") as alice, service.admin("bob") as bob:
        r = bob.put("/admin/approval-policy", json={"policy": "never"})
        assert (r.status_code, r.json()["error"]) == (403, "admin.owner_required")
        # production (default): a sandbox credential and its widening apply at once.
        cred = create(service)
        r = bob.patch(f"/admin/credentials/{cred['client_id']}", json={"permissions": WALLETS + ["audit:read:org"]})
        assert r.json()["status"] == "applied"
        # Moving it to production grants new access in production: pending.
        r = bob.patch(f"/admin/credentials/{cred['client_id']}", json={"environment": "production"})
        assert r.status_code == 202
        assert alice.put("/admin/approval-policy", json={"policy": "always"}).json() == {"policy": "always"}
        assert alice.post("/admin/credentials", json=spec()).status_code == 202
        assert alice.put("/admin/approval-policy", json={"policy": "never"}).status_code == 200
        assert alice.post("/admin/credentials", json=spec(environment="production")).status_code == 201
        assert bob.get("/admin/approval-policy").json()["policy"] == "never"
        log = alice.get("/admin/audit").json()["admin_actions"]
        assert [(a["action"], a["detail"]) for a in log if a["action"] == "set_policy"] == [
            ("set_policy", {"from": "always", "to": "never"}), ("set_policy", {"from": None, "to": "always"})]
    service.restart()  # the policy is stored
    with service.admin("bob") as bob:
        assert bob.get("/admin/approval-policy").json()["policy"] == "never"


# -- rotation, expiry


def test_rotation_with_overlap(service: Service) -> None:
    cred = create(service)
    cid, old = cred["client_id"], cred["client_secret"]
    with service.admin() as admin:
        r = admin.post(f"/admin/credentials/{cid}/rotate", json={"grace_seconds": 600})
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", r.text
        new = r.json()["client_secret"]
        assert new != old and r.json()["secret"] == 1
        assert [s["expires_at"] for s in r.json()["credential"]["secrets"]] == [T0 + 600, None]
        assert "sha256" not in r.text
        # A third secret while two are live: refused by the core.
        r = admin.post(f"/admin/credentials/{cid}/rotate", json={"grace_seconds": 0})
        assert (r.status_code, r.json()["error"]) == (409, "credential.secret_limit")
        service.advance(599)  # both secrets work during the grace period
        token(service, cid, old)
        service.advance(1)
        token(service, cid, new)
        secrets = admin.get(f"/admin/credentials/{cid}").json()["secrets"]
        assert [s["last_used_at"] for s in secrets] == [T0 + 599, T0 + 600]
        r = token_for(service, cid, old)  # the old one fails after it
        assert r.status_code == 401 and last_token_reason(service) == "client.bad_secret"
        findings = admin.get(f"/admin/credentials/{cid}/lint").json()["findings"]
        assert ("lint.secret_past_grace", "secrets[0]") in [(f["code"], f["path"]) for f in findings]
        # Retire the expired secret; the last one cannot go.
        r = admin.post(f"/admin/credentials/{cid}/secrets/5/revoke")
        assert (r.status_code, r.json()["error"]) == (404, "not_found")
        assert len(admin.post(f"/admin/credentials/{cid}/secrets/0/revoke").json()["secrets"]) == 1
        r = admin.post(f"/admin/credentials/{cid}/secrets/0/revoke")
        assert (r.status_code, r.json()["error"]) == (409, "credential.secret_required")
        token(service, cid, new)
        assert "lint.secret_past_grace" not in [f["code"] for f in admin.get(f"/admin/credentials/{cid}/lint").json()["findings"]]
        # Rotation is due after 90 days.
        service.advance(91 * 86400)
        codes = [f["code"] for f in admin.get(f"/admin/credentials/{cid}/lint").json()["findings"]]
        assert "lint.secret_rotation_due" in codes
        changes = [c["action"] for c in admin.get("/admin/audit").json()["credential_changes"]]
        assert changes == ["revoke_secret", "rotate_secret"]


def test_expiry(service: Service) -> None:
    cred = create(service, expires_at=T0 + 1800)
    cid, secret = cred["client_id"], cred["client_secret"]
    assert cred["credential"]["expires_at"] == T0 + 1800
    claims = jwt.decode(token(service, cid, secret), options={"verify_signature": False})
    assert (claims["iat"], claims["exp"]) == (T0, T0 + 1800)  # capped by the core at expires_at
    with service.admin() as admin:
        assert admin.put(f"/admin/credentials/{cid}/expiry", json={"expires_at": T0 + 100}).json()["expires_at"] == T0 + 100
        service.advance(100)
        assert token_for(service, cid, secret).status_code == 401
        assert last_token_reason(service) == "client.expired"
        r = admin.put(f"/admin/credentials/{cid}/expiry", json={"expires_at": T0})  # not later than now
        assert (r.status_code, r.json()["error"]) == (400, "input.invalid")
        assert admin.put(f"/admin/credentials/{cid}/expiry", json={"expires_at": None}).json()["expires_at"] is None
        claims = jwt.decode(token(service, cid, secret), options={"verify_signature": False})
        assert claims["exp"] == claims["iat"] + 3600


# -- the revocation list


def test_revocation_list_reaches_a_verifier(service: Service) -> None:
    cred = create(service)
    cid, secret = cred["client_id"], cred["client_secret"]
    old = token(service, cid, secret)
    r = httpx.get(f"{service.url}{REVOCATIONS}")
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=60"
    etag = r.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert httpx.get(f"{service.url}{REVOCATIONS}").content == r.content  # the same bytes for an epoch
    r304 = httpx.get(f"{service.url}{REVOCATIONS}", headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.headers["etag"] == etag and r304.content == b""
    jwks = httpx.get(f"{service.url}/.well-known/jwks.json").json()
    first = credgate.load_revocations(r.text, jwks=jwks, issuer="http://credgate.test")
    assert first.entries == ()
    with service.admin() as admin:
        assert admin.post(f"/admin/credentials/{cid}/disable").status_code == 200
    r2 = httpx.get(f"{service.url}{REVOCATIONS}", headers={"If-None-Match": etag})
    assert r2.status_code == 200 and r2.headers["etag"] != etag
    listed = credgate.load_revocations(r2.text, jwks=jwks, issuer="http://credgate.test", held_epoch=first.epoch)
    assert listed.epoch > first.epoch
    assert listed.entries == (credgate.RevokeClient(cid, T0 + 1),)  # same-second tokens covered
    # A verifier with the list refuses the old token; one without it accepts it until expiry.
    request = credgate.Request("vault", "read")
    with_list = credgate.Verifier(jwks, issuer="http://credgate.test", audience="wallet-api")
    with_list.load_revocations(r2.text)
    assert with_list.check(old, client_ip="127.0.0.1", request=request, now=T0 + 1).reason == "token.revoked"
    without = credgate.Verifier(jwks, issuer="http://credgate.test", audience="wallet-api")
    assert without.check(old, client_ip="127.0.0.1", request=request, now=T0 + 1).allowed
    assert httpx.get(f"{service.url}/v1/vaults", headers=bearer(old)).status_code == 200  # default: SPEC §5
    # The epoch only grows; an older list is refused by a verifier holding a newer one.
    try:
        with_list.load_revocations(r.text)
        raise AssertionError("a stale list was accepted")
    except credgate.RevocationsStale:
        pass
    with service.admin() as admin:
        admin.post(f"/admin/credentials/{cid}/enable")
        service.advance(1)  # a token of the disable's own second is revoked with it (not_before = t + 1)
        new = token(service, cid, secret)
        service.advance(1)
        admin.delete(f"/admin/credentials/{cid}")
    third = credgate.load_revocations(httpx.get(f"{service.url}{REVOCATIONS}").text, jwks=jwks,
                                      issuer="http://credgate.test")
    assert third.epoch > listed.epoch and third.entries == (credgate.RevokeClient(cid, T0 + 3),)
    assert with_list.check(new, client_ip="127.0.0.1", request=request, now=T0 + 2).allowed
    with_list.load_revocations(httpx.get(f"{service.url}{REVOCATIONS}").text)
    assert with_list.check(new, client_ip="127.0.0.1", request=request, now=T0 + 2).reason == "token.revoked"


def test_the_backend_can_use_its_own_list(service: Service) -> None:
    service.stop()
    service.start(CREDGATE_VERIFY_REVOCATIONS="1")
    cred = create(service)
    cid, secret = cred["client_id"], cred["client_secret"]
    before = token(service, cid, secret)
    assert httpx.get(f"{service.url}/v1/vaults", headers=bearer(before)).status_code == 200
    with service.admin() as admin:
        r = admin.post(f"/admin/credentials/{cid}/rotate", json={"compromised": True})
        assert r.status_code == 200
        after_rotation = r.json()["client_secret"]
        r = httpx.get(f"{service.url}/v1/vaults", headers=bearer(before))
        assert r.status_code == 401 and r.json()["reason"] == "token.revoked"
        assert token_for(service, cid, secret).status_code == 401  # no grace after a compromise
        service.advance(1)  # tokens of the next second are not revoked
        fresh = token(service, cid, after_rotation)
        assert httpx.get(f"{service.url}/v1/vaults", headers=bearer(fresh)).status_code == 200
        jti = jwt.decode(fresh, options={"verify_signature": False})["jti"]
        assert admin.post("/admin/tokens/revoke", json={"jti": jti}).json()["revoked"] is True
        assert httpx.get(f"{service.url}/v1/vaults", headers=bearer(fresh)).json()["reason"] == "token.revoked"
        # A narrowing revokes the tokens that carry the wider scope.
        service.advance(1)
        wide = token(service, cid, after_rotation)
        assert admin.patch(f"/admin/credentials/{cid}", json={"permissions": ["vault:read:org"]}).status_code == 200
        assert httpx.get(f"{service.url}/v1/vaults", headers=bearer(wide)).json()["reason"] == "token.revoked"


# -- usage and suggestions


def test_usage_counted_and_a_suggestion_that_grants_nothing_new(service: Service) -> None:
    cred = create(service, permissions=["vault:read:org", "key:read:org", "balances:read:org", "webhook:read:org"])
    cid = cred["client_id"]
    idle = create(service)
    access = bearer(token(service, cid, cred["client_secret"]))
    for _ in range(3):
        assert httpx.get(f"{service.url}/v1/vaults/v1", headers=access).status_code in (200, 404)
    service.advance(10)
    assert httpx.get(f"{service.url}/v1/vaults/v1/balances", headers=access).status_code == 200
    assert httpx.post(f"{service.url}/v1/vaults", json={"id": "v9"}, headers=access).status_code == 403  # denied
    with service.admin() as admin:
        r = admin.get(f"/admin/credentials/{cid}/usage")
        assert r.status_code == 200, r.text
        u = r.json()
        assert u["usage"] == [
            {"request": {"type": "balances", "action": "read", "vault": "v1"}, "last_at": T0 + 10, "count": 1},
            {"request": {"type": "vault", "action": "read", "vault": "v1"}, "last_at": T0, "count": 3},
        ]
        assert u["permissions"] == [
            {"permission": "vault:read:org", "last_used_at": T0, "count": 3},
            {"permission": "key:read:org", "last_used_at": None, "count": 0},
            {"permission": "balances:read:org", "last_used_at": T0 + 10, "count": 1},
            {"permission": "webhook:read:org", "last_used_at": None, "count": 0},
        ]
        unused = [f["path"] for f in u["findings"] if f["code"] == "lint.unused_permission"]
        assert unused == ["permissions[1]", "permissions[3]"]
        s = u["suggestion"]
        assert s["spec"]["permissions"] == ["vault:read:vault:v1", "balances:read:vault:v1"]
        assert sorted(s["removed"]) == ["key:read:org", "webhook:read:org"]
        assert s["diff"]["grants_new_access"] is False and s["diff"]["new_access"] == []
        # Applying the suggestion is a narrowing: at once, whatever the policy.
        assert admin.put("/admin/approval-policy", json={"policy": "always"}).status_code == 200
        r = admin.patch(f"/admin/credentials/{cid}", json={"permissions": s["spec"]["permissions"]})
        assert r.status_code == 200 and r.json()["status"] == "applied"
        # Never used at all: the advice is to disable it.
        assert admin.get(f"/admin/credentials/{idle['client_id']}/usage").json()["suggestion"]["unused_credential"] is True


# -- hostile input on every new route: 400/404/409, never 500


def test_hostile_input_on_the_new_routes(service: Service) -> None:
    cred = create(service)
    cid = cred["client_id"]
    huge = b'{"grace_seconds": "' + b"x" * (70 * 1024) + b'"}'
    bad_bodies: List[Any] = [b"[]", b"not json", b'{"a": 1, "a": 2}', huge, b"[" * 200_000]
    with service.admin("alice") as admin, service.admin("bob") as bob:
        routes = [("POST", f"/admin/credentials/{cid}/rotate"), ("PATCH", f"/admin/credentials/{cid}"),
                  ("PUT", f"/admin/credentials/{cid}/expiry"), ("PUT", "/admin/approval-policy"),
                  ("POST", "/admin/tokens/revoke"), ("POST", "/admin/changes/1/approve"),
                  ("POST", "/admin/changes/1/reject")]
        for method, path in routes:
            for body in bad_bodies:
                r = admin.request(method, path, content=body, headers={"Content-Type": "application/json"})
                assert r.status_code == 400, (method, path, body[:20], r.text)
                assert r.json()["error"] == "invalid_request"
        for body in ({"grace_seconds": "60"}, {"grace_seconds": True}, {"grace_seconds": 1.5},
                     {"grace_seconds": -1}, {"grace_seconds": 10**30}, {"grace_seconds": 31 * 86400},
                     {}, {"grace_seconds": 60, "extra": 1}, {"compromised": "yes"},
                     {"compromised": True, "grace_seconds": 60}):
            r = admin.post(f"/admin/credentials/{cid}/rotate", json=body)
            assert r.status_code == 400, (body, r.text)
        for body in ({"permissions": "vault:read:org"}, {"permissions": [1]}, {"environment": "prod"},
                     {"name": None}, {"owner": "me"}, {}, {"ip_allowlist": ["::1"]}, {"permissions": ["x"] * 101}):
            r = admin.patch(f"/admin/credentials/{cid}", json=body)
            assert r.status_code == 400, (body, r.text)
        assert "problems" in admin.patch(f"/admin/credentials/{cid}", json={"environment": "prod"}).json()
        for body in ({"expires_at": "tomorrow"}, {"expires_at": True}, {"expires_at": 10**30}, {},
                     {"expires_at": -1}, {"expires_at": 1.5}):
            assert admin.put(f"/admin/credentials/{cid}/expiry", json=body).status_code == 400, body
        for body in ({"policy": "sometimes"}, {"policy": 1}, {}, {"policy": "never", "x": 1}):
            assert admin.put("/admin/approval-policy", json=body).status_code == 400, body
        for body in ({"jti": ""}, {"jti": 5}, {"jti": "a b"}, {"jti": "x" * 129}):
            assert admin.post("/admin/tokens/revoke", json=body).status_code == 400, body
        for body in ({"expires_at": "soon"}, {"expires_at": 10**30}, {"expires_at": T0 - 1}):
            assert admin.post("/admin/credentials", json={**spec(), **body}).status_code == 400, body
        assert bob.post("/admin/changes/1/approve", json={"comment": "x" * 501}).status_code == 400
        assert bob.post("/admin/changes/1/approve", json={"comment": 5}).status_code == 400
        # Unknown ids: 404; ids out of range: 400.
        unknown = "cid_" + "a" * 26
        for method, path, body in (("POST", f"/admin/credentials/{unknown}/rotate", {"grace_seconds": 0}),
                                   ("PATCH", f"/admin/credentials/{unknown}", {"name": "Another name"}),
                                   ("PUT", f"/admin/credentials/{unknown}/expiry", {"expires_at": None}),
                                   ("POST", f"/admin/credentials/{unknown}/secrets/0/revoke", None),
                                   ("GET", f"/admin/credentials/{unknown}/usage", None),
                                   ("GET", f"/admin/credentials/{unknown}/lint", None),
                                   ("GET", f"/admin/credentials/{'x' * 5000}/usage", None),
                                   ("POST", "/admin/changes/999/approve", None),
                                   ("POST", "/admin/changes/999/reject", None),
                                   ("GET", "/admin/changes/999", None)):
            r = bob.request(method, path, json=body)
            assert (r.status_code, r.json()["error"]) == (404, "not_found"), (method, path, r.text)
        for path in ("/admin/changes/0", "/admin/changes/-1", "/admin/changes/abc", f"/admin/changes/{2**64}",
                     "/admin/changes?state=open", "/admin/changes?limit=0", "/admin/changes?before=x",
                     f"/admin/credentials/{cid}/usage?unused_after_days=0",
                     f"/admin/credentials/{cid}/usage?unused_after_days=x",
                     f"/admin/credentials/{cid}/lint?rotation_days=-1", f"/admin/audit?admin_actions_before={2**64}"):
            r = bob.get(path)
            assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), (path, r.text)
        for path in (f"/admin/credentials/{cid}/secrets/-1/revoke", f"/admin/credentials/{cid}/secrets/x/revoke",
                     f"/admin/credentials/{cid}/secrets/{2**40}/revoke"):
            assert bob.post(path).status_code == 400, path
        # A deleted credential changes no more: 409 from the core.
        assert admin.delete(f"/admin/credentials/{cid}").status_code == 200
        for method, path, body in (("POST", f"/admin/credentials/{cid}/rotate", {"grace_seconds": 0}),
                                   ("PATCH", f"/admin/credentials/{cid}", {"name": "Another name"}),
                                   ("PUT", f"/admin/credentials/{cid}/expiry", {"expires_at": None})):
            r = admin.request(method, path, json=body)
            assert (r.status_code, r.json()["error"]) == (409, "credential.deleted"), (path, r.text)
    # The new routes need an administrator, and the list needs nobody.
    for method, path in (("GET", "/admin/changes"), ("POST", "/admin/changes/1/approve"),
                         ("PUT", "/admin/approval-policy"), ("GET", f"/admin/credentials/{cid}/usage"),
                         ("POST", f"/admin/credentials/{cid}/rotate")):
        r = httpx.request(method, f"{service.url}{path}", headers={"Authorization": "Bearer " + "x" * 43})
        assert r.status_code == 401, path
    for value in ("*", 'W/"nope", *', '"a", "b"'):
        r = httpx.get(f"{service.url}{REVOCATIONS}", headers={"If-None-Match": value})
        assert r.status_code == (304 if "*" in value else 200), value
