"""Optional API key: when configured, every route but /health and /login requires `X-API-Key`.

A pure ASGI middleware (not BaseHTTPMiddleware) so streamed SSE and file responses pass
through untouched. The comparison is constant-time.
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send

API_KEY_HEADER = b"x-api-key"
# /login is a static page a browser opens by navigation (no header possible); it asks for
# the key and sends it as X-API-Key on every API call it makes.
OPEN_PATHS = frozenset({"/health", "/login"})


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self._key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(API_KEY_HEADER, b"")
        if hmac.compare_digest(given, self._key):
            await self.app(scope, receive, send)
            return
        detail = "Missing X-API-Key header" if not given else "Invalid X-API-Key header"
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
