"""SPEC §9 "answers are returned, failures are raised", per operation (the same table on
every host): reports, verdicts, decisions and refusals come back as values; only input that
cannot be evaluated raises."""

from __future__ import annotations

import base64
import dataclasses
import os
from typing import Any, List, Tuple

import pytest

import credgate
from credgate import _credgate
from conftest import AUDIENCE, IP_OK, ISSUER, NOW

FORM_CT = "application/x-www-form-urlencoded"


def basic(cid: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()


def bad_spec(spec: credgate.CredentialSpec) -> credgate.CredentialSpec:
    return dataclasses.replace(spec, name="abc", environment="staging")  # type: ignore[arg-type]


def test_validate_spec_returns_a_report(spec: credgate.CredentialSpec) -> None:
    ok = credgate.validate_spec(spec)
    assert isinstance(ok, credgate.SpecReport) and ok.ok and ok and ok.errors == ()
    report = credgate.validate_spec(bad_spec(spec))
    assert isinstance(report, credgate.SpecReport) and not report.ok and not report
    assert {(p.path, p.code) for p in report.errors} == {
        ("name", "name.length"), ("environment", "environment.unknown")}
    assert report.codes == {"name.length", "environment.unknown"}
    assert all(p.message for p in report.errors)
    assert report.to_dict()["ok"] is False
    # The method on the spec still raises, as a method called `validate` is expected to.
    with pytest.raises(credgate.ValidationError) as e:
        bad_spec(spec).validate()
    assert e.value.problems == list(report.errors) and e.value.code == "spec.invalid"
    with pytest.raises(credgate.ValidationError):
        report.raise_if_invalid()
    # Input that cannot be evaluated still raises.
    with pytest.raises(credgate.InputError):
        credgate.validate_spec({"name": object()})


def test_lint_returns_a_report(spec: credgate.CredentialSpec) -> None:
    spec.ip_allowlist = ["0.0.0.0/0"]
    report = credgate.lint(spec, now=NOW, created_at=NOW)
    assert isinstance(report, credgate.LintReport) and report.ok and report.errors == ()
    assert "lint.all_addresses" in {f.code for f in report.findings}
    assert [f.code for f in report] == [f.code for f in report.findings]
    assert all(isinstance(f, credgate.Finding) and f.path and f.message for f in report)
    invalid = credgate.lint(bad_spec(spec))
    assert not invalid.ok and invalid.findings == ()
    assert {p.code for p in invalid.errors} == {"name.length", "environment.unknown"}


def test_create_credential_raises_spec_invalid_with_every_problem(
    spec: credgate.CredentialSpec,
) -> None:
    with pytest.raises(credgate.ValidationError) as e:
        credgate.create_credential(bad_spec(spec), org="org_1")
    assert e.value.code == "spec.invalid"
    assert {p.code for p in e.value.problems} == {"name.length", "environment.unknown"}


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Type", FORM_CT), ("Authorization", basic("a", "b")), ("authorization", basic("a", "b"))],
        [("Content-Type", FORM_CT), ("Authorization", basic("a", "b")), ("Authorization", basic("a", "b"))],
        [("Content-Type", FORM_CT), ("content-type", FORM_CT), ("Authorization", basic("a", "b"))],
        [("CONTENT-TYPE", FORM_CT), ("Content-Type", "application/json"), ("Authorization", basic("a", "b"))],
    ],
    ids=["authorization", "authorization same case", "content-type", "content-type differing"],
)
def test_repeated_headers_are_invalid_request(headers: List[Tuple[str, str]]) -> None:
    """DECISIONS.md: a repeated Authorization or Content-Type header (names differing only in
    case) is 400 invalid_request; the lines reach the core unjoined."""
    r = credgate.parse_token_request("POST", headers, "grant_type=client_credentials")
    assert isinstance(r, credgate.TokenRefusal) and not r.ok and not r
    assert (r.status, r.error, r.reason) == (400, "invalid_request", "request.invalid")
    facade = credgate.call("parse_token_request", {
        "method": "POST", "headers": [list(h) for h in headers], "body": "grant_type=client_credentials"})
    assert (facade["status"], facade["reason"]) == (r.status, r.reason)


def test_parse_token_request_returns_refusals() -> None:
    r = credgate.parse_token_request("GET", [("Content-Type", FORM_CT)], "grant_type=client_credentials")
    assert isinstance(r, credgate.TokenRefusal)
    assert (r.ok, r.status, r.error, r.reason) == (False, 400, "invalid_request", "request.invalid")
    assert r.body == {"error": "invalid_request", "error_description": r.error_description}
    assert r.headers.get("Cache-Control") == "no-store" and r.message
    r = credgate.parse_token_request("POST", {"Content-Type": FORM_CT}, "grant_type=client_credentials")
    assert isinstance(r, credgate.TokenRefusal)
    assert (r.status, r.error, r.reason) == (401, "invalid_client", "client.no_auth")
    ok = credgate.parse_token_request(
        "POST", {"Content-Type": FORM_CT}, "grant_type=client_credentials&client_id=a&client_secret=b")
    assert isinstance(ok, credgate.TokenRequest) and ok.ok and ok
    assert (ok.client_id, ok.auth_method) == ("a", "client_secret_post")


def test_issue_token_returns_refusals(
    new_credential: credgate.NewCredential, key: credgate.SigningKey
) -> None:
    cred, secret = new_credential

    def issue(request: Any, **kw: Any) -> Any:
        return credgate.issue_token(cred, request, client_ip=IP_OK, signing_key=key,
                                    issuer=ISSUER, audience=AUDIENCE, now=NOW, **kw)

    ok = issue(secret)
    assert isinstance(ok, credgate.TokenResponse) and ok.ok and ok and ok.status == 200
    wrong = issue(secret + "x")
    assert isinstance(wrong, credgate.TokenRefusal) and not wrong.ok
    assert (wrong.status, wrong.error, wrong.reason) == (401, "invalid_client", "client.bad_secret")
    assert wrong.headers["Cache-Control"] == "no-store" and "WWW-Authenticate" not in wrong.headers
    assert wrong.body == {"error": "invalid_client", "error_description": wrong.error_description}
    assert "client.bad_secret" not in str(wrong.body)  # the reason is for the audit log only
    scoped = issue(secret, scope="vault:delete:org")
    assert isinstance(scoped, credgate.TokenRefusal)
    assert (scoped.status, scoped.error, scoped.reason) == (400, "invalid_scope", "scope.not_covered")
    tr = credgate.parse_token_request(
        "POST", {"Content-Type": FORM_CT, "Authorization": basic(cred.client_id, "wrong")},
        "grant_type=client_credentials")
    assert isinstance(tr, credgate.TokenRequest)
    challenged = issue(tr)
    assert isinstance(challenged, credgate.TokenRefusal)
    assert challenged.headers["WWW-Authenticate"].startswith("Basic")
    gone = credgate.issue_token(None, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER,
                                audience=AUDIENCE, now=NOW)
    assert isinstance(gone, credgate.TokenRefusal) and gone.reason == "client.unknown"
    # Failures that are not refusals still raise.
    with pytest.raises(credgate.CredentialError) as e:
        credgate.issue_token(credgate.Credential({"client_id": "x"}), secret, client_ip=IP_OK,
                             signing_key=key, issuer=ISSUER, audience=AUDIENCE, now=NOW)
    assert e.value.code == "credential.invalid"
    with pytest.raises(credgate.SigningKeyError):
        credgate.issue_token(cred, secret, client_ip=IP_OK, signing_key={"kid": "k", "seed": "00"},
                             issuer=ISSUER, audience=AUDIENCE, now=NOW)


def test_parse_bearer_returns_refusals() -> None:
    ok = credgate.parse_bearer("Bearer abc.def.ghi")
    assert isinstance(ok, credgate.BearerToken) and ok.ok and ok and ok.token == "abc.def.ghi"
    missing = credgate.parse_bearer(None)
    assert isinstance(missing, credgate.BearerRefusal) and not missing.ok and not missing
    assert (missing.reason, missing.status) == ("bearer.missing", 401)
    assert missing.headers == {"WWW-Authenticate": 'Bearer realm="credgate"'}
    bad = credgate.parse_bearer("Bearer a b")
    assert isinstance(bad, credgate.BearerRefusal)
    assert (bad.reason, bad.status) == ("bearer.malformed", 400)
    assert 'error="invalid_request"' in bad.www_authenticate and bad.message


def test_check_returns_400_for_an_invalid_request(verifier: credgate.Verifier, token: str) -> None:
    bad = {"type": "vault", "action": "read", "vualt": "v1"}
    d = verifier.check(token, client_ip=IP_OK, request=bad, now=NOW)
    assert (d.allowed, d.status, d.reason) == (False, 400, "request.invalid") and not d
    assert d.message and d.audit is None and d.claims is None
    # RFC 6750 §3.1: a 400 invalid_request carries its challenge too.
    assert d.www_authenticate is not None and 'error="invalid_request"' in d.www_authenticate
    facade = credgate.call("check", {
        "token": token, "jwks": verifier.keys.to_jwks(),
        "issuer": ISSUER, "audience": AUDIENCE, "now": NOW, "client_ip": IP_OK, "request": bad})
    assert facade.pop("outcome") == "answer"
    facade.pop("ok")
    assert d.to_dict() == facade
    h = verifier.check_authorization(f"Bearer {token}", client_ip=IP_OK, request=bad, now=NOW)
    assert (h.status, h.reason) == (400, "request.invalid")
    one = credgate.check(token, verifier.keys, issuer=ISSUER, audience=AUDIENCE, client_ip=IP_OK,
                         request=bad, now=NOW)
    assert one.status == 400
    # authorize still raises for an invalid request: there is no decision to return.
    with pytest.raises(credgate.RequestError):
        credgate.authorize(["vault:read:org"], bad)


def test_authorize_raises_permission_errors_with_the_index() -> None:
    with pytest.raises(credgate.InvalidPermissionError) as e:
        credgate.authorize(["vault:read:org", "vault:read"], {"type": "vault", "action": "read"})
    assert (e.value.code, e.value.index) == ("permission.invalid", 1)
    assert e.value.message.startswith("permissions[1]")
    facade = credgate.call("authorize", {"permissions": ["vault:read:org", "vault:read"],
                                         "request": {"type": "vault", "action": "read"}})
    assert facade["index"] == e.value.index
    with pytest.raises(credgate.InvalidPermissionError) as e2:
        credgate.parse_permission("vault:read")
    assert e2.value.index is None


def test_verify_secret_returns_both_answers(new_credential: credgate.NewCredential) -> None:
    cred, secret = new_credential
    right = cred.verify_secret(secret)
    assert isinstance(right, credgate.SecretCheck) and right and right.valid and right.well_formed
    wrong = cred.verify_secret("cgs_test_" + "a" * 60)
    assert not wrong and not wrong.valid and not wrong.well_formed
    with pytest.raises(credgate.CredentialError):
        credgate.Credential({"client_id": "x"}).verify_secret(secret)


def test_sizes_come_from_the_core(
    monkeypatch: pytest.MonkeyPatch, spec: credgate.CredentialSpec, key: credgate.SigningKey
) -> None:
    """Entropy and jti sizes are the core's ENTROPY_BYTES and JTI_BYTES, not copies."""
    assert credgate.ENTROPY_BYTES == _credgate.ENTROPY_BYTES > 0
    assert credgate.JTI_BYTES == _credgate.JTI_BYTES > 0
    asked: List[int] = []
    real = os.urandom

    def urandom(n: int) -> bytes:
        asked.append(n)
        return real(n)

    monkeypatch.setattr(os, "urandom", urandom)
    cred, secret = credgate.create_credential(spec, org="org_1", now=NOW)
    assert asked == [_credgate.ENTROPY_BYTES]
    asked.clear()
    resp = credgate.issue_token(cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER,
                                audience=AUDIENCE, now=NOW)
    assert isinstance(resp, credgate.TokenResponse)
    assert asked == [_credgate.JTI_BYTES] and len(resp.claims["jti"]) == 2 * _credgate.JTI_BYTES
