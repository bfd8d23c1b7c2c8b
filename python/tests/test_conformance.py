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


def test_cli_summary_and_exit_codes(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", [PERM_OK])
    p = subprocess.run([sys.executable, "-m", "credgate", "conformance", good],
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "python: 1 passed, 0 failed"
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


def _cases(op: str) -> List[Dict[str, Any]]:
    out = []
    for d in vector_dirs():
        for f in sorted(d.rglob("*.json")):
            for c in json.loads(f.read_text()).get("cases", []):
                if c.get("op") == op:
                    out.append(c)
    return out


@pytest.mark.parametrize("case", _cases("authorize"), ids=lambda c: c["name"])
def test_typed_authorize_agrees_with_facade(case: Dict[str, Any]) -> None:
    i = case["input"]
    facade = credgate.call("authorize", i)
    try:
        got = credgate.authorize(i["permissions"], i["request"], org=i.get("org")).to_dict()
    except credgate.Error as e:
        assert facade.get("error") == e.code
        return
    facade.pop("ok", None)
    assert got == facade


def _verify_cases() -> List[Dict[str, Any]]:
    return _cases("verify_token") + _cases("check")


@pytest.mark.parametrize("case", _verify_cases(), ids=lambda c: f"{c['op']}: {c['name']}")
def test_typed_verifier_agrees_with_facade(case: Dict[str, Any]) -> None:
    i = case["input"]
    facade = credgate.call(case["op"], i)
    try:
        v = credgate.Verifier(i["jwks"], issuer=i["issuer"], audience=i["audience"],
                              leeway=i.get("leeway", 0), revoked_jtis=i.get("revoked_jtis", ()))
    except credgate.Error as e:
        assert facade["error"] == e.code
        return
    if case["op"] == "verify_token":
        try:
            claims = v.verify(i["token"], now=i["now"])
        except credgate.TokenError as e:
            assert facade == {"ok": False, "error": e.code, "message": e.message}
            return
        assert facade == {"ok": True, "claims": claims.to_dict()}
        return
    # Every check outcome is an answer, the 400 for an invalid request included.
    d = v.check(i["token"], client_ip=i["client_ip"], request=i["request"], now=i["now"])
    want = dict(d.to_dict(), ok=True)
    if d.audit is not None:
        want["audit"] = d.audit
    assert facade == want


# The typed API answers what the façade answers, on every vector of these operations: the
# answers it returns (reports, verdicts, refusals) and the failures it raises.


def _raised(facade: Dict[str, Any], e: credgate.Error) -> None:
    assert facade.get("ok") is not True, (facade, e)
    if isinstance(e, credgate.ValidationError) and "errors" in facade:
        assert [p.to_dict() for p in e.problems] == facade["errors"]
    else:
        assert facade["error"] == e.code, (facade, e)


@pytest.mark.parametrize("case", _cases("validate_spec"), ids=lambda c: c["name"])
def test_typed_validate_spec_agrees_with_facade(case: Dict[str, Any]) -> None:
    facade = credgate.call("validate_spec", case["input"])
    try:
        report = credgate.validate_spec(case["input"]["spec"])
    except credgate.Error as e:
        return _raised(facade, e)
    assert report.ok is facade["ok"]
    assert [p.to_dict() for p in report.errors] == facade.get("errors", [])


@pytest.mark.parametrize("case", _cases("lint"), ids=lambda c: c["name"])
def test_typed_lint_agrees_with_facade(case: Dict[str, Any]) -> None:
    i = case["input"]
    facade = credgate.call("lint", i)
    try:
        report = credgate.lint(i["spec"], now=i.get("now"), created_at=i.get("created_at"))
    except credgate.Error as e:
        return _raised(facade, e)
    assert [f.to_dict() for f in report] == facade["findings"]
    assert [p.to_dict() for p in report.errors] == facade.get("errors", [])


@pytest.mark.parametrize("case", _cases("ip_allowed"), ids=lambda c: c["name"])
def test_typed_ip_allowed_agrees_with_facade(case: Dict[str, Any]) -> None:
    i = case["input"]
    facade = credgate.call("ip_allowed", i)
    try:
        d = credgate.ip_allowed(i["allowlist"], i["ip"])
    except credgate.Error as e:
        return _raised(facade, e)
    assert (d.allowed, d.reason) == (facade["allowed"], facade["reason"])


@pytest.mark.parametrize("case", _cases("parse_token_request"), ids=lambda c: c["name"])
def test_typed_token_request_agrees_with_facade(case: Dict[str, Any]) -> None:
    i = case["input"]
    facade = credgate.call("parse_token_request", i)
    try:
        r = credgate.parse_token_request(i["method"], i.get("headers", {}), i.get("body", ""))
    except credgate.Error as e:
        return _raised(facade, e)
    if isinstance(r, credgate.TokenRefusal):
        assert (False, r.error, r.error_description, r.status, r.reason, r.headers) == (
            facade["ok"], facade["error"], facade["error_description"], facade["status"],
            facade["reason"], facade["headers"])
    else:
        got = {"ok": True, "client_id": r.client_id, "client_secret": r.client_secret,
               "auth_method": r.auth_method}
        if r.scope is not None:
            got["scope"] = r.scope
        assert got == facade


@pytest.mark.parametrize("case", _cases("issue_token"), ids=lambda c: c["name"])
def test_typed_issue_token_agrees_with_facade(case: Dict[str, Any]) -> None:
    i = case["input"]
    facade = credgate.call("issue_token", i)
    try:
        request: Any = i["client_secret"]
        if "client_id" in i or "auth_method" in i:
            request = credgate.TokenRequest(
                i.get("client_id") or (i.get("credential") or {}).get("client_id", ""),
                i["client_secret"], i.get("auth_method", "client_secret_post"))
        r = credgate.issue_token(
            i.get("credential"), request, client_ip=i["client_ip"], signing_key=i["signing_key"],
            issuer=i["issuer"], audience=i["audience"], scope=i.get("scope"), now=i["now"],
            jti=i["jti"])
    except (credgate.Error, KeyError) as e:
        if isinstance(e, KeyError):  # a vector leaving out a member the typed API requires
            assert facade.get("error") == "input.invalid"
            return
        return _raised(facade, e)
    if isinstance(r, credgate.TokenRefusal):
        assert (False, r.error, r.status, r.reason, r.headers) == (
            facade["ok"], facade["error"], facade["status"], facade["reason"], facade["headers"])
    else:
        assert (True, r.status, r.headers, r.body, r.token, r.claims) == (
            facade["ok"], facade["status"], facade["headers"], facade["response"],
            facade["token"], facade["claims"])
