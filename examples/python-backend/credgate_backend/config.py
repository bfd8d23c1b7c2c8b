"""Configuration: the settings read from ``CREDGATE_*`` variables, the checks that refuse a
dangerous configuration at start-up (a weak admin secret, a proxy trusted without saying
which), and the service's clock."""

from __future__ import annotations

import ipaddress
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

ADMIN_TOKEN_MIN_LENGTH = 32
ADMIN_TOKEN_MIN_DISTINCT = 10
# Words of documentation examples and placeholders; a secret containing one was typed, not drawn.
ADMIN_TOKEN_PLACEHOLDERS = ("changeme", "replaceme", "example", "placeholder", "password", "secret", "admintoken")
SUGGEST_TOKEN = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class ConfigError(ValueError):
    """A configuration the service refuses to start with; the message says what to set."""


def check_admin_token(token: str) -> None:
    """Raise :class:`ConfigError` for a weak admin secret: shorter than 32 characters, fewer
    than 10 distinct characters, or containing a placeholder word. The secret itself is
    never part of the message."""
    normalized = token.lower().replace("-", "").replace("_", "")
    if len(token) < ADMIN_TOKEN_MIN_LENGTH:
        problem = f"is shorter than {ADMIN_TOKEN_MIN_LENGTH} characters"
    elif len(set(token)) < ADMIN_TOKEN_MIN_DISTINCT:
        problem = f"has fewer than {ADMIN_TOKEN_MIN_DISTINCT} distinct characters"
    elif any(word in normalized for word in ADMIN_TOKEN_PLACEHOLDERS):
        problem = "contains a placeholder word (change-me, example, secret, ...)"
    else:
        return
    raise ConfigError(
        f"CREDGATE_ADMIN_TOKEN {problem}; use a random secret, e.g. the output of {SUGGEST_TOKEN}"
    )


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
    - ``CREDGATE_ADMIN_TOKEN``: the admin API's bearer secret, at least 32 random characters
      (``check_admin_token``). Unset = the admin API is off (503); it is never generated or logged.
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
    """

    db_path: Path = Path("credgate-backend.sqlite3")
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "credgate-example-api"
    admin_token: Optional[str] = field(default=None, repr=False)
    trusted_proxies: Tuple[Network, ...] = ()
    clock_file: Optional[Path] = None
    key_retention: int = 3600
    default_org: str = "org_demo"
    token_failure_burst: int = 10
    token_failure_refill_seconds: int = 6
    rate_limit_max_keys: int = 10_000

    def __post_init__(self) -> None:
        if self.admin_token is not None:
            check_admin_token(self.admin_token)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        e = os.environ if env is None else env
        clock = e.get("CREDGATE_CLOCK_FILE")
        proxies = parse_trusted_proxies(e.get("CREDGATE_TRUSTED_PROXIES", ""))
        if e.get("CREDGATE_TRUST_PROXY", "") not in ("", "0") and not proxies:
            raise ConfigError("CREDGATE_TRUST_PROXY is set but CREDGATE_TRUSTED_PROXIES is empty: list the"
                              " addresses of your reverse proxies (e.g. 10.0.0.5,10.1.0.0/16)")
        return cls(
            db_path=Path(e.get("CREDGATE_DB", "credgate-backend.sqlite3")),
            issuer=e.get("CREDGATE_ISSUER", cls.issuer),
            audience=e.get("CREDGATE_AUDIENCE", cls.audience),
            admin_token=e.get("CREDGATE_ADMIN_TOKEN") or None,
            trusted_proxies=proxies,
            clock_file=Path(clock) if clock else None,
            key_retention=_int(e, "CREDGATE_KEY_RETENTION", 3600, 0),
            default_org=e.get("CREDGATE_ORG", cls.default_org),
            token_failure_burst=_int(e, "CREDGATE_TOKEN_FAILURE_BURST", cls.token_failure_burst, 1),
            token_failure_refill_seconds=_int(e, "CREDGATE_TOKEN_FAILURE_REFILL", cls.token_failure_refill_seconds, 1),
        )

    def now(self) -> int:
        """The current time in Unix seconds (the clock file when configured)."""
        if self.clock_file is not None:
            return int(self.clock_file.read_text().strip())
        return int(time.time())
