"""Configuration from the environment, and the service's clock."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional


@dataclass(frozen=True)
class Settings:
    """Service settings. ``from_env`` reads them from ``CREDGATE_*`` variables.

    - ``CREDGATE_DB``: SQLite file (default ``credgate-backend.sqlite3`` in the working folder).
    - ``CREDGATE_ISSUER`` / ``CREDGATE_AUDIENCE``: the tokens' ``iss`` and ``aud``.
    - ``CREDGATE_ADMIN_TOKEN``: the admin API's bearer secret. Unset = the admin API is off
      (503); it is never generated or logged.
    - ``CREDGATE_TRUST_PROXY``: ``1`` to take the client IP from the last ``X-Forwarded-For``
      entry (only behind a proxy you run); otherwise the TCP peer address is used.
    - ``CREDGATE_CLOCK_FILE``: a file holding Unix seconds, read on every request instead of
      the system clock. For tests and demos only (e.g. to let an hour pass at once).
    - ``CREDGATE_KEY_RETENTION``: seconds a retired signing key stays published (default
      3600, the token lifetime, so every token it signed still verifies).
    """

    db_path: Path = Path("credgate-backend.sqlite3")
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "credgate-example-api"
    admin_token: Optional[str] = None
    trust_proxy: bool = False
    clock_file: Optional[Path] = None
    key_retention: int = 3600
    default_org: str = "org_demo"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        e = os.environ if env is None else env
        clock = e.get("CREDGATE_CLOCK_FILE")
        return cls(
            db_path=Path(e.get("CREDGATE_DB", "credgate-backend.sqlite3")),
            issuer=e.get("CREDGATE_ISSUER", cls.issuer),
            audience=e.get("CREDGATE_AUDIENCE", cls.audience),
            admin_token=e.get("CREDGATE_ADMIN_TOKEN") or None,
            trust_proxy=e.get("CREDGATE_TRUST_PROXY", "") in ("1", "true", "yes"),
            clock_file=Path(clock) if clock else None,
            key_retention=int(e.get("CREDGATE_KEY_RETENTION", "3600")),
            default_org=e.get("CREDGATE_ORG", cls.default_org),
        )

    def now(self) -> int:
        """The current time in Unix seconds (the clock file when configured)."""
        if self.clock_file is not None:
            return int(self.clock_file.read_text().strip())
        return int(time.time())
