"""An OAuth client of the example backend, as an integrator would write one with Authlib: the
console's browser test runs it to prove that a secret copied from the one-time dialog really
works (and, after "Disable", that it no longer does).

It discovers the token endpoint from the RFC 8414 metadata
(``/.well-known/oauth-authorization-server``), fetches a token with
``authlib.integrations.httpx_client.OAuth2Client`` (client credentials, ``client_secret_basic``),
calls ``GET /v1/vaults`` with it, and prints ONE JSON line::

    {"token_status": 200, "token_error": null, "api_status": 200, "api_error": null,
     "access_token": "eyJ..."}

``--access-token`` skips the token request and calls the API with that token only
(``token_status`` is then null). The secret comes from ``CREDGATE_CLIENT_SECRET`` (never an
argument: it would show in the process list).

It owns nothing but this one client's round trip; it must never decide anything about a
token itself (what the server answers is what it prints) and never print the secret.

    CREDGATE_CLIENT_SECRET=... python api_client.py --base http://127.0.0.1:8000 --client-id cid_...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from typing import Any, Dict, List, Optional

import httpx
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

# Authlib 1.9 prefers the `httpx2` distribution and warns when it falls back to httpx (what the
# project's venv has); the warning is about Authlib's packaging, not about this client. Set
# after importing authlib.deprecate, whose own "always" filter would otherwise come first.
warnings.filterwarnings("ignore", message="the httpx module is deprecated", category=AuthlibDeprecationWarning)

from authlib.integrations.base_client.errors import OAuthError  # type: ignore[import-untyped]  # noqa: E402
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]  # noqa: E402

METADATA_PATH = "/.well-known/oauth-authorization-server"
TIMEOUT = 15.0


class DiscoveryError(RuntimeError):
    """The server's metadata does not offer what this client needs."""


def discover(base: str) -> str:
    """The token endpoint, from the RFC 8414 document; its issuer must be ``base`` (§3.3)."""
    response = httpx.get(base + METADATA_PATH, timeout=TIMEOUT)
    if response.status_code != 200:
        raise DiscoveryError(f"{METADATA_PATH} answered {response.status_code}")
    metadata = response.json()
    if metadata.get("issuer") != base:
        raise DiscoveryError(f"the metadata's issuer `{metadata.get('issuer')}` is not `{base}`")
    if "client_credentials" not in metadata.get("grant_types_supported", []):
        raise DiscoveryError("the server does not list the client_credentials grant")
    if "client_secret_basic" not in metadata.get("token_endpoint_auth_methods_supported", []):
        raise DiscoveryError("the server does not list client_secret_basic")
    endpoint = metadata.get("token_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise DiscoveryError("the metadata has no token_endpoint")
    return endpoint


def challenge_error(response: httpx.Response) -> Optional[str]:
    """The RFC 6750 ``error`` of a refusal: the JSON body's, else the challenge's."""
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return str(body["error"])
    except ValueError:
        pass
    challenge = response.headers.get("www-authenticate", "")
    marker = 'error="'
    if marker in challenge:
        error: str = challenge.split(marker, 1)[1].split('"', 1)[0]
        return error
    return None


def run(base: str, client_id: str, secret: Optional[str], access_token: Optional[str]) -> Dict[str, Any]:
    result: Dict[str, Any] = {"token_status": None, "token_error": None, "api_status": None,
                              "api_error": None, "access_token": None}
    # Authlib raises on a refused token request without its status; a response hook keeps it.
    token_statuses: List[int] = []

    def remember(response: httpx.Response) -> None:
        if response.request.method == "POST":
            token_statuses.append(response.status_code)

    with OAuth2Client(client_id, secret, token_endpoint_auth_method="client_secret_basic",
                      timeout=TIMEOUT, event_hooks={"response": [remember]}) as client:
        if access_token is None:
            endpoint = discover(base)
            try:
                token = client.fetch_token(endpoint, grant_type="client_credentials")
                result["access_token"] = token["access_token"]
            except OAuthError as e:
                result["token_error"] = e.error
            result["token_status"] = token_statuses[-1] if token_statuses else None
            if result["access_token"] is None:
                return result
        else:
            client.token = {"access_token": access_token, "token_type": "Bearer"}
            result["access_token"] = access_token
        api = client.get(base + "/v1/vaults")
        result["api_status"] = api.status_code
        if api.status_code >= 400:
            result["api_error"] = challenge_error(api)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="an Authlib client of the example backend: token, then GET /v1/vaults")
    parser.add_argument("--base", required=True, help="the backend's URL (its issuer), e.g. http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--access-token", help="call the API with this token only (no token request)")
    args = parser.parse_args()
    secret = os.environ.get("CREDGATE_CLIENT_SECRET")
    if args.access_token is None and not secret:
        sys.exit("api_client: set CREDGATE_CLIENT_SECRET (or give --access-token)")
    try:
        result = run(args.base.rstrip("/"), args.client_id, secret, args.access_token)
    except (DiscoveryError, httpx.HTTPError) as e:
        sys.exit(f"api_client: {e}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
