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

import os
from dataclasses import dataclass

from tgscraper.media.index import MediaEntry

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
