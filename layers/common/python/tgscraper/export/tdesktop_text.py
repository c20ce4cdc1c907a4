"""Telegram Desktop's ways of writing a message's text and a service message's action.

TDesktop writes `text` as a plain string when the message has no formatting, else as a
list of plain strings and `{"type", "text", ...}` parts, and always `text_entities`: the
same parts, each as an object (`{"type": "plain", ...}` for unformatted runs). Entity
offsets come in UTF-16 code units (Telegram's count), so the text is cut in UTF-16.
"""

from __future__ import annotations

from typing import Any

# Our entity names (Telegram's MessageEntity* in snake case) -> TDesktop's part types.
_ENTITY_TYPES = {
    "url": "link",
    "text_url": "text_link",
    "strike": "strikethrough",
    "mention_name": "mention_name",
}
# TDesktop's extra keys of a part, from our entity's keys.
_ENTITY_EXTRAS = {"url": "href", "user_id": "user_id", "language": "language"}

# Our service action names (Telegram's MessageAction* in snake case) -> TDesktop's `action`.
ACTIONS = {
    "chat_create": "create_group",
    "channel_create": "create_channel",
    "chat_add_user": "invite_members",
    "chat_delete_user": "remove_members",
    "chat_joined_by_link": "join_group_by_link",
    "chat_joined_by_request": "join_group_by_request",
    "chat_edit_title": "edit_group_title",
    "chat_edit_photo": "edit_group_photo",
    "chat_delete_photo": "delete_group_photo",
    "chat_migrate_to": "migrate_to_supergroup",
    "channel_migrate_from": "migrate_from_group",
    "pin_message": "pin_message",
    "history_clear": "clear_history",
    "game_score": "score_in_game",
    "phone_call": "phone_call",
    "group_call": "group_call",
    "invite_to_group_call": "invite_to_group_call",
    "screenshot_taken": "take_screenshot",
    "contact_sign_up": "joined_telegram",
    "topic_create": "topic_created",
    "topic_edit": "topic_edit",
    "set_messages_ttl": "set_messages_ttl",
    "custom_action": "custom_action",
}


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _slice(units: bytes, start: int, end: int) -> str:
    return units[start * 2 : end * 2].decode("utf-16-le", "surrogatepass")


def _part(entity: dict[str, Any], text: str) -> dict[str, Any]:
    kind = str(entity.get("type") or "plain")
    part: dict[str, Any] = {"type": _ENTITY_TYPES.get(kind, kind), "text": text}
    for ours, theirs in _ENTITY_EXTRAS.items():
        if entity.get(ours) is not None:
            part[theirs] = entity[ours]
    if entity.get("document_id") is not None:
        part["document_id"] = str(entity["document_id"])
    return part


def text_parts(text: str, entities: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """`text_entities`: the text cut into plain runs and entity parts, in order. Nested
    entities (bold inside a link...) keep the outer one, as one part cannot hold two."""
    if not text:
        return []
    units = _utf16(text)
    size = len(units) // 2
    parts: list[dict[str, Any]] = []
    pos = 0
    for entity in sorted(entities or [], key=lambda e: (e.get("offset", 0), -e.get("length", 0))):
        start = int(entity.get("offset", 0))
        end = min(start + int(entity.get("length", 0)), size)
        if start < pos or end <= start:
            continue  # inside the previous entity, or empty
        if start > pos:
            parts.append({"type": "plain", "text": _slice(units, pos, start)})
        parts.append(_part(entity, _slice(units, start, end)))
        pos = end
    if pos < size:
        parts.append({"type": "plain", "text": _slice(units, pos, size)})
    return parts


def text_value(parts: list[dict[str, Any]]) -> str | list[Any]:
    """`text`: a string without formatting, else plain runs as strings among the parts."""
    if all(p["type"] == "plain" for p in parts):
        return "".join(p["text"] for p in parts)
    return [p["text"] if p["type"] == "plain" else p for p in parts]
