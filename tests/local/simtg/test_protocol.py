"""Protocol plumbing: connection set-up, wrappers, sessions, partial downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from telethon import TelegramClient
from telethon.sessions import SQLiteSession
from telethon.tl import functions, types

from local.simtg import SimulatedTelegram, World


async def test_connect_sends_config_and_state(sim: SimulatedTelegram) -> None:
    client = sim.client(sim.authorized_session())
    await client.connect()
    try:
        # InvokeWithLayer(InitConnection(GetConfig)), then get_me and _on_login's GetState.
        assert sim.requests["GetConfigRequest"] == 1
        assert sim.requests["GetUsersRequest"] == 1
        assert sim.requests["GetStateRequest"] == 1
        assert sim.request_log[0] == "help.GetConfigRequest"
    finally:
        await client.disconnect()


async def test_client_without_updates_works(sim: SimulatedTelegram, world: World) -> None:
    client = sim.client(sim.authorized_session(), receive_updates=False)
    await client.connect()
    try:
        assert (await client.get_me()).id == world.me.id
        assert len(await client.get_dialogs()) == len(world.dialogs)
    finally:
        await client.disconnect()


async def test_sqlite_session_file_survives_processes(
    sim: SimulatedTelegram, world: World, tmp_path: Path
) -> None:
    path = str(tmp_path / "alice.session")
    source = sim.authorized_session()
    session = SQLiteSession(path)
    session.set_dc(source.dc_id, source.server_address, source.port)
    session.auth_key = source.auth_key
    session.save()
    session.close()
    for _ in range(2):  # two "processes" reading the same file
        client = sim.client(path)
        await client.connect()
        try:
            assert (await client.get_me()).id == world.me.id
        finally:
            await client.disconnect()


async def test_iter_download_with_offset(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = next(d for d in world.dialogs if d.kind == "channel")
    media = world.new_media("video", 5 * 1024 * 1024 + 1000, filename="clip.mp4")
    rec = sim.add_message(chan.peer_id, "clip", media=media)
    msg = await client.get_messages(chan.peer_id, ids=rec.id)
    offset = 1024 * 1024
    chunks = [
        c async for c in client.iter_download(msg.media, offset=offset, request_size=256 * 1024)
    ]
    assert b"".join(chunks) == world.media_bytes(media, offset)


async def test_photo_thumbnail_download(client: TelegramClient, world: World) -> None:
    peer, msg_id, media = next(
        (d.peer_id, m.id, m.media)
        for d in world.dialogs
        for m in world.messages(d.peer_id)
        if m.media and m.media.kind == "photo" and m.media.dc_id == world.me.dc_id
    )
    msg = await client.get_messages(peer, ids=msg_id)
    thumb = await client.download_media(msg, bytes, thumb=0)
    assert thumb == world.media_bytes(media, thumb=True)


async def test_full_user_and_peer_dialogs(client: TelegramClient, world: World) -> None:
    user = next(d for d in world.dialogs if d.kind == "user")
    entity = await client.get_input_entity(user.peer_id)
    full = await client(functions.users.GetFullUserRequest(entity))
    assert full.users[0].id == user.peer_id
    peers = await client(functions.messages.GetPeerDialogsRequest([types.InputDialogPeer(entity)]))
    assert peers.dialogs[0].top_message == user.last_message.id  # type: ignore[union-attr]


async def test_qr_tokens_rotate_and_old_ones_still_approve(
    sim: SimulatedTelegram, world: World
) -> None:
    client = sim.client()
    await client.connect()
    try:
        qr = await client.qr_login()
        first = qr.token
        await qr.recreate()
        assert qr.token != first
        sim.approve_qr(first)  # the phone scanned the QR shown before the refresh
        assert (await qr.wait(timeout=5)).id == world.me.id
        with pytest.raises(ValueError):
            sim.approve_qr(b"not a token")
    finally:
        await client.disconnect()
