"""The file service: an owner's media file by uuid, downloaded from Telegram on first use.

Lookup is owner-scoped (another user's uuid is exactly as unknown as a made-up one) and
a malformed uuid is rejected before any storage access. The first request for a file
downloads it into the BlobStore; concurrent first requests download it once: an asyncio
lock per file inside the process, and a lease item across processes, whose waiters poll
until the blob exists (or take over if the holder died and its lease expired).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tgscraper.errors import NotFound, RateLimited
from tgscraper.files.guard import DownloadLease, KeyedLocks
from tgscraper.files.settings import FilesSettings
from tgscraper.media.index import MediaEntry, MediaIndex, parse_uuid
from tgscraper.storage.ports import BlobStore, ItemTable

if TYPE_CHECKING:
    from tgscraper.container import Container
    from tgscraper.telegram.clients import ClientProvider

log = logging.getLogger("tgscraper.files")

_FIRST_POLL, _MAX_POLL = 0.05, 0.5
_ATTRIBUTE = "_tgscraper_file_service"


class DownloadPending(RateLimited):
    """503 + Retry-After: another process is still downloading the file."""

    status_code = 503


@dataclass(frozen=True)
class StoredFile:
    """An owner's media file whose bytes are complete in the BlobStore."""

    entry: MediaEntry
    size: int


class FileService:
    def __init__(
        self,
        index: MediaIndex,
        blobs: BlobStore,
        leases: ItemTable,
        telegram: Callable[[], ClientProvider],
        settings: Callable[[], FilesSettings] = FilesSettings.from_env,
    ) -> None:
        self._index = index
        self._blobs = blobs
        self._leases = leases
        self._telegram = telegram
        self._settings = settings
        self._locks = KeyedLocks()

    @classmethod
    def for_container(cls, container: Container) -> FileService:
        """The container's one service (the files route and history's media prefetch
        share it, so its in-process download locks cover both)."""
        service: FileService | None = getattr(container, _ATTRIBUTE, None)
        if service is None:
            stores = container.stores
            # The provider is resolved lazily: serving a stored file never needs Telegram
            # (nor its credentials).
            service = cls(
                MediaIndex(stores.media), stores.blobs, stores.media, lambda: container.telegram
            )
            # Kept on the container itself: it lives exactly as long as the container.
            setattr(container, _ATTRIBUTE, service)
        return service

    async def open(self, owner: str, media_id: str) -> StoredFile:
        """The complete file, downloading it first if needed.

        Raises NotFound (unknown, another owner's, malformed, or gone from Telegram),
        RateLimited, DownloadPending, TelegramUnavailable.
        """
        canonical = parse_uuid(media_id)
        entry = None
        if canonical is not None:
            entry = await asyncio.to_thread(self._index.get, owner, canonical)
        if entry is None:
            raise NotFound(f"Media file {media_id} not found")
        size = await asyncio.to_thread(self._blobs.size, entry.object_key)
        if size is None:
            size = await self._ensure_stored(entry)
        return StoredFile(entry, size)

    def read(self, stored: StoredFile, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) in bounded chunks (a blocking iterator: run it in a thread)."""
        return self._blobs.read(stored.entry.object_key, start, end)

    def presigned_url(self, stored: StoredFile, filename: str) -> str | None:
        """A direct, time-limited URL to the bytes where the store has one (S3)."""
        return self._blobs.presigned_url(
            stored.entry.object_key,
            filename=filename,
            expires_in=self._settings().presign_seconds,
            content_type=stored.entry.mime or None,
        )

    async def _ensure_stored(self, entry: MediaEntry) -> int:
        async with self._locks.hold(entry.object_key):
            # Whoever held the lock before us may have just stored it.
            size = await asyncio.to_thread(self._blobs.size, entry.object_key)
            if size is not None:
                return size
            return await self._download_once(entry)

    async def _download_once(self, entry: MediaEntry) -> int:
        settings = self._settings()
        lease = DownloadLease(self._leases, entry.uuid, settings.lease_seconds)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.wait_seconds
        delay = _FIRST_POLL
        while True:
            # Synchronous (one conditional write): no await may separate taking the lease
            # from the block that releases it, or a cancellation there would strand it.
            if lease.try_acquire():
                async with lease.renewing():
                    size = await asyncio.to_thread(self._blobs.size, entry.object_key)
                    if size is None:
                        size = await self._download(entry)
                return size
            # Another process is downloading: wait for its commit. If it fails, its lease
            # is released (or expires) and the next try_acquire takes over.
            if loop.time() >= deadline:
                raise DownloadPending(
                    f"Media {entry.uuid} is still being downloaded from Telegram; retry shortly",
                    retry_after=2,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_POLL)
            size = await asyncio.to_thread(self._blobs.size, entry.object_key)
            if size is not None:
                return size

    async def _download(self, entry: MediaEntry) -> int:
        # Deferred: Telethon costs a cold Lambda ~0.3 s, and serving a stored file
        # (the common case) never needs it.
        from tgscraper.files.telegram_fetch import download_to_store

        log.info("downloading media %s of %s from Telegram", entry.uuid, entry.owner)
        return await download_to_store(self._telegram(), entry, self._blobs)
