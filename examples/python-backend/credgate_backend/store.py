"""SQLite persistence: credentials (records only: digests, never secrets) and their change
log, signing keys, the audit log of decisions and the log of token requests, plus the demo
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
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

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
    action      TEXT NOT NULL,         -- enable, disable or delete
    from_status TEXT NOT NULL,
    status      TEXT NOT NULL          -- the status after the change
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
"""

# credgate's client ids: `cid_` and 26 base32 characters (credential.rs).
CLIENT_ID = re.compile(r"cid_[a-z2-7]{26}")
MAX_PAGE = 500


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


class Store:
    """One SQLite file; a short-lived connection per operation (safe across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with self._db() as db:
            db.executescript(SCHEMA)

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
    def _page(db: sqlite3.Connection, table: str, limit: int, before: Optional[int]) -> List[sqlite3.Row]:
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE}")
        rows: List[sqlite3.Row] = db.execute(
            f"SELECT * FROM {table} WHERE id < ? ORDER BY id DESC LIMIT ?",  # table: a constant
            (before if before is not None else 2**63 - 1, limit),
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
        self, client_id: str, action: str, transition: Callable[[credgate.Credential], credgate.Credential], now: int
    ) -> Optional[credgate.Credential]:
        """Apply ``transition`` (credgate's enable/disable/delete) to the stored record and log
        the change, in one transaction. None when there is no such credential; the
        transition's :class:`credgate.CredentialError` leaves everything unchanged."""
        with self._write_transaction() as db:
            row = db.execute("SELECT record FROM credentials WHERE client_id = ?", (client_id,)).fetchone()
            if row is None:
                return None
            before = credgate.Credential.from_json(row["record"])
            after = transition(before)
            db.execute("UPDATE credentials SET status = ?, record = ?, updated_at = ? WHERE client_id = ?",
                       (after.status, after.to_json(), after.updated_at, client_id))
            db.execute("INSERT INTO credential_changes (time, client_id, action, from_status, status)"
                       " VALUES (?, ?, ?, ?, ?)", (now, client_id, action, before.status, after.status))
            return after

    def credential_changes(self, limit: int = 100, before: Optional[int] = None) -> List[Dict[str, Any]]:
        with self._db() as db:
            return [dict(r) for r in self._page(db, "credential_changes", limit, before)]

    def list_credentials(self) -> List[credgate.Credential]:
        with self._db() as db:
            rows = db.execute("SELECT record FROM credentials ORDER BY created_at, client_id").fetchall()
        return [credgate.Credential.from_json(r["record"]) for r in rows]

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

    def audit_log(self, limit: int = 100, before: Optional[int] = None) -> List[Dict[str, Any]]:
        """Decision records, newest first: ``limit`` (1..500) of them with ids below ``before``."""
        with self._db() as db:
            rows = self._page(db, "audit", limit, before)
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

    def token_log(self, limit: int = 100, before: Optional[int] = None) -> List[Dict[str, Any]]:
        """Token requests, newest first: ``limit`` (1..500) of them with ids below ``before``."""
        with self._db() as db:
            rows = self._page(db, "token_log", limit, before)
        return [dict(r, granted=bool(r["granted"])) for r in rows]

    # -- demo wallet data

    def vaults(self, org: str) -> List[Dict[str, str]]:
        with self._db() as db:
            rows = db.execute("SELECT vault_id, name FROM vaults WHERE org = ? ORDER BY vault_id", (org,)).fetchall()
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

    def keys(self, org: str, vault_id: str) -> List[str]:
        with self._db() as db:
            rows = db.execute(
                "SELECT key_id FROM wallet_keys WHERE org = ? AND vault_id = ? ORDER BY key_id", (org, vault_id)
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
