"""Start the backend with uvicorn on 127.0.0.1 (a free port, a subprocess) for each test."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, Optional

import httpx
import pytest

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
        self.admin_token = secrets.token_urlsafe(24)
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
            "CREDGATE_ADMIN_TOKEN": self.admin_token,
            "CREDGATE_ISSUER": "http://credgate.test",
            "CREDGATE_AUDIENCE": "wallet-api",
            **extra_env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "credgate_backend.app:app_from_env", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
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

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.admin_token}"})


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[Service]:
    s = Service(tmp_path)
    s.start()
    try:
        yield s
    finally:
        s.stop()
