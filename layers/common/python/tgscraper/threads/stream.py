"""A thread as the history's SSE stream: a forum topic (GET /history/{id}?topic_id=) or
a channel post's comments (GET /history/{channel}/replies/{post}).

Served from Telegram on every request (`messages.getReplies`, page by page, oldest
first), never from the dialog cache: the cache's coverage says "every message of the
dialog in this range is stored", which a thread's pages cannot prove for the dialog
(docs/messages.md has the cost). Frames are the history's: the same Chunker (exactly
`chunk_size` messages a frame, `id:` lines, Last-Event-ID, the Lambda budget and its
`event: continue`) and the same `event: end` / `event: error` frames. Media of the
thread's messages are indexed as they stream, so /api/v3/files/{uuid} serves them.

`open_thread` does all that can fail with a real status before the first byte:
resolving the dialog (404/403), checking the post or topic (404, 400), and the first
Telegram page (429, 502).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from tgscraper.container import Container
from tgscraper.errors import NotFound
from tgscraper.history.chunker import BudgetSpent, Chunker
from tgscraper.history.dates import HistoryRange
from tgscraper.history.emitter import error_payload
from tgscraper.history.extended import shape
from tgscraper.history.fetcher import Page, resolve
from tgscraper.history.limits import Budget
from tgscraper.history.prefetch import Prefetch
from tgscraper.history.query import storage_call
from tgscraper.history.sse import event_frame
from tgscraper.media.index import MediaIndex
from tgscraper.threads.target import Thread, comments_of, topic_of
from tgscraper.threads.walk import walk_thread

log = logging.getLogger("tgscraper.threads")

_MAX_PEER_ID = 2**62
_T = TypeVar("_T")


@dataclass(frozen=True)
class ThreadQuery:
    username: str
    dialog_id: int
    """The dialog asked for: the channel (comments) or the forum (a topic)."""
    kind: Literal["comments", "topic"]
    top_id: int
    """The post id (comments) or the topic id."""
    range: HistoryRange
    chunk_size: int = 100
    extended: bool = False
    resume_after: int = 0


class ThreadStream:
    def __init__(self, container: Container, query: ThreadQuery, budget: Budget) -> None:
        self._container = container
        self._query = query
        self._media = MediaIndex(container.stores.media)
        self._stack = AsyncExitStack()
        self._chunks = Chunker(query.chunk_size, budget, query.range, query.resume_after)
        self._pages: Prefetch | None = None
        self._closed = False

    async def _io(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await storage_call(self._container, fn, *args)

    async def prepare(self) -> None:
        q = self._query
        if q.range.empty:
            return  # nothing can be in the range: only the end event, no Telegram call
        client = await self._stack.enter_async_context(self._container.telegram.client(q.username))
        client.flood_sleep_threshold = 0  # a flood wait is a 429, never slept through
        peer = await resolve(client, q.dialog_id)
        if q.kind == "comments":
            thread: Thread = await comments_of(client, peer, q.dialog_id, q.top_id)
        else:
            thread = await topic_of(client, peer, q.dialog_id, q.top_id)
        pages = walk_thread(
            client,
            thread.peer,
            thread.msg_id,
            owner=q.username,
            home_id=thread.home_id,
            lo=q.range.start,
            hi=q.range.end,
        )
        self._pages = Prefetch(pages)
        await self._pages.peek()

    async def frames(self) -> AsyncGenerator[bytes, None]:
        try:
            while self._pages is not None:
                page = await self._pages.get()
                await self._index_media(page)
                for frame in self._take(page):
                    yield frame
                if page.done:
                    break
            if self._chunks.pending:
                yield self._chunks.flush()
            yield self._chunks.end()
        except BudgetSpent:
            if self._chunks.pending:
                yield self._chunks.flush()
            yield event_frame("continue", self._chunks.continuation())
        except Exception as exc:
            if self._chunks.pending:
                yield self._chunks.flush()
            yield self._error_frame(exc)
        finally:
            await self.aclose()

    def _take(self, page: Page) -> Iterator[bytes]:
        """The page's full frames, one by one: a BudgetSpent raised by the chunker comes
        after every frame completed before it."""
        rng = self._query.range
        for record in page.records:
            if record.date == rng.start and record.id <= rng.after_id:
                continue  # a continuation: the client has these
            text = shape(record.json, record.extended) if self._query.extended else record.json
            frame = self._chunks.add(text, record)
            if frame is not None:
                yield frame

    async def _index_media(self, page: Page) -> None:
        # Before the frames naming their uuids go out: a client may ask /files at once.
        entries = [r.media for r in page.records if r.media is not None]
        if entries:
            await self._io(self._media.put_many, entries)

    def _error_frame(self, exc: Exception) -> bytes:
        return event_frame("error", error_payload(exc, f"thread of dialog {self._query.dialog_id}"))

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pages is not None:
            await self._pages.close()
        with contextlib.suppress(Exception):
            await self._stack.aclose()


async def open_thread(container: Container, query: ThreadQuery, budget: Budget) -> ThreadStream:
    """Check the request and get the first page; raises ServiceError (a real status)."""
    if not -_MAX_PEER_ID <= query.dialog_id <= _MAX_PEER_ID:
        raise NotFound(f"Dialog {query.dialog_id} not found")
    stream = ThreadStream(container, query, budget)
    try:
        await stream.prepare()
    except BaseException:
        await stream.aclose()
        raise
    return stream
