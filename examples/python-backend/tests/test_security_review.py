"""The findings of the security review (issue 9, item 5), one test each, driven over loopback.

Each test names the attack it replays; the service runs as in production
(``python -m credgate_backend``), with the clock file as its only test hook.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import httpx
import pytest
from authlib.integrations.httpx_client import OAuthError

from conftest import FORM, GRANT, Service, basic, client, create, fetch

TRUSTED_LOOPBACK_PROXY = {"CREDGATE_TRUST_PROXY": "1", "CREDGATE_TRUSTED_PROXIES": "127.0.0.1"}
MB = 1 << 20


def token_request(service: Service, client_id: str, secret: str, forwarded_for: str = "") -> httpx.Response:
    headers = {**FORM, "Authorization": basic(client_id, secret)}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.post(f"{service.url}/oauth/token", content=GRANT, headers=headers)


# -- 1. X-Forwarded-For: the address the trusted proxy appended, ambiguity refused


def test_forwarded_for_is_read_from_the_right_and_ambiguity_is_refused(service: Service) -> None:
    service.stop()
    service.start(**TRUSTED_LOOPBACK_PROXY)
    cred = create(service, allow=["198.51.100.0/24"])
    auth = basic(cred["client_id"], cred["client_secret"])
    two_lines = [("X-Forwarded-For", "198.51.100.20"), ("X-Forwarded-For", "192.0.2.1")]
    # The attack: the client sends an allowed address; the proxy adds its own line with the
    # real one. The first line used to win; now several lines are ambiguous: 400.
    r = httpx.post(f"{service.url}/oauth/token", content=GRANT,
                   headers=[*FORM.items(), ("Authorization", auth), *two_lines])
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), r.text
    assert "X-Forwarded-For" in r.json()["error_description"]
    # One line: the right-most entry that is not a trusted proxy is the client.
    assert token_request(service, cred["client_id"], cred["client_secret"], "198.51.100.20").status_code == 200
    r = token_request(service, cred["client_id"], cred["client_secret"], "198.51.100.20, 192.0.2.1")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
    r = token_request(service, cred["client_id"], cred["client_secret"], "192.0.2.1, 198.51.100.20, 127.0.0.1")
    assert r.status_code == 200  # 127.0.0.1 is the trusted proxy: skipped
    token = r.json()["access_token"]
    # Malformed entries are refused, not guessed at.
    for bad in ("198.51.100.20, not-an-ip", "198.51.100.20:443", "198.51.100.20,,", "unknown"):
        r = token_request(service, cred["client_id"], cred["client_secret"], bad)
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), bad
    # The same rules on the API.
    bearer = {"Authorization": f"Bearer {token}"}
    r = httpx.get(f"{service.url}/v1/vaults", headers=[*bearer.items(), *two_lines])
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    r = httpx.get(f"{service.url}/v1/vaults", headers={**bearer, "X-Forwarded-For": "198.51.100.20"})
    assert r.status_code == 200
    r = httpx.get(f"{service.url}/v1/vaults", headers={**bearer, "X-Forwarded-For": "198.51.100.20, 192.0.2.1"})
    assert (r.status_code, r.json()["reason"]) == (403, "deny.ip_not_allowed")


def test_forwarded_for_from_an_untrusted_peer_is_ignored(service: Service) -> None:
    cred = create(service, allow=["198.51.100.0/24"])
    # No proxy configured: the header is the client's word and counts for nothing (the
    # server's own proxy-header handling is off as well).
    r = token_request(service, cred["client_id"], cred["client_secret"], "198.51.100.20")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
    # A proxy is configured, but the request does not come from it.
    service.stop()
    service.start(CREDGATE_TRUST_PROXY="1", CREDGATE_TRUSTED_PROXIES="10.0.0.1")
    r = token_request(service, cred["client_id"], cred["client_secret"], "198.51.100.20")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
    # Trusting a proxy needs the list of proxies.
    service.stop()
    with pytest.raises(RuntimeError, match="CREDGATE_TRUSTED_PROXIES"):
        service.start(CREDGATE_TRUST_PROXY="1")
    with pytest.raises(RuntimeError, match="CREDGATE_TRUSTED_PROXIES"):
        service.start(CREDGATE_TRUSTED_PROXIES="10.0.0.0/33")


# -- 2. The token endpoint reads no more than MAX_BODY_BYTES


def _send_raw(service: Service, head: bytes, body_bytes: int) -> Tuple[int, bytes]:
    """Send ``head`` and then up to ``body_bytes`` bytes on one connection for as long as the
    server takes them; returns how many body bytes it took and what it answered."""
    chunk, sent, answer = b"x" * 65536, 0, b""
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as s:
        s.sendall(head)
        try:
            while sent < body_bytes:
                s.sendall(chunk)
                sent += len(chunk)
        except OSError:  # the server closed the connection (or stopped reading)
            pass
        try:
            while data := s.recv(65536):
                answer += data
        except OSError:
            pass
    return sent, answer


def _status_and_json(answer: bytes) -> Tuple[int, Dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    return status, json.loads(body[:length])


def test_token_body_is_read_only_up_to_the_limit(service: Service) -> None:
    total = 300 * MB
    consumed = 0

    def streamed() -> Iterator[bytes]:  # chunked: no Content-Length
        nonlocal consumed
        while consumed < total:
            consumed += 65536
            yield b"x" * 65536

    r = httpx.post(f"{service.url}/oauth/token", content=streamed(), headers=FORM, timeout=30)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    assert r.json()["error_description"] == "the body is larger than 16384 bytes"
    assert consumed < 32 * MB, f"the server read {consumed} bytes"
    # Content-Length over the limit: refused before a byte of the body is read.
    head = (f"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {total}\r\n\r\n").encode()
    sent, answer = _send_raw(service, head, total)
    assert sent < 32 * MB, f"the server read {sent} bytes"
    status, body = _status_and_json(answer)
    assert (status, body["error"]) == (400, "invalid_request")
    assert body["error_description"] == "the body is larger than 16384 bytes"
    # A lying Content-Length (small, then a flood): the declared bytes are the body, the
    # rest is not a request, and the connection ends.
    head = (b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n"
            b"grant_type=client_credentials")
    sent, answer = _send_raw(service, head, total)
    assert sent < 32 * MB, f"the server read {sent} bytes"
    status, body = _status_and_json(answer)
    assert (status, body["error"]) == (401, "invalid_client")
    assert httpx.get(f"{service.url}/healthz").status_code == 200


# -- 3. Client input is 400 (401 before authentication), never 500


def test_ids_outside_the_grammar_and_deep_json_are_client_errors(service: Service) -> None:
    long_id = "a" * 65
    paths = ["/v1/vaults/a%20b/balances", f"/v1/vaults/{long_id}", f"/v1/vaults/{long_id}/keys",
             f"/v1/vaults/v1/keys/{long_id}", f"/v1/vaults/v1/keys/{long_id}/balances"]
    for path in paths:  # authentication comes first
        r = httpx.get(f"{service.url}{path}")
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")
    cred = create(service)
    with client(service, cred) as c:
        fetch(c, service)
        for path in paths:
            r = c.get(path)
            assert r.status_code == 400, (path, r.text)
            assert (r.json()["error"], r.json()["reason"]) == ("invalid_request", "request.invalid")
        r = c.post("/v1/vaults", content=b"[" * 200_000)
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    deep_but_small = b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    just_too_deep = b'{"name": ' + b"[" * 128 + b"]" * 128 + b"}"  # 129 levels
    with service.admin() as admin:
        for body in (b"[" * 200_000, deep_but_small, just_too_deep, b'{"name": "a", "name": "b"}',
                     b"not json", b"[]", b'{"name": "\xff"}', b"{" * (2 * MB)):
            r = admin.post("/admin/credentials", content=body, headers={"Content-Type": "application/json"})
            assert r.status_code == 400, (body[:40], r.text)
            assert r.json()["error"] == "invalid_request"
        r = admin.get(f"/admin/credentials/{long_id}")
        assert r.status_code == 404


# -- 4. Token failures: bounded audit rows, a rate limit per client id and per address


def test_unknown_client_ids_are_not_stored_verbatim(service: Service) -> None:
    huge = "A" * 16000
    r = httpx.post(f"{service.url}/oauth/token", headers=FORM,
                   content=f"grant_type=client_credentials&client_id={huge}&client_secret=x".encode())
    assert r.status_code == 401
    well_formed = "cid_" + "a" * 26
    assert token_request(service, well_formed, "cgs_x").status_code == 401
    with service.admin() as admin:
        rows = admin.get("/admin/audit").json()["token_requests"]
    assert rows[0]["client_id"] == well_formed  # a well-formed id is kept as it is
    assert rows[1]["client_id"].startswith("malformed:sha256=") and len(rows[1]["client_id"]) <= 40
    assert "AAAA" not in service.db.read_bytes().decode("latin-1")


def test_failed_token_requests_are_rate_limited(service: Service) -> None:
    service.stop()
    service.start(**TRUSTED_LOOPBACK_PROXY)
    cred = create(service, allow=["198.51.100.0/24", "203.0.113.0/24"])
    cid, secret = cred["client_id"], cred["client_secret"]
    # Successes do not use the bucket.
    for i in range(15):
        assert token_request(service, cid, secret, "198.51.100.1").status_code == 200
    # Per client id: 10 failures, each from another address, then 429 even for the right secret.
    for i in range(10):
        assert token_request(service, cid, "cgs_wrong", f"198.51.100.{10 + i}").status_code == 401
    r = token_request(service, cid, secret, "198.51.100.99")
    assert r.status_code == 429 and r.headers["retry-after"] == "6"
    assert r.json()["error"] == "too_many_requests" and r.headers["cache-control"] == "no-store"
    service.advance(6)  # one attempt refilled
    assert token_request(service, cid, secret, "198.51.100.99").status_code == 200
    assert token_request(service, cid, "cgs_wrong", "198.51.100.99").status_code == 401
    assert token_request(service, cid, secret, "198.51.100.99").status_code == 429
    service.advance(60)  # full again
    assert token_request(service, cid, secret, "198.51.100.99").status_code == 200
    # Per address: 10 failures with any client ids (or none) from one address.
    for i in range(9):
        assert token_request(service, f"cid_{'b' * 25}{'abcdefghi'[i]}", "cgs_x", "203.0.113.7").status_code == 401
    r = httpx.post(f"{service.url}/oauth/token", content=GRANT, headers={**FORM, "X-Forwarded-For": "203.0.113.7"})
    assert r.status_code == 401  # no client authentication: a failure as well
    r = token_request(service, cid, secret, "203.0.113.7")
    assert (r.status_code, r.headers["retry-after"]) == (429, "6")
    assert token_request(service, cid, secret, "203.0.113.8").status_code == 200  # another address
    with service.admin() as admin:  # refused requests are not written to the audit table
        reasons = [t["reason"] for t in admin.get("/admin/audit", params={"limit": 500}).json()["token_requests"]]
    assert "rate_limited" not in reasons and len(reasons) == 15 + 10 + 1 + 1 + 1 + 10 + 1


# -- 5. /admin/audit: a bounded, paginated limit


def test_audit_limit_is_validated_and_paginated(service: Service) -> None:
    cred = create(service)
    with client(service, cred) as c:
        fetch(c, service)
        for _ in range(7):
            assert c.get("/v1/vaults").status_code == 200
    with service.admin() as admin:
        for bad in ("-1", "0", "501", "abc", "1.5", ""):
            r = admin.get("/admin/audit", params={"limit": bad})
            assert (r.status_code, r.json()["error"]) == (400, "invalid_request"), bad
        for bad in ("0", "-5", "x"):
            r = admin.get("/admin/audit", params={"decisions_before": bad})
            assert r.status_code == 400, bad
        page = admin.get("/admin/audit").json()
        assert len(page["decisions"]) == 7 and page["next"]["decisions_before"] is None
        assert admin.get("/admin/audit", params={"limit": 500}).status_code == 200
        seen: List[int] = []
        params: Dict[str, Any] = {"limit": 3}
        while True:
            page = admin.get("/admin/audit", params=params).json()
            seen += [d["id"] for d in page["decisions"]]
            assert len(page["decisions"]) <= 3
            if page["next"]["decisions_before"] is None:
                break
            params["decisions_before"] = page["next"]["decisions_before"]
    assert len(seen) == 7 and seen == sorted(seen, reverse=True) and len(set(seen)) == 7


# -- 6. A bad admin configuration stops the service from starting


def test_bad_admin_configuration_is_refused_at_start(tmp_path: Path) -> None:
    s = Service(tmp_path)
    digest = "ab" * 32
    try:
        for bad, says in ((f"alice:owner", "3 parts"), (f"alice:root:{digest}", "owner or administrator"),
                          ("alice:owner:" + "x" * 64, "SHA-256"), ("alice:owner:" + "AB" * 32, "SHA-256"),
                          (f"a b:owner:{digest}", "the id"), (f"alice:administrator:{digest}", "no admin has the role owner"),
                          (f"alice:owner:{digest},alice:administrator:{'cd' * 32}", "appears twice"),
                          (f"alice:owner:{digest},bob:administrator:{digest}", "same token digest")):
            with pytest.raises(RuntimeError) as e:
                s.start(CREDGATE_ADMINS=bad)
            assert "CREDGATE_ADMINS" in str(e.value) and says in str(e.value), (bad, str(e.value))
        # The former shared secret is refused with what to do instead (and never echoed).
        token = secrets.token_urlsafe(32)
        with pytest.raises(RuntimeError) as e:
            s.start(CREDGATE_ADMIN_TOKEN=token)
        assert "CREDGATE_ADMINS" in str(e.value) and "--new-admin" in str(e.value) and token not in str(e.value)
        s.start(CREDGATE_ADMINS="")  # unset is fine: the admin API is off (503)
        assert httpx.get(f"{s.url}/admin/credentials").status_code == 503
    finally:
        s.stop()


# -- 7. Lifecycle changes are atomic


def test_concurrent_lifecycle_changes_never_revive_a_deleted_credential(service: Service) -> None:
    actions = ["enable", "disable", "delete"] * 8
    for round_ in range(8):  # the old read-then-write lost about one round in three
        cred = create(service)
        cid = cred["client_id"]

        def change(action: str) -> Tuple[str, int]:
            with service.admin() as admin:
                r = (admin.delete(f"/admin/credentials/{cid}") if action == "delete"
                     else admin.post(f"/admin/credentials/{cid}/{action}"))
            return action, r.status_code

        random.Random(round_).shuffle(actions)
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(change, actions))
        assert {status for _, status in results} <= {200, 409}
        assert [a for a, status in results if status == 200].count("delete") == 1, results
        with service.admin() as admin:
            assert admin.get(f"/admin/credentials/{cid}").json()["status"] == "deleted"
            log = admin.get("/admin/audit", params={"limit": 500}).json()["credential_changes"]
        changes = [c for c in reversed(log) if c["client_id"] == cid]  # oldest first
        assert len(changes) == sum(status == 200 for _, status in results)
        assert [c["action"] for c in changes].count("delete") == 1 and changes[-1]["action"] == "delete"
        status = "enabled"
        for c in changes:  # every change starts from the state the one before left
            assert c["from_status"] == status, changes
            status = c["status"]
        assert status == "deleted"
        with client(service, cred) as c:
            with pytest.raises(OAuthError):
                fetch(c, service)


# -- 8. Key ids are unique within an organisation (SPEC §2)


def test_key_ids_are_unique_within_an_organisation(service: Service) -> None:
    owner = create(service)
    with client(service, owner) as c:
        fetch(c, service)
        for vault in ("vA", "vB"):
            assert c.post("/v1/vaults", json={"id": vault}).status_code == 201
        assert c.post("/v1/vaults/vA/keys", json={"id": "k1"}).status_code == 201
        r = c.post("/v1/vaults/vB/keys", json={"id": "k1"})
        assert (r.status_code, r.json()["error"]) == (409, "conflict"), r.text
        assert "unique within an organisation" in r.json()["error_description"]
        assert c.post("/v1/vaults/vA/keys", json={"id": "k1"}).status_code == 409
        assert c.get("/v1/vaults/vB/keys").json()["keys"] == []
    other = create(service, org="org_b")  # another organisation may use the same id
    with client(service, other) as c:
        fetch(c, service)
        assert c.post("/v1/vaults", json={"id": "vB"}).status_code == 201
        assert c.post("/v1/vaults/vB/keys", json={"id": "k1"}).status_code == 201
    # A key-scoped token for k1 (the wallet in vA) reads that wallet and nothing else.
    reader = create(service, permissions=["key:read:key:k1", "balances:read:key:k1"])
    with client(service, reader) as c:
        fetch(c, service)
        assert c.get("/v1/vaults/vA/keys/k1").status_code == 200
        assert c.get("/v1/vaults/vA/keys/k1/balances").status_code == 200
        assert c.get("/v1/vaults/vB/keys/k1").status_code == 404
        assert c.get("/v1/vaults/vB/keys/k1/balances").status_code == 404
