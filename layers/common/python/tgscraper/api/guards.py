"""Pure ASGI middlewares every app gets (Lambda handlers and the local runner alike):

- `CrashGuard`: an unexpected exception becomes a complete JSON 500 (`{"detail"}`), and
  the exception stops here. Starlette's ServerErrorMiddleware sends its 500 and then
  re-raises; uvicorn, seeing an exception after the response started, closed the
  keep-alive connection without `Connection: close`, so the client's next request on
  it failed with a reset. A failure after the first byte cannot be answered any more:
  then the connection is closed (re-raised), which tells the client the body is cut.
- `BodyLimit`: request bodies above `max_body_bytes` are a 413 (`Content-Length` checked
  before anything is read, chunked bodies counted as they arrive), with
  `Connection: close` so the unread rest is never parsed.
- `HeadAsGet`: `HEAD` on every GET route (RFC 9110 9.3.2): routed as GET, the same
  status and headers (Content-Length included), no body; a streamed body (SSE, files)
  is stopped after its headers instead of being produced for nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tgscraper.api")


async def send_json(send: Send, status: int, detail: str, *, close: bool = False) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class CrashGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                log.error(
                    "error after the response started on %s %s",
                    scope.get("method"),
                    scope.get("path"),
                    exc_info=exc,
                )
                raise
            log.exception(
                "unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc
            )
            await send_json(send, 500, "Internal server error")


class _TooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        # An HTTPException: FastAPI re-raises it from its body reading (any other error
        # there becomes a 400 "error parsing the body"), the error handlers shape it.
        super().__init__(
            413,
            f"Request body too large: at most {limit} bytes",
            headers={"Connection": "close"},
        )


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        # Only ASCII digits reach here: the HTTP parser (or API Gateway) rejects the rest.
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            detail = f"Request body too large: at most {self.max_bytes} bytes"
            await send_json(send, 413, detail, close=True)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


class _HeadDone(Exception):
    """Raised into a streaming response once its headers are out: stop producing."""


def _has_get_route(scope: Scope) -> bool:
    app: Any = scope.get("app")
    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return True
    return False


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        # A copy: the server keeps its own scope saying HEAD (uvicorn then sends no body).
        as_get = dict(scope, method="GET")
        if not _has_get_route(as_get):
            await self.app(scope, receive, send)
            return
        finished = False

        async def headers_only(message: Message) -> None:
            nonlocal finished
            if message["type"] != "http.response.body":
                await send(message)
                return
            if finished:
                return
            finished = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            if message.get("more_body", False):
                raise _HeadDone

        with contextlib.suppress(_HeadDone):
            await self.app(as_get, receive, headers_only)
