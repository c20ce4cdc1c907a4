"""Unknown query parameters are a 400 naming them, on every route of the composed app
(the local runner's, the same routers every Lambda handler serves): a typo such as
`history/<id>?limit=10` used to be ignored silently and streamed the whole history."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from local.app import create_local_app
from local.simtg import SimulatedTelegram
from tests.support.history import ALICE, busiest, log_in, small_world
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import build_embedded_stores

_FILL = {"token": "A" * 32, "uuid": "a1b2c3d4-e5f6-7890-abcd-ef1234567890"}


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@pytest.fixture
def client(embedded_settings: Settings, sim: SimulatedTelegram) -> TestClient:
    stores = build_embedded_stores(embedded_settings)
    log_in(stores, sim, ALICE)
    container = Container(embedded_settings, stores=stores, client_factory=sim.client, mode="demo")
    return TestClient(create_local_app(embedded_settings, container, simulator=sim))


def _operations(client: TestClient) -> list[tuple[str, str]]:
    """Every documented operation, its path parameters filled in."""
    ops = []
    for template, operations in client.get("/openapi.json").json()["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: _FILL.get(m.group(1), "1"), template)
        ops += [(method.upper(), path) for method in operations]
    return ops


def test_every_route_rejects_an_unknown_query_parameter_naming_it(client: TestClient) -> None:
    ops = _operations(client)
    assert len(ops) >= 12  # info, auth, dialogs, history, files, demo
    for method, path in ops:
        resp = client.request(
            method, path, params={"bogus_param": "1"}, headers={"X-Telegram-Username": ALICE}
        )
        assert resp.status_code == 400, (method, path, resp.status_code, resp.text)
        assert "bogus_param" in resp.json()["detail"], (method, path, resp.json())


def test_history_with_a_misspelled_parameter_is_400_listing_what_is_accepted(
    client: TestClient, sim: SimulatedTelegram
) -> None:
    peer = busiest(sim.world)
    resp = client.get(
        f"/api/v3/history/{peer}",
        params={"offset": "10", "chunk_size": "5", "startdate": "2024-01-01"},
        headers={"X-Telegram-Username": ALICE},
    )
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert "'offset'" in detail and "'startdate'" in detail and "'chunk_size'" not in detail
    assert "start_date" in detail  # the accepted ones are listed
    assert sim.requests["GetHistoryRequest"] == 0  # refused before any work


def test_known_and_repeated_parameters_still_work(client: TestClient) -> None:
    resp = client.get(
        "/api/v3/search/dialogs",
        params=[("type", "channel"), ("type", "supergroup"), ("limit", "3")],
        headers={"X-Telegram-Username": ALICE},
    )
    assert resp.status_code == 200, resp.text
    assert client.get("/health").status_code == 200
