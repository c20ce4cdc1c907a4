"""Downloads one indexed media file from Telegram into a BlobWriter, streaming.

The message is fetched afresh for every attempt (its media carries the file reference
Telegram wants), the bytes go chunk by chunk into the writer (never the whole file in
memory), and the writer is committed only after the last chunk, so an interrupted
download leaves nothing visible. FILE_REFERENCE_EXPIRED restarts with a re-fetched
message; Telegram errors become domain errors (429, 502, 404).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telethon import TelegramClient, errors, types

from tgscraper.errors import NotFound, RateLimited, TelegramUnavailable, Unauthorized
from tgscraper.media.index import MediaEntry
from tgscraper.observability import flood_wait
from tgscraper.storage.ports import BlobStore, BlobWriter
from tgscraper.telegram.clients import ClientProvider
from tgscraper.telegram.peers import input_peer
from tgscraper.telegram.policy import network_detail

log = logging.getLogger("tgscraper.files")

MAX_ATTEMPTS = 3
"""Fresh file references to try before giving up (each attempt re-fetches the message)."""
MAX_FLOOD_SLEEP = 5
"""A FLOOD_WAIT up to this many seconds is slept through; longer ones answer 429."""

_GONE_ERRORS = (
    errors.MessageIdInvalidError,
    errors.ChannelPrivateError,
    errors.ChannelInvalidError,
    errors.PeerIdInvalidError,
    errors.ChatIdInvalidError,
    errors.MediaEmptyError,
    errors.LocationInvalidError,
)
_REFERENCE_ERRORS = (errors.FileReferenceExpiredError, errors.FilerefUpgradeNeededError)


class _WriterSink:
    """The file-like object Telethon writes into; nothing is buffered here.

    Telethon awaits `write()` when it returns an awaitable, so big chunks go to the
    BlobWriter off the event loop (an S3 part upload blocks). It does not await for a
    photo size cached inside the message itself (a few KB), so small chunks are written
    synchronously: they can never be lost, whichever way Telethon calls.
    """

    SYNC_MAX = 16 * 1024

    def __init__(self, writer: BlobWriter) -> None:
        self._writer = writer
        self.written = 0

    def write(self, data: bytes) -> int | Awaitable[int]:
        if len(data) <= self.SYNC_MAX:
            return self._write(data)
        return asyncio.to_thread(self._write, data)

    def _write(self, data: bytes) -> int:
        self._writer.write(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written


def _gone(entry: MediaEntry, why: str) -> NotFound:
    return NotFound(f"Media {entry.uuid} is no longer available on Telegram: {why}")


def _expected_size(media: Any) -> int | None:
    """Exact byte count Telegram announces for a document (photos: the chosen size)."""
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        return int(media.document.size)
    return None


async def _fetch_message(client: TelegramClient, entry: MediaEntry) -> Any:
    peer = await input_peer(client, entry.dialog_id)
    if peer is None:
        raise _gone(entry, "the chat is not among your dialogs")
    message = await client.get_messages(peer, ids=entry.message_id)
    if message is None:
        raise _gone(entry, "the message was deleted")
    if not isinstance(message.media, types.MessageMediaPhoto | types.MessageMediaDocument):
        raise _gone(entry, "the message has no file any more")
    return message


async def _attempt(client: TelegramClient, entry: MediaEntry, blobs: BlobStore) -> int:
    """One download attempt: commit on success, abort (nothing visible) on any failure."""
    message = await _fetch_message(client, entry)
    writer = await asyncio.to_thread(blobs.open_writer, entry.object_key)
    try:
        sink = _WriterSink(writer)
        result = await client.download_media(message, file=sink)
        if result is None:
            raise _gone(entry, "the file cannot be downloaded")
        expected = _expected_size(message.media)
        if expected is not None and sink.written != expected:
            raise TelegramUnavailable(
                f"Download of {entry.uuid} was cut short ({sink.written} of {expected} bytes)"
            )
        await asyncio.to_thread(writer.commit)
    except BaseException:
        # Synchronous: must run even when the request is being cancelled.
        writer.abort()
        raise
    return sink.written


async def _with_fresh_references(
    client: TelegramClient, entry: MediaEntry, blobs: BlobStore
) -> int:
    client.flood_sleep_threshold = min(client.flood_sleep_threshold, MAX_FLOOD_SLEEP)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await _attempt(client, entry, blobs)
        except _REFERENCE_ERRORS:
            log.info("file reference of %s expired (attempt %d); refetching", entry.uuid, attempt)
    raise TelegramUnavailable(
        f"Telegram kept answering FILE_REFERENCE_EXPIRED for {entry.uuid}; try again later"
    )


async def download_to_store(provider: ClientProvider, entry: MediaEntry, blobs: BlobStore) -> int:
    """Download `entry` into `blobs` under entry.object_key; returns the byte count.

    Telegram's errors, from connecting to the last chunk, become domain errors.
    """
    try:
        async with provider.client(entry.owner) as client:
            return await _with_fresh_references(client, entry, blobs)
    except errors.FloodWaitError as exc:
        flood_wait(exc.seconds, f"download of {entry.uuid}")
        raise RateLimited(
            f"Telegram rate limit: retry in {exc.seconds} seconds", retry_after=exc.seconds
        ) from exc
    except _GONE_ERRORS as exc:
        raise _gone(entry, type(exc).__name__) from exc
    except (TimeoutError, ConnectionError, OSError) as exc:
        detail = network_detail("Failed to download the file from Telegram", exc)
        raise TelegramUnavailable(detail) from exc
    except errors.UnauthorizedError as exc:
        raise Unauthorized(
            "Telegram no longer accepts this session: log in again (POST /api/v3/auth/qr)"
        ) from exc
    except errors.RPCError as exc:
        raise TelegramUnavailable(f"Telegram refused the download: {exc.message}") from exc
