"""GET /search/messages?source=cache: the embedded cache's FTS5 index, kept exact by
triggers as history walks store, refresh and delete messages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.search import matching
from local.simtg.showcase import Showcase
from tests.support.history import ALICE, log_in
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores

from .conftest import messages_app

H = {"X-Telegram-Username": ALICE}
SPAN = {"start_date": "2020-01-01", "end_date": "2025-06-01"}


@pytest.fixture
def http(embedded_settings: Settings, sim: SimulatedTelegram) -> TestClient:
    stores = build_embedded_stores(embedded_settings)
    log_in(stores, sim, ALICE)
    return TestClient(messages_app(embedded_settings, stores, sim))


def walk(http: TestClient, peer: int, **params: Any) -> None:
    resp = http.get(f"/api/v3/history/{peer}", headers=H, params={**SPAN, **params})
    assert resp.status_code == 200 and "event: error" not in resp.text


def cache_search(http: TestClient, **params: Any) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    query = {"source": "cache", "limit": 4, **params}
    for _ in range(200):
        resp = http.get("/api/v3/search/messages", headers=H, params=query)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["source"] == "cache"
        seen += [(r["dialog"]["id"], r["message"]["message_id"]) for r in body["results"]]
        if body["next"] is None:
            return seen
        query = {**query, **body["next"]}
    raise AssertionError("paging did not end")


def expected(world: World, peers: list[int], q: str = "", **kw: Any) -> list[tuple[int, int]]:
    """Matches among the cached dialogs, newest first by (date, id), then dialog."""
    found = [m for p in peers for m in matching(world.history(p), q, **kw)]
    # The service messages are cached too (with an empty text): they match an empty q.
    if not q and not kw:
        found = [m for p in peers for m in world.history(p)]
    found.sort(key=lambda m: (int(m.date.timestamp()), m.id, m.peer_id), reverse=True)
    return [(m.peer_id, m.id) for m in found]


def test_cached_messages_are_found_by_words_without_telegram(
    http: TestClient, world: World, sim: SimulatedTelegram, sc: Showcase
) -> None:
    peers = [sc.channel, sc.discussion, sc.forum]
    for p in peers:
        walk(http, p)
    sim.reset_requests()
    assert cache_search(http, q="release") == expected(world, peers, "release")
    assert cache_search(http, q="FORWARDED sender") == expected(world, peers, "forwarded sender")
    assert cache_search(http, q="release", dialog_id=sc.forum) == expected(
        world, [sc.forum], "release"
    )
    assert sum(sim.requests.values()) == 0


def test_messages_cached_before_the_first_search_are_indexed_too(
    http: TestClient, world: World, sc: Showcase
) -> None:
    walk(http, sc.channel)
    first = cache_search(http, q="album")
    walk(http, sc.discussion)  # written after the index exists: the triggers index it
    assert first == expected(world, [sc.channel], "album")
    assert cache_search(http, q="agreed") == expected(world, [sc.discussion], "agreed")


def test_filters_and_sender_in_the_cache(http: TestClient, world: World, sc: Showcase) -> None:
    peers = [sc.channel, sc.discussion]
    for p in peers:
        walk(http, p)
    alice = next(m.sender_id for m in world.history(sc.discussion) if m.text.startswith("Finally"))
    assert cache_search(http, from_id=alice) == [
        (m.peer_id, m.id) for m in reversed(matching(world.history(sc.discussion), from_id=alice))
    ]
    photos = cache_search(http, filter="photo")
    assert photos == [
        (sc.channel, m.id)
        for m in reversed(world.messages(sc.channel))
        if m.media is not None and m.media.kind == "photo"
    ]
    assert len(cache_search(http, filter="pinned")) == 1
    assert len(cache_search(http, filter="poll")) == 2
    resp = http.get(
        "/api/v3/search/messages", headers=H, params={"source": "cache", "filter": "gif"}
    )
    assert resp.status_code == 400 and "source=cache" in resp.json()["detail"]


def test_a_refresh_that_finds_a_deletion_removes_it_from_the_index(
    http: TestClient, sim: SimulatedTelegram, world: World, sc: Showcase
) -> None:
    walk(http, sc.discussion)
    gone = next(m.id for m in world.history(sc.discussion) if m.text == "Agreed")
    assert cache_search(http, q="agreed") == [(sc.discussion, gone)]
    sim.delete_message(sc.discussion, gone)
    walk(http, sc.discussion, force_refresh="true")
    assert cache_search(http, q="agreed") == []
    walk(http, sc.discussion, force_refresh="true")  # replaced rows are not indexed twice
    assert cache_search(http, q="civil") == expected(world, [sc.discussion], "civil")


@pytest.mark.parametrize("q", ['"', "AND OR NOT", "*", "a:b", "NEAR(x y)", "💥", "-x ^y"])
def test_query_syntax_is_never_interpreted(http: TestClient, sc: Showcase, q: str) -> None:
    walk(http, sc.channel)
    resp = http.get("/api/v3/search/messages", headers=H, params={"source": "cache", "q": q})
    assert resp.status_code == 200, resp.text
