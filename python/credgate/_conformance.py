"""The conformance runner for the Python host (format: CONFORMANCE.md).

Each case runs through the package's public, typed API, the functions and classes an
application calls (``credgate.verify_token``, ``Verifier.check``, ``issue_token``,
``Credential.disable``...), not through the native façade. What the API returned (a result
or an answer) or raised (a failure, an exception of the :class:`~credgate.Error` hierarchy)
is written back in the wire form (docs/OUTCOMES.md: the answer's members and ``outcome``)
and compared with ``expect`` as a JSON subset: every member of ``expect`` must be present
and equal in the output, objects recursively, arrays exactly, except the arrays compared
"as sets" (the members named in :data:`SET_MEMBERS`), which are matched by a perfect
matching (the algorithm of the runner crate's docs, ``tests/src/lib.rs``). ``true``/``false``
never equal ``1``/``0``.

A few inputs cannot be expressed through a typed signature at all (a required member
missing, where the API would supply its default instead; both ``text`` and ``permission``;
entropy that is not hex). Those cases go to :func:`credgate.call`, the public façade, and
the summary line counts them, so what the typed API covered is visible.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TextIO, Tuple

import credgate
from credgate import _api
from credgate._errors import Error, ValidationError

__all__ = ["SET_MEMBERS", "subset_matches", "collect_files", "run_case", "run", "main"]

#: Arrays compared as sets: validate_spec ``errors``, authorize ``near_misses``, lint
#: ``findings``, and diff's ``added``, ``removed`` and ``new_access`` (CONFORMANCE.md).
SET_MEMBERS = frozenset({"errors", "near_misses", "findings", "added", "removed", "new_access"})

HOST = "python"


def _same_scalar(expect: Any, got: Any) -> bool:
    if isinstance(expect, bool) or isinstance(got, bool):
        return isinstance(expect, bool) and isinstance(got, bool) and expect == got
    if isinstance(expect, (int, float)) and isinstance(got, (int, float)):
        return expect == got
    return type(expect) is type(got) and expect == got


def _match_as_set(expect: List[Any], got: List[Any]) -> bool:
    """A perfect matching: every expected element subset-matches its own output element."""
    if len(expect) != len(got):
        return False
    owner: List[Optional[int]] = [None] * len(got)

    def place(i: int, seen: List[bool]) -> bool:
        for j, g in enumerate(got):
            if not seen[j] and subset_matches(expect[i], g):
                seen[j] = True
                k = owner[j]
                if k is None or place(k, seen):
                    owner[j] = i
                    return True
        return False

    return all(place(i, [False] * len(got)) for i in range(len(expect)))


def subset_matches(expect: Any, got: Any, key: Optional[str] = None) -> bool:
    """Whether ``got`` contains ``expect`` (CONFORMANCE.md's JSON subset rule)."""
    if isinstance(expect, dict):
        if not isinstance(got, dict):
            return False
        return all(k in got and subset_matches(v, got[k], k) for k, v in expect.items())
    if isinstance(expect, list):
        if not isinstance(got, list):
            return False
        if key in SET_MEMBERS:
            return _match_as_set(expect, got)
        return len(expect) == len(got) and all(
            subset_matches(e, g) for e, g in zip(expect, got)
        )
    return _same_scalar(expect, got)


# ---------------------------------------------------------------- the typed API, per op


class _Inexpressible(Exception):
    """The input has a shape no typed signature can take."""


def _need(i: Any, *names: str) -> None:
    if not isinstance(i, dict) or any(n not in i for n in names):
        raise _Inexpressible


def _result(**members: Any) -> Dict[str, Any]:
    return {"outcome": "result", **members}


def _answer(**members: Any) -> Dict[str, Any]:
    return {"outcome": "answer", **members}


def _failure(e: Error) -> Dict[str, Any]:
    out: Dict[str, Any] = {"outcome": "failure", "ok": False, "error": e.code, "message": e.message}
    if e.index is not None:
        out["index"] = e.index
    if isinstance(e, ValidationError) and e.code == "spec.invalid":
        out["errors"] = [p.to_dict() for p in e.problems]
    return out


def _verifier(i: Dict[str, Any]) -> credgate.Verifier:
    _need(i, "jwks", "issuer", "audience")
    return credgate.Verifier(
        i["jwks"],
        issuer=i["issuer"],
        audience=i["audience"],
        leeway=i.get("leeway", 0),
        revoked_jtis=i.get("revoked_jtis", ()),
        revocations=i.get("revocations"),
    )


def _parse_permission(i: Any) -> Dict[str, Any]:
    if not isinstance(i, dict) or ("text" in i) == ("permission" in i):
        raise _Inexpressible
    p = credgate.parse_permission(i["text"] if "text" in i else i["permission"])
    return _result(ok=True, canonical=str(p), permission=p.to_dict())


def _validate_spec(i: Any) -> Dict[str, Any]:
    _need(i, "spec")
    return _answer(**credgate.validate_spec(i["spec"]).to_dict())


def _ip_allowed(i: Any) -> Dict[str, Any]:
    _need(i, "allowlist", "ip")
    d = credgate.ip_allowed(i["allowlist"], i["ip"])
    return _answer(ok=True, allowed=d.allowed, reason=d.reason)


def _authorize(i: Any) -> Dict[str, Any]:
    _need(i, "permissions", "request")
    d = credgate.authorize(i["permissions"], i["request"], org=i.get("org"))
    return _answer(ok=True, **d.to_dict())


def _verify_token(i: Any) -> Dict[str, Any]:
    _need(i, "token", "now")
    claims = _verifier(i).verify(i["token"], now=i["now"])
    return _result(ok=True, claims=claims.to_dict())


def _check(i: Any) -> Dict[str, Any]:
    _need(i, "now", "client_ip", "request")
    v = _verifier(i)
    if "token" in i and "authorization" not in i:
        d = v.check(i["token"], client_ip=i["client_ip"], request=i["request"], now=i["now"])
    elif "token" not in i:
        d = v.check_authorization(
            i.get("authorization"), client_ip=i["client_ip"], request=i["request"], now=i["now"]
        )
    else:
        raise _Inexpressible
    out = _answer(ok=True, **d.to_dict())
    if d.audit is not None:
        out["audit"] = d.audit
    return out


def _parse_token_request(i: Any) -> Dict[str, Any]:
    _need(i, "method")
    r = credgate.parse_token_request(i["method"], i.get("headers", {}), i.get("body", ""))
    if isinstance(r, credgate.TokenRefusal):
        return _refusal(r)
    out = _result(ok=True, client_id=r.client_id, client_secret=r.client_secret,
                  auth_method=r.auth_method)
    if r.scope is not None:
        out["scope"] = r.scope
    return out


def _refusal(r: credgate.TokenRefusal) -> Dict[str, Any]:
    return _answer(ok=False, error=r.error, error_description=r.error_description,
                   status=r.status, reason=r.reason, headers=r.headers, message=r.message)


def _issue_token(i: Any) -> Dict[str, Any]:
    _need(i, "client_secret", "client_ip", "now", "signing_key", "jti", "issuer", "audience")
    record = i.get("credential")
    credential = None if record is None else credgate.Credential.from_dict(record)
    if not isinstance(i["signing_key"], dict) or not isinstance(i["signing_key"].get("seed"), str):
        raise _Inexpressible
    try:
        seed = bytes.fromhex(i["signing_key"]["seed"])
    except ValueError:
        raise _Inexpressible from None
    key = credgate.SigningKey(i["signing_key"].get("kid", ""), seed)
    request: Any = i["client_secret"]
    if "client_id" in i or "auth_method" in i:
        request = credgate.TokenRequest(
            client_id=i.get("client_id", credential.client_id if credential else ""),
            client_secret=i["client_secret"],
            auth_method=i.get("auth_method", "client_secret_post"),
        )
    r = credgate.issue_token(
        credential, request, client_ip=i["client_ip"], signing_key=key, issuer=i["issuer"],
        audience=i["audience"], scope=i.get("scope"), now=i["now"], jti=i["jti"],
    )
    if isinstance(r, credgate.TokenRefusal):
        return _refusal(r)
    return _result(ok=True, status=r.status, headers=r.headers, response=r.body, token=r.token,
                   claims=r.claims, secret=r.secret)


def _preview(i: Any) -> Dict[str, Any]:
    _need(i, "permissions")
    return _result(ok=True, **credgate.preview(i["permissions"], i.get("resources")))


def _explain(i: Any) -> Dict[str, Any]:
    _need(i, "permissions", "request")
    e = credgate.explain(i["permissions"], i["request"], org=i.get("org"))
    return _answer(ok=True, **e.to_dict())


def _diff(i: Any) -> Dict[str, Any]:
    _need(i, "before", "after")
    return _answer(**credgate.diff(i["before"], i["after"]).to_dict())


def _lint(i: Any) -> Dict[str, Any]:
    if not isinstance(i, dict) or ("spec" in i) == ("credential" in i):
        raise _Inexpressible
    r = credgate.lint(
        i.get("spec"), credential=i.get("credential"), now=i.get("now"),
        created_at=i.get("created_at"), usage=i.get("usage"),
        unused_after_days=i.get("unused_after_days"), rotation_days=i.get("rotation_days"),
    )
    out = _answer(ok=r.ok, findings=[f.to_dict() for f in r.findings])
    if not r.ok:
        out.update(error="spec.invalid", errors=[p.to_dict() for p in r.errors])
    return out


def _create_credential(i: Any) -> Dict[str, Any]:
    _need(i, "spec", "org", "now", "entropy")
    entropy = _hex(i["entropy"])
    new = credgate.create_credential(
        i["spec"], org=i["org"], now=i["now"], expires_at=i.get("expires_at"), entropy=entropy
    )
    return _result(ok=True, credential=new.credential.to_dict(), client_secret=new.client_secret)


def _hex(value: Any) -> bytes:
    """Bytes of a hex member (entropy, seeds); other values have no typed form."""
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise _Inexpressible from None


#: Each ``update_credential`` action: the method of :class:`credgate.Credential` and the
#: members it needs besides ``credential``, ``action`` and ``now``.
_LIFECYCLE: Dict[str, Tuple[Tuple[str, ...], Callable[[credgate.Credential, Any], credgate.Credential]]] = {
    "enable": ((), lambda c, i: c.enable(now=i["now"])),
    "disable": ((), lambda c, i: c.disable(now=i["now"])),
    "delete": ((), lambda c, i: c.delete(now=i["now"])),
    "set_spec": (("spec",), lambda c, i: c.set_spec(i["spec"], now=i["now"])),
    "set_expiry": (("expires_at",), lambda c, i: c.set_expiry(i["expires_at"], now=i["now"])),
    "secret_used": (("secret",), lambda c, i: c.secret_used(i["secret"], now=i["now"])),
    "revoke_secret": (("secret",), lambda c, i: c.revoke_secret(i["secret"], now=i["now"])),
}


def _update_credential(i: Any) -> Dict[str, Any]:
    _need(i, "credential", "action", "now")
    action = _LIFECYCLE.get(i["action"]) if isinstance(i["action"], str) else None
    if action is None:
        raise _Inexpressible
    members, change = action
    _need(i, *members)
    updated = change(credgate.Credential.from_dict(i["credential"]), i)
    return _result(ok=True, credential=updated.to_dict())


def _rotate_secret(i: Any) -> Dict[str, Any]:
    _need(i, "credential", "now", "entropy", "grace_seconds")
    new = credgate.Credential.from_dict(i["credential"]).rotate_secret(
        grace=i["grace_seconds"], now=i["now"], entropy=_hex(i["entropy"])
    )
    return _result(ok=True, credential=new.credential.to_dict(), client_secret=new.client_secret)


def _suggest(i: Any) -> Dict[str, Any]:
    _need(i, "spec", "usage")
    r = credgate.suggest(
        i["spec"], i["usage"], now=i.get("now"), unused_after_days=i.get("unused_after_days")
    )
    return _answer(**r.to_dict())


def _revocation_entries(entries: Any) -> List[Dict[str, Any]]:
    return [e.to_dict() for e in entries]


def _sign_revocations(i: Any) -> Dict[str, Any]:
    _need(i, "signing_key", "issuer", "epoch", "now", "entries")
    r = credgate.sign_revocations(
        i["signing_key"], issuer=i["issuer"], epoch=i["epoch"], entries=i["entries"], now=i["now"]
    )
    return _result(ok=True, revocations=r.revocations, entries=_revocation_entries(r.entries),
                   epoch=r.epoch)


def _load_revocations(i: Any) -> Dict[str, Any]:
    _need(i, "revocations", "jwks", "issuer")
    r = credgate.load_revocations(
        i["revocations"], jwks=i["jwks"], issuer=i["issuer"], held_epoch=i.get("held_epoch")
    )
    return _result(ok=True, epoch=r.epoch, issued_at=r.issued_at,
                   entries=_revocation_entries(r.entries))


def _vocabulary(_: Any) -> Dict[str, Any]:
    return _result(ok=True, **credgate.vocabulary().to_dict())


def _set_type_defaults(i: Any) -> Dict[str, Any]:
    _need(i, "set_type")
    return _result(ok=True, permissions=credgate.set_type_defaults(i["set_type"]))


def _public_jwks(i: Any) -> Dict[str, Any]:
    _need(i, "signing_keys")
    keys = i["signing_keys"]
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise _Inexpressible
    return _result(ok=True, **credgate.public_jwks([credgate.SigningKey.from_dict(k) for k in keys]))


def _parse_bearer(i: Any) -> Dict[str, Any]:
    if not isinstance(i, dict):
        raise _Inexpressible
    r = credgate.parse_bearer(i.get("authorization"))
    if isinstance(r, credgate.BearerToken):
        return _result(ok=True, token=r.token)
    return _answer(ok=False, error=r.reason, status=r.status,
                   www_authenticate=r.www_authenticate, message=r.message)


def _verify_secret(i: Any) -> Dict[str, Any]:
    _need(i, "credential", "client_secret")
    credential = credgate.Credential.from_dict(i["credential"])
    if "now" not in i and any(s.expires_at is not None for s in credential.secrets):
        # Without `now` the core judges no expiry; the typed API always has a time.
        raise _Inexpressible
    c = credential.verify_secret(i["client_secret"], now=i.get("now"))
    out = _answer(ok=True, valid=c.valid, well_formed=c.well_formed)
    if c.secret is not None:
        out["secret"] = c.secret
    return out


#: Each operation of the façade, run through the typed API.
OPERATIONS: Dict[str, Callable[[Any], Dict[str, Any]]] = {
    "parse_permission": _parse_permission,
    "validate_spec": _validate_spec,
    "ip_allowed": _ip_allowed,
    "authorize": _authorize,
    "verify_token": _verify_token,
    "check": _check,
    "parse_token_request": _parse_token_request,
    "issue_token": _issue_token,
    "preview": _preview,
    "lint": _lint,
    "explain": _explain,
    "diff": _diff,
    "create_credential": _create_credential,
    "update_credential": _update_credential,
    "rotate_secret": _rotate_secret,
    "suggest": _suggest,
    "sign_revocations": _sign_revocations,
    "load_revocations": _load_revocations,
    "set_type_defaults": _set_type_defaults,
    "vocabulary": _vocabulary,
    "public_jwks": _public_jwks,
    "parse_bearer": _parse_bearer,
    "verify_secret": _verify_secret,
}


def run_case(op: str, input: Any) -> Tuple[Dict[str, Any], bool]:
    """The wire form of what the typed API gives for ``op`` on ``input``, and whether the
    typed API took it (``False``: the input had no typed form; the façade answered)."""
    operation = OPERATIONS.get(op)
    if operation is None:
        return _api.call(op, input), False
    try:
        return operation(input), True
    except Error as e:
        return _failure(e), True
    except _Inexpressible:
        return _api.call(op, input), False


def collect_files(paths: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """Vector files named by ``paths`` (folders are searched for ``*.json``), and errors."""
    files: List[Path] = []
    errors: List[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*.json") if f.is_file())
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            errors.append(f"{raw}: cannot read: no such file or folder")
    return files, errors


def _compact(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def run(paths: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Run every case in ``paths``; print failures and the summary line; return the exit code."""
    files, errors = collect_files(paths)
    passed = failed = untyped = 0
    ops = set(credgate.OPS)
    for line in errors:
        print(line, file=out)
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
            cases = doc["cases"]
            if not isinstance(cases, list):
                raise TypeError("`cases` is not an array")
        except (OSError, ValueError, KeyError, TypeError) as e:
            errors.append(str(f))
            print(f"{f}: cannot read: {e}", file=out)
            continue
        for i, case in enumerate(cases):
            name = case.get("name", f"#{i}") if isinstance(case, dict) else f"#{i}"
            if not isinstance(case, dict) or "expect" not in case:
                failed += 1
                print(f"{f}: {name}: malformed case (needs op, input, expect)", file=out)
                continue
            op = case.get("op")
            if op not in ops:
                failed += 1
                errors.append(f"{f}: {name}")
                print(f"{f}: {name}: unknown op {op!r}", file=out)
                continue
            got, typed = run_case(op, case.get("input"))
            untyped += not typed
            if subset_matches(case["expect"], got):
                passed += 1
            else:
                failed += 1
                print(
                    f"{f}: {name}: expected {_compact(case['expect'])} got {_compact(got)}",
                    file=out,
                )
    print(f"({untyped} of {passed + failed} cases had no typed form and ran through credgate.call)",
          file=out)
    print(f"{HOST}: {passed} passed, {failed} failed", file=out)
    return 1 if failed or errors or (passed == 0 and not files) else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m credgate conformance PATH...", file=sys.stderr)
        return 2
    return run(args)
