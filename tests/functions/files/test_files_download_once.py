"""On-demand download semantics: once for concurrent first requests (in one process and
across processes sharing storage), lease takeover, and FILE_REFERENCE_EXPIRED."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from telethon.tl.functions.upload import GetFileRequest

from local.simtg import SimulatedTelegram, World
from tests.support.files import ALICE, expected_bytes, files_app, index_media, media_message
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import now

AS_ALICE = {"X-Telegram-Username": ALICE}


async def _get_all(apps: list[FastAPI], url: str, n: int) -> list[httpx.Response]:
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://files")
        for a in apps
    ]
    try:
        return await asyncio.gather(
            *(clients[i % len(clients)].get(url, headers=AS_ALICE) for i in range(n))
        )
    finally:
        for c in clients:
            await c.aclose()


async def test_concurrent_first_requests_in_one_process_download_once(
    app: FastAPI, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "document", max_size=2 << 20)
    entry = index_media(stores, ALICE, peer, msg)
    sim.latency = 0.002  # every request yields, so the five really overlap
    sim.reset_requests()

    responses = await _get_all([app], f"/api/v3/files/{entry.uuid}", 5)

    assert [r.status_code for r in responses] == [200] * 5
    assert all(r.content == expected_bytes(world, msg) for r in responses)
    assert sim.requests["GetMessagesRequest"] == 1  # one download fetched the message


async def test_concurrent_first_requests_across_processes_download_once(
    any_settings: Settings, app: FastAPI, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    # GIVEN two independent apps (two Lambdas) sharing only the stores
    other = files_app(any_settings, stores, sim)
    peer, msg = media_message(world, "document", max_size=2 << 20)
    entry = index_media(stores, ALICE, peer, msg)
    sim.latency = 0.002
    sim.reset_requests()

    responses = await _get_all([app, other], f"/api/v3/files/{entry.uuid}", 4)

    assert [r.status_code for r in responses] == [200] * 4
    assert all(r.content == expected_bytes(world, msg) for r in responses)
    assert sim.requests["GetMessagesRequest"] == 1
    assert stores.media.get(entry.uuid, "download") is None  # the lease was released


async def test_a_dead_downloaders_lease_expires_and_is_taken_over(
    app: FastAPI, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "photo")
    entry = index_media(stores, ALICE, peer, msg)
    dead = {"pk": entry.uuid, "sk": "download", "holder": "crashed", "expires_at": now() + 1}
    stores.media.put(dead)

    [resp] = await _get_all([app], f"/api/v3/files/{entry.uuid}", 1)

    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)


async def test_waiting_too_long_for_another_download_is_503_with_retry_after(
    app: FastAPI,
    stores: Stores,
    sim: SimulatedTelegram,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FILES_WAIT_SECONDS", "0.3")
    peer, msg = media_message(world, "photo")
    entry = index_media(stores, ALICE, peer, msg)
    busy = {"pk": entry.uuid, "sk": "download", "holder": "elsewhere", "expires_at": now() + 60}
    stores.media.put(busy)
    sim.reset_requests()

    [resp] = await _get_all([app], f"/api/v3/files/{entry.uuid}", 1)

    assert resp.status_code == 503
    assert int(resp.headers["retry-after"]) > 0
    assert "still being downloaded" in resp.json()["detail"]
    assert sim.requests["GetFileRequest"] == 0


def _expire_references_on_file_request(sim: SimulatedTelegram, which: set[int]) -> None:
    """Expire every file reference just before the n-th upload.getFile (n in `which`)."""
    seen = 0

    def observe(request: Any) -> bool:
        nonlocal seen
        if isinstance(request, GetFileRequest):
            seen += 1
            if seen in which:
                sim.expire_file_references()
        return False  # only observes: never injects a fault itself

    sim.controls.flood(observe, 1)


@pytest.mark.parametrize(("kind", "expire_at"), [("photo", 1), ("document", 3)])
async def test_expired_file_reference_is_refetched_and_the_file_arrives_whole(
    app: FastAPI, stores: Stores, sim: SimulatedTelegram, world: World, kind: str, expire_at: int
) -> None:
    peer, msg = media_message(world, kind, max_size=2 << 20)
    assert msg.media is not None
    assert kind == "photo" or msg.media.size > 3 * 128 * 1024  # expires mid-download
    entry = index_media(stores, ALICE, peer, msg)
    _expire_references_on_file_request(sim, {expire_at})
    sim.reset_requests()

    [resp] = await _get_all([app], f"/api/v3/files/{entry.uuid}", 1)

    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)
    assert sim.requests["GetMessagesRequest"] == 2  # the message was fetched again


async def test_references_that_keep_expiring_end_in_502_and_nothing_stored(
    app: FastAPI, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "photo")
    entry = index_media(stores, ALICE, peer, msg)
    _expire_references_on_file_request(sim, set(range(1, 100)))

    [resp] = await _get_all([app], f"/api/v3/files/{entry.uuid}", 1)

    assert resp.status_code == 502
    assert "FILE_REFERENCE_EXPIRED" in resp.json()["detail"]
    assert stores.blobs.size(entry.object_key) is None
