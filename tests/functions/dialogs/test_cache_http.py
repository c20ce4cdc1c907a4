"""The dialog cache seen from outside: what touches Telegram, freshness, refresh, floods."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from functions.dialogs.app import router
from local.simtg import SimulatedTelegram, World
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores, build_embedded_stores

from . import expected as ex
from .conftest import USER, login, make_container

SEARCH = "/api/v3/search/dialogs"


def telegram_requests(sim: SimulatedTelegram) -> int:
    return sum(sim.requests.values())


def test_repeated_searches_do_not_touch_telegram(http: TestClient, sim: SimulatedTelegram) -> None:
    # GIVEN a first search that needed every count (sort=messages)
    assert http.get(SEARCH, params={"sort": "messages"}).status_code == 200
    sim.reset_requests()
    # WHEN searching again in many ways within the cache window
    for params in (
        {},
        {"q": "crypto"},
        {"q": "o", "match": "exact", "type": "user"},
        {"sort": "participants", "min_messages": 5},
        {"folder": 2, "limit": 3, "offset": 1},
        {"last_message_after": "2025-01-01", "sort": "title"},
    ):
        assert http.get(SEARCH, params=params).status_code == 200
    # THEN Telegram saw no request at all
    assert telegram_requests(sim) == 0


def test_first_search_counts_only_what_it_shows(http: TestClient, sim: SimulatedTelegram) -> None:
    body = http.get(SEARCH, params={"limit": 5}).json()
    assert sim.requests["GetDialogsRequest"] == 1
    assert sim.requests["GetHistoryRequest"] == len(body["results"]) == 5


def test_a_new_process_reads_the_cache_from_the_store(
    http: TestClient, sim: SimulatedTelegram, embedded_settings: Settings
) -> None:
    first = http.get(SEARCH, params={"sort": "messages"}).json()
    sim.reset_requests()
    # a cold Lambda: new store objects over the same data, nothing in memory
    cold = build_embedded_stores(embedded_settings)
    app = create_app([router], container=make_container(embedded_settings, cold, sim))
    with TestClient(app, headers={"X-Telegram-Username": USER}) as other:
        assert other.get(SEARCH, params={"sort": "messages"}).json() == first
    assert telegram_requests(sim) == 0


def test_refresh_relists_and_recounts_only_changed_dialogs(
    http: TestClient, sim: SimulatedTelegram, world: World
) -> None:
    http.get(SEARCH, params={"sort": "messages"})
    target = next(d for d in world.dialogs if d.kind == "user")
    before = target.message_count
    sim.add_message(target.peer_id, "brand new message")
    sim.reset_requests()
    # within the window the cached answer stands (documented staleness)
    stale = {r["id"]: r for r in http.get(SEARCH, params={"limit": 500}).json()["results"]}
    assert stale[target.peer_id]["message_count"] == before
    assert telegram_requests(sim) == 0
    # refresh=true lists again and recounts just the dialog whose top message moved
    fresh = http.get(SEARCH, params={"refresh": "true", "sort": "messages", "limit": 500}).json()
    assert sim.requests["GetDialogsRequest"] >= 1 and sim.requests["GetHistoryRequest"] == 1
    got = {r["id"]: r for r in fresh["results"]}[target.peer_id]
    assert got["message_count"] == before + 1
    assert got["last_message_preview"] == "brand new message"
    newest = http.get(SEARCH, params={"limit": 1}).json()["results"][0]
    assert newest["id"] == target.peer_id


def test_expired_window_relists_but_keeps_counts(
    http: TestClient, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    http.get(SEARCH, params={"sort": "messages"})
    monkeypatch.setenv("DIALOG_CACHE_TTL", "0")
    sim.reset_requests()
    assert http.get(SEARCH, params={"sort": "messages"}).status_code == 200
    assert sim.requests["GetDialogsRequest"] >= 1
    assert sim.requests["GetHistoryRequest"] == 0


def test_flood_wait_on_first_listing_is_429_with_retry_after(
    http: TestClient, sim: SimulatedTelegram
) -> None:
    sim.flood("GetDialogsRequest", 42)
    resp = http.get(SEARCH)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "42"
    assert "wait 42" in resp.json()["detail"]
    assert http.get(SEARCH).status_code == 200  # the flood is over


def test_flood_wait_with_a_stale_cache_serves_the_cache(
    http: TestClient, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = http.get(SEARCH).json()
    monkeypatch.setenv("DIALOG_CACHE_TTL", "0")
    sim.flood("GetDialogsRequest", 42)
    resp = http.get(SEARCH)
    assert resp.status_code == 200 and resp.json() == first


def test_flood_while_counting_keeps_progress(
    http: TestClient, sim: SimulatedTelegram, world: World
) -> None:
    sim.flood("GetHistoryRequest", 7, after=10)
    resp = http.get(SEARCH, params={"sort": "messages", "limit": 500})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    sim.reset_requests()
    body = http.get(SEARCH, params={"sort": "messages", "limit": 500}).json()
    # the retry counted only what the first attempt could not
    assert sim.requests["GetHistoryRequest"] <= len(world.dialogs) - 10
    rows = ex.ordered(ex.rows(world), ex.SORT_KEYS["messages"], descending=True)
    assert [r["id"] for r in body["results"]] == [r.id for r in rows]


def test_participants_missing_from_entities_come_from_full_info(
    embedded_settings: Settings,
    embedded_stores: Stores,
    sim: SimulatedTelegram,
    world: World,
) -> None:
    # Real Telegram often leaves Channel.participants_count empty in dialog lists.
    sim.channel_counts_in_dialogs = False
    login(embedded_stores, sim)
    app = create_app([router], container=make_container(embedded_settings, embedded_stores, sim))
    with TestClient(app, headers={"X-Telegram-Username": USER}) as client:
        body = client.get(SEARCH, params={"sort": "participants", "limit": 500}).json()
        channels = [d for d in world.dialogs if d.kind in ("channel", "supergroup")]
        assert sim.requests["GetFullChannelRequest"] == len(channels)
        rows = ex.ordered(ex.rows(world), ex.SORT_KEYS["participants"], descending=True)
        assert [r["id"] for r in body["results"]] == [r.id for r in rows]
        assert [r["participants_count"] for r in body["results"]] == [
            r["participants_count"] for r in rows
        ]
        sim.reset_requests()
        client.get(SEARCH, params={"min_participants": 100})
        assert sim.requests["GetFullChannelRequest"] == 0


def test_revoked_session_is_401(http: TestClient, sim: SimulatedTelegram) -> None:
    sim.revoke()
    resp = http.get(SEARCH)
    assert resp.status_code == 401
    assert "log in again" in resp.json()["detail"]


def test_counting_past_the_time_budget_asks_to_retry_and_resumes(
    http: TestClient, sim: SimulatedTelegram, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a slow Telegram and a request budget too small to count every dialog
    sim.latency = 0.01
    monkeypatch.setenv("DIALOG_COUNT_BUDGET", "0.03")
    answers = []
    for _ in range(40):
        resp = http.get(SEARCH, params={"sort": "messages", "limit": 500})
        answers.append(resp)
        if resp.status_code == 200:
            break
    # THEN each short request keeps its progress until one can answer
    assert answers[0].status_code == 429 and answers[0].headers["Retry-After"] == "1"
    assert "Still counting messages" in answers[0].json()["detail"]
    assert answers[-1].status_code == 200 and len(answers) < 40
    rows = ex.ordered(ex.rows(world), ex.SORT_KEYS["messages"], descending=True)
    assert [r["id"] for r in answers[-1].json()["results"]] == [r.id for r in rows]
