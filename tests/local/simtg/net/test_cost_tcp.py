"""The cost model over real MTProto on TCP: flood buckets, per-connection bandwidth and the
upload.getFile part rules hold for an unmodified TelegramClient on a socket too."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from local.simtg import CostModel, FloodLimit, ManualClock, SimulatedTelegram, World
from local.simtg.net import NetServer

KiB = 1024
MiB = 1024 * KiB


async def _document(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> tuple[Any, types.InputDocumentFileLocation]:
    chan = next(d for d in world.dialogs if d.kind == "channel")
    media = world.new_media("document", 2 * MiB, filename="tcp.bin")
    rec = sim.add_message(chan.peer_id, "over tcp", media=media)
    doc = (await client.get_messages(chan.peer_id, ids=rec.id)).media.document
    return media, types.InputDocumentFileLocation(doc.id, doc.access_hash, doc.file_reference, "")


async def _parts(client: TelegramClient, loc: Any, offsets: list[int], size: int) -> list[bytes]:
    answers = await asyncio.gather(
        *(client(functions.upload.GetFileRequest(loc, o, size)) for o in offsets)
    )
    return [a.bytes for a in answers]


async def test_parallel_burst_over_tcp_is_flood_waited(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    """GIVEN getHistory at 0.5/s with a burst of 4 WHEN 10 go out at once on a socket THEN
    4 answers and 6 FLOOD_WAIT_2, the error class Telethon raises for real Telegram."""
    client.flood_sleep_threshold = 0
    clock = ManualClock()
    sim.cost = CostModel(flood_limits={"messages.getHistory": FloodLimit(0.5, 4)}, clock=clock)
    peer = await client.get_input_entity(world.dialogs[0].peer_id)
    request = functions.messages.GetHistoryRequest(peer, 0, None, 0, 5, 0, 0, 0)
    results = await asyncio.gather(*(client(request) for _ in range(10)), return_exceptions=True)
    floods = [r.seconds for r in results if isinstance(r, errors.FloodWaitError)]
    assert floods == [2] * 6
    assert sum(not isinstance(r, BaseException) for r in results) == 4
    clock.advance(2)
    assert len((await client(request)).messages) == 5  # refilled


async def test_two_tcp_connections_download_faster_than_one_with_parts_in_flight(
    client: TelegramClient, server: NetServer, sim: SimulatedTelegram, world: World
) -> None:
    """GIVEN 512 KiB/s per connection WHEN four 128 KiB parts are in flight on one socket
    THEN at least 1 s; on two sockets (two parts each) clearly less."""
    media, loc = await _document(client, sim, world)
    second = server.client(server.authorized_session())
    await second.connect()
    part, offsets = 128 * KiB, [i * 128 * KiB for i in range(4)]
    try:
        sim.cost = CostModel(bandwidth=512 * KiB)
        start = time.monotonic()
        alone = await _parts(client, loc, offsets, part)
        one = time.monotonic() - start
        start = time.monotonic()
        split = await asyncio.gather(
            _parts(client, loc, offsets[:2], part), _parts(second, loc, offsets[2:], part)
        )
        two = time.monotonic() - start
    finally:
        await second.disconnect()
    assert b"".join(alone) == b"".join(split[0] + split[1]) == world.media_bytes(media, 0, 4 * part)
    assert one >= 0.95
    assert two < 0.8 * one


@pytest.mark.parametrize(
    ("offset", "limit", "error"),
    [
        (MiB - 4 * KiB, 8 * KiB, errors.LimitInvalidError),
        (0, 12 * KiB, errors.LimitInvalidError),
        (2048, 4 * KiB, errors.OffsetInvalidError),
    ],
)
async def test_file_part_rules_over_tcp(
    client: TelegramClient,
    sim: SimulatedTelegram,
    world: World,
    offset: int,
    limit: int,
    error: type,
) -> None:
    """GIVEN a part Telegram refuses THEN the same error over TCP; a valid 1 MiB part
    on the MiB boundary is served."""
    media, loc = await _document(client, sim, world)
    with pytest.raises(error):
        await client(functions.upload.GetFileRequest(loc, offset, limit))
    ok = await client(functions.upload.GetFileRequest(loc, MiB, MiB))
    assert ok.bytes == world.media_bytes(media, MiB, MiB)
