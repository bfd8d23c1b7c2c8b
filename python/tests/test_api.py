"""The Pythonic API: classes, keyword arguments, reprs, times, entropy, dicts in and out."""

from __future__ import annotations

import base64
import copy
import json
import pickle
from datetime import datetime, timedelta, timezone

import pytest

import credgate
from conftest import AUDIENCE, IP_BAD, IP_OK, ISSUER, NOW


def test_package_surface() -> None:
    assert set(credgate.__all__) <= set(dir(credgate))
    assert credgate.__version__
    assert "check" in credgate.OPS and "issue_token" in credgate.OPS
    # The native module stays private: everything public is reachable from `credgate`.
    assert credgate.Request.__module__ == "credgate"
    # One abi3 build serves every CPython from 3.9 on.
    from credgate import _credgate

    assert _credgate.__file__ is not None and ".abi3." in _credgate.__file__
    assert sorted(credgate.CODES) == sorted(set(credgate.CODES))


def test_permission_forms() -> None:
    p = credgate.Permission("balances", "read", "vault", "vlt_01")
    assert str(p) == "balances:read:vault:vlt_01"
    assert repr(p) == "Permission(type='balances', action='read', scope='vault', resource='vlt_01')"
    assert credgate.Permission.parse("balances:read:vault:vlt_01") == p
    assert credgate.parse_permission(p.to_dict()) == p
    assert credgate.Permission.parse("vault:read:org").resource is None
    with pytest.raises(credgate.InvalidPermissionError) as e:
        credgate.Permission("vault", "read", "org", "v1")
    assert e.value.code == "permission.resource_with_org_scope"


def test_request_class() -> None:
    r = credgate.Request("key", "read", vault="v1", key="k1")
    assert (r.type, r.action, r.vault, r.key, r.org) == ("key", "read", "v1", "k1", None)
    assert repr(r) == "Request(type='key', action='read', vault='v1', key='k1')"
    assert r.to_dict() == {"type": "key", "action": "read", "vault": "v1", "key": "k1"}
    assert credgate.Request.from_dict(r.to_dict()) == r
    assert hash(r) == hash(credgate.Request(type="key", action="read", vault="v1", key="k1"))


def test_authorize_decision() -> None:
    perms = ["vault:read:org", "balances:read:vault:v1"]
    d = credgate.authorize(perms, {"type": "balances", "action": "read", "vault": "v1"})
    assert d and d.allowed and d.reason == "allow" and d.status == 200
    assert d.matched == "balances:read:vault:v1" and d.near_misses is None
    assert repr(d) == "Decision(allowed=True, reason='allow', status=200, matched='balances:read:vault:v1')"
    d = credgate.authorize(perms, credgate.Request("balances", "read", vault="v2"))
    assert not d and d.status == 403 and d.reason == "deny.no_matching_permission"
    assert d.near_misses == ["balances:read:vault:v1"]
    assert d.to_dict() == {
        "allowed": False,
        "reason": "deny.no_matching_permission",
        "near_misses": ["balances:read:vault:v1"],
    }
    d = credgate.authorize(perms, {"type": "vault", "action": "read", "org": "org_2"}, org="org_1")
    assert d.reason == "deny.org_mismatch"
    # Decisions from authorize carry no token data.
    assert d.claims is None and d.audit is None and d.www_authenticate is None


def test_permission_set_prepared() -> None:
    ps = credgate.PermissionSet(
        ["vault:read:org", {"type": "key", "action": "create", "scope": "vault", "resource": "v1"},
         credgate.Permission("audit", "read", "org")]
    )
    assert len(ps) == 3 and "key:create:vault:v1" in ps
    assert ps.permissions == ["vault:read:org", "key:create:vault:v1", "audit:read:org"]
    assert ps.scope == "vault:read:org key:create:vault:v1 audit:read:org"
    assert repr(ps) == "PermissionSet(['vault:read:org', 'key:create:vault:v1', 'audit:read:org'])"
    reqs = [credgate.Request("key", "create", vault=v) for v in ("v1", "v2")]
    out = credgate.authorize_many(ps, reqs + [{"type": "audit", "action": "read"}])
    assert [d.allowed for d in out] == [True, False, True]
    assert ps.authorize_many([]) == []


def test_spec_defaults_and_validation() -> None:
    spec = credgate.CredentialSpec.with_defaults(
        name="Treasury bot", permission_set_type="transactions", ip_allowlist=["10.0.0.0/8"],
        environment="sandbox", remove=["transaction:update:org"], add=["audit:read:org"],
    )
    assert spec.permissions == [
        "transaction:create:org", "transaction:read:org", "key:read:org", "balances:read:org",
        "audit:read:org",
    ]
    spec.validate()
    assert credgate.set_type_defaults("controls")[0] == "policy:create:org"
    roundtrip = credgate.CredentialSpec.from_dict(spec.to_dict())
    assert roundtrip == spec


def test_create_credential_and_lifecycle(spec: credgate.CredentialSpec) -> None:
    when = datetime.fromtimestamp(NOW, tz=timezone.utc)
    new = credgate.create_credential(spec, org="org_1", now=when, entropy=bytes(48))
    assert "client_secret" not in repr(new) and new.client_secret not in repr(new)
    cred, secret = new
    assert cred.client_id.startswith("cid_") and new.client_id == cred.client_id
    assert cred.status == "enabled" and cred.enabled and cred.created_at == NOW
    record = cred.to_dict()
    assert "secrets" in record and "secret_sha256" not in record
    assert secret not in json.dumps(record)
    assert cred.verify_secret(secret) and not cred.verify_secret(secret + "x")
    # Same entropy, same time -> same credential (the core is deterministic).
    again = credgate.create_credential(spec, org="org_1", now=NOW, entropy=bytes(48))
    assert again.credential == cred and again.client_secret == secret
    # Lifecycle returns new records; the original is untouched.
    disabled = cred.disable(now=NOW + 5)
    assert disabled.status == "disabled" and disabled.updated_at == NOW + 5 and cred.enabled
    assert disabled.enable(now=NOW + 6).enabled
    deleted = disabled.delete(now=NOW + 7)
    assert deleted.status == "deleted"
    assert credgate.Credential.from_json(deleted.to_json()) == deleted
    assert copy.deepcopy(deleted) == deleted and pickle.loads(pickle.dumps(deleted)) == deleted
    assert (cred.name, cred.org, cred.environment, cred.permission_set_type) == (
        "Wallet service", "org_1", "production", "wallets")
    assert cred.description == "Reads balances" and cred.ip_allowlist == ["203.0.113.0/24"]
    (only,) = cred.secrets
    assert len(only.sha256) == 64 and only.created_at == NOW and cred.expires_at is None
    assert (only.expires_at, only.last_used_at) == (None, None)
    assert only.sha256 not in repr(cred.secrets) and only.sha256 not in repr(deleted)
    # Default entropy and time come from the Python layer.
    a = credgate.create_credential(spec, org="org_1")
    b = credgate.create_credential(spec, org="org_1")
    assert a.client_secret != b.client_secret


def test_times_accepted() -> None:
    assert credgate.to_unix(5) == 5
    assert credgate.to_unix(5.9) == 5
    aware = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone(timedelta(hours=1)))
    assert credgate.to_unix(aware) == 1_699_996_400
    with pytest.raises(ValueError):
        credgate.to_unix(datetime(2023, 1, 1))
    with pytest.raises(TypeError):
        credgate.to_unix(True)
    with pytest.raises(TypeError):
        credgate.to_unix("now")  # type: ignore[arg-type]


def test_signing_key_and_jwks(key: credgate.SigningKey, key2: credgate.SigningKey) -> None:
    assert "seed" not in repr(key) and key.seed.hex() not in repr(key)
    jwk = key.public_jwk()
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["kid"] == "k1"
    # The starter vectors' k1 public key.
    assert jwk["x"] == "T7JJi33tJ4FtlWaD3YiYGVfEgqUm0DAfm5D-7d9hkI8"
    assert credgate.SigningKey.from_dict(key.to_dict()) == key
    jwks = credgate.public_jwks([key, key2])
    ks = credgate.KeySet(jwks)
    assert ks.kids == ["k1", "k2"] and len(ks) == 2 and "k2" in ks
    assert repr(ks) == "KeySet(kids=['k1', 'k2'])"
    assert credgate.KeySet.from_jwks(json.dumps(jwks)).kids == ks.kids
    assert credgate.KeySet.from_jwks(json.dumps(jwks).encode()).to_jwks()["keys"][0]["kid"] == "k1"
    g = credgate.SigningKey.generate("fresh")
    assert len(g.seed) == 32 and g != credgate.SigningKey.generate("fresh")


def test_issue_and_check(
    new_credential: credgate.NewCredential, key: credgate.SigningKey, verifier: credgate.Verifier
) -> None:
    cred, secret = new_credential
    resp = credgate.issue_token(
        cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER, audience=AUDIENCE,
        now=NOW, jti="jti-42",
    )
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    assert resp.body["token_type"] == "Bearer" and resp.expires_in == 3600
    assert resp.access_token not in repr(resp)
    # Deterministic: same inputs, same bytes.
    again = credgate.issue_token(
        cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER, audience=AUDIENCE,
        now=NOW, jti="jti-42",
    )
    assert again.access_token == resp.access_token

    claims = verifier.verify(resp.access_token, now=NOW + 10)
    assert claims.client_id == cred.client_id == claims.sub and claims.org == "org_1"
    assert claims.exp == NOW + 3600 and claims.jti == "jti-42" and claims.env == "production"
    assert claims.ips == ["203.0.113.0/24"] and claims.aud == AUDIENCE
    assert claims.permissions == cred.permissions and claims["scope"] == claims.scope
    assert "org" in claims and "nope" not in claims and claims.nbf is None and claims.extra == {}
    assert claims == verifier.verify(resp.access_token, now=NOW + 11)

    req = credgate.Request("balances", "read", vault="vlt_1")
    ok = verifier.check(resp.access_token, client_ip=IP_OK, request=req, now=NOW + 10)
    assert ok.allowed and ok.status == 200 and ok.matched == "balances:read:vault:vlt_1"
    assert ok.claims is not None and ok.claims.jti == "jti-42"
    assert ok.audit == {
        "time": NOW + 10, "client_id": cred.client_id, "org": "org_1", "jti": "jti-42",
        "request": {"type": "balances", "action": "read", "vault": "vlt_1"},
        "client_ip": IP_OK, "allowed": True, "status": 200, "reason": "allow",
        "matched": "balances:read:vault:vlt_1",
    }
    ip = verifier.check(resp.access_token, client_ip=IP_BAD, request=req, now=NOW + 10)
    assert (ip.allowed, ip.status, ip.reason) == (False, 403, "deny.ip_not_allowed")
    assert ip.www_authenticate is not None and ip.message
    perm = verifier.check(
        resp.access_token, client_ip=IP_OK, request={"type": "vault", "action": "delete"},
        now=NOW + 10,
    )
    assert (perm.status, perm.reason) == (403, "deny.no_matching_permission")
    assert 'error="insufficient_scope"' in (perm.www_authenticate or "")
    expired = verifier.check(resp.access_token, client_ip=IP_OK, request=req, now=NOW + 3600)
    assert (expired.status, expired.reason, expired.claims) == (401, "token.expired", None)
    assert expired.audit is not None and expired.audit["client_id"] is None

    hdr = verifier.check_authorization(
        f"Bearer {resp.access_token}", client_ip=IP_OK, request=req, now=NOW + 10
    )
    assert hdr.allowed
    missing = verifier.check_authorization(None, client_ip=IP_OK, request=req, now=NOW)
    assert (missing.status, missing.reason) == (401, "bearer.missing")
    assert missing.www_authenticate == 'Bearer realm="credgate"'

    # The one-off functions agree with the prepared verifier.
    jwks = credgate.public_jwks([key])
    one = credgate.check(
        resp.access_token, jwks, issuer=ISSUER, audience=AUDIENCE, client_ip=IP_OK,
        request=req, now=NOW + 10,
    )
    assert one.to_dict() == ok.to_dict()
    assert credgate.verify_token(
        resp.access_token, jwks, issuer=ISSUER, audience=AUDIENCE, now=NOW + 10
    ) == claims
    assert verifier.verify(resp.access_token, now=datetime.fromtimestamp(NOW + 1, timezone.utc))


def test_downscoped_token(new_credential: credgate.NewCredential, key: credgate.SigningKey) -> None:
    cred, secret = new_credential
    resp = credgate.issue_token(
        cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER, audience=AUDIENCE,
        now=NOW, scope="vault:read:vault:vlt_9",
    )
    assert resp.scope == "vault:read:vault:vlt_9"


def test_verifier_options_and_revocation(token: str, key: credgate.SigningKey) -> None:
    v = credgate.Verifier(
        credgate.public_jwks([key]), issuer=ISSUER, audience=AUDIENCE, leeway=30,
        revoked_jtis=["jti-1"],
    )
    assert v.leeway == 30 and v.revoked_jtis == ["jti-1"] and v.keys.kids == ["k1"]
    assert repr(v) == (
        f"Verifier(kids=['k1'], issuer='{ISSUER}', audience='{AUDIENCE}', leeway=30)"
    )
    with pytest.raises(credgate.TokenError) as e:
        v.verify(token, now=NOW)
    assert e.value.code == "token.revoked"
    lenient = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, leeway=30)
    assert lenient.verify(token, now=NOW + 3600 + 29).jti == "jti-1"


def test_token_endpoint_parsing(new_credential: credgate.NewCredential) -> None:
    cred, secret = new_credential
    basic = base64.b64encode(f"{cred.client_id}:{secret}".encode()).decode()
    tr = credgate.parse_token_request(
        "POST",
        [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", f"Basic {basic}")],
        b"grant_type=client_credentials&scope=vault%3Aread%3Aorg",
    )
    assert tr.client_id == cred.client_id and tr.client_secret == secret
    assert tr.auth_method == "client_secret_basic" and tr.scope == "vault:read:org"
    assert secret not in repr(tr)


def test_ip_allowed_preview_lint(spec: credgate.CredentialSpec) -> None:
    assert credgate.ip_allowed(["203.0.113.0/24"], "::ffff:203.0.113.9")
    d = credgate.ip_allowed(["0.0.0.0/0"], "2001:db8::1")
    assert not d and d.reason == "deny.ip_not_allowed"
    assert credgate.ip_allowed(["0.0.0.0/0"], "nonsense").reason == "deny.ip_invalid"
    view = credgate.preview(["vault:read:org"], {"vaults": {"v1": ["k1"]}})
    assert view["permissions"] == ["vault:read:org"] and "grants" in view
    spec.ip_allowlist = ["0.0.0.0/0"]
    codes = {f.code for f in credgate.lint(spec, now=NOW, created_at=NOW)}
    assert "lint.all_addresses" in codes


def test_call_facade_never_raises() -> None:
    assert credgate.call("nope", {})["error"] == "op.unknown"
    out = credgate.call("parse_permission", {"text": "vault:read"})
    assert out == {"outcome": "failure", "ok": False, "error": "permission.invalid",
                   "message": out["message"]}


def test_vocabulary_offers_what_the_engine_accepts() -> None:
    v = credgate.vocabulary()
    assert v.actions == ("create", "read", "update", "delete")
    assert v.scopes_for("webhook") == ("org",) and v.scopes_for("key") == ("org", "vault", "key")
    for kind, scopes in v.types:
        for scope in v.scopes:
            text = f"{kind}:read:{scope}"
            if scope in scopes:
                assert str(credgate.parse_permission(text)) == text
            else:
                with pytest.raises(credgate.InvalidPermissionError) as e:
                    credgate.parse_permission(text)
                assert e.value.code == "permission.scope_not_applicable"
    for info in v.set_types:
        assert list(info.permissions) == credgate.set_type_defaults(info.set_type)
    low, high = v.limits["text_chars"]
    assert (low, high) == (5, 50)
    assert v.to_dict()["limits"]["ip_allowlist"] == {"min": 1, "max": 6}
