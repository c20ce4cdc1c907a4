"""The BlobStore contract against the folder store and S3 (moto)."""

from __future__ import annotations

import pytest

from tgscraper.storage.factory import Stores
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
