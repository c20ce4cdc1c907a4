"""Embedded BlobStore: files under a folder. A write goes to a unique temporary file in
the same folder and is renamed into place on commit (atomic on POSIX), so a reader never
sees a partial object.

A writer holds an flock on its temporary `.part` file for as long as it writes; the
kernel drops it when the process dies (kill -9 included). So a `.part` file nobody holds
a lock on is a leftover of a dead writer and `remove_stray_parts` deletes it, while an
in-progress download (of this or another process) is never touched."""

from __future__ import annotations

import fcntl
import logging
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tgscraper.storage.ports import BlobStore, BlobWriter, StorageError
from tgscraper.storage.private import create_private, private_dir

log = logging.getLogger("tgscraper.storage")

CHUNK = 256 * 1024
_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$")
_TMP_SUFFIX = ".part"


class _FileWriter(BlobWriter):
    def __init__(self, final: Path) -> None:
        private_dir(final.parent)
        self._final = final
        while True:
            self._tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}{_TMP_SUFFIX}")
            fd = create_private(self._tmp, exclusive=True)
            if _lock_if_current(self._tmp, fd):
                break
            # A sweep removed it between create and lock: start over with a new name.
            os.close(fd)
        self._fh = os.fdopen(fd, "wb")

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


def _lock_if_current(path: Path, fd: int) -> bool:
    """flock fd without waiting; True when locked and `path` still names fd's file."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _remove_if_stray(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False  # committed or aborted meanwhile
    try:
        if not _lock_if_current(path, fd):
            return False  # a live writer holds it
        path.unlink()  # while we hold the lock: no writer can have adopted it
        return True
    finally:
        os.close(fd)


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

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/"):
            raise ValueError("a blob prefix ends with '/'")
        folder = self._path(prefix[:-1])
        # Never follow a link out of the folder: only a real directory under the root.
        if folder.is_symlink() or not folder.is_dir():
            return 0
        if not folder.resolve().is_relative_to(self.root.resolve()):
            raise ValueError("invalid blob prefix")
        removed = 0
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
                continue
            if not path.name.startswith("."):
                removed += 1  # a stored object, not a writer's temporary file
            path.unlink(missing_ok=True)
        folder.rmdir()
        return removed

    def remove_stray_parts(self) -> list[Path]:
        """Delete temporary files of writers that died (kill -9, power loss); returns them."""
        if not self.root.is_dir():
            return []
        removed = [
            path
            for path in self.root.rglob(f".*{_TMP_SUFFIX}")
            if path.is_file() and _remove_if_stray(path)
        ]
        if removed:
            log.warning(
                "removed %d unfinished download(s) left by a process that died: %s",
                len(removed),
                ", ".join(str(p.relative_to(self.root)) for p in removed[:10]),
            )
        return removed
