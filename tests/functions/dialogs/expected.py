"""Expected answers computed straight from the simulated world's read model.

Nothing here imports tgscraper.dialogs: filters, folder rules, scores and orderings are
re-derived from the documented behaviour (README "Searching dialogs") and the world's
records, so a test compares the service against an independent computation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from rapidfuzz import fuzz, utils

from local.simtg import DialogRec, FolderRec, World


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value.timestamp()), UTC).isoformat()


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:100].rstrip() + "..."


@dataclass
class Row:
    """One dialog as the API must show it, plus what folder rules look at."""

    public: dict[str, Any]
    rec: DialogRec
    last_ts: int | None
    created_ts: int | None

    @property
    def id(self) -> int:
        return int(self.public["id"])

    def __getitem__(self, key: str) -> Any:
        return self.public[key]


def rows(world: World) -> list[Row]:
    out = []
    for d in world.dialogs:
        last = d.last_message
        count = d.message_count
        created = d.created if d.kind in ("group", "supergroup", "channel") else None
        public = {
            "id": d.peer_id,
            "type": d.kind,
            "title": d.title,
            "username": d.username,
            "is_creator": d.is_creator,
            "is_verified": d.verified,
            "is_archived": d.archived,
            "message_count": count,
            "unread_count": min(d.unread_count, count),
            "participants_count": d.participants_count,
            "last_message_date": _iso(last.date) if last else None,
            "last_message_preview": _preview(last.text) if last else None,
            "created_date": _iso(created),
        }
        out.append(
            Row(
                public,
                d,
                int(last.date.timestamp()) if last else None,
                int(created.timestamp()) if created else None,
            )
        )
    return out


def day(text: str) -> int:
    d = date.fromisoformat(text)
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


# -- folders (Telegram's DialogFilter semantics, written out independently) --------------


def in_folder(folder: FolderRec | None, row: Row) -> bool:
    d = row.rec
    if folder is None:  # "All Chats": Telegram's main list
        return not d.archived
    if d.peer_id in folder.exclude_peers:
        return False
    if d.peer_id in folder.include_peers or d.peer_id in folder.pinned_peers:
        return True
    wanted = {
        "bot": folder.bots,
        "user": folder.contacts if d.contact else folder.non_contacts,
        "saved": folder.contacts if d.contact else folder.non_contacts,
        "group": folder.groups,
        "supergroup": folder.groups,
        "channel": folder.broadcasts,
    }[d.kind]
    unread = row["unread_count"] > 0
    return (
        wanted
        and not (folder.exclude_muted and d.muted)
        and not (folder.exclude_read and not unread)
        and not (folder.exclude_archived and d.archived)
    )


def folder_listing(folder: FolderRec | None, all_rows: Iterable[Row]) -> list[int]:
    members = [r for r in all_rows if in_folder(folder, r)]
    newest = sorted(members, key=lambda r: (-(r.last_ts or 0), r.id))
    if folder is None:
        pinned = [r.id for r in newest if r.rec.pinned]
    else:
        ids = {r.id for r in members}
        pinned = [p for p in folder.pinned_peers if p in ids]
    return pinned + [r.id for r in newest if r.id not in pinned]


# -- matching and ordering ---------------------------------------------------------------


def _fold(text: str) -> str:
    import unicodedata

    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return str(utils.default_process(bare))


def fuzzy_score(q: str, title: str) -> float:
    a, b = _fold(q), _fold(title)
    scores = (fuzz.token_set_ratio(a, b), fuzz.partial_ratio(a, b))
    return max(scores) / 100


def exact_match(q: str, title: str) -> bool:
    return q.casefold() in title.casefold()


def ordered(
    items: list[Row],
    key: Callable[[Row], Any],
    *,
    descending: bool,
) -> list[Row]:
    """Rows with a value sorted by it (ties by id), rows without it last (by id)."""
    present = [r for r in items if key(r) is not None]
    missing = sorted((r for r in items if key(r) is None), key=lambda r: r.id)
    sign = -1 if descending else 1

    def sort_key(r: Row) -> tuple[Any, int]:
        value = key(r)
        if isinstance(value, str):
            return (value, r.id)
        return (sign * value, r.id)

    if present and isinstance(key(present[0]), str):
        present.sort(key=lambda r: r.id)
        present.sort(key=lambda r: key(r), reverse=descending)
    else:
        present.sort(key=sort_key)
    return present + missing


SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "last_message": lambda r: r.last_ts,
    "messages": lambda r: r["message_count"],
    "title": lambda r: r["title"].casefold(),
    "participants": lambda r: r["participants_count"],
    "unread": lambda r: r["unread_count"],
}
