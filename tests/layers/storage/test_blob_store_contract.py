"""The BlobStore contract against the folder store and S3 (moto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tgscraper.storage.factory import Stores
from tgscraper.storage.fs_blobs import FolderBlobStore
from tgscraper.storage.ports import BlobStore, StorageError


@pytest.fixture
def blobs(stores: Stores) -> BlobStore:
    return stores.blobs


def _write(blobs: BlobStore, key: str, data: bytes, piece: int = 100_000) -> None:
    writer = blobs.open_writer(key)
    for i in range(0, len(data), piece):
        writer.write(data[i : i + piece])
    writer.commit()


def test_write_then_read_whole_and_ranges(blobs: BlobStore) -> None:
    data = bytes(i % 251 for i in range(1_000_000))
    _write(blobs, "alice/abc", data)
    assert blobs.size("alice/abc") == len(data)
    assert b"".join(blobs.read("alice/abc")) == data
    assert b"".join(blobs.read("alice/abc", 10, 20)) == data[10:20]
    assert b"".join(blobs.read("alice/abc", 999_990)) == data[999_990:]


def test_multipart_sized_object_round_trips(blobs: BlobStore) -> None:
    data = bytes(i % 253 for i in range(9 * 1024 * 1024 + 7))  # more than one 8 MiB part
    _write(blobs, "alice/big", data, piece=1 << 20)
    assert blobs.size("alice/big") == len(data)
    assert b"".join(blobs.read("alice/big", len(data) - 5)) == data[-5:]


def test_uncommitted_and_aborted_writes_are_invisible(blobs: BlobStore) -> None:
    writer = blobs.open_writer("alice/partial")
    writer.write(b"x" * 1000)
    assert blobs.size("alice/partial") is None
    writer.abort()
    assert blobs.size("alice/partial") is None


def test_abort_keeps_previous_complete_object(blobs: BlobStore) -> None:
    _write(blobs, "alice/f", b"complete")
    writer = blobs.open_writer("alice/f")
    writer.write(b"half")
    writer.abort()
    assert b"".join(blobs.read("alice/f")) == b"complete"


def test_delete_and_absent_size(blobs: BlobStore) -> None:
    _write(blobs, "alice/gone", b"1")
    blobs.delete("alice/gone")
    assert blobs.size("alice/gone") is None
    assert blobs.size("never/written") is None


def test_reading_a_missing_object_fails_at_once_not_mid_stream(blobs: BlobStore) -> None:
    # GIVEN no object WHEN read() is called THEN it raises before any chunk is asked for,
    # so a server can still answer with a clean error instead of a cut-off 200.
    with pytest.raises(StorageError):
        blobs.read("never/written")


def test_delete_prefix_removes_one_owner_only(blobs: BlobStore) -> None:
    """GIVEN objects of "alice" and "alice2" WHEN alice's prefix is deleted THEN all of
    hers are gone (the count says how many) and alice2's are untouched."""
    for key in ("alice/a", "alice/b", "alice2/a"):
        _write(blobs, key, b"x")
    assert blobs.delete_prefix("alice/") == 2
    assert blobs.size("alice/a") is None and blobs.size("alice/b") is None
    assert blobs.size("alice2/a") == 1
    assert blobs.delete_prefix("alice/") == 0  # nothing left: not an error
    assert blobs.delete_prefix("never/") == 0


def test_delete_prefix_refuses_what_is_not_a_folder_prefix(blobs: BlobStore) -> None:
    """GIVEN an object WHEN a prefix without the trailing '/' (which would also match
    "alice2/...") is asked for THEN it is refused and nothing is deleted."""
    _write(blobs, "alice2/a", b"x")
    for bad in ("alice", "", "/"):
        with pytest.raises(ValueError):
            blobs.delete_prefix(bad)
    assert blobs.size("alice2/a") == 1


def test_folder_delete_prefix_never_leaves_its_root(tmp_path: Path) -> None:
    """GIVEN a folder store whose "evil" entry is a link to a directory outside it
    WHEN "evil/" or "../outside/" is deleted THEN nothing outside the root is touched."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_bytes(b"k")
    blobs = FolderBlobStore(tmp_path / "media")
    _write(blobs, "alice/a", b"x")
    (tmp_path / "media" / "evil").symlink_to(outside, target_is_directory=True)
    assert blobs.delete_prefix("evil/") == 0
    with pytest.raises(ValueError):
        blobs.delete_prefix("../outside/")
    assert (outside / "keep").read_bytes() == b"k"
    assert blobs.size("alice/a") == 1
