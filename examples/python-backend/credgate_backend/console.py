"""Serving the admin console: the static folder of ``CREDGATE_CONSOLE_DIR`` at ``/console/``,
every response under that path with a strict Content-Security-Policy and the other
hardening headers, and the MIME types a browser insists on for modules and WebAssembly.

This module owns only the serving. It must never serve a file outside the folder (Starlette's
``StaticFiles`` resolves each path and refuses one that leaves it, ``..`` and symlinks
included), never generate HTML (the console is the folder as built), and never loosen the
policy for one file: the console has no inline scripts or styles, so none are allowed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/console"

CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:;"
       " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
# Set explicitly rather than left to the `mimetypes` table, which depends on the system
# (/etc/mime.types) and, on some, maps .js to application/javascript or lacks .wasm;
# `WebAssembly.instantiateStreaming` refuses anything but application/wasm.
MEDIA_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


class ConsoleFiles(StaticFiles):
    """``StaticFiles`` over the console folder (``index.html`` for ``/console/``), with the
    media types of :data:`MEDIA_TYPES`."""

    def file_response(self, full_path: Union[str, "os.PathLike[str]"], stat_result: os.stat_result,
                      scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = MEDIA_TYPES.get(Path(full_path).suffix.lower())
        if media_type is not None and response.status_code != 304:
            response.headers["content-type"] = media_type
        return response


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class ConsoleHeaders:
    """ASGI middleware: the console's headers on every response under ``/console`` (files,
    redirects and 404s alike, which are made outside the mounted app)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console_path(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = set(HEADERS)
                raw = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in names]
                raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, with_headers)
