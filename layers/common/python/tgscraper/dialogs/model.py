"""The dialog record kept in the cache, the folder rules, and a snapshot of both.

Records are plain data: everything a search needs, read from Telegram once per cache
window. Times are epoch seconds (UTC) so records serialize compactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

DialogType = Literal["user", "bot", "group", "supergroup", "channel", "saved"]
DIALOG_TYPES: tuple[DialogType, ...] = ("user", "bot", "group", "supergroup", "channel", "saved")
CHAT_TYPES = frozenset({"group", "supergroup", "channel"})

PREVIEW_CHARS = 100
"""last_message_preview keeps this many characters of the text, then '...'."""


@dataclass(slots=True)
class DialogRecord:
    id: int
    """Telethon's marked peer id (users > 0, basic groups -id, channels -100...)."""
    type: DialogType
    title: str
    username: str | None
    is_creator: bool
    is_verified: bool
    is_archived: bool
    unread_count: int
    last_message_date: int | None
    last_message_preview: str | None
    created_date: int | None
    top_message: int
    access_hash: int | None
    """Kept so later count requests build an InputPeer without resolving the entity."""
    muted_until: int = 0
    unread_mark: bool = False
    contact: bool = False
    pinned: bool = False
    participants_count: int | None = None
    """From the entity itself (basic groups always; channels when Telegram sends it)."""
    full_participants: int | None = None
    """From channels.getFullChannel / messages.getFullChat when the entity had none."""
    full_tried: bool = False
    message_count: int | None = None
    """The real count (messages.getHistory's `count`), valid while counted_top == top_message."""
    counted_top: int | None = None

    @property
    def participants(self) -> int | None:
        return (
            self.participants_count
            if self.participants_count is not None
            else (self.full_participants)
        )

    @property
    def count_known(self) -> bool:
        return self.counted_top == self.top_message

    @property
    def needs_full_info(self) -> bool:
        return self.type in CHAT_TYPES and self.participants_count is None and not self.full_tried

    def is_muted(self, now: float) -> bool:
        return self.muted_until > now

    @property
    def is_unread(self) -> bool:
        """What a folder's exclude_read looks at: unread messages or a manual unread mark."""
        return self.unread_count > 0 or self.unread_mark


RECORD_FIELDS = tuple(f.name for f in fields(DialogRecord))


def record_to_row(rec: DialogRecord) -> list[Any]:
    return [getattr(rec, name) for name in RECORD_FIELDS]


def record_from_row(row: list[Any]) -> DialogRecord:
    return DialogRecord(*row)


@dataclass(slots=True)
class FolderRecord:
    """A DialogFilter (custom folder); peers are marked ids. Chatlists have no flags."""

    id: int
    title: str
    emoticon: str | None = None
    pinned_peers: list[int] = field(default_factory=list)
    include_peers: list[int] = field(default_factory=list)
    exclude_peers: list[int] = field(default_factory=list)
    contacts: bool = False
    non_contacts: bool = False
    groups: bool = False
    broadcasts: bool = False
    bots: bool = False
    exclude_muted: bool = False
    exclude_read: bool = False
    exclude_archived: bool = False


FOLDER_FIELDS = tuple(f.name for f in fields(FolderRecord))


def folder_to_dict(folder: FolderRecord) -> dict[str, Any]:
    return {name: getattr(folder, name) for name in FOLDER_FIELDS}


def folder_from_dict(data: dict[str, Any]) -> FolderRecord:
    return FolderRecord(**{k: v for k, v in data.items() if k in FOLDER_FIELDS})


@dataclass
class Snapshot:
    """One account's dialogs and folders as fetched at `fetched_at` (epoch seconds)."""

    records: list[DialogRecord]
    folders: list[FolderRecord]
    fetched_at: float
    version: str = ""
    index: Any = field(default=None, repr=False)
    """The title search index, built lazily and kept with the snapshot (see matching)."""

    def by_id(self) -> dict[int, DialogRecord]:
        return {r.id: r for r in self.records}


def iso(ts: int | None) -> str | None:
    """ISO-8601 UTC with an explicit +00:00 offset, as the spec's example shows."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def preview(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + "..."


def to_public(rec: DialogRecord, score: float | None = None) -> dict[str, Any]:
    """The spec's result object (plus `score`, an extension: the fuzzy score or null)."""
    return {
        "id": rec.id,
        "type": rec.type,
        "title": rec.title,
        "username": rec.username,
        "is_creator": rec.is_creator,
        "is_verified": rec.is_verified,
        "is_archived": rec.is_archived,
        "message_count": rec.message_count if rec.count_known else None,
        "unread_count": rec.unread_count,
        "participants_count": rec.participants,
        "last_message_date": iso(rec.last_message_date),
        "last_message_preview": rec.last_message_preview,
        "created_date": iso(rec.created_date),
        "score": None if score is None else round(score, 4),
    }
