"""A Telethon Session backed by the SessionStore port.

Loads the login and entity cache once, keeps them in memory while a client runs
(Telethon's MemorySession), and writes back only what changed when saved: the login
row when the DC or key changed, and only the entities that are new or changed since
they were loaded or last saved. Telethon calls `save()` often (every connect, every
key change, every disconnect); an unchanged session costs no store access at all.

Entities are kept one row per id (Telethon's MemorySession keeps a set and can hold
stale duplicates of one id, returning either of them), so a changed access_hash or
username replaces the old row instead of shadowing it.

A session that was replaced or removed in the store while this client ran (a forced
re-login, a logout) is never written back: the old account's entities must not leak
into the new login.
"""

from __future__ import annotations

import logging
from typing import Any

from telethon.crypto import AuthKey
from telethon.sessions import MemorySession

from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore, SessionUnreadable

log = logging.getLogger("tgscraper.telegram")

Row = tuple[int, int, str | None, str | None, str | None]
"""Telethon's entity row: (marked id, access_hash, username, phone, name)."""


def _row(entity: EntityRow) -> Row:
    return (entity.id, entity.hash, entity.username, entity.phone, entity.name)


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
        self._rows: dict[int, Row] = {e.id: _row(e) for e in store.entities(username)}
        self._saved_rows: dict[int, Row] = dict(self._rows)
        # MemorySession's lookups iterate `_entities`: a live view keeps them working.
        self._entities = self._rows.values()  # type: ignore[assignment]

    @property
    def username(self) -> str:
        return self._username

    # -- entity cache: one row per id ---------------------------------------------------
    def process_entities(self, tlo: Any) -> None:
        for row in self._entities_to_rows(tlo):
            self._rows[row[0]] = row

    def get_entity_rows_by_id(self, id: int, exact: bool = True) -> tuple[int, int] | None:
        if exact:
            row = self._rows.get(id)
            return (row[0], row[1]) if row else None
        result: tuple[int, int] | None = super().get_entity_rows_by_id(id, exact)
        return result

    # -- persistence --------------------------------------------------------------------
    def record(self) -> SessionRecord:
        key = self.auth_key.key if self.auth_key is not None else None
        return SessionRecord(self.dc_id, self.server_address, self.port, key)

    def pending_changes(self) -> tuple[SessionRecord | None, list[Row]]:
        """What a save would write: the login (if changed) and the new/changed entities."""
        record = self.record()
        login = record if record.auth_key is not None and record != self._saved_record else None
        rows = [row for key, row in self._rows.items() if self._saved_rows.get(key) != row]
        return login, rows

    def save(self) -> None:
        login, rows = self.pending_changes()
        if login is None and not rows:
            return
        if self._replaced_elsewhere():
            log.info("session of %s was replaced elsewhere; not writing it back", self._username)
            self._saved_rows = dict(self._rows)
            return
        if login is not None:
            self._store.save(self._username, login)
            self._saved_record = login
        if rows:
            self._store.put_entities(
                self._username,
                (EntityRow(id=r[0], hash=r[1], username=r[2], phone=r[3], name=r[4]) for r in rows),
            )
            self._saved_rows.update((r[0], r) for r in rows)

    def _replaced_elsewhere(self) -> bool:
        """True when the stored login is no longer the one this session started from."""
        if self._saved_record is None:
            return False  # a brand-new session: nothing to be replaced
        try:
            current = self._store.load(self._username)
        except SessionUnreadable:
            return True  # damaged meanwhile: only a new login may write it again
        return current is None or current.auth_key != self._saved_record.auth_key

    def close(self) -> None:
        self.save()
