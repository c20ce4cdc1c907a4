"""Real streaming over loopback: uvicorn in a thread, an httpx streaming client. The first
chunk arrives while Telegram is still being walked (TestClient could not show this: it
reads whole responses)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, expected_ids, history_app, log_in
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores


@pytest.fixture
def base_url(embedded_settings: Settings, sim: SimulatedTelegram) -> Iterator[str]:
    stores = build_embedded_stores(embedded_settings)
    log_in(stores, sim, ALICE)
    app = history_app(embedded_settings, stores, sim)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_first_chunk_arrives_before_telegram_is_fully_walked(
    base_url: str, sim: SimulatedTelegram, world: World, big: int
) -> None:
    sim.latency = 0.05  # Telegram's round trip, per request
    pages_needed = len(world.messages(big)) // 100 + 1
    seen_at_first_chunk = None
    ids: list[int] = []
    with (
        httpx.Client(base_url=base_url, timeout=30) as client,
        client.stream(
            "GET", f"/api/v3/history/{big}", headers={"X-Telegram-Username": ALICE}
        ) as resp,
    ):
        assert resp.status_code == 200
        for line in resp.iter_lines():
            if line.startswith("data: "):
                if seen_at_first_chunk is None:
                    seen_at_first_chunk = sim.requests["GetHistoryRequest"]
                ids.extend(m["message_id"] for m in json.loads(line[6:])["messages"])
    assert seen_at_first_chunk is not None and seen_at_first_chunk < pages_needed
    assert sim.requests["GetHistoryRequest"] >= pages_needed
    assert ids == expected_ids(world, big, 0, 2**40)


def test_a_client_leaving_early_does_not_break_the_next_request(
    base_url: str, sim: SimulatedTelegram, world: World, big: int
) -> None:
    sim.latency = 0.02
    headers = {"X-Telegram-Username": ALICE}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        with client.stream("GET", f"/api/v3/history/{big}", headers=headers) as resp:
            next(resp.iter_lines())  # read one frame, then hang up
        resp = client.get(f"/api/v3/history/{big}", headers=headers)
    frames = [json.loads(x[6:]) for x in resp.text.split("\n") if x.startswith("data: ")]
    ids = [m["message_id"] for f in frames for m in f["messages"]]
    assert ids == expected_ids(world, big, 0, 2**40)
