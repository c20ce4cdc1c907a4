"""A forum's topics (GET /api/v3/topics/{dialog_id}), all pages of
`messages.getForumTopics`, in Telegram's order (most recently active first).

Telegram's ForumTopic has no message count; the date of a topic's last message comes from
the top messages sent along with each page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telethon import utils
from telethon.tl import functions, types

from tgscraper.container import Container
from tgscraper.errors import NotFound
from tgscraper.history.fetcher import resolve, translate
from tgscraper.threads.target import forum_entity

_PAGE = 100
_MAX_PEER_ID = 2**62


def _date(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def _topic(t: types.ForumTopic, last: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "icon_color": t.icon_color,
        "icon_emoji_id": t.icon_emoji_id,
        "date": _date(t.date),
        "from_id": int(utils.get_peer_id(t.from_id)) if t.from_id is not None else None,
        "top_message_id": t.top_message,
        "last_message_date": _date(getattr(last, "date", None)),
        "read_inbox_max_id": t.read_inbox_max_id,
        "unread_count": t.unread_count,
        "unread_mentions_count": t.unread_mentions_count,
        "unread_reactions_count": t.unread_reactions_count,
        "closed": bool(t.closed),
        "pinned": bool(t.pinned),
        "hidden": bool(t.hidden),
    }


async def list_topics(
    container: Container, username: str, dialog_id: int, q: str | None = None
) -> list[dict[str, Any]]:
    """Every topic; NotFound (unknown dialog), BadRequest (not a forum), RateLimited..."""
    if not -_MAX_PEER_ID <= dialog_id <= _MAX_PEER_ID:
        raise NotFound(f"Dialog {dialog_id} not found")
    async with container.telegram.client(username) as client:
        client.flood_sleep_threshold = 0  # a flood wait is a 429, never slept through
        peer = await resolve(client, dialog_id)
        await forum_entity(client, peer, dialog_id)
        out: list[dict[str, Any]] = []
        seen: set[int] = set()
        offsets: dict[str, Any] = {"offset_date": None, "offset_id": 0, "offset_topic": 0}
        while True:
            try:
                page = await client(
                    functions.messages.GetForumTopicsRequest(
                        peer=peer, limit=_PAGE, q=q or None, **offsets
                    )
                )
            except Exception as exc:
                raise translate(exc, dialog_id) from exc
            tops = {m.id: m for m in page.messages}
            fresh = [t for t in page.topics if isinstance(t, types.ForumTopic) and t.id not in seen]
            for t in fresh:
                seen.add(t.id)
                out.append(_topic(t, tops.get(t.top_message)))
            # The next page starts after the last topic: its top message's date and id.
            if not fresh or len(out) >= page.count:
                return out
            last = fresh[-1]
            top = tops.get(last.top_message)
            offsets = {
                "offset_date": getattr(top, "date", None),
                "offset_id": last.top_message,
                "offset_topic": last.id,
            }
