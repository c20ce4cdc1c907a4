"""Telegram Desktop's single-chat JSON export (`result.json`), streamed (`format=tdesktop`).

The document is what TDesktop's "Export chat history" → JSON writes: an object with
`name`, `type` (`personal_chat`, `bot_chat`, `saved_messages`, `private_group`,
`private_supergroup`, `public_supergroup`, `private_channel`, `public_channel`), `id`
(the bare id, without the -100 prefix) and `messages`, each message with `id`, `type`
(`message` or `service`), `date` (`YYYY-MM-DDTHH:MM:SS`, UTC here; TDesktop writes the
exporting machine's local time) and `date_unixtime`, `from`/`from_id` (`user123`,
`channel123`, `chat123`) or, for a service message, `actor`/`actor_id` and `action`,
then `edited`, `author`, `reply_to_message_id` (+ `reply_to_peer_id` for another chat),
`forwarded_from` (+ `forwarded_from_id`), media, `poll`,
`reactions`, `text` and `text_entities` (tdesktop_text.py).

Media: `photo` (photos) or `file` + `file_name` + `file_size` (documents, with
`media_type`/`mime_type` guessed from the file name) hold the relative path of the
downloaded file (the CLI's --media); without one they hold TDesktop's own
"(File not included...)" marker, and `media_uuid` names the file for /api/v3/files/{uuid}.

A response cut by the Lambda budget closes `messages` and adds `"continuation": {...}`
(the parameters of the next request); an error after the first byte adds `"error"`.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tgscraper.export.tdesktop_text import ACTIONS, text_parts, text_value

MEDIA_TYPE = "application/json"
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
_CHANNEL_BASE = 10**12
MediaRef = Callable[[dict[str, Any]], str | None]
"""The relative path of a message's downloaded media file, or None (not downloaded)."""


@dataclass(frozen=True)
class DialogInfo:
    name: str | None
    type: str
    """TDesktop's chat type (module docstring)."""
    id: int
    """The bare id TDesktop writes (a channel's without -100)."""
    message_count: int | None = None

    def header(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "id": self.id}


def chat_type(kind: str, username: str | None) -> str:
    """TDesktop's type for our dialog type (tgscraper.dialogs.model.DialogType)."""
    public = username is not None
    return {
        "user": "personal_chat",
        "bot": "bot_chat",
        "saved": "saved_messages",
        "group": "private_group",
        "supergroup": "public_supergroup" if public else "private_supergroup",
        "channel": "public_channel" if public else "private_channel",
    }.get(kind, "personal_chat")


def bare_id(marked: int) -> int:
    if marked < -_CHANNEL_BASE:
        return -marked - _CHANNEL_BASE
    return abs(marked)


def peer_ref(marked: int | None) -> str | None:
    """TDesktop's `from_id`: user123, channel123 (channels and supergroups), chat123."""
    if marked is None:
        return None
    if marked > 0:
        return f"user{marked}"
    return f"channel{bare_id(marked)}" if marked < -_CHANNEL_BASE else f"chat{-marked}"


def _dates(value: str) -> tuple[str, str]:
    moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S"), str(int(moment.timestamp()))


def _sender_name(msg: dict[str, Any]) -> str | None:
    sender = msg.get("sender") or {}
    if sender.get("name"):
        return str(sender["name"])
    name = " ".join(p for p in (msg.get("first_name"), msg.get("last_name")) if p)
    return name or None


def _media(msg: dict[str, Any], out: dict[str, Any], media_ref: MediaRef | None) -> None:
    media = msg.get("media") or {}
    if not media.get("uuid"):
        return
    path = media_ref(msg) if media_ref is not None else None
    if media.get("type") == "MessageMediaPhoto":
        out["photo"] = path or NOT_INCLUDED
        if media.get("size") is not None:
            out["photo_file_size"] = media["size"]
    else:
        out["file"] = path or NOT_INCLUDED
        if media.get("filename"):
            out["file_name"] = media["filename"]
        if media.get("size") is not None:
            out["file_size"] = media["size"]
        mime, _ = mimetypes.guess_type(str(media.get("filename") or ""))
        if mime is not None:
            out.update(_document_kind(mime, str(media.get("filename"))))
    if path is None:
        out["media_uuid"] = media["uuid"]


def _document_kind(mime: str, filename: str) -> dict[str, Any]:
    kind = None
    if filename.startswith("voice_") or mime == "audio/ogg":
        kind = "voice_message"
    elif mime.startswith("audio/"):
        kind = "audio_file"
    elif mime.startswith("video/"):
        kind = "video_file"
    elif mime == "image/webp":
        kind = "sticker"
    return {"media_type": kind, "mime_type": mime} if kind else {"mime_type": mime}


def _service(msg: dict[str, Any], out: dict[str, Any]) -> None:
    action = msg["service"]
    out["actor"] = _sender_name(msg)
    out["actor_id"] = peer_ref(msg.get("sender_id"))
    name = str(action.get("type"))
    out["action"] = ACTIONS.get(name, name)
    if action.get("title") is not None:
        out["title"] = action["title"]
    if name == "pin_message" and msg.get("reply_to") is not None:
        out["message_id"] = msg["reply_to"]
    if name == "group_call" and action.get("duration") is not None:
        out["duration_seconds"] = action["duration"]


def to_tdesktop(msg: dict[str, Any], media_ref: MediaRef | None = None) -> dict[str, Any]:
    """One message (contract + extended fields) as TDesktop writes it."""
    service = msg.get("service")
    date, unix = _dates(msg["date"])
    out: dict[str, Any] = {
        "id": msg["message_id"],
        "type": "service" if service else "message",
        "date": date,
        "date_unixtime": unix,
    }
    if msg.get("edit_date"):
        out["edited"], out["edited_unixtime"] = _dates(msg["edit_date"])
    if service:
        _service(msg, out)
    else:
        out["from"] = _sender_name(msg)
        out["from_id"] = peer_ref(msg.get("sender_id"))
        if msg.get("post_author"):
            out["author"] = msg["post_author"]
        if msg.get("reply_to") is not None:
            out["reply_to_message_id"] = msg["reply_to"]
            other_chat = (msg.get("reply") or {}).get("peer_id")
            if other_chat is not None:
                out["reply_to_peer_id"] = peer_ref(other_chat)
        forward = msg.get("forward") or {}
        if msg.get("is_forwarded"):
            out["forwarded_from"] = forward.get("from_name")
            if forward.get("from_id") is not None:
                out["forwarded_from_id"] = peer_ref(forward["from_id"])
        _media(msg, out, media_ref)
        _poll_and_reactions(msg, out)
    parts = text_parts(msg.get("message") or "", msg.get("entities"))
    out["text"] = text_value(parts)
    out["text_entities"] = parts
    if msg.get("deleted"):
        out["deleted"] = True  # include_deleted: not a TDesktop field (it has no such state)
    return out


def _poll_and_reactions(msg: dict[str, Any], out: dict[str, Any]) -> None:
    poll = msg.get("poll")
    if poll:
        out["poll"] = {
            "question": poll.get("question"),
            "closed": bool(poll.get("closed")),
            "total_voters": poll.get("total_voters"),
            "answers": [
                {"text": a.get("text"), "voters": a.get("voters"), "chosen": bool(a.get("chosen"))}
                for a in poll.get("answers") or []
            ],
        }
    reactions = (msg.get("reactions") or {}).get("results") or []
    if reactions:
        out["reactions"] = [_reaction(r) for r in reactions]


def _reaction(r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": r.get("type"), "count": r.get("count")}
    if r.get("emoji") is not None:
        out["emoji"] = r["emoji"]
    if r.get("custom_emoji_id") is not None:
        out["document_id"] = str(r["custom_emoji_id"])
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class TdesktopEncoder:
    """The document, one message per line, from the stream's (extended) messages."""

    def __init__(self, info: DialogInfo, media_ref: MediaRef | None = None) -> None:
        self._info = info
        self._media_ref = media_ref
        self._opened = False

    def _open(self) -> str:
        if self._opened:
            return ",\n"
        self._opened = True
        return _dumps(self._info.header())[:-1] + ',"messages":[\n'

    def messages(self, message_jsons: Sequence[str], last_id: int | None) -> bytes:
        out = []
        for text in message_jsons:
            out.append(self._open() + _dumps(to_tdesktop(json.loads(text), self._media_ref)))
        return "".join(out).encode()

    def _close(self, extra: str = "") -> bytes:
        head = self._open() if not self._opened else ""
        return (head + "\n]" + extra + "}\n").encode()

    def end(self, total: int, last_id: int | None) -> bytes:
        return self._close()

    def event(self, name: str, payload: dict[str, Any]) -> bytes:
        key = "continuation" if name == "continue" else name
        return self._close(f',"{key}":{_dumps(payload)}')
