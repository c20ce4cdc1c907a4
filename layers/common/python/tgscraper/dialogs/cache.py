"""The per-user dialog cache in the cache ItemTable (`stores.messages`).

Layout under pk `dlg#<username>`:
- sk `meta`: the current version, fetched_at, chunk count, folders, previous version;
- sk `v#<version>#<nnnn>`: the records of that version, zlib-compressed JSON, chunked so
  no item nears DynamoDB's 400 KB limit.
A snapshot is immutable: a change (new listing, newly counted messages) writes a new
version's chunks first and then swaps `meta` with a compare-and-set, so a reader never
sees a half-written snapshot; the previous version is kept (readers in flight) and the one
before it deleted. Decoded snapshots are memoised per table and username: a search on a
warm process reads only `meta`.
"""

from __future__ import annotations

import json
import logging
import uuid
import weakref
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from tgscraper.dialogs.model import (
    Snapshot,
    folder_from_dict,
    folder_to_dict,
    record_from_row,
    record_to_row,
)
from tgscraper.identity import validate_username
from tgscraper.storage.ports import ConditionFailed, ItemTable

log = logging.getLogger("tgscraper.dialogs")

_META = "meta"
_SCHEMA = 1
"""Rows are positional (model.RECORD_FIELDS): bump when DialogRecord changes."""
_CHUNK_BYTES = 256_000
"""Uncompressed JSON per chunk; compressed it stays far below 400 KB."""
_MEMO_USERS = 64

_memo: weakref.WeakKeyDictionary[ItemTable, OrderedDict[str, Snapshot]] = (
    weakref.WeakKeyDictionary()
)


def cache_pk(username: str) -> str:
    return f"dlg#{validate_username(username)}"


def _chunk_sk(version: str, index: int) -> str:
    return f"v#{version}#{index:04d}"


@dataclass
class CacheState:
    """What `load` saw: the snapshot (None when absent/unreadable) and the meta version."""

    snapshot: Snapshot | None
    meta_version: str | None


class DialogCache:
    def __init__(self, table: ItemTable) -> None:
        self._table = table

    def _memo(self) -> OrderedDict[str, Snapshot]:
        return _memo.setdefault(self._table, OrderedDict())

    def load(self, username: str) -> CacheState:
        pk = cache_pk(username)
        for _ in range(3):  # a writer may swap versions between our two reads
            meta = self._table.get(pk, _META)
            if meta is None:
                return CacheState(None, None)
            version = str(meta["version"])
            if int(meta.get("schema", 0)) != _SCHEMA:
                return CacheState(None, version)
            memo = self._memo()
            cached = memo.get(username)
            if cached is not None and cached.version == version:
                memo.move_to_end(username)
                return CacheState(cached, version)
            chunks = list(
                self._table.query(pk, sk_from=_chunk_sk(version, 0), sk_to=f"v#{version}#~")
            )
            if len(chunks) != int(meta["chunks"]):
                continue
            rows: list[Any] = []
            for item in chunks:
                rows.extend(json.loads(zlib.decompress(item["data"])))
            snapshot = Snapshot(
                records=[record_from_row(row) for row in rows],
                folders=[folder_from_dict(f) for f in json.loads(meta["folders"])],
                fetched_at=float(meta["fetched_at"]),
                version=version,
            )
            self._remember(username, snapshot)
            return CacheState(snapshot, version)
        log.warning("dialog cache of %s kept changing while read; treating as absent", username)
        return CacheState(None, None)

    def save(self, username: str, snapshot: Snapshot, expected_version: str | None) -> bool:
        """Write `snapshot` as the new version unless meta moved past expected_version.

        Returns False (and leaves the store as it was) when another writer got there first.
        """
        pk = cache_pk(username)
        version = uuid.uuid4().hex
        chunks = _encode_chunks(snapshot)
        self._table.put_many(
            {"pk": pk, "sk": _chunk_sk(version, i), "data": data} for i, data in enumerate(chunks)
        )
        old = self._table.get(pk, _META) if expected_version is not None else None
        meta = {
            "pk": pk,
            "sk": _META,
            "schema": _SCHEMA,
            "version": version,
            "chunks": len(chunks),
            "fetched_at": snapshot.fetched_at,
            "folders": json.dumps([folder_to_dict(f) for f in snapshot.folders]),
            "prev_version": expected_version,
            "prev_chunks": int(old["chunks"]) if old else 0,
        }
        try:
            if expected_version is None:
                self._table.put(meta, if_absent=True)
            else:
                self._table.put(meta, expect={"version": expected_version})
        except ConditionFailed:
            self._table.delete_many((pk, _chunk_sk(version, i)) for i in range(len(chunks)))
            self._memo().pop(username, None)
            return False
        if old and old.get("prev_version"):
            stale = str(old["prev_version"])
            self._table.delete_many(
                (pk, _chunk_sk(stale, i)) for i in range(int(old.get("prev_chunks", 0)))
            )
        snapshot.version = version
        self._remember(username, snapshot)
        return True

    def _remember(self, username: str, snapshot: Snapshot) -> None:
        memo = self._memo()
        memo[username] = snapshot
        memo.move_to_end(username)
        while len(memo) > _MEMO_USERS:
            memo.popitem(last=False)


def _encode_chunks(snapshot: Snapshot) -> list[bytes]:
    chunks: list[bytes] = []
    batch: list[str] = []
    size = 0
    for rec in snapshot.records:
        row = json.dumps(record_to_row(rec), ensure_ascii=False, separators=(",", ":"))
        if batch and size + len(row) > _CHUNK_BYTES:
            chunks.append(_pack(batch))
            batch, size = [], 0
        batch.append(row)
        size += len(row.encode()) + 1
    if batch or not chunks:
        chunks.append(_pack(batch))
    return chunks


def _pack(rows: list[str]) -> bytes:
    return zlib.compress(("[" + ",".join(rows) + "]").encode(), 6)
