"""Shared helpers of the vector generator: keys and seeds, base64url, Ed25519 signing and
verification (`cryptography`), JWKs, hand-assembled tokens (`mint`), and the case/suite writers.

Keys: k1 seed = sha256("credgate-conformance-k1"), k2 seed = sha256("credgate-conformance-k2")
(the starter set's keys), k3 seed = sha256("credgate-conformance-k3") (a key that is not in
the starter JWKS), attacker seed = sha256("credgate-conformance-attacker").
"""

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# tests/vectors: the generated files are written here, next to generate.py.
OUT = Path(__file__).resolve().parent.parent
# The repository, and ../shared next to it (its conformance/ folder is the starter set), or
# $CREDGATE_SHARED as the Makefile's SHARED passes it.
ROOT = OUT.parents[1]
SHARED = Path(os.environ.get("CREDGATE_SHARED") or ROOT.parent / "shared")

# --------------------------------------------------------------------------------------
# Ed25519 / JOSE helpers
# --------------------------------------------------------------------------------------

L = 2**252 + 27742317777372353535851937790883648493  # order of the prime subgroup
IDENTITY = bytes([1]) + bytes(31)  # encoding of the neutral point (small order 1)


def seed_of(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


SEEDS = {
    "k1": seed_of("credgate-conformance-k1"),
    "k2": seed_of("credgate-conformance-k2"),
    "k3": seed_of("credgate-conformance-k3"),
    "attacker": seed_of("credgate-conformance-attacker"),
}


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def pub(seed: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def sign(seed: bytes, msg: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(msg)


def openssl_accepts(pubkey: bytes, sig: bytes, msg: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(pubkey).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def secret_scalar(seed: bytes) -> int:
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return int.from_bytes(bytes(h), "little")


def identity_r_signature(seed: bytes, msg: bytes) -> bytes:
    """A signature with R = the identity point (small order) and S = k*a mod L.

    It satisfies the verification equation [S]B = R + [k]A exactly (R is the identity),
    so lenient verifiers accept it; strict verification rejects small-order R."""
    a = secret_scalar(seed)
    k = int.from_bytes(hashlib.sha512(IDENTITY + pub(seed) + msg).digest(), "little") % L
    s = (k * a) % L
    return IDENTITY + s.to_bytes(32, "little")


def jwk(kid, seed=None, x=None, **extra):
    k = {"kty": "OKP", "crv": "Ed25519", "x": x if x is not None else b64u(pub(seed))}
    if kid is not None:
        k["kid"] = kid
    k.update(extra)
    return k


# The starter set's JWKS, rebuilt from the seeds (checked against the starter file below).
RSA_N = (
    "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBig"
    "eC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_Nxs"
    "iIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHp"
    "M2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"
)
JWKS = {
    "keys": [
        jwk("k1", SEEDS["k1"], alg="EdDSA", use="sig"),
        jwk("k2", SEEDS["k2"], alg="EdDSA", use="sig"),
        {"kty": "RSA", "kid": "rsa1", "n": RSA_N, "e": "AQAB"},
    ]
}

ISS = "https://auth.example.test"
AUD = "https://api.example.test"
IAT = 1800000000
NOW = IAT + 10

HEADER = b'{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}'


def compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def base_claims(**over):
    c = {
        "iss": ISS,
        "sub": "cid_vec",
        "aud": AUD,
        "client_id": "cid_vec",
        "iat": IAT,
        "exp": IAT + 3600,
        "jti": "jti-vec-0001",
        "scope": "balances:read:vault:vlt_1 transaction:read:org key:update:key:key_9",
        "org": "org_1",
        "ips": ["203.0.113.0/24", "198.51.100.7/32"],
        "env": "production",
    }
    for k, v in over.items():
        if v is DROP:
            c.pop(k, None)
        else:
            c[k] = v
    return c


DROP = object()


def mint(header=HEADER, payload=None, seed=None, sig=None, header_b64=None, payload_b64=None):
    """Build a compact JWS. header/payload are bytes (exact JSON text) or dicts."""
    if payload is None:
        payload = base_claims()
    if isinstance(header, dict):
        header = compact(header)
    if isinstance(payload, dict):
        payload = compact(payload)
    h = header_b64 if header_b64 is not None else b64u(header)
    p = payload_b64 if payload_b64 is not None else b64u(payload)
    signing_input = (h + "." + p).encode()
    if sig is None:
        sig = sign(seed if seed is not None else SEEDS["k1"], signing_input)
    s = sig if isinstance(sig, str) else b64u(sig)
    return h + "." + p + "." + s


def signing_input_of(token: str) -> bytes:
    h, p, _ = token.split(".")
    return (h + "." + p).encode()


def assert_valid(token, seed):
    assert openssl_accepts(pub(seed), b64u_dec(token.split(".")[2]), signing_input_of(token)), token


def hdr(alg="EdDSA", kid="k1", typ="at+jwt", **extra):
    h = {}
    if alg is not DROP:
        h["alg"] = alg
    if kid is not DROP:
        h["kid"] = kid
    if typ is not DROP:
        h["typ"] = typ
    h.update(extra)
    return h


def non_canonical_last_char(part: str) -> str:
    """Change the last base64url character so that its unused low bits are non-zero.

    Only possible when len(part) % 4 is 2 (4 unused bits) or 3 (2 unused bits)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rem = len(part) % 4
    assert rem in (2, 3), rem
    v = alphabet.index(part[-1])
    assert v & (0xF if rem == 2 else 0x3) == 0
    return part[:-1] + alphabet[v | 1]


# --------------------------------------------------------------------------------------
# File writing
# --------------------------------------------------------------------------------------

OPS = {
    "parse_permission",
    "validate_spec",
    "ip_allowed",
    "authorize",
    "verify_token",
    "check",
    "parse_token_request",
    "issue_token",
    "preview",
    "lint",
    "explain",
    "diff",
}

# Façade ops beyond CONFORMANCE.md's table (docs: the JSON façade); allowed only in the files
# listed here, so the other files stay runnable by any runner of the table.
HOST_OPS = {"create_credential", "update_credential", "parse_bearer", "set_type_defaults", "public_jwks",
            "verify_secret", "rotate_secret", "suggest", "sign_revocations", "load_revocations", "vocabulary"}
HOST_OP_FILES = {"decisions_host_ops.json", "outcomes.json", "lifecycle_host_ops.json", "revocations.json"}


def suite(filename, name, comment, cases):
    """The document of one vector file, after checking its cases (shape, ops, unique names)."""
    names = set()
    for c in cases:
        assert set(c) == {"name", "op", "input", "expect"}, c
        assert c["op"] in OPS or (filename in HOST_OP_FILES and c["op"] in HOST_OPS), c["op"]
        assert c["name"] not in names, ("duplicate case name", filename, c["name"])
        names.add(c["name"])
    return {"comment": comment, "suite": name, "cases": cases}


def case(name, op, inp, expect):
    return {"name": name, "op": op, "input": inp, "expect": expect}


def render(doc) -> str:
    """The exact text of a vector file (indent 1, ASCII only, final newline)."""
    return json.dumps(doc, indent=1, ensure_ascii=True) + "\n"
