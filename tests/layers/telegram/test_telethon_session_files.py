"""Embedded sessions are Telethon's own `.session` files, both ways round."""

from __future__ import annotations

from pathlib import Path

from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession
from telethon.tl import types

from local.simtg import SimulatedTelegram
from local.simtg import tl as sim_tl
from tests.support.auth_flow import small_world
from tgscraper.auth.service import AuthService
from tgscraper.auth.store import QrStore
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores
from tgscraper.telegram.clients import ClientProvider


def _channel(sim: SimulatedTelegram) -> types.Channel:
    rec = next(c for c in sim.world.chats.values() if c.kind == "channel")
    channel = sim_tl.chat(rec)
    assert isinstance(channel, types.Channel)
    return channel


async def test_a_session_file_made_by_telethon_just_works(embedded_settings: Settings) -> None:
    sim = SimulatedTelegram(small_world())
    authorized = sim.authorized_session()
    channel = _channel(sim)
    path = Path(embedded_settings.data_dir) / "sessions" / "alice.session"
    path.parent.mkdir(parents=True)
    made = SQLiteSession(str(path))  # a Telethon script elsewhere
    made.set_dc(authorized.dc_id, authorized.server_address, authorized.port)
    made.auth_key = AuthKey(authorized.auth_key.key)  # type: ignore[union-attr]
    made.process_entities(types.contacts.ResolvedPeer(None, [channel], []))
    made.save()
    made.close()

    stores = build_embedded_stores(embedded_settings)
    assert stores.sessions.exists("alice")
    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    sim.reset_requests()
    async with provider.client("alice") as client:
        me = await client.get_me()
        peer = await client.get_input_entity(-1_000_000_000_000 - channel.id)
    assert me.id == sim.world.me.id
    assert isinstance(peer, types.InputPeerChannel) and peer.access_hash == channel.access_hash


async def test_our_session_file_opens_in_telethon(embedded_settings: Settings) -> None:
    sim = SimulatedTelegram(small_world())
    stores = build_embedded_stores(embedded_settings)
    service = AuthService(QrStore(stores.qr), stores.sessions, sim.client)
    started = await service.start("alice")
    sim.approve_qr(started.qr_url)
    assert (await service.poll(started.token)).status == "success"
    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    async with provider.client("alice") as client:
        dialogs = [d async for d in client.iter_dialogs()]
    channel = next(d for d in dialogs if d.is_channel)

    path = Path(embedded_settings.data_dir) / "sessions" / "alice.session"
    client = sim.client(SQLiteSession(str(path)))  # plain Telethon, our file
    await client.connect()
    try:
        assert (await client.get_me()).id == sim.world.me.id
        peer = await client.get_input_entity(channel.id)
    finally:
        await client.disconnect()
    assert isinstance(peer, types.InputPeerChannel)
