"""GET /history options on both adapter sets: media=, limit=, reverse=true (+ before_id).

GIVEN the simulated world (a 450-message channel, the showcase with every media kind),
WHEN a client asks for a media kind, the latest N or newest first, THEN it gets exactly
the messages the world's read model says, in that order, from a cold or a warm cache,
with frames in the contract's shape. Expectations come from world.messages(), never from
the code under test."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.showcase import Showcase, add_showcase
from tests.support.history import ALICE, busiest, complete, messages_of, parse_sse

H = {"X-Telegram-Username": ALICE}


@pytest.fixture
def world() -> World:
    from tests.functions.history.conftest import small_world

    w = small_world()
    w.add_dialog("channel", 450, title="Big channel")
    return w


@pytest.fixture
def sc(world: World) -> Showcase:
    return add_showcase(world)


@pytest.fixture
def app(any_settings: Any, stores: Any, sim: SimulatedTelegram, sc: Showcase) -> Any:
    # The showcase is added before the app (and the sim's entity cache) exists.
    from tests.support.history import history_app, log_in

    log_in(stores, sim, ALICE)
    return history_app(any_settings, stores, sim)


def _get(http: TestClient, peer: int, **params: Any) -> list[dict[str, Any]]:
    resp = http.get(f"/api/v3/history/{peer}", headers=H, params=params)
    assert resp.status_code == 200, resp.text
    events = parse_sse(resp.text)
    complete(events)
    return messages_of(events)


def _ids(msgs: list[dict[str, Any]]) -> list[int]:
    return [m["message_id"] for m in msgs]


def _kind(rec: Any) -> str | None:
    if rec.media is not None:
        return str(rec.media.kind)
    return "poll" if rec.extra is not None and rec.extra.poll is not None else None


@pytest.mark.parametrize("words", ["photo", "video,gif", "round,voice,audio", "none", "any"])
def test_the_media_filter_keeps_exactly_those_kinds(
    http: TestClient, world: World, sc: Showcase, words: str
) -> None:
    wanted = set(words.split(","))
    peers = (sc.channel, sc.discussion, busiest(world))  # the showcase + generated media
    for peer in peers:
        expected = [
            r.id
            for r in world.messages(peer)
            if ((k := _kind(r)) is None and "none" in wanted)
            or (k is not None and ("any" in wanted or k in wanted))
        ]
        cold = _get(http, peer, media=words)
        assert _ids(cold) == expected
        assert _ids(_get(http, peer, media=words)) == expected  # warm: from the cache
        assert all(len(m) == 12 for m in cold)  # the contract's fields, nothing added
    # The showcase really holds each kind asked about in this parametrization.
    kinds = {_kind(r) for p in peers for r in world.messages(p)}
    assert wanted - {"any", "none"} <= kinds


def test_an_unknown_media_word_is_a_400_listing_the_words(http: TestClient, sc: Showcase) -> None:
    resp = http.get(f"/api/v3/history/{sc.channel}", headers=H, params={"media": "photo,pics"})
    assert resp.status_code == 400
    assert "pics" in resp.json()["detail"] and "photo" in resp.json()["detail"]


@pytest.fixture
def big(world: World) -> int:
    return next(d.peer_id for d in world.dialogs if d.title == "Big channel")


def test_limit_is_the_latest_n_oldest_first_cold_and_warm(
    http: TestClient, world: World, big: int
) -> None:
    everything = [m.id for m in world.messages(big)]
    assert _ids(_get(http, big, limit=7)) == everything[-7:]  # cold: walks, then serves
    assert _ids(_get(http, big, limit=150, chunk_size=40)) == everything[-150:]
    assert _ids(_get(http, big, limit=10_000)) == everything  # fewer than N: all of them


def test_limit_within_a_range_and_with_a_media_filter(
    http: TestClient, world: World, sc: Showcase
) -> None:
    records = world.messages(sc.channel)
    photos = [r.id for r in records if _kind(r) == "photo"]
    assert len(photos) >= 2
    assert _ids(_get(http, sc.channel, media="photo", limit=2)) == photos[-2:]
    end = records[-3].date.strftime("%Y-%m-%d %H:%M:%S")
    in_range = [r.id for r in records if r.date <= records[-3].date]
    assert _ids(_get(http, sc.channel, end_date=end, limit=3)) == in_range[-3:]


def test_reverse_is_newest_first_and_resumes_with_last_event_id(
    http: TestClient, world: World, big: int
) -> None:
    everything = [m.id for m in world.messages(big)]
    newest_first = _get(http, big, reverse="true", chunk_size=64)
    assert _ids(newest_first) == everything[::-1]
    assert _ids(_get(http, big, reverse="true", limit=5)) == everything[::-1][:5]
    # A client that got the 100 newest reconnects: it gets the rest, nothing repeated.
    resp = http.get(
        f"/api/v3/history/{big}",
        headers={**H, "Last-Event-ID": str(everything[-100])},
        params={"reverse": "true"},
    )
    assert _ids(messages_of(parse_sse(resp.text))) == everything[::-1][100:]


def test_a_reverse_stream_cut_by_the_budget_continues_with_before_id(
    http: TestClient, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _get(http, big)  # warm the cache
    monkeypatch.setenv("HISTORY_BUDGET", "on")
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "20000")
    got: list[int] = []
    params: dict[str, Any] = {"reverse": "true"}
    for _ in range(100):
        resp = http.get(f"/api/v3/history/{big}", headers=H, params=params)
        events = parse_sse(resp.text)
        got += _ids(messages_of(events))
        if events[-1].event == "end":
            break
        assert events[-1].event == "continue", events[-1]
        nxt = events[-1].data
        params = {
            "reverse": "true",
            "start_date": nxt["start_date"],
            "end_date": nxt["next_end_date"],
            "before_id": nxt["before_id"],
        }
    assert got == [m.id for m in world.messages(big)][::-1]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"reverse": "sideways"}, "reverse"),
        ({"before_id": 5, "end_date": "2024-05-01"}, "before_id"),
        ({"before_id": 5, "reverse": "true"}, "before_id"),
        ({"reverse": "true", "include_deleted": "true"}, "include_deleted"),
    ],
)
def test_bad_options_are_clear_400s(
    http: TestClient, big: int, params: dict[str, Any], name: str
) -> None:
    resp = http.get(f"/api/v3/history/{big}", headers=H, params=params)
    assert resp.status_code == 400 and name in resp.json()["detail"], resp.text
