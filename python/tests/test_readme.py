"""python/README.md's code runs as written (issue 12): the FastAPI app block is extracted
from the README and served, with a real token issued through the public API, so README and
code cannot drift. Also the package metadata PyPI shows."""

from __future__ import annotations

import json
import re
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List

import pytest

import credgate

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- The block below is run by python/tests/test_readme.py: keep it runnable. -->"


def python_blocks(text: str) -> List[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)


def fastapi_block() -> str:
    text = README.read_text(encoding="utf-8")
    assert MARKER in text
    after = text.split(MARKER, 1)[1]
    return python_blocks(after)[0]


def test_first_example_runs() -> None:
    first = python_blocks(README.read_text(encoding="utf-8"))[0]
    exec(compile(first, "README.md", "exec"), {"__name__": "readme"})


def test_fastapi_example_is_short_and_protects_the_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    code = fastapi_block()
    lines = code.strip("\n").splitlines()
    assert len(lines) < 15, f"the README's FastAPI app has {len(lines)} lines"

    # An issuer with one key, and a credential allowed to read one vault's balances.
    key = credgate.SigningKey.generate("k1")
    (tmp_path / "jwks.json").write_text(json.dumps(credgate.public_jwks([key])))
    spec = credgate.CredentialSpec(
        name="Balances reader", permission_set_type="wallets",
        permissions=["balances:read:vault:vlt_1"], ip_allowlist=["203.0.113.0/24"],
        environment="production",
    )
    new = credgate.create_credential(spec, org="org_1")
    answer = credgate.issue_token(
        new.credential, new.client_secret, client_ip="203.0.113.7", signing_key=key,
        issuer="https://auth.example", audience="https://api.example",
    )
    assert answer.ok

    monkeypatch.chdir(tmp_path)
    namespace: Dict[str, Any] = {"__name__": "readme_app"}
    exec(compile(code, "README.md", "exec"), namespace)
    client = TestClient(namespace["app"], client=("203.0.113.7", 50000))
    auth = {"Authorization": f"Bearer {answer.access_token}"}

    r = client.get("/v1/vaults/vlt_1/balances", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["vault"] == "vlt_1" and body["org"] == "org_1"
    assert body["claims"]["client_id"] == new.credential.client_id
    assert body["claims"]["exp"] > time.time()

    r = client.get("/v1/vaults/vlt_2/balances", headers=auth)
    assert r.status_code == 403
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    r = client.get("/v1/vaults/vlt_1/balances")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="credgate"'

    doc = namespace["app"].openapi()
    assert doc["components"]["securitySchemes"]["credgate"]["scheme"] == "bearer"
    assert doc["paths"]["/v1/vaults/{vault}/balances"]["get"]["security"] == [{"credgate": []}]


def test_package_metadata() -> None:
    meta = metadata.metadata("credgate")
    assert meta["License-Expression"] == "Apache-2.0"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert urls["Repository"] == "https://github.com/credgate/credgate"
    assert {"Homepage", "Documentation"} <= set(urls)
    assert "fastapi" in (meta["Keywords"] or "")
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and "Framework :: FastAPI" in classifiers
    # The README PyPI shows is the user guide: install, first example, FastAPI.
    assert "pip install credgate" in (meta["Description"] or meta.get_payload() or "")
