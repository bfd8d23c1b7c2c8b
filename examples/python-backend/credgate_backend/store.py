"""SQLite persistence: credentials (records only: digests, never secrets) and their change
log, pending changes awaiting approval, the administrators' action log, the revocation list,
signing keys, the audit log of decisions and the log of token requests, plus the demo
wallet data.

Each operation is one transaction on a short-lived connection. A change that reads before
it writes (a lifecycle change, a key insert) runs under ``BEGIN IMMEDIATE``, so concurrent
changes are serialized and never act on a state another one has already replaced. Logs are
read in pages (``limit`` rows before an ``id``), never whole.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import credgate

SCHEMA = """
CREATE TABLE IF NOT EXISTS credentials (
    client_id  TEXT PRIMARY KEY,
    org        TEXT NOT NULL,
    status     TEXT NOT NULL,
    record     TEXT NOT NULL,          -- credgate's stored record (JSON; SHA-256 digest only)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS credential_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    time        INTEGER NOT NULL,
    client_id   TEXT NOT NULL,
    action      TEXT NOT NULL,         -- enable, disable, delete, set_spec, set_expiry, rotate_secret, revoke_secret
    from_status TEXT NOT NULL,
    status      TEXT NOT NULL          -- the status after the change
    -- admin TEXT: added by _migrate (who made the change; NULL in rows older than it)
);
CREATE TABLE IF NOT EXISTS pending_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,        -- create or update
    client_id    TEXT NOT NULL,
    org          TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    state        TEXT NOT NULL,        -- pending, approved or rejected
    decided_by   TEXT,
    decided_at   INTEGER,
    comment      TEXT,
    record       TEXT,                 -- create: the new record (JSON; digest only, never the secret)
    before_spec  TEXT,                 -- update: the spec it was requested against (JSON)
    after_spec   TEXT NOT NULL,        -- the spec to apply (JSON)
    diff         TEXT                  -- update: credgate.diff(before, after) (JSON)
);
CREATE TABLE IF NOT EXISTS admin_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    admin      TEXT NOT NULL,
    action     TEXT NOT NULL,          -- create, request_create, request_update, approve, reject, set_policy, ...
    client_id  TEXT,
    change_id  INTEGER,
    detail     TEXT                    -- JSON
);
CREATE TABLE IF NOT EXISTS revocations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    client_id  TEXT,                   -- a client entry: tokens with iat < not_before are revoked
    not_before INTEGER,
    jti        TEXT,                   -- a token entry
    revoked_at INTEGER,
    reason     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_state (
    name       TEXT PRIMARY KEY,       -- approval_policy, revocation_epoch, revocations_signed
    value      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid        TEXT PRIMARY KEY,
    seed_hex   TEXT NOT NULL,          -- secret: in production keep this in a KMS/HSM
    created_at INTEGER NOT NULL,
    retired_at INTEGER                 -- NULL for the active key
);
CREATE TABLE IF NOT EXISTS audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    client_id  TEXT,
    org        TEXT,
    jti        TEXT,
    request    TEXT NOT NULL,          -- JSON
    client_ip  TEXT NOT NULL,
    allowed    INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    matched    TEXT
);
CREATE TABLE IF NOT EXISTS token_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    client_id  TEXT,                   -- as sent when well-formed, else a marker (stored_client_id)
    client_ip  TEXT NOT NULL,
    granted    INTEGER NOT NULL,
    reason     TEXT NOT NULL,          -- `issued` or the credgate reason code
    jti        TEXT
);
CREATE TABLE IF NOT EXISTS vaults (
    org        TEXT NOT NULL,
    vault_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (org, vault_id)
);
CREATE TABLE IF NOT EXISTS wallet_keys (
    org        TEXT NOT NULL,
    vault_id   TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    PRIMARY KEY (org, vault_id, key_id)
);
-- Key (wallet) ids are unique within an organisation, whatever the vault (SPEC §2): a
-- key-scoped permission names one wallet. (A database that already holds duplicates
-- refuses this index: resolve them before upgrading.)
CREATE UNIQUE INDEX IF NOT EXISTS wallet_keys_org_key ON wallet_keys (org, key_id);
CREATE INDEX IF NOT EXISTS audit_client ON audit (client_id, allowed);
CREATE INDEX IF NOT EXISTS pending_state ON pending_changes (state, id);
CREATE INDEX IF NOT EXISTS revocations_time ON revocations (time);
"""

# credgate's client ids: `cid_` and 26 base32 characters (credential.rs).
CLIENT_ID = re.compile(r"cid_[a-z2-7]{26}")
MAX_PAGE = 500
# A token lifetime: a revocation entry older than this revokes nothing (every token it
# could revoke has expired), so it is not published (the core drops it too).
TOKEN_LIFETIME = 3600
# The most entries a revocation list holds (docs/LIFECYCLE.md) and usage entries lint and
# suggest take.
MAX_REVOCATIONS = 10_000
MAX_USAGE = 10_000
SPEC_MEMBERS = ("name", "description", "permission_set_type", "permissions", "ip_allowlist", "environment")


def spec_of(cred: credgate.Credential) -> Dict[str, Any]:
    """The spec part of a stored record (what ``set_spec`` replaces and ``diff`` compares)."""
    r = cred.to_dict()
    return {name: r.get(name) for name in SPEC_MEMBERS}


def stored_client_id(client_id: Optional[str]) -> Optional[str]:
    """What the token log keeps of a presented client id: the id when it is well-formed,
    else a fixed-size marker with a digest (repeated attempts stay recognisable, the
    caller's bytes are not stored)."""
    if client_id is None or CLIENT_ID.fullmatch(client_id):
        return client_id
    return "malformed:sha256=" + hashlib.sha256(client_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class KeyIdTaken(Exception):
    """The key id is already used in the organisation; ``vault`` is where."""

    def __init__(self, vault: str) -> None:
        super().__init__(vault)
        self.vault = vault


class ChangeNotFound(Exception):
    """No pending change has this id."""


class ChangeDecided(Exception):
    """The change was approved or rejected already; ``state`` says which."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class SelfApproval(Exception):
    """An administrator decided on their own change."""


class ChangeStale(Exception):
    """The credential's spec changed since the update was requested: its diff no longer holds."""


class CredentialGone(Exception):
    """The credential of an update is no longer stored."""


def _change_row(r: sqlite3.Row) -> Dict[str, Any]:
    d = dict(r)
    record = d.pop("record")
    for name in ("before_spec", "after_spec", "diff"):
        d[name] = json.loads(d[name]) if d[name] is not None else None
    d["spec"], d["before"] = d.pop("after_spec"), d.pop("before_spec")
    if record is not None:
        d["expires_at"] = json.loads(record).get("expires_at")
    return d


class Store:
    """One SQLite file; a short-lived connection per operation (safe across threads)."""

    def __init__(self, path: Union[Path, str]) -> None:
        # A database URL `sqlite:///<path>` names the same file as the path itself (interim:
        # the SQLAlchemy store takes any URL).
        text = str(path)
        self.path = Path(text[len("sqlite:///"):] if text.startswith("sqlite:///") else text)
        with self._db() as db:
            db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older database up to date; idempotent (a current one is left as it is).

        - ``credential_changes.admin`` (who made a change) is added when missing.
        - Version 1 records (one ``secret_sha256``) become version 2 (``secrets``: the same
          digest, created with the record): credgate refuses version 1 records."""
        with self._write_transaction() as db:
            columns = {r["name"] for r in db.execute("PRAGMA table_info(credential_changes)")}
            if "admin" not in columns:
                db.execute("ALTER TABLE credential_changes ADD COLUMN admin TEXT")
            if "detail" not in columns:
                db.execute("ALTER TABLE credential_changes ADD COLUMN detail TEXT")
            rows = db.execute("SELECT client_id, record FROM credentials WHERE instr(record, ?) > 0",
                              ('"secret_sha256"',)).fetchall()
            for row in rows:
                record = json.loads(row["record"])
                if not isinstance(record, dict) or "secret_sha256" not in record:
                    continue
                digest = record.pop("secret_sha256")
                record.setdefault("secrets", [{"sha256": digest, "created_at": record.get("created_at", 0)}])
                db.execute("UPDATE credentials SET record = ? WHERE client_id = ?",
                           (credgate.Credential.from_dict(record).to_json(), row["client_id"]))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE``: the write lock is taken before the first read, so what is
        read stays true until the commit."""
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    @staticmethod
    def _page(db: sqlite3.Connection, table: str, limit: int, before: Optional[int],
              client_id: Optional[str] = None) -> List[sqlite3.Row]:
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE}")
        rows: List[sqlite3.Row] = db.execute(
            f"SELECT * FROM {table} WHERE id < ? AND (? IS NULL OR client_id = ?)"  # table: a constant
            " ORDER BY id DESC LIMIT ?",
            (before if before is not None else 2**63 - 1, client_id, client_id, limit),
        ).fetchall()
        return rows

    # -- credentials

    def put_credential(self, cred: credgate.Credential) -> None:
        r = cred.to_dict()
        with self._db() as db:
            db.execute(
                "INSERT INTO credentials (client_id, org, status, record, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(client_id) DO UPDATE SET"
                " status = excluded.status, record = excluded.record, updated_at = excluded.updated_at",
                (r["client_id"], r["org"], r["status"], cred.to_json(), r["created_at"], r["updated_at"]),
            )

    def get_credential(self, client_id: str) -> Optional[credgate.Credential]:
        with self._db() as db:
            row = db.execute("SELECT record FROM credentials WHERE client_id = ?", (client_id,)).fetchone()
        return credgate.Credential.from_json(row["record"]) if row else None

    def change_credential(
        self, client_id: str, action: str, transition: Callable[[credgate.Credential], credgate.Credential], now: int,
        *, admin: Optional[str] = None, revoke: Optional[Callable[[credgate.Credential], bool]] = None,
        detail: Optional[Dict[str, Any]] = None,
    ) -> Optional[credgate.Credential]:
        """Apply ``transition`` (a credgate record operation) to the stored record and log the
        change, in one transaction. When ``revoke(before)`` says so, a client entry revoking
        every token issued so far joins the revocation list in the same transaction. None when
        there is no such credential; the transition's :class:`credgate.Error` leaves everything
        unchanged."""
        with self._write_transaction() as db:
            row = db.execute("SELECT record FROM credentials WHERE client_id = ?", (client_id,)).fetchone()
            if row is None:
                return None
            before = credgate.Credential.from_json(row["record"])
            after = transition(before)
            self._write_change(db, before, after, action, now, admin, detail)
            if revoke is not None and revoke(before):
                self._revoke_client(db, client_id, now, action)
            return after

    @staticmethod
    def _write_change(db: sqlite3.Connection, before: credgate.Credential, after: credgate.Credential,
                      action: str, now: int, admin: Optional[str], detail: Optional[Dict[str, Any]] = None) -> None:
        db.execute("UPDATE credentials SET status = ?, record = ?, updated_at = ? WHERE client_id = ?",
                   (after.status, after.to_json(), after.updated_at, after.client_id))
        db.execute("INSERT INTO credential_changes (time, client_id, action, from_status, status, admin, detail)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", (now, after.client_id, action, before.status, after.status, admin,
                                                     json.dumps(detail) if detail is not None else None))

    def secret_used(self, client_id: str, secret: int, now: int) -> None:
        """Record that secret ``secret`` obtained a token now (credgate's ``secret_used``);
        not a change of the credential, so not in the change log."""
        with self._write_transaction() as db:
            row = db.execute("SELECT record FROM credentials WHERE client_id = ?", (client_id,)).fetchone()
            if row is None:
                return
            cred = credgate.Credential.from_json(row["record"])
            if secret >= len(cred.secrets):  # rotated or revoked meanwhile
                return
            db.execute("UPDATE credentials SET record = ? WHERE client_id = ?",
                       (cred.secret_used(secret, now=now).to_json(), client_id))

    # -- approvals

    def get_state(self, name: str) -> Optional[str]:
        with self._db() as db:
            row = db.execute("SELECT value FROM service_state WHERE name = ?", (name,)).fetchone()
        return str(row["value"]) if row else None

    def set_policy(self, policy: str, admin: str, now: int) -> None:
        with self._write_transaction() as db:
            before = db.execute("SELECT value FROM service_state WHERE name = 'approval_policy'").fetchone()
            db.execute("INSERT INTO service_state (name, value) VALUES ('approval_policy', ?)"
                       " ON CONFLICT(name) DO UPDATE SET value = excluded.value", (policy,))
            self._log_admin(db, now, admin, "set_policy", None, None,
                            {"from": before["value"] if before else None, "to": policy})

    @staticmethod
    def _log_admin(db: sqlite3.Connection, now: int, admin: str, action: str, client_id: Optional[str],
                   change_id: Optional[int], detail: Optional[Dict[str, Any]] = None) -> None:
        db.execute("INSERT INTO admin_log (time, admin, action, client_id, change_id, detail)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   (now, admin, action, client_id, change_id, json.dumps(detail) if detail is not None else None))

    def log_admin(self, now: int, admin: str, action: str, client_id: Optional[str],
                  detail: Optional[Dict[str, Any]] = None) -> None:
        with self._db() as db:
            self._log_admin(db, now, admin, action, client_id, None, detail)

    def admin_log(self, limit: int = 100, before: Optional[int] = None,
                  client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Administrators' actions, newest first (who, when, what, which change)."""
        with self._db() as db:
            rows = self._page(db, "admin_log", limit, before, client_id)
        return [dict(r, detail=json.loads(r["detail"]) if r["detail"] else None) for r in rows]

    def create_credential(self, cred: credgate.Credential, admin: str, now: int) -> None:
        """Store a new credential (applied at once) and log who created it."""
        self.put_credential(cred)
        self.log_admin(now, admin, "create", cred.client_id)

    def request_change(self, kind: str, cred: credgate.Credential, admin: str, now: int, *,
                       before: Optional[Dict[str, Any]] = None, diff: Optional[Dict[str, Any]] = None) -> int:
        """A pending change: a creation (``cred`` is the new record, digest only) or an update
        of ``cred`` from the spec ``before`` to ``cred``'s spec. Its id."""
        with self._write_transaction() as db:
            cur = db.execute(
                "INSERT INTO pending_changes (kind, client_id, org, requested_by, requested_at, state, record,"
                " before_spec, after_spec, diff) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
                (kind, cred.client_id, cred.org, admin, now, cred.to_json() if kind == "create" else None,
                 json.dumps(before) if before is not None else None, json.dumps(spec_of(cred)),
                 json.dumps(diff) if diff is not None else None),
            )
            change_id = int(cur.lastrowid or 0)
            self._log_admin(db, now, admin, f"request_{kind}", cred.client_id, change_id)
            return change_id

    def changes(self, state: Optional[str], limit: int = 100, before: Optional[int] = None) -> List[Dict[str, Any]]:
        """Changes newest first, those in ``state`` (None: every state)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM pending_changes WHERE id < ? AND (? IS NULL OR state = ?) ORDER BY id DESC LIMIT ?",
                (before if before is not None else 2**63 - 1, state, state, limit),
            ).fetchall()
        return [_change_row(r) for r in rows]

    def change(self, change_id: int) -> Optional[Dict[str, Any]]:
        with self._db() as db:
            row = db.execute("SELECT * FROM pending_changes WHERE id = ?", (change_id,)).fetchone()
        return _change_row(row) if row else None

    def decide(self, change_id: int, admin: str, approve: bool, now: int, comment: Optional[str],
               revoke: Callable[[Dict[str, Any], Dict[str, Any]], bool]) -> Dict[str, Any]:
        """Approve or reject a pending change, in one transaction with its effect and the
        admin log entry. Approving a creation stores the record; approving an update applies
        its spec with credgate's ``set_spec`` (``revoke(before, after)`` decides whether tokens
        issued so far are revoked, as for an update applied at once). Raises
        :class:`ChangeNotFound`, :class:`SelfApproval`, :class:`ChangeDecided`,
        :class:`ChangeStale`, :class:`CredentialGone` or credgate's error, changing nothing."""
        with self._write_transaction() as db:
            row = db.execute("SELECT * FROM pending_changes WHERE id = ?", (change_id,)).fetchone()
            if row is None:
                raise ChangeNotFound()
            if row["requested_by"] == admin:
                raise SelfApproval()
            if row["state"] != "pending":
                raise ChangeDecided(row["state"])
            if approve and row["kind"] == "create":
                cred = credgate.Credential.from_json(row["record"])
                db.execute(
                    "INSERT INTO credentials (client_id, org, status, record, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (cred.client_id, cred.org, cred.status, cred.to_json(), cred.created_at, cred.updated_at),
                )
            elif approve:
                current = db.execute("SELECT record FROM credentials WHERE client_id = ?",
                                     (row["client_id"],)).fetchone()
                if current is None:
                    raise CredentialGone()
                before = credgate.Credential.from_json(current["record"])
                requested_before, after_spec = json.loads(row["before_spec"]), json.loads(row["after_spec"])
                if spec_of(before) != requested_before:
                    raise ChangeStale()
                after = before.set_spec(after_spec, now=now)
                self._write_change(db, before, after, "set_spec", now, admin)
                if revoke(requested_before, after_spec):
                    self._revoke_client(db, after.client_id, now, "set_spec")
            state = "approved" if approve else "rejected"
            db.execute("UPDATE pending_changes SET state = ?, decided_by = ?, decided_at = ?, comment = ?"
                       " WHERE id = ?", (state, admin, now, comment, change_id))
            self._log_admin(db, now, admin, "approve" if approve else "reject", row["client_id"], change_id,
                            {"kind": row["kind"], "requested_by": row["requested_by"], "comment": comment})
            decided = db.execute("SELECT * FROM pending_changes WHERE id = ?", (change_id,)).fetchone()
            return _change_row(decided)

    # -- revocation list

    @staticmethod
    def _bump_epoch(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO service_state (name, value) VALUES ('revocation_epoch', '1')"
                   " ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def _revoke_client(self, db: sqlite3.Connection, client_id: str, now: int, reason: str) -> None:
        # not_before = now + 1: a token's iat is in whole seconds, and one issued in this very
        # second (iat = now) must be revoked too (the list revokes iat < not_before).
        db.execute("INSERT INTO revocations (time, client_id, not_before, reason) VALUES (?, ?, ?, ?)",
                   (now, client_id, now + 1, reason))
        self._bump_epoch(db)

    def revoke_token(self, jti: str, now: int, admin: str) -> None:
        """One token (by ``jti``) onto the revocation list."""
        with self._write_transaction() as db:
            db.execute("INSERT INTO revocations (time, jti, revoked_at, reason) VALUES (?, ?, ?, 'revoke_token')",
                       (now, jti, now))
            self._bump_epoch(db)
            self._log_admin(db, now, admin, "revoke_token", None, None, {"jti": jti})

    def revocation_epoch(self) -> int:
        return int(self.get_state("revocation_epoch") or 0)

    def signed_revocations(self, kid: str, now: int,
                           sign: Callable[[int, List[Dict[str, Any]]], str]) -> Tuple[int, str]:
        """The published list ``(epoch, JWS)``: the one signed for the current epoch with key
        ``kid``, else a new one signed now by ``sign(epoch, entries)`` and kept, so that every
        request for the same epoch gets the same bytes (one ETag). Entries: per client the
        latest ``not_before``, and every token entry, of the last token lifetime."""
        cached = self.get_state("revocations_signed")
        epoch = self.revocation_epoch()
        if cached is not None:
            held = json.loads(cached)
            if held["epoch"] == epoch and held["kid"] == kid:
                return epoch, str(held["jws"])
        with self._write_transaction() as db:
            row = db.execute("SELECT value FROM service_state WHERE name = 'revocation_epoch'").fetchone()
            epoch = int(row["value"]) if row else 0
            since = now - TOKEN_LIFETIME
            entries: List[Dict[str, Any]] = [
                {"client_id": r["client_id"], "not_before": r["nb"]} for r in db.execute(
                    "SELECT client_id, MAX(not_before) AS nb FROM revocations WHERE client_id IS NOT NULL"
                    " AND not_before > ? GROUP BY client_id ORDER BY MAX(id) DESC LIMIT ?", (since, MAX_REVOCATIONS))
            ]
            entries += [{"jti": r["jti"], "revoked_at": r["t"]} for r in db.execute(
                "SELECT jti, MAX(revoked_at) AS t FROM revocations WHERE jti IS NOT NULL AND revoked_at > ?"
                " GROUP BY jti ORDER BY MAX(id) DESC LIMIT ?", (since, MAX_REVOCATIONS - len(entries)))]
            jws = sign(epoch, entries)
            db.execute("INSERT INTO service_state (name, value) VALUES ('revocations_signed', ?)"
                       " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                       (json.dumps({"epoch": epoch, "kid": kid, "jws": jws}),))
            return epoch, jws

    # -- usage

    def usage(self, client_id: str) -> List[Dict[str, Any]]:
        """What the audit log counted for a credential: each distinct allowed request with
        the last time and how often (at most ``MAX_USAGE``, the most recent)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT request, MAX(time) AS last_at, COUNT(*) AS count FROM audit"
                " WHERE client_id = ? AND allowed = 1 GROUP BY request ORDER BY last_at DESC, request LIMIT ?",
                (client_id, MAX_USAGE),
            ).fetchall()
        return [{"request": json.loads(r["request"]), "last_at": r["last_at"], "count": r["count"]} for r in rows]

    def credential_changes(self, limit: int = 100, before: Optional[int] = None,
                           client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._db() as db:
            rows = self._page(db, "credential_changes", limit, before, client_id)
        return [dict(r, detail=json.loads(r["detail"]) if r["detail"] else None) for r in rows]

    def list_credentials(self, limit: int = 100, after: Optional[str] = None, status: Optional[str] = None,
                         environment: Optional[str] = None) -> List[credgate.Credential]:
        """Credentials newest first (created_at DESC, client_id DESC), ``limit`` of them after
        the one ``after`` names (the previous page's last); ValueError for an unknown ``after``."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE}")
        with self._db() as db:
            start: Tuple[int, str] = (2**63 - 1, "")
            if after is not None:
                row = db.execute("SELECT created_at FROM credentials WHERE client_id = ?", (after,)).fetchone()
                if row is None:
                    raise ValueError("unknown cursor")
                start = (int(row["created_at"]), after)
            rows = db.execute(
                "SELECT record FROM credentials WHERE (created_at < ? OR (created_at = ? AND client_id < ?)"
                " OR ? IS NULL) AND (? IS NULL OR status = ?)"
                " AND (? IS NULL OR json_extract(record, '$.environment') = ?)"
                " ORDER BY created_at DESC, client_id DESC LIMIT ?",
                (start[0], start[0], start[1], after, status, status, environment, environment, limit),
            ).fetchall()
        return [credgate.Credential.from_json(r["record"]) for r in rows]

    def last_used(self, client_ids: Sequence[str]) -> Dict[str, int]:
        """The latest allowed audit decision time of each of ``client_ids`` that has one."""
        if not client_ids:
            return {}
        with self._db() as db:
            marks = ", ".join("?" for _ in client_ids)
            rows = db.execute(f"SELECT client_id, MAX(time) AS t FROM audit WHERE allowed = 1"
                              f" AND client_id IN ({marks}) GROUP BY client_id", tuple(client_ids)).fetchall()
        return {str(r["client_id"]): int(r["t"]) for r in rows}

    # -- signing keys

    def add_signing_key(self, key: credgate.SigningKey, now: int) -> None:
        with self._db() as db:
            db.execute("UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", (now,))
            db.execute(
                "INSERT INTO signing_keys (kid, seed_hex, created_at) VALUES (?, ?, ?)",
                (key.kid, key.seed.hex(), now),
            )

    def active_signing_key(self) -> Optional[credgate.SigningKey]:
        with self._db() as db:
            row = db.execute(
                "SELECT kid, seed_hex FROM signing_keys WHERE retired_at IS NULL"
                " ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return credgate.SigningKey(row["kid"], bytes.fromhex(row["seed_hex"])) if row else None

    def published_signing_keys(self, now: int, retention: int) -> List[credgate.SigningKey]:
        """The active key and every key retired less than ``retention`` seconds ago."""
        with self._db() as db:
            rows = db.execute(
                "SELECT kid, seed_hex FROM signing_keys WHERE retired_at IS NULL OR retired_at + ? > ?"
                " ORDER BY created_at DESC, rowid DESC",
                (retention, now),
            ).fetchall()
        return [credgate.SigningKey(r["kid"], bytes.fromhex(r["seed_hex"])) for r in rows]

    # -- logs

    def audit(self, record: Dict[str, Any], method: str, path: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO audit (time, method, path, client_id, org, jti, request, client_ip,"
                " allowed, status, reason, matched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record["time"], method, path, record.get("client_id"), record.get("org"),
                    record.get("jti"), json.dumps(record["request"]), record["client_ip"],
                    int(bool(record["allowed"])), record["status"], record["reason"],
                    record.get("matched"),
                ),
            )

    def audit_log(self, limit: int = 100, before: Optional[int] = None,
                  client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Decision records, newest first: ``limit`` (1..500) of them with ids below ``before``."""
        with self._db() as db:
            rows = self._page(db, "audit", limit, before, client_id)
        out = []
        for r in rows:
            d = dict(r)
            d["request"] = json.loads(d["request"])
            d["allowed"] = bool(d["allowed"])
            out.append(d)
        return out

    def log_token(self, now: int, client_id: Optional[str], client_ip: str, reason: str,
                  jti: Optional[str] = None) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO token_log (time, client_id, client_ip, granted, reason, jti)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now, stored_client_id(client_id), client_ip, int(reason == "issued"), reason, jti),
            )

    def token_log(self, limit: int = 100, before: Optional[int] = None,
                  client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Token requests, newest first: ``limit`` (1..500) of them with ids below ``before``."""
        with self._db() as db:
            rows = self._page(db, "token_log", limit, before, client_id)
        return [dict(r, granted=bool(r["granted"])) for r in rows]

    # -- demo wallet data

    def vaults(self, org: str, limit: int = 100, after: Optional[str] = None) -> List[Dict[str, str]]:
        with self._db() as db:
            rows = db.execute("SELECT vault_id, name FROM vaults WHERE org = ? AND (? IS NULL OR vault_id > ?)"
                              " ORDER BY vault_id LIMIT ?", (org, after, after, limit)).fetchall()
        return [{"id": r["vault_id"], "name": r["name"]} for r in rows]

    def vault(self, org: str, vault_id: str) -> Optional[Dict[str, str]]:
        with self._db() as db:
            r = db.execute("SELECT vault_id, name FROM vaults WHERE org = ? AND vault_id = ?", (org, vault_id)).fetchone()
        return {"id": r["vault_id"], "name": r["name"]} if r else None

    def add_vault(self, org: str, vault_id: str, name: str) -> bool:
        with self._db() as db:
            cur = db.execute("INSERT OR IGNORE INTO vaults (org, vault_id, name) VALUES (?, ?, ?)", (org, vault_id, name))
            return cur.rowcount == 1

    def key_exists(self, org: str, vault_id: str, key_id: str) -> bool:
        with self._db() as db:
            row = db.execute("SELECT 1 FROM wallet_keys WHERE org = ? AND vault_id = ? AND key_id = ?",
                             (org, vault_id, key_id)).fetchone()
        return row is not None

    def keys(self, org: str, vault_id: str, limit: int = 100, after: Optional[str] = None) -> List[str]:
        with self._db() as db:
            rows = db.execute(
                "SELECT key_id FROM wallet_keys WHERE org = ? AND vault_id = ? AND (? IS NULL OR key_id > ?)"
                " ORDER BY key_id LIMIT ?", (org, vault_id, after, after, limit)
            ).fetchall()
        return [r["key_id"] for r in rows]

    def add_key(self, org: str, vault_id: str, key_id: str) -> None:
        """Add a key; :class:`KeyIdTaken` when the organisation already has a key of that id
        (in this vault or another: the UNIQUE index on (org, key_id) decides)."""
        with self._write_transaction() as db:
            row = db.execute("SELECT vault_id FROM wallet_keys WHERE org = ? AND key_id = ?", (org, key_id)).fetchone()
            if row is not None:
                raise KeyIdTaken(row["vault_id"])
            db.execute("INSERT INTO wallet_keys (org, vault_id, key_id) VALUES (?, ?, ?)", (org, vault_id, key_id))
