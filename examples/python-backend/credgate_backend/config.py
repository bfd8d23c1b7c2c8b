"""Configuration: the settings read from ``CREDGATE_*`` variables (pydantic-settings), the
checks that refuse a dangerous or malformed configuration at start-up (an admin list that does
not parse, a proxy trusted without saying which, a console folder without its page), and the
service's clock. It must never print or log a secret it holds: admin tokens are configured by
digest only, and the database URL's password is hidden wherever the settings are shown."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Iterator, List, Mapping, Optional, Tuple, Type, Union

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .store import DatabaseUrlError, database_url

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

ROLES = ("owner", "administrator")
APPROVAL_POLICIES = ("always", "production", "never")
_ADMIN_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SUGGEST_TOKEN = "python -m credgate_backend --new-admin ID:ROLE"


class ConfigError(ValueError):
    """A configuration the service refuses to start with; the message says what to set."""


@dataclass(frozen=True)
class Admin:
    """An administrator: an id (in the audit log), a role and the SHA-256 (hex) of its bearer
    token. The token itself is never configured, stored or logged; ``repr`` hides the digest."""

    id: str
    role: str
    token_sha256: str = field(repr=False)

    @property
    def owner(self) -> bool:
        return self.role == "owner"


def parse_admins(text: str) -> Tuple[Admin, ...]:
    """``CREDGATE_ADMINS``: comma-separated ``id:role:sha256`` entries (role ``owner`` or
    ``administrator``; the lowercase hex SHA-256 of the admin's bearer token). Ids and
    digests must be unique, and at least one admin must be an owner (only owners set the
    approval policy). Empty: no admins, the admin API is off."""
    admins: List[Admin] = []
    for n, entry in enumerate((e.strip() for e in text.split(",")), 1):
        if not entry:
            continue
        parts = entry.split(":")
        where = f"CREDGATE_ADMINS entry {n}"
        if len(parts) != 3:
            raise ConfigError(f"{where} must be `id:role:sha256-of-token`, with 3 parts separated by `:`;"
                              f" create one with {SUGGEST_TOKEN}")
        admin_id, role, digest = parts
        if not _ADMIN_ID.fullmatch(admin_id):
            raise ConfigError(f"{where}: the id must be 1 to 64 characters of A-Z a-z 0-9 _ . -")
        if role not in ROLES:
            raise ConfigError(f"{where} (`{admin_id}`): the role must be owner or administrator, not `{role[:20]}`")
        if not _SHA256_HEX.fullmatch(digest):
            raise ConfigError(f"{where} (`{admin_id}`): the third part must be the SHA-256 of the token as 64"
                              f" lowercase hex digits (never the token itself); create one with {SUGGEST_TOKEN}")
        if any(a.id == admin_id for a in admins):
            raise ConfigError(f"CREDGATE_ADMINS: the id `{admin_id}` appears twice")
        if any(a.token_sha256 == digest for a in admins):
            raise ConfigError(f"CREDGATE_ADMINS: `{admin_id}` has the same token digest as another admin;"
                              " each admin needs its own token")
        admins.append(Admin(admin_id, role, digest))
    if admins and not any(a.owner for a in admins):
        raise ConfigError("CREDGATE_ADMINS: no admin has the role owner; at least one owner is needed")
    return tuple(admins)


def new_admin(spec: str) -> Tuple[str, str]:
    """A fresh bearer token for ``id:role`` and its ``CREDGATE_ADMINS`` entry."""
    admin_id, _, role = spec.partition(":")
    if not _ADMIN_ID.fullmatch(admin_id) or role not in ROLES:
        raise ConfigError("--new-admin takes ID:ROLE: an id of 1 to 64 characters of A-Z a-z 0-9 _ . -"
                          " and the role owner or administrator")
    token = secrets.token_urlsafe(32)
    return token, f"{admin_id}:{role}:{hashlib.sha256(token.encode()).hexdigest()}"


def parse_trusted_proxies(text: str) -> Tuple[Network, ...]:
    """``CREDGATE_TRUSTED_PROXIES``: comma-separated addresses or CIDR networks."""
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=True))
        except ValueError as e:
            raise ConfigError(f"CREDGATE_TRUSTED_PROXIES: `{entry}` is not an address or network ({e})") from None
    return tuple(networks)


# Which ``Settings.from_env`` mapping the settings are read from (None: ``os.environ``).
_ENVIRON: ContextVar[Optional[Mapping[str, str]]] = ContextVar("credgate_environ", default=None)


class _Environment(EnvSettingsSource):
    """The ``CREDGATE_*`` variables of ``os.environ``, or of the mapping given to
    ``Settings.from_env`` (which must not see the process environment at all)."""

    def _load_env_vars(self) -> Mapping[str, Optional[str]]:
        given = _ENVIRON.get()
        if given is None:
            return super()._load_env_vars()
        # As the library reads os.environ with these settings: names compared in lower case,
        # an empty value counts as unset.
        return {name.lower(): value for name, value in given.items() if value != ""}


def _env_name(field_name: str) -> str:
    """The variable a setting is read from."""
    return _ALIASES.get(field_name, "CREDGATE_" + field_name.upper())


_ALIASES = {"db_path": "CREDGATE_DB", "default_org": "CREDGATE_ORG",
            "token_failure_refill_seconds": "CREDGATE_TOKEN_FAILURE_REFILL"}
# The least value of each integer setting.
_MINIMUM = {"revocations_refresh": 0, "key_retention": 0, "token_failure_burst": 1,
            "token_failure_refill_seconds": 1, "rate_limit_max_keys": 1}


def _message(error: ValidationError) -> str:
    """The start-up refusal for a validation error: our own :class:`ConfigError`'s message,
    else pydantic's, named by the variable (a wrong type: a path that is not one...)."""
    first = error.errors()[0]
    raised = (first.get("ctx") or {}).get("error")
    if isinstance(raised, ConfigError):
        return str(raised)
    where = str(first["loc"][0]) if first["loc"] else ""
    name = where if where.startswith("CREDGATE_") else _env_name(where) if where else "the settings"
    return f"{name}: {first['msg'].lower()}"


def _flag(value: Any) -> Any:
    """A switch: unset, empty or ``0`` is off, any other text on (as the service always read it)."""
    return value not in ("", "0") if isinstance(value, str) else value


def hide_password(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***`` (for messages, logs and repr)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<not a database URL>"


class Settings(BaseSettings):
    """Service settings, read from ``CREDGATE_*`` variables (pydantic-settings; ``from_env``
    reads them from a given mapping instead). Constructing them runs the start-up checks: a
    refusal is a :class:`ConfigError` saying what to set, never a traceback.

    - ``CREDGATE_DB``: SQLite file (default ``credgate-backend.sqlite3`` in the working folder).
    - ``CREDGATE_DATABASE_URL``: the database as an SQLAlchemy URL (``sqlite:///<path>`` or
      ``postgresql+psycopg://user:password@host/db``); default ``sqlite:///`` + ``CREDGATE_DB``.
      Its password never appears in ``repr``, ``str`` or a message.
    - ``CREDGATE_ISSUER`` / ``CREDGATE_AUDIENCE``: the tokens' ``iss`` and ``aud``.
    - ``CREDGATE_ADMINS``: the administrators, ``id:role:sha256`` comma-separated
      (``parse_admins``; ``python -m credgate_backend --new-admin alice:owner`` makes one).
      Unset = the admin API is off (503). The former ``CREDGATE_ADMIN_TOKEN`` is refused.
    - ``CREDGATE_APPROVAL_POLICY``: ``always``, ``production`` (default) or ``never``: which
      creations and access-granting updates wait for another admin's approval, until an owner
      sets it through the API (the stored policy wins).
    - ``CREDGATE_REVOCATIONS_REFRESH``: seconds a verifier may cache the published revocation
      list (``Cache-Control: max-age``; default 60).
    - ``CREDGATE_VERIFY_REVOCATIONS=1``: the backend's own protected routes refuse tokens on
      its revocation list (``token.revoked``). Off by default: SPEC §5 unchanged.
    - ``CREDGATE_TRUSTED_PROXIES``: the reverse proxies (addresses or CIDR networks, comma-
      separated) whose ``X-Forwarded-For`` is believed; ``CREDGATE_TRUST_PROXY=1`` without
      this list is refused. Unset = the TCP peer is the client.
    - ``CREDGATE_CLOCK_FILE``: a file holding Unix seconds, read on every request instead of
      the system clock. For tests and demos only (e.g. to let an hour pass at once).
    - ``CREDGATE_KEY_RETENTION``: seconds a retired signing key stays published (default
      3600, the token lifetime, so every token it signed still verifies).
    - ``CREDGATE_ORG``: the organisation of a credential created without ``org``.
    - ``CREDGATE_TOKEN_FAILURE_BURST`` / ``CREDGATE_TOKEN_FAILURE_REFILL``: the failed-token-
      request limit per client id and per address: a bucket of 10 attempts, one more every
      6 seconds (``limits.py``); ``CREDGATE_RATE_LIMIT_MAX_KEYS``: how many buckets are kept.
    - ``CREDGATE_JWKS_URL``: an ``http(s)`` URL of the issuer's JWKS. Set, the protected
      routes trust only the keys fetched from it (``credgate.AsyncRemoteKeySet``: a resource
      server that verifies tokens issued elsewhere), not the local signing keys. Not with
      ``CREDGATE_VERIFY_REVOCATIONS`` (the local revocation list is signed with local keys).
    - ``CREDGATE_CONSOLE_DIR``: the built admin console (a folder holding ``index.html``),
      served at ``/console/``. Unset = no console.

    An empty variable counts as unset.
    """

    model_config = SettingsConfigDict(
        env_prefix="CREDGATE_", case_sensitive=False, env_ignore_empty=True, enable_decoding=False,
        frozen=True, extra="ignore", populate_by_name=True,
    )

    db_path: Path = Field(Path("credgate-backend.sqlite3"), validation_alias="CREDGATE_DB")
    database_url: str = Field("", repr=False)
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "credgate-example-api"
    admins: Annotated[Tuple[Admin, ...], NoDecode] = ()
    approval_policy: str = "production"
    revocations_refresh: int = 60
    verify_revocations: bool = False
    trust_proxy: bool = False
    trusted_proxies: Annotated[Tuple[Network, ...], NoDecode] = ()
    clock_file: Optional[Path] = None
    key_retention: int = 3600
    default_org: str = Field("org_demo", validation_alias="CREDGATE_ORG")
    token_failure_burst: int = 10
    token_failure_refill_seconds: int = Field(6, validation_alias="CREDGATE_TOKEN_FAILURE_REFILL")
    rate_limit_max_keys: int = 10_000
    jwks_url: Optional[str] = None
    console_dir: Optional[Path] = None
    # Read only to be refused with a pointer to CREDGATE_ADMINS; never shown.
    admin_token: Optional[str] = Field(None, repr=False, exclude=True)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as e:
            raise ConfigError(_message(e)) from None

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: Type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> Tuple[PydanticBaseSettingsSource, ...]:
        # Keyword arguments, then the environment; no .env file nor secrets folder: the
        # deployment says what it sets, in the environment.
        return init_settings, _Environment(settings_cls)

    @field_validator("admins", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> Any:
        return parse_admins(value) if isinstance(value, str) else value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        return parse_trusted_proxies(value) if isinstance(value, str) else value

    @field_validator("verify_revocations", "trust_proxy", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        return _flag(value)

    @field_validator(*_MINIMUM, mode="before")
    @classmethod
    def _integer(cls, value: Any, info: ValidationInfo) -> Any:
        name, field_name = _env_name(str(info.field_name)), str(info.field_name)
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise ConfigError(f"{name} must be an integer, not `{value[:20]}`") from None
        if isinstance(value, int) and value < _MINIMUM[field_name]:
            raise ConfigError(f"{name} must be at least {_MINIMUM[field_name]}")
        return value

    @model_validator(mode="after")
    def _checks(self) -> "Settings":
        if self.admin_token:
            raise ConfigError("CREDGATE_ADMIN_TOKEN (one shared admin secret) is replaced by CREDGATE_ADMINS:"
                              " one `id:role:sha256-of-token` entry per administrator; create each with"
                              f" {SUGGEST_TOKEN}")
        if self.trust_proxy and not self.trusted_proxies:
            raise ConfigError("CREDGATE_TRUST_PROXY is set but CREDGATE_TRUSTED_PROXIES is empty: list the"
                              " addresses of your reverse proxies (e.g. 10.0.0.5,10.1.0.0/16)")
        if self.approval_policy not in APPROVAL_POLICIES:
            raise ConfigError(f"CREDGATE_APPROVAL_POLICY must be always, production or never,"
                              f" not `{self.approval_policy[:20]}`")
        if self.jwks_url is not None:
            if not self.jwks_url.lower().startswith(("https://", "http://")):
                raise ConfigError(f"CREDGATE_JWKS_URL must be an http(s) URL, not `{self.jwks_url[:60]}`")
            if self.verify_revocations:
                raise ConfigError("CREDGATE_VERIFY_REVOCATIONS checks the local revocation list, signed with the"
                                  " local keys; with CREDGATE_JWKS_URL the routes trust other keys: unset one")
        if self.console_dir is not None and not (self.console_dir / "index.html").is_file():
            raise ConfigError(f"CREDGATE_CONSOLE_DIR must be a folder holding index.html (build it with"
                              f" `make build-console`), not `{str(self.console_dir)[:200]}`")
        if not self.database_url:
            # Frozen: the derived default is set once, here, before anyone reads it.
            object.__setattr__(self, "database_url", f"sqlite:///{self.db_path}")
        try:
            database_url(self.database_url)
        except DatabaseUrlError as e:
            raise ConfigError(f"CREDGATE_DATABASE_URL {e.problem}") from None
        return self

    def __repr_args__(self) -> Iterator[Tuple[Optional[str], Any]]:
        # The database URL is shown with its password hidden, never as configured.
        for name, value in super().__repr_args__():
            yield name, value
            if name == "db_path":
                yield "database_url", hide_password(self.database_url)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """The settings of ``env`` (only its variables), or of ``os.environ``."""
        held = _ENVIRON.set(env)
        try:
            return cls()
        finally:
            _ENVIRON.reset(held)

    def now(self) -> int:
        """The current time in Unix seconds (the clock file when configured)."""
        if self.clock_file is not None:
            return int(self.clock_file.read_text().strip())
        return int(time.time())
