"""Issue 15 item 8 over a real uvicorn on 127.0.0.1: a client that drops a history stream
mid-way resumes it with Last-Event-ID and ends up with every message exactly once, from
Telegram (the sim) or from the cache, and knows it is complete from `event: end`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.adversarial.rig import Rig, new_rig
from tests.server.live import fill_cache, live_server
from tests.support.history import ALICE, expected_ids
from tests.support.sse_client import drop_and_resume
from tgscraper.config import Settings

API = "/api/v3"
USER = {"X-Telegram-Username": ALICE}
CACHED = -1009999999998
"""A dialog that exists only in the cache (fully covered: served without Telegram)."""


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return new_rig(Settings(storage_backend="embedded", data_dir=tmp_path / "data"))


def test_a_dropped_telegram_stream_resumes_with_nothing_lost_or_repeated(rig: Rig) -> None:
    want = expected_ids(rig.world, rig.big, 0, 2**40)
    assert len(want) > 10 * 20, "the stream must outlast the drops"
    with live_server(rig.app(), rig.settings) as live:
        # chunk_size 20: the first drop falls inside the first Telegram page, before it
        # is stored; the others after pages were stored and covered.
        got = drop_and_resume(live.port, rig.big, {"chunk_size": 20}, drops=3, headers=USER)
    assert got == want


def test_a_dropped_cached_stream_resumes_with_nothing_lost_or_repeated(rig: Rig) -> None:
    query = dict(p.split("=") for p in fill_cache(rig.raw, ALICE, CACHED, 3_000).split("&"))
    with live_server(rig.app(), rig.settings) as live:
        got = drop_and_resume(
            live.port, CACHED, {**query, "chunk_size": 250}, drops=4, headers=USER
        )
    assert got == list(range(1, 3_001))
    assert rig.sim.requests["GetHistoryRequest"] == 0


def test_a_bad_last_event_id_is_a_400_with_a_detail(rig: Rig) -> None:
    with (
        live_server(rig.app(), rig.settings) as live,
        httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as client,
    ):
        resp = client.get(f"{API}/history/{rig.big}", headers={**USER, "Last-Event-ID": "chunk-7"})
    assert resp.status_code == 400
    assert "Last-Event-ID" in resp.json()["detail"]
    assert rig.sim.requests["GetHistoryRequest"] == 0
