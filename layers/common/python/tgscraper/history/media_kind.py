"""What kind of media a message carries, in the words a user filters by (`photo`, `video`,
`gif`, `round`, `voice`, ...): GET /history?media=... and the extended `media_kind` field.

The contract's `media.type` is Telegram's class name (`MessageMediaDocument` covers
videos, voice notes, stickers, GIFs and files alike), so the kind is computed from the
Telethon object when a message is converted and kept with the extended fields. Rows cached
before that field existed fall back to `kind_from_contract`, which reads the contract's
type and filename (it cannot tell a GIF or a round video from a video).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable
from typing import Any

from telethon.tl import types

from tgscraper.errors import BadRequest

KINDS = (
    "photo",
    "video",
    "round",
    "gif",
    "sticker",
    "voice",
    "audio",
    "document",
    "webpage",
    "poll",
    "geo",
    "contact",
    "dice",
    "game",
    "invoice",
    "story",
    "other",
)
ANY, NONE = "any", "none"
"""Filter words beside the kinds: any media at all, or no media (text only)."""

_BY_CLASS = {
    "MessageMediaPhoto": "photo",
    "MessageMediaWebPage": "webpage",
    "MessageMediaPoll": "poll",
    "MessageMediaGeo": "geo",
    "MessageMediaGeoLive": "geo",
    "MessageMediaVenue": "geo",
    "MessageMediaContact": "contact",
    "MessageMediaDice": "dice",
    "MessageMediaGame": "game",
    "MessageMediaInvoice": "invoice",
    "MessageMediaStory": "story",
}
_FILENAME_PREFIXES = ("sticker", "video", "voice", "audio")
"""The names tgscraper.history.record gives documents without a filename of their own."""


def media_kind(media: Any) -> str | None:
    """The kind of a Telethon message media (None for no media)."""
    if media is None or isinstance(media, types.MessageMediaEmpty):
        return None
    if isinstance(media, types.MessageMediaDocument):
        document = media.document
        if not isinstance(document, types.Document):
            return "document"
        return _document_kind(document.attributes)
    return _BY_CLASS.get(type(media).__name__, "other")


def _document_kind(attributes: Iterable[Any]) -> str:
    attrs = list(attributes)
    if any(isinstance(a, types.DocumentAttributeSticker) for a in attrs):
        return "sticker"
    if any(isinstance(a, types.DocumentAttributeAnimated) for a in attrs):
        return "gif"
    for attr in attrs:
        if isinstance(attr, types.DocumentAttributeVideo):
            return "round" if attr.round_message else "video"
        if isinstance(attr, types.DocumentAttributeAudio):
            return "voice" if attr.voice else "audio"
    return "document"


def kind_from_contract(message_json: str) -> str | None:
    """Best effort from the contract's JSON alone (older cache rows, tombstones)."""
    media = json.loads(message_json).get("media")
    if not media:
        return None
    kind = _BY_CLASS.get(str(media.get("type")))
    if kind is not None or media.get("type") != "MessageMediaDocument":
        return kind or "other"
    filename = str(media.get("filename") or "")
    prefix = filename.split("_", 1)[0]
    if prefix in _FILENAME_PREFIXES and "_" in filename:
        return prefix
    mime = mimetypes.guess_type(filename)[0] or ""
    if mime.startswith("video/"):
        return "video"
    if mime.startswith("audio/"):
        return "audio"
    return "document"


def parse_media_filter(value: str | None) -> frozenset[str] | None:
    """`media=photo,video,...` as a set of words; None without the parameter."""
    if value is None:
        return None
    words = {w.strip().lower() for w in value.split(",") if w.strip()}
    allowed = (*KINDS, ANY, NONE)
    unknown = sorted(words - set(allowed))
    if unknown or not words:
        raise BadRequest(
            f"Invalid query parameter 'media': {', '.join(unknown) or 'empty'}; "
            f"expected a comma-separated list of: {', '.join(allowed)}"
        )
    return frozenset(words)


class MediaFilter:
    """Keeps the messages whose media kind is one of the requested words."""

    def __init__(self, words: frozenset[str]) -> None:
        self._words = words

    def keep(self, message_json: str, extended_json: str | None) -> bool:
        kind: str | None
        if extended_json and '"media_kind":' in extended_json:
            kind = json.loads(extended_json).get("media_kind")
        else:
            kind = kind_from_contract(message_json)
        if kind is None:
            return NONE in self._words
        return ANY in self._words or kind in self._words
