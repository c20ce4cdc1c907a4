"""Dialog search and folder listing over the per-user dialog cache.

Telegram is touched only when the cached listing is older than DIALOG_CACHE_TTL, when the
caller asks for `refresh`, or when a number a search needs is not known yet: a message
count (fetched once per dialog and re-fetched only after its top message changed) or a
participant count missing from the entity. A FLOOD_WAIT while listing serves the stale
cache when there is one (429 with Retry-After otherwise); while counting, the counts
fetched so far are saved and the search answers 429 with Retry-After.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from telethon import TelegramClient, errors

from tgscraper.dialogs import folders as folder_rules
from tgscraper.dialogs import loader
from tgscraper.dialogs.cache import DialogCache
from tgscraper.dialogs.matching import TitleIndex
from tgscraper.dialogs.model import DialogRecord, Snapshot, to_public
from tgscraper.dialogs.query import SearchParams, order
from tgscraper.dialogs.settings import DialogSettings
from tgscraper.errors import RateLimited, ServiceError, TelegramUnavailable, Unauthorized
from tgscraper.observability import flood_wait
from tgscraper.telegram.policy import network_detail

if TYPE_CHECKING:
    from tgscraper.container import Container
    from tgscraper.storage.ports import ItemTable
    from tgscraper.telegram.clients import ClientProvider

log = logging.getLogger("tgscraper.dialogs")


class DialogService:
    def __init__(
        self,
        table: ItemTable,
        telegram: Callable[[], ClientProvider],
        settings: DialogSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache = DialogCache(table)
        self._telegram = telegram
        self._settings = settings or DialogSettings.from_env()
        self._clock = clock

    @classmethod
    def from_container(cls, container: Container) -> DialogService:
        return cls(container.stores.messages, lambda: container.telegram)

    # -- public -----------------------------------------------------------------------

    async def search(self, username: str, params: SearchParams) -> dict[str, Any]:
        snap = await self._snapshot(username, refresh=params.refresh)
        now = self._clock()
        folder = (
            folder_rules.resolve(snap.folders, params.folder) if params.folder is not None else None
        )
        scores = self._scores(snap, params)
        candidates = snap.records
        if scores is not None:
            candidates = [r for r in candidates if r.id in scores]
        if params.filters_statically:
            candidates = [r for r in candidates if params.keeps(r)]
        if params.folder is not None:
            candidates = [r for r in candidates if folder_rules.in_folder(folder, r, now)]
        if params.needs_counts or params.needs_participants:
            await self._ensure(
                username,
                snap,
                candidates,
                counts=params.needs_counts,
                participants=params.needs_participants,
            )
            candidates = [r for r in candidates if params.keeps_numbers(r)]
        fuzzy = scores if params.query is not None and params.match == "fuzzy" else None
        ordered = order(candidates, params, fuzzy)
        page = ordered[params.offset : params.offset + params.limit]
        await self._ensure(username, snap, page, counts=True, participants=True)
        return {
            "total": len(ordered),
            "offset": params.offset,
            "limit": params.limit,
            "results": [to_public(r, fuzzy.get(r.id) if fuzzy else None) for r in page],
        }

    async def folders(
        self, username: str, *, include_dialogs: bool = False, refresh: bool = False
    ) -> list[dict[str, Any]]:
        snap = await self._snapshot(username, refresh=refresh)
        now = self._clock()
        entries: list[tuple[folder_rules.FolderRecord | None, dict[str, Any]]] = [
            (
                None,
                {
                    "id": folder_rules.ALL_CHATS_ID,
                    "title": folder_rules.ALL_CHATS_TITLE,
                    "is_default": True,
                },
            ),
        ]
        entries += [(f, {"id": f.id, "title": f.title, "is_default": False}) for f in snap.folders]
        if include_dialogs:
            for folder, entry in entries:
                members = folder_rules.folder_dialogs(folder, snap.records, now)
                entry["dialogs"] = [{"id": r.id, "title": r.title} for r in members]
        return [entry for _, entry in entries]

    # -- cache ------------------------------------------------------------------------

    def _scores(self, snap: Snapshot, params: SearchParams) -> dict[int, float] | None:
        """Dialog id -> score of the title matches (None when there is no q)."""
        query = params.query
        if query is None:
            return None
        if snap.index is None:
            snap.index = TitleIndex([r.title for r in snap.records])
        index: TitleIndex = snap.index
        if params.match == "exact":
            return {snap.records[pos].id: 1.0 for pos in index.exact_matches(query)}
        return {snap.records[p].id: s for p, s in index.fuzzy(query, params.min_score).items()}

    async def _snapshot(self, username: str, *, refresh: bool) -> Snapshot:
        state = self._cache.load(username)
        cached = state.snapshot
        now = self._clock()
        fresh = cached is not None and now - cached.fetched_at < self._settings.cache_ttl
        if cached is not None and fresh and not refresh:
            return cached
        try:
            async with self._client(username) as client:
                records = await loader.list_dialogs(client)
                folders = await loader.list_folders(client, records)
        except errors.FloodWaitError as exc:
            flood_wait(exc.seconds, f"listing dialogs of {username}")
            if cached is not None:
                log.warning("serving %s the cached dialogs from %s", username, cached.fetched_at)
                return cached
            raise RateLimited(
                f"Telegram asked to wait {exc.seconds} s before listing dialogs again",
                retry_after=int(exc.seconds) or 1,
            ) from exc
        except TelegramUnavailable:
            if cached is not None:
                log.warning("Telegram unreachable for %s: serving the cached dialogs", username)
                return cached
            raise
        snap = Snapshot(records, folders, fetched_at=now)
        if cached is not None:
            _carry_over(cached, snap, keep_full_info=not refresh)
        self._cache.save(username, snap, state.meta_version)
        return snap

    async def _ensure(
        self,
        username: str,
        snap: Snapshot,
        records: list[DialogRecord],
        *,
        counts: bool,
        participants: bool,
    ) -> None:
        """Load the missing message / participant counts of `records` and save them."""
        need_counts = [r for r in records if not r.count_known] if counts else []
        need_full = [r for r in records if r.needs_full_info] if participants else []
        if not need_counts and not need_full:
            return
        async with self._client(username) as client:
            found = await loader.fetch_details(
                client,
                counts=need_counts,
                participants=need_full,
                concurrency=self._settings.count_concurrency,
                budget=self._settings.count_budget,
            )
        for rec in need_counts:
            if rec.id in found.counts:
                rec.message_count, rec.counted_top = found.counts[rec.id], rec.top_message
        for rec in need_full:
            if rec.id in found.participants:
                rec.full_participants, rec.full_tried = found.participants[rec.id], True
        if found.counts or found.participants:
            self._cache.save(username, snap, snap.version or None)
        done = len(found.counts) + len(found.participants)
        missing = len(need_counts) + len(need_full) - done
        if found.flood_wait is not None:
            raise RateLimited(
                f"Telegram asked to wait {found.flood_wait} s; {missing} dialog counts are "
                "still to load (the ones loaded are kept), retry after that",
                retry_after=found.flood_wait,
            )
        if missing:
            # Out of this request's time budget: progress is saved, the next try goes on.
            raise RateLimited(
                f"Still counting messages: {missing} of {len(need_counts) + len(need_full)} "
                "dialog counts left (the ones loaded are kept), retry",
                retry_after=1,
            )

    @asynccontextmanager
    async def _client(self, username: str) -> AsyncIterator[TelegramClient]:
        try:
            async with self._telegram().client(username) as client:
                # FLOOD_WAIT must surface: a request handler cannot sleep it off.
                client.flood_sleep_threshold = 0
                yield client
        except ServiceError:
            raise
        except (errors.AuthKeyUnregisteredError, errors.UnauthorizedError) as exc:
            raise Unauthorized(
                f"The Telegram session of '{username}' is no longer valid: log in again"
            ) from exc
        except errors.FloodWaitError:
            raise
        except errors.RPCError as exc:
            raise TelegramUnavailable(f"Telegram error: {exc.message}") from exc
        except (ConnectionError, OSError) as exc:
            raise TelegramUnavailable(network_detail("Failed to reach Telegram", exc)) from exc


def _carry_over(old: Snapshot, new: Snapshot, *, keep_full_info: bool) -> None:
    """Reuse counts whose dialog's top message did not change (and full-info counts)."""
    previous = old.by_id()
    for rec in new.records:
        before = previous.get(rec.id)
        if before is None:
            continue
        if before.count_known and before.top_message == rec.top_message:
            rec.message_count, rec.counted_top = before.message_count, before.counted_top
        if keep_full_info and rec.participants_count is None and before.full_tried:
            rec.full_participants, rec.full_tried = before.full_participants, True
