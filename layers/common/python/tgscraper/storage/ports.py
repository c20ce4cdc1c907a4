"""The small abstract persistence layer every store is built on.

`ItemTable` is a sorted key-value table (partition key + sort key, like DynamoDB) with
conditional writes and TTL; `BlobStore` holds media bytes. Both adapter sets implement
exactly these, and one contract suite (tests/layers/storage) runs against both.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

Item = dict[str, Any]
"""An item: "pk" and "sk" strings plus attributes (str, int, float, bool, bytes, None,
lists and dicts of those). "expires_at" (epoch seconds) is the TTL attribute: an item
whose expires_at is in the past is treated as absent by every read and condition."""

TTL_ATTRIBUTE = "expires_at"


class ConditionFailed(Exception):
    """A conditional write's condition did not hold (item exists / changed)."""


class StorageError(Exception):
    """The backend failed (throttled, unavailable). Nothing is known to be written."""


def now() -> int:
    return int(time.time())


def is_live(item: Mapping[str, Any], at: int | None = None) -> bool:
    expires = item.get(TTL_ATTRIBUTE)
    return expires is None or int(expires) > (now() if at is None else at)


class ItemTable(ABC):
    """A table of items addressed by (pk, sk), sorted by sk within a pk."""

    in_process: bool = False
    """True when a call is in-process work of well under a millisecond (SQLite): async
    callers run it inline; otherwise (a network round trip) in a worker thread
    (`tgscraper.storage.calls`)."""

    @abstractmethod
    def get(self, pk: str, sk: str) -> Item | None:
        """The live item, or None (absent or expired)."""

    @abstractmethod
    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the whole item.

        if_absent: only if no live item has this key (an expired one counts as absent).
        expect: only if a live item exists whose attributes equal these values
        (compare-and-set). Raises ConditionFailed otherwise.
        """

    @abstractmethod
    def delete(self, pk: str, sk: str, *, expect: Mapping[str, Any] | None = None) -> None:
        """Delete the item (no error if absent, unless `expect` is given)."""

    @abstractmethod
    def query(
        self,
        pk: str,
        *,
        sk_from: str | None = None,
        sk_to: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[Item]:
        """Live items of one pk with sk_from <= sk <= sk_to, in sk order, lazily."""

    @abstractmethod
    def put_many(self, items: Iterable[Item]) -> None:
        """Unconditional batch write."""

    @abstractmethod
    def delete_many(self, keys: Iterable[tuple[str, str]]) -> None:
        """Unconditional batch delete."""

    @abstractmethod
    def scan_keys(
        self, *pk_prefixes: str, where: Mapping[str, str | int] | None = None
    ) -> Iterator[tuple[str, str]]:
        """(pk, sk) of every stored item whose pk starts with one of `pk_prefixes` (any
        pk when none is given) and, with `where`, whose attributes equal those values.

        For maintenance that must find everything (wiping an account), so items past
        their expires_at but not yet removed are included. Cost: SQLite reads a key
        range per prefix (a `where` reads the items of those ranges); DynamoDB runs one
        Scan, which reads and bills the WHOLE table whatever matches (filters apply
        after the read): fine for a rare logout, never on a request path.
        """


class BlobWriter(ABC):
    """An upload in progress: invisible to readers until `commit()`."""

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def commit(self) -> None:
        """Make the object visible, complete, under its key."""

    @abstractmethod
    def abort(self) -> None:
        """Drop everything written; the key stays as it was."""


class BlobStore(ABC):
    """Media bytes by key."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """Size in bytes of a complete object, or None if absent."""

    @abstractmethod
    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) in chunks of bounded size (constant memory)."""

    @abstractmethod
    def open_writer(self, key: str) -> BlobWriter: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`, a folder-like "<part>/" (so "alice/"
        never reaches "alice2/..."); returns how many. Uploads in progress under it may
        fail. Cost: S3 lists and deletes 1000 keys per request pair; the folder store
        removes one directory."""

    def presigned_url(
        self,
        key: str,
        *,
        filename: str,
        expires_in: int = 900,
        content_type: str | None = None,
    ) -> str | None:
        """A time-limited URL a client can fetch directly, where the backend has one.

        content_type: the Content-Type the URL answers with (objects are stored untyped)."""
        return None
