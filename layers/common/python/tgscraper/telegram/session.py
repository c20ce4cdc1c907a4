"""A Telethon Session backed by the SessionStore port.

Loads the login and entity cache once, keeps them in memory while a client runs
(Telethon's MemorySession), and writes back only what changed when saved: the login
row when the DC or key changed, and only the entities not stored before.
"""

from __future__ import annotations

from telethon.crypto import AuthKey
from telethon.sessions import MemorySession

from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore


class StoreSession(MemorySession):
    def __init__(self, store: SessionStore, username: str) -> None:
        super().__init__()
        self._store = store
        self._username = username
        self._saved_record = store.load(username)
        if self._saved_record is not None:
            record = self._saved_record
            self.set_dc(record.dc_id, record.server_address, record.port)
            if record.auth_key:
                self._auth_key = AuthKey(record.auth_key)
        rows = {(e.id, e.hash, e.username, e.phone, e.name) for e in store.entities(username)}
        self._entities = set(rows)
        self._saved_entities = rows

    @property
    def username(self) -> str:
        return self._username

    def record(self) -> SessionRecord:
        key = self.auth_key.key if self.auth_key is not None else None
        return SessionRecord(self.dc_id, self.server_address, self.port, key)

    def save(self) -> None:
        record = self.record()
        if record.auth_key is not None and record != self._saved_record:
            self._store.save(self._username, record)
            self._saved_record = record
        new = self._entities - self._saved_entities
        if new:
            self._store.put_entities(
                self._username,
                (EntityRow(id=r[0], hash=r[1], username=r[2], phone=r[3], name=r[4]) for r in new),
            )
            self._saved_entities = self._saved_entities | new

    def close(self) -> None:
        self.save()
