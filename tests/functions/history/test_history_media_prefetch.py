"""Media: downloaded on demand by default; with the prefetch setting, small media of the
configured types are downloaded during the history walk, through the files service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from local.simtg import World
from tests.support.history import ALICE, messages_of, parse_sse
from tgscraper.media.index import MediaIndex, media_uuid
from tgscraper.storage.factory import Stores

H = {"X-Telegram-Username": ALICE}


def media_entries(http: TestClient, stores: Stores, peer: int) -> list[tuple[str, int, str]]:
    resp = http.get(f"/api/v3/history/{peer}", headers=H)
    msgs = [m for m in messages_of(parse_sse(resp.text)) if m["media"] and m["media"]["uuid"]]
    index = MediaIndex(stores.media)
    out = []
    for m in msgs:
        entry = index.get(ALICE, m["media"]["uuid"])
        assert entry is not None
        out.append((entry.object_key, entry.size, entry.type))
    return out


def test_history_does_not_download_media_by_default(
    http: TestClient, stores: Stores, big: int
) -> None:
    entries = media_entries(http, stores, big)
    assert entries
    assert all(stores.blobs.size(key) is None for key, _, _ in entries)


def test_prefetch_downloads_small_photos_only(
    http: TestClient, stores: Stores, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 200_000
    monkeypatch.setenv("HISTORY_PREFETCH_MAX_BYTES", str(limit))
    monkeypatch.setenv("HISTORY_PREFETCH_TYPES", "MessageMediaPhoto")
    entries = media_entries(http, stores, big)
    wanted = [e for e in entries if e[2] == "MessageMediaPhoto" and e[1] <= limit]
    others = [e for e in entries if e not in wanted]
    assert wanted and others
    assert all(stores.blobs.size(key) == size for key, size, _ in wanted)
    assert all(stores.blobs.size(key) is None for key, _, _ in others)
    # The bytes are the real file's, as the files endpoint serves them.
    photo = next(
        m
        for m in world.messages(big)
        if m.media and m.media.kind == "photo" and m.media.size <= limit
    )
    assert photo.media is not None
    key = f"{ALICE}/{media_uuid(ALICE, big, photo.id)}"
    assert b"".join(stores.blobs.read(key)) == world.media_bytes(photo.media)
