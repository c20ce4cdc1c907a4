"""The sync service: bring one cached dialog up to date with Telegram.

With a stored pts it asks Telegram for the difference since then (one call when nothing
changed) and applies new messages, edits and deletions; without one, or when Telegram
answers TooLong, it takes a new baseline and falls back to re-reading the covered ranges
(`rescan`). Progress (the pts, or the rescan cursor) is saved after every batch, so a
flood wait, a failure or a spent budget loses nothing: the next call continues.
Syncs of one account are serialized by the account's Telegram lease, held throughout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from telethon.tl import functions, types

from tgscraper.container import Container
from tgscraper.errors import NotFound
from tgscraper.history.change_log import ChangeLog
from tgscraper.history.fetcher import resolve, translate
from tgscraper.history.store import MessageCache
from tgscraper.media.index import MediaIndex
from tgscraper.storage.calls import storage_call
from tgscraper.sync import difference
from tgscraper.sync.apply import Applier, Counts
from tgscraper.sync.rescan import COVERAGE_SAFETY, Budget, run_rescan
from tgscraper.sync.state import Rescan, SyncState, SyncStateStore

DEFAULT_MAX_SECONDS = 20.0
DEFAULT_MAX_MESSAGES = 20_000
_MAX_PEER_ID = 2**62
_T = TypeVar("_T")
Mode = Literal["difference", "rescan"]


@dataclass(frozen=True)
class SyncResult:
    new: int
    edited: int
    deleted: int
    pts: int
    complete: bool
    mode: Mode
    """"difference" (pts-based) or "rescan" (the covered ranges were re-read)."""
    reason: str | None = None
    """Why a rescan ran: "no_state" (first sync) or "too_long" (pts too old)."""


def budget_from_env() -> Budget:
    """SYNC_MAX_SECONDS (default 20 under Lambda, unlimited elsewhere) and
    SYNC_MAX_MESSAGES (default 20 000 re-read or applied messages per call)."""
    on_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    raw = os.environ.get("SYNC_MAX_SECONDS", "").strip()
    seconds = float(raw) if raw else (DEFAULT_MAX_SECONDS if on_lambda else None)
    raw = os.environ.get("SYNC_MAX_MESSAGES", "").strip()
    messages = int(raw) if raw else DEFAULT_MAX_MESSAGES
    return Budget(seconds if seconds and seconds > 0 else None, messages, time.monotonic())


HISTORY_SHARE_SECONDS = 8.0
"""Under Lambda, `GET /history?sync=true` gives its sync at most this long, so the sync
and the history's own 20 s budget fit in one 29 s invocation."""


def budget_for_history() -> Budget:
    """The sync budget of `GET /history?sync=true`: SYNC_MAX_* with the time capped."""
    budget = budget_from_env()
    if budget.max_seconds is not None:
        budget.max_seconds = min(budget.max_seconds, HISTORY_SHARE_SECONDS)
    return budget


class _Run:
    """One sync call of one dialog."""

    def __init__(self, container: Container, username: str, dialog_id: int, budget: Budget):
        self.container, self.username, self.dialog_id = container, username, dialog_id
        table = container.stores.messages
        self.cache = MessageCache(table, username, dialog_id)
        self.states = SyncStateStore(table, username)
        self.applier = Applier(
            self.cache, ChangeLog(table, username, dialog_id), MediaIndex(container.stores.media)
        )
        self.budget = budget
        self.counts = Counts()
        self.client: Any = None
        self.peer: Any = None

    async def io(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await storage_call(self.container.stores.messages, fn, *args)

    async def save(self, state: SyncState) -> None:
        await self.io(self.states.put, self.dialog_id, state)

    async def baseline(self, kind: str, old: SyncState | None) -> SyncState:
        """A new starting point, taken BEFORE anything is re-read, so every change made
        while the rescan runs is in the next difference."""
        started = int(time.time())
        request = functions.messages.GetHistoryRequest(self.peer, 0, None, 0, 1, 0, 0, 0)
        try:
            page = await self.client(request)
        except Exception as exc:
            raise translate(exc, self.dialog_id) from exc
        count = int(getattr(page, "count", None) or len(page.messages))
        if kind == "channel":
            pts, qts, date = int(getattr(page, "pts", 0) or 0), 0, 0
        else:
            st = await difference.account_state(self.client, self.dialog_id)
            pts, qts, date = st.pts, st.qts, st.date
        coverage = await self.io(self.cache.coverage)
        rescan = None
        if coverage:
            end = coverage[-1][1]
            rescan = Rescan(pos=coverage[0][0], to=end, tail_from=end + 1)
        return SyncState(
            kind="channel" if kind == "channel" else "account",
            pts=pts,
            qts=qts,
            date=date,
            since=started + 1,
            synced_at=old.synced_at if old else 0,
            rescan=rescan,
            telegram_count=count,
            counts=old.counts if old else {},
        )

    async def differences(self, state: SyncState) -> tuple[SyncState, str]:
        """Apply differences until final; ("final" | "too_long" | "budget")."""
        started = int(time.time())
        coverage = await self.io(self.cache.coverage)
        while True:
            if self.budget.spent():
                return state, "budget"
            if state.kind == "channel":
                batch = await difference.channel_batch(
                    self.client, self.peer, self.username, self.dialog_id, state.pts
                )
            else:
                batch = await difference.account_batch(
                    self.client, self.username, self.dialog_id, state.pts, state.qts, state.date
                )
            if batch.too_long:
                return state, "too_long"
            # An edit of a message outside what the cache knows is none of its business.
            edits = [
                r
                for r in batch.edits
                if r.date >= state.since or any(lo <= r.date <= hi for lo, hi in coverage)
            ]
            self.counts.add(
                await self.io(self.applier.upsert, [*batch.records, *edits], batch.edit_dates)
            )
            self.counts.add(await self.io(self.applier.delete_ids, batch.deleted))
            self.budget.messages += len(batch.records) + len(edits) + len(batch.deleted)
            state = state.with_(pts=batch.pts, qts=batch.qts or state.qts)
            state = state.with_(date=batch.date or state.date)
            await self.save(state)
            if batch.final:
                break
        # Every message dated from `since` on is now cached: vouch for it in the coverage.
        await self.io(self.cache.add_coverage, state.since, started - COVERAGE_SAFETY)
        return state, "final"

    async def run(self) -> SyncResult:
        provider = self.container.telegram
        async with provider.client(self.username) as client:
            client.flood_sleep_threshold = 0  # flood waits are answered with 429
            self.client = client
            self.peer = await resolve(client, self.dialog_id)
            kind = "channel" if isinstance(self.peer, types.InputPeerChannel) else "account"
            state = await self.io(self.states.get, self.dialog_id)
            mode: Mode = "difference"
            reason = None
            if state is None or state.kind != kind:
                state, reason = await self.baseline(kind, state), "no_state"
                await self.save(state)
            while True:
                if state.rescan is not None:
                    mode = "rescan"
                    state, counts, done = await run_rescan(
                        client,
                        self.peer,
                        owner=self.username,
                        dialog_id=self.dialog_id,
                        state=state,
                        cache=self.cache,
                        applier=self.applier,
                        budget=self.budget,
                        save=self.save,
                        io=self.io,
                    )
                    self.counts.add(counts)
                    await self.save(state)
                    if not done:
                        return self._result(state, False, mode, reason)
                state, outcome = await self.differences(state)
                if outcome == "too_long":
                    state, reason = await self.baseline(kind, state), "too_long"
                    await self.save(state)
                    continue
                if outcome == "budget":
                    return self._result(state, False, mode, reason)
                break
            totals = dict(state.counts)
            for name in ("new", "edited", "deleted"):
                totals[name] = totals.get(name, 0) + getattr(self.counts, name)
            state = state.with_(synced_at=int(time.time()), counts=totals)
            await self.save(state)
            return self._result(state, True, mode, reason)

    def _result(
        self, state: SyncState, complete: bool, mode: Mode, reason: str | None
    ) -> SyncResult:
        c = self.counts
        return SyncResult(c.new, c.edited, c.deleted, state.pts, complete, mode, reason)


async def sync_dialog(
    container: Container, username: str, dialog_id: int, budget: Budget | None = None
) -> SyncResult:
    """Bring the cache of one dialog up to date; raises ServiceError (a real status)."""
    if not -_MAX_PEER_ID <= dialog_id <= _MAX_PEER_ID:
        raise NotFound(f"Dialog {dialog_id} not found")
    return await _Run(container, username, dialog_id, budget or budget_from_env()).run()
