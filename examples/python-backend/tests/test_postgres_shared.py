"""Two backend processes sharing one PostgreSQL database (issue 13, "several backend
processes then share one database, and the JWKS, the revocation list and usage are derived
from it"): started together on an empty database, a credential made through one gets a
token from the other, and a disable through one is refused a token by the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import credgate
import httpx

from conftest import T0, PostgresServer, Service, client, create, fetch, token_for

REVOCATIONS = "/.well-known/credgate-revocations"


def jwks(s: Service) -> Dict[str, Any]:
    return dict(httpx.get(f"{s.url}/.well-known/jwks.json").json())


def vaults(s: Service, access_token: str) -> int:
    return httpx.get(f"{s.url}/v1/vaults", headers={"Authorization": f"Bearer {access_token}"}).status_code


def test_two_processes_share_one_postgresql_database(postgres: PostgresServer, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = Service(tmp_path / "a", postgres)
    b = Service(tmp_path / "b", database_url=a.database_url)
    b.admin_tokens, b.admins, b.clock = a.admin_tokens, a.admins, a.clock  # one deployment, one clock
    try:
        # At once on an empty database: one migration, one first signing key, no errors.
        a.launch()
        b.launch()
        a.wait_ready()
        b.wait_ready()
        assert jwks(a) == jwks(b) and len(jwks(a)["keys"]) == 1

        cred = create(a)
        cid, secret = cred["client_id"], cred["client_secret"]
        with client(b, cred) as c:
            fetch(c, b)
            old = c.token["access_token"]
        assert vaults(a, old) == 200 and vaults(b, old) == 200
        with a.admin() as admin:  # B's calls are in the audit A reads: usage is the database's
            assert admin.get(f"/admin/credentials/{cid}/usage").json()["usage"][0]["count"] == 2
            assert admin.post(f"/admin/credentials/{cid}/disable").status_code == 200

        r = token_for(b, cid, secret)
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
        # The token B issued before still works at both (SPEC §5: until it expires) ...
        assert vaults(a, old) == 200 and vaults(b, old) == 200
        # ... and both publish the same signed list, which names the client.
        lists = [httpx.get(f"{s.url}{REVOCATIONS}") for s in (a, b)]
        assert lists[0].content == lists[1].content and lists[0].headers["etag"] == lists[1].headers["etag"]
        listed = credgate.load_revocations(lists[1].text, jwks=jwks(b), issuer="http://credgate.test")
        assert listed.entries == (credgate.RevokeClient(cid, T0 + 1),)

        # A key rotated through A is B's next signing key, and A verifies what B signs.
        with a.admin() as admin:
            rotated = admin.post("/admin/keys/rotate").json()["active"]
        assert jwks(a) == jwks(b) and {k["kid"] for k in jwks(b)["keys"]} >= {rotated}
        with a.admin() as admin:
            assert admin.post(f"/admin/credentials/{cid}/enable").status_code == 200
        b.advance(1)  # past the disable's second: a new token is not revoked with it
        with client(b, cred) as c:
            fetch(c, b)
            new = c.token["access_token"]
        assert vaults(a, new) == 200
    finally:
        a.stop()
        b.stop()
