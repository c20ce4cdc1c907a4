"""Fixtures: the sim (small world + a 450-message channel), alice logged in, and one app
with the history, sync and files routers (they share the cache, as the Lambdas do)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, log_in, messages_of, parse_sse, small_world
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import Stores

H = {"X-Telegram-Username": ALICE}


@pytest.fixture
def world() -> World:
    w = small_world()
    w.add_dialog(
        "channel",
        450,
        title="Big channel",
        created=datetime(2024, 1, 1, tzinfo=UTC),
        last_date=datetime(2024, 12, 31, tzinfo=UTC),
    )
    return w


@pytest.fixture
def big(world: World) -> int:
    return next(d.peer_id for d in world.dialogs if d.title == "Big channel")


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


def sync_app(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    from functions.files.app import router as files_router
    from functions.history.app import router as history_router
    from functions.sync.app import router as sync_router

    # Built like the real client factory (no update loop), so Telegram sees exactly the
    # requests the service makes.
    container = Container(
        settings,
        stores=stores,
        client_factory=lambda session: sim.client(session, receive_updates=False),
        mode="demo",
    )
    return create_app([history_router, sync_router, files_router], container=container)


@pytest.fixture
def http(any_settings: Settings, stores: Stores, sim: SimulatedTelegram) -> TestClient:
    log_in(stores, sim, ALICE)
    return TestClient(sync_app(any_settings, stores, sim))


@pytest.fixture(autouse=True)
def _not_on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "HISTORY_BUDGET", "SYNC_MAX_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SYNC_MAX_MESSAGES", raising=False)


def history(http: TestClient, peer: int, **params: Any) -> list[dict[str, Any]]:
    resp = http.get(f"/api/v3/history/{peer}", headers=H, params=params)
    assert resp.status_code == 200, resp.text
    events = parse_sse(resp.text)
    assert all(e.event == "message" for e in events), events[-1]
    return messages_of(events)


def sync(http: TestClient, peer: int, status: int = 200) -> dict[str, Any]:
    resp = http.post(f"/api/v3/sync/{peer}", headers=H)
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()
    return body
