"""decisions_host_ops.json: decisions reachable only through the façade's host helpers
(docs/DECISIONS.md "Credentials", "The edge path"): create_credential, update_credential,
parse_bearer. These ops are not in CONFORMANCE.md's table, so they live in their own file
that a runner implementing only that table can leave out; every credgate host runs them.
"""

import base64
import hashlib
import re

from .common import NOW, case
from .spec import spec
from .issue import credential
from .preview import parse_text


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().lower().rstrip("=")


SECRET_RE = re.compile(r"cgs_(live|test)_[a-z2-7]{60}")


def secret_of(entropy32: bytes, environment: str) -> str:
    """A client secret from 32 random bytes (docs/DECISIONS.md "Credentials"): cgs_live_ or
    cgs_test_, base32 of the bytes, and base32 of the first 5 bytes of SHA-256 of what precedes."""
    assert len(entropy32) == 32
    env = "live" if environment == "production" else "test"
    body = f"cgs_{env}_" + b32(entropy32)
    secret = body + b32(hashlib.sha256(body.encode()).digest()[:5])
    assert SECRET_RE.fullmatch(secret), secret
    return secret


def expected_created(s, org, now, entropy, expires_at=None):
    """The create_credential output, computed from docs/DECISIONS.md "Credentials": the client
    id from 16 random bytes, the secret from the next 32 and an 8-character checksum = base32 of
    the first 5 bytes of SHA-256 of the secret before it (the core takes entropy[0:16] for the id
    and entropy[16:48] for the secret; the docs give only the sizes)."""
    secret = secret_of(entropy[16:48], s["environment"])
    client_id = "cid_" + b32(entropy[:16])
    assert len(client_id) == 4 + 26
    desc = s.get("description")
    record = {
        "client_id": client_id,
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
        "secrets": [{"sha256": hashlib.sha256(secret.encode()).hexdigest(), "created_at": now}],
    }
    if expires_at is not None:
        record["expires_at"] = expires_at
    return {"ok": True, "credential": record, "client_secret": secret}


def cases():
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


FILE = "decisions_host_ops.json"
NAME = "decisions_host_ops"
COMMENT = (
    "Decisions of docs/DECISIONS.md reachable only through the JSON façade's host helpers (ops beyond "
    "CONFORMANCE.md's table: create_credential, update_credential, parse_bearer), generated by generate.py: "
    "client id and secret formats with the secret's checksum computed independently, entropy.insufficient, "
    "no-op enable/disable keeping updated_at, credential.deleted for any change to a deleted credential, the "
    "bare Bearer challenge for a missing token and another scheme counting as no bearer token."
)
