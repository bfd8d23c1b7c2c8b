"""What the service accepts from a request before credgate sees it: a body read only up to
a limit, strict and shallow JSON, and the client address behind trusted proxies.

Every refusal is a :class:`ClientError` (HTTP 400 ``invalid_request`` unless it says
otherwise), which ``app.py`` renders as JSON. Nothing here answers 500 for client input.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Dict, List, NoReturn, Optional, Sequence, Tuple, Union

from starlette.requests import Request

from .config import Network

# Bodies of the JSON routes (admin API, vault and key creation). The token endpoint uses
# credgate.MAX_BODY_BYTES (16 KiB) instead.
MAX_JSON_BODY_BYTES = 64 * 1024
# The core refuses JSON nested deeper than this (SPEC §9); Python's json module would
# recurse until RecursionError, so the depth is measured before it parses.
MAX_JSON_DEPTH = 128

Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

_DIGITS = re.compile(r"[0-9]+")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


class ClientError(Exception):
    """A request refused for what the client sent: ``status`` with an OAuth-style JSON body."""

    def __init__(self, description: str, *, status: int = 400, error: str = "invalid_request",
                 headers: Optional[Dict[str, str]] = None, extra: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}
        self.extra = extra or {}  # more members of the JSON body (a spec's problems)


class BodyTooLarge(ClientError):
    """The body is over the limit; the rest of it is never read, so the connection must end."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes", headers={"Connection": "close"})


def declared_length(request: Request) -> Optional[int]:
    """The ``Content-Length`` (the server has already refused a malformed or repeated one)."""
    value = request.headers.get("content-length")
    return int(value) if value is not None and _DIGITS.fullmatch(value) else None


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or :class:`BodyTooLarge` as soon as it is known to exceed ``limit``: from
    ``Content-Length`` before reading, or after reading one chunk past the limit."""
    length = declared_length(request)
    if length is not None and length > limit:
        raise BodyTooLarge(limit)
    chunks: List[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError(f"duplicate member `{name}`")
        out[name] = value
    return out


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"`{name}` is not JSON")


def json_depth_exceeds(text: bytes, limit: int) -> bool:
    """True when arrays/objects in ``text`` nest deeper than ``limit``: brackets are counted
    outside string literals, in one linear pass without recursion. Malformed text may be
    judged either way here; the parser that runs next refuses it."""
    depth = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b'""', text)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def parse_json_object(body: bytes) -> Dict[str, Any]:
    """Strict JSON (UTF-8, no duplicate members, no NaN/Infinity, at most ``MAX_JSON_DEPTH``
    levels) holding an object; else :class:`ClientError`."""
    if json_depth_exceeds(body, MAX_JSON_DEPTH):
        raise ClientError(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ClientError(f"the body is not strict JSON: {e}") from None
    if not isinstance(value, dict):
        raise ClientError("the body must be a JSON object")
    return value


async def read_json_object(request: Request) -> Dict[str, Any]:
    """The JSON object body of an admin or API request, bounded in size and depth."""
    return parse_json_object(await read_body(request, MAX_JSON_BODY_BYTES))


def _in(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in net for net in networks)


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The client's IP address.

    The TCP peer, unless the peer is one of ``trusted_proxies``: then the ``X-Forwarded-For``
    entries are read from the right (each proxy appends the address it received from), the
    trusted proxies among them skipped, and the first other entry is the client (the
    left-most when all are trusted). Several ``X-Forwarded-For`` lines, or an entry that is
    not a bare IP address, are ambiguous and refused; a client can write the header, only
    the proxy's appended part is believed. The server's own proxy-header handling (uvicorn
    ``--proxy-headers``) must be off, or the peer seen here is already rewritten.
    """
    peer = request.client.host if request.client else ""
    try:
        peer_address = ipaddress.ip_address(peer)
    except ValueError:
        return peer  # not an IP peer (a Unix socket): nothing to trust
    if not _in(peer_address, trusted_proxies):
        return peer
    lines = request.headers.getlist("x-forwarded-for")
    if not lines:
        return peer  # the proxy itself calling
    if len(lines) > 1:
        raise ClientError("several X-Forwarded-For header lines: send one, comma-separated")
    entries: List[Address] = []
    for entry in lines[0].split(","):
        try:
            entries.append(ipaddress.ip_address(entry.strip()))
        except ValueError:
            raise ClientError("an X-Forwarded-For entry is not an IP address") from None
    for address in reversed(entries):
        if not _in(address, trusted_proxies):
            return str(address)
    return str(entries[0])
