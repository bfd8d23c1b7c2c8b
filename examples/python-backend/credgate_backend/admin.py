"""The admin API: administrator identities, credentials and their lifecycle, approvals,
secret rotation, expiry, usage, signing keys and the audit log.

Every administrator is one of ``Settings.admins`` (an id, a role, the SHA-256 of its bearer
token). Every decision on a credential is credgate's: the record operations
(``create_credential``, ``set_spec``, ``rotate_secret``, ``revoke_secret``, ``set_expiry``,
enable/disable/delete), ``diff`` (does an update grant new access, so must it wait for
approval), ``authorize_many`` (which permission a counted request is attributed to),
``lint`` and ``suggest``. This module reads requests, applies the approval policy, and
stores through ``store.py``, one transaction per change.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Annotated, Any, Callable, Dict, List, Literal, Optional

from fastapi import Depends, FastAPI, Path, Query, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

import credgate

from .config import APPROVAL_POLICIES, Admin
from .inputs import ClientError
from .models import (CreateCredential, Created, CredentialList, CredentialView, Decide, Disable, Me,
                     RevokeToken, Rotated, RotateSecret, SetExpiry, SetPolicy, Updated, UpdateCredential, json_body,
                     openapi_body)
from .store import (CLIENT_ID, MAX_PAGE, SPEC_MEMBERS, ChangeDecided, ChangeNotFound, ChangeStale,
                    CredentialGone, SelfApproval, spec_of)

if TYPE_CHECKING:
    from .app import Service

# Path and query parameters (module level: FastAPI resolves the annotations by name). Ids
# past SQLite's 64-bit integers are refused here, not overflowed in the store.
ChangeId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SecretIndex = Annotated[int, Path(ge=0, le=2**31)]
Cursor = Annotated[Optional[int], Query(ge=1, le=2**63 - 1)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
ChangeState = Annotated[Literal["pending", "approved", "rejected", "all"], Query()]
Days = Annotated[Optional[int], Query(ge=1, le=36500)]
Status = Annotated[Optional[Literal["enabled", "disabled", "deleted"]], Query()]
Environment = Annotated[Optional[Literal["sandbox", "production"]], Query()]
# The credentials list's cursor: the previous page's last client id (opaque to clients).
After = Annotated[Optional[str], Query(pattern=CLIENT_ID.pattern)]
ClientIdFilter = Annotated[Optional[str], Query(pattern=CLIENT_ID.pattern)]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_JTI = re.compile(r"[A-Za-z0-9_-]{1,128}")
# The lifecycle steps, each credgate's (delete is final: CredentialError after); disable and
# delete put the client on the revocation list.
_LIFECYCLE: Dict[str, Callable[[credgate.Credential, int], credgate.Credential]] = {
    "enable": lambda c, now: c.enable(now=now),
    "disable": lambda c, now: c.disable(now=now),
    "delete": lambda c, now: c.delete(now=now),
}


def _json(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers or {})


def _refused(error: str, description: str, status: int) -> ClientError:
    return ClientError(description, status=status, error=error)


def _not_found(what: str) -> ClientError:
    return _refused("not_found", f"no {what}", 404)


def _core_error(e: credgate.Error) -> ClientError:
    """credgate's refusal of a change: 400 for input it cannot use (a spec's problems come
    with ``problems``), 409 for a change the credential's state does not allow."""
    if isinstance(e, credgate.ValidationError):
        return ClientError(e.message, error="invalid_spec", extra={"problems": [p.to_dict() for p in e.problems]})
    return _refused(e.code, e.message, 409 if isinstance(e, credgate.CredentialError) else 400)


def public_record(c: credgate.Credential) -> Dict[str, Any]:
    """A record as the admin API shows it: the secrets' times, never their digests."""
    r = c.to_dict()
    r.pop("secret_sha256", None)
    r.setdefault("expires_at", None)  # absent in the record: never
    r["secrets"] = [{"index": i, "created_at": s.created_at, "expires_at": s.expires_at,
                     "last_used_at": s.last_used_at} for i, s in enumerate(c.secrets)]
    return r


def view(creds: List[credgate.Credential], last_calls: Dict[str, int]) -> List[Dict[str, Any]]:
    """The admin API's view of records: :func:`public_record` plus ``last_used_at``, the
    latest of a token issued (any secret's ``last_used_at``) and an allowed API call
    (``last_calls``: the audit log's latest allowed decision per client)."""
    out = []
    for c in creds:
        r = public_record(c)
        times = [s["last_used_at"] for s in r["secrets"] if s["last_used_at"] is not None]
        if c.client_id in last_calls:
            times.append(last_calls[c.client_id])
        r["last_used_at"] = max(times) if times else None
        out.append(r)
    return out


def takes_access_away(d: credgate.SpecDiff) -> bool:
    """Whether an applied update removes anything tokens already issued still carry (their
    ``scope``, ``ips``, ``env``): then those tokens go onto the revocation list."""
    return bool(d.permissions_removed or d.ip_removed or d.environment)


def _next_before(rows: List[Dict[str, Any]], limit: int) -> Optional[int]:
    """The cursor for the next (older) page: the last id of a full page, else None."""
    return int(rows[-1]["id"]) if len(rows) == limit else None


def add_admin_routes(app: FastAPI, svc: "Service") -> None:
    """The ``/admin`` routes on ``app``."""

    # Declared for OpenAPI (/docs' Authorize button); auto_error=False so that a missing or
    # malformed header gets this API's own 401 body and challenge below, not FastAPI's.
    admin_token = HTTPBearer(auto_error=False, scheme_name="AdminToken",
                             description="an administrator's token (python -m credgate_backend --new-admin ID:ROLE)")

    def identify(credentials: Optional[HTTPAuthorizationCredentials] = Security(admin_token)) -> Admin:
        """The administrator whose bearer token this is: its SHA-256 compared with every
        configured digest in constant time."""
        admins = svc.settings.admins
        if not admins:
            raise ClientError("set CREDGATE_ADMINS to enable the admin API", status=503, error="admin_disabled")
        scheme, token = (credentials.scheme, credentials.credentials) if credentials else ("", "")
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found: Optional[Admin] = None
        for a in admins:  # no early exit: every digest is compared
            if hmac.compare_digest(digest, bytes.fromhex(a.token_sha256)):
                found = a
        if scheme.lower() != "bearer" or not token or found is None:
            raise ClientError("an administrator's bearer token is required", status=401, error="invalid_token",
                              headers={"WWW-Authenticate": 'Bearer realm="credgate-admin"'})
        return found

    def owner(who: Admin = Depends(identify)) -> Admin:
        if not who.owner:
            raise _refused("admin.owner_required", f"`{who.id}` is an administrator; only an owner may do this", 403)
        return who

    def policy() -> str:
        return svc.store.get_state("approval_policy") or svc.settings.approval_policy

    def needs_approval(before_env: Optional[str], after_env: str) -> bool:
        p = policy()
        return p == "always" or (p == "production" and "production" in (before_env, after_env))

    def credential(client_id: str) -> credgate.Credential:
        c = svc.store.get_credential(client_id)
        if c is None:
            raise _not_found(f"credential `{client_id[:64]}`")
        return c

    def shown(c: credgate.Credential) -> Dict[str, Any]:
        """One record's view (:func:`view`), with its last use."""
        return view([c], svc.store.last_used([c.client_id]))[0]

    def change(client_id: str, action: str, transition: Callable[[credgate.Credential], credgate.Credential],
               who: Admin, revoke: Optional[Callable[[credgate.Credential], bool]] = None,
               detail: Optional[Dict[str, Any]] = None) -> credgate.Credential:
        """One record change, read and written in one transaction and logged with who (and
        ``detail``: why, when the administrator said)."""
        try:
            updated = svc.store.change_credential(client_id, action, transition, svc.settings.now(),
                                                  admin=who.id, revoke=revoke, detail=detail)
        except credgate.Error as e:
            raise _core_error(e) from None
        if updated is None:
            raise _not_found(f"credential `{client_id[:64]}`")
        return updated

    @app.get("/admin/me", response_model=Me)
    def me(who: Admin = Depends(identify)) -> Dict[str, Any]:
        """Who this bearer token is: the console's sign-in."""
        return {"id": who.id, "role": who.role}

    # ------------------------------------------------------------ credentials

    @app.post("/admin/credentials", status_code=201, response_model=Created,
              responses={202: {"model": Created, "description": "waiting for another administrator's approval"}},
              openapi_extra=openapi_body(CreateCredential))
    def create_credential(who: Admin = Depends(identify),
                          body: CreateCredential = Depends(json_body(CreateCredential))) -> JSONResponse:
        """Create a credential; its secret is in this response only. When the approval policy
        requires it, the credential waits (202 ``pending_approval``) for another admin."""
        org_name = body.org if body.org is not None else svc.settings.default_org
        expires_at = body.expires_at
        now = svc.settings.now()
        try:
            spec = credgate.CredentialSpec.from_dict(body.model_dump(include=set(SPEC_MEMBERS)))
            report = credgate.validate_spec(spec)  # an answer: valid, or every problem
            if not report:
                return _json({"error": "invalid_spec", "problems": [p.to_dict() for p in report.errors]}, 400)
            new = credgate.create_credential(spec, org=org_name, now=now, expires_at=expires_at)
        except credgate.Error as e:  # input that cannot be used at all (input.invalid)
            return _json({"error": e.code, "error_description": e.message}, 400)
        answer = {"client_id": new.client_id, "client_secret": new.client_secret,
                  "credential": view([new.credential], {})[0]}
        if needs_approval(None, new.credential.environment):
            # Only the record (the secret's digest) waits in the pending change; the secret
            # is shown here, once, to the requester, and the approver never sees it.
            change_id = svc.store.request_change("create", new.credential, who.id, now)
            return _json({"status": "pending_approval", "change_id": change_id, **answer}, 202, _NO_STORE)
        svc.store.create_credential(new.credential, who.id, now)
        return _json({"status": "active", **answer}, 201, _NO_STORE)

    @app.get("/admin/credentials", response_model=CredentialList)
    def list_credentials(status: Status = None, environment: Environment = None, limit: Limit = 100,
                         after: After = None, who: Admin = Depends(identify)) -> Dict[str, Any]:
        """Credentials newest first, filtered by status and environment; the next page starts
        after ``next.after`` (None: this page is the last)."""
        try:
            creds = svc.store.list_credentials(limit, after, status, environment)
        except ValueError:
            raise ClientError(f"`after` is not a cursor of this list: `{after}`") from None
        records = view(creds, svc.store.last_used([c.client_id for c in creds]))
        return {"credentials": records,
                "next": {"after": creds[-1].client_id if len(creds) == limit else None}}

    @app.get("/admin/credentials/{client_id}", response_model=CredentialView)
    def get_credential(client_id: str, who: Admin = Depends(identify)) -> Dict[str, Any]:
        return shown(credential(client_id))

    @app.patch("/admin/credentials/{client_id}", response_model=Updated,
               responses={202: {"model": Updated, "description": "waiting for another administrator's approval"}},
               openapi_extra=openapi_body(UpdateCredential))
    def update_credential(client_id: str, who: Admin = Depends(identify),
                          members: UpdateCredential = Depends(json_body(UpdateCredential))) -> JSONResponse:
        """Change members of the spec (the others stay). An update whose ``diff`` grants new
        access waits for approval when the policy says so; any other applies at once."""
        body = members.model_dump(exclude_unset=True)  # only the members sent, null ones included
        if not body:
            raise ClientError(f"nothing to change: give some of {', '.join(SPEC_MEMBERS)}")
        cred = credential(client_id)
        now = svc.settings.now()
        before = spec_of(cred)
        try:
            proposed = cred.set_spec({**before, **body}, now=now)  # the core validates the spec
        except credgate.Error as e:
            raise _core_error(e) from None
        after = spec_of(proposed)
        d = credgate.diff(before, after)
        if d.grants_new_access and needs_approval(before["environment"], after["environment"]):
            change_id = svc.store.request_change("update", proposed, who.id, now, before=before, diff=d.to_dict())
            return _json({"status": "pending_approval", "change_id": change_id, "diff": d.to_dict()}, 202)

        def apply(c: credgate.Credential) -> credgate.Credential:
            if spec_of(c) != before:  # changed since it was read: the diff no longer holds
                raise ChangeStale()
            return c.set_spec(after, now=now)

        try:
            updated = change(client_id, "set_spec", apply, who, revoke=lambda _: takes_access_away(d))
        except ChangeStale:
            raise _refused("change.stale", "the credential changed meanwhile; read it and try again", 409) from None
        return _json({"status": "applied", "diff": d.to_dict(), "credential": shown(updated)})

    @app.post("/admin/credentials/{client_id}/disable", response_model=CredentialView,
              openapi_extra=openapi_body(Disable, required=False))
    def disable(client_id: str, who: Admin = Depends(identify),
                body: Disable = Depends(json_body(Disable, empty_allowed=True))) -> Dict[str, Any]:
        """Disable, optionally saying why (``reason``, one of :class:`models.Disable`'s, and a
        ``comment``): stored with the change, shown in the audit's credential changes."""
        reason, comment = body.reason, body.comment
        detail = {"reason": reason, "comment": comment} if reason is not None or comment is not None else None
        return shown(change(client_id, "disable", lambda c: _LIFECYCLE["disable"](c, svc.settings.now()),
                                    who, revoke=lambda _: True, detail=detail))

    @app.post("/admin/credentials/{client_id}/enable", response_model=CredentialView)
    def enable(client_id: str, who: Admin = Depends(identify)) -> Dict[str, Any]:
        return shown(change(client_id, "enable", lambda c: _LIFECYCLE["enable"](c, svc.settings.now()), who))

    @app.delete("/admin/credentials/{client_id}", response_model=CredentialView)
    def delete(client_id: str, who: Admin = Depends(identify)) -> Dict[str, Any]:
        return shown(change(client_id, "delete", lambda c: _LIFECYCLE["delete"](c, svc.settings.now()),
                                    who, revoke=lambda _: True))

    # ------------------------------------------------------------ secrets and expiry

    @app.post("/admin/credentials/{client_id}/rotate", response_model=Rotated,
              openapi_extra=openapi_body(RotateSecret))
    def rotate_secret(client_id: str, who: Admin = Depends(identify),
                      body: RotateSecret = Depends(json_body(RotateSecret, empty_allowed=True))) -> JSONResponse:
        """A new secret (shown once) beside the current one, which stays valid for
        ``grace_seconds``. ``compromised: true`` (no grace) also revokes every token issued
        so far, at the edge, through the revocation list."""
        compromised = body.compromised
        grace = body.grace_seconds if body.grace_seconds is not None else (0 if compromised else None)
        if grace is None:
            raise ClientError("`grace_seconds` must be an integer: how long the current secret stays valid")
        seconds: int = grace
        if compromised and seconds != 0:
            raise ClientError("a compromised secret gets no grace: `grace_seconds` must be 0")
        now = svc.settings.now()
        issued: List[str] = []

        def rotate(c: credgate.Credential) -> credgate.Credential:
            new = c.rotate_secret(grace=seconds, now=now)
            issued.append(new.client_secret)
            return new.credential

        updated = change(client_id, "rotate_secret", rotate, who, revoke=lambda _: compromised)
        return _json({"client_id": client_id, "client_secret": issued[0], "secret": len(updated.secrets) - 1,
                      "credential": shown(updated)}, headers=_NO_STORE)

    @app.post("/admin/credentials/{client_id}/secrets/{index}/revoke", response_model=CredentialView)
    def revoke_secret(client_id: str, index: SecretIndex, who: Admin = Depends(identify)) -> Dict[str, Any]:
        """Remove one secret at once (the last one cannot go); the client's tokens issued so
        far join the revocation list (which secret obtained a token is not in the token)."""
        now = svc.settings.now()

        def revoke(c: credgate.Credential) -> credgate.Credential:
            if index >= len(c.secrets):
                raise _not_found(f"secret {index} (the credential has {len(c.secrets)})")
            return c.revoke_secret(index, now=now)

        return shown(change(client_id, "revoke_secret", revoke, who, revoke=lambda _: True))

    @app.put("/admin/credentials/{client_id}/expiry", response_model=CredentialView,
             openapi_extra=openapi_body(SetExpiry))
    def set_expiry(client_id: str, who: Admin = Depends(identify),
                   body: SetExpiry = Depends(json_body(SetExpiry))) -> Dict[str, Any]:
        """``{"expires_at": t}`` (Unix seconds, later than now) or ``{"expires_at": null}``."""
        expires_at = body.expires_at
        now = svc.settings.now()
        return shown(change(client_id, "set_expiry", lambda c: c.set_expiry(expires_at, now=now), who))

    @app.post("/admin/tokens/revoke", openapi_extra=openapi_body(RevokeToken))
    def revoke_token(who: Admin = Depends(identify),
                     body: RevokeToken = Depends(json_body(RevokeToken))) -> Dict[str, Any]:
        """One token (its ``jti``, from the audit log) onto the revocation list."""
        jti = body.jti
        if not _JTI.fullmatch(jti):
            raise ClientError("`jti` must be a token id: 1 to 128 characters of A-Z a-z 0-9 _ -")
        svc.store.revoke_token(jti, svc.settings.now(), who.id)
        return {"jti": jti, "revoked": True, "epoch": svc.store.revocation_epoch()}

    # ------------------------------------------------------------ advice: lint and usage

    @app.get("/admin/credentials/{client_id}/lint")
    def lint(client_id: str, rotation_days: Days = None, who: Admin = Depends(identify)) -> Dict[str, Any]:
        """credgate's advice on the stored record: rotation due, secrets past their grace,
        no or near expiry, and the spec's own findings."""
        report = credgate.lint(credential=credential(client_id), now=svc.settings.now(), rotation_days=rotation_days)
        return {"client_id": client_id, "findings": [f.to_dict() for f in report.findings]}

    @app.get("/admin/credentials/{client_id}/usage")
    def usage(client_id: str, unused_after_days: Days = None, who: Admin = Depends(identify)) -> Dict[str, Any]:
        """What the audit log counted (each allowed request, its last time and count), each
        permission's last use (a request counts for the first permission that allows it, as
        credgate's ``authorize`` decides), the lint findings with that usage, and credgate's
        ``suggest``ion of a narrower spec."""
        cred = credential(client_id)
        now = svc.settings.now()
        seen = svc.store.usage(client_id)
        per_permission: Dict[str, Dict[str, Any]] = {p: {"permission": p, "last_used_at": None, "count": 0}
                                                     for p in cred.permissions}
        unattributed: List[Dict[str, Any]] = []
        decisions = credgate.authorize_many(cred.permissions, [u["request"] for u in seen]) if seen else []
        for entry, decision in zip(seen, decisions):
            slot = per_permission.get(decision.matched or "") if decision.allowed else None
            if slot is None:  # allowed under an earlier spec, not by the current one
                unattributed.append(entry)
                continue
            slot["count"] += entry["count"]
            slot["last_used_at"] = max(slot["last_used_at"] or 0, entry["last_at"])
        report = credgate.lint(credential=cred, now=now, usage=seen, unused_after_days=unused_after_days)
        suggestion = credgate.suggest(spec_of(cred), seen, now=now, unused_after_days=unused_after_days)
        return {"client_id": client_id, "usage": seen, "permissions": list(per_permission.values()),
                "unattributed": unattributed, "findings": [f.to_dict() for f in report.findings],
                "suggestion": suggestion.to_dict()}

    # ------------------------------------------------------------ approvals

    @app.get("/admin/approval-policy")
    def get_policy(who: Admin = Depends(identify)) -> Dict[str, Any]:
        return {"policy": policy(), "policies": list(APPROVAL_POLICIES)}

    @app.put("/admin/approval-policy", openapi_extra=openapi_body(SetPolicy))
    def set_policy(who: Admin = Depends(owner), body: SetPolicy = Depends(json_body(SetPolicy))) -> Dict[str, Any]:
        value = body.policy
        svc.store.set_policy(value, who.id, svc.settings.now())
        return {"policy": value}

    @app.get("/admin/changes")
    def list_changes(state: ChangeState = "pending", limit: Limit = 100, before: Cursor = None,
                     who: Admin = Depends(identify)) -> Dict[str, Any]:
        """Changes (newest first) in ``state`` (default pending), each with its spec and, for an
        update, the spec it started from and credgate's diff."""
        rows = svc.store.changes(None if state == "all" else state, limit, before)
        return {"changes": rows, "next": {"before": _next_before(rows, limit)}}

    @app.get("/admin/changes/{change_id}")
    def get_change(change_id: ChangeId, who: Admin = Depends(identify)) -> Dict[str, Any]:
        row = svc.store.change(change_id)
        if row is None:
            raise _not_found(f"change {change_id}")
        return row

    def decide(body: Decide, change_id: int, who: Admin, approve: bool) -> Dict[str, Any]:
        comment = body.comment

        def revoke(before: Dict[str, Any], after: Dict[str, Any]) -> bool:
            return takes_access_away(credgate.diff(before, after))

        try:
            return svc.store.decide(change_id, who.id, approve, svc.settings.now(), comment, revoke)
        except ChangeNotFound:
            raise _not_found(f"change {change_id}") from None
        except SelfApproval:
            raise _refused("approval.self_approval",
                           "you requested this change: another administrator must approve or reject it", 403) from None
        except ChangeDecided as e:
            raise _refused("change.decided", f"change {change_id} is {e.state} already", 409) from None
        except ChangeStale:
            raise _refused("change.stale", "the credential's spec changed since this update was requested;"
                           " reject it and request the update again", 409) from None
        except CredentialGone:
            raise _refused("change.stale", "the credential is gone", 409) from None
        except credgate.Error as e:
            raise _core_error(e) from None

    decision_body = Depends(json_body(Decide, empty_allowed=True))

    @app.post("/admin/changes/{change_id}/approve", openapi_extra=openapi_body(Decide, required=False))
    def approve(change_id: ChangeId, who: Admin = Depends(identify), body: Decide = decision_body) -> Dict[str, Any]:
        return decide(body, change_id, who, True)

    @app.post("/admin/changes/{change_id}/reject", openapi_extra=openapi_body(Decide, required=False))
    def reject(change_id: ChangeId, who: Admin = Depends(identify), body: Decide = decision_body) -> Dict[str, Any]:
        return decide(body, change_id, who, False)

    # ------------------------------------------------------------ keys and audit

    @app.post("/admin/keys/rotate")
    def rotate_key(who: Admin = Depends(identify)) -> Dict[str, Any]:
        key = svc.rotate_key()
        svc.store.log_admin(svc.settings.now(), who.id, "rotate_key", None, {"kid": key.kid})
        return {"active": key.kid, "published": [k.kid for k in svc.published_keys()]}

    @app.get("/admin/audit")
    def audit(
        limit: Limit = 100,
        decisions_before: Cursor = None,
        token_requests_before: Cursor = None,
        credential_changes_before: Cursor = None,
        admin_actions_before: Cursor = None,
        client_id: ClientIdFilter = None,
        who: Admin = Depends(identify),
    ) -> Dict[str, Any]:
        """The newest ``limit`` (1..500) rows of each log (only those of ``client_id`` when
        given), older pages by the ``*_before`` ids that ``next`` gives (None: no older rows)."""
        decisions = svc.store.audit_log(limit, decisions_before, client_id)
        tokens = svc.store.token_log(limit, token_requests_before, client_id)
        changes = svc.store.credential_changes(limit, credential_changes_before, client_id)
        actions = svc.store.admin_log(limit, admin_actions_before, client_id)
        return {
            "decisions": decisions, "token_requests": tokens, "credential_changes": changes,
            "admin_actions": actions,
            "next": {"decisions_before": _next_before(decisions, limit),
                     "token_requests_before": _next_before(tokens, limit),
                     "credential_changes_before": _next_before(changes, limit),
                     "admin_actions_before": _next_before(actions, limit)},
        }
