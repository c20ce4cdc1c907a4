"""A real, unmodified TelegramClient over TCP: every transport, the key exchange, QR
login with DC migration, 2FA, history, and files on another DC."""

from __future__ import annotations

import asyncio

import pytest
from telethon import TelegramClient, errors
from telethon.crypto import AuthKey
from telethon.errors.common import AuthKeyNotFound
from telethon.network import (
    ConnectionTcpAbridged,
    ConnectionTcpFull,
    ConnectionTcpIntermediate,
    ConnectionTcpObfuscated,
)

from local.simtg import SimulatedTelegram, World
from local.simtg.net import NetServer

TRANSPORTS = [
    ConnectionTcpFull,
    ConnectionTcpIntermediate,
    ConnectionTcpAbridged,
    ConnectionTcpObfuscated,
]


async def _qr_login(client: TelegramClient, sim: SimulatedTelegram, **approve: int) -> int:
    qr = await client.qr_login()
    sim.approve_qr(qr.url, **approve)
    me = await asyncio.wait_for(qr.wait(10), 15)
    return int(me.id)


@pytest.mark.parametrize("transport", TRANSPORTS, ids=lambda t: t.__name__)
async def test_fresh_key_then_qr_login_and_dialogs(
    server: NetServer, sim: SimulatedTelegram, world: World, transport: type
) -> None:
    client = server.client(connection=transport)
    await asyncio.wait_for(client.connect(), 20)
    try:
        key = client.session.auth_key.key
        assert key is not None and key in sim.auth.keys  # agreed by DH, known to the server
        assert sim.auth.keys[key].dc_id == 2
        assert await _qr_login(client, sim) == world.me.id
        dialogs = await client.get_dialogs()
        assert {d.id for d in dialogs} == {d.peer_id for d in world.dialogs}
    finally:
        await client.disconnect()
    assert server.stats["auth_key_created"] == 1
    assert server.stats["new_session_created"] >= 1
    assert server.stats["bad_server_salt"] >= 1  # Telethon starts with salt 0
    assert server.stats["gzip_packed"] >= 1  # the dialog list is big enough to be packed


async def test_qr_login_migrates_to_the_accounts_dc_for_real(
    server: NetServer, sim: SimulatedTelegram, world: World
) -> None:
    client = server.client()
    await client.connect()
    try:
        assert await _qr_login(client, sim, dc_id=4) == world.me.id
        # Telethon switched DC: a new TCP connection to DC 4's port, with a new key.
        assert client.session.dc_id == 4
        assert client.session.port == server.dcs[4].port
        assert server.connects[4] >= 1
        assert sim.auth.keys[client.session.auth_key.key].dc_id == 4
        assert (await client.get_me()).id == world.me.id
    finally:
        await client.disconnect()


async def test_qr_login_with_2fa(server: NetServer, sim: SimulatedTelegram, world: World) -> None:
    sim.set_password("correct horse", hint="horse")
    client = server.client()
    await client.connect()
    try:
        qr = await client.qr_login()
        sim.approve_qr(qr.url)
        with pytest.raises(errors.SessionPasswordNeededError):
            await asyncio.wait_for(qr.wait(10), 15)
        with pytest.raises(errors.PasswordHashInvalidError):
            await client.sign_in(password="wrong")
        me = await client.sign_in(password="correct horse")
        assert me.id == world.me.id
        assert await client.is_user_authorized()
    finally:
        await client.disconnect()


async def test_history_pages(client: TelegramClient, world: World) -> None:
    dialog = max(world.dialogs, key=lambda d: d.message_count)
    got = [m.id async for m in client.iter_messages(dialog.peer_id, wait_time=0)]
    assert got == [m.id for m in reversed(world.messages(dialog.peer_id))]


async def test_files_on_another_dc_use_an_exported_authorization(
    client: TelegramClient, server: NetServer, sim: SimulatedTelegram, world: World
) -> None:
    found = next(
        (d.peer_id, m)
        for d in world.dialogs
        for m in world.messages(d.peer_id)
        if m.media and m.media.kind == "document" and m.media.dc_id == 4
    )
    msg = await client.get_messages(found[0], ids=found[1].id)
    assert found[1].media is not None
    sim.reset_requests()
    data = await client.download_media(msg, bytes)
    assert data == world.media_bytes(found[1].media)
    assert sim.requests["ExportAuthorizationRequest"] == 1
    assert sim.requests["ImportAuthorizationRequest"] == 1
    assert server.connects[4] >= 1


async def test_unknown_auth_key_is_refused_like_telegram(server: NetServer) -> None:
    session = server.authorized_session()
    session.auth_key = AuthKey(b"\x01" * 256)  # a key this server never agreed
    client = server.client(session)
    try:
        # Telegram's -404 transport error: Telethon's own AuthKeyNotFound, no retry storm.
        with pytest.raises(AuthKeyNotFound):
            await asyncio.wait_for(client.connect(), 20)
            await asyncio.wait_for(client.get_me(), 20)
    finally:
        await client.disconnect()
    assert server.stats["unknown_auth_key"] >= 1


async def test_push_update_reaches_a_waiting_client(
    server: NetServer, sim: SimulatedTelegram, world: World
) -> None:
    # QRLogin.wait only returns on the pushed updateLoginToken (no polling by Telethon).
    client = server.client()
    await client.connect()
    try:
        qr = await client.qr_login()
        waiter = asyncio.create_task(qr.wait(10))
        await asyncio.sleep(0.2)
        sim.approve_qr(qr.url)
        assert (await asyncio.wait_for(waiter, 15)).id == world.me.id
    finally:
        await client.disconnect()


async def test_sim_disconnect_control_drops_the_tcp_connection(
    client: TelegramClient, server: NetServer, sim: SimulatedTelegram, world: World
) -> None:
    dialog = max(world.dialogs, key=lambda d: d.message_count)
    before = server.connects[2]
    sim.disconnect_after("GetHistoryRequest", 0)
    # Telethon reconnects on its own and re-sends the request on the new connection.
    msgs = await asyncio.wait_for(client.get_messages(dialog.peer_id, limit=5), 30)
    assert [m.id for m in msgs] == [m.id for m in world.messages(dialog.peer_id)[::-1][:5]]
    assert server.connects[2] == before + 1


async def test_strict_key_sharing_sees_tcp_connections(
    server: NetServer, sim: SimulatedTelegram
) -> None:
    from telethon.errors import AuthKeyDuplicatedError

    sim.strict_key_sharing = True
    session = server.authorized_session()
    first = server.client(session)
    await first.connect()
    twin = server.authorized_session()
    twin.auth_key = session.auth_key  # the same key from a second connection
    second = server.client(twin)
    try:
        assert await first.get_me() is not None
        with pytest.raises(AuthKeyDuplicatedError):
            await second.connect()
            await second.get_me()
    finally:
        await first.disconnect()
        await second.disconnect()
