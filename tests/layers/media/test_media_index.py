"""Media index over both adapter sets: stable uuids and owner scoping."""

from __future__ import annotations

from tgscraper.media.index import MediaIndex, media_uuid, new_entry, parse_uuid
from tgscraper.storage.factory import Stores


def test_uuid_is_stable_and_owner_specific() -> None:
    assert media_uuid("alice", -1001, 5) == media_uuid("alice", -1001, 5)
    assert media_uuid("alice", -1001, 5) != media_uuid("bob", -1001, 5)
    assert media_uuid("alice", -1001, 5) != media_uuid("alice", -1001, 6)


def test_parse_uuid_rejects_malformed_values() -> None:
    good = media_uuid("alice", 1, 1)
    assert parse_uuid(good) == good
    assert parse_uuid(good.upper()) == good
    for bad in ("", "../etc/passwd", "x" * 36, good + "0", good.replace("-", "")):
        assert parse_uuid(bad) is None


def test_entries_are_visible_to_their_owner_only(stores: Stores) -> None:
    index = MediaIndex(stores.media)
    entry = new_entry(
        "alice",
        -1001,
        7,
        type="MessageMediaPhoto",
        filename="photo.jpg",
        size=10,
        mime="image/jpeg",
    )
    index.put_many([entry])
    assert index.get("alice", entry.uuid) == entry
    assert index.get("bob", entry.uuid) is None
    assert index.get("alice", media_uuid("alice", -1001, 8)) is None
