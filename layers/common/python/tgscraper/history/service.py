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

import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import AsyncExitStack, aclosing
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from tgscraper.container import Container
from tgscraper.errors import NotFound
from tgscraper.history.chunker import BudgetSpent, Chunker, FrameEncoder
from tgscraper.history.coverage import Segment, plan
from tgscraper.history.emitter import Emitter
from tgscraper.history.extended import shape
from tgscraper.history.fetcher import Page, resolve, walk
from tgscraper.history.limits import Budget
from tgscraper.history.media_prefetch import MediaPrefetch, PagePrefetch
from tgscraper.history.prefetch import Prefetch
from tgscraper.history.query import HistoryQuery, Stream, storage_call
from tgscraper.history.store import (
    CachedMessage,
    MessageCache,
    message_sk,
    sk_after,
    sk_ceiling,
    sk_floor,
)
from tgscraper.media.index import MediaIndex

if TYPE_CHECKING:
    pass

log = logging.getLogger("tgscraper.history")

COVERAGE_SAFETY = 2
"""Seconds before the start of a walk up to which coverage may extend: a message sent
while the walk runs has a later date, so it is never inside a range marked complete."""
_CACHE_BATCH = 512
_MAX_PEER_ID = 2**62
_T = TypeVar("_T")


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
        self._media_prefetch = PagePrefetch(container, media_prefetch or MediaPrefetch())
        self._emit = Emitter(query, self._chunks, container.stores.messages)

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
            yield self._emit.error_frame(exc)
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
                if not self._emit.keep(row.json, row.extended):
                    continue
                text = shape(row.json, row.extended) if self._query.extended else row.json
                for frame in self._emit.take(text, row.sk, row.sk):
                    yield frame
            for frame in self._emit.rest_of_span():
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
                    if not self._emit.keep(record.json, record.extended):
                        continue
                    text = record.json
                    if self._query.extended:
                        text = shape(record.json, record.extended)
                    for frame in self._emit.take(text, record, message_sk(record)):
                        yield frame
                for frame in self._emit.rest_of_span():
                    yield frame
            except BudgetSpent:
                stopped = True
            # The page is complete from Telegram: store it even if the budget stopped us.
            await self._io(
                self._store, page, span_from, span_to, seg.lo, min(covered_to, cover_limit)
            )
            await self._media_prefetch.run(page.records)
            if stopped:
                raise BudgetSpent
            if page.done:
                return
            last = page.records[-1]
            span_from = sk_after(last.date, last.id)

    async def _load_changes(self, sk_from: str, sk_to: str) -> None:
        if self._emit.reads_changes:
            await self._io(self._emit.load_changes, sk_from, sk_to)

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
