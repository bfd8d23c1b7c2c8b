"""Every error path: the right exception class, the SPEC code, and the details callers need."""

from __future__ import annotations

import base64
import json
import typing
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Set

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import credgate
from credgate import _errors
from conftest import AUDIENCE, IP_OK, ISSUER, NOW, vector_dirs


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(key: credgate.SigningKey, header: Dict[str, Any], claims: Dict[str, Any]) -> str:
    """A compact JWS signed with an independent Ed25519 implementation (cryptography)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    sig = Ed25519PrivateKey.from_private_bytes(key.seed).sign(signing_input.encode())
    return f"{signing_input}.{b64(sig)}"


def good_claims(**override: Any) -> Dict[str, Any]:
    c: Dict[str, Any] = {
        "iss": ISSUER, "sub": "cid_x", "aud": AUDIENCE, "client_id": "cid_x", "iat": NOW,
        "exp": NOW + 3600, "jti": "j1", "scope": "vault:read:org", "org": "org_1",
        "ips": ["203.0.113.0/24"], "env": "sandbox",
    }
    c.update(override)
    return {k: v for k, v in c.items() if v is not None}


HEADER = {"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}


def test_hierarchy() -> None:
    for cls in (
        credgate.InputError, credgate.InvalidPermissionError, credgate.RequestError,
        credgate.IpError, credgate.ValidationError, credgate.CredentialError,
        credgate.SigningKeyError, credgate.TokenError, credgate.JwksError,
        credgate.RevocationsError, credgate.RevocationsInvalid, credgate.RevocationsStale,
    ):
        assert issubclass(cls, credgate.Error)
    assert issubclass(credgate.Error, ValueError)
    # Input that cannot be used at all is also a TypeError, so both builtin handlers work.
    assert issubclass(credgate.InputError, TypeError)
    # No builtin is shadowed.
    import builtins

    for name in credgate.__all__:
        assert not hasattr(builtins, name), name


@pytest.mark.parametrize(
    "header,claims,now,code",
    [
        (HEADER, good_claims(), NOW, None),
        ({"alg": "HS256", "kid": "k1", "typ": "at+jwt"}, good_claims(), NOW, "token.unsupported_alg"),
        ({"alg": "EdDSA", "kid": "k1", "typ": "JWT"}, good_claims(), NOW, "token.wrong_type"),
        ({**HEADER, "jku": "https://evil"}, good_claims(), NOW, "token.forbidden_header"),
        ({**HEADER, "kid": "k9"}, good_claims(), NOW, "token.unknown_key"),
        (HEADER, good_claims(org=None), NOW, "token.missing_claim"),
        (HEADER, good_claims(iat="yesterday"), NOW, "token.invalid_claim"),
        (HEADER, good_claims(), NOW + 3600, "token.expired"),
        (HEADER, good_claims(), NOW - 1, "token.not_yet_valid"),
        (HEADER, good_claims(iss="https://other"), NOW, "token.wrong_issuer"),
        (HEADER, good_claims(aud=["a", "b"]), NOW, "token.wrong_audience"),
    ],
)
def test_token_errors(
    key: credgate.SigningKey, header: Dict[str, Any], claims: Dict[str, Any], now: int,
    code: Optional[str],
) -> None:
    v = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)
    token = jws(key, header, claims)
    if code is None:
        assert v.verify(token, now=now).client_id == "cid_x"
        return
    with pytest.raises(credgate.TokenError) as e:
        v.verify(token, now=now)
    assert e.value.code == code and e.value.message
    # check() never raises for a token failure: it is a 401 deny with a challenge.
    d = v.check(token, client_ip=IP_OK, request={"type": "vault", "action": "read"}, now=now)
    assert (d.allowed, d.status, d.reason) == (False, 401, code)
    assert d.www_authenticate and d.www_authenticate.startswith("Bearer")


def test_token_structure_errors(key: credgate.SigningKey, key2: credgate.SigningKey) -> None:
    v = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)
    good = jws(key, HEADER, good_claims())
    h, p, s = good.split(".")
    forged = jws(key2, HEADER, good_claims())  # right kid, wrong key
    cases = {
        "token.too_large": "a" * 9000,
        "token.malformed": f"{h}.{p}",
        "token.bad_signature": f"{h}.{p}.{forged.split('.')[2]}",
    }
    for code, token in cases.items():
        with pytest.raises(credgate.TokenError) as e:
            v.verify(token, now=NOW)
        assert e.value.code == code
    with pytest.raises(credgate.TokenError) as e:
        v.verify(f"{h}.{p}.{s}=", now=NOW)
    assert e.value.code == "token.malformed"


def test_jwks_errors(key: credgate.SigningKey) -> None:
    jwk = key.public_jwk()
    for bad in ({"nope": []}, "not json", {"keys": [jwk, jwk]}, b"[]"):
        with pytest.raises(credgate.JwksError) as e:
            credgate.KeySet(bad)
        assert e.value.code == "jwks.invalid"
    # Unusable keys are skipped, not errors.
    assert credgate.KeySet({"keys": [{"kty": "RSA", "kid": "r"}, jwk]}).kids == ["k1"]
    with pytest.raises(credgate.JwksError):
        credgate.verify_token("x.y.z", {"keys": 1}, issuer=ISSUER, audience=AUDIENCE)


def test_bearer_refusals() -> None:
    ok = credgate.parse_bearer("Bearer abc.def.ghi")
    assert isinstance(ok, credgate.BearerToken) and ok.token == "abc.def.ghi"
    r = credgate.parse_bearer(None)
    assert isinstance(r, credgate.BearerRefusal)
    assert (r.reason, r.status) == ("bearer.missing", 401)
    assert r.headers == {"WWW-Authenticate": 'Bearer realm="credgate"'}
    r = credgate.parse_bearer("Bearer a b")
    assert isinstance(r, credgate.BearerRefusal)
    assert (r.reason, r.status) == ("bearer.malformed", 400)
    assert 'error="invalid_request"' in r.www_authenticate


@pytest.mark.parametrize(
    "text,code",
    [
        ("vault:read", "permission.invalid"),
        ("wallet:read:org", "permission.unknown_type"),
        ("vault:list:org", "permission.unknown_action"),
        ("vault:read:world", "permission.unknown_scope"),
        ("vault:read:vault:bad id", "permission.invalid"),
        ("vault:read:vault:b@d", "permission.invalid_resource"),
        ("vault:read:org:v1", "permission.resource_with_org_scope"),
        ("webhook:read:vault", "permission.scope_not_applicable"),
    ],
)
def test_permission_errors(text: str, code: str) -> None:
    with pytest.raises(credgate.InvalidPermissionError) as e:
        credgate.parse_permission(text)
    assert e.value.code == code
    with pytest.raises(credgate.InvalidPermissionError) as e:
        credgate.PermissionSet(["vault:read:org", text])
    assert e.value.code == code and e.value.message.startswith("permissions[1]")


def test_request_errors() -> None:
    with pytest.raises(credgate.RequestError) as e:
        credgate.Request("key", "read", key="k1")
    assert e.value.code == "request.invalid"
    for bad in (
        {"type": "vault", "action": "read", "vualt": "v1"},
        {"type": "vault"},
        {"type": "vault", "action": "read", "vault": "bad id"},
    ):
        with pytest.raises(credgate.RequestError):
            credgate.Request.from_dict(bad)
        with pytest.raises(credgate.RequestError):
            credgate.authorize(["vault:read:org"], bad)
    # A value that is JSON but not a request is the core's request.invalid.
    with pytest.raises(credgate.RequestError):
        credgate.PermissionSet(["vault:read:org"]).authorize(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "allowlist,code",
    [
        ([], "ip.empty"),
        (["10.0.0.1"] * 7, "ip.too_many"),
        (["010.0.0.1"], "ip.invalid"),
        (["2001:db8::/32"], "ip.ipv6_unsupported"),
        (["10.0.0.1/24"], "ip.host_bits_set"),
        (["10.0.0.1", "10.0.0.1/32"], "ip.duplicate"),
    ],
)
def test_ip_errors(allowlist: list, code: str) -> None:
    with pytest.raises(credgate.IpError) as e:
        credgate.ip_allowed(allowlist, "10.0.0.1")
    assert e.value.code == code


def test_validation_error_lists_every_problem(spec: credgate.CredentialSpec) -> None:
    spec.name = "abc"
    spec.description = "x" * 51
    spec.permission_set_type = "everything"
    spec.permissions = ["vault:read:org", "vault:read:org", "nope"]
    spec.ip_allowlist = ["10.0.0.1/8"]
    spec.environment = "staging"
    report = credgate.validate_spec(spec)
    assert not report
    with pytest.raises(credgate.ValidationError) as e:
        spec.validate()
    assert e.value.problems == list(report.errors)
    got = {(p.path, p.code) for p in e.value.problems}
    assert got == {
        ("name", "name.length"),
        ("description", "description.length"),
        ("permission_set_type", "set_type.unknown"),
        ("permissions[1]", "permissions.duplicate"),
        ("permissions[2]", "permission.invalid"),
        ("ip_allowlist[0]", "ip.host_bits_set"),
        ("environment", "environment.unknown"),
    }
    assert e.value.code == "spec.invalid" and e.value.codes >= {"name.length"}
    assert all(p.message for p in e.value.problems)
    with pytest.raises(credgate.ValidationError) as e1:
        credgate.create_credential(spec, org="org_1")
    assert e1.value.code == "spec.invalid" and e1.value.problems == e.value.problems
    linted = credgate.lint(spec)
    assert not linted.ok and list(linted.errors) == e.value.problems and linted.findings == ()
    with pytest.raises(credgate.ValidationError) as e2:
        credgate.set_type_defaults("everything")  # type: ignore[arg-type]
    assert e2.value.code == "set_type.unknown"
    assert [(p.path, p.code) for p in e2.value.problems] == [("permission_set_type", "set_type.unknown")]


def test_credential_errors(new_credential: credgate.NewCredential) -> None:
    cred = new_credential.credential
    with pytest.raises(credgate.CredentialError) as e:
        cred.delete(now=NOW).enable(now=NOW)
    assert e.value.code == "credential.deleted"
    broken = credgate.Credential.from_dict({**cred.to_dict(), "secret_sha256": "zz"})
    with pytest.raises(credgate.CredentialError) as e:
        broken.disable()
    assert e.value.code == "credential.invalid"
    with pytest.raises(credgate.CredentialError):
        credgate.Credential.from_dict({"client_id": "x"}).verify_secret("s")
    with pytest.raises(credgate.InputError) as e3:
        credgate.create_credential(new_credential_spec(), org="org_1", entropy=b"short")
    assert e3.value.code == "entropy.insufficient"


def new_credential_spec() -> credgate.CredentialSpec:
    return credgate.CredentialSpec.with_defaults(
        name="Other service", permission_set_type="monitoring", ip_allowlist=["10.0.0.0/8"],
        environment="sandbox",
    )


def test_signing_key_errors() -> None:
    for kid, seed in (("k", b"short"), ("", bytes(32))):
        with pytest.raises(credgate.SigningKeyError) as e:
            credgate.SigningKey(kid, seed)
        assert e.value.code == "key.invalid"
    with pytest.raises(credgate.SigningKeyError):
        credgate.SigningKey.from_dict({"kid": "k", "seed": "not hex"})


def test_input_errors(key: credgate.SigningKey) -> None:
    for leeway in (-1, 1.5, True):
        with pytest.raises(credgate.InputError):
            credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, leeway=leeway)  # type: ignore[arg-type]
    deep: Any = "vault:read:org"
    for _ in range(200):
        deep = {"x": deep}
    with pytest.raises(credgate.InputError) as e:
        credgate.PermissionSet([deep])
    assert e.value.code == "input.invalid"
    with pytest.raises(TypeError):  # an InputError is a TypeError too
        credgate.KeySet({"keys": [object()]})
    with pytest.raises(credgate.InputError):
        credgate.KeySet({"keys": [{"x": 10**30}]})
    with pytest.raises(credgate.InputError):
        credgate.KeySet(b'{"keys": ["\xff"]}')
    out = credgate.call("update_credential", {"credential": {}, "action": "explode", "now": 0})
    assert (out["outcome"], out["ok"]) == ("failure", False)
    out = credgate.call("parse_permission", "not an object")  # type: ignore[arg-type]
    assert (out["outcome"], out["error"]) == ("failure", "input.invalid")


def basic(cid: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "method,headers,body,error,status,code",
    [
        ("GET", FORM, "grant_type=client_credentials&client_id=a&client_secret=b",
         "invalid_request", 400, "request.invalid"),
        ("POST", {"Content-Type": "application/json"}, "{}", "invalid_request", 400, "request.invalid"),
        ("POST", FORM, "client_id=a&client_secret=b", "invalid_request", 400, "request.invalid"),
        ("POST", FORM, "grant_type=client_credentials&grant_type=client_credentials&client_id=a&client_secret=b",
         "invalid_request", 400, "request.invalid"),
        ("POST", {**FORM, "Authorization": basic("a", "b")},
         "grant_type=client_credentials&client_id=a&client_secret=b", "invalid_request", 400, "request.invalid"),
        ("POST", FORM, "grant_type=password&client_id=a&client_secret=b",
         "unsupported_grant_type", 400, "grant.unsupported"),
        ("POST", FORM, "grant_type=client_credentials", "invalid_client", 401, "client.no_auth"),
        ("POST", {**FORM, "Authorization": "Basic !!!"}, "grant_type=client_credentials",
         "invalid_client", 401, "client.malformed_auth"),
    ],
)
def test_token_request_refusals(
    method: str, headers: Dict[str, str], body: str, error: str, status: int, code: str
) -> None:
    r = credgate.parse_token_request(method, headers, body)
    assert isinstance(r, credgate.TokenRefusal)
    assert (r.error, r.status, r.reason) == (error, status, code)
    assert r.body == {"error": error, "error_description": r.error_description}


def test_issue_refusals(new_credential: credgate.NewCredential, key: credgate.SigningKey) -> None:
    cred, secret = new_credential

    def issue(c: Optional[credgate.Credential], request: Any, ip: str = IP_OK, **kw: Any) -> Any:
        return credgate.issue_token(
            c, request, client_ip=ip, signing_key=key, issuer=ISSUER, audience=AUDIENCE,
            now=NOW, **kw,
        )

    cases = [
        (None, secret, IP_OK, {}, "client.unknown"),
        (cred, secret + "x", IP_OK, {}, "client.bad_secret"),
        (cred.disable(now=NOW), secret, IP_OK, {}, "client.disabled"),
        (cred.delete(now=NOW), secret, IP_OK, {}, "client.deleted"),
        (cred, secret, "192.0.2.1", {}, "client.ip_not_allowed"),
    ]
    for c, s, ip, kw, code in cases:
        r = issue(c, s, ip, **kw)
        assert isinstance(r, credgate.TokenRefusal), code
        assert (r.reason, r.error, r.status) == (code, "invalid_client", 401), code
        assert r.headers.get("Cache-Control") == "no-store"
        assert "WWW-Authenticate" not in r.headers
    r = issue(cred, secret, scope="vault:delete:org")
    assert (r.reason, r.error, r.status) == ("scope.not_covered", "invalid_scope", 400)
    # With HTTP Basic, a refused client gets a Basic challenge (RFC 6749 §5.2).
    tr = credgate.parse_token_request(
        "POST", {**FORM, "Authorization": basic(cred.client_id, "wrong")}, "grant_type=client_credentials"
    )
    r = issue(cred, tr)
    assert r.headers["WWW-Authenticate"].startswith("Basic")


def _codes_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("error", "reason", "code") and isinstance(v, str):
                yield v
            else:
                yield from _codes_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _codes_in(v)


# RFC 6749 §5.2 token-endpoint errors and RFC 6750 §3.1 challenge errors (a check answer's
# `error`): protocol codes the vectors expect beside credgate's own.
OAUTH_ERRORS = {"invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope",
                *typing.get_args(credgate.ChallengeError)}


def test_vectors_expect_only_listed_codes() -> None:
    """Every code the vectors expect is one the core lists (and so one of test_all_codes)."""
    codes: Set[str] = set(credgate.CODES)
    expected: Set[str] = set()
    for d in vector_dirs():
        for f in sorted(Path(d).rglob("*.json")):
            try:
                doc = json.loads(f.read_text())
            except ValueError:
                continue
            for case in doc.get("cases", []):
                expected.update(_codes_in(case.get("expect", {})))
    assert sorted(expected - OAUTH_ERRORS - codes) == []


def test_error_text_and_repr() -> None:
    e = _errors.error_for_code("token.expired", "the access token expired: at 5")
    assert isinstance(e, credgate.TokenError)
    assert str(e) == "the access token expired: at 5 [token.expired]"
    assert repr(e) == "TokenError(code='token.expired', message='the access token expired: at 5')"
    assert isinstance(_errors.error_for_code("something.new", "m"), credgate.Error)


def test_all_codes() -> None:
    """pydantic-core's test_all_errors, for credgate: the Python table of codes (code ->
    exception class, or None for codes that are only ever answers) and the ``Literal`` of codes
    used by the stubs are exactly the core's list (``credgate_core::codes::ALL``). A code added
    in the core without a Python class or Literal fails here."""
    from typing import get_args

    from credgate import _credgate, _types

    core = set(_credgate.CODES)
    assert len(core) == len(_credgate.CODES)
    assert set(_errors.CODE_CLASSES) == core, "codes missing from or extra in _errors.CODE_CLASSES"
    assert set(get_args(credgate.Code)) == core, "codes missing from or extra in the Code Literal"
    for code, cls in _errors.CODE_CLASSES.items():
        if cls is None:
            assert _errors.class_for_code(code) is credgate.Error
            continue
        assert issubclass(cls, credgate.Error) and cls is not credgate.Error, code
        assert _errors.class_for_code(code) is cls
        assert isinstance(_errors.error_for_code(code, "m"), cls)
    # The Literal families partition the list the way the stubs use them.
    families = {
        _types.TokenCode: "token.", _types.BearerCode: "bearer.", _types.ClientCode: "client.",
        _types.PermissionCode: "permission.", _types.IpCode: "ip.", _types.LintCode: "lint.",
        _types.CredentialCode: "credential.", _types.DiffCode: "diff.",
        _types.RevocationsCode: "revocations.",
    }
    for alias, prefix in families.items():
        assert set(get_args(alias)) == {c for c in core if c.startswith(prefix)}, prefix
    assert set(get_args(_types.DecisionCode)) == {c for c in core if c == "allow" or c.startswith("deny.")}
    # The native stub annotates CODES with the Literal.
    import ast

    stub = Path(_credgate.__file__ or "").with_name("_credgate.pyi")
    tree = ast.parse(stub.read_text())
    annotations = {
        n.target.id: ast.unparse(n.annotation)
        for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    assert annotations["CODES"] == "Tuple[Code, ...]"
