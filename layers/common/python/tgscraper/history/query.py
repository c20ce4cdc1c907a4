"""What a history request asks for (`HistoryQuery`), what opening one returns
(`Stream`), and how the service calls storage from the event loop (`storage_call`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tgscraper.container import Container
from tgscraper.history.dates import HistoryRange
from tgscraper.storage.calls import storage_call as run_storage

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
    """A call on the message cache's storage from the event loop (storage/calls.py)."""
    return await run_storage(container.stores.messages, fn, *args)
