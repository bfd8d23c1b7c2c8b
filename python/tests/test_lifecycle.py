"""The credential lifecycle API (docs/LIFECYCLE.md, SPEC §10, §11) through the public
functions: explanations, diffs, record v2 (expiry, two secrets, rotation), usage-based lint
and suggestions, and revocation lists. Answers are returned, failures raised, times are
``int`` or ``datetime`` (durations ``int`` or ``timedelta``), and input of a wrong type is a
credgate error, never a builtin one."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List

import pytest

import credgate
from conftest import AUDIENCE, IP_OK, ISSUER, NOW

DAY = 24 * 3600
A: Any = None  # keeps mypy quiet about deliberately wrong argument types below


def at(t: int) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


def spec_dict(**override: Any) -> Dict[str, Any]:
    d: Dict[str, Any] = {
        "name": "Wallet service", "permission_set_type": "wallets",
        "permissions": ["vault:read:vault:vlt_1"], "ip_allowlist": ["10.0.0.0/25", "10.0.0.128/25"],
        "environment": "sandbox",
    }
    d.update(override)
    return d


def issue(cred: credgate.Credential, secret: str, key: credgate.SigningKey, now: Any = NOW) -> Any:
    return credgate.issue_token(cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER,
                                audience=AUDIENCE, now=now, jti="jti-lc")


# ---------------------------------------------------------------- explain (SPEC §10)


def test_explain_allow_names_the_narrowest_permission() -> None:
    e = credgate.explain(["vault:read:org"], {"type": "vault", "action": "read", "vault": "v1"})
    assert isinstance(e, credgate.Explanation) and e and e.status == 200
    assert (e.allowed, e.reason, e.matched) == (True, "allow", "vault:read:org")
    assert (e.narrowest, e.wider_than_needed, e.near_misses) == ("vault:read:vault:v1", True, None)
    assert e.to_dict() == {"allowed": True, "reason": "allow", "matched": "vault:read:org",
                           "narrowest": "vault:read:vault:v1", "wider_than_needed": True}
    exact = credgate.explain(credgate.PermissionSet(["key:read:key:k1"]),
                             credgate.Request("key", "read", vault="v1", key="k1"))
    assert exact.allowed and exact.narrowest == "key:read:key:k1" and exact.wider_than_needed is False
    # The types without vault or key scope: org scope is the narrowest.
    audit = credgate.explain(["audit:read:org"], {"type": "audit", "action": "read", "vault": "v1"})
    assert audit.narrowest == "audit:read:org" and audit.wider_than_needed is False


def test_explain_deny_says_what_would_allow() -> None:
    e = credgate.explain([credgate.Permission("key", "read", "vault", "v2")],
                         credgate.Request("key", "read", vault="v1", key="k1"))
    assert not e and e.status == 403 and e.reason == "deny.no_matching_permission"
    assert e.near_misses == ("key:read:vault:v2",) and e.narrowest == "key:read:key:k1"
    assert e.wider_than_needed is None and "wider_than_needed" not in e.to_dict()
    other_org = credgate.explain(["vault:read:org"], {"type": "vault", "action": "read", "org": "o2"},
                                 org="o1")
    assert other_org.reason == "deny.org_mismatch" and other_org.narrowest is None
    assert "narrowest" not in other_org.to_dict()


def test_explain_raises_as_authorize_does() -> None:
    with pytest.raises(credgate.RequestError):
        credgate.explain(["vault:read:org"], {"type": "vault", "action": "read", "vualt": "v"})
    with pytest.raises(credgate.InvalidPermissionError) as e:
        credgate.explain(["vault:read:org", "nope"], {"type": "vault", "action": "read"})
    assert e.value.index == 1
    for bad in (lambda: credgate.explain(A or 5, {"type": "vault", "action": "read"}),
                lambda: credgate.explain(["vault:read:org"], A or object()),
                lambda: credgate.explain(["vault:read:org"], {"type": "vault", "action": "read"},
                                         org=A or b"o")):
        with pytest.raises(credgate.InputError):
            bad()


# ---------------------------------------------------------------- diff (SPEC §11)


def test_diff_reports_new_access() -> None:
    after = spec_dict(permissions=["vault:read:org"], ip_allowlist=["10.0.0.0/24", "192.168.0.0/24"],
                      environment="production")
    d = credgate.diff(credgate.CredentialSpec.from_dict(spec_dict()), after)
    assert isinstance(d, credgate.SpecDiff) and d.ok and d.grants_new_access and not d
    assert (d.permissions_added, d.permissions_removed) == (("vault:read:org",), ("vault:read:vault:vlt_1",))
    assert d.ip_added == ("10.0.0.0/24", "192.168.0.0/24")
    assert d.ip_removed == ("10.0.0.0/25", "10.0.0.128/25")
    assert d.environment == ("sandbox", "production")
    # The union of /25s covers 10.0.0.0/24: only the new network is new access.
    assert [(f.code, f.path) for f in d.new_access] == [
        ("diff.permission_not_covered", "after.permissions[0]"),
        ("diff.ip_not_covered", "after.ip_allowlist[1]"),
        ("diff.environment_changed", "after.environment"),
    ]
    assert all(isinstance(f, credgate.DiffFinding) and f.message for f in d.new_access)
    assert d.codes == {"diff.permission_not_covered", "diff.ip_not_covered", "diff.environment_changed"}
    wire = d.to_dict()
    assert wire["permissions"] == {"added": ["vault:read:org"], "removed": ["vault:read:vault:vlt_1"]}
    assert wire["environment"] == {"before": "sandbox", "after": "production"}
    assert wire == {k: v for k, v in credgate.call("diff", {"before": spec_dict(), "after": after}).items()
                    if k != "outcome"}
    d.raise_if_invalid()


def test_diff_without_new_access_is_truthy() -> None:
    narrower = spec_dict(permissions=["vault:read:vault:vlt_1"], ip_allowlist=["10.0.0.0/26"],
                         name="Renamed service")
    d = credgate.diff(spec_dict(), narrower)
    assert d.ok and not d.grants_new_access and d and d.new_access == () and d.environment is None
    assert d.ip_removed == ("10.0.0.0/25", "10.0.0.128/25") and d.ip_added == ("10.0.0.0/26",)
    assert "environment" not in d.to_dict()


def test_diff_of_an_invalid_spec_is_an_answer() -> None:
    d = credgate.diff(spec_dict(name="abc"), spec_dict(environment="staging"))
    assert not d.ok and not d and not d.grants_new_access
    assert {(p.path, p.code) for p in d.errors} == {
        ("before.name", "name.length"), ("after.environment", "environment.unknown")}
    assert d.to_dict()["error"] == "spec.invalid"
    with pytest.raises(credgate.ValidationError) as e:
        d.raise_if_invalid()
    assert e.value.problems == list(d.errors)
    # A value that is JSON but not a spec is the core's to judge: still an answer.
    assert not credgate.diff(A or 5, spec_dict()).ok
    with pytest.raises(credgate.InputError):
        credgate.diff(spec_dict(), {"name": object()})


# ---------------------------------------------------------------- record v2: expiry


def test_create_with_expiry(spec: credgate.CredentialSpec, key: credgate.SigningKey) -> None:
    new = credgate.create_credential(spec, org="org_1", now=at(NOW), expires_at=at(NOW + 1800),
                                     entropy=bytes(48))
    cred = new.credential
    assert cred.expires_at == NOW + 1800 and cred.to_dict()["expires_at"] == NOW + 1800
    # A token never outlives its credential.
    r = issue(cred, new.client_secret, key)
    assert isinstance(r, credgate.TokenResponse) and r.claims["exp"] == NOW + 1800
    refused = issue(cred, new.client_secret, key, now=NOW + 1800)
    assert isinstance(refused, credgate.TokenRefusal)
    assert (refused.reason, refused.error, refused.status) == ("client.expired", "invalid_client", 401)
    # Expiry must come after now.
    with pytest.raises(credgate.Error):
        credgate.create_credential(spec, org="org_1", now=NOW, expires_at=NOW, entropy=bytes(48))
    for bad in (A or "tomorrow", datetime(2030, 1, 1), True, float("nan")):
        with pytest.raises(credgate.InputError):
            credgate.create_credential(spec, org="org_1", now=NOW, expires_at=bad)


def test_set_expiry_and_set_spec(new_credential: credgate.NewCredential) -> None:
    cred = new_credential.credential
    later = cred.set_expiry(at(NOW + 30 * DAY), now=at(NOW + 10))
    assert later.expires_at == NOW + 30 * DAY and later.updated_at == NOW + 10
    assert cred.expires_at is None  # records are values: the original is unchanged
    never = later.set_expiry(None, now=NOW + 20)
    assert never.expires_at is None and "expires_at" not in never.to_dict()
    changed = cred.set_spec(spec_dict(environment="production"), now=NOW + 30)
    assert changed.permissions == ["vault:read:vault:vlt_1"] and changed.environment == "production"
    assert changed.client_id == cred.client_id and changed.secrets == cred.secrets
    with pytest.raises(credgate.ValidationError) as e:
        cred.set_spec(spec_dict(name="abc", ip_allowlist=[]), now=NOW)
    assert e.value.codes == {"name.length", "ip.empty"}
    with pytest.raises(credgate.CredentialError) as ce:
        cred.delete(now=NOW).set_expiry(NOW + DAY, now=NOW)
    assert ce.value.code == "credential.deleted"
    with pytest.raises(credgate.InputError):
        cred.set_expiry(A or "never", now=NOW)
    with pytest.raises(credgate.InputError):
        cred.set_spec({"name": object()}, now=NOW)


# ---------------------------------------------------------------- record v2: secrets


def test_rotation_overlap_and_revocation(
    new_credential: credgate.NewCredential, key: credgate.SigningKey
) -> None:
    cred, old_secret = new_credential
    rotated = cred.rotate_secret(grace=timedelta(hours=1), now=at(NOW + 100), entropy=bytes(32))
    assert isinstance(rotated, credgate.NewCredential)
    assert rotated.client_secret not in repr(rotated) and rotated.client_secret != old_secret
    two = rotated.credential
    first, second = two.secrets
    assert isinstance(first, credgate.SecretInfo)
    assert first.expires_at == NOW + 100 + 3600 and second.created_at == NOW + 100
    assert second.expires_at is None and first.sha256 != second.sha256
    # Both secrets work during the grace period; the answer says which one matched.
    assert two.verify_secret(old_secret, now=NOW + 200).secret == 0
    check = two.verify_secret(rotated.client_secret, now=NOW + 200)
    assert check and check.valid and check.well_formed and check.secret == 1
    wrong = two.verify_secret(old_secret + "x", now=NOW)
    assert not wrong and wrong.secret is None
    # After the grace period the old secret no longer counts.
    assert not two.verify_secret(old_secret, now=NOW + 100 + 3600)
    assert two.verify_secret(old_secret, now=at(NOW + 100 + 3599)).secret == 0
    # Issuance says which secret was used, so the host can record it.
    r = issue(two, rotated.client_secret, key, now=NOW + 200)
    assert isinstance(r, credgate.TokenResponse) and r.secret == 1
    used = two.secret_used(r.secret, now=NOW + 201)
    assert used.secrets[1].last_used_at == NOW + 201 and used.secrets[0].last_used_at is None
    refused = issue(two, old_secret, key, now=NOW + 100 + 3600)
    assert isinstance(refused, credgate.TokenRefusal) and refused.reason == "client.bad_secret"
    # Two live secrets: finish the previous rotation first.
    with pytest.raises(credgate.CredentialError) as e:
        two.rotate_secret(grace=0, now=NOW + 300)
    assert e.value.code == "credential.secret_limit"
    one = two.revoke_secret(0, now=NOW + 300)
    assert [s.sha256 for s in one.secrets] == [second.sha256]
    assert one.verify_secret(rotated.client_secret, now=NOW + 300).secret == 0
    with pytest.raises(credgate.CredentialError) as e:
        one.revoke_secret(0, now=NOW + 301)
    assert e.value.code == "credential.secret_required"
    # Default entropy comes from the Python layer; an int grace is seconds.
    a = one.rotate_secret(grace=60, now=NOW + 400)
    b = one.rotate_secret(grace=60, now=NOW + 400)
    assert a.client_secret != b.client_secret and a.credential.secrets[0].expires_at == NOW + 460


def test_rotation_refuses_bad_input(new_credential: credgate.NewCredential) -> None:
    cred = new_credential.credential
    for grace in (-1, 31 * DAY, timedelta(days=31), timedelta(seconds=-1)):
        with pytest.raises(credgate.InputError):
            cred.rotate_secret(grace=grace, now=NOW)
    for grace in (A or "1h", A or 1.5, True, None):
        with pytest.raises(credgate.InputError):
            cred.rotate_secret(grace=grace, now=NOW)
    with pytest.raises(credgate.InputError) as e:
        cred.rotate_secret(grace=0, now=NOW, entropy=b"short")
    assert e.value.code in ("input.invalid", "entropy.insufficient")
    for index in (A or "0", -1, 2**70, A or 0.5, None):
        with pytest.raises(credgate.Error):
            cred.secret_used(index, now=NOW)
    with pytest.raises(credgate.Error):
        cred.revoke_secret(5, now=NOW)
    # A sub-second timedelta rounds down to whole seconds.
    assert cred.rotate_secret(grace=timedelta(seconds=90, microseconds=999_999),
                              now=NOW).credential.secrets[0].expires_at == NOW + 90


def test_secrets_are_read_leniently() -> None:
    """The properties never raise, whatever the record holds; the core judges it when used."""
    odd = credgate.Credential({"secrets": [{"created_at": "x"}, 5, {"sha256": "ab", "expires_at": 9}]})
    assert odd.secrets == (credgate.SecretInfo(0), credgate.SecretInfo(0, 9, sha256="ab"))
    assert credgate.Credential({"secrets": "no"}).secrets == () and odd.expires_at is None
    assert credgate.Credential({"expires_at": True}).expires_at is None
    assert "sha256" not in repr(odd.secrets[1]) and "ab" not in repr(odd.secrets[1])
    assert odd.secrets[1].to_dict() == {"sha256": "ab", "created_at": 0, "expires_at": 9}
    with pytest.raises(credgate.CredentialError):
        odd.verify_secret("cgs_x", now=NOW)


# ---------------------------------------------------------------- usage: lint and suggest


USAGE_SPEC = spec_dict(permissions=["balances:read:org", "webhook:read:org", "vault:read:org"],
                       environment="production")


def test_lint_a_record(new_credential: credgate.NewCredential) -> None:
    cred = new_credential.credential  # production, no expiry
    codes = {f.code for f in credgate.lint(credential=cred, now=NOW)}
    assert "lint.no_expiry" in codes
    soon = cred.set_expiry(NOW + DAY, now=NOW)
    report = credgate.lint(credential=soon.to_dict(), now=at(NOW))
    assert "lint.expires_soon" in {f.code for f in report} and report.ok
    old = credgate.lint(credential=cred, now=NOW + 100 * DAY, rotation_days=90)
    assert ("lint.secret_rotation_due", "secrets[0]") in {(f.code, f.path) for f in old}
    fresh = credgate.lint(credential=cred, now=NOW + 100 * DAY, rotation_days=200)
    assert "lint.secret_rotation_due" not in {f.code for f in fresh}
    for bad in (lambda: credgate.lint(), lambda: credgate.lint(USAGE_SPEC, credential=cred),
                lambda: credgate.lint(credential=A or 5),
                lambda: credgate.lint(USAGE_SPEC, usage=A or 5),
                lambda: credgate.lint(USAGE_SPEC, rotation_days=A or "90")):
        with pytest.raises(credgate.InputError):
            bad()


def test_lint_unused_permissions() -> None:
    usage = [credgate.UsageEntry({"type": "balances", "action": "read", "vault": "vlt_1"},
                                 at(NOW - DAY), count=12),
             {"request": credgate.Request("vault", "read"), "last_at": NOW - 200 * DAY, "count": 1}]
    found = {(f.code, f.path) for f in credgate.lint(USAGE_SPEC, now=NOW, usage=usage)}
    assert ("lint.unused_permission", "permissions[1]") in found  # webhook: never used
    assert ("lint.unused_permission", "permissions[2]") in found  # vault: too long ago
    assert ("lint.unused_permission", "permissions[0]") not in found
    kept = {(f.code, f.path) for f in credgate.lint(USAGE_SPEC, now=NOW, usage=usage,
                                                    unused_after_days=365)}
    assert ("lint.unused_permission", "permissions[2]") not in kept


def test_suggest_narrows_and_removes() -> None:
    usage = [credgate.UsageEntry(credgate.Request("balances", "read", vault="vlt_1"), at(NOW - DAY), 12),
             {"request": {"type": "vault", "action": "read", "vault": "vlt_2"}, "last_at": NOW - DAY}]
    s = credgate.suggest(USAGE_SPEC, usage, now=at(NOW))
    assert isinstance(s, credgate.Suggestion) and s.ok and not s.unused_credential
    assert s.removed == ("webhook:read:org",)
    assert s.narrowed == (credgate.Narrowing("balances:read:org", ("balances:read:vault:vlt_1",)),
                          credgate.Narrowing("vault:read:org", ("vault:read:vault:vlt_2",)))
    assert isinstance(s.spec, credgate.CredentialSpec)
    assert s.spec.permissions == ["balances:read:vault:vlt_1", "vault:read:vault:vlt_2"]
    assert s.spec.name == USAGE_SPEC["name"] and credgate.validate_spec(s.spec)
    # The suggestion never grants new access.
    assert s.diff is not None and s.diff.ok and not s.diff.grants_new_access
    assert s.diff == credgate.diff(USAGE_SPEC, s.spec)
    assert s.to_dict()["narrowed"][0] == {"from": "balances:read:org", "to": ["balances:read:vault:vlt_1"]}
    # Old use counts as none when `now` is given.
    stale = credgate.suggest(USAGE_SPEC, usage, now=NOW + 400 * DAY, unused_after_days=90)
    assert stale.ok and stale.unused_credential and stale.spec is None
    assert set(stale.removed) == set(USAGE_SPEC["permissions"])


def test_suggest_answers_and_failures() -> None:
    nothing = credgate.suggest(USAGE_SPEC, [])
    assert nothing.ok and nothing.unused_credential and nothing.spec is None
    invalid = credgate.suggest(spec_dict(name="abc"), [])
    assert not invalid.ok and [p.code for p in invalid.errors] == ["name.length"]
    assert invalid.to_dict()["error"] == "spec.invalid"
    entry = {"request": {"type": "vault", "action": "read"}, "last_at": NOW, "count": 1}
    with pytest.raises(credgate.InputError):
        credgate.suggest(USAGE_SPEC, [entry] * 10_001)
    cases: List[Callable[[], Any]] = [
        lambda: credgate.suggest(USAGE_SPEC, A or 5),
        lambda: credgate.suggest(USAGE_SPEC, A or {"request": {}}),
        lambda: credgate.suggest(USAGE_SPEC, [credgate.UsageEntry(credgate.Request("vault", "read"),
                                                                  A or None)]),
        lambda: credgate.suggest(USAGE_SPEC, [credgate.UsageEntry({"type": "vault", "action": "read"},
                                                                  datetime(2023, 1, 1))]),
        lambda: credgate.suggest(USAGE_SPEC, [{**entry, "count": A or "many"}]),
        lambda: credgate.suggest(USAGE_SPEC, [entry], unused_after_days=A or "90"),
        lambda: credgate.suggest(USAGE_SPEC, [A or object()]),
    ]
    for case in cases:
        with pytest.raises(credgate.InputError):
            case()
    with pytest.raises(credgate.RequestError):
        credgate.suggest(USAGE_SPEC, [{**entry, "request": {"type": "vault"}}])


# ---------------------------------------------------------------- revocation lists


def test_sign_and_load_revocations(key: credgate.SigningKey, key2: credgate.SigningKey) -> None:
    entries: List[Any] = [
        credgate.RevokeClient("cid_a", at(NOW - 10)),
        credgate.RevokeToken("jti-1", NOW - 5),
        {"jti": "jti-old", "revoked_at": NOW - 3600},  # older than a token lifetime: dropped
    ]
    signed = credgate.sign_revocations(key, issuer=ISSUER, epoch=3, entries=entries, now=at(NOW))
    assert isinstance(signed, credgate.SignedRevocations) and signed.epoch == 3
    assert signed.entries == (credgate.RevokeClient("cid_a", NOW - 10), credgate.RevokeToken("jti-1", NOW - 5))
    assert str(signed) == signed.revocations and signed.revocations not in repr(signed)
    jwks = credgate.public_jwks([key])
    loaded = credgate.load_revocations(signed.revocations, jwks=jwks, issuer=ISSUER)
    assert loaded == credgate.RevocationList(3, NOW, signed.entries)
    for form in (credgate.KeySet(jwks), credgate._credgate.dumps(jwks)):
        assert credgate.load_revocations(signed.revocations, jwks=form, issuer=ISSUER,
                                         held_epoch=3) == loaded
    with pytest.raises(credgate.RevocationsStale) as e:
        credgate.load_revocations(signed.revocations, jwks=jwks, issuer=ISSUER, held_epoch=4)
    assert e.value.code == "revocations.stale" and isinstance(e.value, credgate.RevocationsError)
    for text, keys, issuer in ((signed.revocations, credgate.public_jwks([key2]), ISSUER),
                               (signed.revocations, jwks, "https://other"),
                               ("not.a.jws", jwks, ISSUER)):
        with pytest.raises(credgate.RevocationsInvalid) as ie:
            credgate.load_revocations(text, jwks=keys, issuer=issuer)
        assert ie.value.code == "revocations.invalid"


def test_revocations_bad_input(key: credgate.SigningKey) -> None:
    cases: List[Callable[[], Any]] = [
        lambda: credgate.sign_revocations(A or 5, issuer=ISSUER, epoch=1, entries=[]),
        lambda: credgate.sign_revocations(key, issuer=ISSUER, epoch=A or "1", entries=[]),
        lambda: credgate.sign_revocations(key, issuer=ISSUER, epoch=-1, entries=[]),
        lambda: credgate.sign_revocations(key, issuer=ISSUER, epoch=1, entries=A or 5),
        lambda: credgate.sign_revocations(key, issuer=ISSUER, epoch=1, entries=[A or object()]),
        lambda: credgate.sign_revocations(key, issuer=ISSUER, epoch=1,
                                          entries=[credgate.RevokeToken("j", A or None)]),
        lambda: credgate.sign_revocations(key, issuer=ISSUER, epoch=1,
                                          entries=[credgate.RevokeClient("c", datetime(2023, 1, 1))]),
        lambda: credgate.load_revocations(A or 5, jwks=credgate.public_jwks([key]), issuer=ISSUER),
        lambda: credgate.load_revocations("x.y.z", jwks=credgate.public_jwks([key]), issuer=ISSUER,
                                          held_epoch=A or "1"),
    ]
    for case in cases:
        with pytest.raises(credgate.InputError):
            case()
    with pytest.raises(credgate.JwksError):
        credgate.load_revocations("x.y.z", jwks="not json", issuer=ISSUER)


def test_verifier_holds_a_revocation_list(key: credgate.SigningKey, token: str,
                                          new_credential: credgate.NewCredential) -> None:
    jti_list = credgate.sign_revocations(key, issuer=ISSUER, epoch=2,
                                         entries=[credgate.RevokeToken("jti-1", NOW)], now=NOW)
    v = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)
    assert v.revocations is None and v.verify(token, now=NOW).jti == "jti-1"
    held = v.load_revocations(jti_list.revocations)
    assert held == credgate.RevocationList(2, NOW, jti_list.entries) and v.revocations == held
    with pytest.raises(credgate.TokenError) as e:
        v.verify(token, now=NOW + 1)
    assert e.value.code == "token.revoked"
    d = v.check(token, client_ip=IP_OK, request={"type": "vault", "action": "read"}, now=NOW + 1)
    assert (d.allowed, d.status, d.reason) == (False, 401, "token.revoked")
    # A lower epoch is refused and the held list stays; an equal one is a re-fetch.
    empty = credgate.sign_revocations(key, issuer=ISSUER, epoch=1, entries=[], now=NOW)
    with pytest.raises(credgate.RevocationsStale):
        v.load_revocations(empty.revocations)
    assert v.revocations == held
    with pytest.raises(credgate.TokenError):
        v.verify(token, now=NOW + 1)
    assert v.load_revocations(jti_list.revocations) == held
    with pytest.raises(credgate.RevocationsInvalid):
        v.load_revocations("not a list")
    assert v.revocations == held
    newer = credgate.sign_revocations(key, issuer=ISSUER, epoch=5, entries=[], now=NOW)
    assert v.load_revocations(newer.revocations).epoch == 5
    assert v.verify(token, now=NOW + 1).jti == "jti-1"
    # A client entry revokes every earlier token of that client.
    cid = new_credential.credential.client_id
    by_client = credgate.sign_revocations(key, issuer=ISSUER, epoch=6,
                                          entries=[credgate.RevokeClient(cid, NOW + 1)], now=NOW + 1)
    fresh = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE,
                              revocations=by_client.revocations)
    assert fresh.revocations is not None and fresh.revocations.epoch == 6
    with pytest.raises(credgate.TokenError):
        fresh.verify(token, now=NOW + 2)
    # The one-off functions take a list too.
    with pytest.raises(credgate.TokenError):
        credgate.verify_token(token, credgate.public_jwks([key]), issuer=ISSUER, audience=AUDIENCE,
                              now=NOW + 2, revocations=by_client.revocations)
    with pytest.raises(credgate.RevocationsInvalid):
        credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, revocations="x")
    with pytest.raises(credgate.InputError):
        v.load_revocations(A or b"x.y.z")


def test_new_answers_are_frozen_values() -> None:
    e = credgate.explain(["vault:read:org"], {"type": "vault", "action": "read"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.allowed = False  # type: ignore[misc]
    assert hash(credgate.diff(spec_dict(), spec_dict())) == hash(credgate.diff(spec_dict(), spec_dict()))
    assert credgate.UsageEntry({"type": "vault", "action": "read"}, NOW).to_dict() == {
        "request": {"type": "vault", "action": "read"}, "last_at": NOW, "count": 1}
