"""GET /history/{forum}?topic_id= and GET /history/{channel}/replies/{post} over the
simulated Telegram (messages.getReplies), on both adapter sets.

Expected messages are computed here from the sim's records (a topic by `rich.topic_of`, a
comment thread by its replies to the post's discussion copy), never by the service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from local.simtg.rich import RichRec, topic_of
from local.simtg.showcase import Showcase
from tests.support.history import ALICE, CONTRACT_FIELDS, complete, date_of, messages_of, parse_sse

H = {"X-Telegram-Username": ALICE}
CONTRACT = CONTRACT_FIELDS


def sse(http: TestClient, path: str, **params: Any) -> list[Any]:
    resp = http.get(path, headers=H, params=params)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/event-stream")
    return complete(parse_sse(resp.text))


def in_topic(world: World, sc: Showcase, topic: int) -> list[MessageRec]:
    return [r for r in world.messages(sc.forum) if topic_of(r) == topic]


def post_of(world: World, sc: Showcase) -> MessageRec:
    return next(r for r in world.messages(sc.channel) if r.extra and r.extra.discussion_id)


def comments(world: World, sc: Showcase) -> list[MessageRec]:
    post = post_of(world, sc)
    copy = next(
        r.id
        for r in world.messages(sc.discussion)
        if r.extra and r.extra.saved_from == (sc.channel, post.id)
    )
    out = []
    for r in world.messages(sc.discussion):
        x = r.extra or RichRec()
        if x.reply_peer is None and (x.reply_top or r.reply_to) == copy:
            out.append(r)
    return out


def grow(world: World, peer: int, n: int, pick: Any) -> None:
    """Append n messages to a history; `pick(i)` gives (reply_to, extra, media or None)."""
    hist = world.history(peer)
    when = hist.last().date  # type: ignore[union-attr]
    for i in range(n):
        reply_to, extra, media = pick(i)
        hist.append(
            MessageRec(
                id=world.next_message_id(peer),
                peer_id=peer,
                date=when + timedelta(seconds=20 * (i + 1)),
                sender_id=world.me.id,
                text=f"message {i}",
                out=True,
                media=media,
                reply_to=reply_to,
                extra=extra,
            )
        )


# -- topic_id -------------------------------------------------------------------------
def test_a_topic_is_all_and_only_its_messages_oldest_first(
    http: TestClient, world: World, sc: Showcase
) -> None:
    for topic in sc.topics.values():
        want = in_topic(world, sc, topic)
        chunks = sse(http, f"/api/v3/history/{sc.forum}", topic_id=topic, chunk_size=2)
        assert [len(c.data["messages"]) for c in chunks[:-1]] == [2] * (len(chunks) - 1)
        got = messages_of(chunks)
        assert [m["message_id"] for m in got] == [r.id for r in want]
        assert all(list(m) == CONTRACT for m in got)
        assert [m["date"] for m in got] == [date_of(r) for r in want]
        rich = messages_of(
            sse(http, f"/api/v3/history/{sc.forum}", topic_id=topic, fields="extended")
        )
        assert {m["topic_id"] for m in rich} == {topic}
        assert [list(m)[:12] for m in rich] == [CONTRACT] * len(want)


def test_a_big_topic_spans_several_telegram_pages_with_exact_chunks(
    http: TestClient, world: World, sc: Showcase, sim: SimulatedTelegram
) -> None:
    news, chat = sc.topics["Announcements"], sc.topics["Off-topic"]

    def pick(i: int) -> tuple[int | None, RichRec | None, None]:
        if i % 3 == 2:
            return None, None, None  # General
        return (news if i % 3 == 0 else chat), RichRec(forum_topic=True), None

    grow(world, sc.forum, 640, pick)
    want = [r.id for r in in_topic(world, sc, news)]
    assert len(want) > 200
    sim.reset_requests()
    chunks = sse(http, f"/api/v3/history/{sc.forum}", topic_id=news, chunk_size=7)
    assert [len(c.data["messages"]) for c in chunks] == [7] * (len(want) // 7) + (
        [len(want) % 7] if len(want) % 7 else []
    )
    assert [m["message_id"] for m in messages_of(chunks)] == want
    assert sim.requests["GetRepliesRequest"] >= 3
    assert sim.requests["GetHistoryRequest"] == 0
    # a date window inside it
    recs = in_topic(world, sc, news)
    lo, hi = recs[50], recs[120]
    window = sse(
        http,
        f"/api/v3/history/{sc.forum}",
        topic_id=news,
        start_date=date_of(lo),
        end_date=date_of(hi),
    )
    inside = [r.id for r in recs if lo.date <= r.date <= hi.date]
    assert [m["message_id"] for m in messages_of(window)] == inside


def test_topic_id_errors_are_clear(http: TestClient, world: World, sc: Showcase) -> None:
    resp = http.get(f"/api/v3/history/{sc.discussion}", headers=H, params={"topic_id": 1})
    assert resp.status_code == 400 and "not a forum" in resp.json()["detail"]
    user = next(d.peer_id for d in world.dialogs if d.kind == "user")
    resp = http.get(f"/api/v3/history/{user}", headers=H, params={"topic_id": 1})
    assert resp.status_code == 400 and "not a forum" in resp.json()["detail"]
    resp = http.get(f"/api/v3/history/{sc.forum}", headers=H, params={"topic_id": 999})
    assert resp.status_code == 404 and "Topic 999" in resp.json()["detail"]
    plain = next(r.id for r in world.messages(sc.forum) if topic_of(r) == 1 and r.id > 1)
    resp = http.get(f"/api/v3/history/{sc.forum}", headers=H, params={"topic_id": plain})
    assert resp.status_code == 404  # a message id that is no topic
    resp = http.get("/api/v3/history/-1009999999999", headers=H, params={"topic_id": 1})
    assert resp.status_code == 404
    for bad in ("0", "x", str(2**31)):
        resp = http.get(f"/api/v3/history/{sc.forum}", headers=H, params={"topic_id": bad})
        assert resp.status_code == 400 and "topic_id" in resp.json()["detail"]


# -- replies ----------------------------------------------------------------------------
def test_replies_stream_a_posts_comment_thread(
    http: TestClient, world: World, sc: Showcase
) -> None:
    post = post_of(world, sc)
    want = comments(world, sc)
    assert len(want) == post.extra.replies  # type: ignore[union-attr]
    path = f"/api/v3/history/{sc.channel}/replies/{post.id}"
    chunks = sse(http, path, chunk_size=1)
    got = messages_of(chunks)
    assert [m["message_id"] for m in got] == [r.id for r in want]
    assert [c.id for c in chunks] == [str(r.id) for r in want]
    assert all(list(m) == CONTRACT for m in got)
    assert [m["message"] for m in got] == [r.text for r in want]
    assert [m["sender_id"] for m in got] == [r.sender_id for r in want]
    assert [m["reply_to"] for m in got] == [r.reply_to for r in want]
    rich = messages_of(sse(http, path, fields="extended"))
    tops = {(m["reply"]["top_id"] or m["reply"]["msg_id"]) for m in rich}
    assert len(tops) == 1  # one thread: the post's copy in the discussion group


def test_comment_media_are_served_by_files(http: TestClient, world: World, sc: Showcase) -> None:
    post = post_of(world, sc)
    got = messages_of(sse(http, f"/api/v3/history/{sc.channel}/replies/{post.id}"))
    with_media = [m for m in got if m["media"]]
    assert with_media, "the showcase has a comment with a file"
    for m in with_media:
        rec = world.history(sc.discussion).get(m["message_id"])
        assert rec is not None and rec.media is not None
        resp = http.get(f"/api/v3/files/{m['media']['uuid']}", headers=H)
        assert resp.status_code == 200, resp.text
        assert resp.content == world.media_bytes(rec.media)


def test_a_long_thread_pages_resumes_and_windows(
    http: TestClient, world: World, sc: Showcase, sim: SimulatedTelegram
) -> None:
    copy = comments(world, sc)[0].reply_to
    grow(world, sc.discussion, 260, lambda i: (copy if i % 2 else None, None, None))
    want = comments(world, sc)
    assert len(want) > 130
    path = f"/api/v3/history/{sc.channel}/replies/{post_of(world, sc).id}"
    sim.reset_requests()
    chunks = sse(http, path, chunk_size=50)
    assert [m["message_id"] for m in messages_of(chunks)] == [r.id for r in want]
    assert all(len(c.data["messages"]) == 50 for c in chunks[:-1])
    assert sim.requests["GetRepliesRequest"] >= 2
    # Last-Event-ID: the rest after a chunk
    resp = http.get(path, headers={**H, "Last-Event-ID": str(want[59].id)})
    rest = complete(parse_sse(resp.text), resumed_after=want[59].id)
    assert [m["message_id"] for m in messages_of(rest)] == [r.id for r in want[60:]]
    # a window
    lo, hi = want[10], want[40]
    window = sse(path=path, http=http, start_date=date_of(lo), end_date=date_of(hi))
    inside = [r.id for r in want if lo.date <= r.date <= hi.date]
    assert [m["message_id"] for m in messages_of(window)] == inside


def test_replies_errors_are_clear(http: TestClient, world: World, sc: Showcase) -> None:
    plain = next(r for r in world.messages(sc.channel) if not (r.extra and r.extra.discussion_id))
    resp = http.get(f"/api/v3/history/{sc.channel}/replies/{plain.id}", headers=H)
    assert resp.status_code == 400 and "no comments" in resp.json()["detail"]
    resp = http.get(f"/api/v3/history/{sc.channel}/replies/99999", headers=H)
    assert resp.status_code == 404 and "Post 99999" in resp.json()["detail"]
    user = next(d.peer_id for d in world.dialogs if d.kind == "user")
    resp = http.get(f"/api/v3/history/{user}/replies/1", headers=H)
    assert resp.status_code == 400 and "not a channel" in resp.json()["detail"]
    resp = http.get("/api/v3/history/-1009999999999/replies/1", headers=H)
    assert resp.status_code == 404
    for bad in ("0", "abc", str(2**31)):
        resp = http.get(f"/api/v3/history/{sc.channel}/replies/{bad}", headers=H)
        assert resp.status_code == 400 and "post_id" in resp.json()["detail"]
    post = post_of(world, sc)
    resp = http.get(
        f"/api/v3/history/{sc.channel}/replies/{post.id}", headers=H, params={"chunk_size": 0}
    )
    assert resp.status_code == 400 and "chunk_size" in resp.json()["detail"]


def test_a_budgeted_thread_continues_where_it_stopped(
    http: TestClient, world: World, sc: Showcase, monkeypatch: Any
) -> None:
    """Under Lambda's budget a thread ends with `event: continue`; following it (as a
    history's) yields the whole thread, nothing lost, nothing repeated."""
    copy = comments(world, sc)[0].reply_to
    grow(world, sc.discussion, 90, lambda i: (copy, None, None))
    want = [r.id for r in comments(world, sc)]
    monkeypatch.setenv("HISTORY_BUDGET", "on")
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "6000")
    path = f"/api/v3/history/{sc.channel}/replies/{post_of(world, sc).id}"
    params: dict[str, Any] = {"chunk_size": 5}
    got: list[int] = []
    for _ in range(100):
        resp = http.get(path, headers=H, params=params)
        assert resp.status_code == 200, resp.text
        events = parse_sse(resp.text)
        got += [m["message_id"] for m in messages_of(events)]
        if events[-1].event != "continue":
            assert events[-1].event == "end"
            break
        nxt = events[-1].data
        params = {
            "chunk_size": 5,
            "start_date": nxt["next_start_date"],
            "after_id": nxt["after_id"],
            "end_date": nxt["end_date"],
        }
    assert got == want
    assert params.get("after_id"), "the budget never stopped a response"
