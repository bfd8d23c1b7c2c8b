"""Start the backend on 127.0.0.1 (``python -m credgate_backend``: uvicorn on a free port, a
subprocess) for each test, and the helpers the tests share.

Every test that takes ``service`` runs twice: on SQLite (a file in the test's folder) and on
PostgreSQL (a fresh database ``t_<n>`` of one server per test session, started here in a
temporary folder, on a Unix socket only, and stopped at the end). When PostgreSQL cannot
start, those runs fail and say why; ``CREDGATE_SKIP_POSTGRES=1`` turns them into skips (an
explicit choice, never a default)."""

from __future__ import annotations

import glob
import hashlib
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
import base64
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Union

import httpx
import pytest

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

BACKEND = Path(__file__).resolve().parents[1]
# The tests that open a Store themselves import the package from here, whatever the cwd.
if str(BACKEND) not in sys.path:
    sys.path.insert(0, str(BACKEND))
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


class PostgresServer:
    """A PostgreSQL server of Debian's ``postgresql`` package in a temporary folder: trust
    authentication, a Unix socket in that folder and no TCP listener. As root it runs as the
    ``postgres`` user (the server refuses root; TOOLCHAIN.md "PostgreSQL")."""

    def __init__(self) -> None:
        self.bin = self._bin_dir()
        self.as_root = os.geteuid() == 0
        # Not under pytest's tmp (mode 0700 folders of root): the postgres user must enter it.
        self.dir = Path(tempfile.mkdtemp(prefix="credgate-pg-"))
        self.data = self.dir / "data"
        self.user = "app"
        self._names = itertools.count(1)
        if self.as_root:
            shutil.chown(self.dir, user="postgres")

    @staticmethod
    def _bin_dir() -> Path:
        found = shutil.which("initdb")
        if found:
            return Path(found).resolve().parent
        for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
            return Path(candidate).parent
        raise RuntimeError("PostgreSQL is not installed (no `initdb` in PATH or /usr/lib/postgresql/*/bin):"
                           " run `make setup-postgres` (Debian's postgresql package)")

    def _run(self, *argv: str) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stdout.decode(errors='replace')}\n{tail}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8",
                  "--locale=C", "--no-sync")
        # fsync off: a test server, thrown away at the end; speed over durability.
        options = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off" \
                  " -c full_page_writes=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
                except (ValueError, ProcessLookupError):
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.dir}"

    def create_database(self) -> str:
        """A fresh, empty database: its URL."""
        import psycopg

        name = f"t_{next(self._names)}"
        with psycopg.connect(host=str(self.dir), user=self.user, dbname="postgres", autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")  # name: t_ and a counter
        return self.url(name)

    def dump(self, url: str) -> bytes:
        """Everything the database holds, as pg_dump's text (what a test searches for a secret)."""
        database = url.split("/")[3].split("?")[0]
        return subprocess.run([str(self.bin / "pg_dump"), "-h", str(self.dir), "-U", self.user, database],
                              check=True, stdout=subprocess.PIPE, timeout=60).stdout


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (each test takes its own database)."""
    try:
        server = PostgresServer()
    except (RuntimeError, LookupError) as e:  # LookupError: no `postgres` user to run it as
        if os.environ.get("CREDGATE_SKIP_POSTGRES") == "1":
            pytest.skip(f"CREDGATE_SKIP_POSTGRES=1: {e}")
        pytest.fail(f"PostgreSQL cannot run here: {e}", pytrace=False)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        server.stop()
        if os.environ.get("CREDGATE_SKIP_POSTGRES") == "1":
            pytest.skip(f"CREDGATE_SKIP_POSTGRES=1: PostgreSQL did not start: {e}")
        pytest.fail(f"PostgreSQL did not start: {e}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


class PostgresDatabase:
    """``Service.db`` on PostgreSQL: what the SQLite file's ``read_bytes`` gives there."""

    def __init__(self, server: PostgresServer, url: str) -> None:
        self.server, self.url = server, url

    def read_bytes(self) -> bytes:
        return self.server.dump(self.url)


class Service:
    """A running backend process, its settings, and helpers to drive it."""

    def __init__(self, tmp: Path, postgres: Optional[PostgresServer] = None, database_url: str = "") -> None:
        # ``db``: the SQLite file, or (PostgreSQL) an object whose read_bytes() dumps the database.
        self.db: Union[Path, PostgresDatabase] = tmp / "backend.sqlite3"
        self.database_url = database_url or f"sqlite:///{self.db}"
        if postgres is not None:
            self.database_url = database_url or postgres.create_database()
            self.db = PostgresDatabase(postgres, self.database_url)
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
        self.launch(**extra_env)
        self.wait_ready()

    def launch(self, **extra_env: str) -> None:
        """Start the process without waiting for it (``wait_ready`` waits)."""
        self.port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(BACKEND),
            "CREDGATE_DATABASE_URL": self.database_url,
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

    def wait_ready(self) -> None:
        assert self.proc is not None
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


@pytest.fixture(params=DATABASES)
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """A backend on a fresh database: SQLite, then PostgreSQL."""
    s = Service(tmp_path, request.getfixturevalue("postgres") if request.param == "postgresql" else None)
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
