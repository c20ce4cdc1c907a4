"""The history service: an SSE stream of a dialog's messages, oldest first, served from
the exact cache where it covers the range and from Telegram where it does not.

`open_history` does everything that can fail with a real HTTP status BEFORE the first
byte: it validates, plans the range against the coverage, and, when Telegram is needed,
connects, resolves the dialog and waits for the first Telegram page (so an unknown dialog
is a 404, a private one a 403, a flood wait a 429 with Retry-After). The returned
`HistoryStream` then produces frames lazily: cached segments are read in keyset pages,
fetched segments page by page (stored, indexed and covered as they arrive), so memory is
flat whatever the range. Frames hold exactly `chunk_size` messages (the last one fewer),
cached or fetched: the chunker carries a part-filled frame across pages and segments, and
sends a frame as soon as it is full. A failure after the first byte ends the stream with an
`event: error` frame; what was sent and stored stays valid.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from tgscraper.container import Container
from tgscraper.errors import NotFound, RateLimited, ServiceError
from tgscraper.history.change_log import ChangeLog
from tgscraper.history.changes_overlay import ChangeOptions, ChangeOverlay
from tgscraper.history.chunker import BudgetSpent, Chunker, FrameEncoder
from tgscraper.history.coverage import Segment, plan
from tgscraper.history.dates import HistoryRange
from tgscraper.history.extended import shape
from tgscraper.history.fetcher import Page, resolve, walk
from tgscraper.history.limits import Budget
from tgscraper.history.media_kind import MediaFilter
from tgscraper.history.media_prefetch import MediaPrefetch
from tgscraper.history.prefetch import Prefetch
from tgscraper.history.record import MessageRecord
from tgscraper.history.store import (
    CachedMessage,
    MessageCache,
    message_sk,
    sk_after,
    sk_ceiling,
    sk_floor,
)
from tgscraper.media.index import MediaIndex
from tgscraper.storage.ports import StorageError

if TYPE_CHECKING:
    from tgscraper.files.service import FileService

log = logging.getLogger("tgscraper.history")

COVERAGE_SAFETY = 2
"""Seconds before the start of a walk up to which coverage may extend: a message sent
while the walk runs has a later date, so it is never inside a range marked complete."""
_CACHE_BATCH = 512
_MAX_PEER_ID = 2**62
_T = TypeVar("_T")


@dataclass(frozen=True)
class HistoryQuery:
    username: str
    dialog_id: int
    range: HistoryRange
    chunk_size: int = 100
    force_refresh: bool = False
    extended: bool = False
    """fields=extended: each message also carries the extended fields (docs/messages.md)."""
    resume_after: int = 0
    """Last-Event-ID: skip the messages up to this id (the client has them)."""
    include_edits: bool = False
    include_deleted: bool = False
    """What a sync saw change, laid over the stream (history/changes_overlay.py)."""
    media: frozenset[str] | None = None
    """media=...: only messages with these media kinds (history/media_kind.py)."""
    limit: int | None = None
    """Only the latest `limit` messages of the range (history/ordering.py)."""
    reverse: bool = False
    """Newest first (history/ordering.py)."""

    @property
    def needs_extended(self) -> bool:
        """Served from rows stored with their extended fields (the media filter reads
        their `media_kind`)."""
        return self.extended or self.media is not None


class Stream(Protocol):
    """What open_history returns: the frames, and a close for when the client leaves."""

    def frames(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


async def storage_call(container: Container, fn: Callable[..., _T], *args: Any) -> _T:
    # SQLite answers in well under a millisecond per call: run it inline, where it
    # overlaps Telegram's round trip for free. A thread would cost more than it saves:
    # the GIL hand-off back to the event loop can take a whole switch interval (5 ms).
    # DynamoDB calls are network round trips: those go to a worker thread.
    if container.settings.storage_backend == "embedded":
        return fn(*args)
    return await asyncio.to_thread(fn, *args)


def _take(iterator: Iterator[CachedMessage], n: int) -> list[CachedMessage]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out


class HistoryStream:
    def __init__(
        self,
        container: Container,
        query: HistoryQuery,
        segments: list[Segment],
        budget: Budget,
        media_prefetch: MediaPrefetch | None = None,
        encoder: FrameEncoder | None = None,
    ) -> None:
        self._container = container
        self._query = query
        self._segments = segments
        self._cache = MessageCache(container.stores.messages, query.username, query.dialog_id)
        self._media = MediaIndex(container.stores.media)
        self._stack = AsyncExitStack()
        self._client: Any = None
        self._peer: Any = None
        self._prefetches: dict[int, Prefetch] = {}
        self._chunks = Chunker(
            query.chunk_size,
            budget,
            query.range,
            query.resume_after,
            encoder=encoder,
            descending=query.reverse,
        )
        self._closed = False
        self._media_prefetch = media_prefetch or MediaPrefetch()
        self._files: FileService | None = None
        options = ChangeOptions(query.include_edits, query.include_deleted, query.extended)
        self._overlay: ChangeOverlay | None = None
        if options.enabled:
            log = ChangeLog(container.stores.messages, query.username, query.dialog_id)
            self._overlay = ChangeOverlay(log, options)
        self._filter = MediaFilter(query.media) if query.media is not None else None

    async def _io(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await storage_call(self._container, fn, *args)

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

    async def fill(self) -> bool:
        """Fetch and store the uncached segments without streaming them (ordering.py then
        reads the range from the cache). False when the budget ran out first; what was
        fetched stays stored and covered. Raises ServiceError."""
        for index, seg in enumerate(self._segments):
            if seg.kind != "fetch":
                continue
            try:
                async with aclosing(self._fetched(index, seg)) as frames:
                    async for _ in frames:
                        pass
            except BudgetSpent:
                return False
        return True

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
            if self._chunks.pending:
                yield self._chunks.flush()
            yield self._chunks.end()  # tells a complete stream from a cut-off one
        except BudgetSpent:
            if self._chunks.pending:
                yield self._chunks.flush()
            yield self._chunks.event("continue", self._chunks.continuation())
        except Exception as exc:
            # What was sent stays valid; the last frame says why the stream ends here.
            if self._chunks.pending:
                yield self._chunks.flush()
            yield self._error_frame(exc)
        finally:
            await self.aclose()

    def _error_frame(self, exc: Exception) -> bytes:
        if isinstance(exc, ServiceError):
            retry = exc.retry_after if isinstance(exc, RateLimited) else None
            payload = {"detail": exc.detail, "retry_after": retry, "status": exc.status_code}
        elif isinstance(exc, StorageError):
            log.error("history of dialog %s: storage failed: %s", self._query.dialog_id, exc)
            detail = "Storage is temporarily unavailable; retry shortly"
            payload = {"detail": detail, "retry_after": 1, "status": 503}
        else:
            log.error("history of dialog %s failed", self._query.dialog_id, exc_info=exc)
            payload = {"detail": "Internal server error", "retry_after": None, "status": 500}
        return self._chunks.event("error", payload)

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
        lo = seg.lo
        if self._query.reverse:
            rows = self._cache.scan_descending(lo, seg.hi, after_id=after, before_id=rng.before_id)
        elif self._query.resume_after:
            # Jump near the resume point instead of reading (and skipping) all before it.
            lo = await self._io(self._cache.resume_second, seg.lo, seg.hi, self._query.resume_after)
            if lo > seg.lo:
                after = 0
        if not self._query.reverse:
            rows = self._cache.scan(lo, seg.hi, after_id=after)
        span_from = sk_after(lo, after) if after else sk_floor(lo)
        while True:
            batch = await self._io(_take, rows, _CACHE_BATCH)
            last_batch = len(batch) < _CACHE_BATCH
            span_to = sk_ceiling(seg.hi) if last_batch else batch[-1].sk
            await self._load_changes(span_from, span_to)
            for row in batch:
                if self._filter is not None and not self._filter.keep(row.json, row.extended):
                    continue
                text = shape(row.json, row.extended) if self._query.extended else row.json
                for frame in self._take(text, row.sk, row.sk):
                    yield frame
            for frame in self._rest_of_span():
                yield frame
            if last_batch:
                return
            span_from = span_to

    async def _fetched(self, index: int, seg: Segment) -> AsyncGenerator[bytes, None]:
        prefetch = self._prefetch(index)
        rng = self._query.range
        after = rng.after_id if seg.lo == rng.start else 0
        cover_limit = min(seg.hi, prefetch.started_at - COVERAGE_SAFETY)
        span_from = sk_floor(seg.lo)
        while True:
            # A part-filled chunk waits for the next page (frames hold exactly chunk_size
            # messages, docs/history-stream.md); that page is already on its way.
            page = await prefetch.get()
            if page.done:
                span_to, covered_to = sk_ceiling(seg.hi), seg.hi
            else:
                last = page.records[-1]
                span_to, covered_to = message_sk(last), last.date - 1
            await self._load_changes(max(span_from, sk_after(seg.lo, after)), span_to)
            stopped = False
            try:
                for record in page.records:
                    if record.date == seg.lo and record.id <= after:
                        continue
                    if self._filter is not None and not self._filter.keep(
                        record.json, record.extended
                    ):
                        continue
                    text = record.json
                    if self._query.extended:
                        text = shape(record.json, record.extended)
                    for frame in self._take(text, record, message_sk(record)):
                        yield frame
                for frame in self._rest_of_span():
                    yield frame
            except BudgetSpent:
                stopped = True
            # The page is complete from Telegram: store it even if the budget stopped us.
            await self._io(
                self._store, page, span_from, span_to, seg.lo, min(covered_to, cover_limit)
            )
            if self._media_prefetch.enabled:
                await self._prefetch_media(page)
            if stopped:
                raise BudgetSpent
            if page.done:
                return
            last = page.records[-1]
            span_from = sk_after(last.date, last.id)

    # -- one message -------------------------------------------------------------------
    def _take(self, text: str, position: MessageRecord | str, sk: str) -> Iterator[bytes]:
        """The chunker's frames for one message, after the tombstones sorting before it."""
        if self._overlay is not None:
            yield from self._tombstones(sk)
            text = self._overlay.decorate(sk, text)
        if (frame := self._chunks.add(text, position)) is not None:
            yield frame

    def _rest_of_span(self) -> Iterator[bytes]:
        yield from self._tombstones(None)

    def _tombstones(self, before: str | None) -> Iterator[bytes]:
        if self._overlay is None:
            return
        for tomb_sk, tomb in self._overlay.tombstones_before(before):
            if self._filter is not None and not self._filter.keep(tomb, None):
                continue
            if (frame := self._chunks.add(tomb, tomb_sk)) is not None:
                yield frame

    async def _load_changes(self, sk_from: str, sk_to: str) -> None:
        if self._overlay is not None:
            await self._io(self._overlay.load, sk_from, sk_to)

    async def _prefetch_media(self, page: Page) -> None:
        """Download the page's wanted media through the files service (see media_prefetch)."""
        for record in page.records:
            entry = record.media
            if entry is None or not self._media_prefetch.wants(entry):
                continue
            if self._files is None:
                from tgscraper.files.service import FileService

                self._files = FileService.for_container(self._container)
            try:
                await self._files.open(entry.owner, entry.uuid)
            except (ServiceError, StorageError) as exc:
                log.warning("media prefetch stopped at %s: %s", entry.uuid, exc)
                self._media_prefetch = MediaPrefetch()
                return

    def _store(self, page: Page, span_from: str, span_to: str, lo: int, hi: int) -> None:
        # Order matters for a reader at any moment: media entries before the messages
        # that name their uuids, messages before the coverage that vouches for them.
        entries = [r.media for r in page.records if r.media is not None]
        if entries:
            self._media.put_many(entries)
        self._cache.store_page(page.records, replace_from=span_from, replace_to=span_to)
        if hi >= lo:
            self._cache.add_coverage(lo, hi)


async def open_history(
    container: Container,
    query: HistoryQuery,
    budget: Budget,
    media_prefetch: MediaPrefetch | None = None,
    encoder: FrameEncoder | None = None,
) -> Stream:
    """Plan the range and do all pre-stream work; raises ServiceError (a real status).

    `media_prefetch` defaults to the environment's setting (off unless configured);
    `encoder` to Server-Sent Events (an export passes its format's)."""
    if not -_MAX_PEER_ID <= query.dialog_id <= _MAX_PEER_ID:
        # Telegram ids are 64-bit on the wire; no dialog has an id this large.
        raise NotFound(f"Dialog {query.dialog_id} not found")
    if query.limit is not None or query.reverse:
        from tgscraper.history.ordering import open_ordered

        return await open_ordered(container, query, budget, media_prefetch, encoder)
    cache = MessageCache(container.stores.messages, query.username, query.dialog_id)
    rng = query.range
    if rng.empty:
        segments: list[Segment] = []  # nothing to read or fetch: only the end event
    elif query.force_refresh:
        segments = [Segment("fetch", rng.start, rng.end)]
    else:
        covered = await storage_call(
            container, partial(cache.coverage, extended=query.needs_extended)
        )
        segments = plan(rng.start, rng.end, covered)
    prefetch = media_prefetch if media_prefetch is not None else MediaPrefetch.from_env()
    stream = HistoryStream(container, query, segments, budget, prefetch, encoder)
    try:
        await stream.prepare()
    except BaseException:
        await stream.aclose()
        raise
    return stream
