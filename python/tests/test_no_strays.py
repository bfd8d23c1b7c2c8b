"""SPEC §9 "one hierarchy, no strays": whatever a caller passes to any public function or
method, a failure is a ``credgate.Error`` with its code, never a builtin exception from a
conversion (``UnicodeEncodeError``, ``OverflowError``, ``TypeError``, ``ValueError``...).

Input that cannot be converted at all is ``credgate.InputError`` (``input.invalid``), which is
also a ``ValueError`` and a ``TypeError`` so that existing ``except`` clauses keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, Mapping

import pytest

import credgate
from conftest import AUDIENCE, IP_OK, ISSUER, NOW

S = "\ud800"  # a lone surrogate: a valid Python str that is not Unicode text
FORM = [("Content-Type", "application/x-www-form-urlencoded")]
REQ = credgate.Request("vault", "read")


@dataclass
class Ctx:
    key: credgate.SigningKey
    verifier: credgate.Verifier
    token: str
    cred: credgate.Credential
    secret: str
    spec: credgate.CredentialSpec

    def issue(self, **kw: Any) -> Any:
        args: Dict[str, Any] = dict(
            credential=self.cred, request=self.secret, client_ip=IP_OK, signing_key=self.key,
            issuer=ISSUER, audience=AUDIENCE, now=NOW,
        )
        args.update(kw)
        return credgate.issue_token(**args)


class Boom:
    """An object that fails while it is read."""

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("cannot iterate")

    def __str__(self) -> str:
        raise RuntimeError("cannot print")


class BadMapping(Mapping[str, Any]):
    """A mapping whose members cannot be read."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("cannot read a member")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("cannot iterate")

    def __len__(self) -> int:
        return 1


def _cyclic() -> Dict[str, Any]:
    d: Dict[str, Any] = {"type": "vault", "action": "read"}
    d["org"] = d
    return d


A: Any = None  # keeps mypy quiet about deliberately wrong argument types below

CASES: Dict[str, Callable[[Ctx], Any]] = {
    # lone surrogates: token, IP, client id, request id, and every other text argument
    "surrogate token verify": lambda c: c.verifier.verify(c.token + S, now=NOW),
    "surrogate token check": lambda c: c.verifier.check(S, client_ip=IP_OK, request=REQ, now=NOW),
    "surrogate ip check": lambda c: c.verifier.check(c.token, client_ip=S, request=REQ, now=NOW),
    "surrogate ip ip_allowed": lambda c: credgate.ip_allowed(["10.0.0.0/8"], S),
    "surrogate allowlist entry": lambda c: credgate.ip_allowed([S], "10.0.0.1"),
    "surrogate client id issue": lambda c: c.issue(
        request=credgate.TokenRequest(S, c.secret, "client_secret_post")),
    "surrogate client id body": lambda c: credgate.parse_token_request(
        "POST", FORM, f"grant_type=client_credentials&client_id={S}&client_secret=x"),
    "surrogate header value": lambda c: credgate.parse_token_request(
        "POST", [("Content-Type", S)], "grant_type=client_credentials"),
    "surrogate request id Request": lambda c: credgate.Request("vault", "read", vault=S),
    "surrogate request id dict": lambda c: credgate.authorize(
        ["vault:read:org"], {"type": "vault", "action": "read", "vault": S}),
    "surrogate request id check": lambda c: c.verifier.check(
        c.token, client_ip=IP_OK, request={"type": "vault", "action": "read", "vault": S}, now=NOW),
    "surrogate request id batch": lambda c: credgate.authorize_many(
        ["vault:read:org"], [{"type": "vault", "action": "read", "vault": S}]),
    "surrogate org": lambda c: credgate.authorize(["vault:read:org"], REQ, org=S),
    "surrogate permission text": lambda c: credgate.parse_permission(S),
    "surrogate permission set": lambda c: credgate.PermissionSet([S]),
    "surrogate permission resource": lambda c: credgate.Permission("vault", "read", "vault", S),
    "surrogate authorization": lambda c: c.verifier.check_authorization(
        "Bearer " + S, client_ip=IP_OK, request=REQ, now=NOW),
    "surrogate bearer": lambda c: credgate.parse_bearer("Bearer " + S),
    "surrogate issuer": lambda c: credgate.Verifier([c.key], issuer=S, audience=AUDIENCE),
    "surrogate revoked jti": lambda c: credgate.Verifier(
        [c.key], issuer=ISSUER, audience=AUDIENCE, revoked_jtis=[S]),
    "surrogate jwks text": lambda c: credgate.KeySet('{"keys": [], "x": "' + S + '"}'),
    "surrogate jwks dict": lambda c: credgate.KeySet({"keys": [], S: 1}),
    "surrogate spec name": lambda c: credgate.validate_spec({**c.spec.to_dict(), "name": S * 6}),
    "surrogate kid": lambda c: credgate.SigningKey(S, bytes(32)),
    "surrogate secret": lambda c: c.cred.verify_secret(S),
    "surrogate op": lambda c: credgate.call(S, {}),
    "surrogate set type": lambda c: credgate.set_type_defaults(S),
    # integers a native type cannot hold
    "now 2**63 verify": lambda c: c.verifier.verify(c.token, now=2**63),
    "now -2**63-1 verify": lambda c: c.verifier.verify(c.token, now=-(2**63) - 1),
    "now 2**63 check": lambda c: c.verifier.check(c.token, client_ip=IP_OK, request=REQ, now=2**63),
    "now 2**63 create": lambda c: credgate.create_credential(c.spec, org="org_1", now=2**63),
    "now 2**63 issue": lambda c: c.issue(now=2**63),
    "now 2**63 lifecycle": lambda c: c.cred.disable(now=2**63),
    "now 2**63 lint": lambda c: credgate.lint(c.spec, now=2**63),
    "leeway 2**64 Verifier": lambda c: credgate.Verifier(
        [c.key], issuer=ISSUER, audience=AUDIENCE, leeway=2**64),
    "leeway 2**64 verify_token": lambda c: credgate.verify_token(
        c.token, credgate.public_jwks([c.key]), issuer=ISSUER, audience=AUDIENCE, now=NOW,
        leeway=2**64),
    "huge int in a dict": lambda c: credgate.KeySet({"keys": [], "x": 10**30}),
    # times
    "now nan": lambda c: c.verifier.verify(c.token, now=float("nan")),
    "now inf": lambda c: c.verifier.verify(c.token, now=float("inf")),
    "now 1e300": lambda c: c.verifier.verify(c.token, now=1e300),
    "now naive datetime": lambda c: c.verifier.verify(c.token, now=datetime(2023, 1, 1)),
    "now bool": lambda c: c.verifier.verify(c.token, now=True),
    "now str": lambda c: c.verifier.verify(c.token, now=A or "now"),
    "to_unix bool": lambda c: credgate.to_unix(False),
    "to_unix naive": lambda c: credgate.to_unix(datetime(2023, 1, 1)),
    # bytes (and other types) where a str is expected
    "bytes token": lambda c: c.verifier.verify(A or c.token.encode(), now=NOW),
    "bytes client ip": lambda c: c.verifier.check(c.token, client_ip=A or b"1.2.3.4", request=REQ),
    "bytes authorization": lambda c: c.verifier.check_authorization(
        A or b"Bearer x", client_ip=IP_OK, request=REQ),
    "bytes issuer": lambda c: credgate.Verifier([c.key], issuer=A or b"x", audience=AUDIENCE),
    "bytes request type": lambda c: credgate.Request(A or b"vault", "read"),
    "bytes org": lambda c: credgate.authorize(["vault:read:org"], REQ, org=A or b"org_1"),
    "bytes permission": lambda c: credgate.parse_permission(A or b"vault:read:org"),
    "bytes in a permission set": lambda c: credgate.PermissionSet([A or b"vault:read:org"]),
    "bytes op": lambda c: credgate.call(A or b"parse_permission", {"text": "vault:read:org"}),
    "bytes native op": lambda c: credgate._credgate.call(A or b"x", "{}"),
    "str entropy": lambda c: credgate.create_credential(c.spec, org="o", entropy=A or "x" * 48),
    "int entropy": lambda c: credgate.create_credential(c.spec, org="o", entropy=A or 48),
    "str seed": lambda c: credgate.SigningKey("k", A or "00" * 32),
    "int seed": lambda c: credgate.SigningKey("k", A or 32),
    "int body": lambda c: credgate.parse_token_request("POST", FORM, A or 5),
    "int headers": lambda c: credgate.parse_token_request("POST", A or 5, ""),
    # non-str dict keys (json.dumps would turn 1 into "1" and make a duplicate member)
    "int key spec": lambda c: credgate.validate_spec({1: "a", "1": "b"}),
    "int key Request.from_dict": lambda c: credgate.Request.from_dict({1: "x"}),
    "tuple key KeySet": lambda c: credgate.KeySet({("a",): 1}),
    "int key check request": lambda c: c.verifier.check(
        c.token, client_ip=IP_OK, request={"type": "vault", "action": "read", 1: 2}),
    # cycles and values that are not JSON
    "cycle spec": lambda c: credgate.lint({"name": _cyclic()}),
    "cycle request": lambda c: credgate.authorize(["vault:read:org"], _cyclic()),
    "cycle permission": lambda c: credgate.PermissionSet([_cyclic()]),
    "cycle check": lambda c: c.verifier.check(c.token, client_ip=IP_OK, request=_cyclic()),
    "set in spec": lambda c: credgate.validate_spec({"permissions": {1, 2}}),
    "object request": lambda c: credgate.Request.from_dict(A or object()),
    "object in a JWKS": lambda c: credgate.KeySet({"keys": [object()]}),
    # containers of the wrong kind, and objects that fail while they are read
    "permissions not iterable": lambda c: credgate.authorize(A or 5, REQ),
    "permissions a str": lambda c: credgate.PermissionSet(A or "vault:read:org"),
    "permissions raise": lambda c: credgate.PermissionSet(A or Boom()),
    "permission item raises": lambda c: credgate.PermissionSet([A or Boom()]),
    "requests not iterable": lambda c: credgate.PermissionSet(["vault:read:org"]).authorize_many(A or 5),
    "requests raise": lambda c: credgate.authorize_many(["vault:read:org"], A or Boom()),
    "mapping raises": lambda c: credgate.KeySet(BadMapping()),
    "mapping raises in a request": lambda c: credgate.authorize(["vault:read:org"], BadMapping()),
    "keys not iterable": lambda c: credgate.Verifier(A or 5, issuer=ISSUER, audience=AUDIENCE),
    "public_jwks not iterable": lambda c: credgate.public_jwks(A or 5),
    "public_jwks item": lambda c: credgate.public_jwks([A or 5]),
    "revoked_jtis a str": lambda c: credgate.Verifier(
        [c.key], issuer=ISSUER, audience=AUDIENCE, revoked_jtis=A or "jti-1"),
    "revoked_jtis not iterable": lambda c: credgate.Verifier(
        [c.key], issuer=ISSUER, audience=AUDIENCE, revoked_jtis=A or 5),
    "spec not a mapping": lambda c: credgate.CredentialSpec.from_dict(A or 5),
    "with_defaults add not iterable": lambda c: credgate.CredentialSpec.with_defaults(
        name="Other service", permission_set_type="wallets", ip_allowlist=["10.0.0.0/8"],
        environment="sandbox", add=A or 5),
    "Credential not a mapping": lambda c: credgate.Credential(A or 5),
    "Credential.from_json not JSON": lambda c: credgate.Credential.from_json("{"),
    "Credential.from_json duplicate": lambda c: credgate.Credential.from_json('{"a": 1, "a": 2}'),
    "Credential.to_json not JSON": lambda c: credgate.Credential({"x": object()}).to_json(),
    "issue credential of a wrong type": lambda c: c.issue(credential=A or 5),
    "issue signing key of a wrong type": lambda c: c.issue(signing_key=A or 5),
    "SigningKey.from_dict not a mapping": lambda c: credgate.SigningKey.from_dict(A or 5),
    "preview resources not a mapping": lambda c: credgate.preview(["vault:read:org"], A or 5),
    "allowlist not iterable": lambda c: credgate.ip_allowed(A or 5, "10.0.0.1"),
    # the lifecycle API (docs/LIFECYCLE.md)
    "surrogate explain org": lambda c: credgate.explain(["vault:read:org"], REQ, org=S),
    "surrogate explain permission": lambda c: credgate.explain([S], REQ),
    "surrogate diff name": lambda c: credgate.diff(c.spec, {**c.spec.to_dict(), "name": S * 6}),
    "surrogate set_spec": lambda c: c.cred.set_spec({**c.spec.to_dict(), "name": S * 6}, now=NOW),
    "surrogate suggest request": lambda c: credgate.suggest(
        c.spec, [{"request": {"type": "vault", "action": "read", "vault": S}, "last_at": NOW}]),
    "surrogate revocation jti": lambda c: credgate.sign_revocations(
        c.key, issuer=ISSUER, epoch=1, entries=[credgate.RevokeToken(S, NOW)], now=NOW),
    "surrogate load_revocations": lambda c: credgate.load_revocations(
        S, jwks=credgate.public_jwks([c.key]), issuer=ISSUER),
    "now 2**63 rotate": lambda c: c.cred.rotate_secret(grace=0, now=2**63),
    "now 2**63 verify_secret": lambda c: c.cred.verify_secret(c.secret, now=2**63),
    "expires_at 2**63 create": lambda c: credgate.create_credential(
        c.spec, org="org_1", now=NOW, expires_at=2**63),
    "expires_at 2**63 set_expiry": lambda c: c.cred.set_expiry(2**63, now=NOW),
    "expires_at naive set_expiry": lambda c: c.cred.set_expiry(datetime(2030, 1, 1), now=NOW),
    "grace 2**64": lambda c: c.cred.rotate_secret(grace=2**64, now=NOW),
    "grace str": lambda c: c.cred.rotate_secret(grace=A or "1h", now=NOW),
    "grace bool": lambda c: c.cred.rotate_secret(grace=True, now=NOW),
    "rotation entropy int": lambda c: c.cred.rotate_secret(grace=0, now=NOW, entropy=A or 32),
    "secret index 2**70": lambda c: c.cred.secret_used(2**70, now=NOW),
    "secret index str": lambda c: c.cred.revoke_secret(A or "0", now=NOW),
    "usage not iterable": lambda c: credgate.suggest(c.spec, A or 5),
    "usage raises": lambda c: credgate.lint(c.spec, usage=A or Boom()),
    "usage entry raises": lambda c: credgate.suggest(c.spec, [BadMapping()]),
    "usage last_at naive": lambda c: credgate.suggest(
        c.spec, [credgate.UsageEntry(REQ, datetime(2023, 1, 1))]),
    "usage last_at None": lambda c: credgate.suggest(c.spec, [credgate.UsageEntry(REQ, A or None)]),
    "lint spec and credential": lambda c: credgate.lint(c.spec, credential=c.cred),
    "lint credential not a mapping": lambda c: credgate.lint(credential=A or 5),
    "revocation entries not iterable": lambda c: credgate.sign_revocations(
        c.key, issuer=ISSUER, epoch=1, entries=A or 5, now=NOW),
    "revocation epoch 2**64": lambda c: credgate.sign_revocations(
        c.key, issuer=ISSUER, epoch=2**64, entries=[], now=NOW),
    "revocation key of a wrong type": lambda c: credgate.sign_revocations(
        A or 5, issuer=ISSUER, epoch=1, entries=[], now=NOW),
    "bytes load_revocations": lambda c: credgate.load_revocations(
        A or b"x.y.z", jwks=credgate.public_jwks([c.key]), issuer=ISSUER),
    "bytes Verifier revocations": lambda c: credgate.Verifier(
        [c.key], issuer=ISSUER, audience=AUDIENCE, revocations=A or b"x.y.z"),
    "surrogate Verifier.load_revocations": lambda c: c.verifier.load_revocations(S),
    "bytes Verifier.load_revocations": lambda c: c.verifier.load_revocations(A or b"x.y.z"),
}


@pytest.fixture()
def ctx(
    key: credgate.SigningKey, verifier: credgate.Verifier, token: str,
    new_credential: credgate.NewCredential, spec: credgate.CredentialSpec,
) -> Ctx:
    return Ctx(key, verifier, token, new_credential.credential, new_credential.client_secret, spec)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_an_input_error(ctx: Ctx, name: str) -> None:
    with pytest.raises(credgate.Error) as info:
        CASES[name](ctx)
    err = info.value
    assert type(err) is credgate.InputError, (name, err)
    assert err.code == "input.invalid" and err.message
    # `except ValueError` and `except TypeError` written for bad arguments keep working.
    assert isinstance(err, ValueError) and isinstance(err, TypeError)


def test_the_module_keeps_working_afterwards(ctx: Ctx) -> None:
    for case in CASES.values():
        with pytest.raises(credgate.Error):
            case(ctx)
    assert ctx.verifier.verify(ctx.token, now=NOW + 1).jti == "jti-1"
    assert credgate.authorize(["vault:read:org"], REQ).allowed


def test_core_answers_are_not_input_errors(ctx: Ctx) -> None:
    """A value that converts to JSON is the core's to judge, exactly as its JSON text would be."""
    with pytest.raises(credgate.RequestError):
        credgate.PermissionSet(["vault:read:org"]).authorize(A or 42)
    with pytest.raises(credgate.RequestError):
        credgate.Request(A or 5, "read")
    with pytest.raises(credgate.InvalidPermissionError):
        credgate.PermissionSet([A or 5])
    with pytest.raises(credgate.InvalidPermissionError):
        credgate.parse_permission(A or 5)
    with pytest.raises(credgate.SigningKeyError):
        credgate.SigningKey.from_dict({"kid": "k", "seed": "not hex"})
    odd = credgate.CredentialSpec.from_dict({**ctx.spec.to_dict(), "permissions": 5, "ip_allowlist": 6})
    report = credgate.validate_spec(odd)
    assert not report and {p.path for p in report.errors} == {"permissions", "ip_allowlist"}
    d = ctx.verifier.check(ctx.token, client_ip=IP_OK, request=A or [1], now=NOW)
    assert (d.allowed, d.status, d.reason) == (False, 400, "request.invalid")
    # Claims and containers keep Python's own protocols for lookups.
    claims = ctx.verifier.verify(ctx.token, now=NOW)
    assert S not in claims and 5 not in claims  # type: ignore[operator]
    with pytest.raises(KeyError):
        claims[S]
    assert 5 not in credgate.PermissionSet(["vault:read:org"])  # type: ignore[operator]
    assert S not in credgate.KeySet(credgate.public_jwks([ctx.key]))


@pytest.mark.parametrize("input", [{"spec": {1: "a", "1": "b"}}, {"request": _cyclic()}, {"spec": {1, 2}}],
                         ids=["int key", "cycle", "set"])
def test_the_facade_returns_unconvertible_input_as_a_failure(input: Any) -> None:
    """`credgate.call` is the wire: nothing is raised, the failure is its outcome."""
    out = credgate.call("validate_spec", input)
    assert (out["outcome"], out["ok"], out["error"]) == ("failure", False, "input.invalid")
    assert out["message"]
