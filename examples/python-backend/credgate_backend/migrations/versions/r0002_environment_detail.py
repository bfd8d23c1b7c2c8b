"""0002: ``credentials.environment`` (backfilled from each record, kept in sync by every
write, so listing by environment is an index lookup) and ``credential_changes.detail``
(the JSON an administrator gave with a change, e.g. a disable reason); indexes for the
credentials list (newest first, by status or environment) and for every log filtered to one
client.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

LIST_INDEXES = {
    "credentials_created": ["created_at", "client_id"],
    "credentials_status": ["status", "created_at", "client_id"],
    "credentials_environment": ["environment", "created_at", "client_id"],
}
LOG_INDEXES = {
    "audit_client_id": "audit",
    "token_log_client_id": "token_log",
    "credential_changes_client_id": "credential_changes",
    "admin_log_client_id": "admin_log",
}


def upgrade() -> None:
    op.add_column("credentials", sa.Column("environment", TEXT, nullable=True))
    bind = op.get_bind()
    credentials = sa.table("credentials", sa.column("client_id", TEXT), sa.column("record", TEXT),
                           sa.column("environment", TEXT))
    for client_id, record in bind.execute(sa.select(credentials.c.client_id, credentials.c.record)).all():
        bind.execute(credentials.update().where(credentials.c.client_id == client_id)
                     .values(environment=str(json.loads(record)["environment"])))
    # SQLite cannot add NOT NULL to a column: batch mode copies the table (PostgreSQL alters it).
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("environment", existing_type=TEXT, nullable=False)
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "credentials", columns)
    op.add_column("credential_changes", sa.Column("detail", sa.JSON(none_as_null=True), nullable=True))
    for name, table in LOG_INDEXES.items():
        op.create_index(name, table, ["client_id", "id"])


def downgrade() -> None:
    for name, table in LOG_INDEXES.items():
        op.drop_index(name, table_name=table)
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="credentials")
    with op.batch_alter_table("credential_changes") as batch:
        batch.drop_column("detail")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("environment")
