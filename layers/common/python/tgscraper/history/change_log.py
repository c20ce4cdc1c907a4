"""What a sync found changed: previous versions of edited messages and tombstones of
deleted ones, beside the cache (the `messages` table).

Key: pk `chg#<username>#<dialog_id>`, sk = the message's cache sort key (date#id, which an
edit never changes), so a range of the history reads its changes in one keyset scan.
Attributes: `v` previous versions (the spec JSON, oldest first, at most MAX_VERSIONS),
`e` the edit date of the current version (epoch, or null), `d` when the sync saw the
deletion (epoch, or null) and `j` the message as it was last seen (tombstones only).
The cache itself always holds the current state: edited text in place, deleted
messages removed, so plain history frames never change shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tgscraper.storage.ports import ItemTable

MAX_VERSIONS = 20
"""Older versions beyond this many are dropped (a message edited 1000 times stays small)."""


@dataclass(frozen=True)
class Change:
    sk: str
    versions: list[str] = field(default_factory=list)
    edit_date: int | None = None
    deleted_at: int | None = None
    last_json: str | None = None


def content_of(message_json: str) -> tuple[Any, Any]:
    """What an edit changes (text, media); names or counters changing is no edit."""
    obj = json.loads(message_json)
    return obj.get("message"), obj.get("media")


class ChangeLog:
    def __init__(self, table: ItemTable, username: str, dialog_id: int) -> None:
        self._table = table
        self._pk = f"chg#{username}#{dialog_id}"

    def _get(self, sk: str) -> dict[str, Any]:
        return self._table.get(self._pk, sk) or {"pk": self._pk, "sk": sk, "v": []}

    def record_edit(self, sk: str, previous_json: str, edit_date: int | None) -> None:
        item = self._get(sk)
        item["v"] = [*item.get("v", []), previous_json][-MAX_VERSIONS:]
        item["e"] = edit_date
        self._table.put(item)

    def record_delete(self, sk: str, last_json: str, at: int) -> None:
        item = self._get(sk)
        item["d"], item["j"] = at, last_json
        self._table.put(item)

    def scan(self, sk_from: str, sk_to: str) -> Iterator[Change]:
        for item in self._table.query(self._pk, sk_from=sk_from, sk_to=sk_to):
            yield Change(
                sk=str(item["sk"]),
                versions=[str(v) for v in item.get("v") or []],
                edit_date=None if item.get("e") is None else int(item["e"]),
                deleted_at=None if item.get("d") is None else int(item["d"]),
                last_json=item.get("j"),
            )
