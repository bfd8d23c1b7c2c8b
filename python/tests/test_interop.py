"""Interop with implementations nobody here wrote: PyJWT + cryptography, both ways."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

import credgate
from conftest import AUDIENCE, IP_OK, ISSUER, NOW


def test_credgate_tokens_verify_with_pyjwt(
    new_credential: credgate.NewCredential, key: credgate.SigningKey, key2: credgate.SigningKey
) -> None:
    cred, secret = new_credential
    resp = credgate.issue_token(
        cred, secret, client_ip=IP_OK, signing_key=key2, issuer=ISSUER, audience=AUDIENCE,
        now=NOW, jti="interop-1",
    )
    jwks = credgate.public_jwks([key, key2])  # credgate's published JWKS, rotation included
    header = jwt.get_unverified_header(resp.access_token)
    assert header == {"alg": "EdDSA", "kid": "k2", "typ": "at+jwt"}
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = OKPAlgorithm.from_jwk(json.dumps(jwk))
    claims = jwt.decode(
        resp.access_token, public, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["client_id"] == cred.client_id and claims["exp"] == NOW + 3600
    assert claims["scope"].split(" ") == cred.permissions
    # PyJWT's own JWKS client parses the JWKS too.
    assert jwt.PyJWKSet.from_dict(jwks)["k2"].key_id == "k2"
    # A tampered token fails in PyJWT as well.
    h, p, s = resp.access_token.split(".")
    tampered = f"{h}.{p[:-2]}{'A' if p[-2] != 'A' else 'B'}{p[-1]}.{s}"
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(tampered, public, algorithms=["EdDSA"], audience=AUDIENCE,
                   options={"verify_exp": False, "verify_iat": False})


def pyjwt_token(private: Ed25519PrivateKey, kid: str, **claims: object) -> str:
    payload = {
        "iss": ISSUER, "sub": "cid_pyjwt", "aud": AUDIENCE, "client_id": "cid_pyjwt",
        "iat": NOW, "exp": NOW + 3600, "jti": "pyjwt-1", "scope": "vault:read:org",
        "org": "org_1", "ips": ["203.0.113.0/24"], "env": "sandbox",
    }
    payload.update(claims)
    return jwt.encode(payload, private, algorithm="EdDSA", headers={"kid": kid, "typ": "at+jwt"})


def test_pyjwt_tokens_verify_in_credgate() -> None:
    private = Ed25519PrivateKey.generate()  # a key credgate never saw
    jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    jwk["kid"] = "ext-1"
    verifier = credgate.Verifier({"keys": [jwk]}, issuer=ISSUER, audience=AUDIENCE)
    token = pyjwt_token(private, "ext-1")
    claims = verifier.verify(token, now=NOW + 1)
    assert claims.client_id == "cid_pyjwt" and claims.permissions == ["vault:read:org"]
    d = verifier.check(token, client_ip=IP_OK, request={"type": "vault", "action": "read"},
                       now=NOW + 1)
    assert d.allowed and d.matched == "vault:read:org"
    # PyJWT with a different key -> bad signature; with typ JWT -> wrong type.
    other = pyjwt_token(Ed25519PrivateKey.generate(), "ext-1")
    with pytest.raises(credgate.TokenError) as e:
        verifier.verify(other, now=NOW + 1)
    assert e.value.code == "token.bad_signature"
    plain = jwt.encode({"a": 1}, private, algorithm="EdDSA", headers={"kid": "ext-1"})
    with pytest.raises(credgate.TokenError) as e:
        verifier.verify(plain, now=NOW + 1)
    assert e.value.code == "token.wrong_type"
    expired = pyjwt_token(private, "ext-1", iat=NOW - 7200, exp=NOW - 3600)
    with pytest.raises(credgate.TokenError) as e:
        verifier.verify(expired, now=NOW)
    assert e.value.code == "token.expired"
