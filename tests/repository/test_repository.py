"""The repository as its users meet it: the licence, the changelog and security policy, the
packages' metadata and READMEs, and the Makefile's front door (`make help`, `make backend`).

Run by `make test-repo` with the project venv (pytest; the backend test needs the built
`credgate` extension, which `make build-python` installs).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_READMES = [ROOT / "python" / "README.md", ROOT / "wasm" / "README.md"]


def test_license_is_the_apache_2_0_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(text) > 10_000  # the whole text, not a pointer to it


def test_changelog_and_security_policy() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert re.search(r"^## \[\d+\.\d+\.\d+\] — \d{4}-\d{2}-\d{2}$", changelog, re.M)
    security = (ROOT / "SECURITY.md").read_text()
    assert "## Reporting a vulnerability" in security
    assert "## Supported versions" in security


def test_npm_package_metadata() -> None:
    package = json.loads((ROOT / "wasm" / "npm" / "package.json").read_text())
    assert package["license"] == "Apache-2.0"
    assert "github.com" in json.dumps(package["repository"])
    assert package["homepage"].startswith("https://")
    assert package.get("bugs")
    assert len(package["keywords"]) >= 3
    assert "LICENSE" in package["files"]


def test_python_package_metadata() -> None:
    project = tomllib.loads((ROOT / "python" / "pyproject.toml").read_text())["project"]
    license_ = project["license"]
    assert (license_ if isinstance(license_, str) else license_.get("text")) == "Apache-2.0"
    urls = {name.lower(): url for name, url in project["urls"].items()}
    assert urls.get("repository", "").startswith("https://")
    assert urls.get("homepage", "").startswith("https://")
    assert len(project["keywords"]) >= 3
    assert any(c.startswith("Programming Language :: Python :: 3") for c in project["classifiers"])
    assert any(c.startswith("Topic :: Security") for c in project["classifiers"])
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "python" / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()


def test_the_installed_python_package_ships_the_license() -> None:
    from importlib.metadata import distribution

    dist = distribution("credgate")
    assert dist.metadata["License-Expression"] == "Apache-2.0"
    shipped = [f for f in dist.files or [] if f.name == "LICENSE"]
    assert shipped and Path(str(shipped[0].locate())).read_text() == (ROOT / "LICENSE").read_text()


@pytest.mark.parametrize("readme", PACKAGE_READMES, ids=lambda p: p.parent.name)
def test_package_readmes_are_written_for_users(readme: Path) -> None:
    text = readme.read_text()
    install = "pip install credgate" if readme.parent.name == "python" else "npm install credgate"
    assert install in text
    # Usage, not the repository's workshop: no make targets, no benchmark logs.
    assert not re.search(r"(^|`|\$ )make [a-z]", text, re.M), "a make target in a package README"
    assert "µs" not in text and "ns/op" not in text, "benchmark figures in a package README"
    assert "BENCHMARKS.md" in text or "docs/" in text  # …which are one link away


def test_make_help_starts_with_demo_and_test() -> None:
    out = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    targets = [line.split(":")[0].strip() for line in out[1:]]
    assert targets[:2] == ["demo", "test"]
    assert "backend" in targets
    assert targets[2:] == sorted(targets[2:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_make_backend_runs_the_example_backend(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDGATE_") and not k.startswith("MAKE")}
    env["CREDGATE_DB"] = str(tmp_path / "backend.sqlite3")
    log = (tmp_path / "backend.log").open("w+")
    # Its own session, so the whole process group (make and the server it execs) stops by its id.
    proc = subprocess.Popen(["make", "--no-print-directory", "backend", f"BACKEND_PORT={port}",
                             f"BACKEND_DIR={tmp_path}"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        jwks = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/jwks.json", timeout=2) as r:
                    jwks = json.load(r)
                break
            except OSError:
                time.sleep(0.3)
        log.seek(0)
        output = log.read()
        assert jwks is not None, output
        assert jwks["keys"] and jwks["keys"][0]["alg"] == "EdDSA"
        token = output.split("admin token", 1)[1].splitlines()[1].strip()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/credentials",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as r:
            assert r.status == 200
        assert (tmp_path / "admin.txt").stat().st_mode & 0o077 == 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
