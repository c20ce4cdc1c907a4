"""SessionStore on an ItemTable (DynamoDB): pk=username, sk="session" for the login and
sk="entity#<id>" per cached entity, so saving a few new entities writes only those."""

from __future__ import annotations

from collections.abc import Iterable

from tgscraper.storage.ports import ItemTable
from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore

_SESSION_SK = "session"
_ENTITY_PREFIX = "entity#"


class ItemTableSessionStore(SessionStore):
    def __init__(self, table: ItemTable) -> None:
        self._table = table

    def load(self, username: str) -> SessionRecord | None:
        item = self._table.get(username, _SESSION_SK)
        if item is None:
            return None
        return SessionRecord(
            dc_id=int(item["dc_id"]),
            server_address=str(item["server_address"]),
            port=int(item["port"]),
            auth_key=item.get("auth_key"),
        )

    def save(self, username: str, record: SessionRecord) -> None:
        self._table.put(
            {
                "pk": username,
                "sk": _SESSION_SK,
                "dc_id": record.dc_id,
                "server_address": record.server_address,
                "port": record.port,
                "auth_key": record.auth_key,
            }
        )

    def delete(self, username: str) -> None:
        keys = [(username, item["sk"]) for item in self._table.query(username)]
        # Entities first, the login last: a crash in between leaves a login, not orphans.
        keys.sort(key=lambda k: k[1] == _SESSION_SK)
        self._table.delete_many(keys)

    def replace(self, username: str, record: SessionRecord) -> None:
        """The old account's entities go first, then the login is overwritten in one put:
        a failure at any point leaves a working login (the old or the new one), never
        none, and never the old account's entities under the new login."""
        stale = [
            (username, item["sk"])
            for item in self._table.query(username)
            if item["sk"] != _SESSION_SK
        ]
        self._table.delete_many(stale)
        self.save(username, record)

    def entities(self, username: str) -> list[EntityRow]:
        return [
            EntityRow(
                id=int(item["id"]),
                hash=int(item["hash"]),
                username=item.get("username"),
                phone=item.get("phone"),
                name=item.get("name"),
                date=item.get("date"),
            )
            for item in self._table.query(
                username, sk_from=_ENTITY_PREFIX, sk_to=_ENTITY_PREFIX + "\uffff"
            )
        ]

    def put_entities(self, username: str, rows: Iterable[EntityRow]) -> None:
        self._table.put_many(
            {
                "pk": username,
                "sk": f"{_ENTITY_PREFIX}{row.id}",
                "id": row.id,
                "hash": row.hash,
                "username": row.username,
                "phone": row.phone,
                "name": row.name,
                "date": row.date,
            }
            for row in rows
        )
