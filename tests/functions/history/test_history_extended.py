"""GET /history?fields=extended over the sim's showcase dialogs, on both adapter sets.

Every expected value is computed from the sim's read model (MessageRec / RichRec), never
from the code under test; the frames travel through Telethon's real TL types."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from local.simtg.rich import topic_of
from local.simtg.showcase import Showcase, add_showcase
from tests.support.history import ALICE, CONTRACT_FIELDS, messages_of, parse_sse, small_world
from tgscraper.history.store import MessageCache
from tgscraper.storage.factory import Stores

H = {"X-Telegram-Username": ALICE}
CONTRACT = CONTRACT_FIELDS
EXTENDED = [
    "edit_date",
    "views",
    "forwards",
    "replies",
    "reactions",
    "reply",
    "forward",
    "grouped_id",
    "topic_id",
    "via_bot_id",
    "pinned",
    "entities",
    "poll",
    "service",
    "sender",
    "media_kind",
]


@pytest.fixture
def showcase_world() -> tuple[World, Showcase]:
    world = small_world()
    return world, add_showcase(world)


@pytest.fixture
def world(showcase_world: tuple[World, Showcase]) -> World:
    return showcase_world[0]


@pytest.fixture
def sc(showcase_world: tuple[World, Showcase]) -> Showcase:
    return showcase_world[1]


#: A closed range around the showcase (3 days before the world's "now"): a range ending
#: at the real now would always leave a fresh tail to ask Telegram about.
SPAN = {"start_date": "2025-05-01", "end_date": "2025-05-31"}


def stream(http: TestClient, peer: int, **params: Any) -> str:
    resp = http.get(f"/api/v3/history/{peer}", headers=H, params={**SPAN, **params})
    assert resp.status_code == 200, resp.text
    return resp.text


def extended(http: TestClient, peer: int, **params: Any) -> list[dict[str, Any]]:
    return messages_of(parse_sse(stream(http, peer, fields="extended", **params)))


def _date(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def _name(world: World, peer: int) -> str:
    entity = world.entity(peer)
    return entity.name if hasattr(entity, "name") else entity.title


def _sender_type(world: World, rec: MessageRec) -> str:
    sender = rec.sender_id if rec.sender_id is not None else rec.peer_id
    if sender == rec.peer_id and world.dialog(rec.peer_id).kind == "supergroup":
        return "anonymous_admin"
    if sender > 0:
        return "bot" if world.users[sender].bot else "user"
    kind = world.dialog(sender).kind if world.has_dialog(sender) else "channel"
    return "supergroup" if kind == "supergroup" else "channel"


def expected(world: World, rec: MessageRec) -> dict[str, Any]:
    """The extended fields of one message, from the read model alone."""
    x = rec.extra
    assert x is not None
    forum = world.chats[world.dialog(rec.peer_id).entity_id].forum
    sender = rec.sender_id if rec.sender_id is not None else rec.peer_id
    out: dict[str, Any] = {
        "edit_date": _date(rec.edit_date),
        "views": None if x.action else rec.views,
        "grouped_id": x.grouped_id,
        "topic_id": topic_of(rec) if forum else None,
        "via_bot_id": x.via_bot_id,
        "pinned": x.pinned,
        "sender": {"id": sender, "type": _sender_type(world, rec), "name": _name(world, sender)},
        "replies": None,
        "reactions": None,
        "reply": None,
        "forward": None,
        "entities": None,
        "poll": None,
        "service": None,
        # The sim's media kinds are the filter's words; a poll is media too.
        "media_kind": rec.media.kind if rec.media else ("poll" if x.poll else None),
    }
    if x.replies is not None:
        out["replies"] = {"count": x.replies, "discussion_id": x.discussion_id}
    if x.reactions:
        out["reactions"] = [(r.emoji, r.custom_emoji_id, r.count, r.chosen) for r in x.reactions]
    if rec.reply_to or x.forum_topic:
        out["reply"] = {
            "msg_id": rec.reply_to,
            "top_id": x.reply_top,
            "peer_id": x.reply_peer,
            "quote_text": x.quote[0] if x.quote else None,
            "quote_offset": x.quote[1] if x.quote else None,
            "forum_topic": x.forum_topic,
        }
    if rec.fwd is not None:
        f = rec.fwd
        out["forward"] = {
            "from_id": f.from_id,
            "from_name": _name(world, f.from_id) if f.from_id is not None else f.from_name,
            "date": _date(f.date),
            "msg_id": f.channel_post,
            "post_author": f.post_author,
            "saved_from_peer": x.saved_from[0] if x.saved_from else None,
            "saved_from_msg_id": x.saved_from[1] if x.saved_from else None,
        }
    if x.entities:
        out["entities"] = [(e.kind, e.offset, e.length, e.url) for e in x.entities]
    if x.poll is not None:
        p = x.poll
        out["poll"] = {
            "question": p.question,
            "answers": [
                (text, votes, p.chosen == i, p.correct == i)
                for i, (text, votes) in enumerate(p.answers)
            ],
            "total_voters": p.total_voters,
            "closed": p.closed,
            "quiz": p.correct is not None,
        }
    if x.action is not None:
        out["service"] = x.action.kind
    return out


def observed(m: dict[str, Any]) -> dict[str, Any]:
    """The same view of a served message (only what the read model can predict)."""
    keys = ("edit_date", "grouped_id", "topic_id", "via_bot_id", "pinned", "media_kind")
    out = {k: m[k] for k in keys}
    out["views"] = m["views"]
    out["sender"] = m["sender"]
    out["replies"] = m["replies"] and {
        "count": m["replies"]["count"],
        "discussion_id": m["replies"]["discussion_id"],
    }
    out["reactions"] = m["reactions"] and [
        (r["emoji"], r["custom_emoji_id"], r["count"], r["chosen"])
        for r in m["reactions"]["results"]
    ]
    out["reply"] = m["reply"]
    out["forward"] = m["forward"] and {k: v for k, v in m["forward"].items() if k != "from_type"}
    out["entities"] = m["entities"] and [
        (e["type"], e["offset"], e["length"], e.get("url")) for e in m["entities"]
    ]
    out["poll"] = m["poll"] and {
        "question": m["poll"]["question"],
        "answers": [
            (a["text"], a["voters"], a["chosen"], a["correct"]) for a in m["poll"]["answers"]
        ],
        "total_voters": m["poll"]["total_voters"],
        "closed": m["poll"]["closed"],
        "quiz": m["poll"]["quiz"],
    }
    out["service"] = m["service"] and m["service"]["type"]
    return out


def test_without_fields_the_frames_are_exactly_the_contracts(
    http: TestClient, sc: Showcase
) -> None:
    for peer in (sc.channel, sc.discussion, sc.forum):
        msgs = messages_of(parse_sse(stream(http, peer)))
        assert msgs and all(list(m) == CONTRACT for m in msgs)


def test_extended_fields_match_the_simulated_world(
    http: TestClient, world: World, sc: Showcase
) -> None:
    for peer in (sc.channel, sc.discussion, sc.forum):
        msgs = extended(http, peer)
        records = world.messages(peer)
        assert [m["message_id"] for m in msgs] == [r.id for r in records]
        for m, rec in zip(msgs, records, strict=True):
            assert list(m) == CONTRACT + EXTENDED
            assert observed(m) == expected(world, rec), rec


def test_every_feature_of_the_showcase_is_served(http: TestClient, sc: Showcase) -> None:
    """Guards the showcase itself: each kind of rich content really occurs."""
    msgs = [m for p in (sc.channel, sc.discussion, sc.forum) for m in extended(http, p)]
    kinds = {m["service"]["type"] for m in msgs if m["service"]}
    assert {"channel_create", "chat_add_user", "pin_message", "topic_create"} <= kinds
    assert {"group_call", "chat_edit_title", "chat_joined_by_link", "topic_edit"} <= kinds
    senders = {m["sender"]["type"] for m in msgs}
    assert {"user", "channel", "anonymous_admin"} <= senders
    origins = {m["forward"]["from_type"] for m in msgs if m["forward"]}
    assert origins == {"user", "channel", "hidden"}
    assert any(m["reactions"] and m["reactions"]["mine"] == ["👍"] for m in msgs)
    assert any(m["reply"] and m["reply"]["quote_text"] for m in msgs)
    assert any(m["reply"] and m["reply"]["peer_id"] == sc.channel for m in msgs)
    assert any(m["forward"] and m["forward"]["saved_from_peer"] == sc.channel for m in msgs)
    assert any(m["replies"] and m["replies"]["discussion_id"] == sc.discussion for m in msgs)
    assert len({m["grouped_id"] for m in msgs if m["grouped_id"]}) == 1
    assert {m["topic_id"] for m in msgs if m["topic_id"]} == set(sc.topics.values())


def test_generated_histories_carry_their_edit_dates_and_views(
    http: TestClient, world: World
) -> None:
    channel = next(d.peer_id for d in world.dialogs if d.kind == "channel")
    records = {r.id: r for r in world.messages(channel)}
    msgs = extended(http, channel, start_date="2020-01-01", end_date="2025-06-01")
    assert len(msgs) == len(records)
    for m in msgs:
        rec = records[m["message_id"]]
        assert m["edit_date"] == _date(rec.edit_date)
        assert m["views"] == rec.views
        assert m["sender"]["type"] == "channel"


def test_cached_frames_equal_fetched_frames_byte_for_byte(
    http: TestClient, sim: SimulatedTelegram, sc: Showcase
) -> None:
    for peer in (sc.channel, sc.discussion, sc.forum):
        fetched = stream(http, peer, fields="extended")
        calls = sim.requests["GetHistoryRequest"]
        assert stream(http, peer, fields="extended") == fetched
        assert sim.requests["GetHistoryRequest"] == calls  # served from the cache


def test_a_contract_walk_fills_the_cache_for_extended_requests_too(
    http: TestClient, sim: SimulatedTelegram, sc: Showcase
) -> None:
    plain = stream(http, sc.discussion)
    calls = sim.requests["GetHistoryRequest"]
    rich = extended(http, sc.discussion)
    assert sim.requests["GetHistoryRequest"] == calls
    assert [list(m)[:12] for m in rich] == [list(m) for m in messages_of(parse_sse(plain))]
    assert stream(http, sc.discussion) == plain  # and the contract's frames stay as they were


def test_coverage_cached_before_the_extended_fields_is_refetched_once(
    http: TestClient, sim: SimulatedTelegram, stores: Stores, sc: Showcase
) -> None:
    stream(http, sc.forum)
    cache = MessageCache(stores.messages, ALICE, sc.forum)
    # What an older version wrote: intervals, no extended coverage, rows without `x`.
    item = stores.messages.get(f"cov#{ALICE}#{sc.forum}", "intervals")
    assert item is not None and cache.coverage(extended=True)
    del item["ivx"]
    stores.messages.put(item)
    rows = list(stores.messages.query(f"msg#{ALICE}#{sc.forum}"))
    stores.messages.put_many([{k: v for k, v in r.items() if k != "x"} for r in rows])
    assert cache.coverage(extended=True) == []
    calls = sim.requests["GetHistoryRequest"]
    msgs = extended(http, sc.forum)
    assert sim.requests["GetHistoryRequest"] > calls
    assert all(m["sender"] is not None for m in msgs)
    calls = sim.requests["GetHistoryRequest"]
    assert extended(http, sc.forum) == msgs
    assert sim.requests["GetHistoryRequest"] == calls


def test_an_unknown_fields_value_is_a_clear_400(http: TestClient, sc: Showcase) -> None:
    resp = http.get(f"/api/v3/history/{sc.channel}", headers=H, params={"fields": "all"})
    assert resp.status_code == 400
    assert "fields" in resp.json()["detail"]
