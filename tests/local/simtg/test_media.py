"""download_media: photos and documents in chunks, across DCs, with file references."""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors

from local.simtg import MediaRec, SimulatedTelegram, World


def _media_message(world: World, kind: str, dc: int | None = None) -> tuple[int, int, MediaRec]:
    for d in world.dialogs:
        for m in world.messages(d.peer_id):
            if m.media and m.media.kind == kind and (dc is None or m.media.dc_id == dc):
                return d.peer_id, m.id, m.media
    raise LookupError(kind)


async def test_download_photo(client: TelegramClient, world: World) -> None:
    peer, msg_id, media = _media_message(world, "photo", dc=world.me.dc_id)
    msg = await client.get_messages(peer, ids=msg_id)
    data = await client.download_media(msg, bytes)
    assert data == world.media_bytes(media) and len(data) == media.size


async def test_download_document_with_filename(client: TelegramClient, world: World) -> None:
    peer, msg_id, media = _media_message(world, "document", dc=world.me.dc_id)
    msg = await client.get_messages(peer, ids=msg_id)
    assert msg.file.name == media.filename and msg.file.size == media.size
    assert await client.download_media(msg, bytes) == world.media_bytes(media)


async def test_download_from_another_dc(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    sim.reset_requests()
    for kind in ("photo", "document"):
        peer, msg_id, media = _media_message(world, kind, dc=4)
        msg = await client.get_messages(peer, ids=msg_id)
        assert await client.download_media(msg, bytes) == world.media_bytes(media)
    # Telethon exported its authorization to DC 4 once and reused the borrowed sender.
    assert sim.requests["ExportAuthorizationRequest"] == 1
    assert sim.requests["ImportAuthorizationRequest"] == 1
    assert "FILE_MIGRATE" not in str(sim.requests)


async def test_large_document_in_chunks(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = next(d for d in world.dialogs if d.kind == "channel")
    media = world.new_media("document", 3 * 1024 * 1024 + 17, filename="big.bin")
    rec = sim.add_message(chan.peer_id, "big file", media=media)
    msg = await client.get_messages(chan.peer_id, ids=rec.id)
    sim.reset_requests()
    data = await client.download_media(msg, bytes)
    assert data == world.media_bytes(media)
    assert sim.requests["GetFileRequest"] >= 4


async def test_photo_reference_expired_then_refetch(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg_id, media = _media_message(world, "photo", dc=world.me.dc_id)
    msg = await client.get_messages(peer, ids=msg_id)
    sim.expire_file_references()
    with pytest.raises(errors.FileReferenceExpiredError):
        await client.download_media(msg, bytes)
    fresh = await client.get_messages(peer, ids=msg_id)
    assert await client.download_media(fresh, bytes) == world.media_bytes(media)


async def test_document_reference_refreshed_by_telethon(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg_id, media = _media_message(world, "document", dc=world.me.dc_id)
    msg = await client.get_messages(peer, ids=msg_id)
    sim.expire_file_references()
    sim.reset_requests()
    # Telethon refetches the message itself for documents, then retries.
    assert await client.download_media(msg, bytes) == world.media_bytes(media)
    assert sim.requests["GetMessagesRequest"] == 1
