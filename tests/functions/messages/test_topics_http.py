"""GET /api/v3/topics/{dialog_id} over the simulated Telegram (messages.getForumTopics),
on both adapter sets. Expected topics are computed here from the forum's records: a
topic per topic_create service message (plus General), its messages by `rich.topic_of`,
closed by its last topic_edit, unread after the dialog's read position."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from local.simtg.rich import ActionRec, RichRec, topic_of
from local.simtg.showcase import Showcase
from tests.support.history import ALICE, date_of

H = {"X-Telegram-Username": ALICE}
FIELDS = [
    "id",
    "title",
    "icon_color",
    "icon_emoji_id",
    "date",
    "from_id",
    "top_message_id",
    "last_message_date",
    "read_inbox_max_id",
    "unread_count",
    "unread_mentions_count",
    "unread_reactions_count",
    "closed",
    "pinned",
    "hidden",
]


def topics(http: TestClient, peer: int, **params: Any) -> list[dict[str, Any]]:
    resp = http.get(f"/api/v3/topics/{peer}", headers=H, params=params)
    assert resp.status_code == 200, resp.text
    body: list[dict[str, Any]] = resp.json()
    return body


def expected(world: World, forum: int) -> list[dict[str, Any]]:
    recs = world.messages(forum)
    ids = [r.id for r in recs]
    unread = world.dialog(forum).unread_count
    read = ids[len(ids) - unread - 1] if len(ids) > unread else 0
    chat = world.chats[world.dialog(forum).entity_id]
    out = []
    heads = [(1, chat.date, "General", 0x6FB9F0, world.me.id, False)]
    for r in recs:
        a = r.extra.action if r.extra else None
        if a is not None and a.kind == "topic_create":
            heads.append((r.id, r.date, a.title, a.icon_color, r.sender_id, a.pinned))
    for tid, date, title, color, sender, pinned in heads:
        mine = [r for r in recs if topic_of(r) == tid]
        edits = [
            r.extra.action.closed
            for r in mine
            if r.extra and r.extra.action and r.extra.action.kind == "topic_edit"
        ]
        out.append(
            {
                "id": tid,
                "title": title,
                "icon_color": color,
                "icon_emoji_id": None,
                "date": date_of_dt(date),
                "from_id": sender,
                "top_message_id": mine[-1].id,
                "last_message_date": date_of(mine[-1]),
                "read_inbox_max_id": min(read, mine[-1].id),
                "unread_count": sum(1 for r in mine if r.id > read and not r.out),
                "unread_mentions_count": 0,
                "unread_reactions_count": 0,
                "closed": bool(edits and edits[-1]),
                "pinned": pinned,
                "hidden": False,
            }
        )
    out.sort(key=lambda t: (t["top_message_id"], t["id"]), reverse=True)
    return out


def date_of_dt(value: Any) -> str:
    return str(value.strftime("%Y-%m-%d %H:%M:%S"))


def test_the_showcase_forums_topics(http: TestClient, world: World, sc: Showcase) -> None:
    world.dialog(sc.forum).unread_count = 4  # some of the newest messages unread
    got = topics(http, sc.forum)
    assert all(list(t) == FIELDS for t in got)
    assert got == expected(world, sc.forum)
    assert {t["title"]: t["id"] for t in got} == sc.topics
    by_title = {t["title"]: t for t in got}
    assert by_title["Off-topic"]["closed"] and by_title["Announcements"]["pinned"]
    assert any(t["unread_count"] for t in got)


def test_every_page_of_many_topics(
    http: TestClient, world: World, sc: Showcase, sim: SimulatedTelegram
) -> None:
    hist = world.history(sc.forum)
    when = hist.last().date  # type: ignore[union-attr]
    for i in range(230):
        action = ActionRec("topic_create", title=f"Topic {i:03d}", icon_color=i)
        hist.append(
            MessageRec(
                id=world.next_message_id(sc.forum),
                peer_id=sc.forum,
                date=when + timedelta(minutes=i + 1),
                sender_id=world.me.id,
                text="",
                out=True,
                extra=RichRec(action=action),
            )
        )
    sim.reset_requests()
    got = topics(http, sc.forum)
    assert got == expected(world, sc.forum) and len(got) == 233
    assert sim.requests["GetForumTopicsRequest"] == 3
    found = topics(http, sc.forum, q="topic 12")
    assert [t["title"] for t in found] == [f"Topic {i}" for i in range(129, 119, -1)]


def test_topics_errors_are_clear(http: TestClient, world: World, sc: Showcase) -> None:
    for peer in (sc.discussion, sc.channel, next(d.peer_id for d in world.dialogs)):
        resp = http.get(f"/api/v3/topics/{peer}", headers=H)
        assert resp.status_code == 400, resp.text
        assert "not a forum" in resp.json()["detail"]
    resp = http.get("/api/v3/topics/-1009999999999", headers=H)
    assert resp.status_code == 404 and "not found" in resp.json()["detail"]
    resp = http.get("/api/v3/topics/abc", headers=H)
    assert resp.status_code == 400 and "dialog_id" in resp.json()["detail"]
