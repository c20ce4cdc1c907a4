"""get_me, iter_dialogs (folders, paging), dialog filters and entity lookups."""

from __future__ import annotations

from telethon import TelegramClient, utils
from telethon.tl import functions, types

from local.simtg import SimulatedTelegram, World

from .conftest import small_world


async def test_get_me(client: TelegramClient, world: World) -> None:
    me = await client.get_me()
    assert isinstance(me, types.User)
    assert (me.id, me.username, me.is_self) == (world.me.id, world.me.username, True)


async def test_iter_dialogs_matches_world(client: TelegramClient, world: World) -> None:
    dialogs = await client.get_dialogs()
    assert {d.id for d in dialogs} == {d.peer_id for d in world.dialogs}
    for d in dialogs:
        rec = world.dialog(d.id)
        assert d.title == ("Sim User" if rec.kind == "saved" else rec.title)
        assert d.unread_count == min(rec.unread_count, rec.message_count)
        assert d.archived == rec.archived
        assert d.message.id == rec.last_message.id  # type: ignore[union-attr]
        muted = d.dialog.notify_settings.mute_until is not None
        assert muted == rec.muted
        if rec.kind in ("channel", "supergroup"):
            assert d.entity.participants_count == rec.participants_count
            assert d.entity.creator == rec.is_creator
            assert d.entity.date == rec.created
            assert d.is_channel and (d.entity.megagroup == (rec.kind == "supergroup"))
        if rec.kind == "bot":
            assert d.entity.bot
    pinned = [d.id for d in dialogs if d.pinned]
    assert pinned and pinned == [d.id for d in dialogs[: len(pinned)]]


async def test_archived_folder(client: TelegramClient, world: World) -> None:
    archived = await client.get_dialogs(archived=True)
    main = await client.get_dialogs(archived=False)
    assert {d.id for d in archived} == {d.peer_id for d in world.dialogs if d.archived}
    assert {d.id for d in main} == {d.peer_id for d in world.dialogs if not d.archived}
    total = await client.get_dialogs(limit=0)
    assert total.total == len(world.dialogs)


async def test_dialog_paging_over_many_pages() -> None:
    world = small_world(11, users=230, messages=(1, 3))
    sim = SimulatedTelegram(world)
    client = sim.client(sim.authorized_session())
    await client.connect()
    try:
        sim.reset_requests()
        dialogs = await client.get_dialogs()
        assert sim.requests["GetDialogsRequest"] >= 3
        assert len(dialogs) == len({d.id for d in dialogs}) == len(world.dialogs)
        dates = [d.date for d in dialogs if not d.pinned]
        assert dates == sorted(dates, reverse=True)
    finally:
        await client.disconnect()


async def test_dialog_filters(client: TelegramClient, world: World) -> None:
    result = await client(functions.messages.GetDialogFiltersRequest())
    assert isinstance(result.filters[0], types.DialogFilterDefault)
    filters = [f for f in result.filters if isinstance(f, types.DialogFilter)]
    assert [(f.id, f.title.text) for f in filters] == [(f.id, f.title) for f in world.folders]
    for f, rec in zip(filters, world.folders, strict=True):
        got = {utils.get_peer_id(p) for p in f.include_peers + f.pinned_peers}
        assert got == set(rec.include_peers)
        assert {utils.get_peer_id(p) for p in f.exclude_peers} == set(rec.exclude_peers)
        assert bool(f.broadcasts) == rec.broadcasts and bool(f.contacts) == rec.contacts
        assert bool(f.exclude_muted) == rec.exclude_muted


async def test_get_entity_paths(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    named = next(c for c in world.chats.values() if c.username and c.kind == "channel")
    sim.reset_requests()
    ent = await client.get_entity(named.username)
    assert ent.id == named.id and sim.requests["ResolveUsernameRequest"] == 1
    contact = next(u for u in world.users.values() if u.contact and not u.is_self)
    user = await client.get_entity(types.PeerUser(contact.id))
    assert user.id == contact.id and sim.requests["GetUsersRequest"] >= 1
    group = next(c for c in world.chats.values() if c.kind == "group")
    chat = await client.get_entity(types.PeerChat(group.id))
    assert chat.title == group.title and sim.requests["GetChatsRequest"] == 1
    channel = await client.get_entity(types.InputPeerChannel(named.id, named.access_hash))
    assert channel.title == named.title and sim.requests["GetChannelsRequest"] == 1


async def test_full_channel_and_chat(client: TelegramClient, world: World) -> None:
    chan = next(c for c in world.chats.values() if c.kind == "channel")
    full = await client(
        functions.channels.GetFullChannelRequest(types.InputChannel(chan.id, chan.access_hash))
    )
    assert full.full_chat.participants_count == chan.participants_count
    group = next(c for c in world.chats.values() if c.kind == "group")
    full_chat = await client(functions.messages.GetFullChatRequest(group.id))
    ids = {p.user_id for p in full_chat.full_chat.participants.participants}
    assert ids == set(group.member_ids)


async def test_cached_entities_need_no_request(
    client: TelegramClient, sim: SimulatedTelegram
) -> None:
    dialogs = await client.get_dialogs()
    sim.reset_requests()
    for d in dialogs[:5]:
        await client.get_input_entity(d.id)
    assert sum(sim.requests.values()) == 0


async def test_dialogs_without_participant_counts(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    sim.channel_counts_in_dialogs = False
    dialogs = await client.get_dialogs()
    channels = [d for d in dialogs if d.is_channel]
    assert channels and all(d.entity.participants_count is None for d in channels)
    full = await client(functions.channels.GetFullChannelRequest(channels[0].input_entity))
    assert full.full_chat.participants_count == world.dialog(channels[0].id).participants_count
