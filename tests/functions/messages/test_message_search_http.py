"""GET /api/v3/search/messages over the simulated Telegram, on both adapter sets.

Expected results come from the sim's read model (local.simtg.search over world
histories), never from the service under test."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from local.simtg.search import FILTERS, matching, mentions
from local.simtg.showcase import Showcase
from tests.support.history import ALICE, CONTRACT_FIELDS
from tgscraper.config import Settings

H = {"X-Telegram-Username": ALICE}
CONTRACT = CONTRACT_FIELDS


def search(http: TestClient, **params: Any) -> dict[str, Any]:
    resp = http.get("/api/v3/search/messages", headers=H, params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def keys(body: dict[str, Any]) -> list[tuple[int, int]]:
    return [(r["dialog"]["id"], r["message"]["message_id"]) for r in body["results"]]


def newest_first(msgs: list[MessageRec]) -> list[tuple[int, int]]:
    ordered = sorted(msgs, key=lambda m: (int(m.date.timestamp()), m.peer_id, m.id), reverse=True)
    return [(m.peer_id, m.id) for m in ordered]


def everywhere(world: World, q: str = "", **kw: Any) -> list[MessageRec]:
    return [m for d in world.dialogs for m in matching(world.history(d.peer_id), q, **kw)]


def test_search_in_one_dialog_returns_its_matches_newest_first_in_the_contract_shape(
    http: TestClient, world: World, sc: Showcase
) -> None:
    body = search(http, q="forwarded", dialog_id=sc.channel)
    expected = matching(world.history(sc.channel), "forwarded")
    assert len(expected) == 3
    assert keys(body) == [(sc.channel, m.id) for m in reversed(expected)]
    assert body["count"] == 3 and body["source"] == "telegram" and body["next"] is None
    for r in body["results"]:
        assert list(r["message"]) == CONTRACT
        assert r["dialog"] == {
            "id": sc.channel,
            "type": "channel",
            "title": "Showcase News",
            "username": "sim_showcase",
        }


def test_search_across_all_chats_pages_by_offset_to_exactly_every_match(
    http: TestClient, world: World
) -> None:
    expected = newest_first(everywhere(world, "good"))
    assert len(expected) > 7
    seen: list[tuple[int, int]] = []
    params: dict[str, Any] = {"q": "good", "limit": 3}
    for _ in range(100):
        body = search(http, **params)
        assert body["count"] == len(expected)
        seen += keys(body)
        if body["next"] is None:
            break
        params = {"q": "good", "limit": 3, **body["next"]}
    assert seen == expected


def test_paging_inside_one_dialog_by_offset_id(http: TestClient, world: World) -> None:
    peer = max(
        (d for d in world.dialogs if d.kind == "channel"), key=lambda d: d.message_count
    ).peer_id
    expected = [(peer, m.id) for m in reversed(matching(world.history(peer)))]
    seen: list[tuple[int, int]] = []
    offset = 0
    for _ in range(100):
        body = search(http, dialog_id=peer, limit=7, offset_id=offset)
        seen += keys(body)
        if body["next"] is None:
            break
        offset = body["next"]["offset_id"]
    assert seen == expected


@pytest.mark.parametrize(
    "name",
    ["photo", "video", "document", "url", "gif", "voice", "music", "round", "pinned", "poll"],
)
def test_each_filter_across_all_chats(http: TestClient, world: World, name: str) -> None:
    expected = newest_first(everywhere(world, predicate=FILTERS[name]))
    assert expected, f"the world has no {name} message"
    seen: list[tuple[int, int]] = []
    params: dict[str, Any] = {"filter": name, "limit": 100}
    for _ in range(50):
        body = search(http, **params)
        seen += keys(body)
        if body["next"] is None:
            break
        params = {"filter": name, "limit": 100, **body["next"]}
    assert seen == expected


def test_mentions_of_the_account(http: TestClient, world: World, sc: Showcase) -> None:
    found = everywhere(world, predicate=mentions(world.me.id, world.me.username))
    assert keys(search(http, filter="mentions")) == newest_first(found)
    assert (sc.channel, 2) in newest_first(found)


def test_from_id_and_dates_narrow_a_dialog_search(
    http: TestClient, world: World, sc: Showcase
) -> None:
    history = world.history(sc.discussion)
    sender = next(m.sender_id for m in history if m.text == "Agreed")
    assert sender is not None
    body = search(http, dialog_id=sc.discussion, from_id=sender)
    assert keys(body) == [
        (sc.discussion, m.id) for m in reversed(matching(history, from_id=sender))
    ]
    day = world.messages(sc.discussion)[4].date
    stamp = day.strftime("%Y-%m-%d %H:%M:%S")
    body = search(http, dialog_id=sc.discussion, min_date=stamp, max_date=stamp)
    ts = int(day.timestamp())
    assert keys(body) == [
        (sc.discussion, m.id) for m in reversed(matching(history, min_ts=ts, max_ts=ts))
    ]


def test_found_media_are_served_by_files(http: TestClient, world: World) -> None:
    body = search(http, filter="photo", limit=5)
    assert body["results"]
    for r in body["results"]:
        media = r["message"]["media"]
        rec = world.history(r["dialog"]["id"]).get(r["message"]["message_id"])
        assert rec is not None and rec.media is not None
        resp = http.get(f"/api/v3/files/{media['uuid']}", headers=H)
        assert resp.status_code == 200, resp.text
        assert resp.content == world.media_bytes(rec.media)


def test_extended_fields_on_search_results(http: TestClient, sc: Showcase) -> None:
    body = search(http, q="Version", dialog_id=sc.channel, fields="extended")
    (hit,) = body["results"]
    assert hit["message"]["reactions"]["mine"] == ["👍"]
    assert hit["message"]["replies"]["discussion_id"] == sc.discussion


@pytest.mark.parametrize(
    ("params", "status", "names"),
    [
        ({"filter": "bogus"}, 400, "filter"),
        ({"q": "a", "limit": 0}, 400, "limit"),
        ({"q": "a", "limit": 101}, 400, "limit"),
        ({"q": "a", "min_date": "2025-02-01", "max_date": "2025-01-01"}, 400, "min_date"),
        ({"q": "a", "min_date": "yesterday"}, 400, "min_date"),
        ({}, 400, "q"),
        ({"q": "a", "dialog_id": -1009999999999}, 404, "999"),
        ({"q": "a", "source": "disk"}, 400, "source"),
        ({"q": "a", "offset_id": "x"}, 400, "offset_id"),
    ],
)
def test_bad_input_is_a_clear_error(
    http: TestClient, params: dict[str, Any], status: int, names: str
) -> None:
    resp = http.get("/api/v3/search/messages", headers=H, params=params)
    assert resp.status_code == status, resp.text
    assert names in resp.json()["detail"]


def test_a_search_needs_a_logged_in_user(http: TestClient) -> None:
    resp = http.get("/api/v3/search/messages", params={"q": "a"})
    assert resp.status_code in (400, 401)
    assert "detail" in resp.json()


def test_source_cache_in_one_dialog_on_both_adapter_sets(
    http: TestClient, world: World, sim: SimulatedTelegram, sc: Showcase
) -> None:
    span = {"start_date": "2020-01-01", "end_date": "2025-06-01"}
    walk = http.get(f"/api/v3/history/{sc.discussion}", headers=H, params=span)
    assert walk.status_code == 200 and "event: error" not in walk.text
    sim.reset_requests()
    for q in ("agreed", "FINALLY", ""):
        want = sorted(
            matching(world.history(sc.discussion), q) if q else world.history(sc.discussion),
            key=lambda m: (int(m.date.timestamp()), m.id),
            reverse=True,
        )
        seen: list[int] = []
        params: dict[str, Any] = {"source": "cache", "q": q, "dialog_id": sc.discussion}
        for _ in range(100):
            resp = http.get("/api/v3/search/messages", headers=H, params={**params, "limit": 3})
            assert resp.status_code == 200, resp.text
            body = resp.json()
            assert body["source"] == "cache"
            seen += [r["message"]["message_id"] for r in body["results"]]
            if body["next"] is None:
                break
            params = {**params, **body["next"]}
        assert seen == [m.id for m in want], q
    assert sum(sim.requests.values()) == 0


def test_source_cache_across_all_chats_needs_the_embedded_store(
    http: TestClient, any_settings: Settings, sim: SimulatedTelegram
) -> None:
    resp = http.get("/api/v3/search/messages", headers=H, params={"q": "a", "source": "cache"})
    if any_settings.storage_backend == "aws":
        assert resp.status_code == 400
        assert "dialog_id" in resp.json()["detail"] and "embedded" in resp.json()["detail"]
    else:
        assert resp.status_code == 200
    assert sim.requests["SearchGlobalRequest"] == 0
