"""The fallback when no difference can be had (no stored pts yet, or Telegram answered
TooLong): re-read the dialog's covered ranges from Telegram, page by page, and compare
them with the cache. A cached message Telegram no longer returns was deleted; one whose
text or media differs was edited. The part after the last covered range (the "tail") is
read up to now, which appends the new messages and extends the coverage.

Bounded: it costs one messages.getHistory per 100 messages of the covered ranges, so a
call stops after its budget (messages and seconds) and saves a cursor; the next call
continues from it. Progress is saved after every page.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from tgscraper.history.fetcher import walk
from tgscraper.history.store import MessageCache, message_sk, sk_after, sk_ceiling, sk_floor
from tgscraper.sync.apply import Applier, Counts
from tgscraper.sync.state import Rescan, SyncState

COVERAGE_SAFETY = 2
"""As in history: coverage never reaches the last seconds before a walk started."""
FAR = 2**40


@dataclass
class Budget:
    max_seconds: float | None
    max_messages: int | None
    started: float
    messages: int = 0

    def spent(self) -> bool:
        if self.max_messages is not None and self.messages >= self.max_messages:
            return True
        return self.max_seconds is not None and time.monotonic() - self.started >= self.max_seconds


def segments(coverage: list[tuple[int, int]], r: Rescan) -> list[tuple[int, int]]:
    """What is left to read: covered ranges within [pos, to], then the tail."""
    out = [(max(lo, r.pos), min(hi, r.to)) for lo, hi in coverage if hi >= r.pos and lo <= r.to]
    if r.tail_from:
        out.append((max(r.tail_from, r.pos), FAR))
    return out


async def run_rescan(
    client: Any,
    peer: Any,
    *,
    owner: str,
    dialog_id: int,
    state: SyncState,
    cache: MessageCache,
    applier: Applier,
    budget: Budget,
    save: Callable[[SyncState], Awaitable[None]],
    io: Callable[..., Awaitable[Any]],
) -> tuple[SyncState, Counts, bool]:
    """Continue the state's rescan; (new state, counts, finished)."""
    assert state.rescan is not None
    counts = Counts()
    r = state.rescan
    walk_started = int(time.time())
    for lo, hi in segments(await io(cache.coverage), r):
        is_tail = hi == FAR
        after = r.after_id if lo == r.pos else 0
        span_from = sk_after(lo, after) if after else sk_floor(lo)
        pages = walk(client, peer, owner=owner, dialog_id=dialog_id, lo=lo, hi=hi)
        async with aclosing(pages) as stream:
            async for page in stream:
                records = [x for x in page.records if not (x.date == lo and x.id <= after)]
                last = page.records[-1] if page.records else None
                span_to = sk_ceiling(hi) if page.done or last is None else message_sk(last)
                stale = set(await io(cache.sks_between, span_from, span_to))
                stale -= {message_sk(x) for x in records}
                if stale:
                    counts.add(await io(applier.delete_sks, sorted(stale)))
                counts.add(await io(applier.upsert, records, {}))
                budget.messages += len(records)
                if is_tail:
                    covered_to = hi if page.done or last is None else last.date - 1
                    covered_to = min(covered_to, walk_started - COVERAGE_SAFETY)
                    await io(cache.add_coverage, r.tail_from, covered_to)
                    state = state.with_(since=min(state.since, covered_to + 1))
                if page.done or last is None:
                    break
                span_from = sk_after(last.date, last.id)
                r = Rescan(pos=last.date, to=r.to, after_id=last.id, tail_from=r.tail_from)
                state = state.with_(rescan=r)
                await save(state)
                if budget.spent():
                    return state, counts, False
        # The segment is done: the cursor moves past it.
        r = Rescan(pos=min(hi + 1, FAR), to=r.to, tail_from=r.tail_from)
        state = state.with_(rescan=r)
        await save(state)
        if budget.spent() and not is_tail:
            return state, counts, False
    return state.with_(rescan=None), counts, True
