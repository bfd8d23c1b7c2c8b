"""The conformance runner (`python -m credgate conformance`) and the typed API's agreement
with the façade on every vector."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import credgate
from credgate import _conformance
from conftest import SHARED, vector_dirs


def run(paths: List[str]) -> "tuple[int, str]":
    out = io.StringIO()
    code = _conformance.run(paths, out=out)
    return code, out.getvalue()


def write(tmp: Path, name: str, cases: List[Dict[str, Any]]) -> str:
    p = tmp / name
    p.write_text(json.dumps({"suite": name, "cases": cases}))
    return str(p)


PERM_OK = {"name": "ok", "op": "parse_permission", "input": {"text": "vault:read:org"},
           "expect": {"ok": True, "canonical": "vault:read:org"}}


def test_all_vectors_pass() -> None:
    dirs = [str(d) for d in vector_dirs()]
    assert dirs, "no vector folder found"
    code, text = run(dirs)
    assert code == 0, text
    last = text.strip().splitlines()[-1]
    assert last.startswith("python: ") and last.endswith(" passed, 0 failed")
    assert "had no typed form" in text


def test_cli_summary_and_exit_codes(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", [PERM_OK])
    p = subprocess.run([sys.executable, "-m", "credgate", "conformance", good],
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip().splitlines()[-1] == "python: 1 passed, 0 failed"
    bad = write(tmp_path, "bad.json", [{**PERM_OK, "name": "wrong", "expect": {"canonical": "x"}}])
    p = subprocess.run([sys.executable, "-m", "credgate", "conformance", good, bad],
                       capture_output=True, text=True)
    assert p.returncode == 1
    lines = p.stdout.strip().splitlines()
    assert lines[0].startswith(f"{bad}: wrong: expected {{\"canonical\":\"x\"}} got {{")
    assert lines[-1] == "python: 1 passed, 1 failed"
    p = subprocess.run([sys.executable, "-m", "credgate", "conformance"], capture_output=True, text=True)
    assert p.returncode == 2


def test_unknown_op_and_unreadable_files(tmp_path: Path) -> None:
    unknown = write(tmp_path, "unknown.json", [{"name": "x", "op": "fly", "input": {}, "expect": {}}])
    code, text = run([unknown])
    assert code == 1 and "unknown op 'fly'" in text and text.strip().endswith("0 passed, 1 failed")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, text = run([str(broken)])
    assert code == 1 and "cannot read" in text
    code, text = run([str(tmp_path / "missing")])
    assert code == 1 and "no such file" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    code, text = run([str(empty)])
    assert code == 1 and "python: 0 passed, 0 failed" in text


def test_subset_rules() -> None:
    m = _conformance.subset_matches
    assert m({"a": 1}, {"a": 1, "b": 2})
    assert not m({"a": 1}, {"a": True}) and not m({"a": True}, {"a": 1})
    assert not m({"a": [1, 2]}, {"a": [2, 1]})
    assert m({"near_misses": [1, 2]}, {"near_misses": [2, 1]})
    assert not m({"near_misses": [1]}, {"near_misses": [1, 1]})
    assert m({"errors": [{"code": "a"}, {"code": "b"}]},
             {"errors": [{"code": "b", "path": "x"}, {"code": "a", "path": "y"}]})
    assert not m({"errors": [{"code": "a"}, {"code": "a"}]},
                 {"errors": [{"code": "a"}, {"code": "b"}]})
    assert m({"findings": []}, {"findings": []}) and not m({"x": None}, {})
    assert m({"x": {"y": [{"z": 1}]}}, {"x": {"y": [{"z": 1, "w": 0}]}})


def _all_cases() -> List[Dict[str, Any]]:
    out = []
    for d in vector_dirs():
        for f in sorted(d.rglob("*.json")):
            out.extend(json.loads(f.read_text()).get("cases", []))
    return out


@pytest.mark.parametrize("case", _all_cases(), ids=lambda c: f"{c['op']}: {c['name']}")
def test_the_typed_api_gives_everything_the_facade_gives(case: Dict[str, Any]) -> None:
    """Not only `expect`: every member of the façade's wire output, `outcome` included, comes
    out of the typed API (returned or raised) the same. A binding that returned a failure,
    raised a refusal or dropped a member fails here."""
    typed, took_it = _conformance.run_case(case["op"], case["input"])
    facade = credgate.call(case["op"], case["input"])
    if facade["outcome"] == "failure":
        # A failure's message is for a person; a host may say it in its own terms (a str
        # given where JSON text or a time was expected): the code and details must agree.
        facade.pop("message")
    assert _conformance.subset_matches(facade, typed), (typed, facade)
    assert took_it or facade["outcome"] == "failure"


def test_almost_every_vector_has_a_typed_form() -> None:
    untyped = [c["name"] for c in _all_cases() if not _conformance.run_case(c["op"], c["input"])[1]]
    assert len(untyped) <= 5, untyped
