"""Optional API key: when configured, every route but /health and /login requires `X-API-Key`.

With AUTH_MODE=token the key is the operator's (docs/accounts.md): a request may carry an
access token instead (`Authorization: Bearer`, checked by the routes' identity
dependency), and the QR login routes are open (the flow's own id is the capability), so
people log in without the operator's key.

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
_LOGIN_PREFIX = "/api/v3/auth/qr"


def _token_mode_pass(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """Token mode: a bearer token (validated later, per route) or a QR login route."""
    if headers.get(b"authorization", b"")[:7].lower() == b"bearer ":
        return True
    path = str(scope.get("path") or "")
    return path == _LOGIN_PREFIX or path.startswith(_LOGIN_PREFIX + "/")


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, api_key: str, *, token_mode: bool = False) -> None:
        self.app = app
        self._key = api_key.encode()
        self._token_mode = token_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(API_KEY_HEADER, b"")
        if hmac.compare_digest(given, self._key) or (
            self._token_mode and not given and _token_mode_pass(scope, headers)
        ):
            await self.app(scope, receive, send)
            return
        detail = "Missing X-API-Key header" if not given else "Invalid X-API-Key header"
        if self._token_mode and not given:
            detail = (
                "Missing credentials: send your access token (Authorization: Bearer) or X-API-Key"
            )
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
