"""SessionStore on Telethon's own `.session` files: <dir>/<username>.session.

The schema is created by Telethon's SQLiteSession itself, so files are interchangeable
with sessions made by any Telethon script (copy one in and it works).

Consistency: a reader sees the old login or the new one, never none and never a file
half made.
- A new file (first login, forced re-login) is built beside the final name, fsynced and
  renamed over it (`os.replace`); nothing is ever deleted first.
- Reads open an existing file only (never create one), so a read that races a logout
  cannot leave an empty file behind.
- Writers (this process's threads and other processes: the CLI) take an flock on the
  folder: a swap never happens while a SQLite journal of the old file exists, whose
  rollback would otherwise land in the new file.

A file SQLite cannot read (0 bytes, garbage, another schema) is that user's problem only:
`SessionUnreadable` (401, "log in again"); a new login replaces it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tgscraper.identity import validate_username
from tgscraper.storage.ports import StorageError
from tgscraper.storage.private import private_dir, touch_private
from tgscraper.storage.sessions import (
    EntityRow,
    SessionRecord,
    SessionStore,
    SessionUnreadable,
)

log = logging.getLogger("tgscraper.storage")

_SIDE_FILES = ("-journal", "-wal", "-shm")
TMP_SUFFIX = ".tmp.session"
"""Telethon's SQLiteSession insists on names ending in .session; the leading '.' keeps
temporary files apart from logins (a username never starts with '.')."""


def _open_existing(path: Path) -> sqlite3.Connection:
    # mode=rw: fails instead of creating an empty file when the path is gone.
    return sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=30)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class TelethonFileSessionStore(SessionStore):
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path(self, username: str) -> Path:
        return self.directory / f"{validate_username(username)}.session"

    # -- plumbing -----------------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time across threads and processes (flock on the folder)."""
        private_dir(self.directory)
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    @contextmanager
    def _db(self, username: str) -> Iterator[sqlite3.Connection | None]:
        """A connection to the user's existing file (None when there is none)."""
        path = self.path(username)
        try:
            conn = _open_existing(path)
        except sqlite3.OperationalError as exc:
            if not path.exists():
                yield None
                return
            raise self._unreadable(username, exc) from exc
        try:
            with conn:
                yield conn
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(username, exc) from exc
        finally:
            conn.close()

    @staticmethod
    def _unreadable(username: str, exc: sqlite3.Error) -> Exception:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return StorageError(f"session file is busy: {exc}")
        log.warning("session file of %s is unreadable (%s); it needs a new login", username, exc)
        return SessionUnreadable(
            f"Telegram session unreadable, log in again: the stored session of '{username}' "
            "is damaged (a new login with POST /api/v3/auth/qr replaces it)"
        )

    def _swap_in(self, username: str, record: SessionRecord | None) -> None:
        """Build a complete file beside the final one and rename it over it (atomic)."""
        from telethon.sessions import SQLiteSession  # the schema's owner

        final = self.path(username)
        tmp = final.with_name(f".{final.stem}.{uuid.uuid4().hex}{TMP_SUFFIX}")
        touch_private(tmp)
        try:
            session = SQLiteSession(str(tmp))
            session.save()
            session.close()
            if record is not None:
                conn = sqlite3.connect(tmp)
                try:
                    with conn:
                        self._write_login(conn, record)
                finally:
                    conn.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            # Journals of the old file must not be rolled back into the new one.
            for side in _SIDE_FILES:
                Path(f"{final}{side}").unlink(missing_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        finally:
            for side in ("", *_SIDE_FILES):
                Path(f"{tmp}{side}").unlink(missing_ok=True)

    @staticmethod
    def _write_login(conn: sqlite3.Connection, record: SessionRecord) -> None:
        conn.execute("DELETE FROM sessions")
        conn.execute(
            "INSERT INTO sessions (dc_id, server_address, port, auth_key, takeout_id) "
            "VALUES (?, ?, ?, ?, NULL)",
            (record.dc_id, record.server_address, record.port, record.auth_key),
        )

    # -- the port -----------------------------------------------------------------------
    def load(self, username: str) -> SessionRecord | None:
        with self._db(username) as conn:
            if conn is None:
                return None
            row = conn.execute(
                "SELECT dc_id, server_address, port, auth_key FROM sessions"
            ).fetchone()
        if row is None:
            return None
        # Telethon writes b'' for "no key yet".
        return SessionRecord(
            dc_id=row[0], server_address=row[1], port=row[2], auth_key=row[3] or None
        )

    def save(self, username: str, record: SessionRecord) -> None:
        with self._writing():
            with self._db(username) as conn:
                if conn is not None:
                    self._write_login(conn, record)
                    return
            self._swap_in(username, record)

    def replace(self, username: str, record: SessionRecord) -> None:
        with self._writing():
            self._swap_in(username, record)

    def delete(self, username: str) -> None:
        path = self.path(username)
        with self._writing():
            for extra in ("", *_SIDE_FILES):
                Path(f"{path}{extra}").unlink(missing_ok=True)

    def remove_stray_temps(self) -> int:
        """Delete temporary files of swaps that died halfway (kill -9); returns how many."""
        if not self.directory.is_dir():
            return 0
        with self._writing():  # no swap of a live writer is in progress now
            strays = [p for p in self.directory.glob(f".*{TMP_SUFFIX}*") if p.is_file()]
            for path in strays:
                path.unlink(missing_ok=True)
        return len(strays)

    def entities(self, username: str) -> list[EntityRow]:
        with self._db(username) as conn:
            if conn is None:
                return []
            rows = conn.execute("SELECT id, hash, username, phone, name, date FROM entities")
            return [EntityRow(*row) for row in rows]

    def put_entities(self, username: str, rows: Iterable[EntityRow]) -> None:
        values = [(r.id, r.hash, r.username, r.phone, r.name, r.date) for r in rows]
        if not values:
            return
        sql = "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?, ?)"
        with self._writing():
            with self._db(username) as conn:
                if conn is not None:
                    conn.executemany(sql, values)
                    return
            self._swap_in(username, None)
            with self._db(username) as conn:
                assert conn is not None
                conn.executemany(sql, values)
