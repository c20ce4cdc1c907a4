"""Fixtures: the sim with one big channel, both adapter sets, alice logged in, the app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, history_app, log_in, small_world
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores, build_embedded_stores


@pytest.fixture
def world() -> World:
    w = small_world()
    # A 450-message channel over 2024: several Telegram pages, several months.
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


@pytest.fixture
def app(any_settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    log_in(stores, sim, ALICE)
    return history_app(any_settings, stores, sim)


@pytest.fixture
def http(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(autouse=True)
def _not_on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "HISTORY_BUDGET", "HISTORY_MAX_RESPONSE_BYTES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http_embedded(embedded_settings: Settings, sim: SimulatedTelegram) -> TestClient:
    """For input checks that never reach the cache: one adapter set is enough."""
    stores = build_embedded_stores(embedded_settings)
    log_in(stores, sim, ALICE)
    return TestClient(history_app(embedded_settings, stores, sim))
