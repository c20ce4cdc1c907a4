"""Concurrency: many requests at once through httpx over ASGI (one event loop, so they
interleave at every await: Telegram round trips with latency, storage calls in threads),
spread over several app instances sharing only the stores, as separate Lambdas or
processes would be.

- overlapping history ranges of one user and dialog: every message cached once, the
  coverage exactly the union of the ranges, each answer exactly its range;
- parallel polls of one QR login: all answer, one login is stored and works;
- parallel first downloads of one file: one Telegram download, every body exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.adversarial.rig import Rig, assert_store_consistent, cached_ids
from tests.support.files import expected_bytes, index_media, media_message
from tests.support.history import ALICE, complete, expected_ids, messages_of, parse_sse
from tgscraper.history.coverage import merge
from tgscraper.history.store import MessageCache

USER = {"X-Telegram-Username": ALICE}
INSTANCES = 3
TIMEOUT = 60

RANGES = [
    ("2024-01-01", "2024-03-31"),
    ("2024-02-15", "2024-05-31"),
    ("2024-05-01", "2024-08-31"),
    ("2024-07-01", "2024-07-15"),
    ("2024-03-01", "2024-03-02"),
    ("2024-03-01", "2024-03-02"),
    ("2024-10-01", "2024-11-30"),
    ("2024-02-01", "2024-09-30"),
]


def _epoch(day: str, end: bool = False) -> int:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return int(moment.timestamp()) + (86399 if end else 0)


@pytest.fixture
def apps(rig: Rig) -> Iterator[list[FastAPI]]:
    rig.sim.latency = 0.003  # every Telegram answer takes a while: requests overlap
    yield [rig.app() for _ in range(INSTANCES)]


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=TIMEOUT
    )


async def _gather(apps: list[FastAPI], requests: list[tuple[str, str, dict[str, Any]]]) -> Any:
    """Send the requests at once, round-robin over the app instances."""
    clients = [_client(app) for app in apps]
    try:
        calls = [
            clients[i % len(clients)].request(method, url, **kwargs)
            for i, (method, url, kwargs) in enumerate(requests)
        ]
        return await asyncio.wait_for(asyncio.gather(*calls), TIMEOUT)
    finally:
        for client in clients:
            await client.aclose()


async def test_overlapping_history_ranges_cache_each_message_once(
    rig: Rig, apps: list[FastAPI]
) -> None:
    url = f"/api/v3/history/{rig.big}"
    requests = [
        ("GET", url, {"headers": USER, "params": {"start_date": a, "end_date": b}})
        for a, b in RANGES
    ]
    responses = await _gather(apps, requests)
    for (start, end), response in zip(RANGES, responses, strict=True):
        assert response.status_code == 200, response.text[:300]
        events = complete(parse_sse(response.text))
        got = [m["message_id"] for m in messages_of(events)]
        assert got == expected_ids(rig.world, rig.big, _epoch(start), _epoch(end, True))

    union = merge((_epoch(a), _epoch(b, True)) for a, b in RANGES)
    cache = MessageCache(rig.raw.messages, ALICE, rig.big)
    assert cache.coverage() == union
    ids = cached_ids(rig, rig.big)
    assert len(ids) == len(set(ids)), "a message is cached twice"
    want = sorted({i for lo, hi in union for i in expected_ids(rig.world, rig.big, lo, hi)})
    assert sorted(ids) == want
    assert_store_consistent(rig, "parallel history")

    # Served from the cache now: no Telegram call at all.
    rig.sim.reset_requests()
    again = await _gather(apps, requests[:3])
    assert all(r.status_code == 200 for r in again)
    assert rig.sim.requests["GetHistoryRequest"] == 0


async def test_parallel_polls_of_one_qr_login(rig: Rig, apps: list[FastAPI]) -> None:
    async with _client(apps[0]) as http:
        token = (await http.post("/api/v3/auth/qr", json={"username": "carol"})).json()["token"]
        assert (await http.get(f"/api/v3/auth/qr/{token}")).status_code == 200
        assert (await http.post(f"/api/v3/demo/qr/{token}/approve")).status_code == 200
    polls = await _gather(apps, [("GET", f"/api/v3/auth/qr/{token}", {})] * 12)
    statuses = [p.json()["status"] for p in polls]
    assert all(p.status_code == 200 for p in polls), [p.text for p in polls]
    assert set(statuses) <= {"pending", "success"}, statuses
    async with _client(apps[1]) as http:
        final = (await http.get(f"/api/v3/auth/qr/{token}")).json()
        assert final["status"] == "success", final
        carol = {"X-Telegram-Username": "carol"}
        assert (await http.get("/api/v3/folders", headers=carol)).status_code == 200
    assert rig.session("carol") is not None
    assert rig.raw.qr.get(f"qr#{token}", "lock") is None, "a poll left the flow locked"
    assert_store_consistent(rig, "parallel polls")


async def test_parallel_first_downloads_of_one_file_download_once(
    rig: Rig, apps: list[FastAPI]
) -> None:
    peer, message = media_message(rig.world, "document", max_size=600 * 1024)
    entry = index_media(rig.raw, ALICE, peer, message)
    rig.files.append((entry, message))
    rig.sim.reset_requests()
    responses = await _gather(apps, [("GET", f"/api/v3/files/{entry.uuid}", {"headers": USER})] * 9)
    want = expected_bytes(rig.world, message)
    for response in responses:
        assert response.status_code == 200, response.text[:300]
        assert response.content == want
    # One download: the message is fetched once (for its file reference) and each of its
    # parts once.
    assert rig.sim.requests["GetMessagesRequest"] == 1, rig.sim.requests
    parts = rig.sim.requests["GetFileRequest"]
    rig.raw.blobs.delete(entry.object_key)
    rig.sim.reset_requests()
    async with _client(apps[0]) as http:
        single = await http.get(f"/api/v3/files/{entry.uuid}", headers=USER)
    assert single.content == want
    assert rig.sim.requests["GetFileRequest"] == parts
    assert rig.raw.media.get(entry.uuid, "download") is None, "the download lease was kept"
    assert_store_consistent(rig, "parallel downloads")
