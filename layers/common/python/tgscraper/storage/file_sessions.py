"""SessionStore on Telethon's own `.session` files: <dir>/<username>.session.

The schema is created by Telethon's SQLiteSession itself, so files are interchangeable
with sessions made by any Telethon script (copy one in and it works).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tgscraper.identity import validate_username
from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore


class TelethonFileSessionStore(SessionStore):
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path(self, username: str) -> Path:
        return self.directory / f"{validate_username(username)}.session"

    @contextmanager
    def _db(self, username: str, *, create: bool) -> Iterator[sqlite3.Connection | None]:
        path = self.path(username)
        if not path.exists():
            if not create:
                yield None
                return
            self._create(path)
        conn = sqlite3.connect(path, timeout=30)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    @staticmethod
    def _create(path: Path) -> None:
        from telethon.sessions import SQLiteSession  # the schema's owner

        path.parent.mkdir(parents=True, exist_ok=True)
        session = SQLiteSession(str(path))
        session.save()
        session.close()

    def load(self, username: str) -> SessionRecord | None:
        with self._db(username, create=False) as conn:
            if conn is None:
                return None
            row = conn.execute(
                "SELECT dc_id, server_address, port, auth_key FROM sessions"
            ).fetchone()
        if row is None:
            return None
        return SessionRecord(dc_id=row[0], server_address=row[1], port=row[2], auth_key=row[3])

    def save(self, username: str, record: SessionRecord) -> None:
        with self._db(username, create=True) as conn:
            assert conn is not None
            conn.execute("DELETE FROM sessions")
            conn.execute(
                "INSERT INTO sessions (dc_id, server_address, port, auth_key, takeout_id) "
                "VALUES (?, ?, ?, ?, NULL)",
                (record.dc_id, record.server_address, record.port, record.auth_key),
            )

    def delete(self, username: str) -> None:
        path = self.path(username)
        for extra in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)

    def entities(self, username: str) -> list[EntityRow]:
        with self._db(username, create=False) as conn:
            if conn is None:
                return []
            rows = conn.execute("SELECT id, hash, username, phone, name, date FROM entities")
            return [EntityRow(*row) for row in rows]

    def put_entities(self, username: str, rows: Iterable[EntityRow]) -> None:
        values = [(r.id, r.hash, r.username, r.phone, r.name, r.date) for r in rows]
        if not values:
            return
        with self._db(username, create=True) as conn:
            assert conn is not None
            conn.executemany("INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?, ?)", values)
