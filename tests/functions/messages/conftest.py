"""Fixtures: a small world with the showcase, both adapter sets, alice logged in, and an
app of the messages, history and files routers (search results must be downloadable)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.showcase import Showcase, add_showcase
from tests.support.history import ALICE, container, log_in, small_world
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores


@pytest.fixture
def showcase_world() -> tuple[World, Showcase]:
    world = small_world()
    return world, add_showcase(world)


@pytest.fixture
def world(showcase_world: tuple[World, Showcase]) -> World:
    return showcase_world[0]


@pytest.fixture
def sc(showcase_world: tuple[World, Showcase]) -> Showcase:
    return showcase_world[1]


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


def messages_app(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    from functions.files.app import router as files_router
    from functions.history.app import router as history_router
    from functions.messages.app import router

    return create_app(
        [router, history_router, files_router], container=container(settings, stores, sim)
    )


@pytest.fixture
def app(any_settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    log_in(stores, sim, ALICE)
    return messages_app(any_settings, stores, sim)


@pytest.fixture
def http(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(autouse=True)
def _not_on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "HISTORY_BUDGET", "HISTORY_MAX_RESPONSE_BYTES"):
        monkeypatch.delenv(name, raising=False)
