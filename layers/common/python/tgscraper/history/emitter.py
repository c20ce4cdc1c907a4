"""What the history stream sends for each message it reads: the media filter, the sync's
change log (tombstones before a message, versions on it) and the chunker that frames
them, in one place for the cached and the fetched paths alike."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from tgscraper.errors import RateLimited, ServiceError
from tgscraper.history.change_log import ChangeLog
from tgscraper.history.changes_overlay import ChangeOptions, ChangeOverlay
from tgscraper.history.chunker import Chunker
from tgscraper.history.media_kind import MediaFilter
from tgscraper.history.query import HistoryQuery
from tgscraper.history.record import MessageRecord
from tgscraper.storage.ports import ItemTable, StorageError

log = logging.getLogger("tgscraper.history")


class Emitter:
    def __init__(self, query: HistoryQuery, chunks: Chunker, messages: ItemTable) -> None:
        self._query = query
        self._chunks = chunks
        options = ChangeOptions(query.include_edits, query.include_deleted, query.extended)
        self._overlay: ChangeOverlay | None = None
        if options.enabled:
            changes = ChangeLog(messages, query.username, query.dialog_id)
            self._overlay = ChangeOverlay(changes, options)
        self._filter = MediaFilter(query.media) if query.media is not None else None

    @property
    def reads_changes(self) -> bool:
        return self._overlay is not None

    def keep(self, message_json: str, extended_json: str | None) -> bool:
        return self._filter is None or self._filter.keep(message_json, extended_json)

    def load_changes(self, sk_from: str, sk_to: str) -> None:
        """The change log of one span (storage I/O: the stream runs it off the loop)."""
        if self._overlay is not None:
            self._overlay.load(sk_from, sk_to)

    def take(self, text: str, position: MessageRecord | str, sk: str) -> Iterator[bytes]:
        """The chunker's frames for one message, after the tombstones sorting before it."""
        if self._overlay is not None:
            yield from self._tombstones(sk)
            text = self._overlay.decorate(sk, text)
        if (frame := self._chunks.add(text, position)) is not None:
            yield frame

    def rest_of_span(self) -> Iterator[bytes]:
        """The loaded span's tombstones after its last message."""
        yield from self._tombstones(None)

    def _tombstones(self, before: str | None) -> Iterator[bytes]:
        if self._overlay is None:
            return
        for tomb_sk, tomb in self._overlay.tombstones_before(before):
            if not self.keep(tomb, None):
                continue
            if (frame := self._chunks.add(tomb, tomb_sk)) is not None:
                yield frame

    def error_frame(self, exc: Exception) -> bytes:
        """The last frame of a stream a failure ends after the first byte."""
        what = f"history of dialog {self._query.dialog_id}"
        return self._chunks.event("error", error_payload(exc, what))


def error_payload(exc: Exception, what: str) -> dict[str, Any]:
    """The `event: error` data for a failure after the first byte (history, threads):
    a service error's own status; storage trouble a retryable 503; anything else a 500,
    logged with its traceback (never sent)."""
    if isinstance(exc, ServiceError):
        retry = exc.retry_after if isinstance(exc, RateLimited) else None
        return {"detail": exc.detail, "retry_after": retry, "status": exc.status_code}
    if isinstance(exc, StorageError):
        log.error("%s: storage failed: %s", what, exc)
        detail = "Storage is temporarily unavailable; retry shortly"
        return {"detail": detail, "retry_after": 1, "status": 503}
    log.error("%s failed", what, exc_info=exc)
    return {"detail": "Internal server error", "retry_after": None, "status": 500}
