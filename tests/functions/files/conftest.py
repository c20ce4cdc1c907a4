"""Fixtures: the sim, both adapter sets, alice and bob logged in, the files app."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.files import ALICE, BOB, files_app, log_in, small_world
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


@pytest.fixture
def app(any_settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    log_in(stores, sim, ALICE)
    log_in(stores, sim, BOB)
    return files_app(any_settings, stores, sim)


@pytest.fixture
def http(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(autouse=True)
def _not_on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "FILES_INLINE_MAX_BYTES", "FILES_WAIT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
