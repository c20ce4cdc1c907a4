"""The media index: uuid -> what a media file is and how to fetch it from Telegram later.

History writes an entry for every media message it stores; the files endpoint reads it.
Entries are keyed by uuid and carry their owner, so a uuid of another username is
indistinguishable from an unknown one. The uuid is derived from (owner, dialog, message),
so the same message keeps its uuid across refreshes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from tgscraper.storage.ports import ItemTable

_NAMESPACE = uuid.UUID("6f1c2a4e-1d0b-5e8e-9a57-0c3f1b2d7e64")
_SK = "media"


def media_uuid(owner: str, dialog_id: int, message_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{owner}:{dialog_id}:{message_id}"))


def parse_uuid(value: str) -> str | None:
    """The canonical form of a well-formed uuid, or None (checked before any storage access)."""
    try:
        return str(uuid.UUID(value)) if len(value) == 36 else None
    except ValueError:
        return None


@dataclass(frozen=True)
class MediaEntry:
    uuid: str
    owner: str
    dialog_id: int
    message_id: int
    type: str
    """Telethon's media class name, e.g. MessageMediaPhoto, MessageMediaDocument."""
    filename: str
    size: int
    mime: str
    object_key: str
    """Where the bytes live in the BlobStore once downloaded: <owner>/<uuid>."""


def new_entry(
    owner: str,
    dialog_id: int,
    message_id: int,
    *,
    type: str,
    filename: str,
    size: int,
    mime: str,
) -> MediaEntry:
    media_id = media_uuid(owner, dialog_id, message_id)
    return MediaEntry(
        uuid=media_id,
        owner=owner,
        dialog_id=dialog_id,
        message_id=message_id,
        type=type,
        filename=filename,
        size=size,
        mime=mime,
        object_key=f"{owner}/{media_id}",
    )


class MediaIndex:
    def __init__(self, table: ItemTable) -> None:
        self._table = table

    def put_many(self, entries: Iterable[MediaEntry]) -> None:
        self._table.put_many({"pk": e.uuid, "sk": _SK, **asdict(e)} for e in entries)

    def get(self, owner: str, media_id: str) -> MediaEntry | None:
        """The entry if it exists AND belongs to owner; None otherwise (no distinction)."""
        item = self._table.get(media_id, _SK)
        if item is None or item.get("owner") != owner:
            return None
        fields = {k: item[k] for k in MediaEntry.__dataclass_fields__}
        return MediaEntry(**fields)
