"""Telethon writes into the BlobWriter through a sink: awaited for downloaded chunks,
synchronously for a photo size cached inside the message. Neither may lose bytes."""

from __future__ import annotations

from datetime import UTC, datetime

from telethon import types

from local.simtg import SimulatedTelegram
from tests.support.files import small_world
from tgscraper.files.telegram_fetch import _WriterSink
from tgscraper.storage.factory import Stores


async def test_a_photo_cached_in_the_message_is_written_whole(stores: Stores) -> None:
    client = SimulatedTelegram(small_world()).client()  # never connected: no network needed
    cached = types.PhotoCachedSize("x", 90, 90, b"\xff\xd8cached-jpeg-bytes\xff\xd9")
    photo = types.Photo(1, 2, b"ref", datetime.now(UTC), [cached], 2)
    writer = stores.blobs.open_writer("alice/cached")
    sink = _WriterSink(writer)

    await client.download_media(types.MessageMediaPhoto(photo=photo), file=sink)
    writer.commit()

    assert b"".join(stores.blobs.read("alice/cached")) == cached.bytes
    assert sink.written == len(cached.bytes)


async def test_large_chunks_are_written_off_the_loop_and_counted(stores: Stores) -> None:
    writer = stores.blobs.open_writer("alice/big")
    sink = _WriterSink(writer)
    chunk = bytes(range(256)) * 1024  # 256 KiB: the awaited path
    for _ in range(3):
        result = sink.write(chunk)
        assert not isinstance(result, int)
        await result
    writer.commit()
    assert stores.blobs.size("alice/big") == sink.written == 3 * len(chunk)
