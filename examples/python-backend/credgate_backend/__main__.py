"""``python -m credgate_backend [--host H] [--port P]``: check the settings, then serve with
uvicorn (settings from the environment). ``--new-admin ID:ROLE`` prints a fresh admin bearer
token and its ``CREDGATE_ADMINS`` entry (the digest), and exits. ``--migrate`` upgrades the
database (``CREDGATE_DATABASE_URL``) to the newest schema revision and exits (the service
also does so when it starts; this is for a deployment step that runs before the processes).

uvicorn's own ``X-Forwarded-For`` handling is turned off: it would rewrite the peer address
for requests from its default trusted host (127.0.0.1) before the application sees them,
and trust is the application's to decide (``CREDGATE_TRUSTED_PROXIES``, ``inputs.py``).
"""

from __future__ import annotations

import argparse
import sys

import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from .config import ConfigError, Settings, new_admin
from .store import Store


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m credgate_backend", description="credgate example backend")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--new-admin", metavar="ID:ROLE",
                        help="print a new admin token and its CREDGATE_ADMINS entry, then exit")
    parser.add_argument("--migrate", action="store_true",
                        help="upgrade the database to the newest schema revision, then exit")
    args = parser.parse_args()
    if args.new_admin is not None:
        try:
            token, entry = new_admin(args.new_admin)
        except ConfigError as e:
            sys.exit(f"credgate_backend: {e}")
        print(f"token (give it to the admin, store it nowhere else): {token}")
        print(f"CREDGATE_ADMINS entry: {entry}")
        return
    try:
        settings = Settings.from_env()
    except ConfigError as e:
        sys.exit(f"credgate_backend: refusing to start: {e}")
    if args.migrate:
        try:
            store = Store(settings.database_url)
            print(f"database at revision {store.revision()}")
            store.close()
        except SQLAlchemyError as e:
            # The driver's own words (e.g. the server is not running); never the URL's password.
            sys.exit(f"credgate_backend: cannot migrate the database: {getattr(e, 'orig', None) or e}")
        return
    uvicorn.run("credgate_backend.app:app_from_env", factory=True, host=args.host, port=args.port,
                log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
