"""One Telegram message -> the spec's JSON object (serialized once) and its cache key.

The spec's fields, in order: message_id, date ("YYYY-MM-DD HH:MM:SS" UTC), sender_id,
first_name, last_name, username, message, media ({type, uuid, filename, size} or null),
reply_to, post_author, is_forwarded (0/1), forwarded_from_channel_id.

Choices where the spec is silent (documented in the README):
- sender_id is the marked peer id (users positive, channels -100..., groups -...), like the
  dialog ids of the API; a channel post's sender is the channel itself. When the sender is
  a chat or channel, first_name carries its title and username its public @username.
- forwarded_from_channel_id is the marked id (-100...) of the channel a message was
  forwarded from, else null.
- media: photos and documents (files, video, voice, stickers...) get a stable uuid, a
  filename and a size and are downloadable through /api/v3/files/{uuid}; other media
  (web page previews, polls, geo, contacts, ...) keep their type with uuid, filename and
  size null. Service messages (joins, pins, ...) are sent with an empty message text;
  their action is in the extended `service` field (docs/messages.md).

Each record also carries the extended fields (tgscraper.history.extended), serialized
once beside the contract's object, so the cache can serve either shape.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from typing import Any

from telethon import utils
from telethon.tl import types

from tgscraper.history.extended import extended_json
from tgscraper.media.index import MediaEntry, new_entry

_ID_DIGITS = 12


def sort_key(epoch_iso: str, message_id: int) -> str:
    """Cache sort key: date then id, so a range scan is date-ordered and ties are stable."""
    return f"{epoch_iso}#{message_id:0{_ID_DIGITS}d}"


@dataclass(frozen=True)
class MessageRecord:
    id: int
    date: int
    """Epoch seconds (UTC)."""
    json: str
    """The spec's JSON object for this message, serialized once."""
    media: MediaEntry | None
    extended: str = "{}"
    """The extended fields' JSON object (GET /history?fields=extended)."""


def _entity_names(entity: Any) -> tuple[str | None, str | None, str | None]:
    if entity is None:
        return None, None, None
    if isinstance(entity, types.User):
        return entity.first_name, entity.last_name, entity.username
    return getattr(entity, "title", None), None, getattr(entity, "username", None)


def _photo_size(photo: types.Photo) -> int:
    best = 0
    for size in photo.sizes:
        if isinstance(size, types.PhotoSize):
            best = max(best, size.size)
        elif isinstance(size, types.PhotoSizeProgressive):
            best = max(best, max(size.sizes, default=0))
        elif isinstance(size, types.PhotoCachedSize):
            best = max(best, len(size.bytes))
    return best


def _document_filename(doc: types.Document, message_id: int) -> str:
    for attr in doc.attributes:
        if isinstance(attr, types.DocumentAttributeFilename) and attr.file_name:
            return str(attr.file_name)
    kind = "document"
    for attr in doc.attributes:
        if isinstance(attr, types.DocumentAttributeSticker):
            kind = "sticker"
        elif isinstance(attr, types.DocumentAttributeVideo):
            kind = "video"
        elif isinstance(attr, types.DocumentAttributeAudio):
            kind = "voice" if attr.voice else "audio"
    ext = mimetypes.guess_extension(doc.mime_type or "") or ""
    if doc.mime_type == "application/octet-stream":
        ext = ""
    return f"{kind}_{message_id}{ext}"


def media_entry(
    owner: str, dialog_id: int, message_id: int, media: Any
) -> tuple[str, MediaEntry | None]:
    """(type name, index entry for downloadable media or None)."""
    kind = type(media).__name__
    if isinstance(media, types.MessageMediaPhoto) and isinstance(media.photo, types.Photo):
        entry = new_entry(
            owner,
            dialog_id,
            message_id,
            type=kind,
            filename=f"photo_{message_id}.jpg",
            size=_photo_size(media.photo),
            mime="image/jpeg",
        )
        return kind, entry
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        doc = media.document
        entry = new_entry(
            owner,
            dialog_id,
            message_id,
            type=kind,
            filename=_document_filename(doc, message_id),
            size=int(doc.size),
            mime=doc.mime_type or "application/octet-stream",
        )
        return kind, entry
    return kind, None


def to_record(
    owner: str, dialog_id: int, message: Any, entities: dict[int, Any]
) -> MessageRecord | None:
    """The record of one message of a history page (None for MessageEmpty).

    `entities` maps marked peer ids to the users and chats returned WITH the page.
    """
    if isinstance(message, types.MessageEmpty):
        return None
    msg_id = int(message.id)
    epoch = int(message.date.timestamp())
    from_id = message.from_id
    if from_id is not None:
        sender_id: int | None = utils.get_peer_id(from_id)
    elif message.post or (not message.out and isinstance(message.peer_id, types.PeerUser)):
        sender_id = utils.get_peer_id(message.peer_id)
    else:
        sender_id = None
    first, last, username = _entity_names(entities.get(sender_id) if sender_id else None)
    media_json: dict[str, Any] | None = None
    entry: MediaEntry | None = None
    raw_media = getattr(message, "media", None)
    if raw_media is not None:
        kind, entry = media_entry(owner, dialog_id, msg_id, raw_media)
        media_json = {
            "type": kind,
            "uuid": entry.uuid if entry else None,
            "filename": entry.filename if entry else None,
            "size": entry.size if entry else None,
        }
    reply = getattr(message, "reply_to", None)
    fwd = getattr(message, "fwd_from", None)
    fwd_channel = None
    if fwd is not None and isinstance(fwd.from_id, types.PeerChannel):
        fwd_channel = utils.get_peer_id(fwd.from_id)
    obj = {
        "message_id": msg_id,
        "date": message.date.strftime("%Y-%m-%d %H:%M:%S"),
        "sender_id": sender_id,
        "first_name": first,
        "last_name": last,
        "username": username,
        "message": getattr(message, "message", None) or "",
        "media": media_json,
        "reply_to": getattr(reply, "reply_to_msg_id", None),
        "post_author": getattr(message, "post_author", None),
        "is_forwarded": 1 if fwd is not None else 0,
        "forwarded_from_channel_id": fwd_channel,
    }
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    extended = extended_json(message, dialog_id, sender_id, entities)
    return MessageRecord(msg_id, epoch, text, entry, extended)
