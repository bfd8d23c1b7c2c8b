"""A resource server (``CREDGATE_JWKS_URL``): the backend verifies tokens issued by another
backend with the keys it fetches from a JWKS URL (credgate.AsyncRemoteKeySet,
docs/REMOTE.md).

The issuer is one backend; the JWKS URL is a local server of the test, which serves the
issuer's JWKS, counts requests and can fail; the resource server is a second backend. Both
run on 127.0.0.1 with their own clock files, so time passes without sleeping.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, List, Optional

import httpx
import pytest

import credgate
from conftest import Service, create, token_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from credgate_backend.config import ConfigError, Settings  # noqa: E402


class JwksServer:
    """Serves ``body`` as a JWKS with ``max-age=60``, or 500 while ``failing``."""

    def __init__(self) -> None:
        self.body = b'{"keys": []}'
        self.failing = False
        self.requests = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.requests += 1
                    failing, body = server.failing, server.body
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0" if failing else str(len(body)))
                self.send_header("Cache-Control", "max-age=60")
                self.end_headers()
                if not failing:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def publish(self, issuer: Service) -> None:
        """Serve the issuer's current JWKS."""
        body = httpx.get(f"{issuer.url}/.well-known/jwks.json").content
        with self.lock:
            self.body = body

    def count(self) -> int:
        with self.lock:
            return self.requests

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture()
def jwks() -> Iterator[JwksServer]:
    s = JwksServer()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture()
def resource_server(tmp_path: Path, jwks: JwksServer) -> Iterator[Service]:
    (tmp_path / "rs").mkdir()
    s = Service(tmp_path / "rs")
    s.start(CREDGATE_JWKS_URL=jwks.url)
    try:
        yield s
    finally:
        s.stop()


def access_token(issuer: Service, cred: Any) -> str:
    r = token_for(issuer, cred["client_id"], cred["client_secret"])
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def vaults(rs: Service, token: str) -> httpx.Response:
    return httpx.get(f"{rs.url}/v1/vaults", headers={"Authorization": f"Bearer {token}"})


def jwks_status(rs: Service) -> Any:
    return httpx.get(f"{rs.url}/healthz").json()["jwks"]


def test_a_resource_server_verifies_with_the_fetched_keys(
    service: Service, resource_server: Service, jwks: JwksServer
) -> None:
    issuer, rs = service, resource_server
    jwks.publish(issuer)
    cred = create(issuer)
    token = access_token(issuer, cred)
    assert jwks.count() == 0  # nothing fetched before a token needs the keys
    for _ in range(5):
        assert vaults(rs, token).status_code == 200
    assert jwks.count() == 1
    assert jwks_status(rs)["state"] == "fresh"

    # The issuer rotates its key; tokens signed with the new kid reach the resource server
    # from 8 clients at once, after the unknown-key cooldown: one fetch picks it up.
    with issuer.admin() as admin:
        rotated = admin.post("/admin/keys/rotate").json()
    jwks.publish(issuer)
    new_token = access_token(issuer, cred)
    rs.advance(30)
    answers: List[Optional[int]] = [None] * 8

    def call(i: int) -> None:
        answers[i] = vaults(rs, new_token).status_code

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [200] * 8
    assert jwks.count() == 2
    assert jwks_status(rs)["kids"] == rotated["published"]

    # Tokens naming a kid nobody publishes: refused, and no refetch storm.
    stranger = credgate.SigningKey("k-unknown", b"\x05" * 32)
    spec = credgate.CredentialSpec(name="Wallet service", permission_set_type="wallets",
                                   permissions=["vault:read:org"], ip_allowlist=["127.0.0.1"],
                                   environment="sandbox")
    local = credgate.create_credential(spec, org="org_a", now=int(rs.clock.read_text()))
    forged = credgate.issue_token(local.credential, local.client_secret, client_ip="127.0.0.1",
                                  signing_key=stranger, issuer=rs.env["CREDGATE_ISSUER"],
                                  audience=rs.env["CREDGATE_AUDIENCE"], now=int(rs.clock.read_text()))
    assert isinstance(forged, credgate.TokenResponse)
    for _ in range(20):
        r = vaults(rs, forged.access_token)
        assert r.status_code == 401 and r.json()["reason"] == "token.unknown_key"
    assert jwks.count() == 2


def test_the_held_keys_survive_a_failing_jwks_url(
    service: Service, resource_server: Service, jwks: JwksServer
) -> None:
    issuer, rs = service, resource_server
    jwks.publish(issuer)
    token = access_token(issuer, create(issuer))
    assert vaults(rs, token).status_code == 200
    jwks.failing = True
    rs.advance(120)  # past max-age: stale, a refresh is due and fails
    assert vaults(rs, token).status_code == 200
    for _ in range(50):
        assert vaults(rs, token).status_code == 200
    status = jwks_status(rs)
    assert status["state"] == "stale" and status["failures"] >= 1
    assert status["last_error"] == "the key set URL answered 500"
    assert jwks.count() <= 3  # the first fetch, then retries only as the backoff allows
    # Past stale-if-error (a day): no usable keys is 503 with Retry-After, not 401.
    rs.advance(86_400)
    r = vaults(rs, token)
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "temporarily_unavailable"
    assert int(r.headers["retry-after"]) >= 1


def test_no_keys_yet_is_503(resource_server: Service, jwks: JwksServer, service: Service) -> None:
    jwks.failing = True
    token = access_token(service, create(service))
    r = vaults(resource_server, token)
    assert r.status_code == 503
    assert "none fetched yet" in r.json()["error_description"]


def test_the_setting_is_checked() -> None:
    assert Settings.from_env({"CREDGATE_JWKS_URL": "https://issuer.test/jwks"}).jwks_url == "https://issuer.test/jwks"
    assert Settings.from_env({}).jwks_url is None
    with pytest.raises(ConfigError):
        Settings.from_env({"CREDGATE_JWKS_URL": "ftp://issuer.test/jwks"})
    with pytest.raises(ConfigError):
        Settings.from_env({"CREDGATE_JWKS_URL": "https://issuer.test/jwks", "CREDGATE_VERIFY_REVOCATIONS": "1"})
