"""Hostile input through the package's public API: every attack class of RFC 8725 and of
issue 9's list gets a ``credgate.Error`` with its code (or the documented answer), never a
builtin exception, a crash or a hang; and the package keeps working afterwards."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import credgate

NOW = 1_800_000_010
KEY = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


X = b64u(KEY.public_key().public_bytes_raw())
JWKS = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": X, "kid": "k1"}]}
VERIFIER = credgate.Verifier(JWKS, issuer="https://iss.test", audience="https://aud.test")


def claims(**over: Any) -> Dict[str, Any]:
    c: Dict[str, Any] = {
        "iss": "https://iss.test", "sub": "cid_1", "aud": "https://aud.test", "client_id": "cid_1",
        "iat": NOW - 10, "exp": NOW + 3590, "jti": "j1", "scope": "vault:read:org", "org": "org_1",
        "ips": ["0.0.0.0/0"], "env": "sandbox",
    }
    c.update(over)
    return c


def header(**over: Any) -> Dict[str, Any]:
    h: Dict[str, Any] = {"alg": "EdDSA", "typ": "at+jwt", "kid": "k1"}
    h.update(over)
    return h


def raw_token(h: bytes, p: bytes) -> str:
    signing_input = f"{b64u(h)}.{b64u(p)}"
    return f"{signing_input}.{b64u(KEY.sign(signing_input.encode()))}"


def token(h: Dict[str, Any], p: Dict[str, Any]) -> str:
    return raw_token(json.dumps(h).encode(), json.dumps(p).encode())


def code(tok: Any, now: Any = NOW) -> str:
    try:
        VERIFIER.verify(tok, now=now)
    except credgate.Error as e:
        return e.code
    return "ok"


@pytest.fixture(autouse=True)
def still_serving() -> Any:
    yield
    assert code(token(header(), claims())) == "ok"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", "", "HS256", "RS256", "eddsa"])
def test_alg_none_and_confusion(alg: str) -> None:
    assert code(token(header(alg=alg), claims())) == "token.unsupported_alg"


def test_unsigned_alg_none() -> None:
    unsigned = f"{b64u(json.dumps(header(alg='none')).encode())}.{b64u(json.dumps(claims()).encode())}."
    assert code(unsigned) == "token.unsupported_alg"


@pytest.mark.parametrize("name, value", [
    ("jwk", {"kty": "OKP", "crv": "Ed25519", "x": b64u(bytes(32))}),
    ("jku", "https://attacker.test/jwks.json"),
    ("x5u", "https://attacker.test/cert.pem"),
    ("x5c", ["MIIB"]),
    ("crit", ["exp"]),
    ("b64", False),
])
def test_key_and_processing_headers(name: str, value: Any) -> None:
    assert code(token(header(**{name: value}), claims())) == "token.forbidden_header"


def test_base64url_variants() -> None:
    good = token(header(), claims())
    h, p, s = good.split(".")
    padded = base64.urlsafe_b64encode(json.dumps(header()).encode()).decode()
    assert code(f"{padded}.{p}.{s}") == "token.malformed"
    assert code(f"{h} .{p}.{s}") == "token.malformed"
    assert code(f"{good}.x") == "token.malformed"
    assert code(good.replace("-", "+").replace("_", "/") + ("" if ("-" in good or "_" in good) else "+")) in (
        "token.malformed", "token.bad_signature")


def test_duplicate_members_even_escaped() -> None:
    body = json.dumps(claims())[1:]
    for dup in ('{"exp":1,' + body, '{"\\u0065xp":1,' + body):
        assert code(raw_token(json.dumps(header()).encode(), dup.encode())) == "token.malformed", dup
    dup_kid = b'{"alg":"EdDSA","typ":"at+jwt","kid":"k1","\\u006bid":"k2"}'
    assert code(raw_token(dup_kid, json.dumps(claims()).encode())) == "token.malformed"


def test_sizes_nul_surrogates_and_lookalikes() -> None:
    assert code("a" * 10_000_000) == "token.too_large"
    assert code("\x00.\x00.\x00") == "token.malformed"
    assert code("\ud800.x.y") == "input.invalid"
    assert code(raw_token(json.dumps(header()).encode(), b'{"iss":"\xff"}')) == "token.malformed"
    assert code(token(header(kid="\u043a1"), claims())) == "token.unknown_key"
    t = token(header(), claims(org="org_\u0661"))
    d = VERIFIER.check(t, client_ip="203.0.113.7", request={"type": "vault", "action": "read", "org": "org_1"},
                       now=NOW)
    assert d.reason == "deny.org_mismatch"


@pytest.mark.parametrize("exp, expected", [
    (2**63 - 1, "ok"), (2**53 + 1, "ok"), (2**64 - 1, "token.invalid_claim"), (-1, "token.expired"),
    (1.5, "token.invalid_claim"), (None, "token.invalid_claim"), ("1800003600", "token.invalid_claim"),
])
def test_integer_claims_at_the_edges(exp: Any, expected: str) -> None:
    assert code(token(header(), claims(exp=exp))) == expected


@pytest.mark.parametrize("now", [float("nan"), float("inf"), 2**63, -(2**63) - 1, "now", True, 1e300])
def test_times_at_the_edges_are_input_errors(now: Any) -> None:
    assert code(token(header(), claims()), now=now) == "input.invalid"


def test_bodies_and_lists_at_the_edges() -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    head = "grant_type=client_credentials&client_id=cid_1&client_secret=s&pad="
    ok = credgate.parse_token_request("POST", form, head + "a" * (16384 - len(head)))
    assert isinstance(ok, credgate.TokenRequest)
    big = credgate.parse_token_request("POST", form, head + "a" * (16385 - len(head)))
    assert isinstance(big, credgate.TokenRefusal) and big.reason == "request.invalid"
    report = credgate.validate_spec({"permissions": [f"vault:read:vault:v{i}" for i in range(1_000_000)],
                                     "ip_allowlist": ["10.0.0.1"] * 1_000_000})
    assert {"permissions.too_many", "ip.too_many"} <= report.codes
