"""The backend's schema migrations (Alembic), shipped inside the package.

This package owns the database schema: every table, column and index the store queries is
created or changed here, one numbered revision at a time (``versions/``). It never runs by
itself: :class:`credgate_backend.store.Store` calls :func:`upgrade` at start-up inside its
locked write transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory transaction lock on
PostgreSQL), so two processes opening one empty database migrate it once. Revisions must
never be edited once released: a change is a new revision.

The Alembic configuration is built in code (no ``alembic.ini``): the script location is
this package, found through the import system wherever the package is installed.
"""

from __future__ import annotations

from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

SCRIPT_LOCATION = "credgate_backend:migrations"


def config(connection: Optional[Connection] = None) -> Config:
    """A programmatic Alembic config; ``env.py`` migrates through ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the database on ``connection`` to ``revision``, in the caller's transaction."""
    command.upgrade(config(connection), revision)


def head() -> str:
    """The newest revision these migrations know."""
    rev = ScriptDirectory.from_config(config()).get_current_head()
    assert rev is not None  # the versions folder ships with the package
    return rev


def current(connection: Connection) -> Optional[str]:
    """The revision the database is at (None: not under Alembic, i.e. empty or pre-Alembic)."""
    return MigrationContext.configure(connection).get_current_revision()
