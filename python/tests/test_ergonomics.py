"""Issue 12 (part 1): what PyJWT and FastAPI users expect of claims, times and refusals.

Each test fails on the package before issue 12: `dict(claims)` raised TypeError, a FastAPI
route returning claims answered 500, `leeway=timedelta(...)` was refused, and the RFC 6750
error code of a refusal could only be read out of the `WWW-Authenticate` header.
"""

from __future__ import annotations

import collections.abc
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

import pytest

import credgate
from conftest import AUDIENCE, IP_BAD, IP_OK, ISSUER, NOW


def test_claims_are_a_mapping(verifier: credgate.Verifier, token: str) -> None:
    claims = verifier.verify(token, now=NOW)
    assert isinstance(claims, collections.abc.Mapping)
    as_dict = dict(claims)
    # The same members and values as the token's claims (the JSON form, JSON-ready values).
    assert as_dict == claims.to_dict() == json.loads(claims.to_json())
    assert json.loads(json.dumps(dict(claims))) == as_dict
    assert as_dict["org"] == claims.org == "org_1" and as_dict["ips"] == claims.ips
    assert len(claims) == len(as_dict) and set(claims) == set(as_dict)
    assert list(claims.keys()) == list(claims) and "jti" in claims.keys()
    assert list(claims.values()) == [as_dict[k] for k in claims]
    assert dict(claims.items()) == as_dict and ("org", "org_1") in claims.items()
    assert claims.get("org") == "org_1" and claims.get("nope") is None
    assert claims.get("nope", 7) == 7 and claims.get(1, "x") == "x"
    assert "nbf" not in claims and claims.get("nbf") is None
    with pytest.raises(KeyError):
        claims["nope"]
    # Read-only: a mapping, not a dict to change.
    with pytest.raises(TypeError):
        claims["org"] = "other"  # type: ignore[index]
    assert {**claims}["sub"] == claims.sub


def test_claims_from_a_decision_are_a_mapping(verifier: credgate.Verifier, token: str) -> None:
    d = verifier.check(token, client_ip=IP_OK, request=credgate.Request("vault", "read"), now=NOW)
    assert d.claims is not None and dict(d.claims)["client_id"] == d.claims.client_id


def test_claims_in_pydantic_models(verifier: credgate.Verifier, token: str) -> None:
    pydantic = pytest.importorskip("pydantic")
    claims = verifier.verify(token, now=NOW)

    class Answer(pydantic.BaseModel):  # type: ignore[misc]
        claims: credgate.Claims
        note: str = "ok"

    answer = Answer(claims=claims)
    assert answer.claims is claims
    assert answer.model_dump(mode="json") == {"claims": claims.to_dict(), "note": "ok"}
    assert json.loads(answer.model_dump_json())["claims"] == claims.to_dict()
    schema = Answer.model_json_schema()
    assert "org" in json.dumps(schema)
    # Claims come from a verified token only, never from input.
    with pytest.raises(pydantic.ValidationError):
        Answer(claims=claims.to_dict())
    with pytest.raises(pydantic.ValidationError):
        Answer.model_validate_json(json.dumps({"claims": claims.to_dict()}))


def test_claims_returned_from_fastapi_routes(verifier: credgate.Verifier, token: str) -> None:
    fastapi = pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient
    pydantic = pytest.importorskip("pydantic")

    claims = verifier.verify(token, now=NOW)
    app = fastapi.FastAPI()

    class Who(pydantic.BaseModel):  # type: ignore[misc]
        claims: credgate.Claims

    @app.get("/plain")
    def plain() -> Any:
        return claims

    @app.get("/typed")
    def typed() -> credgate.Claims:
        return claims

    @app.get("/model", response_model=Who)
    def model() -> Dict[str, Any]:
        return {"claims": claims}

    client = TestClient(app)
    for path in ("/plain", "/typed"):
        r = client.get(path)
        assert (r.status_code, r.json()) == (200, claims.to_dict()), path
    r = client.get("/model")
    assert (r.status_code, r.json()) == (200, {"claims": claims.to_dict()})
    assert "/typed" in app.openapi()["paths"]


def test_leeway_takes_a_timedelta(key: credgate.SigningKey, token: str) -> None:
    claims_exp = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE).verify(token, now=NOW).exp
    late = claims_exp + 20
    strict = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(credgate.TokenError):
        strict.verify(token, now=late)
    lenient = credgate.Verifier(
        [key], issuer=ISSUER, audience=AUDIENCE, leeway=timedelta(seconds=30)
    )
    assert lenient.leeway == 30 and lenient.verify(token, now=late).exp == claims_exp
    assert credgate.verify_token(
        token, credgate.public_jwks([key]), issuer=ISSUER, audience=AUDIENCE, now=late,
        leeway=timedelta(minutes=1),
    ).exp == claims_exp
    d = credgate.check(
        token, credgate.public_jwks([key]), issuer=ISSUER, audience=AUDIENCE, client_ip=IP_OK,
        request={"type": "vault", "action": "read"}, now=late, leeway=timedelta(seconds=30),
    )
    assert d.allowed


@pytest.mark.parametrize(
    "leeway",
    [-1, timedelta(seconds=-1), timedelta(seconds=1.5), timedelta(microseconds=1), 1.5, True,
     "30", None, 2**64],
)
def test_bad_leeway_is_input_invalid(key: credgate.SigningKey, leeway: Any) -> None:
    with pytest.raises(credgate.InputError) as e:
        credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, leeway=leeway)
    assert e.value.code == "input.invalid" and "leeway" in e.value.message


def test_now_takes_an_aware_datetime(verifier: credgate.Verifier, token: str) -> None:
    at = datetime.fromtimestamp(NOW, tz=timezone.utc)
    assert verifier.verify(token, now=at) == verifier.verify(token, now=NOW)
    east = at.astimezone(timezone(timedelta(hours=9)))
    d = verifier.check(token, client_ip=IP_OK, request=credgate.Request("vault", "read"), now=east)
    assert d.allowed


def test_naive_now_says_to_use_an_aware_one(verifier: credgate.Verifier, token: str) -> None:
    naive = datetime.fromtimestamp(NOW)
    for call in (
        lambda: verifier.verify(token, now=naive),
        lambda: verifier.check(token, client_ip=IP_OK, request={"type": "vault", "action": "read"},
                               now=naive),
        lambda: verifier.check_authorization(f"Bearer {token}", client_ip=IP_OK,
                                             request={"type": "vault", "action": "read"}, now=naive),
    ):
        with pytest.raises(credgate.InputError) as e:
            call()
        assert e.value.code == "input.invalid"
        assert "aware" in e.value.message and "datetime.now(timezone.utc)" in e.value.message


@pytest.mark.parametrize(
    "header, client_ip, request_, error",
    [
        ("Bearer {token}", IP_OK, {"type": "vault", "action": "read"}, None),
        (None, IP_OK, {"type": "vault", "action": "read"}, None),
        ("Bearer a b", IP_OK, {"type": "vault", "action": "read"}, "invalid_request"),
        ("Bearer {token}", IP_OK, {"type": "vault", "action": "read", "vault": "bad id"},
         "invalid_request"),
        ("Bearer not.a.token", IP_OK, {"type": "vault", "action": "read"}, "invalid_token"),
        ("Bearer {token}", IP_BAD, {"type": "vault", "action": "read"}, "insufficient_scope"),
        ("Bearer {token}", IP_OK, {"type": "vault", "action": "delete"}, "insufficient_scope"),
    ],
)
def test_decision_error_is_the_rfc6750_code(
    verifier: credgate.Verifier, token: str, header: Optional[str], client_ip: str,
    request_: Dict[str, Any], error: Optional[str],
) -> None:
    authorization = header.format(token=token) if header else None
    d = verifier.check_authorization(authorization, client_ip=client_ip, request=request_, now=NOW)
    assert d.error == error
    assert d.to_dict().get("error") == error  # the core's CheckOutcome.error
    if error is not None:
        assert f'error="{error}"' in (d.www_authenticate or "")
    elif not d.allowed:
        assert d.reason == "bearer.missing" and "error=" not in (d.www_authenticate or "")


def test_authorize_decisions_have_no_challenge_error() -> None:
    d = credgate.authorize(["vault:read:org"], credgate.Request("vault", "delete"))
    assert not d.allowed and d.error is None
