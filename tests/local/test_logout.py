"""DELETE /api/v3/auth/session over HTTP, on both store sets (embedded and AWS/moto), in
demo mode: the simulated Telegram behind the real Telethon client."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.app import create_local_app
from local.demo import demo_client_factory
from local.simtg import SimulatedTelegram
from tests.support.store_dump import dump, mentions
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import build_aws_stores, build_embedded_stores

SESSION = "/api/v3/auth/session"


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram.demo()


def _client(settings: Settings, sim: SimulatedTelegram) -> TestClient:
    # The per-address QR start counter belongs to the client's address, not to an
    # account: off here, so "the stores are as before" compares account data only.
    settings = replace(settings, qr_start_limit_per_address=0)
    container = Container(settings, client_factory=demo_client_factory(sim), mode="demo")
    return TestClient(create_local_app(settings, container, simulator=sim))


def _headers(username: str) -> dict[str, str]:
    return {"X-Telegram-Username": username}


def _login(client: TestClient, username: str) -> None:
    token = client.post("/api/v3/auth/qr", json={"username": username}).json()["token"]
    assert client.post(f"/api/v3/demo/qr/{token}/approve").status_code == 200
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"


def _messages(sse: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for line in sse.splitlines():
        if line.startswith("data: ") and '"messages"' in line:
            found.extend(json.loads(line[6:])["messages"])
    return found


def _use_everything(client: TestClient, username: str) -> int:
    """Every route that leaves something stored: dialogs, folders, history (messages,
    coverage, media index), cache search, a download, sync. Returns the dialog id."""
    h = _headers(username)
    found = client.get(
        "/api/v3/search/dialogs", params={"q": "Simulated Archive", "match": "exact"}, headers=h
    )
    assert found.status_code == 200, found.text
    dialog = found.json()["results"][0]["id"]
    assert client.get("/api/v3/folders", headers=h).status_code == 200
    history = client.get(f"/api/v3/history/{dialog}", headers=h)
    assert history.status_code == 200, history.text
    messages = _messages(history.text)
    word = next(w for m in messages for w in (m.get("message") or "").split() if len(w) > 4)
    search = client.get(
        "/api/v3/search/messages",
        params={"q": word, "source": "cache", "dialog_id": dialog},
        headers=h,
    )
    assert search.status_code == 200 and search.json()["results"], search.text
    small = next(m["media"] for m in messages if m["media"] and m["media"]["size"] < 2_000_000)
    assert client.get(f"/api/v3/files/{small['uuid']}", headers=h).status_code == 200
    synced = client.post(f"/api/v3/sync/{dialog}", headers=h)
    assert synced.status_code == 200, synced.text
    return int(dialog)


def _stores_of(settings: Settings) -> Any:
    if settings.storage_backend == "aws":
        return build_aws_stores(settings)
    return build_embedded_stores(settings)


def test_logout_leaves_nothing_of_the_account_and_spares_the_other_one(
    any_settings: Settings, sim: SimulatedTelegram
) -> None:
    """GIVEN "alice2" used every route (the snapshot of the stores is taken then), and
    "alice" logged in and listed dialogs, read a history, searched it, downloaded a
    file and synced
    WHEN alice logs out
    THEN the stores hold exactly the snapshot: not one row, item, file or object of
    alice's is left (her name is in no key or value, her Telegram user id only in
    alice2's untouched data), her session is gone, and alice2 still works."""
    client = _client(any_settings, sim)
    _login(client, "alice2")
    _use_everything(client, "alice2")
    before = dump(any_settings)
    assert mentions(before, "alice") == []

    _login(client, "alice")
    dialog = _use_everything(client, "alice")
    during = dump(any_settings)
    assert len(mentions(during, "alice")) > 10  # the walk really stored things

    out = client.delete(SESSION, headers=_headers("alice"))

    assert out.status_code == 200, out.text
    assert out.json()["status"] == "logged_out"
    assert out.json()["telegram_logged_out"] is True
    assert out.json()["data_deleted"] is True
    after = dump(any_settings)
    assert mentions(after, "alice") == []
    tg_id = str(sim.world.me.id)
    assert set(mentions(after, tg_id)) <= set(mentions(before, tg_id))
    assert after == before
    assert _stores_of(any_settings).sessions.load("alice") is None
    assert client.get(f"/api/v3/history/{dialog}", headers=_headers("alice")).status_code == 401
    again = client.get(f"/api/v3/sync/{dialog}", headers=_headers("alice2"))
    assert again.status_code == 200, again.text


def test_logout_revokes_the_key_at_telegram(
    embedded_settings: Settings, sim: SimulatedTelegram
) -> None:
    """GIVEN a login whose stored key someone copied WHEN the user logs out and the copy
    is put back THEN Telegram refuses that key: the request is a 401, not data."""
    client = _client(embedded_settings, sim)
    _login(client, "alice")
    sessions = _stores_of(embedded_settings).sessions
    copied = sessions.load("alice")
    assert copied is not None
    assert client.delete(SESSION, headers=_headers("alice")).json()["telegram_logged_out"]

    sessions.save("alice", copied)

    assert client.get("/api/v3/folders", headers=_headers("alice")).status_code == 401


def test_a_second_logout_answers_the_same_shape(
    any_settings: Settings, sim: SimulatedTelegram
) -> None:
    """GIVEN a user who logged out WHEN they log out again THEN 200 with the same
    fields: nothing to tell Telegram, nothing left to delete."""
    client = _client(any_settings, sim)
    _login(client, "alice")
    first = client.delete(SESSION, headers=_headers("alice"))
    second = client.delete(SESSION, headers=_headers("alice"))
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == set(second.json())
    assert second.json()["status"] == "logged_out"
    assert second.json()["telegram_logged_out"] is False
    assert "already logged out" in second.json()["message"]


def test_keep_data_keeps_the_cache_but_not_the_session(
    any_settings: Settings, sim: SimulatedTelegram
) -> None:
    """GIVEN alice read a history WHEN she logs out with keep_data=true THEN her session
    is gone (401) but the cached messages and media index are still stored."""
    client = _client(any_settings, sim)
    _login(client, "alice")
    dialog = _use_everything(client, "alice")
    cached = mentions(dump(any_settings), "alice")

    out = client.delete(SESSION, params={"keep_data": "true"}, headers=_headers("alice"))

    assert out.status_code == 200, out.text
    assert out.json()["data_deleted"] is False
    assert _stores_of(any_settings).sessions.load("alice") is None
    assert client.get(f"/api/v3/history/{dialog}", headers=_headers("alice")).status_code == 401
    kept = mentions(dump(any_settings), "alice")
    assert any("msg#alice#" in where for where in kept)
    assert any(where.startswith(("files:media", "s3:")) for where in kept)
    gone = set(cached) - set(kept)
    assert gone and all(_is_session_or_lease(where) for where in gone)


def _is_session_or_lease(where: str) -> bool:
    places = ("dynamodb:SessionsTable", "dynamodb:LeasesTable", "files:sessions", "sqlite:store")
    return where.startswith(places) and ("sessions" in where.lower() or "lease" in where)


def test_logout_works_while_telegram_is_unreachable(
    any_settings: Settings, sim: SimulatedTelegram
) -> None:
    """GIVEN a logged-in user and Telegram that drops every connection WHEN the user
    logs out THEN the local logout happens (session and data gone) and the answer says
    Telegram was not told."""
    client = _client(any_settings, sim)
    _login(client, "alice")
    _use_everything(client, "alice")
    sim.controls.disconnect_after("auth.LogOutRequest", 0, times=1_000)

    out = client.delete(SESSION, headers=_headers("alice"))

    assert out.status_code == 200, out.text
    assert out.json()["telegram_logged_out"] is False
    assert out.json()["data_deleted"] is True
    assert "Telegram was not told" in out.json()["message"]
    assert mentions(dump(any_settings), "alice") == []


def test_logout_needs_a_valid_username(embedded_settings: Settings, sim: SimulatedTelegram) -> None:
    """GIVEN no or a malformed username, or a bad keep_data WHEN logging out THEN a
    clear 401 / 400 detail, never a 500."""
    client = _client(embedded_settings, sim)
    assert client.delete(SESSION).status_code == 401
    assert client.delete(SESSION, headers=_headers("../x")).status_code == 401
    bad = client.delete(SESSION, params={"keep_data": "maybe"}, headers=_headers("alice"))
    assert bad.status_code == 400 and "keep_data" in bad.json()["detail"]


def test_a_telegram_that_never_answers_costs_the_budget_not_the_logout(
    embedded_settings: Settings, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a logged-in user and a Telegram slower than logout's budget for it
    WHEN the user logs out THEN the answer comes once the budget is spent, the session
    is deleted and the answer says Telegram did not answer in time."""
    from tgscraper.auth import logout

    client = _client(embedded_settings, sim)
    _login(client, "alice")
    monkeypatch.setattr(logout, "TELEGRAM_SECONDS", 0.3)
    sim.latency = 5.0

    started = time.monotonic()
    out = client.delete(SESSION, headers=_headers("alice"))

    assert time.monotonic() - started < 3
    assert out.status_code == 200, out.text
    assert out.json()["telegram_logged_out"] is False
    assert "did not answer in time" in out.json()["message"]
    assert _stores_of(embedded_settings).sessions.load("alice") is None
