"""FileService on both adapter sets with the simulated Telegram: a download cancelled
half-way (the client went away) leaves neither bytes nor a lease behind."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from local.simtg import SimulatedTelegram
from tests.support.files import ALICE, container, index_media, log_in, media_message, small_world
from tgscraper.config import Settings
from tgscraper.errors import NotFound
from tgscraper.files.guard import LEASE_SK
from tgscraper.files.service import FileService
from tgscraper.storage.factory import Stores


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@pytest.fixture
def service(any_settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FileService:
    log_in(stores, sim, ALICE)
    return FileService.for_container(container(any_settings, stores, sim))


async def test_a_cancelled_download_leaves_nothing_behind(
    service: FileService, any_settings: Settings, stores: Stores, sim: SimulatedTelegram
) -> None:
    peer, msg = media_message(sim.world, "document", max_size=4 << 20)
    assert msg.media is not None and msg.media.size > 4 * 128 * 1024
    entry = index_media(stores, ALICE, peer, msg)
    sim.latency = 0.005

    task = asyncio.create_task(service.open(ALICE, entry.uuid))
    while sim.requests["GetFileRequest"] < 2:  # some parts are already written
        assert not task.done(), task.exception()
        await asyncio.sleep(0.005)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    assert stores.blobs.size(entry.object_key) is None
    assert stores.media.get(entry.uuid, LEASE_SK) is None
    if any_settings.storage_backend == "embedded":
        assert [p for p in (any_settings.data_dir / "media").rglob("*") if p.is_file()] == []
    # and the next request downloads it whole
    sim.latency = 0
    stored = await service.open(ALICE, entry.uuid)
    assert stored.size == msg.media.size
    assert b"".join(service.read(stored)) == sim.world.media_bytes(msg.media)


async def test_lookup_is_owner_scoped_and_rejects_malformed_ids(
    service: FileService, stores: Stores, sim: SimulatedTelegram
) -> None:
    peer, msg = media_message(sim.world, "photo")
    entry = index_media(stores, ALICE, peer, msg)
    for owner, media_id in [("bob", entry.uuid), (ALICE, "nope"), (ALICE, entry.uuid[:-1])]:
        with pytest.raises(NotFound):
            await service.open(owner, media_id)
    assert (await service.open(ALICE, entry.uuid.upper())).entry == entry
