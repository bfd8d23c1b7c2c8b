"""Start the backend on 127.0.0.1 (``python -m credgate_backend``: uvicorn on a free port, a
subprocess) for each test, and the helpers the tests share."""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
import base64
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

import httpx
import pytest

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

BACKEND = Path(__file__).resolve().parents[1]
T0 = 1_800_000_000


def pytest_configure(config: pytest.Config) -> None:
    # Authlib 1.9 prefers the `httpx2` package and warns when it falls back to httpx 0.28, the
    # version this project pins (TOOLCHAIN.md); the fallback works, the warning is noise.
    config.addinivalue_line(
        "filterwarnings", "ignore:The httpx module is deprecated:authlib.deprecate.AuthlibDeprecationWarning"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """A running backend process, its settings, and helpers to drive it."""

    def __init__(self, tmp: Path) -> None:
        self.db = tmp / "backend.sqlite3"
        self.clock = tmp / "clock"
        self.clock.write_text(str(T0))
        # Two administrators, each with its own token; the service is told only the digests.
        self.admin_tokens = {"alice": secrets.token_urlsafe(32), "bob": secrets.token_urlsafe(32)}
        self.admins = ",".join(f"{who}:{role}:{hashlib.sha256(self.admin_tokens[who].encode()).hexdigest()}"
                               for who, role in (("alice", "owner"), ("bob", "administrator")))
        self.port = 0
        self.proc: Optional["subprocess.Popen[bytes]"] = None
        self.env: Dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_env: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(BACKEND),
            "CREDGATE_DB": str(self.db),
            "CREDGATE_CLOCK_FILE": str(self.clock),
            "CREDGATE_ADMINS": self.admins,
            "CREDGATE_ISSUER": "http://credgate.test",
            "CREDGATE_AUDIENCE": "wallet-api",
            **extra_env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "credgate_backend", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=str(BACKEND), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                raise RuntimeError(f"backend exited with {self.proc.returncode}:\n{out}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("backend did not start within 30 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def advance(self, seconds: int) -> None:
        self.clock.write_text(str(int(self.clock.read_text()) + seconds))

    def admin(self, who: str = "alice") -> httpx.Client:
        """An HTTP client of administrator ``who``: alice (owner) or bob (administrator)."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.admin_tokens[who]}"})


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[Service]:
    s = Service(tmp_path)
    s.start()
    try:
        yield s
    finally:
        s.stop()


WALLETS = ["vault:create:org", "vault:read:org", "key:create:org", "key:read:org", "balances:read:vault:v1"]


def create(service: Service, permissions: List[str] = WALLETS, allow: List[str] = ["127.0.0.1"],
           **extra: Any) -> Dict[str, Any]:
    """A new credential (org ``org_a`` unless ``org=`` says otherwise): the create response."""
    with service.admin() as admin:
        r = admin.post("/admin/credentials", json={
            "name": "Wallet service", "permission_set_type": "wallets", "permissions": permissions,
            "ip_allowlist": allow, "environment": "sandbox", "org": "org_a", **extra,
        })
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store" and r.json()["status"] == "active"
    return r.json()


def client(service: Service, cred: Dict[str, Any], secret: str = "", method: str = "client_secret_basic") -> OAuth2Client:
    # Imported here, after pytest_configure has silenced Authlib's httpx deprecation warning.
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(cred["client_id"], secret or cred["client_secret"],
                        token_endpoint_auth_method=method, base_url=service.url)


def fetch(c: OAuth2Client, service: Service) -> Dict[str, Any]:
    return dict(c.fetch_token(f"{service.url}/oauth/token", grant_type="client_credentials"))


def spec(permissions: List[str] = WALLETS, environment: str = "sandbox", **extra: Any) -> Dict[str, Any]:
    """A create body (org ``org_a``)."""
    return {"name": "Wallet service", "permission_set_type": "wallets", "permissions": permissions,
            "ip_allowlist": ["127.0.0.1"], "environment": environment, "org": "org_a", **extra}


def token_for(service: Service, client_id: str, secret: str) -> httpx.Response:
    """A token request with HTTP Basic (the raw response, success or refusal)."""
    return httpx.post(f"{service.url}/oauth/token", content=GRANT,
                      headers={**FORM, "Authorization": basic(client_id, secret)})


def basic(client_id: str, secret: str) -> str:
    """An ``Authorization: Basic`` value (RFC 6749 §2.3.1; the ids and secrets need no escaping)."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GRANT = b"grant_type=client_credentials"
