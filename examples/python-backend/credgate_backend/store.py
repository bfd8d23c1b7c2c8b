"""SQLite persistence: credentials (records only: digests, never secrets), signing keys,
the audit log of decisions and the log of token requests, plus the demo wallet data."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

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
    client_id  TEXT,
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
"""


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

    def audit_log(self, limit: int = 100) -> List[Dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
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
                (now, client_id, client_ip, int(reason == "issued"), reason, jti),
            )

    def token_log(self, limit: int = 100) -> List[Dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM token_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
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

    def keys(self, org: str, vault_id: str) -> List[str]:
        with self._db() as db:
            rows = db.execute(
                "SELECT key_id FROM wallet_keys WHERE org = ? AND vault_id = ? ORDER BY key_id", (org, vault_id)
            ).fetchall()
        return [r["key_id"] for r in rows]

    def add_key(self, org: str, vault_id: str, key_id: str) -> bool:
        with self._db() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO wallet_keys (org, vault_id, key_id) VALUES (?, ?, ?)", (org, vault_id, key_id)
            )
            return cur.rowcount == 1
