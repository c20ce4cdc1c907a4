"""The local runner's HTTP server: uvicorn (h11), hardened for clients that misbehave.

Uvicorn alone has a keep-alive timeout but no header timeout (a client sending half a
request held its connection forever), no connection cap, answers malformed requests
with a text/plain 400, and waits for every open stream at shutdown (forever for an SSE
client that reads nothing). Here (values in the README's configuration table):

- `HTTP_HEADER_TIMEOUT`: a request head (request line + headers) must arrive whole
  within this many seconds of the connection opening or the previous response ending;
  otherwise a JSON 408 and the connection is closed.
- `HTTP_KEEP_ALIVE_TIMEOUT`: an idle keep-alive connection is closed after this long.
- `HTTP_MAX_CONNECTIONS`: connections beyond this many get a JSON 503 and are closed.
- h11's incomplete-event limit (`_MAX_HEAD_BYTES`, 64 KiB): a larger head is a 400.
- a request h11 rejects (NUL in a header or the target, a negative Content-Length, ...)
  gets the API's JSON `{"detail"}` 400 instead of uvicorn's text/plain one.
- `SHUTDOWN_GRACE_SECONDS`: on SIGTERM/SIGINT open SSE streams end at their next frame
  (`event: error`, status 503); whatever is still running after the grace period is
  cancelled, so the process always exits within it.
- `TRUSTED_PROXIES`: only these peers' X-Forwarded-For names the client; unset, the
  header is ignored (uvicorn's default believes any loopback peer).
Request bodies are capped in every app (tgscraper.api.guards, `MAX_BODY_BYTES`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from tgscraper.config import Settings

log = logging.getLogger("tgscraper.local")

_MAX_HEAD_BYTES = 64 * 1024


def _raw_json(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps({"detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class HardenedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a header timeout, a connection cap and JSON 400s."""

    header_timeout: float = 10.0
    max_connections: int = 256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning(
                "connection refused: %d open (cap %d)",
                len(self.connections) - 1,
                self.max_connections,
            )
            detail = "Too many open connections; retry shortly"
            transport.write(_raw_json(503, "Service Unavailable", detail))
            transport.close()
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # The head is complete once h11 left IDLE for this cycle: stop the clock.
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_timer()  # waiting for the next request's head

    def send_400_response(self, msg: str) -> None:
        # Same moment as uvicorn's (h11 refused the request), the API's error shape.
        detail = (
            "Invalid HTTP request: malformed request line, header (e.g. a NUL byte) "
            "or Content-Length"
        )
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            out = self.conn.send(
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
            )
            out = (out or b"") + (self.conn.send(h11.Data(data=body)) or b"")
            out += self.conn.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            out = _raw_json(400, "Bad Request", detail)
        self.transport.write(out)
        self.transport.close()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        pending, _ = self.conn.trailing_data
        if pending:  # half a request: say why it is dropped
            detail = f"Request header timeout: the request head took over {self.header_timeout} s"
            self.transport.write(_raw_json(408, "Request Timeout", detail))
        self.transport.close()


def _protocol_class(settings: Settings) -> type[HardenedH11Protocol]:
    return type(
        "ConfiguredH11Protocol",
        (HardenedH11Protocol,),
        {
            "header_timeout": float(settings.http_header_timeout),
            "max_connections": settings.http_max_connections,
        },
    )


def build_config(
    app: Any, settings: Settings, *, host: str, port: int, **kwargs: Any
) -> uvicorn.Config:
    """The uvicorn configuration `python -m local serve` runs (tests use it too)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_protocol_class(settings),
        timeout_keep_alive=settings.http_keep_alive_timeout,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        h11_max_incomplete_event_size=_MAX_HEAD_BYTES,
        # X-Forwarded-For rewrites the client address only when sent by a configured
        # proxy (uvicorn's own default trusts any loopback peer): the QR start limits
        # key on that address, and a spoofed header must not pick a fresh bucket.
        proxy_headers=settings.trusted_proxies is not None,
        forwarded_allow_ips=settings.trusted_proxies or "",
        **kwargs,
    )


class Server(uvicorn.Server):
    """uvicorn.Server that tells open SSE streams the server is shutting down."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.app
        flag = getattr(getattr(app, "state", None), "draining", None)
        if isinstance(flag, threading.Event):
            flag.set()
        await super().shutdown(sockets)


def serve(app: Any, settings: Settings, *, host: str, port: int, log_level: str) -> None:
    Server(build_config(app, settings, host=host, port=port, log_level=log_level)).run()
