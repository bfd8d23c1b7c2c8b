"""credgate-backend: a small wallet API that issues and checks credgate access tokens.

- ``POST /oauth/token`` — OAuth 2.0 client credentials (RFC 6749 §4.4).
- ``/admin/...`` — credential administration and signing-key rotation (admin bearer secret).
- ``/v1/vaults...`` — protected routes; every call is authorized by credgate and audited.
- ``GET /.well-known/jwks.json`` — the public signing keys.

All decisions are credgate's; this package does HTTP, SQLite, the clock and configuration.
"""

from .app import create_app
from .config import Settings

__all__ = ["Settings", "create_app"]
