#!/usr/bin/env python3
"""Generate credgate's own conformance vectors (tests/vectors/*.json).

Run:  python3 tests/vectors/generate.py            (writes the files next to this script)
      python3 tests/vectors/generate.py --check    (exits 1 if a file on disk differs)

Needs only the standard library and `cryptography` (Ed25519 signing from a seed). The
output is deterministic: Ed25519 signatures are deterministic, and every time, id and
`jti` is fixed below, so regenerating gives byte-identical files.

Every expectation here is written from ../shared/SPEC.md (and the lead's decisions where
the SPEC is silent, noted next to the cases that rely on them), NOT from credgate's core.
Tokens are built by hand (header JSON, payload JSON, base64url, Ed25519) so the core's
encoder is not trusted to produce its own test inputs.

Keys: k1 seed = sha256("credgate-conformance-k1"), k2 seed = sha256("credgate-conformance-k2")
(the starter set's keys), k3 seed = sha256("credgate-conformance-k3") (a key that is not in
the starter JWKS), attacker seed = sha256("credgate-conformance-attacker").
"""

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

OUT = Path(__file__).resolve().parent

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
}

# Façade ops beyond CONFORMANCE.md's table (docs: the JSON façade); allowed only in the files
# listed here, so the other files stay runnable by any runner of the table.
HOST_OPS = {"create_credential", "update_credential", "parse_bearer"}
HOST_OP_FILES = {"decisions_host_ops.json"}

FILES = {}


def suite(filename, name, comment, cases):
    names = set()
    for c in cases:
        assert set(c) == {"name", "op", "input", "expect"}, c
        assert c["op"] in OPS or (filename in HOST_OP_FILES and c["op"] in HOST_OPS), c["op"]
        assert c["name"] not in names, ("duplicate case name", filename, c["name"])
        names.add(c["name"])
    FILES[filename] = {"comment": comment, "suite": name, "cases": cases}


def case(name, op, inp, expect):
    return {"name": name, "op": op, "input": inp, "expect": expect}


# --------------------------------------------------------------------------------------
# parse_permission  (SPEC §1)
# --------------------------------------------------------------------------------------

TYPES = ["vault", "key", "balances", "transaction", "address", "policy", "webhook", "audit"]
ACTIONS = ["create", "read", "update", "delete"]
SCOPES = ["org", "vault", "key"]
# SPEC §1 applicability table, copied row by row.
APPLICABLE = {
    "vault": {"org": True, "vault": True, "key": False},
    "key": {"org": True, "vault": True, "key": True},
    "balances": {"org": True, "vault": True, "key": True},
    "transaction": {"org": True, "vault": True, "key": True},
    "address": {"org": True, "vault": True, "key": False},
    "policy": {"org": True, "vault": True, "key": False},
    "webhook": {"org": True, "vault": False, "key": False},
    "audit": {"org": True, "vault": False, "key": False},
}


def perm_obj(t, a, s, r=None):
    o = {"type": t, "action": a, "scope": s}
    if r is not None:
        o["resource"] = r
    return o


def pp_ok(name, text, t, a, s, r=None):
    canon = f"{t}:{a}:{s}" + (f":{r}" if r is not None else "")
    return case(name, "parse_permission", {"text": text},
                {"ok": True, "canonical": canon, "permission": perm_obj(t, a, s, r)})


def pp_err(name, text, code):
    return case(name, "parse_permission", {"text": text}, {"ok": False, "error": code})


def pj_ok(name, obj, canon, parsed):
    return case(name, "parse_permission", {"permission": obj},
                {"ok": True, "canonical": canon, "permission": parsed})


def pj_err(name, obj, code):
    return case(name, "parse_permission", {"permission": obj}, {"ok": False, "error": code})


def permission_cases():
    cs = []
    # Every row x column of the applicability table, without and with a resource.
    for t in TYPES:
        for s in SCOPES:
            text = f"{t}:read:{s}"
            if APPLICABLE[t][s]:
                cs.append(pp_ok(f"table {t} x {s}: allowed", text, t, "read", s))
            else:
                cs.append(pp_err(f"table {t} x {s}: scope_not_applicable", text,
                                 "permission.scope_not_applicable"))
            if s != "org":
                text_r = f"{t}:update:{s}:res_1"
                if APPLICABLE[t][s]:
                    cs.append(pp_ok(f"table {t} x {s} with resource: allowed", text_r, t, "update", s, "res_1"))
                else:
                    cs.append(pp_err(f"table {t} x {s} with resource: scope_not_applicable", text_r,
                                     "permission.scope_not_applicable"))
    # Every action.
    for a in ACTIONS:
        cs.append(pp_ok(f"action {a}", f"policy:{a}:org", "policy", a, "org"))
        cs.append(pp_ok(f"action {a} on a key resource", f"key:{a}:key:key_7", "key", a, "key", "key_7"))

    # Resource grammar: 1..64 of [A-Za-z0-9_.-].
    r64 = "v" * 64
    r65 = "v" * 65
    cs += [
        pp_ok("resource of 1 character", "balances:read:vault:v", "balances", "read", "vault", "v"),
        pp_ok("resource of 64 characters", f"balances:read:vault:{r64}", "balances", "read", "vault", r64),
        pp_err("resource of 65 characters", f"balances:read:vault:{r65}", "permission.invalid_resource"),
        pp_ok("resource uses every allowed character class",
              "balances:read:vault:AZaz09_.-", "balances", "read", "vault", "AZaz09_.-"),
        pp_ok("resource keeps its upper case", "key:read:key:KEY_Main", "key", "read", "key", "KEY_Main"),
        pp_ok("resource made of dots only", "key:read:key:...", "key", "read", "key", "..."),
        pp_ok("resource made of dashes only", "key:read:key:---", "key", "read", "key", "---"),
        pp_ok("resource made of digits only", "key:read:key:0123", "key", "read", "key", "0123"),
    ]
    for ch, label in [("/", "slash"), ("@", "at sign"), ("+", "plus"), ("%", "percent"), ("#", "hash"),
                      ("*", "star"), ("!", "bang"), ("é", "e acute"), ("\u00e9t\u00e9", "non-ASCII word"),
                      (",", "comma"), ("~", "tilde"), ("'", "quote")]:
        cs.append(pp_err(f"resource with {label} is invalid", f"balances:read:vault:v{ch}1",
                         "permission.invalid_resource"))
    cs.append(pp_err("resource that is only a star", "balances:read:vault:*", "permission.invalid_resource"))

    # Structure -> permission.invalid
    for text, label in [
        ("", "empty text"),
        ("balances", "1 segment"),
        ("balances:read", "2 segments"),
        ("balances:read:vault:v1:x", "5 segments"),
        ("a:b:c:d:e", "5 unknown segments"),
        ("vault::org", "empty middle segment"),
        (":read:org", "empty first segment"),
        ("vault:read:", "empty last of 3 segments"),
        ("vault:read:vault:", "empty resource segment"),
        (":::", "only separators (4 empty segments)"),
        ("::", "only separators (3 empty segments)"),
        ("vault:read:org:", "trailing colon after org"),
        ("vault:read: org", "space inside"),
        (" vault:read:org", "leading space"),
        ("vault:read:org ", "trailing space"),
        ("vault :read:org", "space before colon"),
        ("vault:read:vault:v 1", "space in resource"),
        ("vault:read:org\n", "trailing newline"),
        ("vault:read:\torg", "tab"),
        ("vault:read:vault:v1\r", "carriage return in resource"),
        ("wallet:read: org", "unknown type but a space (structure first)"),
        ("foo:bar:baz:q:z", "5 unknown segments with junk"),
    ]:
        cs.append(pp_err(f"invalid: {label}", text, "permission.invalid"))

    # Check order, first failure wins.
    cs += [
        pp_err("order: unknown type before unknown action", "wallet:frob:org", "permission.unknown_type"),
        pp_err("order: all four segments unknown -> unknown_type", "foo:bar:baz:!!", "permission.unknown_type"),
        pp_err("order: unknown type before unknown scope", "wallet:read:galaxy", "permission.unknown_type"),
        pp_err("order: unknown action before unknown scope", "vault:frob:galaxy", "permission.unknown_action"),
        pp_err("order: unknown action before invalid resource", "vault:frob:vault:!!", "permission.unknown_action"),
        pp_err("order: unknown scope before invalid resource", "vault:read:galaxy:!!", "permission.unknown_scope"),
        pp_err("order: invalid resource before resource_with_org_scope", "vault:read:org:!!",
               "permission.invalid_resource"),
        pp_err("order: invalid resource before scope_not_applicable", "webhook:read:vault:!!",
               "permission.invalid_resource"),
        pp_err("order: 65-char resource before scope_not_applicable", f"audit:read:key:{r65}",
               "permission.invalid_resource"),
        pp_err("resource with org scope", "balances:read:org:vlt_1", "permission.resource_with_org_scope"),
        pp_err("resource with org scope on a type limited to org", "webhook:create:org:wh_1",
               "permission.resource_with_org_scope"),
        pp_err("scope not applicable with a valid resource", "audit:read:key:k1", "permission.scope_not_applicable"),
        pp_err("unknown type (plural)", "vaults:read:org", "permission.unknown_type"),
        pp_err("unknown type wallet", "wallet:read:org", "permission.unknown_type"),
        pp_err("unknown action list", "vault:list:org", "permission.unknown_action"),
        pp_err("unknown action write", "balances:write:vault", "permission.unknown_action"),
        pp_err("unknown scope organization", "vault:read:organization", "permission.unknown_scope"),
        pp_err("unknown scope wallet", "key:read:wallet:k1", "permission.unknown_scope"),
    ]

    # JSON form.
    cs += [
        pj_ok("json: org scope", {"type": "vault", "action": "read", "scope": "org"}, "vault:read:org",
              perm_obj("vault", "read", "org")),
        pj_ok("json: vault scope with resource", {"type": "balances", "action": "read", "scope": "vault",
                                                  "resource": "vlt_01"},
              "balances:read:vault:vlt_01", perm_obj("balances", "read", "vault", "vlt_01")),
        pj_ok("json: members in another order",
              {"resource": "key_3", "scope": "key", "action": "delete", "type": "transaction"},
              "transaction:delete:key:key_3", perm_obj("transaction", "delete", "key", "key_3")),
        pj_ok("json: 64-char resource", {"type": "key", "action": "create", "scope": "vault", "resource": r64},
              f"key:create:vault:{r64}", perm_obj("key", "create", "vault", r64)),
        pj_err("json: missing type", {"action": "read", "scope": "org"}, "permission.invalid"),
        pj_err("json: missing action", {"type": "vault", "scope": "org"}, "permission.invalid"),
        pj_err("json: missing scope", {"type": "vault", "action": "read"}, "permission.invalid"),
        pj_err("json: type is a number", {"type": 1, "action": "read", "scope": "org"}, "permission.invalid"),
        pj_err("json: action is null", {"type": "vault", "action": None, "scope": "org"}, "permission.invalid"),
        pj_err("json: scope is an array", {"type": "vault", "action": "read", "scope": ["org"]},
               "permission.invalid"),
        pj_err("json: resource is a number", {"type": "key", "action": "read", "scope": "key", "resource": 7},
               "permission.invalid"),
        pj_err("json: unknown type", {"type": "wallet", "action": "read", "scope": "org"},
               "permission.unknown_type"),
        pj_err("json: unknown action", {"type": "vault", "action": "list", "scope": "org"},
               "permission.unknown_action"),
        pj_err("json: unknown scope", {"type": "vault", "action": "read", "scope": "galaxy"},
               "permission.unknown_scope"),
        pj_err("json: invalid resource", {"type": "key", "action": "read", "scope": "key", "resource": "k/1"},
               "permission.invalid_resource"),
        pj_err("json: 65-char resource", {"type": "key", "action": "read", "scope": "key", "resource": r65},
               "permission.invalid_resource"),
        pj_err("json: resource with org scope", {"type": "vault", "action": "read", "scope": "org",
                                                 "resource": "v1"},
               "permission.resource_with_org_scope"),
        pj_err("json: scope not applicable", {"type": "webhook", "action": "read", "scope": "vault"},
               "permission.scope_not_applicable"),
        pj_err("json: order, unknown type before unknown action",
               {"type": "wallet", "action": "frob", "scope": "org"}, "permission.unknown_type"),
        pj_err("json: order, invalid resource before scope_not_applicable",
               {"type": "audit", "action": "read", "scope": "key", "resource": "!!"},
               "permission.invalid_resource"),
    ]
    return cs


suite("permissions.json", "permissions",
      "parse_permission (SPEC §1): every type, action and scope; all 8x3 cells of the applicability "
      "table with and without a resource; the resource grammar (1 and 64 chars ok, 65 invalid, only "
      "[A-Za-z0-9_.-]); structure errors (segment count, empty segments, whitespace) -> permission.invalid; "
      "the check order (invalid -> unknown_type -> unknown_action -> unknown_scope -> invalid_resource -> "
      "resource_with_org_scope -> scope_not_applicable), each proven with an input that also fails a later "
      "check; the JSON form, valid and invalid (missing or non-string member -> permission.invalid).",
      permission_cases())


# --------------------------------------------------------------------------------------
# authorize  (SPEC §2)
# --------------------------------------------------------------------------------------


def az(name, perms, request, expect, org=None):
    inp = {"permissions": perms, "request": request}
    if org is not None:
        inp["org"] = org
    return case(name, "authorize", inp, expect)


def allow(matched):
    return {"allowed": True, "reason": "allow", "matched": matched}


def deny(near=None, reason="deny.no_matching_permission"):
    e = {"allowed": False, "reason": reason}
    if near is not None:
        e["near_misses"] = near
    return e


def req(t, a, vault=None, key=None, org=None, **extra):
    r = {"type": t, "action": a}
    if vault is not None:
        r["vault"] = vault
    if key is not None:
        r["key"] = key
    if org is not None:
        r["org"] = org
    r.update(extra)
    return r


def authorize_cases():
    cs = []
    ORG = req("balances", "read")
    VLT = req("balances", "read", vault="vlt_1")
    KEY = req("balances", "read", vault="vlt_1", key="key_1")
    # Match table, scope org: always.
    p = "balances:read:org"
    cs += [
        az("org scope allows an org-level request", [p], ORG, allow(p)),
        az("org scope allows a vault-level request", [p], VLT, allow(p)),
        az("org scope allows a key-level request", [p], KEY, allow(p)),
    ]
    # Scope vault, no resource: R names a vault.
    p = "balances:read:vault"
    cs += [
        az("vault scope without resource denies an org-level request", [p], ORG, deny([p])),
        az("vault scope without resource allows any vault", [p], VLT, allow(p)),
        az("vault scope without resource allows a key-level request (it names a vault)", [p], KEY, allow(p)),
    ]
    # Scope vault with resource.
    p = "balances:read:vault:vlt_1"
    cs += [
        az("vault scope on V denies an org-level request", [p], ORG, deny([p])),
        az("vault scope on V allows vault V", [p], VLT, allow(p)),
        az("vault scope on V denies vault W", [p], req("balances", "read", vault="vlt_2"), deny([p])),
        az("vault scope on V allows a key in vault V", [p], KEY, allow(p)),
        az("vault scope on V denies a key in vault W", [p], req("balances", "read", vault="vlt_2", key="key_1"),
           deny([p])),
        az("vault scope resource is compared exactly (case)", [p], req("balances", "read", vault="VLT_1"),
           deny([p])),
        az("vault scope resource is compared exactly (prefix)", [p], req("balances", "read", vault="vlt_10"),
           deny([p])),
        az("vault resource never matches the key id", [p], req("balances", "read", vault="vlt_2", key="vlt_1"),
           deny([p])),
    ]
    # Scope key, no resource: R names a key.
    p = "balances:read:key"
    cs += [
        az("key scope without resource denies an org-level request", [p], ORG, deny([p])),
        az("key scope without resource denies a vault-level request", [p], VLT, deny([p])),
        az("key scope without resource allows any key", [p], KEY, allow(p)),
    ]
    # Scope key with resource.
    p = "balances:read:key:key_1"
    cs += [
        az("key scope on K denies an org-level request", [p], ORG, deny([p])),
        az("key scope on K denies a vault-level request", [p], VLT, deny([p])),
        az("key scope on K denies a vault-level request on a vault named like K", [p],
           req("balances", "read", vault="key_1"), deny([p])),
        az("key scope on K allows key K", [p], KEY, allow(p)),
        az("key scope on K allows key K whatever its vault", [p],
           req("balances", "read", vault="vlt_9", key="key_1"), allow(p)),
        az("key scope on K denies key J", [p], req("balances", "read", vault="vlt_1", key="key_2"), deny([p])),
    ]
    # Creating things.
    cs += [
        az("vault:create with org scope allows creating a vault", ["vault:create:org"], req("vault", "create"),
           allow("vault:create:org")),
        az("vault:create with vault scope cannot create a vault", ["vault:create:vault"], req("vault", "create"),
           deny(["vault:create:vault"])),
        az("vault:create with vault scope on V cannot create a vault", ["vault:create:vault:vlt_1"],
           req("vault", "create"), deny(["vault:create:vault:vlt_1"])),
        az("key:create in V allowed by org scope", ["key:create:org"], req("key", "create", vault="vlt_1"),
           allow("key:create:org")),
        az("key:create in V allowed by vault scope on V", ["key:create:vault:vlt_1"],
           req("key", "create", vault="vlt_1"), allow("key:create:vault:vlt_1")),
        az("key:create in V allowed by vault scope without resource", ["key:create:vault"],
           req("key", "create", vault="vlt_1"), allow("key:create:vault")),
        az("key:create in V denied by vault scope on W", ["key:create:vault:vlt_2"],
           req("key", "create", vault="vlt_1"), deny(["key:create:vault:vlt_2"])),
        az("key:create in V denied by key scope", ["key:create:key"], req("key", "create", vault="vlt_1"),
           deny(["key:create:key"])),
        az("key-scoped permission never allows an org-level listing", ["key:read:key:key_1"], req("key", "read"),
           deny(["key:read:key:key_1"])),
        az("key-scoped transaction permission never allows a vault-level action",
           ["transaction:create:key"], req("transaction", "create", vault="vlt_1"),
           deny(["transaction:create:key"])),
    ]
    # Type and action must both match.
    cs += [
        az("other action does not match", ["balances:update:org"], VLT, deny()),
        az("other type does not match", ["transaction:read:org"], VLT, deny()),
        az("no permissions at all: deny by default", [], VLT, deny()),
        az("delete needs delete", ["policy:create:org", "policy:read:org", "policy:update:org"],
           req("policy", "delete", vault="vlt_1"), deny()),
    ]
    # matched = first matching permission in credential order.
    cs += [
        az("first match wins: vault scope listed first",
           ["balances:read:vault:vlt_1", "balances:read:org"], VLT, allow("balances:read:vault:vlt_1")),
        az("first match wins: org scope listed first",
           ["balances:read:org", "balances:read:vault:vlt_1"], VLT, allow("balances:read:org")),
        az("first match skips non-matching permissions",
           ["balances:read:vault:vlt_2", "transaction:read:org", "balances:read:key:key_1",
            "balances:read:vault"], KEY, allow("balances:read:key:key_1")),
        az("matched is printed in text form for a JSON permission",
           [{"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}], VLT,
           allow("balances:read:vault:vlt_1")),
        az("mixed text and JSON forms, JSON one matches first",
           ["vault:read:vault:vlt_2", {"type": "vault", "action": "read", "scope": "org"}, "vault:read:vault"],
           req("vault", "read", vault="vlt_1"), allow("vault:read:org")),
    ]
    # near_misses: same type and action only, as a set.
    cs += [
        az("near misses list every same type+action permission that did not cover",
           ["balances:read:vault:vlt_2", "balances:update:org", "transaction:read:org", "balances:read:key:key_1",
            "balances:read:key"],
           req("balances", "read", vault="vlt_1"),
           deny(["balances:read:vault:vlt_2", "balances:read:key:key_1", "balances:read:key"])),
        az("near misses in text form for JSON permissions",
           [{"type": "key", "action": "read", "scope": "key", "resource": "key_2"}, "key:delete:org"],
           req("key", "read", vault="vlt_1", key="key_1"), deny(["key:read:key:key_2"])),
    ]
    # Org.
    cs += [
        az("request org equal to the credential org", ["vault:read:org"], req("vault", "read", org="org_1"),
           allow("vault:read:org"), org="org_1"),
        az("request org different from the credential org", ["vault:read:org"],
           req("vault", "read", org="org_2"), deny(reason="deny.org_mismatch"), org="org_1"),
        az("org mismatch is checked before matching (nothing would match either)", ["key:read:org"],
           req("vault", "read", vault="vlt_1", org="org_2"), deny(reason="deny.org_mismatch"), org="org_1"),
        az("org compared exactly (case)", ["vault:read:org"], req("vault", "read", org="ORG_1"),
           deny(reason="deny.org_mismatch"), org="org_1"),
        az("request without org: no org check", ["vault:read:org"], req("vault", "read"), allow("vault:read:org"),
           org="org_1"),
        # Lead's decision: request names an org but the input has no "org" -> mismatch.
        az("request org given but no credential org -> org mismatch", ["vault:read:org"],
           req("vault", "read", org="org_1"), deny(reason="deny.org_mismatch")),
    ]
    # request.invalid
    E = {"error": "request.invalid"}
    good = ["vault:read:org"]
    r65 = "v" * 65
    cs += [
        az("request: unknown type", good, req("wallet", "read"), E),
        az("request: unknown action", good, req("vault", "list"), E),
        az("request: type in upper case is unknown", good, req("Vault", "read"), E),
        az("request: key without vault", ["key:read:org"], req("key", "read", key="key_1"), E),
        az("request: vault id with a slash", good, req("vault", "read", vault="v/1"), E),
        az("request: empty vault id", good, req("vault", "read", vault=""), E),
        az("request: 65-char vault id", good, req("vault", "read", vault=r65), E),
        az("request: key id with a space", ["key:read:org"], req("key", "read", vault="vlt_1", key="key 1"), E),
        az("request: vault id is a number", good, {"type": "vault", "action": "read", "vault": 7}, E),
        az("request: missing type", good, {"action": "read"}, E),
        az("request: missing action", good, {"type": "vault"}, E),
        # Lead's decisions: only type/action/vault/key/org; unknown fields are invalid; null = absent.
        az("request: unknown field", good, req("vault", "read", vault="vlt_1", wallet="w1"), E),
        az("request: scope is not a request field", good, req("vault", "read", scope="org"), E),
        az("request: null vault is absent", ["vault:create:org"],
           {"type": "vault", "action": "create", "vault": None, "key": None, "org": None},
           allow("vault:create:org")),
        az("request: 64-char ids accepted", ["key:read:key:" + "k" * 64],
           req("key", "read", vault="v" * 64, key="k" * 64), allow("key:read:key:" + "k" * 64)),
        az("request: id with every allowed character class", ["vault:read:vault:Az09_.-"],
           req("vault", "read", vault="Az09_.-"), allow("vault:read:vault:Az09_.-")),
    ]
    # Invalid permission in the list -> {"error": code}; input check order (lead's decision):
    # request.invalid, then permissions, then org, then matching.
    cs += [
        az("invalid permission after a matching one", ["vault:read:org", "vault:frob:org"],
           req("vault", "read"), {"error": "permission.unknown_action"}),
        az("unparseable permission", ["vault:read"], req("vault", "read"), {"error": "permission.invalid"}),
        az("permission with org-scope resource", ["vault:read:org:v1"], req("vault", "read"),
           {"error": "permission.resource_with_org_scope"}),
        az("permission scope not applicable", ["webhook:read:key"], req("webhook", "read"),
           {"error": "permission.scope_not_applicable"}),
        az("invalid JSON-form permission", [{"type": "vault", "action": "read"}], req("vault", "read"),
           {"error": "permission.invalid"}),
        az("order: invalid request before invalid permission", ["wallet:read:org"], req("wallet", "read"),
           {"error": "request.invalid"}),
        az("order: invalid permission before org mismatch", ["vault:read:galaxy"],
           req("vault", "read", org="org_2"), {"error": "permission.unknown_scope"}, org="org_1"),
    ]
    return cs


suite("authorize.json", "authorize",
      "authorize (SPEC §2): every line of the match table (org scope always; vault scope with and without "
      "resource; key scope with and without resource; key scope never allows org- or vault-level requests; "
      "vault:create needs org scope; key:create in V), `matched` = first matching permission in credential "
      "order (text form), near_misses (same type and action only, as a set), org equality (deny.org_mismatch), "
      "request.invalid (unknown type/action, key without vault, ids outside the resource grammar, unknown "
      "fields), invalid permissions -> {error}, and the input check order request -> permissions -> org -> match.",
      authorize_cases())


# --------------------------------------------------------------------------------------
# validate_spec  (SPEC §4)
# --------------------------------------------------------------------------------------


def spec(**over):
    s = {
        "name": "Payments backend",
        "description": "Reads balances for the ledger",
        "permission_set_type": "wallets",
        "permissions": ["vault:read:org", "balances:read:vault:vlt_1"],
        "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox",
    }
    for k, v in over.items():
        if v is DROP:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def vs(name, s, errors=None):
    exp = {"ok": True} if errors is None else {
        "ok": False, "errors": [{"path": p, "code": c} for p, c in errors]}
    return case(name, "validate_spec", {"spec": s}, exp)


def validate_cases():
    cs = []
    E_ACUTE = "\u00e9"  # 1 scalar, 2 UTF-8 bytes
    EMOJI = "\U0001F600"  # 1 scalar, 4 UTF-8 bytes, 2 UTF-16 units
    COMB = "e\u0301"  # 2 scalars (e + COMBINING ACUTE ACCENT), 1 grapheme
    cs.append(vs("valid spec", spec()))
    # name length in Unicode scalar values
    for label, value, ok in [
        ("4 ASCII chars", "abcd", False),
        ("5 ASCII chars", "abcde", True),
        ("50 ASCII chars", "n" * 50, True),
        ("51 ASCII chars", "n" * 51, False),
        ("empty", "", False),
        ("4 e-acute (8 bytes)", E_ACUTE * 4, False),
        ("5 e-acute (10 bytes)", E_ACUTE * 5, True),
        ("50 e-acute (100 bytes)", E_ACUTE * 50, True),
        ("51 e-acute", E_ACUTE * 51, False),
        ("4 emoji (16 bytes, 8 UTF-16 units)", EMOJI * 4, False),
        ("5 emoji", EMOJI * 5, True),
        ("50 emoji (100 UTF-16 units)", EMOJI * 50, True),
        ("51 emoji", EMOJI * 51, False),
        ("2 combining pairs = 4 scalars", COMB * 2, False),
        ("2 combining pairs + 1 = 5 scalars (3 graphemes)", COMB * 2 + "e", True),
        ("25 combining pairs = 50 scalars", COMB * 25, True),
        ("25 combining pairs + 1 = 51 scalars (26 graphemes)", COMB * 25 + "e", False),
        ("mixed scripts, 5 scalars", "a" + E_ACUTE + EMOJI + "\u4e2d" + "z", True),
        ("spaces count", "ab cd", True),
    ]:
        cs.append(vs(f"name {label}", spec(name=value), None if ok else [("name", "name.length")]))
    # name control characters
    for label, ch in [("NUL", "\u0000"), ("tab", "\t"), ("newline", "\n"), ("carriage return", "\r"),
                      ("unit separator U+001F", "\u001f"), ("DEL U+007F", "\u007f"),
                      ("C1 NEL U+0085", "\u0085"), ("C1 U+009F", "\u009f"), ("escape", "\u001b")]:
        cs.append(vs(f"name with {label}", spec(name=f"Payments{ch}backend"), [("name", "name.invalid_char")]))
    # description
    cs += [
        vs("description absent", spec(description=DROP)),
        vs("description null", spec(description=None)),
        vs("description empty string", spec(description="")),
        vs("description 4 chars", spec(description="abcd"), [("description", "description.length")]),
        vs("description 5 chars", spec(description="abcde")),
        vs("description 50 chars", spec(description="d" * 50)),
        vs("description 51 chars", spec(description="d" * 51), [("description", "description.length")]),
        vs("description 4 e-acute", spec(description=E_ACUTE * 4), [("description", "description.length")]),
        vs("description 5 e-acute", spec(description=E_ACUTE * 5)),
        vs("description 50 emoji", spec(description=EMOJI * 50)),
        vs("description 51 emoji", spec(description=EMOJI * 51), [("description", "description.length")]),
        vs("description 25 combining pairs + 1 = 51 scalars", spec(description=COMB * 25 + "e"),
           [("description", "description.length")]),
        vs("description with newline", spec(description="Reads balances\nfor ledger"),
           [("description", "description.invalid_char")]),
        vs("description with NUL", spec(description="Reads\u0000balances"),
           [("description", "description.invalid_char")]),
        vs("description with DEL", spec(description="Reads\u007fbalances"),
           [("description", "description.invalid_char")]),
    ]
    # permission_set_type
    for st in ["wallets", "transactions", "controls", "monitoring"]:
        cs.append(vs(f"set type {st}", spec(permission_set_type=st)))
    cs += [
        vs("set type unknown", spec(permission_set_type="wallet"), [("permission_set_type", "set_type.unknown")]),
        vs("set type is case-sensitive", spec(permission_set_type="Wallets"),
           [("permission_set_type", "set_type.unknown")]),
        vs("set type defaults may be changed: monitoring with a vault permission",
           spec(permission_set_type="monitoring", permissions=["vault:create:org"])),
    ]
    # permissions count
    p100 = [f"vault:read:vault:v{i}" for i in range(100)]
    p101 = [f"vault:read:vault:v{i}" for i in range(101)]
    cs += [
        vs("0 permissions", spec(permissions=[]), [("permissions", "permissions.empty")]),
        vs("1 permission", spec(permissions=["audit:read:org"])),
        vs("100 permissions", spec(permissions=p100)),
        vs("101 permissions", spec(permissions=p101), [("permissions", "permissions.too_many")]),
        vs("permissions in JSON form", spec(permissions=[
            {"type": "vault", "action": "read", "scope": "org"},
            {"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}])),
    ]
    # per-entry codes with paths
    cs += [
        vs("every per-entry permission code at its index", spec(permissions=[
            "vault:read:org",
            "vault:read",
            "wallet:read:org",
            "vault:list:org",
            "vault:read:galaxy",
            "webhook:read:vault",
            "vault:read:org:v1",
            "vault:read:vault:v/1",
            {"type": "vault", "action": "read"},
        ]), [
            ("permissions[1]", "permission.invalid"),
            ("permissions[2]", "permission.unknown_type"),
            ("permissions[3]", "permission.unknown_action"),
            ("permissions[4]", "permission.unknown_scope"),
            ("permissions[5]", "permission.scope_not_applicable"),
            ("permissions[6]", "permission.resource_with_org_scope"),
            ("permissions[7]", "permission.invalid_resource"),
            ("permissions[8]", "permission.invalid"),
        ]),
        vs("per-entry check order inside a spec", spec(permissions=["foo:bar:baz:!!", "webhook:read:vault:!!"]),
           [("permissions[0]", "permission.unknown_type"), ("permissions[1]", "permission.invalid_resource")]),
        vs("duplicate permission: path is the later index",
           spec(permissions=["vault:read:org", "key:read:org", "vault:read:org"]),
           [("permissions[2]", "permissions.duplicate")]),
        vs("duplicate across text and JSON forms (same canonical text)",
           spec(permissions=["balances:read:vault:vlt_1", "vault:read:org",
                             {"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}]),
           [("permissions[2]", "permissions.duplicate")]),
        vs("three copies: both later indexes are duplicates",
           spec(permissions=["vault:read:org", "vault:read:org", "key:read:org", "vault:read:org"]),
           [("permissions[1]", "permissions.duplicate"), ("permissions[3]", "permissions.duplicate")]),
        vs("same permission on different resources is not a duplicate",
           spec(permissions=["vault:read:vault:v1", "vault:read:vault:v2", "vault:read:vault",
                             "vault:read:org"])),
        vs("resources are case-sensitive: not duplicates",
           spec(permissions=["vault:read:vault:v1", "vault:read:vault:V1"])),
    ]
    # ip_allowlist
    ip6 = ["203.0.113.1", "203.0.113.2", "198.51.100.0/24", "192.0.2.0/25", "10.0.0.0/8", "0.0.0.0/0"]
    ip7 = ip6 + ["172.16.0.0/12"]
    cs += [
        vs("0 ip entries", spec(ip_allowlist=[]), [("ip_allowlist", "ip.empty")]),
        vs("1 ip entry", spec(ip_allowlist=["203.0.113.7"])),
        vs("6 ip entries", spec(ip_allowlist=ip6)),
        vs("7 ip entries", spec(ip_allowlist=ip7), [("ip_allowlist", "ip.too_many")]),
        vs("all addresses", spec(ip_allowlist=["0.0.0.0/0"])),
        vs("every per-entry ip code at its index", spec(ip_allowlist=[
            "010.0.0.1", "2001:db8::/32", "10.0.0.1/24", "203.0.113.7", "10.0.0.0/33", "203.0.113.7"]), [
            ("ip_allowlist[0]", "ip.invalid"),
            ("ip_allowlist[1]", "ip.ipv6_unsupported"),
            ("ip_allowlist[2]", "ip.host_bits_set"),
            ("ip_allowlist[4]", "ip.invalid"),
            ("ip_allowlist[5]", "ip.duplicate"),
        ]),
        vs("duplicate ip entry: path is the later index",
           spec(ip_allowlist=["198.51.100.0/24", "203.0.113.7", "198.51.100.0/24"]),
           [("ip_allowlist[2]", "ip.duplicate")]),
        vs("ip entry with a space", spec(ip_allowlist=["203.0.113.7 "]), [("ip_allowlist[0]", "ip.invalid")]),
        vs("ip prefix with a leading zero", spec(ip_allowlist=["10.0.0.0/08"]), [("ip_allowlist[0]", "ip.invalid")]),
        vs("ipv6 loopback", spec(ip_allowlist=["::1"]), [("ip_allowlist[0]", "ip.ipv6_unsupported")]),
    ]
    # environment
    cs += [
        vs("environment production", spec(environment="production")),
        vs("environment unknown", spec(environment="staging"), [("environment", "environment.unknown")]),
        vs("environment is case-sensitive", spec(environment="Production"), [("environment", "environment.unknown")]),
    ]
    # Several problems at once.
    cs += [
        vs("every field wrong at once", {
            "name": "abc",
            "description": "a\u0007bcdef",
            "permission_set_type": "admin",
            "permissions": ["vault:read:org", "vault:read:org", "key:read:key:k!"],
            "ip_allowlist": ["10.0.0.1/24", "::1", "010.0.0.1"],
            "environment": "dev",
        }, [
            ("name", "name.length"),
            ("description", "description.invalid_char"),
            ("permission_set_type", "set_type.unknown"),
            ("permissions[1]", "permissions.duplicate"),
            ("permissions[2]", "permission.invalid_resource"),
            ("ip_allowlist[0]", "ip.host_bits_set"),
            ("ip_allowlist[1]", "ip.ipv6_unsupported"),
            ("ip_allowlist[2]", "ip.invalid"),
            ("environment", "environment.unknown"),
        ]),
        vs("empty lists and a long name at once",
           spec(name="x" * 51, permissions=[], ip_allowlist=[], description="abcd"), [
               ("name", "name.length"),
               ("description", "description.length"),
               ("permissions", "permissions.empty"),
               ("ip_allowlist", "ip.empty"),
           ]),
        vs("too many of both lists at once", spec(permissions=p101, ip_allowlist=ip7), [
            ("permissions", "permissions.too_many"),
            ("ip_allowlist", "ip.too_many"),
        ]),
    ]
    return cs


suite("spec.json", "spec",
      "validate_spec (SPEC §4): name and description lengths counted in Unicode scalar values (4/5/50/51, "
      "with 2-byte, 4-byte and combining characters, where a combining mark counts as its own scalar), control "
      "characters (C0, DEL, C1), description absent/null/\"\" all mean none, set types, 0/1/100/101 "
      "permissions, 0/1/6/7 ip entries, every per-entry code with its indexed path, duplicates reported at the "
      "later index, environment, and several problems reported at once (errors compared as a set).",
      validate_cases())


# --------------------------------------------------------------------------------------
# ip_allowed  (SPEC §4)
# --------------------------------------------------------------------------------------


def ipc(name, allowlist, ip, expect):
    if expect is True:
        expect = {"allowed": True, "reason": "allow"}
    elif expect is False:
        expect = {"allowed": False, "reason": "deny.ip_not_allowed"}
    elif expect == "invalid":
        expect = {"allowed": False, "reason": "deny.ip_invalid"}
    elif isinstance(expect, str):
        expect = {"error": expect}
    return case(name, "ip_allowed", {"allowlist": allowlist, "ip": ip}, expect)


def ip_cases():
    cs = []
    # Bare address = /32
    cs += [
        ipc("bare address matches itself", ["203.0.113.7"], "203.0.113.7", True),
        ipc("bare address does not match the next address", ["203.0.113.7"], "203.0.113.8", False),
        ipc("bare address does not match the previous address", ["203.0.113.7"], "203.0.113.6", False),
        ipc("/32 matches its address", ["203.0.113.7/32"], "203.0.113.7", True),
        ipc("/32 does not match the next address", ["203.0.113.7/32"], "203.0.113.8", False),
        ipc("0.0.0.0/0 allows 0.0.0.0", ["0.0.0.0/0"], "0.0.0.0", True),
        ipc("0.0.0.0/0 allows 255.255.255.255", ["0.0.0.0/0"], "255.255.255.255", True),
        ipc("/24 first address", ["198.51.100.0/24"], "198.51.100.0", True),
        ipc("/24 last address", ["198.51.100.0/24"], "198.51.100.255", True),
        ipc("/24 just below", ["198.51.100.0/24"], "198.51.99.255", False),
        ipc("/24 just above", ["198.51.100.0/24"], "198.51.101.0", False),
        ipc("/31 first address", ["192.0.2.4/31"], "192.0.2.4", True),
        ipc("/31 second address", ["192.0.2.4/31"], "192.0.2.5", True),
        ipc("/31 just below", ["192.0.2.4/31"], "192.0.2.3", False),
        ipc("/31 just above", ["192.0.2.4/31"], "192.0.2.6", False),
        ipc("/1 upper half includes 128.0.0.0", ["128.0.0.0/1"], "128.0.0.0", True),
        ipc("/1 upper half excludes 127.255.255.255", ["128.0.0.0/1"], "127.255.255.255", False),
        ipc("/8", ["10.0.0.0/8"], "10.255.255.255", True),
        ipc("/25 upper half excluded", ["192.0.2.0/25"], "192.0.2.128", False),
        ipc("/25 upper half as its own entry", ["192.0.2.128/25"], "192.0.2.128", True),
        ipc("/30 non-octet boundary", ["192.0.2.8/30"], "192.0.2.11", True),
        ipc("/30 non-octet boundary, next block", ["192.0.2.8/30"], "192.0.2.12", False),
        ipc("matches the second of several entries", ["203.0.113.7", "198.51.100.0/24", "192.0.2.0/24"],
            "198.51.100.9", True),
        ipc("matches the last of six entries",
            ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5", "10.0.0.0/8"],
            "10.1.2.3", True),
        ipc("no entry of several matches", ["203.0.113.7", "198.51.100.0/24"], "192.0.2.1", False),
        ipc("0.0.0.0/0 next to other entries allows any address", ["0.0.0.0/0", "203.0.113.7"], "8.8.8.8", True),
    ]
    # Client IP forms
    cs += [
        ipc("IPv4-mapped IPv6 client matches its IPv4 entry", ["203.0.113.7"], "::ffff:203.0.113.7", True),
        ipc("IPv4-mapped IPv6 client within a /24", ["203.0.113.0/24"], "::ffff:203.0.113.200", True),
        ipc("IPv4-mapped IPv6 client outside the list", ["203.0.113.7"], "::ffff:203.0.113.8", False),
        ipc("IPv4-mapped IPv6 client allowed by 0.0.0.0/0", ["0.0.0.0/0"], "::ffff:192.0.2.1", True),
        ipc("IPv4-mapped IPv6 in full form", ["203.0.113.7"], "0:0:0:0:0:ffff:203.0.113.7", True),
        ipc("IPv6 loopback never allowed, even by 0.0.0.0/0", ["0.0.0.0/0"], "::1", False),
        ipc("IPv6 global address never allowed, even by 0.0.0.0/0", ["0.0.0.0/0"], "2001:db8::1", False),
        ipc("IPv6 unspecified never allowed", ["0.0.0.0/0"], "::", False),
        ipc("IPv4-compatible (not mapped) IPv6 never allowed", ["0.0.0.0/0"], "::203.0.113.7", False),
        ipc("IPv4-compatible (not mapped) IPv6 not treated as IPv4", ["203.0.113.7"], "::203.0.113.7", False),
        ipc("unparseable client ip", ["0.0.0.0/0"], "not-an-ip", "invalid"),
        ipc("empty client ip", ["0.0.0.0/0"], "", "invalid"),
        ipc("client ip with an octet over 255", ["0.0.0.0/0"], "256.1.1.1", "invalid"),
        ipc("client ip with 3 octets", ["0.0.0.0/0"], "10.0.0", "invalid"),
        ipc("client ip with 5 octets", ["0.0.0.0/0"], "10.0.0.0.1", "invalid"),
        ipc("client ip in CIDR form is not an address", ["0.0.0.0/0"], "203.0.113.7/32", "invalid"),
        ipc("client ip with a port", ["0.0.0.0/0"], "203.0.113.7:443", "invalid"),
        ipc("client ip with a leading space", ["0.0.0.0/0"], " 203.0.113.7", "invalid"),
        ipc("client IPv4-mapped with a bad IPv4 part", ["0.0.0.0/0"], "::ffff:203.0.113.999", "invalid"),
        ipc("client ip hostname", ["0.0.0.0/0"], "localhost", "invalid"),
    ]
    # Invalid allowlists -> {"error"}; order (lead's decision): ip.empty, entries in order, ip.too_many,
    # ip.duplicate.
    for entry, code, label in [
        ("010.0.0.1", "ip.invalid", "leading zero in an octet"),
        ("10.0.0.01", "ip.invalid", "leading zero in the last octet"),
        ("00.0.0.0", "ip.invalid", "double zero octet"),
        ("10.0.0.0/08", "ip.invalid", "leading zero in the prefix"),
        ("0.0.0.0/00", "ip.invalid", "prefix 00"),
        ("10.0.0.0/33", "ip.invalid", "prefix 33"),
        ("10.0.0.0/-1", "ip.invalid", "negative prefix"),
        ("10.0.0.0/+8", "ip.invalid", "prefix with a plus sign"),
        ("10.0.0.0/", "ip.invalid", "empty prefix"),
        ("10.0.0.0/8/8", "ip.invalid", "two prefixes"),
        ("10.0.0.0/255.0.0.0", "ip.invalid", "netmask instead of a prefix"),
        ("256.0.0.0", "ip.invalid", "octet 256"),
        ("10.0.0", "ip.invalid", "3 octets"),
        ("10.0.0.0.0", "ip.invalid", "5 octets"),
        ("10..0.0", "ip.invalid", "empty octet"),
        ("10.0.0.0.", "ip.invalid", "trailing dot"),
        ("0x0a.0.0.1", "ip.invalid", "hex octet"),
        ("167772161", "ip.invalid", "single integer form"),
        ("+10.0.0.1", "ip.invalid", "plus sign"),
        (" 10.0.0.1", "ip.invalid", "leading space"),
        ("10.0.0.1 ", "ip.invalid", "trailing space"),
        ("10.0.0.0 /8", "ip.invalid", "space before slash"),
        ("10.0.0.0/ 8", "ip.invalid", "space after slash"),
        ("", "ip.invalid", "empty entry"),
        ("example.com", "ip.invalid", "hostname"),
        ("\u0661.2.3.4", "ip.invalid", "non-ASCII digit"),
        ("10.0.0.1/24", "ip.host_bits_set", "host bits set in a /24"),
        ("192.0.2.5/31", "ip.host_bits_set", "host bit set in a /31"),
        ("1.0.0.0/0", "ip.host_bits_set", "host bits set in a /0"),
        ("128.0.0.1/1", "ip.host_bits_set", "host bits set in a /1"),
        ("::1", "ip.ipv6_unsupported", "IPv6 loopback"),
        ("2001:db8::1", "ip.ipv6_unsupported", "IPv6 address"),
        ("2001:db8::/32", "ip.ipv6_unsupported", "IPv6 network"),
        ("::/0", "ip.ipv6_unsupported", "IPv6 everything"),
    ]:
        cs.append(ipc(f"entry: {label}", [entry], "10.0.0.1", code))
    valid_entries = [
        ("0.0.0.0/32", "0.0.0.0", "0.0.0.0/32"),
        ("255.255.255.255", "255.255.255.255", "broadcast address"),
        ("10.0.0.0/8", "10.0.0.0", "prefix 8"),
        ("100.64.0.0/10", "100.127.255.255", "prefix 10, last address"),
        ("0.0.0.0", "0.0.0.0", "0.0.0.0 as a bare address"),
    ]
    for entry, ip, label in valid_entries:
        cs.append(ipc(f"valid entry: {label}", [entry], ip, True))
    cs += [
        ipc("0.0.0.0 bare is only that address", ["0.0.0.0"], "0.0.0.1", False),
        ipc("empty allowlist", [], "10.0.0.1", "ip.empty"),
        ipc("seven entries", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6",
                              "10.0.0.7"], "10.0.0.1", "ip.too_many"),
        ipc("duplicate entries", ["10.0.0.1", "10.0.0.1"], "10.0.0.1", "ip.duplicate"),
        ipc("duplicate CIDR entries", ["10.0.0.0/8", "203.0.113.7", "10.0.0.0/8"], "10.0.0.1", "ip.duplicate"),
        ipc("order: first failing entry wins (host bits before invalid)", ["10.0.0.1/24", "010.0.0.1"],
            "10.0.0.1", "ip.host_bits_set"),
        ipc("order: first failing entry wins (invalid before IPv6)", ["203.0.113.7", "010.0.0.1", "::1"],
            "10.0.0.1", "ip.invalid"),
        ipc("order: first failing entry wins (IPv6 before host bits)", ["::1", "10.0.0.1/24"],
            "10.0.0.1", "ip.ipv6_unsupported"),
        ipc("order: bad entry before too many", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                                 "10.0.0.6", "10.0.0.256"], "10.0.0.1", "ip.invalid"),
        ipc("order: too many before duplicate", ["10.0.0.1", "10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                                 "10.0.0.6", "10.0.0.7"], "10.0.0.1", "ip.too_many"),
        ipc("order: bad entry before duplicate", ["10.0.0.1", "10.0.0.1", "10.0.0.1/8"], "10.0.0.1",
            "ip.host_bits_set"),
        ipc("invalid allowlist reported even with an invalid client ip", ["010.0.0.1"], "nonsense", "ip.invalid"),
        ipc("invalid allowlist reported even with an IPv6 client", ["10.0.0.0/33"], "::1", "ip.invalid"),
    ]
    return cs


suite("ip.json", "ip",
      "ip_allowed (SPEC §4): strict dotted-quad entries (leading zeros, prefix 0..32 without leading zeros, "
      "spaces, host bits, IPv6 entries -> ip.ipv6_unsupported), a bare address = /32, 0.0.0.0/0, the edges of "
      "/1, /24, /25, /30, /31; client IPs: IPv4-mapped IPv6 treated as IPv4, any other IPv6 never allowed "
      "(even by 0.0.0.0/0, including IPv4-compatible ::a.b.c.d), unparseable -> deny.ip_invalid; an invalid "
      "allowlist -> {error: first failing code} in the order ip.empty, entries in order, ip.too_many, "
      "ip.duplicate (lead's decision).",
      ip_cases())


# --------------------------------------------------------------------------------------
# verify_token  (SPEC §6)
# --------------------------------------------------------------------------------------

OTHER_AUD = "https://other.example.test"
OTHER_ISS = "https://evil.example.test"
ZERO_SIG = bytes(64)


def vt(name, token, expect, jwks=None, now=NOW, leeway=None, issuer=ISS, audience=AUD):
    inp = {"token": token, "jwks": JWKS if jwks is None else jwks, "now": now, "issuer": issuer,
           "audience": audience}
    if leeway is not None:
        inp["leeway"] = leeway
    if isinstance(expect, str):
        expect = {"ok": False, "error": expect}
    return case(name, "verify_token", inp, expect)


def ok_claims(claims=None, drop=()):
    c = dict(base_claims() if claims is None else claims)
    out = {k: c[k] for k in ("iss", "sub", "client_id", "iat", "exp", "jti", "scope", "org", "ips", "env")
           if k in c and k not in drop}
    return {"ok": True, "claims": out}


def assert_valid(token, seed):
    assert openssl_accepts(pub(seed), b64u_dec(token.split(".")[2]), signing_input_of(token)), token


def token_of_length(target, seed=SEEDS["k1"]):
    """A correctly signed token whose compact form is exactly `target` bytes (padding claim)."""
    # With the 41-byte canonical header some lengths are unreachable (base64url never has
    # length 4n+1), so fall back to the 43-byte header with alg "Ed25519".
    for header in (HEADER, compact(hdr(alg="Ed25519"))):
        found = _token_of_length(target, seed, header)
        if found:
            return found
    raise AssertionError("no token of length %d" % target)


def _token_of_length(target, seed, header):
    h = b64u(header)
    for jti_extra in range(0, 8):
        for n in range(0, target):
            claims = base_claims(jti="jti-size-" + "x" * jti_extra)
            claims["pad"] = "p" * n
            length = len(h) + 1 + len(b64u(compact(claims))) + 1 + 86
            if length == target:
                t = mint(header=header, payload=claims, seed=seed)
                assert len(t) == target
                return t, claims
            if length > target:
                break
    return None


def token_with_sig_char(chars):
    """A valid k1 token whose signature part contains every char in `chars`."""
    for i in range(1000):
        claims = base_claims(jti=f"jti-b64-{i:04d}")
        t = mint(payload=claims)
        if all(ch in t.split(".")[2] for ch in chars):
            return t, claims
    raise AssertionError("not found")


def payload_with_dash_underscore():
    """base64url of a claim set whose encoding contains both '-' and '_'."""
    for i in range(3):
        p = b64u(compact(base_claims(jti="jti-alphabet-" + "x" * i + ">>>???")))
        if "-" in p and "_" in p:
            return p
    raise AssertionError("not found")


def verify_cases():
    cs = []
    k1, k2, k3, att = SEEDS["k1"], SEEDS["k2"], SEEDS["k3"], SEEDS["attacker"]
    valid = mint()
    assert_valid(valid, k1)

    # ---- accepted tokens
    cs += [
        vt("valid token signed by k1", valid, ok_claims()),
        vt("valid token signed by k2", mint(header=hdr(kid="k2"), seed=k2), ok_claims()),
        vt("alg Ed25519 (RFC 9864 name) accepted", mint(header=hdr(alg="Ed25519")), ok_claims()),
        vt("typ application/at+jwt accepted", mint(header=hdr(typ="application/at+jwt")), ok_claims()),
        vt("header members in another order", mint(header=b'{"typ":"at+jwt","kid":"k1","alg":"EdDSA"}'),
           ok_claims()),
        vt("header JSON with insignificant whitespace",
           mint(header=b'{ "alg" : "EdDSA" ,\n "kid" : "k1" , "typ" : "at+jwt" }'), ok_claims()),
        vt("unknown extra header member is ignored", mint(header=hdr(x_note="hello")), ok_claims()),
        vt("aud array containing the audience", mint(payload=base_claims(aud=[OTHER_AUD, AUD])), ok_claims()),
        vt("aud array with only the audience", mint(payload=base_claims(aud=[AUD])), ok_claims()),
        vt("extra claims are allowed", mint(payload=dict(base_claims(), cnf={"x": 1}, tenant="t1")),
           ok_claims()),
        vt("nbf equal to now", mint(payload=dict(base_claims(), nbf=NOW)), ok_claims()),
        vt("nbf in the past", mint(payload=dict(base_claims(), nbf=IAT)), ok_claims()),
        vt("iat equal to now", mint(payload=base_claims(iat=NOW)), ok_claims(base_claims(iat=NOW))),
        vt("claims in reverse order",
           mint(payload=compact({k: base_claims()[k] for k in reversed(list(base_claims()))})), ok_claims()),
        vt("payload JSON with whitespace",
           mint(payload=json.dumps(base_claims(), indent=2).encode()), ok_claims()),
        vt("non-ASCII claim values", mint(payload=base_claims(jti="jti-\u00e9\u4e2d\U0001F600")),
           ok_claims(base_claims(jti="jti-\u00e9\u4e2d\U0001F600"))),
    ]
    # size boundary
    t8192, c8192 = token_of_length(8192)
    t8193, _ = token_of_length(8193)
    assert len(t8192) == 8192 and len(t8193) == 8193
    cs += [
        vt("token of exactly 8192 bytes is accepted", t8192, ok_claims(c8192)),
        vt("token of 8193 bytes is too large (otherwise valid)", t8193, "token.too_large"),
        vt("too_large beats malformed", "a" * 8193, "token.too_large"),
        vt("too_large beats everything (alg none, no signature, expired)",
           mint(header=hdr(alg="none", typ="JWT", kid="k9", crit=["exp"]),
                payload=dict(base_claims(exp=1, iss="x"), pad="q" * 6500), sig=b""),
           "token.too_large"),
    ]
    assert len(cs[-1]["input"]["token"]) > 8192

    # ---- token.malformed (each also has a later failure: alg none / bad signature / ...)
    none_hdr = hdr(alg="none", typ="JWT")
    nh = b64u(compact(none_hdr))
    assert len(nh) % 4 in (2, 3)
    vp = valid.split(".")[1]
    vsig = valid.split(".")[2]
    t_plus, c_plus = token_with_sig_char("-_")
    tp = t_plus.split(".")
    cs += [
        vt("empty token", "", "token.malformed"),
        vt("one part", nh, "token.malformed"),
        vt("two parts (alg none)", nh + "." + vp, "token.malformed"),
        vt("four parts (alg none)", nh + "." + vp + "." + vsig + "." + vsig, "token.malformed"),
        vt("four parts, first three valid", valid + ".", "token.malformed"),
        vt("three empty parts", "..", "token.malformed"),
        vt("empty header part", "." + vp + "." + vsig, "token.malformed"),
        vt("empty payload part", valid.split(".")[0] + ".." + vsig, "token.malformed"),
        vt("padding on the signature part of a valid token", valid + "==", "token.malformed"),
        vt("padding on the header part (alg none)", nh + "=" * (-len(nh) % 4) + "." + vp + ".", "token.malformed"),
        vt("non-canonical trailing bits in the header part (alg none)",
           non_canonical_last_char(nh) + "." + vp + ".", "token.malformed"),
        vt("non-canonical trailing bits in the signature of a valid token",
           valid.rsplit(".", 1)[0] + "." + non_canonical_last_char(vsig), "token.malformed"),
        vt("'+' instead of '-' in the signature of a valid token",
           tp[0] + "." + tp[1] + "." + tp[2].replace("-", "+"), "token.malformed"),
        vt("'/' instead of '_' in the signature of a valid token",
           tp[0] + "." + tp[1] + "." + tp[2].replace("_", "/"), "token.malformed"),
        vt("'+' and '/' (standard base64) in the payload part (alg none)",
           nh + "." + payload_with_dash_underscore().replace("-", "+").replace("_", "/") + ".", "token.malformed"),
        vt("character outside base64url in the payload", nh + "." + vp[:10] + "*" + vp[11:] + ".",
           "token.malformed"),
        vt("space in the payload part", nh + "." + vp[:10] + " " + vp[10:] + ".", "token.malformed"),
        vt("signature part of impossible length (4n+1)", valid + "A" * ((1 - len(vsig)) % 4), "token.malformed"),
        vt("header is a JSON array", mint(header=b'["EdDSA"]'), "token.malformed"),
        vt("header is a JSON string", mint(header=b'"EdDSA"'), "token.malformed"),
        vt("header is not JSON", mint(header=b'alg=EdDSA'), "token.malformed"),
        vt("header JSON truncated", mint(header=b'{"alg":"none","typ":"JWT"'), "token.malformed"),
        vt("header with trailing garbage", mint(header=compact(none_hdr) + b"x"), "token.malformed"),
        vt("header is not UTF-8", mint(header=b'{"alg":"none","typ":"JWT","kid":"\xff"}'), "token.malformed"),
        vt("payload is a JSON array (alg none)", mint(header=none_hdr, payload=b"[1,2]", sig=b""),
           "token.malformed"),
        vt("payload is JSON null (alg none)", mint(header=none_hdr, payload=b"null", sig=b""),
           "token.malformed"),
        vt("payload is not JSON (alg none)", mint(header=none_hdr, payload=b"hello", sig=b""),
           "token.malformed"),
        vt("payload is not JSON, validly signed", mint(payload=b"hello"), "token.malformed"),
        vt("duplicate alg in header (EdDSA then none)",
           mint(header=b'{"alg":"EdDSA","alg":"none","kid":"k1","typ":"at+jwt"}'), "token.malformed"),
        vt("duplicate alg in header (none then EdDSA)",
           mint(header=b'{"alg":"none","kid":"k1","typ":"at+jwt","alg":"EdDSA"}'), "token.malformed"),
        vt("duplicate kid in header", mint(header=b'{"alg":"EdDSA","kid":"k9","kid":"k1","typ":"at+jwt"}'),
           "token.malformed"),
        vt("duplicate claim in a validly signed payload",
           mint(payload=compact(base_claims())[:-1] + b',"org":"org_evil"}'), "token.malformed"),
        vt("duplicate claim with the same value in a validly signed payload",
           mint(payload=compact(base_claims())[:-1] + b',"sub":"cid_vec"}'), "token.malformed"),
    ]
    cs = [c for c in cs if c is not None]

    # ---- token.unsupported_alg (also typ wrong)
    cs += [
        vt("alg none (and typ JWT)", mint(header=none_hdr, sig=b""), "token.unsupported_alg"),
        vt("alg HS256 (and typ JWT)", mint(header=hdr(alg="HS256", typ="JWT")), "token.unsupported_alg"),
        vt("alg RS256 on an otherwise valid token", mint(header=hdr(alg="RS256")), "token.unsupported_alg"),
        vt("alg ES256 (and typ JWT)", mint(header=hdr(alg="ES256", typ="JWT")), "token.unsupported_alg"),
        vt("alg is case-sensitive: eddsa (and typ JWT)", mint(header=hdr(alg="eddsa", typ="JWT")),
           "token.unsupported_alg"),
        vt("alg is case-sensitive: ED25519", mint(header=hdr(alg="ED25519")), "token.unsupported_alg"),
        vt("alg with a trailing space", mint(header=hdr(alg="EdDSA ")), "token.unsupported_alg"),
        vt("alg Ed448 (and a forbidden header)", mint(header=hdr(alg="Ed448", jku="https://evil.example.test/")),
           "token.unsupported_alg"),
    ]
    # ---- token.wrong_type (also a forbidden header)
    cs += [
        vt("typ JWT (and jku)", mint(header=hdr(typ="JWT", jku="https://evil.example.test/jwks")),
           "token.wrong_type"),
        vt("typ missing (and crit)", mint(header=hdr(typ=DROP, crit=["exp"])), "token.wrong_type"),
        vt("typ application/jwt", mint(header=hdr(typ="application/jwt")), "token.wrong_type"),
        vt("typ jwt+at", mint(header=hdr(typ="jwt+at")), "token.wrong_type"),
        vt("typ at+jwt with a trailing space", mint(header=hdr(typ="at+jwt ")), "token.wrong_type"),
    ]
    # ---- token.forbidden_header (also unknown kid and a bad signature)
    attacker_jwk = jwk("k9", att)
    for member, value in [("crit", ["exp"]), ("jku", "https://evil.example.test/jwks.json"),
                          ("jwk", attacker_jwk), ("x5u", "https://evil.example.test/cert.pem"),
                          ("x5c", ["MIIBszCCAVmgAwIBAgIUZXhhbXBsZQ=="]), ("b64", False)]:
        cs.append(vt(f"forbidden header {member} (and unknown kid)",
                     mint(header=hdr(kid="k9", **{member: value}), seed=att), "token.forbidden_header"))
    cs += [
        vt("forbidden header b64:true on an otherwise valid token", mint(header=hdr(b64=True)),
           "token.forbidden_header"),
        vt("forbidden header crit:[] on an otherwise valid token", mint(header=hdr(crit=[])),
           "token.forbidden_header"),
        vt("embedded jwk matching the real k1 key is still forbidden", mint(header=hdr(jwk=jwk("k1", k1))),
           "token.forbidden_header"),
    ]
    # ---- token.unknown_key (also a bad signature)
    cs += [
        vt("unknown kid (and a zero signature)", mint(header=hdr(kid="k9"), sig=ZERO_SIG), "token.unknown_key"),
        vt("kid missing (lead's decision) and a zero signature", mint(header=hdr(kid=DROP), sig=ZERO_SIG),
           "token.unknown_key"),
        vt("kid of the skipped RSA key", mint(header=hdr(kid="rsa1")), "token.unknown_key"),
        vt("kid is case-sensitive", mint(header=hdr(kid="K1")), "token.unknown_key"),
        vt("validly signed by a key that is not in the set", mint(header=hdr(kid="k3"), seed=k3),
           "token.unknown_key"),
    ]
    # ---- token.bad_signature (also a missing claim / other later failures)
    no_jti = base_claims(jti=DROP)
    t = mint(payload=no_jti)
    sig = b64u_dec(t.split(".")[2])
    s_int = int.from_bytes(sig[32:], "little")
    assert s_int + L < 2**256
    sig_sl = sig[:32] + (s_int + L).to_bytes(32, "little")
    t_valid_sig = b64u_dec(vsig)
    sig_sl_valid = t_valid_sig[:32] + (int.from_bytes(t_valid_sig[32:], "little") + L).to_bytes(32, "little")
    # identity R with a satisfied equation
    si = signing_input_of(valid)
    id_sig = identity_r_signature(k1, si)
    assert openssl_accepts(pub(k1), id_sig, si), "identity-R signature should satisfy the equation"
    cs += [
        vt("signed by k2 but kid k1 (and jti missing)", mint(payload=no_jti, seed=k2), "token.bad_signature"),
        vt("signed by k2 but kid k1, otherwise valid", mint(seed=k2), "token.bad_signature"),
        vt("payload changed after signing (and jti missing)",
           t.split(".")[0] + "." + b64u(compact(dict(no_jti, scope="vault:delete:org"))) + "." + t.split(".")[2],
           "token.bad_signature"),
        vt("header changed after signing (kid k1 -> k2)",
           b64u(compact(hdr(kid="k2"))) + "." + vp + "." + vsig, "token.bad_signature"),
        vt("63-byte signature (and jti missing)", mint(payload=no_jti, sig=sig[:63]), "token.bad_signature"),
        vt("65-byte signature (and jti missing)", mint(payload=no_jti, sig=sig + b"\x00"), "token.bad_signature"),
        vt("63-byte signature, otherwise valid", valid.rsplit(".", 1)[0] + "." + b64u(t_valid_sig[:63]),
           "token.bad_signature"),
        vt("65-byte signature, otherwise valid", valid.rsplit(".", 1)[0] + "." + b64u(t_valid_sig + b"\x00"),
           "token.bad_signature"),
        vt("empty signature (and jti missing)", mint(payload=no_jti, sig=b""), "token.bad_signature"),
        vt("all-zero 64-byte signature", mint(sig=ZERO_SIG), "token.bad_signature"),
        vt("non-canonical S (S+L) (and jti missing)", mint(payload=no_jti, sig=sig_sl), "token.bad_signature"),
        vt("non-canonical S (S+L), otherwise valid", valid.rsplit(".", 1)[0] + "." + b64u(sig_sl_valid),
           "token.bad_signature"),
        vt("small-order R (identity) satisfying the equation", valid.rsplit(".", 1)[0] + "." + b64u(id_sig),
           "token.bad_signature"),
        vt("small-order A (identity public key) with identity R and S=0",
           mint(header=hdr(kid="weak"), sig=IDENTITY + bytes(32)), "token.bad_signature",
           jwks={"keys": JWKS["keys"] + [jwk("weak", x=b64u(IDENTITY))]}),
        vt("signature over the payload alone", valid.rsplit(".", 1)[0] + "." + b64u(sign(k1, vp.encode())),
           "token.bad_signature"),
    ]
    # ---- token.missing_claim (also wrong audience and, where exp is present, expired)
    for claim in ["iss", "sub", "aud", "client_id", "iat", "exp", "jti", "scope", "org", "ips", "env"]:
        cs.append(vt(f"missing claim {claim} (and wrong audience, expired)",
                     mint(payload=base_claims(**{claim: DROP})), "token.missing_claim",
                     now=IAT + 7200, audience=OTHER_AUD))
    cs += [
        vt("presence before types: iss a number and jti missing", mint(payload=base_claims(iss=5, jti=DROP)),
           "token.missing_claim"),
        vt("presence before types: exp a string and env missing (last)",
           mint(payload=base_claims(exp="soon", env=DROP)), "token.missing_claim"),
        vt("empty payload object", mint(payload=b"{}"), "token.missing_claim"),
    ]
    # ---- token.invalid_claim (also expired or later failures)
    late = IAT + 7200
    for label, over, now in [
        ("iss a number", {"iss": 1}, late),
        ("sub a number", {"sub": 1}, late),
        ("aud a number", {"aud": 1}, late),
        ("aud an object", {"aud": {"a": AUD}}, late),
        ("client_id an array", {"client_id": ["cid_vec"]}, late),
        ("iat a string", {"iat": str(IAT)}, late),
        ("jti a number", {"jti": 1}, late),
        ("scope an array", {"scope": ["transaction:read:org"]}, late),
        ("org a number", {"org": 1}, late),
        ("ips a string", {"ips": "203.0.113.0/24"}, late),
        ("env a boolean", {"env": True}, late),
        ("exp a string (and wrong issuer)", {"exp": str(IAT + 3600)}, NOW),
        ("iat a boolean", {"iat": True}, late),
    ]:
        cs.append(vt(f"invalid claim: {label}", mint(payload=base_claims(**over)), "token.invalid_claim", now=now,
                     issuer=OTHER_ISS if "issuer" in label else ISS))
    cs += [
        vt("invalid claim: exp a float (1800003600.0), also expired",
           mint(payload=compact(base_claims()).replace(b'"exp":1800003600', b'"exp":1800003600.0')),
           "token.invalid_claim", now=late),
        vt("invalid claim: iat a float, also expired",
           mint(payload=compact(base_claims()).replace(b'"iat":1800000000', b'"iat":1800000000.5')),
           "token.invalid_claim", now=late),
        vt("invalid claim: nbf a string (optional but typed), also expired",
           mint(payload=dict(base_claims(), nbf=str(IAT))), "token.invalid_claim", now=late),
        vt("invalid claim: nbf a float, also expired",
           mint(payload=compact(dict(base_claims(), nbf=IAT))[:-1].replace(b'"nbf":1800000000', b'"nbf":1800000000.0') + b"}"),
           "token.invalid_claim", now=late),
    ]
    # ---- time: token.expired (also not yet valid), token.not_yet_valid (also wrong issuer)
    exp = IAT + 3600
    cs += [
        vt("one second before exp", valid, ok_claims(), now=exp - 1),
        vt("at exp: expired", valid, "token.expired", now=exp),
        vt("after exp: expired", valid, "token.expired", now=exp + 1),
        vt("leeway 60: 59 s after exp still valid", valid, ok_claims(), now=exp + 59, leeway=60),
        vt("leeway 60: 60 s after exp expired", valid, "token.expired", now=exp + 60, leeway=60),
        vt("leeway 0 given explicitly: at exp expired", valid, "token.expired", now=exp, leeway=0),
        vt("expired beats not yet valid (nbf in the future)",
           mint(payload=dict(base_claims(), nbf=exp + 100)), "token.expired", now=exp),
        vt("expired beats not yet valid (iat in the future)",
           mint(payload=base_claims(iat=NOW + 100, exp=NOW)), "token.expired", now=NOW),
        vt("nbf one second in the future (and wrong issuer)", mint(payload=dict(base_claims(), nbf=NOW + 1)),
           "token.not_yet_valid", issuer=OTHER_ISS),
        vt("iat one second in the future (and wrong issuer)", mint(payload=base_claims(iat=NOW + 1)),
           "token.not_yet_valid", issuer=OTHER_ISS),
        vt("iat in the future even with nbf in the past", mint(payload=dict(base_claims(iat=NOW + 5), nbf=IAT)),
           "token.not_yet_valid"),
        vt("leeway 30: nbf 30 s ahead is valid", mint(payload=dict(base_claims(), nbf=NOW + 30)), ok_claims(),
           leeway=30),
        vt("leeway 30: nbf 31 s ahead is not yet valid", mint(payload=dict(base_claims(), nbf=NOW + 31)),
           "token.not_yet_valid", leeway=30),
        vt("leeway 30: iat 30 s ahead is valid", mint(payload=base_claims(iat=NOW + 30)),
           ok_claims(base_claims(iat=NOW + 30)), leeway=30),
        vt("leeway 30: iat 31 s ahead is not yet valid", mint(payload=base_claims(iat=NOW + 31)),
           "token.not_yet_valid", leeway=30),
        vt("now before iat of the starter-style token", valid, "token.not_yet_valid", now=IAT - 1),
    ]
    # ---- token.wrong_issuer (also wrong audience), token.wrong_audience
    cs += [
        vt("wrong issuer (and wrong audience)", valid, "token.wrong_issuer", issuer=OTHER_ISS, audience=OTHER_AUD),
        vt("issuer with a trailing slash", valid, "token.wrong_issuer", issuer=ISS + "/"),
        vt("issuer compared case-sensitively", valid, "token.wrong_issuer", issuer="https://Auth.example.test"),
        vt("issuer in the token differs", mint(payload=base_claims(iss=OTHER_ISS)), "token.wrong_issuer"),
        vt("wrong audience", valid, "token.wrong_audience", audience=OTHER_AUD),
        vt("audience with a trailing slash", valid, "token.wrong_audience", audience=AUD + "/"),
        vt("aud array without the audience", mint(payload=base_claims(aud=[OTHER_AUD, AUD + "/"])),
           "token.wrong_audience"),
        vt("aud empty array", mint(payload=base_claims(aud=[])), "token.wrong_audience"),
    ]
    # ---- JWKS rules
    k1j, k2j, k3j = jwk("k1", k1), jwk("k2", k2), jwk("k3", k3)
    x_k1 = pub(k1)
    cs += [
        vt("JWKS keys without alg and use are usable", valid, ok_claims(), jwks={"keys": [k1j]}),
        vt("JWKS key with alg Ed25519 is usable", valid, ok_claims(), jwks={"keys": [jwk("k1", k1, alg="Ed25519")]}),
        vt("JWKS: RSA key listed first is skipped", valid, ok_claims(), jwks={"keys": [JWKS["keys"][2], k1j]}),
        vt("JWKS: extra unknown members on a key are fine", valid, ok_claims(),
           jwks={"keys": [jwk("k1", k1, key_ops=["verify"], note="primary")]}),
        vt("JWKS: extra top-level members are fine", valid, ok_claims(), jwks={"keys": [k1j], "note": "x"}),
        vt("JWKS: empty keys array -> unknown key", valid, "token.unknown_key", jwks={"keys": []}),
        vt("JWKS: OKP key without kid is skipped", valid, "token.unknown_key",
           jwks={"keys": [jwk(None, k1), k2j]}),
        vt("JWKS: x of 31 bytes is skipped", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", x=b64u(x_k1[:31])), k2j]}),
        vt("JWKS: x of 33 bytes is skipped", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", x=b64u(x_k1 + b"\x00")), k2j]}),
        vt("JWKS: OKP key without x is skipped", valid, "token.unknown_key",
           jwks={"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1"}, k2j]}),
        vt("JWKS: crv X25519 is another kind of key, skipped", valid, "token.unknown_key",
           jwks={"keys": [dict(k1j, crv="X25519"), k2j]}),
        vt("JWKS: kty EC is skipped", valid, "token.unknown_key",
           jwks={"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "AA", "y": "AA"}, k2j]}),
        vt("JWKS: key with use enc is skipped (lead's decision)", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", k1, use="enc"), k2j]}),
        vt("JWKS: key with alg RS256 is skipped (lead's decision)", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", k1, alg="RS256"), k2j]}),
        vt("JWKS: a skipped key may share a kid with a usable key", valid, ok_claims(),
           jwks={"keys": [jwk("k1", x=b64u(x_k1[:31])), k1j, {"kty": "RSA", "kid": "k1", "n": RSA_N, "e": "AQAB"}]}),
        vt("JWKS: two usable keys with the same kid", valid, "jwks.invalid",
           jwks={"keys": [k1j, jwk("k1", k2)]}),
        vt("JWKS: the same key twice", valid, "jwks.invalid", jwks={"keys": [k1j, k1j]}),
        vt("JWKS: duplicate kid rejected even for a token signed by a third key",
           mint(header=hdr(kid="k3"), seed=k3), "jwks.invalid",
           jwks={"keys": [jwk("dup", k1), jwk("dup", k2), k3j]}),
        vt("JWKS: not an object (array)", valid, "jwks.invalid", jwks=[k1j]),
        vt("JWKS: no keys member", valid, "jwks.invalid", jwks={"key": [k1j]}),
        vt("JWKS: keys is an object", valid, "jwks.invalid", jwks={"keys": k1j}),
        vt("JWKS: keys is a string", valid, "jwks.invalid", jwks={"keys": "k1"}),
        vt("JWKS: a string", valid, "jwks.invalid", jwks="k1"),
        vt("JWKS is checked before the token (malformed token)", "hello", "jwks.invalid", jwks={"keys": {}}),
        vt("JWKS is checked before the token (too large token)", "a" * 9000, "jwks.invalid", jwks=[]),
        vt("JWKS duplicate kid is checked before the token", "hello", "jwks.invalid",
           jwks={"keys": [k1j, jwk("k1", k2)]}),
    ]
    # sanity: every token expected to verify really verifies with OpenSSL under its kid's key
    seeds_by_kid = {"k1": k1, "k2": k2}
    for c in cs:
        if c["expect"].get("ok") is True:
            tok = c["input"]["token"]
            kid = json.loads(b64u_dec(tok.split(".")[0]))["kid"]
            assert_valid(tok, seeds_by_kid[kid])
            assert len(tok) <= 8192
    return cs


suite("tokens.json", "tokens",
      "verify_token (SPEC §6), generated by generate.py with keys k1/k2 (the starter JWKS), k3 and an attacker "
      "key: accepted forms (alg Ed25519, typ application/at+jwt, aud arrays, extra claims, 8192-byte token), "
      "every failure code in the SPEC's order, each proven with a token that also has a LATER failure "
      "(too_large > malformed > unsupported_alg > wrong_type > forbidden_header > unknown_key > bad_signature > "
      "missing_claim > invalid_claim > expired > not_yet_valid > wrong_issuer > wrong_audience); strict "
      "base64url (padding, non-canonical trailing bits, +/); duplicate JSON members; each forbidden header; "
      "63/65-byte signatures, S+L, small-order R and A; exp/nbf/iat boundaries with and without leeway; JWKS "
      "rules (skipped keys, jwks.invalid for bad shape and duplicate usable kids, checked before the token).",
      verify_cases())


# --------------------------------------------------------------------------------------
# check  (SPEC §8: token -> IP -> org -> permission)
# --------------------------------------------------------------------------------------


def ck(name, token, request, client_ip, expect, now=NOW, leeway=None, jwks=None, issuer=ISS, audience=AUD):
    inp = {"token": token, "jwks": JWKS if jwks is None else jwks, "now": now, "issuer": issuer,
           "audience": audience, "request": request, "client_ip": client_ip}
    if leeway is not None:
        inp["leeway"] = leeway
    return case(name, "check", inp, expect)


def c_allow(matched):
    return {"allowed": True, "status": 200, "reason": "allow", "matched": matched}


def c_deny(status, reason):
    return {"allowed": False, "status": status, "reason": reason}


def check_cases():
    k1, k2 = SEEDS["k1"], SEEDS["k2"]
    claims = base_claims(
        scope="balances:read:vault:vlt_1 transaction:read:org key:update:key:key_9 balances:read:org",
        ips=["203.0.113.0/24", "198.51.100.7/32"], org="org_1")
    tok = mint(payload=claims)
    all_ips = mint(payload=base_claims(scope="vault:read:org", ips=["0.0.0.0/0"]))
    IN = "203.0.113.9"
    B = req("balances", "read", vault="vlt_1")
    cs = [
        ck("allow: first matching permission of the scope claim", tok, B, IN, c_allow("balances:read:vault:vlt_1")),
        ck("allow: later permission matches another vault", tok, req("balances", "read", vault="vlt_2"), IN,
           c_allow("balances:read:org")),
        ck("allow: org-scoped transaction read in any vault", tok, req("transaction", "read", vault="vlt_7"), IN,
           c_allow("transaction:read:org")),
        ck("allow: key-scoped permission on its key", tok, req("key", "update", vault="vlt_3", key="key_9"), IN,
           c_allow("key:update:key:key_9")),
        ck("deny: key-scoped permission on another key", tok, req("key", "update", vault="vlt_3", key="key_8"), IN,
           c_deny(403, "deny.no_matching_permission")),
        ck("deny: key-scoped permission never allows a vault-level update", tok, req("key", "update", vault="vlt_3"),
           IN, c_deny(403, "deny.no_matching_permission")),
        ck("deny: action not granted", tok, req("transaction", "create", vault="vlt_1"), IN,
           c_deny(403, "deny.no_matching_permission")),
        ck("allow: client ip equal to a /32 entry", tok, B, "198.51.100.7", c_allow("balances:read:vault:vlt_1")),
        ck("deny: client ip next to a /32 entry", tok, B, "198.51.100.8", c_deny(403, "deny.ip_not_allowed")),
        ck("allow: IPv4-mapped IPv6 client ip", tok, B, "::ffff:203.0.113.9", c_allow("balances:read:vault:vlt_1")),
        ck("deny: IPv4-mapped IPv6 client ip outside", tok, B, "::ffff:192.0.2.1", c_deny(403, "deny.ip_not_allowed")),
        ck("deny: IPv6 client ip", tok, B, "2001:db8::9", c_deny(403, "deny.ip_not_allowed")),
        ck("deny: IPv6 client ip even when the token allows 0.0.0.0/0", all_ips, req("vault", "read"), "::1",
           c_deny(403, "deny.ip_not_allowed")),
        ck("allow: 0.0.0.0/0 token from any IPv4 address", all_ips, req("vault", "read"), "8.8.4.4",
           c_allow("vault:read:org")),
        ck("deny: unparseable client ip", tok, B, "203.0.113", c_deny(403, "deny.ip_invalid")),
        ck("deny: empty client ip", tok, B, "", c_deny(403, "deny.ip_invalid")),
        ck("allow: request org equal to the token org", tok, req("balances", "read", vault="vlt_1", org="org_1"), IN,
           c_allow("balances:read:vault:vlt_1")),
        ck("deny: request org differs from the token org", tok,
           req("balances", "read", vault="vlt_1", org="org_2"), IN, c_deny(403, "deny.org_mismatch")),
        # Order: token -> IP -> org -> permission.
        ck("order: token failure before IP (expired, ip invalid)", tok, B, "bogus", c_deny(401, "token.expired"),
           now=IAT + 3600),
        ck("order: token failure before IP (bad signature, ip outside)", mint(payload=claims, seed=k2), B,
           "192.0.2.1", c_deny(401, "token.bad_signature")),
        ck("order: IP not allowed before org mismatch",
           tok, req("balances", "read", vault="vlt_1", org="org_2"), "192.0.2.1", c_deny(403, "deny.ip_not_allowed")),
        ck("order: IP invalid before org mismatch",
           tok, req("balances", "read", vault="vlt_1", org="org_2"), "x.y.z.w", c_deny(403, "deny.ip_invalid")),
        ck("order: IP not allowed before missing permission", tok, req("audit", "read"), "192.0.2.1",
           c_deny(403, "deny.ip_not_allowed")),
        ck("order: org mismatch before missing permission", tok, req("audit", "read", org="org_2"), IN,
           c_deny(403, "deny.org_mismatch")),
        # Token failures are 401.
        ck("401: malformed token", "not.a.token", B, IN, c_deny(401, "token.malformed")),
        ck("401: unknown key", mint(header=hdr(kid="k3"), payload=claims, seed=SEEDS["k3"]), B, IN,
           c_deny(401, "token.unknown_key")),
        ck("401: wrong audience", tok, B, IN, c_deny(401, "token.wrong_audience"), audience=OTHER_AUD),
        ck("401: wrong issuer", tok, B, IN, c_deny(401, "token.wrong_issuer"), issuer=OTHER_ISS),
        ck("401: not yet valid", tok, B, IN, c_deny(401, "token.not_yet_valid"), now=IAT - 60),
        ck("401: alg none", mint(header=hdr(alg="none"), payload=claims, sig=b""), B, IN,
           c_deny(401, "token.unsupported_alg")),
        ck("401: forbidden header", mint(header=hdr(jku="https://evil.example.test/jwks"), payload=claims), B, IN,
           c_deny(401, "token.forbidden_header")),
        ck("401: missing claim", mint(payload=base_claims(ips=DROP)), B, IN, c_deny(401, "token.missing_claim")),
        ck("401: too large", "a" * 8193, B, IN, c_deny(401, "token.too_large")),
        ck("leeway applies in check", tok, B, IN, c_allow("balances:read:vault:vlt_1"), now=IAT + 3600 + 5,
           leeway=10),
        ck("second key of the set", mint(header=hdr(kid="k2"), payload=claims, seed=k2), B, IN,
           c_allow("balances:read:vault:vlt_1")),
        # SPEC §8: an invalid request is 400 request.invalid (here the token, IP and org are all fine).
        ck("400: request with a key but no vault", tok, req("key", "update", key="key_9"), IN,
           {"allowed": False, "status": 400, "reason": "request.invalid"}),
        ck("400: request with an unknown type", tok, req("wallet", "read"), IN,
           {"allowed": False, "status": 400, "reason": "request.invalid"}),
    ]
    assert_valid(tok, k1)
    return cs


suite("check.json", "check",
      "check (SPEC §8), generated by generate.py: the edge path token -> client IP within the token's ips -> "
      "request org = token org -> permissions from the token's scope, with statuses 401 (any token.* failure), "
      "403 (deny.ip_not_allowed, deny.ip_invalid, deny.org_mismatch, deny.no_matching_permission), 200 (allow, "
      "with the first matching permission of the scope claim), 400 (request.invalid); each step's precedence "
      "proven with an input that also fails a later step; IPv4-mapped client IPs; IPv6 clients never allowed.",
      check_cases())


# --------------------------------------------------------------------------------------
# parse_token_request  (SPEC §7)
# --------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
GRANT = "grant_type=client_credentials"


def basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def tr(name, body, headers=None, method="POST", expect=None):
    h = {"Content-Type": FORM} if headers is None else headers
    return case(name, "parse_token_request", {"method": method, "headers": h, "body": body}, expect)


def tr_ok(cid, secret, method, scope=None):
    e = {"ok": True, "client_id": cid, "client_secret": secret, "auth_method": method}
    if scope is not None:
        e["scope"] = scope
    return e


def tr_err(error, status, reason):
    return {"ok": False, "error": error, "status": status, "reason": reason}


BAD_REQ = tr_err("invalid_request", 400, "request.invalid")
UNSUPPORTED = tr_err("unsupported_grant_type", 400, "grant.unsupported")
NO_AUTH = tr_err("invalid_client", 401, "client.no_auth")
MALFORMED = tr_err("invalid_client", 401, "client.malformed_auth")


def token_request_cases():
    B = basic("cid_1:s3cr3t")
    H = {"Content-Type": FORM, "Authorization": B}
    cs = [
        tr("Basic authentication", GRANT, H, expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("Basic scheme name in lower case", GRANT, {"Content-Type": FORM, "Authorization": "basic " + B[6:]},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("Basic scheme name in upper case", GRANT, {"Content-Type": FORM, "Authorization": "BASIC " + B[6:]},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("Basic: secret with percent-encoded colon and plus (RFC 6749 2.3.1)", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:a%3Ab%2Bc%25d")},
           expect=tr_ok("cid_1", "a:b+c%d", "client_secret_basic")),
        tr("Basic: lower-case hex digits in percent-encoding", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:a%3ab%2bc")},
           expect=tr_ok("cid_1", "a:b+c", "client_secret_basic")),
        tr("Basic: '+' in the encoded secret means a space", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:p+q")},
           expect=tr_ok("cid_1", "p q", "client_secret_basic")),
        tr("Basic: client id with a percent-encoded colon", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid%3Ax:s3cr3t")},
           expect=tr_ok("cid:x", "s3cr3t", "client_secret_basic")),
        tr("Basic: percent-encoded UTF-8 in the secret", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:caf%C3%A9")},
           expect=tr_ok("cid_1", "caf\u00e9", "client_secret_basic")),
        tr("Basic: split at the first colon, later colons belong to the secret", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:a:b")},
           expect=tr_ok("cid_1", "a:b", "client_secret_basic")),
        tr("Basic with a scope parameter", GRANT + "&scope=vault%3Aread%3Aorg+key%3Aread%3Akey%3Ak1", H,
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic", scope="vault:read:org key:read:key:k1")),
        tr("header names are case-insensitive", GRANT, {"content-type": FORM, "AUTHORIZATION": B},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("content type with charset parameter", GRANT,
           {"Content-Type": FORM + "; charset=UTF-8", "Authorization": B},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("body authentication", GRANT + "&client_id=cid_1&client_secret=s3cr3t",
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_post")),
        tr("body authentication, parameters in another order",
           "client_secret=s3cr3t&scope=audit%3Aread%3Aorg&client_id=cid_1&" + GRANT,
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_post", scope="audit:read:org")),
        tr("body authentication with percent-encoded values", GRANT + "&client_id=cid%5F1&client_secret=a%2Bb%26c%3Dd",
           expect=tr_ok("cid_1", "a+b&c=d", "client_secret_post")),
        tr("body authentication: '+' decodes to a space", GRANT + "&client_id=cid_1&client_secret=p+q",
           expect=tr_ok("cid_1", "p q", "client_secret_post")),
        tr("unknown parameters are ignored", GRANT + "&foo=bar", H, expect=tr_ok("cid_1", "s3cr3t",
                                                                                  "client_secret_basic")),
        # invalid_request
        tr("both Basic and body authentication", GRANT + "&client_id=cid_1&client_secret=s3cr3t", H,
           expect=BAD_REQ),
        tr("repeated grant_type", GRANT + "&" + GRANT, H, expect=BAD_REQ),
        tr("repeated client_id in the body", GRANT + "&client_id=cid_1&client_id=cid_1&client_secret=s3cr3t",
           expect=BAD_REQ),
        tr("repeated scope", GRANT + "&scope=vault%3Aread%3Aorg&scope=key%3Aread%3Aorg", H, expect=BAD_REQ),
        tr("missing grant_type", "scope=vault%3Aread%3Aorg", H, expect=BAD_REQ),
        tr("empty body", "", H, expect=BAD_REQ),
        tr("GET method", GRANT, H, method="GET", expect=BAD_REQ),
        tr("PUT method", GRANT, H, method="PUT", expect=BAD_REQ),
        tr("JSON content type", '{"grant_type":"client_credentials"}',
           {"Content-Type": "application/json", "Authorization": B}, expect=BAD_REQ),
        tr("multipart content type", GRANT, {"Content-Type": "multipart/form-data", "Authorization": B},
           expect=BAD_REQ),
        tr("no content type", GRANT, {"Authorization": B}, expect=BAD_REQ),
        # grant / client errors
        tr("password grant", "grant_type=password&username=a&password=b", H, expect=UNSUPPORTED),
        tr("authorization_code grant", "grant_type=authorization_code&code=x", H, expect=UNSUPPORTED),
        tr("grant type is case-sensitive", "grant_type=Client_Credentials", H, expect=UNSUPPORTED),
        tr("no client authentication", GRANT, expect=NO_AUTH),
        tr("Basic credentials that are not base64", GRANT, {"Content-Type": FORM, "Authorization": "Basic !!!$$$"},
           expect=MALFORMED),
        tr("Basic credentials without a colon", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1")}, expect=MALFORMED),
        # Order (lead's decision): method, content type, body, both auth, missing grant_type,
        # unsupported grant, malformed Basic, no auth.
        tr("order: GET with a wrong grant is invalid_request", "grant_type=password", H, method="GET",
           expect=BAD_REQ),
        tr("order: wrong content type with no auth is invalid_request", GRANT, {"Content-Type": "text/plain"},
           expect=BAD_REQ),
        tr("order: repeated parameter before unsupported grant", "grant_type=password&grant_type=password", H,
           expect=BAD_REQ),
        tr("order: both auth methods before unsupported grant",
           "grant_type=password&client_id=cid_1&client_secret=s3cr3t", H, expect=BAD_REQ),
        tr("order: missing grant_type before no auth", "scope=vault%3Aread%3Aorg", expect=BAD_REQ),
        tr("order: unsupported grant before malformed Basic", "grant_type=password",
           {"Content-Type": FORM, "Authorization": basic("cid_1")}, expect=UNSUPPORTED),
        tr("order: unsupported grant before no auth", "grant_type=password", expect=UNSUPPORTED),
    ]
    return cs


suite("token_requests.json", "token_requests",
      "parse_token_request (SPEC §7, RFC 6749 §4.4/§2.3.1): client_secret_basic (scheme case-insensitive, id and "
      "secret form-urlencoded before base64: %3A, %2B, %25, '+' as space, UTF-8) and client_secret_post; scope "
      "passed through; header names case-insensitive; charset parameter on the content type; invalid_request "
      "400 request.invalid (both auth methods, repeated parameter, missing grant_type, non-POST, other content "
      "type), unsupported_grant_type 400, invalid_client 401 client.no_auth / client.malformed_auth; and the "
      "lead's check order.",
      token_request_cases())


# --------------------------------------------------------------------------------------
# issue_token  (SPEC §6, §7)
# --------------------------------------------------------------------------------------

SECRET = "cgs_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def credential(**over):
    c = {
        "client_id": "cid_issue_1",
        "secret_sha256": hashlib.sha256(SECRET.encode("utf-8")).hexdigest(),
        "org": "org_acme",
        "name": "Payments backend",
        "description": None,
        "permission_set_type": "wallets",
        "permissions": ["vault:read:org", "key:read:vault", "balances:read:vault:vlt_9", "key:update:key:key_3",
                        "transaction:create:vault:vlt_9"],
        "ip_allowlist": ["203.0.113.7", "198.51.100.0/24"],
        "environment": "production",
        "status": "enabled",
        "created_at": 1799990000,
        "updated_at": 1799990000,
    }
    c.update(over)
    return c


def cidr(entry):
    return entry if "/" in entry else entry + "/32"


def expected_token(cred, now, kid, jti, scope_text=None):
    """Compute the exact token bytes independently of the core (see module docstring)."""
    header = compact({"alg": "EdDSA", "kid": kid, "typ": "at+jwt"})
    assert header == b'{"alg":"EdDSA","kid":"' + kid.encode() + b'","typ":"at+jwt"}'
    scope = scope_text if scope_text is not None else " ".join(cred["permissions"])
    claims = {
        "iss": ISS,
        "sub": cred["client_id"],
        "aud": AUD,
        "client_id": cred["client_id"],
        "iat": now,
        "exp": now + 3600,
        "jti": jti,
        "scope": scope,
        "org": cred["org"],
        "ips": [cidr(e) for e in cred["ip_allowlist"]],
        "env": cred["environment"],
    }
    token = mint(header=header, payload=compact(claims), seed=SEEDS[kid])
    assert_valid(token, SEEDS[kid])
    return token, scope


def it(name, cred, expect, secret=SECRET, ip="203.0.113.7", now=NOW, kid="k1", jti="jti-issue-0001", scope=None):
    inp = {"credential": cred, "client_secret": secret, "client_ip": ip, "now": now,
           "signing_key": {"kid": kid, "seed": SEEDS[kid].hex()}, "jti": jti, "issuer": ISS, "audience": AUD}
    if scope is not None:
        inp["scope"] = scope
    return case(name, "issue_token", inp, expect)


def it_ok(cred, now=NOW, kid="k1", jti="jti-issue-0001", scope=None):
    token, scope_text = expected_token(cred, now, kid, jti, scope)
    return {"ok": True, "token": token, "headers": {"Cache-Control": "no-store"},
            "response": {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": scope_text}}


def it_err(error, status, reason):
    return {"ok": False, "error": error, "status": status, "reason": reason}


def issue_cases():
    cred = credential()
    cs = [
        it("success: exact token bytes (k1)", cred, it_ok(cred)),
        it("success: exact token bytes (k2, another time and jti)", cred,
           it_ok(cred, now=NOW + 12345, kid="k2", jti="5f1c0a2e-7b7e-4b8a-9d3e-2a1f0c9b8e7d"),
           now=NOW + 12345, kid="k2", jti="5f1c0a2e-7b7e-4b8a-9d3e-2a1f0c9b8e7d"),
        it("success: from an address inside the /24 entry", cred, it_ok(cred), ip="198.51.100.200"),
        it("success: from an IPv4-mapped IPv6 address", cred, it_ok(cred), ip="::ffff:203.0.113.7"),
    ]
    c2 = credential(client_id="cid_sandbox_2", org="org_2", environment="sandbox", permissions=["audit:read:org"],
                    ip_allowlist=["0.0.0.0/0"], permission_set_type="monitoring", description="Audit export job")
    cs.append(it("success: sandbox credential, one permission, all addresses", c2, it_ok(c2), ip="192.0.2.99"))
    c3 = credential(ip_allowlist=["10.0.0.1", "10.0.0.2/32", "192.0.2.0/25"], client_id="cid_ips")
    cs.append(it("success: ips in CIDR form, /32 added to bare addresses only", c3, it_ok(c3), ip="10.0.0.2"))
    # Down-scoping (requested permissions in requested order).
    covered = [
        ("org covers the same permission", "vault:read:org"),
        ("org covers vault scope", "vault:read:vault"),
        ("org covers vault scope on V", "vault:read:vault:vlt_1"),
        ("vault without resource covers itself", "key:read:vault"),
        ("vault without resource covers vault:V", "key:read:vault:vlt_5"),
        ("vault without resource covers key scope", "key:read:key"),
        ("vault without resource covers key:K", "key:read:key:key_77"),
        ("vault:V covers vault:V", "balances:read:vault:vlt_9"),
        ("key:K covers key:K", "key:update:key:key_3"),
        ("two permissions in requested order", "balances:read:vault:vlt_9 vault:read:vault:vlt_2"),
        ("two permissions covered by different grants", "key:read:key:k_1 vault:read:org"),
    ]
    for label, scope in covered:
        cs.append(it(f"scope covered: {label}", cred, it_ok(cred, scope=scope), scope=scope))
    c4 = credential(client_id="cid_org", permissions=["balances:read:org", "key:read:key"])
    cs += [
        it("scope covered: org covers key:K", c4, it_ok(c4, scope="balances:read:key:key_1"),
           scope="balances:read:key:key_1"),
        it("scope covered: key without resource covers key:K", c4, it_ok(c4, scope="key:read:key:key_1"),
           scope="key:read:key:key_1"),
    ]
    NOT = it_err("invalid_scope", 400, "scope.not_covered")
    for label, scope in [
        ("other action", "vault:update:org"),
        ("other type", "policy:read:org"),
        ("vault scope does not cover org", "key:read:org"),
        ("vault:V does not cover vault:W", "balances:read:vault:vlt_8"),
        ("vault:V does not cover vault without resource", "balances:read:vault"),
        ("vault:V does not cover org", "balances:read:org"),
        ("vault:V does not cover a key in it", "balances:read:key:key_1"),
        ("key:K does not cover key:J", "key:update:key:key_4"),
        ("key:K does not cover key scope without resource", "key:update:key"),
        ("key:K does not cover vault scope", "key:update:vault:vlt_9"),
        ("one of two not covered", "vault:read:org key:delete:org"),
    ]:
        cs.append(it(f"scope not covered: {label}", cred, NOT, scope=scope))
    cs.append(it("scope not covered: key scope does not cover vault scope", c4, NOT, scope="key:read:vault:vlt_1"))
    # Failures and their order (lead's decision): deleted, disabled, bad secret, IP, scope.
    BAD = it_err("invalid_client", 401, "client.bad_secret")
    cs += [
        it("wrong secret", cred, BAD, secret=SECRET + "x"),
        it("empty secret", cred, BAD, secret=""),
        it("secret differs only in case", cred, BAD, secret=SECRET.upper()),
        it("the digest itself is not the secret", cred, BAD, secret=cred["secret_sha256"]),
        it("disabled credential", credential(status="disabled"), it_err("invalid_client", 401, "client.disabled")),
        it("deleted credential", credential(status="deleted"), it_err("invalid_client", 401, "client.deleted")),
        it("IP not allowed", cred, it_err("invalid_client", 401, "client.ip_not_allowed"), ip="192.0.2.1"),
        it("IPv6 client not allowed", cred, it_err("invalid_client", 401, "client.ip_not_allowed"), ip="2001:db8::7"),
        it("IPv6 client not allowed even with 0.0.0.0/0", c2, it_err("invalid_client", 401, "client.ip_not_allowed"),
           ip="::1"),
        it("order: deleted before a wrong secret and IP", credential(status="deleted"),
           it_err("invalid_client", 401, "client.deleted"), secret="nope", ip="192.0.2.1"),
        it("order: disabled before a wrong secret and IP", credential(status="disabled"),
           it_err("invalid_client", 401, "client.disabled"), secret="nope", ip="192.0.2.1"),
        it("order: wrong secret before IP", cred, BAD, secret="nope", ip="192.0.2.1", scope="policy:read:org"),
        it("order: IP before scope", cred, it_err("invalid_client", 401, "client.ip_not_allowed"), ip="192.0.2.1",
           scope="policy:read:org"),
    ]
    return cs


suite("issue.json", "issue",
      "issue_token (SPEC §6, §7), generated by generate.py: the exact token bytes computed independently (header "
      "{\"alg\":\"EdDSA\",\"kid\":..,\"typ\":\"at+jwt\"}, compact payload with claims in the order iss, sub, aud, "
      "client_id, iat, exp=iat+3600, jti, scope, org, ips, env; scope = stored permissions joined by spaces, or the "
      "requested scope in requested order; ips in CIDR form with /32 for bare addresses), the OAuth response and "
      "Cache-Control; down-scoping covered/not covered (org covers vault and key; vault without resource covers "
      "vault:V, key and key:K; vault:V only vault:V; key:K only key:K); failures client.bad_secret, "
      "client.disabled, client.deleted, client.ip_not_allowed (401 invalid_client), scope.not_covered (400 "
      "invalid_scope) in the lead's order. Credential records: secret_sha256 = hex SHA-256 of the secret's UTF-8.",
      issue_cases())


# --------------------------------------------------------------------------------------
# interop: tokens minted by PyJWT (tests/interop/pyjwt_tokens.json, see its README)
# --------------------------------------------------------------------------------------


def interop_cases():
    path = OUT.parent / "interop" / "pyjwt_tokens.json"
    doc = json.loads(path.read_text())
    cs = []
    for t in doc["tokens"]:
        inp = {"token": t["token"], "jwks": doc["jwks"], "now": doc["now"], "issuer": doc["issuer"],
               "audience": doc["audience"]}
        # aud is left out of the expectation: a host may present an array aud in its own way.
        claims = {k: v for k, v in t["expect_claims"].items() if k != "aud"}
        cs.append(case(f"pyjwt: {t['name']}", "verify_token", inp, {"ok": True, "claims": claims}))
        first_perm = t["expect_claims"]["scope"].split(" ")[0]
        parts = first_perm.split(":")
        request = {"type": parts[0], "action": parts[1]}
        if parts[2] in ("vault", "key"):
            request["vault"] = parts[3] if parts[2] == "vault" and len(parts) == 4 else "vlt_any"
        if parts[2] == "key":
            request["key"] = parts[3] if len(parts) == 4 else "key_any"
        ip = t["expect_claims"]["ips"][-1].split("/")[0]
        cs.append(case(f"pyjwt check: {t['name']}", "check", dict(inp, request=request, client_ip=ip),
                       {"allowed": True, "status": 200, "reason": "allow", "matched": first_perm}))
        # One flipped signature byte must fail.
        h, p, sgn = t["token"].split(".")
        raw = bytearray(b64u_dec(sgn))
        raw[10] ^= 0x01
        cs.append(case(f"pyjwt tampered: {t['name']}", "verify_token", dict(inp, token=h + "." + p + "." + b64u(bytes(raw))),
                       {"ok": False, "error": "token.bad_signature"}))
    return cs


suite("interop_pyjwt.json", "interop_pyjwt",
      "Tokens minted by PyJWT 2.x (an independent implementation; see tests/interop/README.md), generated by "
      "generate.py from tests/interop/pyjwt_tokens.json: each must verify (verify_token) and pass check for the "
      "first permission of its scope from an allowed IP; the same token with one signature bit flipped fails "
      "with token.bad_signature.",
      interop_cases())


# --------------------------------------------------------------------------------------
# decisions  (docs/DECISIONS.md: where the SPEC is silent)
# --------------------------------------------------------------------------------------
# Every case name starts with "decision (<section>: <the decision>)" so a reader can find
# the line of docs/DECISIONS.md it pins. Decisions already pinned by the files above
# (e.g. the allowlist error order in ip.json, the issuance order in issue.json) are not
# repeated here.

P25519 = 2**255 - 19
D25519 = (-121665 * pow(121666, P25519 - 2, P25519)) % P25519


def is_ed25519_point(enc: bytes) -> bool:
    """RFC 8032 §5.1.3 point decoding: y < p and (y^2-1)/(d*y^2+1) has a square root."""
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    if y >= P25519:
        return False
    u = (y * y - 1) % P25519
    v = (D25519 * y * y + 1) % P25519
    x2 = u * pow(v, P25519 - 2, P25519) % P25519
    if x2 == 0:
        return not enc[31] >> 7
    return pow(x2, (P25519 - 1) // 2, P25519) == 1


def not_a_point() -> bytes:
    """32 bytes (canonical y < p) that are not the encoding of any Ed25519 point."""
    for i in range(100):
        cand = hashlib.sha256(b"credgate-not-a-point-%d" % i).digest()
        cand = cand[:31] + bytes([cand[31] & 0x7F])
        if not is_ed25519_point(cand):
            return cand
    raise AssertionError("not found")


# Fixed WWW-Authenticate challenges of the edge path (docs/DECISIONS.md "The edge path":
# every 403 is insufficient_scope; descriptions are fixed text, never user input). The docs
# do not spell the description texts out: these (and the two constants below) are the texts
# the core prints, pinned so that every host prints the same bytes.
def challenge_403(description):
    return 'Bearer realm="credgate", error="insufficient_scope", error_description="' + description + '"'


# One description for every invalid_client refusal at issuance (docs/DECISIONS.md).
INVALID_CLIENT_DESCRIPTION = "client authentication failed"
BASIC_CHALLENGE = 'Basic realm="credgate", charset="UTF-8"'


def decision_cases():
    cs = []
    k1, k2 = SEEDS["k1"], SEEDS["k2"]

    # ---- Permissions and requests
    d = "decision (permissions: words are exact lower case, JSON form checked like text)"
    cs += [
        pp_err(f"{d}: Vault:read:org -> unknown_type", "Vault:read:org", "permission.unknown_type"),
        pp_err(f"{d}: vault:READ:org -> unknown_action", "vault:READ:org", "permission.unknown_action"),
        pp_err(f"{d}: vault:read:ORG -> unknown_scope", "vault:read:ORG", "permission.unknown_scope"),
        pj_err(f"{d}: JSON type Vault -> unknown_type", {"type": "Vault", "action": "read", "scope": "org"},
               "permission.unknown_type"),
        pj_err(f"{d}: JSON action READ -> unknown_action", {"type": "vault", "action": "READ", "scope": "org"},
               "permission.unknown_action"),
    ]
    d = "decision (permissions: JSON form takes exactly type, action, scope, resource; null resource = none)"
    cs += [
        pj_err(f"{d}: another member -> invalid",
               {"type": "vault", "action": "read", "scope": "org", "note": "x"}, "permission.invalid"),
        pj_err(f"{d}: resource \"\" -> invalid_resource",
               {"type": "balances", "action": "read", "scope": "vault", "resource": ""},
               "permission.invalid_resource"),
        pj_ok(f"{d}: resource null on vault scope is absent",
              {"type": "balances", "action": "read", "scope": "vault", "resource": None},
              "balances:read:vault", perm_obj("balances", "read", "vault")),
        pj_ok(f"{d}: resource null on org scope is absent (no resource_with_org_scope)",
              {"type": "vault", "action": "read", "scope": "org", "resource": None},
              "vault:read:org", perm_obj("vault", "read", "org")),
        az(f"{d}: resource null in authorize matches any vault",
           [{"type": "vault", "action": "read", "scope": "vault", "resource": None}],
           req("vault", "read", vault="vlt_1"), allow("vault:read:vault")),
    ]
    d = "decision (requests: exactly type, action, vault, key, org; other members are request.invalid)"
    cs += [
        az(f"{d}: misspelt vualt in authorize", ["vault:read:org"],
           {"type": "vault", "action": "read", "vualt": "vlt_1"}, {"error": "request.invalid"}),
    ]
    d = "decision (requests: the org id follows the resource grammar)"
    cs += [
        az(f"{d}: org with a slash", ["vault:read:org"], req("vault", "read", org="org/1"),
           {"error": "request.invalid"}, org="org/1"),
        az(f"{d}: empty org", ["vault:read:org"], req("vault", "read", org=""), {"error": "request.invalid"}),
        az(f"{d}: 65-char org", ["vault:read:org"], req("vault", "read", org="o" * 65),
           {"error": "request.invalid"}, org="o" * 65),
        az(f"{d}: org a number", ["vault:read:org"], {"type": "vault", "action": "read", "org": 1},
           {"error": "request.invalid"}),
        az(f"{d}: 64-char org accepted", ["vault:read:org"], req("vault", "read", org="o" * 64),
           allow("vault:read:org"), org="o" * 64),
    ]
    d = "decision (authorize: request, then permissions, then org, then matching)"
    cs += [
        az(f"{d}: two invalid permissions -> the first one's code and index",
           ["vault:read:org", "vault:frob:org", "wallet:read:org"], req("vault", "read"),
           {"ok": False, "error": "permission.unknown_action", "index": 1}),
        az(f"{d}: request naming an org when no org is given -> org_mismatch (fail closed)",
           ["balances:read:org"], req("balances", "read", vault="vlt_1", org="org_1"),
           deny(reason="deny.org_mismatch")),
    ]
    d = "decision (authorize: near_misses lists same type and action only)"
    cs += [
        az(f"{d}: near_misses is [] when nothing is a near miss",
           ["balances:read:vault:vlt_2", "transaction:read:org"], req("transaction", "update"), deny([])),
    ]

    # ---- Allowlists
    d = "decision (allowlists: duplicates compare networks, the later entry is reported)"
    cs += [
        ipc(f"{d}: 203.0.113.7 then 203.0.113.7/32", ["203.0.113.7", "203.0.113.7/32"], "203.0.113.7",
            "ip.duplicate"),
        vs(f"{d}: 203.0.113.7 then 203.0.113.7/32 in a spec",
           spec(ip_allowlist=["203.0.113.7", "203.0.113.7/32"]), [("ip_allowlist[1]", "ip.duplicate")]),
        vs(f"{d}: 203.0.113.7/32 then 203.0.113.7 in a spec",
           spec(ip_allowlist=["198.51.100.0/24", "203.0.113.7/32", "203.0.113.7"]),
           [("ip_allowlist[2]", "ip.duplicate")]),
    ]
    d = "decision (allowlists: entries are IPv4 only, an IPv4-mapped IPv6 entry too is IPv6)"
    cs += [
        ipc(f"{d}: ::ffff:203.0.113.7 entry", ["::ffff:203.0.113.7"], "203.0.113.7", "ip.ipv6_unsupported"),
        vs(f"{d}: ::ffff:203.0.113.7 entry in a spec", spec(ip_allowlist=["::ffff:203.0.113.7"]),
           [("ip_allowlist[0]", "ip.ipv6_unsupported")]),
    ]
    d = "decision (client address: strict dotted quad or IPv6; spaces, brackets, zones, leading zeros invalid)"
    cs += [
        ipc(f"{d}: 010.0.0.1", ["0.0.0.0/0"], "010.0.0.1", "invalid"),
        ipc(f"{d}: 203.0.113.07", ["0.0.0.0/0"], "203.0.113.07", "invalid"),
        ipc(f"{d}: trailing space", ["0.0.0.0/0"], "203.0.113.7 ", "invalid"),
        ipc(f"{d}: bracketed IPv6", ["0.0.0.0/0"], "[::1]", "invalid"),
        ipc(f"{d}: bracketed IPv4-mapped IPv6", ["203.0.113.7"], "[::ffff:203.0.113.7]", "invalid"),
        ipc(f"{d}: IPv6 with a zone", ["0.0.0.0/0"], "fe80::1%eth0", "invalid"),
    ]
    d = "decision (client address: IPv4-mapped IPv6 in either notation is that IPv4 address)"
    cs += [
        ipc(f"{d}: hex ::ffff:cb00:7107 allowed by 203.0.113.0/24", ["203.0.113.0/24"], "::ffff:cb00:7107", True),
        ipc(f"{d}: hex ::ffff:cb00:7107 is 203.0.113.7", ["203.0.113.7"], "::ffff:cb00:7107", True),
        ipc(f"{d}: hex ::FFFF:CB00:7107 in upper case", ["203.0.113.7"], "::FFFF:CB00:7107", True),
        ipc(f"{d}: hex ::ffff:cb00:7107 outside 198.51.100.0/24", ["198.51.100.0/24"], "::ffff:cb00:7107", False),
    ]

    # ---- Specs
    d = "decision (specs: missing or wrongly typed members get the member's own code)"
    cs += [
        vs(f"{d}: missing name -> name.length", spec(name=DROP), [("name", "name.length")]),
        vs(f"{d}: name a number -> name.length", spec(name=12345), [("name", "name.length")]),
        vs(f"{d}: missing set type -> set_type.unknown", spec(permission_set_type=DROP),
           [("permission_set_type", "set_type.unknown")]),
        vs(f"{d}: missing permissions -> permissions.empty", spec(permissions=DROP),
           [("permissions", "permissions.empty")]),
        vs(f"{d}: missing ip_allowlist -> ip.empty", spec(ip_allowlist=DROP), [("ip_allowlist", "ip.empty")]),
        vs(f"{d}: missing environment -> environment.unknown", spec(environment=DROP),
           [("environment", "environment.unknown")]),
        vs(f"{d}: empty object -> all five at once", {}, [
            ("name", "name.length"), ("permission_set_type", "set_type.unknown"),
            ("permissions", "permissions.empty"), ("ip_allowlist", "ip.empty"),
            ("environment", "environment.unknown")]),
    ]
    d = "decision (specs: a spec that is not a JSON object is spec.invalid at path \"\")"
    cs += [
        vs(f"{d}: an array", ["Payments backend"], [("", "spec.invalid")]),
        vs(f"{d}: null", None, [("", "spec.invalid")]),
    ]
    d = "decision (specs: a name both too short and with a control character gets both problems)"
    cs += [
        vs(f"{d}: 4 characters with U+0001", spec(name="ab\u0001c"),
           [("name", "name.length"), ("name", "name.invalid_char")]),
    ]
    d = "decision (specs: too_many is reported at the list's path and each entry is still checked)"
    p101 = [f"vault:read:vault:v{i}" for i in range(100)] + ["vault:frob:org"]
    cs += [
        vs(f"{d}: 101 permissions, the last one invalid", spec(permissions=p101),
           [("permissions", "permissions.too_many"), ("permissions[100]", "permission.unknown_action")]),
        vs(f"{d}: 7 ip entries, the sixth invalid",
           spec(ip_allowlist=["203.0.113.1", "203.0.113.2", "198.51.100.0/24", "192.0.2.0/25", "10.0.0.0/8",
                              "010.0.0.1", "172.16.0.0/12"]),
           [("ip_allowlist", "ip.too_many"), ("ip_allowlist[5]", "ip.invalid")]),
    ]
    d = "decision (specs: unknown spec members are not errors, and lint does not flag them)"
    extra = dict(spec(), labels=["team-payments"], owner="ops@example.test")
    cs += [
        vs(f"{d}: validate_spec", extra),
        case(f"{d}: lint", "lint", {"spec": extra}, {"ok": True, "findings": []}),
    ]

    # ---- Tokens
    valid = mint()
    d = "decision (tokens: typ is compared case-insensitively, RFC 7515 §4.1.9)"
    cs += [
        vt(f"{d}: AT+JWT accepted", mint(header=hdr(typ="AT+JWT")), ok_claims()),
        vt(f"{d}: Application/At+Jwt accepted", mint(header=hdr(typ="Application/At+Jwt")), ok_claims()),
    ]
    d = "decision (tokens: a missing alg or typ is a wrong one)"
    cs += [
        vt(f"{d}: missing alg -> unsupported_alg (also typ missing)", mint(header=hdr(alg=DROP, typ=DROP)),
           "token.unsupported_alg"),
        vt(f"{d}: alg null -> unsupported_alg", mint(header=hdr(alg=None)), "token.unsupported_alg"),
        vt(f"{d}: missing typ -> wrong_type", mint(header=hdr(typ=DROP)), "token.wrong_type"),
    ]
    d = "decision (tokens: a kid that is not a string is unknown_key)"
    cs += [
        vt(f"{d}: kid a number", mint(header=hdr(kid=1)), "token.unknown_key"),
        vt(f"{d}: kid null", mint(header=hdr(kid=None)), "token.unknown_key"),
    ]
    np_x = b64u(not_a_point())
    k1j, k2j = jwk("k1", k1), jwk("k2", k2)
    d = "decision (JWKS: x values that are not a valid Ed25519 point are skipped)"
    cs += [
        vt(f"{d}: 32-byte x off the curve -> key skipped, unknown_key", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", x=np_x), k2j]}),
        vt(f"{d}: a skipped off-curve key does not clash with a usable key of the same kid", valid, ok_claims(),
           jwks={"keys": [jwk("k1", x=np_x), k1j]}),
    ]
    d = "decision (JWKS: entries of keys that are not objects are skipped like keys of other kinds)"
    cs += [
        vt(f"{d}: string, number, null and array entries", valid, ok_claims(),
           jwks={"keys": ["k1", 5, None, [], k1j]}),
    ]
    d = "decision (tokens: scope must be canonical permissions separated by single spaces)"
    late = IAT + 7200  # every case below would also be expired: invalid_claim comes first
    for label, scope in [("not permission text", "vault:read"), ("upper-case word", "Vault:read:org"),
                         ("double space", "vault:read:org  key:read:org"), ("trailing space", "vault:read:org "),
                         ("a tab", "vault:read:org\tkey:read:org"), ("resource with org scope", "vault:read:org:v1")]:
        cs.append(vt(f"{d}: {label} -> invalid_claim", mint(payload=base_claims(scope=scope)),
                     "token.invalid_claim", now=late))
    d = "decision (tokens: ips must be strict CIDRs, no count limit)"
    for label, ips in [("host bits set", ["203.0.113.7/24"]), ("leading zero", ["010.0.0.1/32"]),
                       ("IPv6", ["::1/128"]), ("a number", [5])]:
        cs.append(vt(f"{d}: {label} -> invalid_claim", mint(payload=base_claims(ips=ips)), "token.invalid_claim",
                     now=late))
    ten = base_claims(ips=[f"10.0.0.{i}/32" for i in range(10)])
    cs.append(vt(f"{d}: 10 entries accepted", mint(payload=ten), ok_claims(ten)))
    d = "decision (tokens: env must be sandbox or production)"
    cs += [
        vt(f"{d}: staging -> invalid_claim", mint(payload=base_claims(env="staging")), "token.invalid_claim",
           now=late),
        vt(f"{d}: Production -> invalid_claim", mint(payload=base_claims(env="Production")),
           "token.invalid_claim", now=late),
    ]
    d = "decision (tokens: exp - iat is not checked on input)"
    day = base_claims(exp=IAT + 86400)
    minute = base_claims(exp=IAT + 60)
    cs += [
        vt(f"{d}: a 24-hour token verifies", mint(payload=day), ok_claims(day), now=IAT + 7200),
        vt(f"{d}: a 60-second token verifies", mint(payload=minute), ok_claims(minute), now=IAT + 30),
    ]
    d = "decision (tokens: claims other than the known ones are kept and returned as given)"
    extra_claims = dict(base_claims(), cnf={"x5t#S256": "abc", "n": [1, 2]}, tenant="t1", flag=None)
    exp_extra = ok_claims(extra_claims)
    exp_extra["claims"].update({"cnf": {"x5t#S256": "abc", "n": [1, 2]}, "tenant": "t1", "flag": None})
    cs.append(vt(f"{d}: object, string and null claims", mint(payload=extra_claims), exp_extra))
    d = "decision (tokens: the optional revocation list is checked after every SPEC check, token.revoked)"

    def revoked(name, token, expect, jtis, **kw):
        c = vt(name, token, expect, **kw)
        c["input"]["revoked_jtis"] = jtis
        return c

    cs += [
        revoked(f"{d}: jti on the list -> revoked", valid, "token.revoked", ["jti-other", "jti-vec-0001"]),
        revoked(f"{d}: jti not on the list -> verifies", valid, ok_claims(), ["jti-other"]),
        revoked(f"{d}: empty list -> verifies", valid, ok_claims(), []),
        revoked(f"{d}: jti compared exactly (case)", valid, ok_claims(), ["JTI-VEC-0001"]),
        revoked(f"{d}: wrong audience comes before revoked", valid, "token.wrong_audience", ["jti-vec-0001"],
                audience=OTHER_AUD),
        revoked(f"{d}: expired comes before revoked", valid, "token.expired", ["jti-vec-0001"], now=IAT + 3600),
        revoked(f"{d}: bad signature comes before revoked", mint(seed=k2), "token.bad_signature",
                ["jti-vec-0001"]),
    ]

    # ---- The edge path (check)
    claims = base_claims(scope="balances:read:vault:vlt_1 transaction:read:org", ips=["203.0.113.0/24"],
                         org="org_1")
    tok = mint(payload=claims)
    IN = "203.0.113.9"
    B = req("balances", "read", vault="vlt_1")
    d = "decision (check: the request is validated before the token, 400 request.invalid)"
    cs += [
        ck(f"{d}: invalid request with a malformed token", "garbage", req("wallet", "read"), IN,
           {"allowed": False, "status": 400, "reason": "request.invalid"}),
        ck(f"{d}: misspelt vualt member", tok, {"type": "balances", "action": "read", "vualt": "vlt_1"}, IN,
           {"allowed": False, "status": 400, "reason": "request.invalid"}),
    ]
    d = "decision (check: every 403 carries a Bearer insufficient_scope challenge with a fixed description)"
    cs += [
        ck(f"{d}: no matching permission", tok, req("audit", "read"), IN,
           dict(c_deny(403, "deny.no_matching_permission"),
                www_authenticate=challenge_403("the access token does not grant this action"))),
        ck(f"{d}: ip not allowed", tok, B, "192.0.2.1",
           dict(c_deny(403, "deny.ip_not_allowed"),
                www_authenticate=challenge_403("the client IP address is not allowed for this token"))),
        ck(f"{d}: ip invalid (010.0.0.1)", tok, B, "010.0.0.1",
           dict(c_deny(403, "deny.ip_invalid"),
                www_authenticate=challenge_403("the client IP address could not be read"))),
        ck(f"{d}: org mismatch", tok, req("balances", "read", vault="vlt_1", org="org_2"), IN,
           dict(c_deny(403, "deny.org_mismatch"),
                www_authenticate=challenge_403("the access token belongs to another organisation"))),
    ]
    d = "decision (check: IPv4-mapped IPv6 in hex notation is that IPv4 address)"
    cs.append(ck(f"{d}: ::ffff:cb00:7109 is 203.0.113.9", tok, B, "::ffff:cb00:7109",
                 c_allow("balances:read:vault:vlt_1")))
    d = "decision (check: revoked jti -> 401 token.revoked)"
    c = ck(f"{d}: jti on the list", tok, B, IN, c_deny(401, "token.revoked"))
    c["input"]["revoked_jtis"] = ["jti-vec-0001"]
    cs.append(c)
    d = "decision (JWKS: an invalid JWKS is refused before any token is looked at)"
    cs.append(ck(f"{d}: check with keys an object", tok, B, IN, {"ok": False, "error": "jwks.invalid"},
                 jwks={"keys": {}}))

    # ---- Token endpoint: parse_token_request
    Bh = basic("cid_1:s3cr3t")
    H = {"Content-Type": FORM, "Authorization": Bh}
    d = "decision (token endpoint: methods are case-sensitive, content type media type is not)"
    cs += [
        tr(f"{d}: post -> invalid_request", GRANT, H, method="post", expect=BAD_REQ),
        tr(f"{d}: post with a Bearer header -> invalid_request (method first)", GRANT,
           {"Content-Type": FORM, "Authorization": "Bearer x"}, method="post", expect=BAD_REQ),
        tr(f"{d}: mixed-case content type accepted", GRANT,
           {"Content-Type": "Application/X-WWW-Form-URLENCODED", "Authorization": Bh},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
    ]
    d = "decision (token endpoint: empty parameters count as omitted, RFC 6749 §3.1; repeats never allowed)"
    cs += [
        tr(f"{d}: empty scope= is not an error", GRANT + "&scope=", H,
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr(f"{d}: empty grant_type= is a missing grant_type", "grant_type=", H, expect=BAD_REQ),
        tr(f"{d}: empty client_id= and client_secret= are no authentication",
           GRANT + "&client_id=&client_secret=", expect=NO_AUTH),
        tr(f"{d}: scope=&scope= is a repeat", GRANT + "&scope=&scope=", H, expect=BAD_REQ),
        tr(f"{d}: an empty grant_type repeated by a real one is a repeat",
           "grant_type=&grant_type=client_credentials", H, expect=BAD_REQ),
    ]
    d = "decision (token endpoint: a repeated Authorization or Content-Type header is invalid_request)"
    cs += [
        tr(f"{d}: Authorization and authorization", GRANT, {"Content-Type": FORM, "Authorization": Bh,
                                                            "authorization": Bh}, expect=BAD_REQ),
        tr(f"{d}: Content-Type and content-type", GRANT, {"Content-Type": FORM, "content-type": FORM,
                                                          "Authorization": Bh}, expect=BAD_REQ),
    ]
    d = "decision (token endpoint: a non-Basic scheme or Basic without id:secret and a non-empty id is malformed)"
    cs += [
        tr(f"{d}: Authorization: Bearer x", GRANT, {"Content-Type": FORM, "Authorization": "Bearer x"},
           expect=MALFORMED),
        tr(f"{d}: empty Basic", GRANT, {"Content-Type": FORM, "Authorization": "Basic "}, expect=MALFORMED),
        tr(f"{d}: Basic with an empty client id", GRANT, {"Content-Type": FORM, "Authorization": basic(":s3cr3t")},
           expect=MALFORMED),
    ]
    d = "decision (token endpoint: a body client_id without client_secret is client.no_auth)"
    cs += [
        tr(f"{d}: client_id only", GRANT + "&client_id=cid_1", expect=NO_AUTH),
        tr(f"{d}: client_id with an empty client_secret", GRANT + "&client_id=cid_1&client_secret=", expect=NO_AUTH),
    ]
    d = "decision (token endpoint: the body is at most 16 KiB and must be well encoded)"
    head = GRANT + "&client_id=cid_1&client_secret=s&x="
    cs += [
        tr(f"{d}: 16384 bytes accepted", head + "a" * (16384 - len(head)),
           expect=tr_ok("cid_1", "s", "client_secret_post")),
        tr(f"{d}: 16385 bytes -> invalid_request", head + "a" * (16385 - len(head)), expect=BAD_REQ),
        tr(f"{d}: bad percent-encoding -> invalid_request", GRANT + "&client_id=cid_1&client_secret=a%zz",
           expect=BAD_REQ),
        tr(f"{d}: percent-encoding that is not UTF-8 -> invalid_request",
           GRANT + "&client_id=cid_1&client_secret=a%ff", expect=BAD_REQ),
    ]

    # ---- Token endpoint: issue_token
    cred = credential()
    CLIENT = dict(it_err("invalid_client", 401, "client.unknown"), error_description=INVALID_CLIENT_DESCRIPTION)

    def refused(reason):
        return dict(it_err("invalid_client", 401, reason), error_description=INVALID_CLIENT_DESCRIPTION)

    d = "decision (issuance: client.unknown comes first)"
    c_other = it(f"{d}: client_id in the input differs from the credential's", cred, CLIENT)
    c_other["input"]["client_id"] = "cid_other"
    c_same = it(f"{d}: client_id in the input equal to the credential's is fine", cred, it_ok(cred))
    c_same["input"]["client_id"] = "cid_issue_1"
    c_del = it(f"{d}: unknown before deleted", credential(status="deleted"), CLIENT, secret="nope")
    c_del["input"]["client_id"] = "cid_other"
    cs += [c_other, c_same, c_del, it(f"{d}: no credential record (null)", None, CLIENT)]
    d = "decision (issuance: every invalid_client refusal has one description)"
    cs += [
        it(f"{d}: bad secret", cred, refused("client.bad_secret"), secret="nope"),
        it(f"{d}: disabled", credential(status="disabled"), refused("client.disabled")),
        it(f"{d}: deleted", credential(status="deleted"), refused("client.deleted")),
        it(f"{d}: ip not allowed", cred, refused("client.ip_not_allowed"), ip="192.0.2.1"),
    ]
    d = "decision (issuance: an unparseable client IP is client.ip_not_allowed)"
    cs += [
        it(f"{d}: not-an-ip", cred, refused("client.ip_not_allowed"), ip="not-an-ip"),
        it(f"{d}: 010.0.0.1", cred, refused("client.ip_not_allowed"), ip="010.0.0.1"),
    ]
    d = "decision (issuance: WWW-Authenticate Basic when the client used Basic, SPEC §7)"
    c_basic = it(f"{d}: bad secret over Basic", cred,
                 dict(refused("client.bad_secret"), headers={"WWW-Authenticate": BASIC_CHALLENGE}), secret="nope")
    c_basic["input"]["auth_method"] = "client_secret_basic"
    cs.append(c_basic)
    d = "decision (issuance: a malformed scope is invalid_scope, scope.not_covered)"
    NOT = it_err("invalid_scope", 400, "scope.not_covered")
    cs += [
        it(f"{d}: not permission text", cred, NOT, scope="vault:read"),
        it(f"{d}: upper-case word", cred, NOT, scope="Vault:read:org"),
        it(f"{d}: empty after decoding (one space, from scope=+)", cred, NOT, scope=" "),
        it(f"{d}: double space between covered permissions", cred, NOT, scope="vault:read:org  key:read:vault"),
        it(f"{d}: trailing space", cred, NOT, scope="vault:read:org "),
        it(f"{d}: client checks come first (ip not allowed)", cred, refused("client.ip_not_allowed"),
           scope="vault:read", ip="192.0.2.1"),
    ]
    return cs


suite("decisions.json", "decisions",
      "The decisions of docs/DECISIONS.md (where the SPEC is silent) not already pinned by the other files, "
      "generated by generate.py; each case name starts with \"decision (<section>: <decision>)\". Permission words "
      "exact and lower case (Vault/READ/ORG), the JSON form's members and null resource, request members and the "
      "org grammar, authorize's input order (first invalid permission with its index, org without a caller org), "
      "near_misses [], duplicate allowlist networks (a.b.c.d = a.b.c.d/32), IPv4-mapped entries are IPv6, strict "
      "client addresses and hex IPv4-mapped clients, missing spec members, spec.invalid, a name with two "
      "problems, too_many with entries still checked, unknown spec members, typ case-insensitive, missing "
      "alg/typ, non-string kid, off-curve and non-object JWKS keys, claim grammars (scope, ips, env), lifetimes "
      "other than 3600, extra claims, the revocation list (revoked_jtis, checked last), check's request-first "
      "400 and 403 challenges, jwks.invalid in check, the token endpoint's method/content type/empty and "
      "repeated parameters/headers/Authorization rules and body limits, and issuance's client.unknown, one "
      "invalid_client description, the Basic challenge, unparseable client IPs and malformed scopes.",
      decision_cases())


# --------------------------------------------------------------------------------------
# preview  (docs/PREVIEW.md)
# --------------------------------------------------------------------------------------
# Expectations are computed here from docs/PREVIEW.md and SPEC §2's match rules (a model
# written for this file), not read from the core. The order of ids inside `vaults`/`keys`
# is not documented, so every case lists at most one id per list or gives them sorted.


def parse_text(p):
    if isinstance(p, dict):
        return p["type"], p["action"], p["scope"], p.get("resource")
    parts = p.split(":")
    return parts[0], parts[1], parts[2], (parts[3] if len(parts) == 4 else None)


def model_matches(perm, t, a, vault, key):
    pt, pa, ps, pr = perm
    if (pt, pa) != (t, a):
        return False
    if ps == "org":
        return True
    if ps == "vault":
        return vault is not None and (pr is None or pr == vault)
    return key is not None and (pr is None or pr == key)


def model_preview(perms, resources=None):
    parsed = [parse_text(p) for p in perms]
    out = {"ok": True, "permissions": [":".join(x for x in q if x is not None) for q in parsed], "grants": []}
    for t in TYPES:
        for a in ACTIONS:
            rel = [q for q in parsed if q[0] == t and q[1] == a]
            if not rel:
                continue
            org = any(q[2] == "org" for q in rel)
            all_vaults = org or any(q[2] == "vault" and q[3] is None for q in rel)
            all_keys = all_vaults or any(q[2] == "key" and q[3] is None for q in rel)
            named_v = sorted({q[3] for q in rel if q[2] == "vault" and q[3] is not None})
            named_k = sorted({q[3] for q in rel if q[2] == "key" and q[3] is not None})
            out["grants"].append({"type": t, "action": a, "org": org, "all_vaults": all_vaults,
                                  "vaults": [] if all_vaults else named_v, "all_keys": all_keys,
                                  "keys": [] if all_keys else named_k})
    if resources is not None:
        def allowed(vault, key):
            return [f"{t}:{a}" for t in TYPES for a in ACTIONS
                    if any(model_matches(q, t, a, vault, key) for q in parsed)]
        view = {"org": allowed(None, None), "vaults": {}, "keys": {}}
        for v, keys in resources.get("vaults", {}).items():
            view["vaults"][v] = allowed(v, None)
            for k in keys:
                view["keys"][f"{v}/{k}"] = allowed(v, k)
        out["resources"] = view
    return out


def pv(name, perms, resources=None, expect=None):
    inp = {"permissions": perms}
    if resources is not None:
        inp["resources"] = resources
    return case(name, "preview", inp, expect if expect is not None else model_preview(perms, resources))


def preview_cases():
    doc_perms = ["balances:read:vault:v1", "key:read:org"]
    doc_res = {"vaults": {"v1": ["k1"]}}
    # The worked example of docs/PREVIEW.md, written out by hand; the model must agree with it.
    doc_example = {
        "ok": True,
        "permissions": ["balances:read:vault:v1", "key:read:org"],
        "grants": [
            {"type": "key", "action": "read", "org": True, "all_vaults": True, "vaults": [], "all_keys": True,
             "keys": []},
            {"type": "balances", "action": "read", "org": False, "all_vaults": False, "vaults": ["v1"],
             "all_keys": False, "keys": []},
        ],
        "resources": {"org": ["key:read"], "vaults": {"v1": ["key:read", "balances:read"]},
                      "keys": {"v1/k1": ["key:read", "balances:read"]}},
    }
    assert model_preview(doc_perms, doc_res) == doc_example
    E = {"ok": False, "error": "request.invalid"}
    cs = [
        pv("docs/PREVIEW.md worked example", doc_perms, doc_res, doc_example),
        pv("without resources: grants only", doc_perms),
        pv("org scope: org-level, every vault and every key", ["vault:read:org"]),
        pv("vault scope without resource: every vault and every key, no org-level", ["balances:read:vault"]),
        pv("vault scope on V: only V (and its keys)", ["balances:read:vault:vlt_1"]),
        pv("key scope without resource: every key, no vault", ["key:update:key"]),
        pv("key scope on K: only K", ["key:update:key:key_9"]),
        pv("org scope wins over narrower permissions of the same type and action",
           ["balances:read:vault:vlt_1", "balances:read:key:key_1", "balances:read:org"]),
        pv("vault scope without resource wins over named vaults and keys",
           ["balances:read:vault:vlt_1", "balances:read:vault", "balances:read:key:key_1"]),
        pv("key scope without resource with a named vault", ["key:read:key", "key:read:vault:vlt_2"]),
        pv("named vault and named key together", ["transaction:create:vault:vlt_1", "transaction:create:key:key_2"]),
        pv("grants in vocabulary order (types, then actions), whatever the input order",
           ["audit:read:org", "key:delete:org", "vault:update:org", "key:create:vault", "vault:create:org",
            "webhook:read:org"]),
        pv("JSON-form permissions are printed in text form",
           [{"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"},
            {"type": "vault", "action": "read", "scope": "org"}]),
        pv("no permissions: no grants", []),
        pv("resources: vaults with and without keys",
           ["vault:read:org", "balances:read:vault:vlt_1", "key:update:key:key_9", "transaction:read:key"],
           {"vaults": {"vlt_1": ["key_1", "key_9"], "vlt_2": ["key_9"], "vlt_3": []}}),
        pv("resources: key scope allows nothing at org or vault level",
           ["key:read:key:key_1"], {"vaults": {"vlt_1": ["key_1", "key_2"]}}),
        pv("resources: vault:create needs org scope", ["vault:create:org", "key:create:vault:vlt_1"],
           {"vaults": {"vlt_1": [], "vlt_2": []}}),
        pv("resources: empty object gives the org level only", ["vault:read:org"], {}),
        pv("resources: no vaults", ["balances:read:vault"], {"vaults": {}}),
        pv("bad permission -> its code and index", ["vault:read:org", "key:read:org", "vault:frob:org"],
           expect={"ok": False, "error": "permission.unknown_action", "index": 2}),
        pv("bad permission: the first bad one is reported", ["wallet:read:org", "vault:read:galaxy"],
           expect={"ok": False, "error": "permission.unknown_type", "index": 0}),
        pv("bad JSON-form permission", ["vault:read:org", {"type": "vault", "action": "read"}],
           expect={"ok": False, "error": "permission.invalid", "index": 1}),
        pv("resource with org scope in preview", ["balances:read:org:vlt_1"],
           expect={"ok": False, "error": "permission.resource_with_org_scope", "index": 0}),
        pv("bad vault id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"v/1": []}}, E),
        pv("empty vault id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"": []}}, E),
        pv("65-char vault id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"v" * 65: []}}, E),
        pv("bad key id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"vlt_1": ["k 1"]}}, E),
    ]
    return cs


suite("preview.json", "preview",
      "preview (docs/PREVIEW.md), generated by generate.py from a model of the documented shape and SPEC §2's "
      "match rules (checked against the doc's worked example): `permissions` in text form, `grants` per type and "
      "action in vocabulary order with org/all_vaults/vaults/all_keys/keys for org, vault and key scopes with and "
      "without resources, `resources` (org level, each vault, each vault/key) when given, a bad permission -> "
      "{ok:false, error, index}, a bad vault or key id -> request.invalid.",
      preview_cases())


# --------------------------------------------------------------------------------------
# lint  (docs/CODES.md "Lint findings")
# --------------------------------------------------------------------------------------

DAY = 24 * 3600
CREATED = 1790000000


def ln(name, s, findings, now=None, created_at=None, expect=None):
    inp = {"spec": s}
    if now is not None:
        inp["now"] = now
    if created_at is not None:
        inp["created_at"] = created_at
    if expect is None:
        expect = {"ok": True, "findings": [{"code": c, "path": p} for c, p in findings]}
    return case(name, "lint", inp, expect)


def lint_cases():
    # spec() is sandbox, wallets, vault:read:org + balances:read:vault:vlt_1, 203.0.113.0/24: no findings.
    prod = dict(environment="production")
    cs = [
        ln("clean spec: no findings", spec(), []),
        ln("clean production spec: no findings", spec(**prod), []),
        # lint.all_addresses
        ln("all_addresses: 0.0.0.0/0", spec(ip_allowlist=["0.0.0.0/0"]),
           [("lint.all_addresses", "ip_allowlist[0]")]),
        ln("all_addresses is not also wide_network nor private in production",
           spec(ip_allowlist=["0.0.0.0/0"], **prod), [("lint.all_addresses", "ip_allowlist[0]")]),
        # lint.wide_network: wider than /16, other than /0
        ln("wide_network: /15", spec(ip_allowlist=["198.0.0.0/15"]), [("lint.wide_network", "ip_allowlist[0]")]),
        ln("wide_network: /1", spec(ip_allowlist=["128.0.0.0/1"]), [("lint.wide_network", "ip_allowlist[0]")]),
        ln("wide_network boundary: /16 is not wide", spec(ip_allowlist=["198.51.0.0/16"]), []),
        ln("wide_network at its index", spec(ip_allowlist=["203.0.113.7", "64.0.0.0/8"]),
           [("lint.wide_network", "ip_allowlist[1]")]),
        # lint.overlapping_networks: the inner entry is reported, whatever the order
        ln("overlapping_networks: address inside an earlier /24",
           spec(ip_allowlist=["198.51.100.0/24", "198.51.100.7"]),
           [("lint.overlapping_networks", "ip_allowlist[1]")]),
        ln("overlapping_networks: address inside a later /24",
           spec(ip_allowlist=["198.51.100.7", "198.51.100.0/24"]),
           [("lint.overlapping_networks", "ip_allowlist[0]")]),
        ln("overlapping_networks: /25 inside /24", spec(ip_allowlist=["192.0.2.128/25", "192.0.2.0/24"]),
           [("lint.overlapping_networks", "ip_allowlist[0]")]),
        ln("adjacent networks do not overlap", spec(ip_allowlist=["192.0.2.0/25", "192.0.2.128/25"]), []),
        ln("everything is inside 0.0.0.0/0", spec(ip_allowlist=["203.0.113.7", "0.0.0.0/0"]),
           [("lint.overlapping_networks", "ip_allowlist[0]"), ("lint.all_addresses", "ip_allowlist[1]")]),
        # lint.private_network_in_production
        ln("private_network_in_production: 192.168.1.0/24", spec(ip_allowlist=["192.168.1.0/24"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("private_network_in_production: 172.31.255.0/24", spec(ip_allowlist=["172.31.255.0/24"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("private_network_in_production: loopback 127.0.0.1", spec(ip_allowlist=["127.0.0.1"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("private_network_in_production: link-local 169.254.10.0/24",
           spec(ip_allowlist=["169.254.10.0/24"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("172.32.0.0/24 is public", spec(ip_allowlist=["172.32.0.0/24"], **prod), []),
        ln("private network in sandbox: no finding", spec(ip_allowlist=["192.168.1.0/24"]), []),
        ln("private and wide: 10.0.0.0/8 in production",
           spec(ip_allowlist=["10.0.0.0/8"], **prod),
           [("lint.wide_network", "ip_allowlist[0]"), ("lint.private_network_in_production", "ip_allowlist[0]")]),
        # lint.redundant_permission: the narrower permission is reported
        ln("redundant_permission: vault:V under org", spec(permissions=["vault:read:org", "vault:read:vault:vlt_1"]),
           [("lint.redundant_permission", "permissions[1]")]),
        ln("redundant_permission: listed before the wider one",
           spec(permissions=["vault:read:vault:vlt_1", "vault:read:org"]),
           [("lint.redundant_permission", "permissions[0]")]),
        ln("redundant_permission: key:K under vault scope without resource",
           spec(permissions=["balances:read:vault", "balances:read:key:key_1"]),
           [("lint.redundant_permission", "permissions[1]")]),
        ln("not redundant: another action", spec(permissions=["vault:read:org", "vault:update:vault:vlt_1"]), []),
        ln("not redundant: vault:V does not cover vault:W",
           spec(permissions=["balances:read:vault:vlt_1", "balances:read:vault:vlt_2"]), []),
        ln("not redundant: key scope does not cover vault scope",
           spec(permissions=["balances:read:key", "balances:read:vault:vlt_1"]), []),
        # lint.outside_set_type
        ln("outside_set_type: audit in wallets", spec(permissions=["vault:read:org", "audit:read:org"]),
           [("lint.outside_set_type", "permissions[1]")]),
        ln("outside_set_type: vault in monitoring",
           spec(permission_set_type="monitoring", permissions=["webhook:read:org", "vault:create:org"]),
           [("lint.outside_set_type", "permissions[1]")]),
        ln("not outside_set_type: another action of a default type (transactions: key:delete)",
           spec(permission_set_type="transactions", permissions=["key:delete:vault:vlt_1"]), []),
        # lint.org_wide_delete
        ln("org_wide_delete: vault:delete:org in production",
           spec(permissions=["vault:read:org", "vault:delete:org"], **prod),
           [("lint.org_wide_delete", "permissions[1]")]),
        ln("delete at org scope in sandbox: no finding", spec(permissions=["vault:delete:org"]), []),
        ln("delete at vault scope in production: no finding",
           spec(permissions=["vault:delete:vault:vlt_1"], **prod), []),
        # lint.stale_credential: older than 90 days at now
        ln("stale_credential: 90 days and 1 second", spec(), [("lint.stale_credential", "created_at")],
           now=CREATED + 90 * DAY + 1, created_at=CREATED),
        ln("stale_credential boundary: exactly 90 days is not stale", spec(), [], now=CREATED + 90 * DAY,
           created_at=CREATED),
        ln("fresh credential: 1 day", spec(), [], now=CREATED + DAY, created_at=CREATED),
        ln("no age check without created_at", spec(), [], now=CREATED + 400 * DAY),
        ln("no age check without now", spec(), [], created_at=CREATED),
        # several at once
        ln("every finding at once", spec(
            permission_set_type="wallets",
            permissions=["vault:read:org", "vault:read:vault:vlt_1", "audit:read:org", "key:delete:org"],
            ip_allowlist=["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16"],
            environment="production"), [
            ("lint.all_addresses", "ip_allowlist[0]"),
            ("lint.wide_network", "ip_allowlist[1]"),
            ("lint.overlapping_networks", "ip_allowlist[1]"),
            ("lint.private_network_in_production", "ip_allowlist[1]"),
            ("lint.overlapping_networks", "ip_allowlist[2]"),
            ("lint.private_network_in_production", "ip_allowlist[2]"),
            ("lint.redundant_permission", "permissions[1]"),
            ("lint.outside_set_type", "permissions[2]"),
            ("lint.org_wide_delete", "permissions[3]"),
            ("lint.stale_credential", "created_at"),
        ], now=CREATED + 200 * DAY, created_at=CREATED),
        # invalid spec: not linted
        ln("invalid spec: ok false, the validation errors, no findings",
           spec(name="abc", ip_allowlist=["0.0.0.0/0", "010.0.0.1"]), None,
           expect={"ok": False, "errors": [{"path": "name", "code": "name.length"},
                                           {"path": "ip_allowlist[1]", "code": "ip.invalid"}], "findings": []}),
    ]
    return cs


suite("lint.json", "lint",
      "lint (docs/CODES.md \"Lint findings\", core/src/lint.rs), generated by generate.py: one case per finding "
      "code that produces exactly that finding (findings compared as a set), boundaries (/16 not wide, /15 wide, "
      "/0 only all_addresses; 172.31/172.32; exactly 90 days not stale, one second more stale), the inner entry of "
      "an overlap reported whatever the order, private ranges only in production, redundant = covered by another "
      "permission of the same type and action, a clean spec, every finding at once, and an invalid spec "
      "(ok:false with errors and findings []).",
      lint_cases())


# --------------------------------------------------------------------------------------
# decisions reachable only through the façade's host helpers (docs/DECISIONS.md
# "Credentials", "The edge path"): create_credential, update_credential, parse_bearer.
# These ops are not in CONFORMANCE.md's table, so they live in their own file that a
# runner implementing only that table can leave out; every credgate host runs them.
# --------------------------------------------------------------------------------------


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().lower().rstrip("=")


SECRET_RE = re.compile(r"cgs_(live|test)_[a-z2-7]{60}")


def expected_created(s, org, now, entropy):
    """The create_credential output, computed from docs/DECISIONS.md "Credentials": the client
    id from 16 random bytes, the secret from the next 32 and an 8-character checksum = base32 of
    the first 5 bytes of SHA-256 of the secret before it (the core takes entropy[0:16] for the id
    and entropy[16:48] for the secret; the docs give only the sizes)."""
    env = "live" if s["environment"] == "production" else "test"
    body = f"cgs_{env}_" + b32(entropy[16:48])
    secret = body + b32(hashlib.sha256(body.encode()).digest()[:5])
    assert SECRET_RE.fullmatch(secret), secret
    client_id = "cid_" + b32(entropy[:16])
    assert len(client_id) == 4 + 26
    desc = s.get("description")
    record = {
        "client_id": client_id,
        "secret_sha256": hashlib.sha256(secret.encode()).hexdigest(),
        "org": org,
        "name": s["name"],
        "description": desc if desc else None,
        "permission_set_type": s["permission_set_type"],
        "permissions": [":".join(x for x in parse_text(p) if x is not None) for p in s["permissions"]],
        "ip_allowlist": s["ip_allowlist"],
        "environment": s["environment"],
        "status": "enabled",
        "created_at": now,
        "updated_at": now,
    }
    return {"ok": True, "credential": record, "client_secret": secret}


def host_op_cases():
    cs = []
    entropy = hashlib.sha256(b"credgate-conformance-entropy-1").digest() + \
        hashlib.sha256(b"credgate-conformance-entropy-2").digest()[:16]
    assert len(entropy) == 48

    def cc(name, s, expect=None, ent=entropy, org="org_acme", now=NOW):
        inp = {"spec": s, "org": org, "now": now, "entropy": ent.hex()}
        return case(name, "create_credential", inp, expect if expect is not None else
                    expected_created(s, org, now, ent))

    d = "decision (credentials: cid_ + 26 base32; secrets cgs_test_/cgs_live_ + 52 base32 + 8-char checksum)"
    cs += [
        cc(f"{d}: sandbox credential, empty description stored as null", spec(description="")),
        cc(f"{d}: production credential, JSON-form permission stored as text",
           spec(environment="production", permissions=[{"type": "vault", "action": "read", "scope": "org"},
                                                       "balances:read:vault:vlt_1"])),
        cc(f"{d}: 47 bytes of entropy -> entropy.insufficient", spec(),
           {"ok": False, "error": "entropy.insufficient"}, ent=entropy[:47]),
        cc(f"{d}: an invalid spec is refused with all its problems", spec(name="abc", environment="dev"),
           {"ok": False, "errors": [{"path": "name", "code": "name.length"},
                                    {"path": "environment", "code": "environment.unknown"}]}),
    ]

    def uc(name, cred, action, expect, now=NOW + 5):
        return case(name, "update_credential", {"credential": cred, "action": action, "now": now}, expect)

    enabled, disabled, deleted = credential(), credential(status="disabled"), credential(status="deleted")
    d = "decision (credentials: enabling an enabled one, or disabling a disabled one, is a no-op keeping updated_at)"
    cs += [
        uc(f"{d}: enable an enabled credential", enabled, "enable", {"ok": True, "credential": enabled}),
        uc(f"{d}: disable a disabled credential", disabled, "disable", {"ok": True, "credential": disabled}),
        uc(f"{d}: disable an enabled credential changes updated_at", enabled, "disable",
           {"ok": True, "credential": dict(enabled, status="disabled", updated_at=NOW + 5)}),
        uc(f"{d}: enable a disabled credential changes updated_at", disabled, "enable",
           {"ok": True, "credential": dict(disabled, status="enabled", updated_at=NOW + 5)}),
        uc(f"{d}: delete an enabled credential", enabled, "delete",
           {"ok": True, "credential": dict(enabled, status="deleted", updated_at=NOW + 5)}),
    ]
    d = "decision (credentials: any change to a deleted credential is credential.deleted)"
    for action in ("enable", "disable", "delete"):
        cs.append(uc(f"{d}: {action}", deleted, action, {"ok": False, "error": "credential.deleted"}))

    def pb(name, authorization, expect):
        return case(name, "parse_bearer", {"authorization": authorization}, expect)

    MISSING = {"ok": False, "error": "bearer.missing", "status": 401, "www_authenticate": 'Bearer realm="credgate"'}
    d = "decision (edge path: a missing token gets a bare Bearer realm challenge, RFC 6750 §3.1)"
    cs.append(pb(f"{d}: no Authorization header", None, MISSING))
    d = "decision (edge path: an Authorization header with another scheme counts as no bearer token)"
    cs += [
        pb(f"{d}: Basic", "Basic " + base64.b64encode(b"cid_1:s3cr3t").decode(), MISSING),
        pb(f"{d}: Bearer still parses", "Bearer abc.def.ghi", {"ok": True, "token": "abc.def.ghi"}),
    ]
    return cs


suite("decisions_host_ops.json", "decisions_host_ops",
      "Decisions of docs/DECISIONS.md reachable only through the JSON façade's host helpers (ops beyond "
      "CONFORMANCE.md's table: create_credential, update_credential, parse_bearer), generated by generate.py: "
      "client id and secret formats with the secret's checksum computed independently, entropy.insufficient, "
      "no-op enable/disable keeping updated_at, credential.deleted for any change to a deleted credential, the "
      "bare Bearer challenge for a missing token and another scheme counting as no bearer token.",
      host_op_cases())


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------


def render(doc) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=True) + "\n"


def self_check():
    # The starter JWKS is what we rebuilt from the seeds.
    starter = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "tokens.json"
    if starter.exists():
        first = json.loads(starter.read_text())["cases"][0]["input"]["jwks"]
        assert first == JWKS, "starter JWKS differs from the seeds"
    for fname, doc in FILES.items():
        text = render(doc)
        back = json.loads(text)
        assert list(back)[0] == "comment", fname
        assert isinstance(back["suite"], str) and back["cases"], fname
        for c in back["cases"]:
            assert c["op"] in OPS or (fname in HOST_OP_FILES and c["op"] in HOST_OPS), (fname, c["name"])


def main(argv):
    self_check()
    check_only = "--check" in argv
    differ = []
    for fname, doc in sorted(FILES.items()):
        path = OUT / fname
        text = render(doc)
        if check_only:
            if not path.exists() or path.read_text() != text:
                differ.append(fname)
        else:
            path.write_text(text)
        print(f"{fname}: {len(doc['cases'])} cases")
    print(f"total: {sum(len(d['cases']) for d in FILES.values())} cases")
    if differ:
        print("out of date: " + ", ".join(differ))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
