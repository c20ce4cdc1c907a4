"""Issue 15 item 8 over a real uvicorn on 127.0.0.1: a client that drops a history stream
mid-way resumes it with Last-Event-ID and ends up with every message exactly once, from
Telegram (the sim) or from the cache, and knows it is complete from `event: end`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.adversarial.rig import Rig, new_rig
from tests.server.live import Live, fill_cache, live_server
from tests.support.history import ALICE, expected_ids
from tgscraper.config import Settings

API = "/api/v3"
USER = {"X-Telegram-Username": ALICE}
CACHED = -1009999999998
"""A dialog that exists only in the cache (fully covered: served without Telegram)."""
MAX_EVENTS = 10_000


def _events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """SSE events as a line-based client parses them ({event, id, data}), as they arrive."""
    event: dict[str, Any] = {"event": "message", "id": None}
    for line in response.iter_lines():
        if line == "":
            yield event
            event = {"event": "message", "id": None}
            continue
        field, _, value = line.partition(": ")
        if field == "data":
            event["data"] = json.loads(value)
        elif field in ("event", "id"):
            event[field] = value


def _read(
    client: httpx.Client, url: str, params: dict[str, Any], last_id: str | None, stop_after: int
) -> tuple[list[int], str | None, dict[str, Any] | None]:
    """Read a stream; drop the connection after `stop_after` chunks. Returns the message
    ids received, the last chunk id seen (what an EventSource keeps) and the end event."""
    headers = USER if last_id is None else {**USER, "Last-Event-ID": last_id}
    ids: list[int] = []
    with client.stream("GET", url, params=params, headers=headers) as resp:
        assert resp.status_code == 200, resp.read()
        for n, event in enumerate(_events(resp)):
            assert n < MAX_EVENTS
            if event["event"] == "end":
                return ids, last_id, event["data"]
            assert event["event"] == "message", event
            batch = [m["message_id"] for m in event["data"]["messages"]]
            assert event["id"] == str(batch[-1])
            ids += batch
            last_id = event["id"]
            if n + 1 == stop_after:
                return ids, last_id, None  # leaving the block closes the connection
    raise AssertionError("the stream ended without event: end")


def _drop_and_resume(live: Live, dialog: int, params: dict[str, Any], drops: int) -> list[int]:
    """A client whose connection breaks after 2 chunks, `drops` times, then reads to the end."""
    url = f"{API}/history/{dialog}"
    got: list[int] = []
    last_id: str | None = None
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=30) as client:
        for attempt in range(drops + 1):
            stop = 2 if attempt < drops else 0
            ids, last_id, end = _read(client, url, params, last_id, stop)
            got += ids
            if end is not None:
                assert attempt == drops, "the stream ended before the planned drops"
                assert end["messages"] == [] and end["last_id"] == got[-1]
                assert end["total"] == len(ids), (end, len(ids))
                return got
    raise AssertionError("the last read did not end the stream")


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return new_rig(Settings(storage_backend="embedded", data_dir=tmp_path / "data"))


def test_a_dropped_telegram_stream_resumes_with_nothing_lost_or_repeated(rig: Rig) -> None:
    want = expected_ids(rig.world, rig.big, 0, 2**40)
    assert len(want) > 10 * 20, "the stream must outlast the drops"
    with live_server(rig.app(), rig.settings) as live:
        # chunk_size 20: the first drop falls inside the first Telegram page, before it
        # is stored; the others after pages were stored and covered.
        got = _drop_and_resume(live, rig.big, {"chunk_size": 20}, drops=3)
    assert got == want


def test_a_dropped_cached_stream_resumes_with_nothing_lost_or_repeated(rig: Rig) -> None:
    query = dict(p.split("=") for p in fill_cache(rig.raw, ALICE, CACHED, 3_000).split("&"))
    with live_server(rig.app(), rig.settings) as live:
        got = _drop_and_resume(live, CACHED, {**query, "chunk_size": 250}, drops=4)
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
