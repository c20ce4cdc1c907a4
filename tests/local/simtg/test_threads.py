"""messages.getForumTopics / getForumTopicsByID / getReplies through Telethon's raw
requests, against the showcase's records (computed here, not by the sim's own helpers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions as F
from telethon.tl import types as T

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from local.simtg.rich import topic_of
from local.simtg.showcase import Showcase, add_showcase

from .conftest import small_world


@pytest.fixture
def showcase() -> tuple[World, Showcase]:
    world = small_world()
    return world, add_showcase(world)


@pytest.fixture
def world(showcase: tuple[World, Showcase]) -> World:
    return showcase[0]


@pytest.fixture
def sc(showcase: tuple[World, Showcase]) -> Showcase:
    return showcase[1]


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


def _topics(client: TelegramClient, peer: object, **kw: object) -> F.messages.GetForumTopicsRequest:
    args = {"offset_date": None, "offset_id": 0, "offset_topic": 0, "limit": 100, **kw}
    return F.messages.GetForumTopicsRequest(peer=peer, **args)  # type: ignore[arg-type]


def _replies(peer: object, msg_id: int, **kw: object) -> F.messages.GetRepliesRequest:
    args = {"offset_id": 0, "offset_date": None, "add_offset": 0, "limit": 100}
    args.update({"max_id": 0, "min_id": 0, "hash": 0, **kw})
    return F.messages.GetRepliesRequest(peer=peer, msg_id=msg_id, **args)  # type: ignore[arg-type]


def _in_topic(world: World, sc: Showcase, tid: int) -> list[MessageRec]:
    return [r for r in world.messages(sc.forum) if topic_of(r) == tid]


async def test_forum_topics_are_the_showcase_topics(
    client: TelegramClient, world: World, sc: Showcase
) -> None:
    peer = await client.get_input_entity(sc.forum)
    res = await client(_topics(client, peer))
    assert isinstance(res, T.messages.ForumTopics)
    assert res.count == 3
    got = {t.title: t for t in res.topics}
    assert set(got) == set(sc.topics)
    assert all(isinstance(t, T.ForumTopic) for t in res.topics)
    creations = {r.id: r for r in world.messages(sc.forum) if r.extra and r.extra.action}
    for title, tid in sc.topics.items():
        t = got[title]
        msgs = _in_topic(world, sc, tid)
        assert t.id == tid and t.top_message == msgs[-1].id
        if tid != 1:
            action = creations[tid].extra.action  # type: ignore[union-attr]
            assert (t.icon_color, bool(t.pinned), t.date) == (
                action.icon_color,
                action.pinned,
                creations[tid].date,
            )
    assert got["Off-topic"].closed and not got["Announcements"].closed
    assert got["Announcements"].pinned and not got["Off-topic"].pinned
    # most recently active first, and the top messages come along
    assert [t.top_message for t in res.topics] == sorted(
        (t.top_message for t in res.topics), reverse=True
    )
    assert {m.id for m in res.messages} == {t.top_message for t in res.topics}


async def test_forum_topics_page_with_the_last_topics_offsets_and_q(
    client: TelegramClient, sc: Showcase
) -> None:
    peer = await client.get_input_entity(sc.forum)
    every = (await client(_topics(client, peer))).topics
    seen, offsets = [], {}
    while True:
        res = await client(_topics(client, peer, limit=1, **offsets))
        if not res.topics:
            break
        seen.extend(res.topics)
        last = res.topics[-1]
        top = next(m for m in res.messages if m.id == last.top_message)
        offsets = {"offset_date": top.date, "offset_id": top.id, "offset_topic": last.id}
    assert [t.id for t in seen] == [t.id for t in every]
    found = await client(_topics(client, peer, q="off"))
    assert [t.title for t in found.topics] == ["Off-topic"] and found.count == 1


async def test_topics_by_id_and_a_non_forum(client: TelegramClient, sc: Showcase) -> None:
    peer = await client.get_input_entity(sc.forum)
    res = await client(F.messages.GetForumTopicsByIDRequest(peer, [sc.topics["Off-topic"], 999]))
    assert res.topics[0].title == "Off-topic"
    assert isinstance(res.topics[1], T.ForumTopicDeleted)
    talk = await client.get_input_entity(sc.discussion)
    with pytest.raises(errors.ChannelForumMissingError):
        await client(_topics(client, talk))


async def test_replies_of_a_topic_are_its_messages_newest_first(
    client: TelegramClient, world: World, sc: Showcase
) -> None:
    peer = await client.get_input_entity(sc.forum)
    for tid in sc.topics.values():
        want = [r.id for r in reversed(_in_topic(world, sc, tid))]
        res = await client(_replies(peer, tid))
        assert [m.id for m in res.messages] == want and res.count == len(want)
        one = await client(_replies(peer, tid, limit=1, offset_id=want[0]))
        assert [m.id for m in one.messages] == want[1:2]


async def test_comments_of_a_channel_post_come_from_the_discussion_group(
    client: TelegramClient, world: World, sc: Showcase
) -> None:
    post = next(r for r in world.messages(sc.channel) if r.extra and r.extra.discussion_id)
    copy = next(
        r
        for r in world.messages(sc.discussion)
        if r.extra and r.extra.saved_from == (sc.channel, post.id)
    )
    # in the thread: replies to the copy, and replies to those (their top is the copy)
    want = [
        r
        for r in world.messages(sc.discussion)
        if r.extra is None or r.extra.reply_peer is None
        if (r.extra and r.extra.reply_top) == copy.id
        or (r.reply_to == copy.id and not (r.extra and r.extra.reply_top))
    ]
    assert len(want) == post.extra.replies  # type: ignore[union-attr]
    peer = await client.get_input_entity(sc.channel)
    res = await client(_replies(peer, post.id))
    assert [m.id for m in res.messages] == [r.id for r in reversed(want)]
    assert res.count == len(want)
    assert all(m.peer_id.channel_id == -sc.discussion - 10**12 for m in res.messages)
    # reverse paging as a walk does it: offset_date + add_offset=-limit
    after = await client(
        _replies(
            peer, post.id, offset_date=want[0].date + timedelta(seconds=1), add_offset=-2, limit=2
        )
    )
    assert [m.id for m in after.messages] == [r.id for r in reversed(want[1:3])]
    assert [m.id for m in (await client(_replies(peer, post.id, min_id=want[0].id))).messages] == [
        r.id for r in reversed(want[1:])
    ]


async def test_replies_of_a_post_without_comments_or_unknown(
    client: TelegramClient, world: World, sc: Showcase
) -> None:
    peer = await client.get_input_entity(sc.channel)
    plain = next(r for r in world.messages(sc.channel) if not (r.extra and r.extra.discussion_id))
    for msg_id in (plain.id, 99_999):
        with pytest.raises(errors.MsgIdInvalidError):
            await client(_replies(peer, msg_id))
