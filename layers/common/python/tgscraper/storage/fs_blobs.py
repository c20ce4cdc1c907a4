"""Embedded BlobStore: files under a folder. A write goes to a unique temporary file in
the same folder and is renamed into place on commit (atomic on POSIX), so a reader never
sees a partial object."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tgscraper.storage.ports import BlobStore, BlobWriter, StorageError

CHUNK = 256 * 1024
_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$")
_TMP_SUFFIX = ".part"


class _FileWriter(BlobWriter):
    def __init__(self, final: Path) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        self._final = final
        self._tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}{_TMP_SUFFIX}")
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed in commit/abort

    def write(self, data: bytes) -> None:
        self._fh.write(data)

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self._final)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self._tmp.unlink(missing_ok=True)


def _chunks(fh: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    with fh:
        fh.seek(start)
        remaining = None if end is None else max(0, end - start)
        while remaining is None or remaining > 0:
            chunk = fh.read(CHUNK if remaining is None else min(CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


class FolderBlobStore(BlobStore):
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # Keys are built by services from validated parts; this check is the last line
        # of defence against a key escaping the folder.
        if not _KEY_RE.fullmatch(key) or ".." in key.split("/"):
            raise ValueError("invalid blob key")
        return self.root / key

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        # The file is opened now, not on the first next(): a failure reaches the caller
        # before it starts a response (a clean error), not after the headers went out.
        try:
            fh = open(self._path(key), "rb")  # noqa: SIM115 - closed by _chunks
        except OSError as exc:
            raise StorageError(f"cannot read blob: {type(exc).__name__}") from exc
        return _chunks(fh, start, end)

    def open_writer(self, key: str) -> BlobWriter:
        return _FileWriter(self._path(key))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
