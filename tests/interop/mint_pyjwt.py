#!/usr/bin/env python3
"""Mint EdDSA access tokens with PyJWT (an implementation nobody on credgate wrote) as fixtures.

The core's tests verify these tokens with credgate's verifier (issue 2, item 6). See README.md.

Run (from the repository root):
    python3 -m venv /tmp/interop-venv
    /tmp/interop-venv/bin/pip install 'pyjwt==2.*' cryptography
    /tmp/interop-venv/bin/python tests/interop/mint_pyjwt.py            # writes pyjwt_tokens.json
    /tmp/interop-venv/bin/python tests/interop/mint_pyjwt.py --check    # exit 1 if the file differs

Deterministic: the keys come from fixed seeds, Ed25519 signatures are deterministic and PyJWT
serialises header and payload as compact JSON (header keys sorted), so the output is
byte-for-byte reproducible with the same PyJWT major version.
"""

import hashlib
import json
import sys
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

OUT = Path(__file__).resolve().parent / "pyjwt_tokens.json"

ISSUER = "https://auth.example.test"
AUDIENCE = "https://api.example.test"
IAT = 1800000000
NOW = IAT + 60

KEYS = {
    # kid -> seed (32 bytes): sha256 of a fixed label
    "pyjwt-1": hashlib.sha256(b"credgate-interop-pyjwt-1").digest(),
    "pyjwt-2": hashlib.sha256(b"credgate-interop-pyjwt-2").digest(),
}


def private_key(kid):
    return Ed25519PrivateKey.from_private_bytes(KEYS[kid])


def jwks():
    keys = []
    for kid in sorted(KEYS):
        # PyJWT's own JWK export of the public key ({"kty":"OKP","crv":"Ed25519","x":...}).
        k = OKPAlgorithm.to_jwk(private_key(kid).public_key(), as_dict=True)
        k.update({"kid": kid, "use": "sig", "alg": "EdDSA"})
        keys.append(k)
    return {"keys": keys}


def claims(**over):
    c = {
        "iss": ISSUER,
        "sub": "cid_pyjwt",
        "aud": AUDIENCE,
        "client_id": "cid_pyjwt",
        "iat": IAT,
        "exp": IAT + 3600,
        "jti": "jti-pyjwt-0001",
        "scope": "balances:read:vault:vlt_1 transaction:read:org",
        "org": "org_1",
        "ips": ["203.0.113.0/24", "198.51.100.7/32"],
        "env": "production",
    }
    c.update(over)
    return c


STANDARD = ["iss", "sub", "aud", "client_id", "iat", "exp", "jti", "scope", "org", "ips", "env"]

SPECS = [
    # name, kid, payload, extra header members
    ("credgate claim set, typ at+jwt", "pyjwt-1", claims(), {}),
    ("typ application/at+jwt", "pyjwt-1", claims(jti="jti-pyjwt-0002"), {"typ": "application/at+jwt"}),
    ("aud array containing the audience, extra claims", "pyjwt-1",
     claims(jti="jti-pyjwt-0003", aud=["https://other.example.test", AUDIENCE], tenant="t-42",
            roles=["reader"], cnf={"jkt": "abc"}), {}),
    ("nbf present, key scope", "pyjwt-1",
     claims(jti="jti-pyjwt-0004", nbf=IAT, scope="key:update:key:key_9 balances:read:org",
            ips=["0.0.0.0/0"], env="sandbox", org="org_2"), {}),
    ("second key of the set (rotation)", "pyjwt-2", claims(jti="jti-pyjwt-0005", sub="cid_other",
                                                           client_id="cid_other"), {}),
]


def build():
    tokens = []
    for name, kid, payload, extra_headers in SPECS:
        headers = {"kid": kid, "typ": "at+jwt"}
        headers.update(extra_headers)
        token = jwt.encode(payload, private_key(kid), algorithm="EdDSA", headers=headers)
        # Check with PyJWT itself before saving.
        decoded = jwt.decode(
            token,
            private_key(kid).public_key(),
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        assert decoded == payload, name
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "EdDSA" and header["kid"] == kid, header
        tokens.append({
            "name": name,
            "kid": kid,
            "token": token,
            "expect_claims": {k: payload[k] for k in STANDARD},
            "extra_claims": {k: v for k, v in payload.items() if k not in STANDARD},
        })
    return {
        "comment": "EdDSA JWTs minted by PyJWT %s (see README.md and mint_pyjwt.py); all must verify "
                   "with credgate at `now` with `issuer`, `audience` and `jwks`." % jwt.__version__.split(".")[0],
        "generator": "PyJWT %s, cryptography" % jwt.__version__,
        "jwks": jwks(),
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "now": NOW,
        "tokens": tokens,
    }


def render(doc):
    return json.dumps(doc, indent=1) + "\n"


def main(argv):
    doc = build()
    text = render(doc)
    if "--check" in argv:
        same = OUT.exists() and json.loads(OUT.read_text())["tokens"] == doc["tokens"] \
            and json.loads(OUT.read_text())["jwks"] == doc["jwks"]
        print("pyjwt_tokens.json is " + ("up to date" if same else "OUT OF DATE"))
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT} with {len(doc['tokens'])} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
