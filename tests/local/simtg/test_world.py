"""The world generator on its own: determinism, id rules, laziness, media bytes."""

from __future__ import annotations

import time

from local.simtg import World, media_bytes
from local.simtg.world import COMMON_KINDS

from .conftest import small_world


def _fingerprint(world: World) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for d in world.dialogs:
        msgs = world.messages(d.peer_id)
        out.append(
            (
                d.peer_id,
                d.kind,
                d.title,
                d.archived,
                d.muted,
                d.unread_count,
                len(msgs),
                [(m.id, m.date, m.text, m.sender_id, m.media and m.media.size) for m in msgs],
            )
        )
    return out


def test_same_seed_same_world() -> None:
    assert _fingerprint(small_world(3)) == _fingerprint(small_world(3))
    assert _fingerprint(small_world(3)) != _fingerprint(small_world(4))


def test_world_has_every_kind_and_feature(world: World) -> None:
    kinds = {d.kind for d in world.dialogs}
    assert kinds == {"user", "bot", "group", "supergroup", "channel", "saved"}
    assert any(d.archived for d in world.dialogs)
    assert any(d.muted for d in world.dialogs)
    assert any(d.unread_count for d in world.dialogs)
    assert any(d.is_creator and d.kind == "channel" for d in world.dialogs)
    assert any(d.is_creator and d.kind == "supergroup" for d in world.dialogs)
    assert any(d.verified for d in world.dialogs) and any(d.contact for d in world.dialogs)
    assert any(d.username for d in world.dialogs) and any(not d.username for d in world.dialogs)
    assert any(not t.isascii() for t in (d.title for d in world.dialogs))
    assert len(world.folders) == 4
    msgs = [m for d in world.dialogs for m in world.messages(d.peer_id)]
    assert any(m.fwd and m.fwd.channel_post for m in msgs)
    assert any(m.fwd and m.fwd.from_id and m.fwd.from_id > 0 for m in msgs)
    assert any(m.reply_to for m in msgs)
    assert any(m.edit_date for m in msgs)
    assert {m.media.kind for m in msgs if m.media} == {
        "photo",
        "document",
        "video",
        "voice",
        "sticker",
    }


def test_common_dialogs_share_one_id_counter(world: World) -> None:
    common = [d for d in world.dialogs if d.kind in COMMON_KINDS]
    all_ids = [m.id for d in common for m in world.messages(d.peer_id)]
    assert len(all_ids) == len(set(all_ids))
    assert sorted(all_ids) == list(range(1, len(all_ids) + 1))
    assert any(d.last_message and d.last_message.id != d.message_count for d in common)
    for d in world.dialogs:
        ids = [m.id for m in world.messages(d.peer_id)]
        dates = [m.date for m in world.messages(d.peer_id)]
        assert ids == sorted(ids) and dates == sorted(dates)


def test_big_dialog_is_cheap() -> None:
    world = small_world()
    start = time.perf_counter()
    big = world.add_dialog("channel", 200_000, title="Big")
    assert big.message_count == 200_000
    last = big.last_message
    assert last is not None and last.id >= 200_000
    assert time.perf_counter() - start < 2.0


def test_media_bytes_are_deterministic_slices() -> None:
    whole = media_bytes(1, "k", 300_000)
    assert len(whole) == 300_000
    assert media_bytes(1, "k", 300_000, 70_000, 9_000) == whole[70_000:79_000]
    assert media_bytes(1, "k", 300_000, 299_000, 4096) == whole[299_000:]
    assert media_bytes(2, "k", 300_000, 0, 10) != whole[:10]
    start = time.perf_counter()
    chunk = media_bytes(1, "huge", 1 << 30, (1 << 30) - 524_288, 524_288)
    assert len(chunk) == 524_288 and time.perf_counter() - start < 0.5


def test_add_edit_delete_messages(world: World) -> None:
    chan = next(d for d in world.dialogs if d.kind == "channel")
    before = chan.message_count
    rec = world.add_message(chan.peer_id, "fresh news")
    assert chan.last_message == rec and chan.message_count == before + 1
    world.history(chan.peer_id).edit(rec.id, "edited", rec.date)
    edited = world.history(chan.peer_id).get(rec.id)
    assert edited is not None and edited.text == "edited" and edited.edit_date is not None
    world.history(chan.peer_id).delete(rec.id)
    assert chan.message_count == before


def test_deleting_a_message_changes_no_other_message(world: World) -> None:
    chan = max((d for d in world.dialogs if d.kind == "channel"), key=lambda d: d.message_count)
    before = {m.id: m for m in world.messages(chan.peer_id)}
    victim = list(before)[len(before) // 2]
    world.history(chan.peer_id).delete(victim)
    after = {m.id: m for m in world.messages(chan.peer_id)}
    assert victim not in after
    assert all(after[i] == before[i] for i in after)
