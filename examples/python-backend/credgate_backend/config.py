"""Configuration: the settings read from ``CREDGATE_*`` variables, the checks that refuse a
dangerous or malformed configuration at start-up (an admin list that does not parse, a proxy
trusted without saying which), and the service's clock."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Optional, Tuple, Union

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


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not `{text}`") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    """Service settings. ``from_env`` reads them from ``CREDGATE_*`` variables; constructing
    them runs the start-up checks (:class:`ConfigError`).

    - ``CREDGATE_DB``: SQLite file (default ``credgate-backend.sqlite3`` in the working folder).
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
    - ``CREDGATE_TOKEN_FAILURE_BURST`` / ``CREDGATE_TOKEN_FAILURE_REFILL``: the failed-token-
      request limit per client id and per address: a bucket of 10 attempts, one more every
      6 seconds (``limits.py``).
    - ``CREDGATE_JWKS_URL``: an ``http(s)`` URL of the issuer's JWKS. Set, the protected
      routes trust only the keys fetched from it (``credgate.AsyncRemoteKeySet``: a resource
      server that verifies tokens issued elsewhere), not the local signing keys. Not with
      ``CREDGATE_VERIFY_REVOCATIONS`` (the local revocation list is signed with local keys).
    - ``CREDGATE_CONSOLE_DIR``: the built admin console (a folder holding ``index.html``),
      served at ``/console/``. Unset = no console.
    """

    db_path: Path = Path("credgate-backend.sqlite3")
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "credgate-example-api"
    admins: Tuple[Admin, ...] = ()
    approval_policy: str = "production"
    revocations_refresh: int = 60
    verify_revocations: bool = False
    trusted_proxies: Tuple[Network, ...] = ()
    clock_file: Optional[Path] = None
    key_retention: int = 3600
    default_org: str = "org_demo"
    token_failure_burst: int = 10
    token_failure_refill_seconds: int = 6
    rate_limit_max_keys: int = 10_000
    jwks_url: Optional[str] = None
    console_dir: Optional[Path] = None

    def __post_init__(self) -> None:
        if self.console_dir is not None and not (self.console_dir / "index.html").is_file():
            raise ConfigError(f"CREDGATE_CONSOLE_DIR must be a folder holding index.html (build it with"
                              f" `make build-console`), not `{str(self.console_dir)[:200]}`")
        if self.approval_policy not in APPROVAL_POLICIES:
            raise ConfigError(f"CREDGATE_APPROVAL_POLICY must be always, production or never,"
                              f" not `{self.approval_policy[:20]}`")
        if self.jwks_url is not None:
            if not self.jwks_url.lower().startswith(("https://", "http://")):
                raise ConfigError(f"CREDGATE_JWKS_URL must be an http(s) URL, not `{self.jwks_url[:60]}`")
            if self.verify_revocations:
                raise ConfigError("CREDGATE_VERIFY_REVOCATIONS checks the local revocation list, signed with the"
                                  " local keys; with CREDGATE_JWKS_URL the routes trust other keys: unset one")

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        e = os.environ if env is None else env
        clock = e.get("CREDGATE_CLOCK_FILE")
        proxies = parse_trusted_proxies(e.get("CREDGATE_TRUSTED_PROXIES", ""))
        if e.get("CREDGATE_TRUST_PROXY", "") not in ("", "0") and not proxies:
            raise ConfigError("CREDGATE_TRUST_PROXY is set but CREDGATE_TRUSTED_PROXIES is empty: list the"
                              " addresses of your reverse proxies (e.g. 10.0.0.5,10.1.0.0/16)")
        if e.get("CREDGATE_ADMIN_TOKEN"):
            raise ConfigError("CREDGATE_ADMIN_TOKEN (one shared admin secret) is replaced by CREDGATE_ADMINS:"
                              " one `id:role:sha256-of-token` entry per administrator; create each with"
                              f" {SUGGEST_TOKEN}")
        return cls(
            db_path=Path(e.get("CREDGATE_DB", "credgate-backend.sqlite3")),
            issuer=e.get("CREDGATE_ISSUER", cls.issuer),
            audience=e.get("CREDGATE_AUDIENCE", cls.audience),
            admins=parse_admins(e.get("CREDGATE_ADMINS", "")),
            approval_policy=e.get("CREDGATE_APPROVAL_POLICY") or cls.approval_policy,
            revocations_refresh=_int(e, "CREDGATE_REVOCATIONS_REFRESH", cls.revocations_refresh, 0),
            verify_revocations=e.get("CREDGATE_VERIFY_REVOCATIONS", "") not in ("", "0"),
            trusted_proxies=proxies,
            clock_file=Path(clock) if clock else None,
            key_retention=_int(e, "CREDGATE_KEY_RETENTION", 3600, 0),
            default_org=e.get("CREDGATE_ORG", cls.default_org),
            token_failure_burst=_int(e, "CREDGATE_TOKEN_FAILURE_BURST", cls.token_failure_burst, 1),
            token_failure_refill_seconds=_int(e, "CREDGATE_TOKEN_FAILURE_REFILL", cls.token_failure_refill_seconds, 1),
            jwks_url=e.get("CREDGATE_JWKS_URL") or None,
            console_dir=Path(e["CREDGATE_CONSOLE_DIR"]) if e.get("CREDGATE_CONSOLE_DIR") else None,
        )

    def now(self) -> int:
        """The current time in Unix seconds (the clock file when configured)."""
        if self.clock_file is not None:
            return int(self.clock_file.read_text().strip())
        return int(time.time())
