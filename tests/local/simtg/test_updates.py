"""pts and differences through Telethon's raw requests: every new message, edit and
deletion advances the dialog's pts, and getChannelDifference / getDifference report them
(with limit/final, slices and TooLong) as Telegram does."""

from __future__ import annotations

from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions as F
from telethon.tl import types as T

from local.simtg import SimulatedTelegram, World
from local.simtg.models import DialogRec


def _dialog(world: World, kind: str) -> DialogRec:
    return max((d for d in world.dialogs if d.kind == kind), key=lambda d: d.message_count)


async def _channel_pts(client: TelegramClient, peer_id: int) -> int:
    result = await client(F.messages.GetHistoryRequest(peer_id, 0, None, 0, 1, 0, 0, 0))
    assert isinstance(result, T.messages.ChannelMessages)
    return int(result.pts)


async def _diff(client: TelegramClient, peer_id: int, pts: int, limit: int = 100) -> Any:
    channel = await client.get_input_entity(peer_id)
    return await client(
        F.updates.GetChannelDifferenceRequest(
            channel=channel, filter=T.ChannelMessagesFilterEmpty(), pts=pts, limit=limit
        )
    )


async def _channel_changes_are_reported(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = _dialog(world, "channel")
    ids = [m.id for m in world.messages(chan.peer_id)]
    pts = await _channel_pts(client, chan.peer_id)
    assert isinstance(await _diff(client, chan.peer_id, pts), T.updates.ChannelDifferenceEmpty)

    sim.edit_message(chan.peer_id, ids[3], "corrected")
    sim.delete_message(chan.peer_id, ids[5])
    new = sim.add_message(chan.peer_id, "breaking news")

    diff = await _diff(client, chan.peer_id, pts)
    assert isinstance(diff, T.updates.ChannelDifference)
    assert diff.final and diff.pts == pts + 3 == await _channel_pts(client, chan.peer_id)
    assert [(m.id, m.message) for m in diff.new_messages] == [(new.id, "breaking news")]
    edits = [u for u in diff.other_updates if isinstance(u, T.UpdateEditChannelMessage)]
    assert [(u.message.id, u.message.message, u.pts) for u in edits] == [
        (ids[3], "corrected", pts + 1)
    ]
    assert edits[0].message.edit_date is not None
    deletes = [u for u in diff.other_updates if isinstance(u, T.UpdateDeleteChannelMessages)]
    assert [(u.messages, u.pts) for u in deletes] == [([ids[5]], pts + 2)]
    after = await _diff(client, chan.peer_id, diff.pts)
    assert isinstance(after, T.updates.ChannelDifferenceEmpty) and after.pts == diff.pts


async def test_channel_difference_reports_new_edited_and_deleted(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    await _channel_changes_are_reported(client, sim, world)


async def test_channel_difference_over_tcp(world: World, sim: SimulatedTelegram) -> None:
    from local.simtg.net import serve

    with serve(sim) as server:
        client = server.client(server.authorized_session())
        await client.connect()
        try:
            await client.get_dialogs()
            await _channel_changes_are_reported(client, sim, world)
        finally:
            await client.disconnect()


async def test_limit_slices_the_channel_difference_until_final(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = _dialog(world, "supergroup")
    ids = [m.id for m in world.messages(chan.peer_id)]
    pts = await _channel_pts(client, chan.peer_id)
    for msg_id in ids[:5]:
        sim.edit_message(chan.peer_id, msg_id, f"v2 of {msg_id}")
    seen: list[int] = []
    finals: list[bool] = []
    while True:
        diff = await _diff(client, chan.peer_id, pts, limit=2)
        assert isinstance(diff, T.updates.ChannelDifference)
        seen += [u.message.id for u in diff.other_updates]
        finals.append(bool(diff.final))
        pts = diff.pts
        if diff.final:
            break
    assert seen == ids[:5] and finals == [False, False, True]


async def test_an_old_pts_is_too_long(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    chan = _dialog(world, "channel")
    pts = await _channel_pts(client, chan.peer_id)
    sim.difference_window = 2
    for i in range(3):
        sim.add_message(chan.peer_id, f"post {i}")
    diff = await _diff(client, chan.peer_id, pts)
    assert isinstance(diff, T.updates.ChannelDifferenceTooLong)
    assert diff.dialog.pts == pts + 3
    assert diff.messages[0].message == "post 2"  # the newest messages come along
    # Older than the sequence itself (e.g. a pts kept from another server): TooLong too.
    sim.difference_window = 10_000
    assert isinstance(await _diff(client, chan.peer_id, 1), T.updates.ChannelDifferenceTooLong)
    with pytest.raises(errors.PersistentTimestampInvalidError):
        await _diff(client, chan.peer_id, pts + 10)


async def test_account_difference_covers_private_chats_and_groups(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    user, group = _dialog(world, "user"), _dialog(world, "group")
    state = await client(F.updates.GetStateRequest())
    empty = await client(F.updates.GetDifferenceRequest(state.pts, state.date, state.qts))
    assert isinstance(empty, T.updates.DifferenceEmpty)

    dm = world.messages(user.peer_id)[-1]
    sim.edit_message(user.peer_id, dm.id, "edited dm")
    gone = world.messages(group.peer_id)[0].id
    sim.delete_message(group.peer_id, gone)
    new = sim.add_message(group.peer_id, "hello group")

    diff = await client(F.updates.GetDifferenceRequest(state.pts, state.date, state.qts))
    assert isinstance(diff, T.updates.Difference)
    assert diff.state.pts == state.pts + 3
    assert [(m.id, m.message) for m in diff.new_messages] == [(new.id, "hello group")]
    kinds = [(type(u).__name__, getattr(u, "messages", None)) for u in diff.other_updates]
    assert kinds == [("UpdateEditMessage", None), ("UpdateDeleteMessages", [gone])]
    assert diff.other_updates[0].message.message == "edited dm"
    now = await client(F.updates.GetStateRequest())
    assert now.pts == diff.state.pts


async def test_account_difference_comes_in_slices_and_too_long(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    user = _dialog(world, "user")
    state = await client(F.updates.GetStateRequest())
    posted = [sim.add_message(user.peer_id, f"m{i}").id for i in range(5)]
    sim.difference_slice = 3
    first = await client(F.updates.GetDifferenceRequest(state.pts, state.date, state.qts))
    assert isinstance(first, T.updates.DifferenceSlice)
    st = first.intermediate_state
    rest = await client(F.updates.GetDifferenceRequest(st.pts, st.date, st.qts))
    assert isinstance(rest, T.updates.Difference)
    assert [m.id for m in [*first.new_messages, *rest.new_messages]] == posted
    sim.difference_window = 4
    too_old = await client(F.updates.GetDifferenceRequest(state.pts, state.date, state.qts))
    assert isinstance(too_old, T.updates.DifferenceTooLong) and too_old.pts == state.pts + 5
