"""GET /api/v3/history/{dialog_id} through HTTP on both adapter sets, over the sim."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.history import (
    ALICE,
    BOB,
    complete,
    expected_ids,
    log_in,
    messages_of,
    parse_sse,
    ts,
)
from tgscraper.media.index import MediaIndex
from tgscraper.storage.factory import Stores

H = {"X-Telegram-Username": ALICE}
FIELDS = [
    "message_id",
    "date",
    "sender_id",
    "first_name",
    "last_name",
    "username",
    "message",
    "media",
    "reply_to",
    "post_author",
    "is_forwarded",
    "forwarded_from_channel_id",
]
EVER = 2**40


def get(http: TestClient, peer: int, headers: dict[str, str] = H, **params: Any) -> Any:
    return http.get(f"/api/v3/history/{peer}", headers=headers, params=params)


def walk(http: TestClient, peer: int, **params: Any) -> list[dict[str, Any]]:
    resp = get(http, peer, **params)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/event-stream")
    return messages_of(complete(parse_sse(resp.text)))


def history_calls(sim: SimulatedTelegram) -> int:
    return sim.requests["GetHistoryRequest"]


def test_whole_history_is_every_message_once_oldest_first_with_exact_fields(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    msgs = walk(http, big)
    assert [m["message_id"] for m in msgs] == expected_ids(world, big, 0, EVER)
    assert all(list(m) == FIELDS for m in msgs)
    by_id = {m.id: m for m in world.messages(big)}
    for m in msgs:
        rec = by_id[m["message_id"]]
        assert m["date"] == rec.date.strftime("%Y-%m-%d %H:%M:%S")
        assert m["message"] == rec.text
        assert m["is_forwarded"] == (1 if rec.fwd else 0)
        assert m["reply_to"] == rec.reply_to
        assert m["post_author"] == rec.post_author
        assert (m["media"] is None) == (rec.media is None)
        fwd_from = rec.fwd.from_id if rec.fwd is not None else None
        from_channel = fwd_from if fwd_from is not None and fwd_from < -(10**12) else None
        assert m["forwarded_from_channel_id"] == from_channel  # marked -100... id
        assert m["sender_id"] == (rec.sender_id if rec.sender_id is not None else big)


def test_sender_names_come_with_the_pages_not_one_request_per_message(
    http: TestClient, sim: SimulatedTelegram, world: World
) -> None:
    group = max((d for d in world.dialogs if d.kind == "supergroup"), key=lambda d: d.message_count)
    msgs = walk(http, group.peer_id)
    users = world.users
    senders = [m for m in msgs if m["sender_id"] in users]
    assert senders
    for m in senders:
        user = users[m["sender_id"]]
        assert (m["first_name"], m["last_name"], m["username"]) == (
            user.first_name,
            user.last_name,
            user.username,
        )
    # One getHistory per page of 100 plus the empty page that ends the walk; nothing else.
    assert history_calls(sim) <= len(msgs) // 100 + 2
    assert set(sim.requests) <= {
        "GetHistoryRequest",
        "GetConfigRequest",
        "GetUsersRequest",
        "GetStateRequest",
        "GetDifferenceRequest",
    }


def test_chunks_hold_chunk_size_messages(http: TestClient, big: int) -> None:
    walk(http, big)  # now cached: chunks are exact
    frames = complete(parse_sse(get(http, big, chunk_size=40).text))
    sizes = [len(f.data["messages"]) for f in frames]
    assert sizes == [40] * 11 + [10]


def _sizes(frames: list[Any]) -> list[int]:
    return [len(f.data["messages"]) for f in frames if f.event == "message"]


def _exact(total: int, chunk_size: int) -> list[int]:
    full, rest = divmod(total, chunk_size)
    return [chunk_size] * full + ([rest] if rest else [])


@pytest.mark.parametrize("chunk_size", [1, 37, 100, 150, 1000])
def test_uncached_chunks_hold_exactly_chunk_size_messages_across_telegram_pages(
    http: TestClient, world: World, big: int, chunk_size: int
) -> None:
    frames = parse_sse(get(http, big, chunk_size=chunk_size).text)
    want = expected_ids(world, big, 0, EVER)
    assert [m["message_id"] for m in messages_of(frames)] == want
    assert _sizes(frames) == _exact(len(want), chunk_size)


def test_chunks_are_exact_across_cached_and_uncached_segments(
    http: TestClient, world: World, big: int
) -> None:
    walk(http, big, start_date="2024-03-01", end_date="2024-03-20")  # cached islands
    walk(http, big, start_date="2024-07-01", end_date="2024-08-31")
    frames = parse_sse(get(http, big, chunk_size=37).text)
    want = expected_ids(world, big, 0, EVER)
    assert [m["message_id"] for m in messages_of(frames)] == want
    assert _sizes(frames) == _exact(len(want), 37)


def test_date_only_end_date_includes_that_whole_day(
    http: TestClient, world: World, big: int
) -> None:
    msgs = walk(http, big, start_date="2024-03-01", end_date="2024-03-10")
    want = expected_ids(world, big, ts("2024-03-01"), ts("2024-03-10 23:59:59"))
    assert want and [m["message_id"] for m in msgs] == want


def test_january_then_june_then_january_to_june_fetches_only_the_gap(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    jan = walk(http, big, start_date="2024-01-01", end_date="2024-01-31")
    jun = walk(http, big, start_date="2024-06-01", end_date="2024-06-30")
    assert [m["message_id"] for m in jan] == expected_ids(
        world, big, ts("2024-01-01"), ts("2024-01-31 23:59:59")
    )
    assert [m["message_id"] for m in jun] == expected_ids(
        world, big, ts("2024-06-01"), ts("2024-06-30 23:59:59")
    )
    sim.reset_requests()
    both = walk(http, big, start_date="2024-01-01", end_date="2024-06-30")
    want = expected_ids(world, big, ts("2024-01-01"), ts("2024-06-30 23:59:59"))
    assert [m["message_id"] for m in both] == want  # Feb-May too, each once, in order
    feb_may = expected_ids(world, big, ts("2024-02-01"), ts("2024-05-31 23:59:59"))
    assert history_calls(sim) <= len(feb_may) // 100 + 2  # only the gap was walked
    sim.reset_requests()
    assert walk(http, big, start_date="2024-01-01", end_date="2024-06-30") == both
    assert sum(sim.requests.values()) == 0  # fully covered: no Telegram call at all


def test_a_message_on_a_segment_boundary_is_sent_once(
    http: TestClient, world: World, big: int
) -> None:
    msgs = world.messages(big)
    pivot = msgs[200].date.strftime("%Y-%m-%d %H:%M:%S")
    walk(http, big, start_date=pivot, end_date=pivot)  # caches exactly one second
    walk(http, big, start_date="2024-01-01", end_date=pivot)
    got = walk(http, big, end_date="2024-12-31")
    assert [m["message_id"] for m in got] == expected_ids(world, big, 0, ts("2024-12-31 23:59:59"))


def test_new_messages_after_the_cached_part_are_fetched(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    walk(http, big)
    new = sim.add_message(big, "fresh news")
    got = walk(http, big)
    assert got[-1]["message_id"] == new.id and got[-1]["message"] == "fresh news"
    assert [m["message_id"] for m in got] == expected_ids(world, big, 0, EVER)


def test_force_refresh_replaces_edits_and_removes_deletions(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    rng = {"start_date": "2024-02-01", "end_date": "2024-04-30"}
    before = walk(http, big, **rng)
    edited, deleted = before[3]["message_id"], before[10]["message_id"]
    sim.edit_message(big, edited, "corrected text")
    sim.delete_message(big, deleted)
    stale = walk(http, big, **rng)
    assert stale == before  # served from the cache
    fresh = walk(http, big, force_refresh="true", **rng)
    assert [m["message_id"] for m in fresh] == expected_ids(
        world, big, ts("2024-02-01"), ts("2024-04-30 23:59:59")
    )
    assert deleted not in [m["message_id"] for m in fresh]
    assert next(m for m in fresh if m["message_id"] == edited)["message"] == "corrected text"
    sim.reset_requests()
    assert walk(http, big, **rng) == fresh  # the cache now holds the refreshed range
    assert history_calls(sim) == 0


def test_media_messages_get_a_stable_uuid_and_an_index_entry(
    http: TestClient, stores: Stores, world: World, big: int
) -> None:
    msgs = walk(http, big)
    media = [m for m in msgs if m["media"] is not None]
    assert media
    index = MediaIndex(stores.media)
    by_id = {m.id: m for m in world.messages(big)}
    for m in media:
        rec = by_id[m["message_id"]].media
        assert rec is not None
        assert set(m["media"]) == {"type", "uuid", "filename", "size"}
        assert m["media"]["size"] == rec.size
        entry = index.get(ALICE, m["media"]["uuid"])
        assert entry is not None
        assert (entry.dialog_id, entry.message_id, entry.size) == (big, m["message_id"], rec.size)
        assert entry.mime == rec.mime_type
    again = walk(http, big, force_refresh="true")
    assert [m["media"] for m in again if m["media"]] == [m["media"] for m in media]


def test_caches_are_per_user(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World, big: int
) -> None:
    log_in(stores, sim, BOB)
    walk(http, big, end_date="2024-12-31")
    sim.reset_requests()
    bob = get(http, big, headers={"X-Telegram-Username": BOB}, end_date="2024-12-31")
    assert [m["message_id"] for m in messages_of(parse_sse(bob.text))] == expected_ids(
        world, big, 0, ts("2024-12-31 23:59:59")
    )
    assert history_calls(sim) > 0  # bob's request was not served from alice's cache
    uuids = {m["media"]["uuid"] for m in messages_of(parse_sse(bob.text)) if m["media"]}
    index = MediaIndex(stores.media)
    assert all(index.get(BOB, u) and index.get(ALICE, u) is None for u in uuids)


def test_every_kind_of_dialog_streams_its_whole_history(http: TestClient, world: World) -> None:
    kinds = set()
    for dialog in world.dialogs:
        if dialog.title == "Big channel":
            continue
        got = walk(http, dialog.peer_id)
        assert [m["message_id"] for m in got] == expected_ids(world, dialog.peer_id, 0, EVER)
        kinds.add(dialog.kind)
    assert {"user", "group", "supergroup", "channel", "saved"} <= kinds
