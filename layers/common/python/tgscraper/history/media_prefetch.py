"""Optional media prefetch: download small media of freshly fetched messages ahead.

Off by default: history never waits for media bytes, the files endpoint downloads a
file when it is first asked for. With HISTORY_PREFETCH_MAX_BYTES > 0, every media file
of a page just fetched from Telegram whose size is at most that many bytes and whose
type is in HISTORY_PREFETCH_TYPES (comma-separated Telethon media class names, default
MessageMediaPhoto) is downloaded through the files service (same store, same
download-once guard) before the stream moves on to the next page, so the stream waits
for it. Prefetch is best effort: a failure (e.g. a flood wait) is logged and ends
prefetching for that request; the history itself goes on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tgscraper.errors import ServiceError
from tgscraper.media.index import MediaEntry
from tgscraper.storage.ports import StorageError

if TYPE_CHECKING:
    from tgscraper.container import Container
    from tgscraper.files.service import FileService
    from tgscraper.history.record import MessageRecord

log = logging.getLogger("tgscraper.history")

DEFAULT_TYPES = frozenset({"MessageMediaPhoto"})


@dataclass(frozen=True)
class MediaPrefetch:
    max_bytes: int = 0
    types: frozenset[str] = DEFAULT_TYPES

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def wants(self, entry: MediaEntry) -> bool:
        return self.enabled and entry.size <= self.max_bytes and entry.type in self.types

    @classmethod
    def from_env(cls) -> MediaPrefetch:
        raw = os.environ.get("HISTORY_PREFETCH_MAX_BYTES", "").strip()
        max_bytes = int(raw) if raw.isdigit() else 0
        names = os.environ.get("HISTORY_PREFETCH_TYPES", "").strip()
        types = frozenset(n.strip() for n in names.split(",") if n.strip()) or DEFAULT_TYPES
        return cls(max_bytes, types)


class PagePrefetch:
    """One request's prefetch: downloads the wanted media of each fetched page through
    the files service; the first failure ends it for the rest of the request."""

    def __init__(self, container: Container, policy: MediaPrefetch) -> None:
        self._container = container
        self._policy = policy
        self._files: FileService | None = None

    async def run(self, records: Iterable[MessageRecord]) -> None:
        if not self._policy.enabled:
            return
        for record in records:
            entry = record.media
            if entry is None or not self._policy.wants(entry):
                continue
            if self._files is None:
                from tgscraper.files.service import FileService

                self._files = FileService.for_container(self._container)
            try:
                await self._files.open(entry.owner, entry.uuid)
            except (ServiceError, StorageError) as exc:
                log.warning("media prefetch stopped at %s: %s", entry.uuid, exc)
                self._policy = MediaPrefetch()
                return
