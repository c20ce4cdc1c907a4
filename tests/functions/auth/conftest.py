"""Fixtures: the simulated Telegram and a driver that runs every request of a scenario on
a new app instance — through HTTP (embedded stores) or through the Lambda handler (AWS
stores under moto). HTTP over AWS stores is one more driver, "http-aws", that a test
can ask for with `@pytest.mark.parametrize("flow_settings", [...], indirect=True)`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import Driver, HttpDriver, LambdaDriver, fresh_stores, small_world
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@pytest.fixture(params=["http-embedded", "lambda-aws"])
def flow_settings(request: pytest.FixtureRequest) -> Settings:
    backend = request.param.split("-")[1]
    settings: Settings = request.getfixturevalue(f"{backend}_settings")
    return settings


@pytest.fixture
def driver(
    request: pytest.FixtureRequest, flow_settings: Settings, sim: SimulatedTelegram
) -> Iterator[Driver]:
    if not request.node.callspec.params["flow_settings"].startswith("lambda"):
        yield HttpDriver(flow_settings, sim)
        return
    from functions.auth import app as auth_module

    original = auth_module.app.state.container
    yield LambdaDriver(flow_settings, sim)
    auth_module.app.state.container = original


@pytest.fixture
def stores(flow_settings: Settings) -> Stores:
    """The test's own view of the shared stores (for GIVEN setup and THEN checks)."""
    return fresh_stores(flow_settings)
