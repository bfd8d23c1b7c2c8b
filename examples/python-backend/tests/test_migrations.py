"""The schema's migrations (``credgate_backend/migrations``): a database made by the
pre-Alembic store (main's store.py until issue 13, its ``SCHEMA`` copied below) upgraded in
place with its rows, then served; 0002's backfill of ``credentials.environment`` from the
records on SQLite and PostgreSQL; the newest revision is exactly the tables store.py
queries; a downgrade and upgrade again; ``python -m credgate_backend --migrate``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import credgate
import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from conftest import BACKEND, T0, Service, client, fetch
from credgate_backend import migrations
from credgate_backend.store import Store, metadata

# store.py's SCHEMA on the main branch before Alembic (every open ran it, then _migrate,
# which added credential_changes.admin and rewrote version 1 records).
OLD_SCHEMA = """

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


def spec(environment: str = "sandbox") -> credgate.CredentialSpec:
    return credgate.CredentialSpec.from_dict({
        "name": "Wallet service", "permission_set_type": "wallets",
        "permissions": ["vault:create:org", "vault:read:org"], "ip_allowlist": ["127.0.0.1"],
        "environment": environment})


def legacy_database(path: Path) -> credgate.NewCredential:
    """A database as an older pre-Alembic store left it: no ``credential_changes.admin``, a
    version 1 record (``secret_sha256``), a change, a decision, a token request, a signing
    key, a vault with a key and the approval policy. The credential (with its secret)."""
    new = credgate.create_credential(spec(), org="org_a", now=T0 - 100)
    record = json.loads(new.credential.to_json())
    record["secret_sha256"] = record.pop("secrets")[0]["sha256"]
    key = credgate.SigningKey.generate("legacy-k1")
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO credentials VALUES (?, 'org_a', 'enabled', ?, ?, ?)",
                   (new.client_id, json.dumps(record), T0 - 100, T0 - 100))
        db.execute("INSERT INTO credential_changes (time, client_id, action, from_status, status)"
                   " VALUES (?, ?, 'disable', 'enabled', 'disabled')", (T0 - 90, new.client_id))
        db.execute("INSERT INTO credential_changes (time, client_id, action, from_status, status)"
                   " VALUES (?, ?, 'enable', 'disabled', 'enabled')", (T0 - 80, new.client_id))
        db.execute("INSERT INTO audit (time, method, path, client_id, org, jti, request, client_ip, allowed,"
                   " status, reason, matched) VALUES (?, 'GET', '/v1/vaults', ?, 'org_a', 'j1', ?, '127.0.0.1',"
                   " 1, 200, 'allowed', 'vault:read:org')",
                   (T0 - 70, new.client_id, json.dumps({"resource": "vault", "action": "read"})))
        db.execute("INSERT INTO token_log (time, client_id, client_ip, granted, reason, jti)"
                   " VALUES (?, ?, '127.0.0.1', 1, 'issued', 'j1')", (T0 - 75, new.client_id))
        db.execute("INSERT INTO signing_keys VALUES ('legacy-k1', ?, ?, NULL)", (key.seed.hex(), T0 - 200))
        db.execute("INSERT INTO vaults VALUES ('org_a', 'v1', 'Main')")
        db.execute("INSERT INTO wallet_keys VALUES ('org_a', 'v1', 'k1')")
        db.execute("INSERT INTO service_state VALUES ('approval_policy', 'never')")
        db.execute("DROP INDEX audit_client")  # an index an older store had not made yet
    return new


def test_a_pre_alembic_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "backend.sqlite3"
    new = legacy_database(path)
    store = Store(path)
    assert store.revision() == migrations.head() == "0002"
    [cred] = store.list_credentials(environment="sandbox")
    assert cred.client_id == new.client_id and cred.verify_secret(new.client_secret) is not None
    with sqlite3.connect(path) as db:
        stored = json.loads(db.execute("SELECT record FROM credentials").fetchone()[0])
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "secret_sha256" not in stored and [s["created_at"] for s in stored["secrets"]] == [T0 - 100]
    assert {"audit_client", "wallet_keys_org_key", "credentials_environment"} <= indexes
    changes = store.credential_changes()
    assert [(c["action"], c["admin"], c["detail"]) for c in changes] == [("enable", None, None),
                                                                        ("disable", None, None)]
    assert store.last_used([new.client_id]) == {new.client_id: T0 - 70}
    assert [r["jti"] for r in store.token_log()] == ["j1"]
    assert store.keys("org_a", "v1") == ["k1"] and store.get_state("approval_policy") == "never"
    assert [k.kid for k in store.published_signing_keys(T0, 3600)] == ["legacy-k1"]
    store.close()
    before = path.read_bytes()
    Store(path).close()  # a second open changes nothing
    assert path.read_bytes() == before

    # And the service runs on it: the old secret gets a token signed with the old key.
    service = Service(tmp_path, database_url=f"sqlite:///{path}")
    service.start()
    try:
        with client(service, {"client_id": new.client_id, "client_secret": new.client_secret}) as c:
            fetch(c, service)
            assert c.get("/v1/vaults").json()["vaults"] == [{"id": "v1", "name": "Main"}]
        assert [k["kid"] for k in httpx.get(f"{service.url}/.well-known/jwks.json").json()["keys"]] == ["legacy-k1"]
        with service.admin() as admin:
            assert admin.post(f"/admin/credentials/{new.client_id}/disable").status_code == 200
            assert admin.get("/admin/audit").json()["credential_changes"][0]["admin"] == "alice"
    finally:
        service.stop()


def test_a_database_is_refused_when_its_key_ids_collide(tmp_path: Path) -> None:
    # The unique index on (org, key_id) cannot be made over duplicates: the upgrade stops
    # and changes nothing (one transaction), rather than dropping either key.
    path = tmp_path / "backend.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA.replace("CREATE UNIQUE INDEX IF NOT EXISTS wallet_keys_org_key"
                                            " ON wallet_keys (org, key_id);", ""))
        db.execute("INSERT INTO wallet_keys VALUES ('org_a', 'v1', 'k1'), ('org_a', 'v2', 'k1')")
    with pytest.raises(sa.exc.IntegrityError):
        Store(path)
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "alembic_version" not in tables
        assert db.execute("SELECT COUNT(*) FROM wallet_keys").fetchone()[0] == 2


def test_0002_backfills_the_environment(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    made = {env: credgate.create_credential(spec(env), org="org_a", now=T0).credential
            for env in ("sandbox", "production")}
    with engine.begin() as db:
        migrations.upgrade(db, "0001")
        for cred in made.values():
            db.execute(sa.text("INSERT INTO credentials VALUES (:c, 'org_a', 'enabled', :r, :t, :t)"),
                       {"c": cred.client_id, "r": cred.to_json(), "t": T0})
    engine.dispose()
    store = Store(database_url)
    assert store.revision() == "0002"
    for env, cred in made.items():
        assert [c.client_id for c in store.list_credentials(environment=env)] == [cred.client_id]
    store.close()


def test_the_newest_revision_is_the_store_s_schema(database_url: str) -> None:
    Store(database_url).close()
    engine = sa.create_engine(database_url)
    with engine.connect() as db:
        diff = compare_metadata(MigrationContext.configure(db), metadata)
    engine.dispose()
    # Indexes live only in the migrations (the store declares the tables it queries).
    assert [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_index")] == []


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    Store(database_url).close()
    engine = sa.create_engine(database_url)
    with engine.begin() as db:
        command.downgrade(migrations.config(db), "0001")
    with engine.connect() as db:
        assert migrations.current(db) == "0001"
        assert "environment" not in {c["name"] for c in sa.inspect(db).get_columns("credentials")}
    engine.dispose()
    store = Store(database_url)
    assert store.revision() == "0002"
    store.close()


def migrate(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "credgate_backend", "--migrate"], cwd=str(BACKEND),
                          env={**os.environ, "PYTHONPATH": str(BACKEND), "CREDGATE_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=120)


def test_the_migrate_flag(database_url: str, tmp_path: Path) -> None:
    done = migrate(database_url)
    assert (done.returncode, done.stdout.strip()) == (0, "database at revision 0002"), done.stderr
    assert migrate(database_url).returncode == 0  # again: nothing to do
    for bad, says in (("mysql://u:hunter2@db/x", "must name SQLite or PostgreSQL, not `mysql`"),
                      (f"postgresql+psycopg://app:hunter2@/nope?host={tmp_path}", "cannot migrate the database")):
        done = migrate(bad)
        assert done.returncode == 1 and says in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
