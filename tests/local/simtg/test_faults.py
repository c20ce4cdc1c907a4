"""Injected faults and errors, raised as Telethon raises them for real RPC errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from local.simtg import SimulatedTelegram, World
from local.simtg.models import DialogRec
from local.simtg.sender import round_trip


def _big_channel(world: World) -> DialogRec:
    return max((d for d in world.dialogs if d.kind == "channel"), key=lambda d: d.message_count)


async def test_flood_wait_after_n_requests(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = world.add_dialog("channel", 450, title="Flooded")
    await client.get_dialogs()
    client.flood_sleep_threshold = 0
    sim.flood("GetHistoryRequest", 42, after=2)
    seen = []
    with pytest.raises(errors.FloodWaitError) as info:
        async for m in client.iter_messages(chan.peer_id, wait_time=0):
            seen.append(m.id)
    assert info.value.seconds == 42
    assert len(seen) == 200  # two pages of 100 went through first


async def test_flood_wait_by_qualified_name(client: TelegramClient, sim: SimulatedTelegram) -> None:
    client.flood_sleep_threshold = 0
    sim.flood("messages.GetDialogsRequest", 7)
    with pytest.raises(errors.FloodWaitError) as info:
        await client.get_dialogs()
    assert info.value.seconds == 7


async def test_disconnect_in_the_middle_of_a_history_walk(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = world.add_dialog("channel", 350, title="Flaky")
    await client.get_dialogs()
    sim.disconnect_after("GetHistoryRequest", 1)
    got = []
    with pytest.raises(ConnectionError):
        async for m in client.iter_messages(chan.peer_id, wait_time=0):
            got.append(m.id)
    assert len(got) == 100 and not client.is_connected()
    await client.connect()
    rest = [m.id async for m in client.iter_messages(chan.peer_id, offset_id=got[-1], wait_time=0)]
    assert got + rest == [m.id for m in reversed(world.messages(chan.peer_id))]


async def test_channel_private(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = _big_channel(world)
    sim.deny(chan.peer_id)
    with pytest.raises(errors.ChannelPrivateError):
        await client.get_messages(chan.peer_id, limit=1)
    assert chan.peer_id not in {d.id for d in await client.get_dialogs()}


async def test_unknown_peers(client: TelegramClient, world: World) -> None:
    with pytest.raises(errors.PeerIdInvalidError):
        await client(
            functions.messages.GetHistoryRequest(
                types.InputPeerUser(424242, 1), 0, None, 0, 1, 0, 0, 0
            )
        )
    chan = _big_channel(world)
    with pytest.raises(errors.ChannelInvalidError):
        await client(
            functions.channels.GetFullChannelRequest(
                types.InputChannel(world.chats[chan.entity_id].id, 12345)
            )
        )


async def test_latency_is_awaited(client: TelegramClient, sim: SimulatedTelegram) -> None:
    sim.latency = 0.05
    start = time.perf_counter()
    await client.get_me()
    assert time.perf_counter() - start >= 0.05


async def test_request_counter(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    sim.reset_requests()
    assert sum(sim.requests.values()) == 0
    await client.get_messages(_big_channel(world).peer_id, limit=5)
    assert sim.requests == {"GetHistoryRequest": 1}
    assert list(sim.request_log) == ["messages.GetHistoryRequest"]


def test_malformed_objects_fail_in_the_round_trip() -> None:
    bad = types.Message(
        id=1, peer_id=types.PeerUser(1), date=datetime.now(UTC), message="x", views=5
    )  # views without forwards is not valid TL
    with pytest.raises(AssertionError):
        round_trip(functions.help.GetConfigRequest(), bad)


def test_demo_world_has_large_media() -> None:
    sim = SimulatedTelegram.demo()
    archive = next(d for d in sim.world.dialogs if d.username == "sim_archive")
    sizes = [m.media.size for m in sim.world.messages(archive.peer_id) if m.media]
    assert max(sizes) >= 40 * 1024 * 1024
    assert sim.world.password is None


async def test_more_telegram_errors(client: TelegramClient, world: World) -> None:
    with pytest.raises(ValueError, match="No user has"):
        await client.get_entity("nobody_has_this_name")  # USERNAME_NOT_OCCUPIED
    with pytest.raises(errors.ChatIdInvalidError):
        await client(functions.messages.GetFullChatRequest(1))
    with pytest.raises(errors.AuthTokenExpiredError):
        await client(functions.auth.ImportLoginTokenRequest(b"\0" * 32))
    stranger = next(u for u in world.users.values() if not u.contact and not u.bot)
    assert await client(functions.users.GetUsersRequest([types.InputUser(stranger.id, 0)])) == []
    doc = next(
        m.media
        for d in world.dialogs
        for m in world.messages(d.peer_id)
        if m.media and m.media.kind == "document" and m.media.dc_id == world.me.dc_id
    )
    loc = types.InputDocumentFileLocation(doc.id, doc.access_hash, b"", "")
    with pytest.raises(errors.FileReferenceExpiredError):
        await client(functions.upload.GetFileRequest(loc, 0, 4096))  # no/old reference


async def test_bad_file_windows(client: TelegramClient, world: World) -> None:
    peer, msg_id = next(
        (d.peer_id, m.id)
        for d in world.dialogs
        for m in world.messages(d.peer_id)
        if m.media and m.media.kind == "document" and m.media.dc_id == world.me.dc_id
    )
    msg = await client.get_messages(peer, ids=msg_id)
    doc = msg.media.document
    loc = types.InputDocumentFileLocation(doc.id, doc.access_hash, doc.file_reference, "")
    with pytest.raises(errors.LimitInvalidError):
        await client(functions.upload.GetFileRequest(loc, 0, 3000))
    with pytest.raises(errors.OffsetInvalidError):
        await client(functions.upload.GetFileRequest(loc, 100, 4096))
    part = await client(functions.upload.GetFileRequest(loc, 4096, 4096))
    rec = world.history(peer).get(msg_id)
    assert rec is not None and rec.media is not None
    assert part.bytes == world.media_bytes(rec.media, 4096, 4096)


async def test_log_out_revokes_the_key(sim: SimulatedTelegram) -> None:
    session = sim.authorized_session()
    client = sim.client(session)
    await client.connect()
    key = session.auth_key.key
    assert await client.log_out()
    assert sim.auth.keys[key].revoked
