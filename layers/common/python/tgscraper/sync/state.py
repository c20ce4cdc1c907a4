"""Sync state per cached dialog, stored with the message cache (the `messages` table).

Key: pk `sync#<username>#<dialog_id>`, sk `state`. A channel or supergroup keeps its own
`pts`; any other dialog keeps the account's `pts`/`qts`/`date` (Telegram has one update
sequence for private chats, basic groups and Saved Messages). `since` is the first second
the difference vouches for: every message dated from then on reached the cache either by
the walk that took the state or by a difference applied after it. A pending `rescan` is
the part of a fallback re-read still to do (see docs/sync.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from tgscraper.storage.ports import ItemTable

Kind = Literal["channel", "account"]
_SK = "state"


@dataclass(frozen=True)
class Rescan:
    """A fallback re-read in progress: dates [pos, to] (after message `after_id` of second
    `pos`) still to read; `tail_from` is where the cache's coverage ended when it began
    (messages after it are new)."""

    pos: int
    to: int
    after_id: int = 0
    tail_from: int = 0


@dataclass(frozen=True)
class SyncState:
    kind: Kind
    pts: int
    qts: int = 0
    date: int = 0
    since: int = 0
    synced_at: int = 0
    """Unix time the last sync completed (0: never)."""
    rescan: Rescan | None = None
    telegram_count: int | None = None
    """The dialog's message count as Telegram last reported it."""
    counts: dict[str, int] = field(default_factory=dict)
    """Totals over every sync: new, edited, deleted."""

    def with_(self, **changes: Any) -> SyncState:
        return replace(self, **changes)


class SyncStateStore:
    """Sync states of one account's dialogs."""

    def __init__(self, table: ItemTable, username: str) -> None:
        self._table = table
        self._username = username

    def _pk(self, dialog_id: int) -> str:
        return f"sync#{self._username}#{dialog_id}"

    def get(self, dialog_id: int) -> SyncState | None:
        item = self._table.get(self._pk(dialog_id), _SK)
        if item is None:
            return None
        raw = item.get("rescan")
        return SyncState(
            kind="channel" if item["kind"] == "channel" else "account",
            pts=int(item["pts"]),
            qts=int(item.get("qts", 0)),
            date=int(item.get("date", 0)),
            since=int(item.get("since", 0)),
            synced_at=int(item.get("synced_at", 0)),
            rescan=Rescan(**{k: int(v) for k, v in raw.items()}) if raw else None,
            telegram_count=None if item.get("count") is None else int(item["count"]),
            counts={k: int(v) for k, v in (item.get("counts") or {}).items()},
        )

    def put(self, dialog_id: int, state: SyncState) -> None:
        # Syncs of one account run one at a time (they hold the account's Telegram
        # lease throughout), so a plain write cannot lose a concurrent one.
        self._table.put(
            {
                "pk": self._pk(dialog_id),
                "sk": _SK,
                "kind": state.kind,
                "pts": state.pts,
                "qts": state.qts,
                "date": state.date,
                "since": state.since,
                "synced_at": state.synced_at,
                "rescan": asdict(state.rescan) if state.rescan else None,
                "count": state.telegram_count,
                "counts": dict(state.counts),
            }
        )

    def delete(self, dialog_id: int) -> None:
        self._table.delete(self._pk(dialog_id), _SK)
