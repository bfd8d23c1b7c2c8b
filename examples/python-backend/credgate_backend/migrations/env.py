"""Alembic's entry point for this package's migrations: it runs them on the connection the
caller passed in ``config.attributes["connection"]`` (the store's locked write transaction)
and never opens a database of its own, so there is no second way to reach the schema with
other locking or other settings."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("credgate_backend's migrations run through the store: python -m credgate_backend --migrate")
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
