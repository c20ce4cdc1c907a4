"""The history service: an SSE stream of a dialog's messages, oldest first, served from
the exact cache where it covers the range and from Telegram where it does not.

`open_history` does everything that can fail with a real HTTP status BEFORE the first
byte: it validates, plans the range against the coverage, and, when Telegram is needed,
connects, resolves the dialog and waits for the first Telegram page (so an unknown dialog
is a 404, a private one a 403, a flood wait a 429 with Retry-After). The returned
`HistoryStream` then produces frames lazily: cached segments are read in keyset pages,
fetched segments page by page (stored, indexed and covered as they arrive), so memory is
flat whatever the range. A failure after the first byte ends the stream with an
`event: error` frame; what was sent and stored stays valid.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from typing import Any, TypeVar

from tgscraper.container import Container
from tgscraper.errors import RateLimited, ServiceError
from tgscraper.history.coverage import Segment, plan
from tgscraper.history.dates import HistoryRange, format_date
from tgscraper.history.fetcher import Page, resolve, walk
from tgscraper.history.limits import Budget
from tgscraper.history.prefetch import Prefetch
from tgscraper.history.record import MessageRecord
from tgscraper.history.sse import event_frame, messages_frame
from tgscraper.history.store import (
    CachedMessage,
    MessageCache,
    message_id_of,
    message_sk,
    sk_after,
    sk_ceiling,
    sk_floor,
)
from tgscraper.media.index import MediaIndex
from tgscraper.storage.ports import StorageError

log = logging.getLogger("tgscraper.history")

COVERAGE_SAFETY = 2
"""Seconds before the start of a walk up to which coverage may extend: a message sent
while the walk runs has a later date, so it is never inside a range marked complete."""
_CACHE_BATCH = 512
_T = TypeVar("_T")


@dataclass(frozen=True)
class HistoryQuery:
    username: str
    dialog_id: int
    range: HistoryRange
    chunk_size: int = 100
    force_refresh: bool = False


class _BudgetStop(Exception):
    """The response budget is spent: end with a continuation event."""


def _take(iterator: Iterator[CachedMessage], n: int) -> list[CachedMessage]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out


def _parse_sk_date(sk: str) -> int:
    return calendar.timegm(time.strptime(sk[:19], "%Y-%m-%dT%H:%M:%S"))


class HistoryStream:
    def __init__(
        self, container: Container, query: HistoryQuery, segments: list[Segment], budget: Budget
    ) -> None:
        self._container = container
        self._query = query
        self._segments = segments
        self._budget = budget
        self._cache = MessageCache(container.stores.messages, query.username, query.dialog_id)
        self._media = MediaIndex(container.stores.media)
        self._stack = AsyncExitStack()
        self._client: Any = None
        self._peer: Any = None
        self._prefetches: dict[int, Prefetch] = {}
        self._pending: list[str] = []
        self._last: MessageRecord | str | None = None
        self._closed = False
        # SQLite answers in well under a millisecond per call: run it inline, where it
        # overlaps Telegram's round trip for free. A thread would cost more than it saves:
        # the GIL hand-off back to the event loop can take a whole switch interval (5 ms).
        # DynamoDB calls are network round trips: those go to a worker thread.
        self._inline_storage = container.settings.storage_backend == "embedded"

    async def _io(self, fn: Callable[..., _T], *args: Any) -> _T:
        if self._inline_storage:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)

    @property
    def uses_telegram(self) -> bool:
        return any(s.kind == "fetch" for s in self._segments)

    # -- before the first byte -----------------------------------------------------
    async def prepare(self) -> None:
        first = next((i for i, s in enumerate(self._segments) if s.kind == "fetch"), None)
        if first is None:
            return  # fully covered: no Telegram call at all
        provider = self._container.telegram
        client = await self._stack.enter_async_context(provider.client(self._query.username))
        # Flood waits are reported to the caller, never slept through inside a request.
        client.flood_sleep_threshold = 0
        self._client = client
        self._peer = await resolve(client, self._query.dialog_id)
        await self._prefetch(first).peek()

    def _prefetch(self, index: int) -> Prefetch:
        found = self._prefetches.get(index)
        if found is None:
            seg = self._segments[index]
            pages = walk(
                self._client,
                self._peer,
                owner=self._query.username,
                dialog_id=self._query.dialog_id,
                lo=seg.lo,
                hi=seg.hi,
            )
            found = self._prefetches[index] = Prefetch(pages)
        return found

    # -- the stream ------------------------------------------------------------------
    async def frames(self) -> AsyncGenerator[bytes, None]:
        try:
            for index, seg in enumerate(self._segments):
                if seg.kind == "cached":
                    # Start the next Telegram walk now so it overlaps the cached part.
                    if index + 1 < len(self._segments) and self._client is not None:
                        self._prefetch(index + 1)
                    async with aclosing(self._cached(seg)) as frames:
                        async for frame in frames:
                            yield frame
                else:
                    async with aclosing(self._fetched(index, seg)) as frames:
                        async for frame in frames:
                            yield frame
            if self._pending:
                yield self._flush()
        except _BudgetStop:
            if self._pending:
                yield self._flush()
            yield event_frame("continue", self._continuation())
        except ServiceError as exc:
            if self._pending:
                yield self._flush()
            yield self._error_frame(exc)
        except StorageError as exc:
            log.error("history stream of dialog %s: storage failed: %s", self._query.dialog_id, exc)
            if self._pending:
                yield self._flush()
            detail = "Storage is temporarily unavailable; retry shortly"
            yield event_frame("error", {"detail": detail, "retry_after": 1, "status": 503})
        except Exception:
            log.exception("history stream of dialog %s failed", self._query.dialog_id)
            if self._pending:
                yield self._flush()
            yield event_frame("error", {"detail": "Internal server error", "retry_after": None})
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for prefetch in self._prefetches.values():
            await prefetch.close()
        with contextlib.suppress(Exception):
            await self._stack.aclose()

    # -- segments --------------------------------------------------------------------
    async def _cached(self, seg: Segment) -> AsyncGenerator[bytes, None]:
        rng = self._query.range
        after = rng.after_id if seg.lo == rng.start else 0
        rows = self._cache.scan(seg.lo, seg.hi, after_id=after)
        while True:
            batch = await self._io(_take, rows, _CACHE_BATCH)
            for row in batch:
                frame = self._add(row.json, row.sk)
                if frame is not None:
                    yield frame
            if len(batch) < _CACHE_BATCH:
                return

    async def _fetched(self, index: int, seg: Segment) -> AsyncGenerator[bytes, None]:
        prefetch = self._prefetch(index)
        rng = self._query.range
        after = rng.after_id if seg.lo == rng.start else 0
        cover_limit = min(seg.hi, prefetch.started_at - COVERAGE_SAFETY)
        span_from = sk_floor(seg.lo)
        while True:
            if self._pending and not prefetch.ready():
                # About to wait for Telegram: send what we hold instead of sitting on it.
                yield self._flush()
            page = await prefetch.get()
            stopped = False
            try:
                for record in page.records:
                    if record.date == seg.lo and record.id <= after:
                        continue
                    frame = self._add(record.json, record)
                    if frame is not None:
                        yield frame
            except _BudgetStop:
                stopped = True
            # The page is complete from Telegram: store it even if the budget stopped us.
            if page.done:
                span_to, covered_to = sk_ceiling(seg.hi), seg.hi
            else:
                last = page.records[-1]
                span_to, covered_to = message_sk(last), last.date - 1
            await self._io(
                self._store, page, span_from, span_to, seg.lo, min(covered_to, cover_limit)
            )
            if stopped:
                raise _BudgetStop
            if page.done:
                return
            last = page.records[-1]
            span_from = sk_after(last.date, last.id)

    def _store(self, page: Page, span_from: str, span_to: str, lo: int, hi: int) -> None:
        # Order matters for a reader at any moment: media entries before the messages
        # that name their uuids, messages before the coverage that vouches for them.
        entries = [r.media for r in page.records if r.media is not None]
        if entries:
            self._media.put_many(entries)
        self._cache.store_page(page.records, replace_from=span_from, replace_to=span_to)
        if hi >= lo:
            self._cache.add_coverage(lo, hi)

    # -- chunking --------------------------------------------------------------------
    def _add(self, message_json: str, position: MessageRecord | str) -> bytes | None:
        # The first message of a response is always admitted: every response makes
        # progress, so following continuations always ends.
        if self._budget.limited and not self._budget.admit(message_json) and self._last is not None:
            raise _BudgetStop
        self._pending.append(message_json)
        self._last = position
        if len(self._pending) >= self._query.chunk_size:
            return self._flush()
        return None

    def _flush(self) -> bytes:
        frame = messages_frame(self._pending)
        self._pending = []
        return frame

    def _continuation(self) -> dict[str, Any]:
        rng = self._query.range
        last = self._last
        if last is None:
            start, after = rng.start, rng.after_id
        elif isinstance(last, str):
            start, after = _parse_sk_date(last), message_id_of(last)
        else:
            start, after = last.date, last.id
        return {
            "next_start_date": format_date(start),
            "after_id": after,
            "end_date": format_date(rng.end),
            "detail": "Response size/time limit reached: repeat the request with "
            "start_date=next_start_date, after_id and end_date to continue",
        }

    @staticmethod
    def _error_frame(exc: ServiceError) -> bytes:
        retry = exc.retry_after if isinstance(exc, RateLimited) else None
        return event_frame(
            "error", {"detail": exc.detail, "retry_after": retry, "status": exc.status_code}
        )


async def open_history(container: Container, query: HistoryQuery, budget: Budget) -> HistoryStream:
    """Plan the range and do all pre-stream work; raises ServiceError (a real status)."""
    cache = MessageCache(container.stores.messages, query.username, query.dialog_id)
    rng = query.range
    if query.force_refresh:
        segments = [Segment("fetch", rng.start, rng.end)]
    else:
        segments = plan(rng.start, rng.end, await asyncio.to_thread(cache.coverage))
    stream = HistoryStream(container, query, segments, budget)
    try:
        await stream.prepare()
    except BaseException:
        await stream.aclose()
        raise
    return stream
