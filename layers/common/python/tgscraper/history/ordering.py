"""`limit` (the latest N messages of the range) and `reverse=true` (newest first) on
GET /history (docs/messages.md, "History options").

Telegram pages are walked oldest first and every page proves its window before the cache
records coverage (fetcher.py, proof.py), so these options do not walk Telegram another way:
the range is first made exact in the cache the usual way (uncached parts fetched and
stored, nothing streamed), then served from the cache alone, in the order asked:
- `limit=N`: the N-th newest message of the range (after the media filter) is found by a
  descending keyset scan, and the range is narrowed to start at it;
- `reverse=true`: the cache is read descending; a continuation names the `end_date` +
  `before_id` to go on from, and `Last-Event-ID` skips the ids at or above it.
Memory stays flat (keyset pages). The first byte waits for the fetch of whatever was not
cached; if the response budget (Lambda) ends during it, the stream is a single `continue`
event with the request's own range: what was fetched is stored, so repeating the same
request goes on from there.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from tgscraper.container import Container
from tgscraper.history.chunker import FrameEncoder, SseEncoder
from tgscraper.history.coverage import Segment
from tgscraper.history.dates import HistoryRange, format_date
from tgscraper.history.limits import Budget
from tgscraper.history.media_kind import MediaFilter
from tgscraper.history.media_prefetch import MediaPrefetch
from tgscraper.history.store import CachedMessage, MessageCache, message_id_of

if TYPE_CHECKING:
    from tgscraper.history.service import HistoryQuery, Stream


class _FillPending:
    """The budget ran out while the range was being cached: one `continue` event."""

    def __init__(self, query: HistoryQuery, encoder: FrameEncoder | None) -> None:
        self._query = query
        self._encoder = encoder or SseEncoder()

    async def frames(self) -> AsyncGenerator[bytes, None]:
        rng = self._query.range
        payload = {
            "next_start_date": format_date(rng.start),
            "after_id": rng.after_id,
            "end_date": format_date(rng.end),
            "detail": "Response size/time limit reached while caching the range for "
            "limit/reverse: repeat the same request to continue (what was fetched is kept)",
        }
        if rng.before_id:
            payload["before_id"] = rng.before_id
        yield self._encoder.event("continue", payload)

    async def aclose(self) -> None:
        return None


async def open_ordered(
    container: Container,
    query: HistoryQuery,
    budget: Budget,
    media_prefetch: MediaPrefetch | None,
    encoder: FrameEncoder | None,
) -> Stream:
    from tgscraper.history.query import storage_call
    from tgscraper.history.service import HistoryStream

    if not await _fill(container, query, budget, media_prefetch):
        return _FillPending(query, encoder)
    cache = MessageCache(container.stores.messages, query.username, query.dialog_id)
    rng = query.range
    if query.limit is not None:
        rng = await storage_call(container, _latest, cache, query, rng)
    served = replace(query, range=rng)
    # Exact now: read from the cache alone (its coverage may stop a COVERAGE_SAFETY
    # short of now, but the walk just stored everything up to the moment it ran).
    segments = [] if rng.empty else [Segment("cached", rng.start, rng.end)]
    return HistoryStream(container, served, segments, budget, MediaPrefetch(), encoder)


async def _fill(
    container: Container,
    query: HistoryQuery,
    budget: Budget,
    media_prefetch: MediaPrefetch | None,
) -> bool:
    from tgscraper.history.service import HistoryStream, open_history

    plain: HistoryQuery = replace(
        query,
        extended=query.needs_extended,
        media=None,
        include_edits=False,
        include_deleted=False,
        resume_after=0,
        limit=None,
        reverse=False,
        range=replace(query.range, before_id=0),
    )
    # Only the time budget counts here: nothing is sent while filling.
    fill_budget = Budget(max_seconds=budget.max_seconds, started=budget.started)
    stream = await open_history(container, plain, fill_budget, media_prefetch)
    assert isinstance(stream, HistoryStream)  # a plain query opens a plain stream
    try:
        return await stream.fill()
    finally:
        await stream.aclose()


def _latest(cache: MessageCache, query: HistoryQuery, rng: HistoryRange) -> HistoryRange:
    """The range narrowed to start at its `limit`-th newest (kept) message."""
    assert query.limit is not None
    keep = MediaFilter(query.media).keep if query.media is not None else None
    rows = cache.scan_descending(rng.start, rng.end, after_id=rng.after_id)
    nth = _nth(rows, query.limit, keep)
    if nth is None:
        return rng  # fewer than `limit` messages: the whole range
    start = _sk_epoch(nth.sk)
    after = message_id_of(nth.sk) - 1
    if start == rng.start:
        after = max(after, rng.after_id)
    return replace(rng, start=start, after_id=after)


def _nth(
    rows: Iterator[CachedMessage], n: int, keep: Callable[[str, str | None], bool] | None
) -> CachedMessage | None:
    count = 0
    for row in rows:
        if keep is not None and not keep(row.json, row.extended):
            continue
        count += 1
        if count == n:
            return row
    return None


def _sk_epoch(sk: str) -> int:
    return calendar.timegm(time.strptime(sk[:19], "%Y-%m-%dT%H:%M:%S"))
