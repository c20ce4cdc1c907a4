"""iter_messages / get_messages through Telethon against the world read model."""

from __future__ import annotations

from datetime import timedelta

from telethon import TelegramClient, types

from local.simtg import SimulatedTelegram, World
from local.simtg.models import DialogRec


def _dialog(world: World, kind: str, min_count: int = 30) -> DialogRec:
    return next(d for d in world.dialogs if d.kind == kind and d.message_count >= min_count)


async def test_full_history_newest_first(client: TelegramClient, world: World) -> None:
    chan = _dialog(world, "channel")
    got = [m async for m in client.iter_messages(chan.peer_id, wait_time=0)]
    expected = list(reversed(world.messages(chan.peer_id)))
    assert [m.id for m in got] == [m.id for m in expected]
    for m, rec in zip(got, expected, strict=True):
        assert (m.date, m.message, m.post_author, m.edit_date) == (
            rec.date,
            rec.text,
            rec.post_author,
            rec.edit_date,
        )
        assert (m.fwd_from is not None) == (rec.fwd is not None)
        if rec.fwd is not None and rec.fwd.channel_post:
            assert m.fwd_from.channel_post == rec.fwd.channel_post
        assert (m.reply_to_msg_id or None) == rec.reply_to
        assert (m.media is not None) == (rec.media is not None)


async def test_reverse_and_limits(client: TelegramClient, world: World) -> None:
    peer = _dialog(world, "supergroup").peer_id
    recs = world.messages(peer)
    got = [m.id async for m in client.iter_messages(peer, reverse=True, wait_time=0)]
    assert got == [m.id for m in recs]
    first = [m.id async for m in client.iter_messages(peer, limit=7, reverse=True)]
    assert first == [m.id for m in recs[:7]]
    newest = await client.get_messages(peer, limit=7)
    assert [m.id for m in newest] == [m.id for m in reversed(recs[-7:])]


async def test_min_max_id(client: TelegramClient, world: World) -> None:
    peer = _dialog(world, "channel").peer_id
    ids = [m.id for m in world.messages(peer)]
    lo, hi = ids[5], ids[25]
    got = [m.id async for m in client.iter_messages(peer, min_id=lo, max_id=hi)]
    assert got == [i for i in reversed(ids) if lo < i < hi]
    got_rev = [m.id async for m in client.iter_messages(peer, min_id=lo, max_id=hi, reverse=True)]
    assert got_rev == [i for i in ids if lo < i < hi]


async def test_offset_date_both_directions(client: TelegramClient, world: World) -> None:
    peer = _dialog(world, "user").peer_id
    recs = world.messages(peer)
    pivot = recs[len(recs) // 2].date + timedelta(seconds=1)
    older = [m.id async for m in client.iter_messages(peer, offset_date=pivot, wait_time=0)]
    assert older == [m.id for m in reversed(recs) if m.date < pivot]
    newer = [
        m.id async for m in client.iter_messages(peer, offset_date=pivot, reverse=True, wait_time=0)
    ]
    assert newer == [m.id for m in recs if m.date >= pivot]


async def test_total_counts(client: TelegramClient, world: World) -> None:
    for kind in ("channel", "user", "group", "saved"):
        d = _dialog(world, kind, 2)
        total = (await client.get_messages(d.peer_id, limit=0)).total
        assert total == d.message_count
    user = next(
        d
        for d in world.dialogs
        if d.kind == "user" and d.last_message and d.last_message.id != d.message_count
    )
    assert (await client.get_messages(user.peer_id, limit=1))[0].id == user.last_message.id


async def test_get_messages_by_id(client: TelegramClient, world: World) -> None:
    chan = _dialog(world, "channel")
    ids = [m.id for m in world.messages(chan.peer_id)][3:6]
    got = await client.get_messages(chan.peer_id, ids=ids)
    assert [m.id for m in got] == ids
    user = _dialog(world, "user", 3)
    uid = world.messages(user.peer_id)[1].id
    msg = await client.get_messages(user.peer_id, ids=uid)
    assert msg is not None and msg.id == uid
    assert await client.get_messages(chan.peer_id, ids=10**9) is None


async def test_new_edited_deleted_messages(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = _dialog(world, "channel")
    old_top = chan.last_message
    assert old_top is not None
    new = sim.add_message(chan.peer_id, "Breaking: simulated news 📰")
    assert new.id == old_top.id + 1
    top = (await client.get_messages(chan.peer_id, limit=1))[0]
    assert (top.id, top.message) == (new.id, "Breaking: simulated news 📰")
    sim.edit_message(chan.peer_id, new.id, "Corrected headline")
    top = (await client.get_messages(chan.peer_id, limit=1))[0]
    assert top.message == "Corrected headline" and top.edit_date is not None
    sim.delete_message(chan.peer_id, new.id)
    top = (await client.get_messages(chan.peer_id, limit=1))[0]
    assert top.id == old_top.id
    user = _dialog(world, "user", 2)
    dm = sim.add_message(user.peer_id, "hi there")
    assert dm.id > max(
        d.last_message.id
        for d in world.dialogs  # type: ignore[union-attr]
        if d.kind in ("user", "bot", "group", "saved") and d is not user
    )


async def test_messages_are_real_tl_objects(client: TelegramClient, world: World) -> None:
    chan = _dialog(world, "channel")
    msgs = await client.get_messages(chan.peer_id, limit=3)
    assert all(isinstance(m, types.Message) for m in msgs)
    assert isinstance(msgs[0].peer_id, types.PeerChannel)
