"""issue.json: issue_token (SPEC §6, §7)."""

import hashlib

from .common import AUD, ISS, NOW, SEEDS, assert_valid, case, compact, mint


SECRET = "cgs_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def sha(secret):
    """A stored secret digest: lowercase hex SHA-256 of the secret's UTF-8 bytes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def credential(**over):
    """A credential record, version 2 (docs/LIFECYCLE.md): `secrets` replaces `secret_sha256`."""
    c = {
        "client_id": "cid_issue_1",
        "secrets": [{"sha256": sha(SECRET), "created_at": 1799990000}],
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
    """exp = min(iat + 3600, the credential's expires_at) (SPEC §6, docs/LIFECYCLE.md)."""
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
        "exp": min(now + 3600, cred["expires_at"]) if cred.get("expires_at") is not None else now + 3600,
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


def it_ok(cred, now=NOW, kid="k1", jti="jti-issue-0001", scope=None, secret=0):
    """An issued token; `secret` is the index of the record's secret that matched
    (docs/LIFECYCLE.md). A token whose exp is capped by the credential's expires_at leaves
    expires_in out: docs/LIFECYCLE.md does not say whether it stays 3600."""
    token, scope_text = expected_token(cred, now, kid, jti, scope)
    response = {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": scope_text}
    if cred.get("expires_at") is not None and cred["expires_at"] < now + 3600:
        del response["expires_in"]
    return {"ok": True, "token": token, "secret": secret, "headers": {"Cache-Control": "no-store"},
            "response": response}


def it_err(error, status, reason):
    return {"ok": False, "error": error, "status": status, "reason": reason}


def cases():
    cred = credential()
    cs = [
        it("success: exact token bytes (k1)", cred, it_ok(cred)),
        it("success: exact token bytes (k2, another time and jti)", cred,
           it_ok(cred, now=NOW + 12345, kid="k2", jti="5f1c0a2e-7b7e-4b8a-9d3e-2a1f0c9b8e7d"),
           now=NOW + 12345, kid="k2", jti="5f1c0a2e-7b7e-4b8a-9d3e-2a1f0c9b8e7d"),
        it("success: from an address inside the /24 entry", cred, it_ok(cred), ip="198.51.100.200"),
        it("success: from an IPv4-mapped IPv6 address", cred, it_ok(cred), ip="::ffff:203.0.113.7"),
        # Issue times: 0 to 9999-12-31T23:59:59Z minus one lifetime (docs/DECISIONS.md), so
        # exp - iat is always 3600; outside, issuance fails (input.invalid), it is not refused.
        it("success: issued at the latest issue time, exp at 9999-12-31T23:59:59Z", cred,
           it_ok(cred, now=253402300799 - 3600), now=253402300799 - 3600),
        it("failure: an issue time one second past the latest", cred,
           {"ok": False, "error": "input.invalid"}, now=253402300799 - 3599),
        it("failure: an issue time near i64::MAX (exp would overflow)", cred,
           {"ok": False, "error": "input.invalid"}, now=2**63 - 1),
        it("failure: a negative issue time", cred, {"ok": False, "error": "input.invalid"}, now=-1),
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
        it("the digest itself is not the secret", cred, BAD, secret=cred["secrets"][0]["sha256"]),
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


FILE = "issue.json"
NAME = "issue"
COMMENT = (
    "issue_token (SPEC §6, §7), generated by generate.py: the exact token bytes computed independently (header "
    "{\"alg\":\"EdDSA\",\"kid\":..,\"typ\":\"at+jwt\"}, compact payload with claims in the order iss, sub, aud, "
    "client_id, iat, exp=iat+3600, jti, scope, org, ips, env; scope = stored permissions joined by spaces, or the "
    "requested scope in requested order; ips in CIDR form with /32 for bare addresses), the OAuth response and "
    "Cache-Control; down-scoping covered/not covered (org covers vault and key; vault without resource covers "
    "vault:V, key and key:K; vault:V only vault:V; key:K only key:K); failures client.bad_secret, "
    "client.disabled, client.deleted, client.ip_not_allowed (401 invalid_client), scope.not_covered (400 "
    "invalid_scope) in the lead's order. Credential records are version 2 (docs/LIFECYCLE.md): secrets = [{sha256: hex SHA-256 of the secret's UTF-8, "
    "created_at}]; a success carries secret, the index of the matching secret."
)
