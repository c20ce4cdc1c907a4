"""Folder rules one at a time, on hand-made records."""

from __future__ import annotations

from typing import Any

import pytest

from tgscraper.dialogs.folders import folder_dialogs, in_folder, resolve
from tgscraper.dialogs.model import DialogRecord, FolderRecord
from tgscraper.errors import NotFound

NOW = 1_000_000.0


def rec(id: int, type: str = "user", **kw: Any) -> DialogRecord:
    base: dict[str, Any] = dict(
        id=id,
        type=type,
        title=f"d{id}",
        username=None,
        is_creator=False,
        is_verified=False,
        is_archived=False,
        unread_count=0,
        last_message_date=id,
        last_message_preview=None,
        created_date=None,
        top_message=1,
        access_hash=1,
    )
    base.update(kw)
    return DialogRecord(**base)


CONTACT = rec(1, contact=True)
STRANGER = rec(2)
BOT = rec(3, "bot")
GROUP = rec(4, "group")
SUPER = rec(5, "supergroup")
CHANNEL = rec(6, "channel")
MUTED_CHANNEL = rec(7, "channel", muted_until=int(NOW) + 60)
ONCE_MUTED = rec(8, "channel", muted_until=int(NOW) - 60)
UNREAD_GROUP = rec(9, "group", unread_count=3)
MARKED_GROUP = rec(10, "group", unread_mark=True)
ARCHIVED_BOT = rec(11, "bot", is_archived=True)
SAVED = rec(12, "saved")
ALL = [
    CONTACT,
    STRANGER,
    BOT,
    GROUP,
    SUPER,
    CHANNEL,
    MUTED_CHANNEL,
    ONCE_MUTED,
    UNREAD_GROUP,
    MARKED_GROUP,
    ARCHIVED_BOT,
    SAVED,
]


def members(folder: FolderRecord | None) -> set[int]:
    return {r.id for r in ALL if in_folder(folder, r, NOW)}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"contacts": True}, {1}),
        ({"non_contacts": True}, {2, 12}),
        ({"bots": True}, {3, 11}),
        ({"groups": True}, {4, 5, 9, 10}),
        ({"broadcasts": True}, {6, 7, 8}),
        ({"broadcasts": True, "exclude_muted": True}, {6, 8}),
        ({"groups": True, "exclude_read": True}, {9, 10}),
        ({"bots": True, "exclude_archived": True}, {3}),
    ],
)
def test_each_flag(flags: dict[str, bool], expected: set[int]) -> None:
    assert members(FolderRecord(2, "f", **flags)) == expected  # type: ignore[arg-type]


def test_included_and_pinned_peers_beat_the_flags_and_excluded_beat_everything() -> None:
    folder = FolderRecord(
        2,
        "f",
        include_peers=[11, 7],
        pinned_peers=[4],
        exclude_peers=[5, 7],
        groups=True,
        exclude_archived=True,
        exclude_read=True,
    )
    assert members(folder) == {11, 4, 9, 10}


def test_all_chats_is_everything_not_archived() -> None:
    assert members(None) == {r.id for r in ALL} - {11}


def test_listing_puts_pinned_peers_first_in_their_order() -> None:
    folder = FolderRecord(2, "f", pinned_peers=[2, 9], groups=True)
    got = [r.id for r in folder_dialogs(folder, ALL, NOW)]
    assert got == [2, 9, 10, 5, 4]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2), ("work 💼", 2), ("WORK", 2), ("Новости", 3), ("0", None), ("All chats", None)],
)
def test_resolve_by_id_or_name(value: str, expected: int | None) -> None:
    folders = [FolderRecord(2, "Work 💼"), FolderRecord(3, "новости")]
    found = resolve(folders, value)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize("value", ["9", "play", "-1"])
def test_unknown_folder(value: str) -> None:
    with pytest.raises(NotFound):
        resolve([FolderRecord(2, "Work 💼")], value)
