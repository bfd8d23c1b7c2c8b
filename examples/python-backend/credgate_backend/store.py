"""Persistence through SQLAlchemy 2 (Core): credentials (records only: digests, never
secrets) and their change log, pending changes awaiting approval, the administrators'
action log, the revocation list, signing keys, the audit log of decisions and the log of
token requests, plus the demo wallet data.

One database, named by a URL: SQLite by default (a file, nothing to set up), PostgreSQL
(``postgresql+psycopg://…``) when several backend processes share it. The schema is the
migrations' (``migrations/``), applied when a :class:`Store` opens. This module owns the
queries and their locking; it never decides anything about a credential (credgate does,
through the transitions the callers pass in) and never creates or alters a table itself.

Each operation is one transaction on a pooled connection. A change that reads before it
writes is serialized against every other such change, so it never acts on a state another
one has already replaced: on SQLite every write transaction is ``BEGIN IMMEDIATE`` (the
write lock is taken before the first read); on PostgreSQL the row read is locked
(``SELECT … FOR UPDATE``) or, where no row exists to lock (the revocation epoch, the first
signing key, a key id across vaults), a transaction-scoped advisory lock of that name is
taken. Lists are read in pages (``limit`` rows after a key), never whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import credgate
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import ArgumentError

from . import migrations

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
STATUSES = ("enabled", "disabled", "deleted")
ENVIRONMENTS = ("sandbox", "production")

# -- the tables as the newest migration leaves them (the migrations own the DDL)

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
metadata = sa.MetaData()


def _id() -> sa.Column[int]:
    return sa.Column("id", BIGINT, primary_key=True, autoincrement=True)


credentials = sa.Table(
    "credentials", metadata,
    sa.Column("client_id", TEXT, primary_key=True),
    sa.Column("org", TEXT, nullable=False),
    sa.Column("status", TEXT, nullable=False),
    sa.Column("record", TEXT, nullable=False),
    sa.Column("created_at", BIGINT, nullable=False),
    sa.Column("updated_at", BIGINT, nullable=False),
    sa.Column("environment", TEXT, nullable=False),
)
credential_changes = sa.Table(
    "credential_changes", metadata, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("client_id", TEXT, nullable=False),
    sa.Column("action", TEXT, nullable=False),
    sa.Column("from_status", TEXT, nullable=False),
    sa.Column("status", TEXT, nullable=False),
    sa.Column("admin", TEXT),
    sa.Column("detail", sa.JSON(none_as_null=True)),
)
pending_changes = sa.Table(
    "pending_changes", metadata, _id(),
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
)
admin_log = sa.Table(
    "admin_log", metadata, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("admin", TEXT, nullable=False),
    sa.Column("action", TEXT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("change_id", BIGINT),
    sa.Column("detail", TEXT),
)
revocations = sa.Table(
    "revocations", metadata, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("not_before", BIGINT),
    sa.Column("jti", TEXT),
    sa.Column("revoked_at", BIGINT),
    sa.Column("reason", TEXT, nullable=False),
)
service_state = sa.Table(
    "service_state", metadata,
    sa.Column("name", TEXT, primary_key=True),
    sa.Column("value", TEXT, nullable=False),
)
signing_keys = sa.Table(
    "signing_keys", metadata,
    sa.Column("kid", TEXT, primary_key=True),
    sa.Column("seed_hex", TEXT, nullable=False),
    sa.Column("created_at", BIGINT, nullable=False),
    sa.Column("retired_at", BIGINT),
)
audit_table = sa.Table(
    "audit", metadata, _id(),
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
)
token_log_table = sa.Table(
    "token_log", metadata, _id(),
    sa.Column("time", BIGINT, nullable=False),
    sa.Column("client_id", TEXT),
    sa.Column("client_ip", TEXT, nullable=False),
    sa.Column("granted", sa.Integer, nullable=False),
    sa.Column("reason", TEXT, nullable=False),
    sa.Column("jti", TEXT),
)
vaults_table = sa.Table(
    "vaults", metadata,
    sa.Column("org", TEXT, primary_key=True),
    sa.Column("vault_id", TEXT, primary_key=True),
    sa.Column("name", TEXT, nullable=False),
)
wallet_keys = sa.Table(
    "wallet_keys", metadata,
    sa.Column("org", TEXT, primary_key=True),
    sa.Column("vault_id", TEXT, primary_key=True),
    sa.Column("key_id", TEXT, primary_key=True),
)

# The PostgreSQL advisory locks (transaction-scoped), one per thing that has no row to lock.
LOCKS = ("migrate", "revocations", "signing_keys", "approval_policy", "wallet_keys")


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` (the same in every process)."""
    return int.from_bytes(hashlib.sha256(f"credgate_backend:{name}".encode()).digest()[:8], "big", signed=True)


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


class DatabaseUrlError(ValueError):
    """A URL this store cannot open. ``problem`` is what is wrong, worded to follow the URL's
    name (the settings put ``CREDGATE_DATABASE_URL`` before it); it never holds a password."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"the database URL {problem}")
        self.problem = problem


def database_url(url: Union[str, Path]) -> sa.URL:
    """The SQLAlchemy URL of a database: a ``Path`` is a SQLite file; a string is a URL,
    ``sqlite:///path`` or ``postgresql[+psycopg]://…`` (psycopg 3 is the driver either way).
    Anything else raises :class:`DatabaseUrlError`. This is the one place that says which
    URLs the service accepts: the settings ask it at start-up."""
    if isinstance(url, Path):
        return sa.URL.create("sqlite", database=str(url))
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUrlError("is not a database URL: give `sqlite:///<path>` or"
                               " `postgresql+psycopg://user:password@host/database`") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        if not parsed.database or parsed.database == ":memory:":
            # An in-memory database lives in one connection: each operation would see a new, empty one.
            raise DatabaseUrlError("needs a file for SQLite: `sqlite:///path/to/file.sqlite3`")
        return parsed
    raise DatabaseUrlError(f"must name SQLite or PostgreSQL, not `{parsed.drivername[:40]}`"
                           f" ({parsed.render_as_string(hide_password=True)[:200]})")


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


def _change_row(r: RowMapping) -> Dict[str, Any]:
    d = dict(r)
    record = d.pop("record")
    for name in ("before_spec", "after_spec", "diff"):
        d[name] = json.loads(d[name]) if d[name] is not None else None
    d["spec"], d["before"] = d.pop("after_spec"), d.pop("before_spec")
    if record is not None:
        d["expires_at"] = json.loads(record).get("expires_at")
    return d


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1 to {MAX_PAGE}")


class Store:
    """One database (one SQLAlchemy ``Engine``, its connection pool safe across threads)."""

    def __init__(self, url: Union[str, Path]) -> None:
        self.url = database_url(url)
        self.postgres = self.url.get_backend_name() == "postgresql"
        if self.postgres:
            # pre_ping: a connection the server closed (a restart, an idle timeout) is replaced,
            # not handed to a request.
            self.engine: Engine = sa.create_engine(self.url, pool_pre_ping=True)
        else:
            self.engine = sa.create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False})
            _sqlite_transactions(self.engine)
        with self._write("migrate") as db:
            migrations.upgrade(db)

    def revision(self) -> Optional[str]:
        """The schema revision the database is at."""
        with self._read() as db:
            return migrations.current(db)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as db, db.begin():
            yield db

    @contextmanager
    def _write(self, *locks: str) -> Iterator[Connection]:
        """A transaction that may read before it writes: ``BEGIN IMMEDIATE`` on SQLite; on
        PostgreSQL the named advisory locks, taken in one order (no deadlock between two
        transactions taking several), are held until the commit."""
        with self.engine.connect() as db:
            db.execution_options(credgate_write=True)
            with db.begin():
                if self.postgres:
                    for name in sorted(locks):
                        db.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(name))))
                yield db

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which has ``on_conflict_do_update``/``_do_nothing``."""
        return (postgresql.insert if self.postgres else sqlite.insert)(table)

    @staticmethod
    def _page(db: Connection, table: sa.Table, limit: int, before: Optional[int],
              client_id: Optional[str] = None) -> List[RowMapping]:
        """``limit`` rows newest first with ids below ``before``, of ``client_id`` when given."""
        _check_limit(limit)
        q = sa.select(table)
        if before is not None:
            q = q.where(table.c.id < before)
        if client_id is not None:
            q = q.where(table.c.client_id == client_id)
        return list(db.execute(q.order_by(table.c.id.desc()).limit(limit)).mappings())

    @staticmethod
    def _record(db: Connection, client_id: str) -> Optional[credgate.Credential]:
        """The stored record, its row locked until the commit (PostgreSQL; SQLite holds the
        write lock already)."""
        text = db.execute(sa.select(credentials.c.record).where(credentials.c.client_id == client_id)
                          .with_for_update()).scalar_one_or_none()
        return credgate.Credential.from_json(text) if text is not None else None

    # -- credentials

    @staticmethod
    def _credential_row(cred: credgate.Credential) -> Dict[str, Any]:
        return {"client_id": cred.client_id, "org": cred.org, "status": cred.status, "record": cred.to_json(),
                "created_at": cred.created_at, "updated_at": cred.updated_at, "environment": cred.environment}

    def _put(self, db: Connection, cred: credgate.Credential) -> None:
        ins = self._insert(credentials).values(**self._credential_row(cred))
        db.execute(ins.on_conflict_do_update(index_elements=[credentials.c.client_id], set_={
            name: ins.excluded[name] for name in ("status", "record", "updated_at", "environment")}))

    def put_credential(self, cred: credgate.Credential) -> None:
        with self._write() as db:
            self._put(db, cred)

    def get_credential(self, client_id: str) -> Optional[credgate.Credential]:
        with self._read() as db:
            text = db.execute(sa.select(credentials.c.record)
                              .where(credentials.c.client_id == client_id)).scalar_one_or_none()
        return credgate.Credential.from_json(text) if text is not None else None

    def list_credentials(self, limit: int = 100, after: Optional[str] = None, status: Optional[str] = None,
                         environment: Optional[str] = None) -> List[credgate.Credential]:
        """Credentials newest first (``created_at``, then ``client_id``, both descending),
        ``limit`` (1..500) of them after the credential ``after`` (the last client id of the
        previous page), of one ``status`` and/or ``environment`` when given. ``ValueError``
        for a bad limit, status or environment, or an ``after`` that is not stored."""
        _check_limit(limit)
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        if environment is not None and environment not in ENVIRONMENTS:
            raise ValueError(f"environment must be one of {', '.join(ENVIRONMENTS)}")
        c = credentials.c
        q = sa.select(c.record)
        if status is not None:
            q = q.where(c.status == status)
        if environment is not None:
            q = q.where(c.environment == environment)
        with self._read() as db:
            if after is not None:
                created = db.execute(sa.select(c.created_at).where(c.client_id == after)).scalar_one_or_none()
                if created is None:
                    raise ValueError("unknown cursor")
                # Keyset: rows strictly after (created, after) in the (created_at, client_id) DESC order.
                q = q.where(sa.or_(c.created_at < created, sa.and_(c.created_at == created, c.client_id < after)))
            texts = db.execute(q.order_by(c.created_at.desc(), c.client_id.desc()).limit(limit)).scalars().all()
        return [credgate.Credential.from_json(t) for t in texts]

    def last_used(self, client_ids: Sequence[str]) -> Dict[str, int]:
        """Per client, the time of its latest allowed decision in the audit log (only the
        clients that have one), in one query."""
        if not client_ids:
            return {}
        a = audit_table.c
        with self._read() as db:
            rows = db.execute(sa.select(a.client_id, sa.func.max(a.time))
                              .where(a.client_id.in_(list(client_ids)), a.allowed == 1)
                              .group_by(a.client_id)).all()
        return {str(cid): int(t) for cid, t in rows}

    def change_credential(
        self, client_id: str, action: str, transition: Callable[[credgate.Credential], credgate.Credential], now: int,
        *, admin: Optional[str] = None, revoke: Optional[Callable[[credgate.Credential], bool]] = None,
        detail: Optional[Dict[str, Any]] = None,
    ) -> Optional[credgate.Credential]:
        """Apply ``transition`` (a credgate record operation) to the stored record and log the
        change (with ``detail``, e.g. a disable reason), in one transaction. When
        ``revoke(before)`` says so, a client entry revoking every token issued so far joins
        the revocation list in the same transaction. None when there is no such credential;
        the transition's :class:`credgate.Error` leaves everything unchanged."""
        with self._write() as db:
            before = self._record(db, client_id)
            if before is None:
                return None
            after = transition(before)
            self._write_change(db, before, after, action, now, admin, detail)
            if revoke is not None and revoke(before):
                self._revoke_client(db, client_id, now, action)
            return after

    @staticmethod
    def _write_change(db: Connection, before: credgate.Credential, after: credgate.Credential,
                      action: str, now: int, admin: Optional[str], detail: Optional[Dict[str, Any]] = None) -> None:
        db.execute(credentials.update().where(credentials.c.client_id == after.client_id).values(
            status=after.status, record=after.to_json(), updated_at=after.updated_at, environment=after.environment))
        db.execute(credential_changes.insert().values(
            time=now, client_id=after.client_id, action=action, from_status=before.status, status=after.status,
            admin=admin, detail=detail))

    def secret_used(self, client_id: str, secret: int, now: int) -> None:
        """Record that secret ``secret`` obtained a token now (credgate's ``secret_used``);
        not a change of the credential, so not in the change log."""
        with self._write() as db:
            cred = self._record(db, client_id)
            if cred is None or secret >= len(cred.secrets):  # gone, rotated or revoked meanwhile
                return
            db.execute(credentials.update().where(credentials.c.client_id == client_id)
                       .values(record=cred.secret_used(secret, now=now).to_json()))

    def credential_changes(self, limit: int = 100, before: Optional[int] = None,
                           client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Credential changes newest first (``detail``: what the administrator gave, or None)."""
        with self._read() as db:
            return [dict(r) for r in self._page(db, credential_changes, limit, before, client_id)]

    # -- approvals

    def get_state(self, name: str) -> Optional[str]:
        with self._read() as db:
            value = db.execute(sa.select(service_state.c.value)
                               .where(service_state.c.name == name)).scalar_one_or_none()
        return str(value) if value is not None else None

    def _set_state(self, db: Connection, name: str, value: str) -> None:
        ins = self._insert(service_state).values(name=name, value=value)
        db.execute(ins.on_conflict_do_update(index_elements=[service_state.c.name],
                                             set_={"value": ins.excluded.value}))

    def set_policy(self, policy: str, admin: str, now: int) -> None:
        with self._write("approval_policy") as db:
            before = db.execute(sa.select(service_state.c.value)
                                .where(service_state.c.name == "approval_policy")).scalar_one_or_none()
            self._set_state(db, "approval_policy", policy)
            self._log_admin(db, now, admin, "set_policy", None, None, {"from": before, "to": policy})

    @staticmethod
    def _log_admin(db: Connection, now: int, admin: str, action: str, client_id: Optional[str],
                   change_id: Optional[int], detail: Optional[Dict[str, Any]] = None) -> None:
        db.execute(admin_log.insert().values(time=now, admin=admin, action=action, client_id=client_id,
                                             change_id=change_id,
                                             detail=json.dumps(detail) if detail is not None else None))

    def log_admin(self, now: int, admin: str, action: str, client_id: Optional[str],
                  detail: Optional[Dict[str, Any]] = None) -> None:
        with self._write() as db:
            self._log_admin(db, now, admin, action, client_id, None, detail)

    def admin_log(self, limit: int = 100, before: Optional[int] = None,
                  client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Administrators' actions, newest first (who, when, what, which change)."""
        with self._read() as db:
            rows = self._page(db, admin_log, limit, before, client_id)
        return [dict(r, detail=json.loads(r["detail"]) if r["detail"] else None) for r in rows]

    def create_credential(self, cred: credgate.Credential, admin: str, now: int) -> None:
        """Store a new credential (applied at once) and log who created it, in one transaction."""
        with self._write() as db:
            self._put(db, cred)
            self._log_admin(db, now, admin, "create", cred.client_id, None)

    def request_change(self, kind: str, cred: credgate.Credential, admin: str, now: int, *,
                       before: Optional[Dict[str, Any]] = None, diff: Optional[Dict[str, Any]] = None) -> int:
        """A pending change: a creation (``cred`` is the new record, digest only) or an update
        of ``cred`` from the spec ``before`` to ``cred``'s spec. Its id."""
        with self._write() as db:
            change_id = int(db.execute(pending_changes.insert().values(
                kind=kind, client_id=cred.client_id, org=cred.org, requested_by=admin, requested_at=now,
                state="pending", record=cred.to_json() if kind == "create" else None,
                before_spec=json.dumps(before) if before is not None else None,
                after_spec=json.dumps(spec_of(cred)), diff=json.dumps(diff) if diff is not None else None)
                .returning(pending_changes.c.id)).scalar_one())
            self._log_admin(db, now, admin, f"request_{kind}", cred.client_id, change_id)
            return change_id

    def changes(self, state: Optional[str], limit: int = 100, before: Optional[int] = None) -> List[Dict[str, Any]]:
        """Changes newest first, those in ``state`` (None: every state)."""
        q = sa.select(pending_changes)
        if before is not None:
            q = q.where(pending_changes.c.id < before)
        if state is not None:
            q = q.where(pending_changes.c.state == state)
        with self._read() as db:
            rows = db.execute(q.order_by(pending_changes.c.id.desc()).limit(limit)).mappings().all()
        return [_change_row(r) for r in rows]

    def change(self, change_id: int) -> Optional[Dict[str, Any]]:
        with self._read() as db:
            row = db.execute(sa.select(pending_changes).where(pending_changes.c.id == change_id)).mappings().first()
        return _change_row(row) if row else None

    def decide(self, change_id: int, admin: str, approve: bool, now: int, comment: Optional[str],
               revoke: Callable[[Dict[str, Any], Dict[str, Any]], bool]) -> Dict[str, Any]:
        """Approve or reject a pending change, in one transaction with its effect and the
        admin log entry. Approving a creation stores the record; approving an update applies
        its spec with credgate's ``set_spec`` (``revoke(before, after)`` decides whether tokens
        issued so far are revoked, as for an update applied at once). Raises
        :class:`ChangeNotFound`, :class:`SelfApproval`, :class:`ChangeDecided`,
        :class:`ChangeStale`, :class:`CredentialGone` or credgate's error, changing nothing."""
        p = pending_changes.c
        with self._write() as db:
            row = db.execute(sa.select(pending_changes).where(p.id == change_id).with_for_update()).mappings().first()
            if row is None:
                raise ChangeNotFound()
            if row["requested_by"] == admin:
                raise SelfApproval()
            if row["state"] != "pending":
                raise ChangeDecided(row["state"])
            if approve and row["kind"] == "create":
                db.execute(credentials.insert().values(
                    **self._credential_row(credgate.Credential.from_json(row["record"]))))
            elif approve:
                before = self._record(db, row["client_id"])
                if before is None:
                    raise CredentialGone()
                requested_before, after_spec = json.loads(row["before_spec"]), json.loads(row["after_spec"])
                if spec_of(before) != requested_before:
                    raise ChangeStale()
                after = before.set_spec(after_spec, now=now)
                self._write_change(db, before, after, "set_spec", now, admin)
                if revoke(requested_before, after_spec):
                    self._revoke_client(db, after.client_id, now, "set_spec")
            state = "approved" if approve else "rejected"
            db.execute(pending_changes.update().where(p.id == change_id)
                       .values(state=state, decided_by=admin, decided_at=now, comment=comment))
            self._log_admin(db, now, admin, "approve" if approve else "reject", row["client_id"], change_id,
                            {"kind": row["kind"], "requested_by": row["requested_by"], "comment": comment})
            decided = db.execute(sa.select(pending_changes).where(p.id == change_id)).mappings().one()
            return _change_row(decided)

    # -- revocation list

    def _bump_epoch(self, db: Connection) -> None:
        """The epoch grows by one (the caller holds the ``revocations`` lock)."""
        ins = self._insert(service_state).values(name="revocation_epoch", value="1")
        db.execute(ins.on_conflict_do_update(index_elements=[service_state.c.name], set_={
            "value": sa.cast(sa.cast(service_state.c.value, sa.Integer) + 1, sa.Text)}))

    def _revoke_client(self, db: Connection, client_id: str, now: int, reason: str) -> None:
        if self.postgres:
            db.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key("revocations"))))
        # not_before = now + 1: a token's iat is in whole seconds, and one issued in this very
        # second (iat = now) must be revoked too (the list revokes iat < not_before).
        db.execute(revocations.insert().values(time=now, client_id=client_id, not_before=now + 1, reason=reason))
        self._bump_epoch(db)

    def revoke_token(self, jti: str, now: int, admin: str) -> None:
        """One token (by ``jti``) onto the revocation list."""
        with self._write("revocations") as db:
            db.execute(revocations.insert().values(time=now, jti=jti, revoked_at=now, reason="revoke_token"))
            self._bump_epoch(db)
            self._log_admin(db, now, admin, "revoke_token", None, None, {"jti": jti})

    def revocation_epoch(self) -> int:
        return int(self.get_state("revocation_epoch") or 0)

    def signed_revocations(self, kid: str, now: int,
                           sign: Callable[[int, List[Dict[str, Any]]], str]) -> Tuple[int, str]:
        """The published list ``(epoch, JWS)``: the one signed for the current epoch with key
        ``kid``, else a new one signed now by ``sign(epoch, entries)`` and kept, so that every
        request for the same epoch gets the same bytes (one ETag), from every process sharing
        the database. Entries: per client the latest ``not_before``, and every token entry,
        of the last token lifetime."""
        cached = self.get_state("revocations_signed")
        epoch = self.revocation_epoch()
        if cached is not None:
            held = json.loads(cached)
            if held["epoch"] == epoch and held["kid"] == kid:
                return epoch, str(held["jws"])
        r = revocations.c
        with self._write("revocations") as db:
            epoch = int(db.execute(sa.select(service_state.c.value)
                                   .where(service_state.c.name == "revocation_epoch")).scalar_one_or_none() or 0)
            cached = db.execute(sa.select(service_state.c.value)
                                .where(service_state.c.name == "revocations_signed")).scalar_one_or_none()
            if cached is not None:  # another process may have signed this epoch while we waited
                held = json.loads(cached)
                if held["epoch"] == epoch and held["kid"] == kid:
                    return epoch, str(held["jws"])
            since = now - TOKEN_LIFETIME
            entries: List[Dict[str, Any]] = [
                {"client_id": cid, "not_before": nb} for cid, nb in db.execute(
                    sa.select(r.client_id, sa.func.max(r.not_before))
                    .where(r.client_id.is_not(None), r.not_before > since)
                    .group_by(r.client_id).order_by(sa.func.max(r.id).desc()).limit(MAX_REVOCATIONS))
            ]
            entries += [{"jti": jti, "revoked_at": t} for jti, t in db.execute(
                sa.select(r.jti, sa.func.max(r.revoked_at))
                .where(r.jti.is_not(None), r.revoked_at > since)
                .group_by(r.jti).order_by(sa.func.max(r.id).desc()).limit(MAX_REVOCATIONS - len(entries)))]
            jws = sign(epoch, entries)
            self._set_state(db, "revocations_signed", json.dumps({"epoch": epoch, "kid": kid, "jws": jws}))
            return epoch, jws

    # -- usage

    def usage(self, client_id: str) -> List[Dict[str, Any]]:
        """What the audit log counted for a credential: each distinct allowed request with
        the last time and how often (at most ``MAX_USAGE``, the most recent)."""
        a = audit_table.c
        last = sa.func.max(a.time)
        with self._read() as db:
            rows = db.execute(sa.select(a.request, last, sa.func.count())
                              .where(a.client_id == client_id, a.allowed == 1).group_by(a.request)
                              .order_by(last.desc(), a.request).limit(MAX_USAGE)).all()
        return [{"request": json.loads(req), "last_at": t, "count": n} for req, t, n in rows]

    # -- signing keys

    def _add_signing_key(self, db: Connection, key: credgate.SigningKey, now: int) -> None:
        db.execute(signing_keys.update().where(signing_keys.c.retired_at.is_(None)).values(retired_at=now))
        db.execute(signing_keys.insert().values(kid=key.kid, seed_hex=key.seed.hex(), created_at=now))

    def add_signing_key(self, key: credgate.SigningKey, now: int) -> None:
        """``key`` becomes the one active key; the previous one is retired now."""
        with self._write("signing_keys") as db:
            self._add_signing_key(db, key, now)

    def ensure_signing_key(self, make: Callable[[], credgate.SigningKey], now: int) -> credgate.SigningKey:
        """The active signing key; when there is none, ``make()``'s becomes it. One locked
        operation: processes starting together on an empty database make one key."""
        with self._write("signing_keys") as db:
            active = self._active_signing_key(db)
            if active is not None:
                return active
            key = make()
            self._add_signing_key(db, key, now)
            return key

    @staticmethod
    def _active_signing_key(db: Connection) -> Optional[credgate.SigningKey]:
        k = signing_keys.c
        row = db.execute(sa.select(k.kid, k.seed_hex).where(k.retired_at.is_(None))
                         .order_by(k.created_at.desc(), k.kid).limit(1)).first()
        return credgate.SigningKey(row.kid, bytes.fromhex(row.seed_hex)) if row else None

    def active_signing_key(self) -> Optional[credgate.SigningKey]:
        with self._read() as db:
            return self._active_signing_key(db)

    def published_signing_keys(self, now: int, retention: int) -> List[credgate.SigningKey]:
        """The active key and every key retired less than ``retention`` seconds ago, the
        active first, then the most recently retired."""
        k = signing_keys.c
        with self._read() as db:
            rows = db.execute(
                sa.select(k.kid, k.seed_hex).where(sa.or_(k.retired_at.is_(None), k.retired_at + retention > now))
                .order_by(k.retired_at.desc().nulls_first(), k.created_at.desc(), k.kid)).all()
        return [credgate.SigningKey(r.kid, bytes.fromhex(r.seed_hex)) for r in rows]

    # -- logs

    def audit(self, record: Dict[str, Any], method: str, path: str) -> None:
        with self._write() as db:
            db.execute(audit_table.insert().values(
                time=record["time"], method=method, path=path, client_id=record.get("client_id"),
                org=record.get("org"), jti=record.get("jti"), request=json.dumps(record["request"]),
                client_ip=record["client_ip"], allowed=int(bool(record["allowed"])), status=record["status"],
                reason=record["reason"], matched=record.get("matched")))

    def audit_log(self, limit: int = 100, before: Optional[int] = None,
                  client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Decision records, newest first: ``limit`` (1..500) of them with ids below ``before``
        (of ``client_id`` when given)."""
        with self._read() as db:
            rows = self._page(db, audit_table, limit, before, client_id)
        return [dict(r, request=json.loads(r["request"]), allowed=bool(r["allowed"])) for r in rows]

    def log_token(self, now: int, client_id: Optional[str], client_ip: str, reason: str,
                  jti: Optional[str] = None) -> None:
        with self._write() as db:
            db.execute(token_log_table.insert().values(
                time=now, client_id=stored_client_id(client_id), client_ip=client_ip,
                granted=int(reason == "issued"), reason=reason, jti=jti))

    def token_log(self, limit: int = 100, before: Optional[int] = None,
                  client_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Token requests, newest first: ``limit`` (1..500) of them with ids below ``before``
        (of ``client_id`` when given)."""
        with self._read() as db:
            rows = self._page(db, token_log_table, limit, before, client_id)
        return [dict(r, granted=bool(r["granted"])) for r in rows]

    # -- demo wallet data

    def vaults(self, org: str, limit: int = 100, after: Optional[str] = None) -> List[Dict[str, str]]:
        """The organisation's vaults by id, ``limit`` (1..500) of them after the id ``after``."""
        _check_limit(limit)
        v = vaults_table.c
        q = sa.select(v.vault_id, v.name).where(v.org == org)
        if after is not None:
            q = q.where(v.vault_id > after)
        with self._read() as db:
            rows = db.execute(q.order_by(v.vault_id).limit(limit)).all()
        return [{"id": r.vault_id, "name": r.name} for r in rows]

    def vault(self, org: str, vault_id: str) -> Optional[Dict[str, str]]:
        v = vaults_table.c
        with self._read() as db:
            r = db.execute(sa.select(v.vault_id, v.name).where(v.org == org, v.vault_id == vault_id)).first()
        return {"id": r.vault_id, "name": r.name} if r else None

    def add_vault(self, org: str, vault_id: str, name: str) -> bool:
        """Add a vault; False when the organisation has one of that id already."""
        with self._write() as db:
            added = db.execute(self._insert(vaults_table).values(org=org, vault_id=vault_id, name=name)
                               .on_conflict_do_nothing().returning(vaults_table.c.vault_id)).first()
            return added is not None

    def key_exists(self, org: str, vault_id: str, key_id: str) -> bool:
        w = wallet_keys.c
        with self._read() as db:
            row = db.execute(sa.select(sa.literal(1))
                             .where(w.org == org, w.vault_id == vault_id, w.key_id == key_id)).first()
        return row is not None

    def keys(self, org: str, vault_id: str, limit: int = 100, after: Optional[str] = None) -> List[str]:
        """The vault's key ids in order, ``limit`` (1..500) of them after the id ``after``."""
        _check_limit(limit)
        w = wallet_keys.c
        q = sa.select(w.key_id).where(w.org == org, w.vault_id == vault_id)
        if after is not None:
            q = q.where(w.key_id > after)
        with self._read() as db:
            return [str(k) for k in db.execute(q.order_by(w.key_id).limit(limit)).scalars()]

    def add_key(self, org: str, vault_id: str, key_id: str) -> None:
        """Add a key; :class:`KeyIdTaken` when the organisation already has a key of that id
        (in this vault or another: the UNIQUE index on (org, key_id) decides)."""
        w = wallet_keys.c
        with self._write("wallet_keys") as db:
            taken = db.execute(sa.select(w.vault_id).where(w.org == org, w.key_id == key_id)).scalar_one_or_none()
            if taken is not None:
                raise KeyIdTaken(str(taken))
            db.execute(wallet_keys.insert().values(org=org, vault_id=vault_id, key_id=key_id))


def _sqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy's documented pysqlite recipe ("Using SQLAlchemy to emit BEGIN in lieu of
    SQLite's transaction control"): the driver's own implicit BEGIN is off, and each
    transaction begins with ours, ``BEGIN IMMEDIATE`` for writes (``credgate_write``), so a
    write transaction holds the lock before its first read, and DDL is transactional."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("credgate_write") else "BEGIN")
