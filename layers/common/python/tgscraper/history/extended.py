"""The extended message fields (GET /history?fields=extended; docs/messages.md).

`extended_json` turns one Telegram message into a JSON object of the fields the contract
leaves out, serialized once beside the contract's JSON; `with_extended` splices the two
into one object without decoding either (the contract's fields first, unchanged).
The cache stores both, so a cached frame is byte-identical to a fetched one.

Field names `edit_date`, `deleted` and `versions` are shared with the edits feature:
this module only emits `edit_date` (Telegram's last edit time).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from telethon import utils
from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgscraper.history.media_kind import media_kind

EXTENDED_FIELDS = (
    "edit_date",
    "views",
    "forwards",
    "replies",
    "reactions",
    "reply",
    "forward",
    "grouped_id",
    "topic_id",
    "via_bot_id",
    "pinned",
    "entities",
    "poll",
    "service",
    "sender",
    "media_kind",
)
_GENERAL_TOPIC = 1
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _date(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def _snake(name: str, prefix: str) -> str:
    return _CAMEL.sub("_", name.removeprefix(prefix)).lower()


def _marked(peer: Any) -> int | None:
    return int(utils.get_peer_id(peer)) if peer is not None else None


def _name(entity: Any) -> str | None:
    if entity is None:
        return None
    if isinstance(entity, types.User):
        return " ".join(p for p in (entity.first_name, entity.last_name) if p) or None
    return getattr(entity, "title", None)


def _peer_kind(entity: Any, peer: Any) -> str:
    if isinstance(entity, types.User):
        return "bot" if entity.bot else "user"
    if isinstance(peer, types.PeerUser):
        return "user"
    if isinstance(peer, types.PeerChat):
        return "group"
    if isinstance(entity, types.Channel | types.ChannelForbidden) and entity.megagroup:
        return "supergroup"
    return "channel"


def _plain(value: Any) -> Any:
    """A TL value as JSON: peers become marked ids, bytes hex, dates strings."""
    if isinstance(value, types.PeerUser | types.PeerChat | types.PeerChannel):
        return _marked(value)
    if isinstance(value, datetime):
        return _date(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, types.TextWithEntities):
        return value.text
    if isinstance(value, TLObject):
        return {k: _plain(v) for k, v in vars(value).items() if v is not None}
    return value


def _service(action: Any) -> dict[str, Any]:
    """Any service action, generically: its TL name in snake case and its fields."""
    out: dict[str, Any] = {"type": _snake(type(action).__name__, "MessageAction")}
    for key, value in vars(action).items():
        if value is not None:
            out[key] = _plain(value)
    return out


def _entities(message: Any) -> list[dict[str, Any]] | None:
    found = getattr(message, "entities", None)
    if not found:
        return None
    out = []
    for e in found:
        item: dict[str, Any] = {
            "type": _snake(type(e).__name__, "MessageEntity"),
            "offset": e.offset,
            "length": e.length,
        }
        for key in ("url", "user_id", "language", "document_id"):
            value = getattr(e, key, None)
            if value is not None:
                item[key] = value
        out.append(item)
    return out


def _reactions(message: Any) -> dict[str, Any] | None:
    found = getattr(message, "reactions", None)
    if found is None:
        return None
    results = []
    for rc in found.results:
        r = rc.reaction
        item: dict[str, Any] = {"type": "emoji", "emoji": None, "custom_emoji_id": None}
        if isinstance(r, types.ReactionEmoji):
            item["emoji"] = r.emoticon
        elif isinstance(r, types.ReactionCustomEmoji):
            item["type"], item["custom_emoji_id"] = "custom_emoji", r.document_id
        else:
            item["type"] = _snake(type(r).__name__, "Reaction")
        item["count"] = rc.count
        item["chosen"] = rc.chosen_order is not None
        results.append(item)
    mine = [r["emoji"] or r["custom_emoji_id"] for r in results if r["chosen"]]
    return {"results": results, "mine": mine}


def _replies(message: Any) -> dict[str, Any] | None:
    found = getattr(message, "replies", None)
    if found is None:
        return None
    discussion = None
    if found.comments and found.channel_id:
        discussion = _marked(types.PeerChannel(found.channel_id))
    return {
        "count": found.replies,
        "comments": bool(found.comments),
        "discussion_id": discussion,
        "max_id": found.max_id,
    }


def _reply(message: Any, dialog_id: int) -> dict[str, Any] | None:
    header = getattr(message, "reply_to", None)
    if not isinstance(header, types.MessageReplyHeader):
        return None
    other = _marked(header.reply_to_peer_id)
    return {
        "msg_id": header.reply_to_msg_id,
        "top_id": header.reply_to_top_id,
        "peer_id": other if other != dialog_id else None,
        "quote_text": header.quote_text,
        "quote_offset": header.quote_offset,
        "forum_topic": bool(header.forum_topic),
    }


def _forward(message: Any, entities: dict[int, Any]) -> dict[str, Any] | None:
    fwd = getattr(message, "fwd_from", None)
    if fwd is None:
        return None
    from_id = _marked(fwd.from_id)
    entity = entities.get(from_id) if from_id is not None else None
    return {
        "from_id": from_id,
        "from_type": _peer_kind(entity, fwd.from_id) if fwd.from_id is not None else "hidden",
        "from_name": _name(entity) if entity is not None else fwd.from_name,
        "date": _date(fwd.date),
        "msg_id": fwd.channel_post,
        "post_author": fwd.post_author,
        "saved_from_peer": _marked(fwd.saved_from_peer),
        "saved_from_msg_id": fwd.saved_from_msg_id,
    }


def _poll(media: Any) -> dict[str, Any] | None:
    if not isinstance(media, types.MessageMediaPoll):
        return None
    poll, results = media.poll, media.results
    counts = {r.option: r for r in (results.results or [])}
    answers = []
    for answer in poll.answers:
        voters = counts.get(answer.option)
        answers.append(
            {
                "text": _plain(answer.text),
                "option": answer.option.hex(),
                "voters": voters.voters if voters else None,
                "chosen": bool(voters and voters.chosen),
                "correct": bool(voters and voters.correct),
            }
        )
    return {
        "id": poll.id,
        "question": _plain(poll.question),
        "answers": answers,
        "total_voters": results.total_voters,
        "closed": bool(poll.closed),
        "quiz": bool(poll.quiz),
        "multiple_choice": bool(poll.multiple_choice),
    }


def _topic_id(message: Any, dialog_id: int, entities: dict[int, Any]) -> int | None:
    """A forum's messages belong to a topic: the thread top of a forum_topic reply, the
    topic's own id for its creation message, else the General topic (id 1)."""
    chat = entities.get(dialog_id)
    if not getattr(chat, "forum", False):
        return None
    if isinstance(getattr(message, "action", None), types.MessageActionTopicCreate):
        return int(message.id)
    header = getattr(message, "reply_to", None)
    if isinstance(header, types.MessageReplyHeader) and header.forum_topic:
        return header.reply_to_top_id or header.reply_to_msg_id or _GENERAL_TOPIC
    return _GENERAL_TOPIC


def _sender(
    message: Any, sender_id: int | None, dialog_id: int, entities: dict[int, Any]
) -> dict[str, Any] | None:
    if sender_id is None:
        return None
    entity = entities.get(sender_id)
    kind = _peer_kind(entity, message.from_id or message.peer_id)
    # An anonymous group admin posts as the group itself (with its title as signature).
    if sender_id == dialog_id and kind in ("supergroup", "group"):
        kind = "anonymous_admin"
    return {"id": sender_id, "type": kind, "name": _name(entity)}


def extended_fields(
    message: Any, dialog_id: int, sender_id: int | None, entities: dict[int, Any]
) -> dict[str, Any]:
    action = getattr(message, "action", None)
    return {
        "edit_date": _date(getattr(message, "edit_date", None)),
        "views": getattr(message, "views", None),
        "forwards": getattr(message, "forwards", None),
        "replies": _replies(message),
        "reactions": _reactions(message),
        "reply": _reply(message, dialog_id),
        "forward": _forward(message, entities),
        "grouped_id": getattr(message, "grouped_id", None),
        "topic_id": _topic_id(message, dialog_id, entities),
        "via_bot_id": getattr(message, "via_bot_id", None),
        "pinned": bool(getattr(message, "pinned", False)),
        "entities": _entities(message),
        "poll": _poll(getattr(message, "media", None)),
        "service": _service(action) if action is not None else None,
        "sender": _sender(message, sender_id, dialog_id, entities),
        "media_kind": media_kind(getattr(message, "media", None)),
    }


def extended_json(
    message: Any, dialog_id: int, sender_id: int | None, entities: dict[int, Any]
) -> str:
    fields = extended_fields(message, dialog_id, sender_id, entities)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def shape(contract_json: str, extended: str | None) -> str:
    """One object: the contract's fields, then the extended ones (no re-encoding).
    A row cached without extended fields (or a record that has none) stays as it is."""
    if not extended or extended == "{}":
        return contract_json
    return f"{contract_json[:-1]},{extended[1:]}"
