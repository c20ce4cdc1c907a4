"""Session store port: a Telegram login (auth key, DC) and its entity cache per username.

The entity cache (id -> access_hash, username, phone, name) is what lets a cold process
resolve a -100... channel id without listing dialogs first, so it is stored beside the
key. Two adapters: items in an ItemTable (DynamoDB in AWS) and Telethon's own `.session`
SQLite file (embedded), so a session made with Telethon elsewhere just works.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass

from tgscraper.errors import Unauthorized


class SessionUnreadable(Unauthorized):
    """The stored session exists but cannot be read (damaged file): 401, log in again.

    It concerns that one user only. `exists()` raises it (a request is told why);
    `login_exists()` counts it as absent, so a new login replaces it without `force`."""


@dataclass(frozen=True)
class SessionRecord:
    dc_id: int
    server_address: str
    port: int
    auth_key: bytes | None


@dataclass(frozen=True)
class EntityRow:
    id: int
    hash: int
    username: str | None = None
    phone: str | None = None
    name: str | None = None
    date: int | None = None


class SessionStore(ABC):
    @abstractmethod
    def load(self, username: str) -> SessionRecord | None:
        """The stored login, or None."""

    @abstractmethod
    def save(self, username: str, record: SessionRecord) -> None:
        """Create or update the login (entities are kept)."""

    @abstractmethod
    def delete(self, username: str) -> None:
        """Remove the login and its entity cache."""

    @abstractmethod
    def entities(self, username: str) -> list[EntityRow]:
        """Every cached entity of this login."""

    @abstractmethod
    def put_entities(self, username: str, rows: Iterable[EntityRow]) -> None:
        """Insert or replace entities by id."""

    def exists(self, username: str) -> bool:
        record = self.load(username)
        return record is not None and record.auth_key is not None

    def login_exists(self, username: str) -> bool:
        """Whether a usable login is stored (a damaged one is not: it may be replaced)."""
        try:
            return self.exists(username)
        except SessionUnreadable:
            return False

    def replace(self, username: str, record: SessionRecord) -> None:
        """Swap in a new login: the old account's entities must not leak into it."""
        self.delete(username)
        self.save(username, record)
