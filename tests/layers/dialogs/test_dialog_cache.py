"""The dialog cache store on both adapter sets (SQLite and DynamoDB under moto)."""

from __future__ import annotations

import random

import pytest

from tgscraper.config import Settings
from tgscraper.dialogs.cache import DialogCache, cache_pk
from tgscraper.dialogs.model import DialogRecord, FolderRecord, Snapshot
from tgscraper.errors import BadRequest
from tgscraper.storage.factory import Stores, build_aws_stores, build_embedded_stores

KINDS = ("user", "bot", "group", "supergroup", "channel")


def record(i: int, rng: random.Random) -> DialogRecord:
    return DialogRecord(
        id=-1_000_000_000_000 - i if i % 2 else 100_000 + i,
        type=KINDS[i % len(KINDS)],  # type: ignore[arg-type]
        title=f"Диалог {i} {'🚀' * (i % 3)} " + "x" * rng.randint(0, 120),
        username=f"name_{i}" if i % 3 else None,
        is_creator=i % 7 == 0,
        is_verified=i % 11 == 0,
        is_archived=i % 5 == 0,
        unread_count=rng.randint(0, 50),
        last_message_date=1_700_000_000 + i,
        last_message_preview="Привет " * rng.randint(0, 14),
        created_date=1_600_000_000 + i if i % 2 else None,
        top_message=rng.randint(1, 10**6),
        access_hash=rng.getrandbits(63),
        participants_count=rng.randint(1, 10**6) if i % 2 else None,
        message_count=i,
        counted_top=None,
    )


def snapshot(n: int, seed: int = 1) -> Snapshot:
    rng = random.Random(seed)
    folders = [FolderRecord(2, "Work 💼", "💼", include_peers=[1, 2], bots=True)]
    return Snapshot([record(i, rng) for i in range(n)], folders, fetched_at=1234.5)


def fresh_stores(settings: Settings) -> Stores:
    """New store objects over the same data: a cold process, nothing memoised."""
    if settings.storage_backend == "aws":
        return build_aws_stores(settings)
    return build_embedded_stores(settings)


def test_absent_cache_loads_as_nothing(stores: Stores) -> None:
    state = DialogCache(stores.messages).load("alice")
    assert state.snapshot is None and state.meta_version is None


def test_round_trip_in_a_cold_process(stores: Stores, any_settings: Settings) -> None:
    snap = snapshot(40)
    assert DialogCache(stores.messages).save("alice", snap, None)
    loaded = DialogCache(fresh_stores(any_settings).messages).load("alice").snapshot
    assert loaded is not None
    assert loaded.records == snap.records
    assert loaded.folders == snap.folders
    assert (loaded.fetched_at, loaded.version) == (1234.5, snap.version)


def test_large_snapshot_is_chunked_below_the_item_limit(
    stores: Stores, any_settings: Settings
) -> None:
    snap = snapshot(5000)
    DialogCache(stores.messages).save("alice", snap, None)
    items = list(stores.messages.query(cache_pk("alice")))
    chunks = [i for i in items if i["sk"] != "meta"]
    assert len(chunks) > 1
    assert max(len(i["data"]) for i in chunks) < 300_000  # DynamoDB's item limit is 400 KB
    loaded = DialogCache(fresh_stores(any_settings).messages).load("alice").snapshot
    assert loaded is not None and loaded.records == snap.records


def test_stale_writer_loses_and_leaves_the_store_as_it_was(stores: Stores) -> None:
    cache = DialogCache(stores.messages)
    cache.save("alice", snapshot(10, seed=1), None)
    seen = cache.load("alice").meta_version
    winner = snapshot(10, seed=2)
    assert cache.save("alice", winner, seen)
    before = sorted(i["sk"] for i in stores.messages.query(cache_pk("alice")))
    assert not cache.save("alice", snapshot(10, seed=3), seen)  # based on an old version
    assert not cache.save("alice", snapshot(10, seed=4), None)  # "create" when it exists
    assert sorted(i["sk"] for i in stores.messages.query(cache_pk("alice"))) == before
    loaded = cache.load("alice").snapshot
    assert loaded is not None and loaded.records == winner.records


def test_old_versions_are_cleaned_up(stores: Stores) -> None:
    cache = DialogCache(stores.messages)
    version = None
    for seed in range(5):
        assert cache.save("alice", snapshot(10, seed), version)
        version = cache.load("alice").meta_version
    versions = {
        i["sk"].split("#")[1] for i in stores.messages.query(cache_pk("alice")) if i["sk"] != "meta"
    }
    assert len(versions) == 2  # the current one and the previous (readers in flight)


def test_users_do_not_see_each_others_cache(stores: Stores) -> None:
    cache = DialogCache(stores.messages)
    cache.save("alice", snapshot(3), None)
    assert cache.load("bob").snapshot is None


def test_username_is_validated_before_building_a_key() -> None:
    with pytest.raises(BadRequest):
        cache_pk("../alice")
    with pytest.raises(BadRequest):
        cache_pk("alice#msg")
