"""The download-once guards on both adapter sets: the cross-process lease item and the
in-process per-key locks."""

from __future__ import annotations

import asyncio

from tgscraper.files.guard import LEASE_SK, DownloadLease, KeyedLocks
from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import now

MEDIA_ID = "0b7c1d2e-3f40-5a6b-8c7d-9e0f1a2b3c4d"


def test_only_one_process_holds_the_lease_until_it_releases(stores: Stores) -> None:
    first = DownloadLease(stores.media, MEDIA_ID, seconds=60)
    second = DownloadLease(stores.media, MEDIA_ID, seconds=60)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert not second.renew()  # a non-holder cannot extend it either
    assert first.renew()
    second.release()  # releasing someone else's lease does nothing
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    assert stores.media.get(MEDIA_ID, LEASE_SK) is not None


def test_an_expired_lease_is_free_for_the_next_downloader(stores: Stores) -> None:
    stores.media.put({"pk": MEDIA_ID, "sk": LEASE_SK, "holder": "dead", "expires_at": now() - 1})
    assert DownloadLease(stores.media, MEDIA_ID, seconds=60).try_acquire()


def test_the_lease_lives_beside_the_index_entry_without_disturbing_it(stores: Stores) -> None:
    from tgscraper.media.index import MediaIndex, new_entry

    entry = new_entry(
        "alice", -1001, 3, type="MessageMediaPhoto", filename="p.jpg", size=1, mime="image/jpeg"
    )
    MediaIndex(stores.media).put_many([entry])
    lease = DownloadLease(stores.media, entry.uuid, seconds=60)
    assert lease.try_acquire()
    assert MediaIndex(stores.media).get("alice", entry.uuid) == entry
    lease.release()
    assert MediaIndex(stores.media).get("alice", entry.uuid) == entry


async def test_keyed_locks_serialize_one_key_and_forget_it_afterwards() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def worker(key: str, name: str) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            await asyncio.sleep(0.01)
            order.append(f"{name}-")

    await asyncio.gather(worker("a", "1"), worker("a", "2"), worker("b", "3"))

    a_events = [e for e in order if e[0] in "12"]
    assert a_events in (["1+", "1-", "2+", "2-"], ["2+", "2-", "1+", "1-"])
    assert order.index("3+") < order.index("1-")  # another key never waits
    assert len(locks) == 0
