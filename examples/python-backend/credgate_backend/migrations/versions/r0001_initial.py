"""0001: the schema of the pre-Alembic store (store.py's ``SCHEMA`` until issue 13).

Revision ID: 0001
Revises: (none)

On an empty database this creates every table and index. On a database made by the
pre-Alembic store (its tables exist, there is no ``alembic_version``) it does what that
store's ``_migrate`` did on every open, then Alembic stamps it: missing tables and indexes
are created, ``credential_changes.admin`` is added when missing, and version 1 records (one
``secret_sha256``) become version 2 (``secrets``: the same digest, created with the record),
since credgate refuses version 1 records. Rows are kept as they are otherwise.

The tables are declared here, not imported from store.py: a revision is frozen, and the
store's tables describe the newest revision.
"""

from __future__ import annotations

import json

import credgate
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Unix seconds and row ids: 64-bit on PostgreSQL; on SQLite an INTEGER (a rowid alias for
# the ids, which BIGINT would not be).
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Text compared and ordered byte by byte on PostgreSQL too (the "C" collation), as SQLite
# does: ids sort and page the same on both, whatever the server's locale.
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

meta = sa.MetaData()


def _id() -> sa.Column[int]:
    return sa.Column("id", BIGINT, primary_key=True, autoincrement=True)


sa.Table(
    "credentials", meta,
    sa.Column("client_id", TEXT, primary_key=True),
    sa.Column("org", TEXT, nullable=False),
    sa.Column("status", TEXT, nullable=False),
    sa.Column("record", TEXT, nullable=False),  # credgate's stored record (JSON; SHA-256 digest only)
    sa.Column("created_at", BIGINT, nullable=False),
    sa.Column("updated_at", BIGINT, nullable=False),
)
sa.Table(
    "credential_changes", meta, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("client_id", TEXT, nullable=False),
    sa.Column("action", TEXT, nullable=False),
    sa.Column("from_status", TEXT, nullable=False),
    sa.Column("status", TEXT, nullable=False),
    sa.Column("admin", TEXT),  # who made the change (NULL in rows older than the column)
    sqlite_autoincrement=True,
)
sa.Table(
    "pending_changes", meta, _id(),
    sa.Column("kind", TEXT, nullable=False),
    sa.Column("client_id", TEXT, nullable=False),
    sa.Column("org", TEXT, nullable=False),
    sa.Column("requested_by", TEXT, nullable=False),
    sa.Column("requested_at", BIGINT, nullable=False),
    sa.Column("state", TEXT, nullable=False),
    sa.Column("decided_by", TEXT),
    sa.Column("decided_at", BIGINT),
    sa.Column("comment", TEXT),
    sa.Column("record", TEXT),
    sa.Column("before_spec", TEXT),
    sa.Column("after_spec", TEXT, nullable=False),
    sa.Column("diff", TEXT),
    sa.Index("pending_state", "state", "id"),
    sqlite_autoincrement=True,
)
sa.Table(
    "admin_log", meta, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("admin", TEXT, nullable=False),
    sa.Column("action", TEXT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("change_id", BIGINT),
    sa.Column("detail", TEXT),  # JSON
    sqlite_autoincrement=True,
)
sa.Table(
    "revocations", meta, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("not_before", BIGINT),
    sa.Column("jti", TEXT),
    sa.Column("revoked_at", BIGINT),
    sa.Column("reason", TEXT, nullable=False),
    sa.Index("revocations_time", "time"),
    sqlite_autoincrement=True,
)
sa.Table(
    "service_state", meta,
    sa.Column("name", TEXT, primary_key=True),
    sa.Column("value", TEXT, nullable=False),
)
sa.Table(
    "signing_keys", meta,
    sa.Column("kid", TEXT, primary_key=True),
    sa.Column("seed_hex", TEXT, nullable=False),  # secret: in production keep this in a KMS/HSM
    sa.Column("created_at", BIGINT, nullable=False),
    sa.Column("retired_at", BIGINT),
)
sa.Table(
    "audit", meta, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("method", TEXT, nullable=False),
    sa.Column("path", TEXT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("org", TEXT),
    sa.Column("jti", TEXT),
    sa.Column("request", TEXT, nullable=False),
    sa.Column("client_ip", TEXT, nullable=False),
    sa.Column("allowed", sa.Integer, nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("reason", TEXT, nullable=False),
    sa.Column("matched", TEXT),
    sa.Index("audit_client", "client_id", "allowed"),
    sqlite_autoincrement=True,
)
sa.Table(
    "token_log", meta, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("client_ip", TEXT, nullable=False),
    sa.Column("granted", sa.Integer, nullable=False),
    sa.Column("reason", TEXT, nullable=False),
    sa.Column("jti", TEXT),
    sqlite_autoincrement=True,
)
sa.Table(
    "vaults", meta,
    sa.Column("org", TEXT, primary_key=True),
    sa.Column("vault_id", TEXT, primary_key=True),
    sa.Column("name", TEXT, nullable=False),
)
sa.Table(
    "wallet_keys", meta,
    sa.Column("org", TEXT, primary_key=True),
    sa.Column("vault_id", TEXT, primary_key=True),
    sa.Column("key_id", TEXT, primary_key=True),
    # Key (wallet) ids are unique within an organisation, whatever the vault (SPEC §2). A
    # pre-Alembic database that holds duplicates refuses this index: resolve them first.
    sa.Index("wallet_keys_org_key", "org", "key_id", unique=True),
)


def upgrade() -> None:
    bind = op.get_bind()
    meta.create_all(bind, checkfirst=True)  # an empty database: everything
    inspector = sa.inspect(bind)
    for table in meta.sorted_tables:  # a pre-Alembic one: what it lacks
        have = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have:
                index.create(bind)
    if "admin" not in {c["name"] for c in inspector.get_columns("credential_changes")}:
        op.add_column("credential_changes", sa.Column("admin", TEXT))
    credentials = meta.tables["credentials"]
    rows = bind.execute(sa.select(credentials.c.client_id, credentials.c.record)
                        .where(credentials.c.record.contains('"secret_sha256"'))).all()
    for client_id, text in rows:
        record = json.loads(text)
        if not isinstance(record, dict) or "secret_sha256" not in record:
            continue
        digest = record.pop("secret_sha256")
        record.setdefault("secrets", [{"sha256": digest, "created_at": record.get("created_at", 0)}])
        bind.execute(credentials.update().where(credentials.c.client_id == client_id)
                     .values(record=credgate.Credential.from_dict(record).to_json()))


def downgrade() -> None:
    meta.drop_all(op.get_bind())
