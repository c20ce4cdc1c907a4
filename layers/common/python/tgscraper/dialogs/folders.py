"""Folder (DialogFilter) rules, applied the way Telegram's own apps apply them.

A dialog belongs to a custom folder when:
1. it is in exclude_peers -> never;
2. it is in pinned_peers or include_peers -> always (whatever the flags say);
3. otherwise its category flag must be set - bots (bot users), contacts / non_contacts
   (other users, Saved Messages included, by the user's contact flag), groups (basic
   groups and supergroups), broadcasts (channels) - and then exclude_muted drops muted
   dialogs, exclude_read drops dialogs with no unread messages and no unread mark,
   exclude_archived drops archived dialogs.
"All Chats" (id 0) is Telegram's main list: every dialog that is not archived.
Dialogs of a folder are listed pinned first (pinned_peers order; for "All Chats" the
pinned dialogs), then by last message date, newest first, then by id.
"""

from __future__ import annotations

from collections.abc import Iterable

from tgscraper.dialogs.matching import fold
from tgscraper.dialogs.model import DialogRecord, FolderRecord
from tgscraper.errors import NotFound
from tgscraper.numbers import looks_numeric, parse_int

ALL_CHATS_ID = 0
ALL_CHATS_TITLE = "All Chats"


def _category_allowed(folder: FolderRecord, rec: DialogRecord) -> bool:
    if rec.type == "bot":
        return folder.bots
    if rec.type in ("user", "saved"):
        return folder.contacts if rec.contact else folder.non_contacts
    if rec.type in ("group", "supergroup"):
        return folder.groups
    return folder.broadcasts


def in_folder(folder: FolderRecord | None, rec: DialogRecord, now: float) -> bool:
    """None is "All Chats"."""
    if folder is None:
        return not rec.is_archived
    if rec.id in folder.exclude_peers:
        return False
    if rec.id in folder.pinned_peers or rec.id in folder.include_peers:
        return True
    if not _category_allowed(folder, rec):
        return False
    if folder.exclude_muted and rec.is_muted(now):
        return False
    if folder.exclude_read and not rec.is_unread:
        return False
    return not (folder.exclude_archived and rec.is_archived)


def resolve(folders: list[FolderRecord], value: str) -> FolderRecord | None:
    """The folder named by id or title; None for "All Chats"; NotFound otherwise.

    Digits are an id (ASCII only: `--1`, `٣` or `²` are a 400, never a title). A title
    matches case-insensitively; failing that, ignoring emoji and punctuation ("work" finds
    "Work 💼") when exactly one folder matches that way.
    """
    text = value.strip()
    if looks_numeric(text):
        folder_id = parse_int(text, "folder")
        if folder_id == ALL_CHATS_ID:
            return None
        for folder in folders:
            if folder.id == folder_id:
                return folder
        raise NotFound(f"Folder not found: {value!r}")
    wanted = text.casefold()
    if wanted == ALL_CHATS_TITLE.casefold():
        return None
    for folder in folders:
        if folder.title.strip().casefold() == wanted:
            return folder
    loose = [f for f in folders if fold(f.title) and fold(f.title) == fold(text)]
    if len(loose) == 1:
        return loose[0]
    raise NotFound(f"Folder not found: {value!r}")


def _recency(rec: DialogRecord) -> tuple[int, int]:
    return (-(rec.last_message_date or 0) if rec.last_message_date else 1, rec.id)


def folder_dialogs(
    folder: FolderRecord | None, records: Iterable[DialogRecord], now: float
) -> list[DialogRecord]:
    """The dialogs of a folder in the documented order."""
    members = [r for r in records if in_folder(folder, r, now)]
    if folder is None:
        pinned = sorted((r for r in members if r.pinned), key=_recency)
    else:
        by_id = {r.id: r for r in members}
        pinned = [by_id[p] for p in folder.pinned_peers if p in by_id]
    pinned_ids = {r.id for r in pinned}
    rest = sorted((r for r in members if r.id not in pinned_ids), key=_recency)
    return pinned + rest
