"""The streaming history variant (Lambda Web Adapter: the history app under uvicorn behind
the API key) keeps the resumable SSE: a client dropped mid-stream resumes with
Last-Event-ID through the key guard, and a bad Last-Event-ID is a 400 there too."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from functions.history_stream import stream_launcher
from local.simtg import SimulatedTelegram
from tests.server.live import live_server
from tests.support.history import ALICE, container, expected_ids, log_in, small_world
from tests.support.sse_client import drop_and_resume
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores

KEY = "stream-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def _launcher_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("API_KEY_PARAM", "/tgscraper/api-key")
    monkeypatch.delenv("API_KEY", raising=False)
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "HISTORY_BUDGET", "HISTORY_MAX_RESPONSE_BYTES"):
        monkeypatch.delenv(name, raising=False)


def test_the_streaming_variant_resumes_a_dropped_stream(tmp_path: Path) -> None:
    stream_launcher.configure(loader=lambda name: KEY)
    settings = Settings.from_env()
    assert settings.api_key == KEY  # what the launcher hands the app
    settings = Settings(storage_backend="embedded", data_dir=tmp_path / "data", api_key=KEY)
    world = small_world()
    sim = SimulatedTelegram(world)
    stores = build_embedded_stores(settings)
    log_in(stores, sim, ALICE)
    from functions.history.app import router

    app = create_app([router], container=container(settings, stores, sim))
    peer = max(world.dialogs, key=lambda d: d.message_count).peer_id
    want = expected_ids(world, peer, 0, 2**40)
    headers = {"X-Telegram-Username": ALICE, "X-API-Key": KEY}
    with live_server(app, settings) as live:
        got = drop_and_resume(live.port, peer, {"chunk_size": 5}, drops=2, headers=headers)
        with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as client:
            bad = client.get(f"/api/v3/history/{peer}", headers={**headers, "Last-Event-ID": "-3"})
            keyless = client.get(f"/api/v3/history/{peer}", headers={"Last-Event-ID": "1"})
    assert got == want
    assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["detail"]
    assert keyless.status_code == 401
