"""The SSE writer: sends a stream's frames to one client, and stops as soon as sending
is pointless. Frames themselves are formatted in `sse.py`.

Observed before this writer (plain StreamingResponse under uvicorn): a stream over cached
data never awaited real I/O, so the event loop never ran. An aborted stream went on
writing every remaining frame into the dead socket (uvicorn learns of a disconnect only
from a loop callback), and every other request waited for it to finish. Now, per frame:

- the writer yields to the event loop (`asyncio.sleep(0)`) after every frame once
  `YIELD_EVERY` (0.5 ms) of work has passed since the last yield: other requests never
  wait longer than that for the stream, and a client's disconnect is processed;
- a disconnect (the ASGI `http.disconnect` message, watched by a task, or a failing send)
  stops the stream before its next frame; the frame source is closed at once, which
  releases the Telegram client and the account lease;
- a send that does not complete within `stall_seconds` (a client that stopped reading:
  the socket buffers are full) stops the stream the same way and closes the
  connection, so a stalled reader holds the account for at most that long;
- when the server shuts down (`draining`, set by the local runner), the stream ends
  with an `event: error` frame (503, retry_after 1) instead of running on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from tgscraper.history.sse import event_frame

log = logging.getLogger("tgscraper.history")

YIELD_EVERY = 0.0005
"""Seconds of frame production between two yields to the event loop: every frame of
100 messages, every few of 1 message (a yield per 60-microsecond frame would halve the
chunk_size=1 rate for nothing)."""

SHUTDOWN_ERROR = {
    "detail": "The server is shutting down; retry shortly",
    "retry_after": 1,
    "status": 503,
}


def draining_flag(scope: Scope) -> threading.Event | None:
    """The app's "shutting down" flag (tgscraper.api.app_factory), if it has one."""
    app: Any = scope.get("app")
    flag = getattr(getattr(app, "state", None), "draining", None)
    return flag if isinstance(flag, threading.Event) else None


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` response over an async iterator of complete SSE frames.

    An export passes its own `media_type` and `shutdown_frame` (makes its encoder's
    error record): the writer's guarantees are the same for every framing."""

    def __init__(
        self,
        frames: AsyncIterator[bytes],
        *,
        stall_seconds: float,
        headers: dict[str, str] | None = None,
        media_type: str = "text/event-stream",
        shutdown_frame: Callable[[], bytes] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(frames, media_type=media_type, headers=headers, **kwargs)
        self.stall_seconds = stall_seconds
        self.shutdown_frame = shutdown_frame or (lambda: event_frame("error", SHUTDOWN_ERROR))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()
        watcher = asyncio.get_running_loop().create_task(_watch_disconnect(receive, gone))
        draining = draining_flag(scope)
        try:
            start = {"type": "http.response.start", "status": self.status_code}
            if await self._send(send, {**start, "headers": self.raw_headers}):
                await self._frames(send, gone, draining)
        finally:
            watcher.cancel()
            if self.background is not None:
                await self.background()

    async def _frames(
        self, send: Send, gone: asyncio.Event, draining: threading.Event | None
    ) -> None:
        frames = self.body_iterator
        last_yield = time.perf_counter()
        async with aclosing(frames):  # type: ignore[type-var]
            async for chunk in frames:
                frame = bytes(chunk) if not isinstance(chunk, str) else chunk.encode()
                if gone.is_set():
                    return
                if draining is not None and draining.is_set():
                    frame = self.shutdown_frame()
                    if await self._body(send, frame, more=True):
                        await self._body(send, b"", more=False)
                    return
                if not await self._body(send, frame, more=True):
                    return
                now = time.perf_counter()
                if now - last_yield >= YIELD_EVERY:
                    # Let the loop run: other requests, and the disconnect watcher.
                    await asyncio.sleep(0)
                    last_yield = time.perf_counter()
        if not gone.is_set():
            await self._body(send, b"", more=False)

    async def _body(self, send: Send, data: bytes, *, more: bool) -> bool:
        return await self._send(
            send, {"type": "http.response.body", "body": data, "more_body": more}
        )

    async def _send(self, send: Send, message: dict[str, Any]) -> bool:
        """Send within the stall bound; False when the stream must stop here."""
        try:
            async with asyncio.timeout(self.stall_seconds):
                await send(message)  # type: ignore[arg-type]
        except TimeoutError:
            log.warning(
                "SSE client read nothing for %s s: stream stopped, connection closed",
                self.stall_seconds,
            )
            return False
        except OSError:
            return False  # ASGI 2.4 servers report a disconnect this way
        return True
