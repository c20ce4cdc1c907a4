"""Forum topics and reply threads of the read model, as Telegram serves them
(`messages.getForumTopics`, `messages.getForumTopicsByID`, `messages.getReplies`).

- A forum's topics: General (id 1, always there) and one per `topic_create` service
  message (the topic's id is that message's id); a later `topic_edit` with `closed` in
  the topic closes or reopens it. A message belongs to a topic by `rich.topic_of`.
- A thread: the messages whose thread top (`reply_top`, else the replied message of the
  same chat) is a given message. A channel post's comments are the thread of its
  automatic copy in the discussion group (the copy's `saved_from` names the post).
- Unread state per topic follows the dialog's: messages after the dialog's
  read_inbox_max_id (as `tl.dialog` computes it) and not sent by the account.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime

from .content import dt_to_ts
from .models import MessageRec
from .rich import topic_of
from .world import World

GENERAL = 1
GENERAL_ICON_COLOR = 0x6FB9F0


@dataclass(frozen=True)
class TopicRec:
    id: int
    date: datetime
    title: str
    icon_color: int
    from_id: int
    top_message: int
    top_date: datetime
    read_inbox_max_id: int
    unread_count: int
    closed: bool
    pinned: bool


def is_forum(world: World, peer_id: int) -> bool:
    if not world.has_dialog(peer_id):
        return False
    dialog = world.dialog(peer_id)
    chat = world.chats.get(dialog.entity_id) if dialog.kind != "user" else None
    return bool(chat is not None and chat.forum)


def read_inbox_max_id(world: World, peer_id: int) -> int:
    hist = world.history(peer_id)
    unread = min(world.dialog(peer_id).unread_count, hist.count)
    ids = hist.ids()
    return ids[hist.count - unread - 1] if hist.count > unread else 0


def topic_messages(world: World, peer_id: int, topic_id: int) -> list[MessageRec]:
    """All and only the messages of one topic, oldest first."""
    return [r for r in world.messages(peer_id) if topic_of(r) == topic_id]


def topics(world: World, peer_id: int) -> list[TopicRec]:
    """The forum's topics, most recently active first (Telegram's order)."""
    recs = world.messages(peer_id)
    chat = world.chats[world.dialog(peer_id).entity_id]
    read = read_inbox_max_id(world, peer_id)
    heads: dict[int, tuple[datetime, str, int, int, bool]] = {
        GENERAL: (chat.date, "General", GENERAL_ICON_COLOR, world.me.id, False)
    }
    closed: dict[int, bool] = {}
    members: dict[int, list[MessageRec]] = {}
    for rec in recs:
        action = rec.extra.action if rec.extra is not None else None
        if action is not None and action.kind == "topic_create":
            sender = rec.sender_id if rec.sender_id is not None else world.me.id
            heads[rec.id] = (
                rec.date,
                action.title or "",
                action.icon_color or 0,
                sender,
                action.pinned,
            )
        elif action is not None and action.kind == "topic_edit" and action.closed is not None:
            closed[topic_of(rec)] = action.closed
        members.setdefault(topic_of(rec), []).append(rec)
    out = []
    for tid, (date, title, color, sender, pinned) in heads.items():
        msgs = members.get(tid, [])
        top = msgs[-1] if msgs else None
        out.append(
            TopicRec(
                id=tid,
                date=date,
                title=title,
                icon_color=color,
                from_id=sender,
                top_message=top.id if top else 0,
                top_date=top.date if top else date,
                read_inbox_max_id=min(read, top.id) if top else 0,
                unread_count=sum(1 for m in msgs if m.id > read and not m.out),
                closed=closed.get(tid, False),
                pinned=pinned,
            )
        )
    out.sort(key=lambda t: (t.top_message, t.id), reverse=True)
    return out


def thread_top(rec: MessageRec) -> int | None:
    """The top message of the thread a message is in (same chat only)."""
    x = rec.extra
    if x is not None and x.reply_peer is not None:
        return None  # a reply to another chat's message starts no thread here
    if x is not None and x.reply_top:
        return x.reply_top
    return rec.reply_to


def discussion_copy(world: World, channel: int, post_id: int) -> tuple[int, int] | None:
    """(discussion group, id of the post's automatic copy there), or None without comments."""
    post = world.history(channel).get(post_id)
    if post is None or post.extra is None or post.extra.discussion_id is None:
        return None
    talk = post.extra.discussion_id
    for rec in world.messages(talk):
        if rec.extra is not None and rec.extra.saved_from == (channel, post_id):
            return talk, rec.id
    return None


def thread(world: World, peer_id: int, top_id: int) -> list[MessageRec]:
    """The replies of one thread, oldest first (the top message itself excluded)."""
    return [r for r in world.messages(peer_id) if r.id != top_id and thread_top(r) == top_id]


def page(
    recs: list[MessageRec],
    *,
    offset_id: int = 0,
    offset_date: datetime | None = None,
    add_offset: int = 0,
    limit: int = 100,
    max_id: int = 0,
    min_id: int = 0,
) -> list[MessageRec]:
    """Newest-first slice of an oldest-first list, with `messages.getHistory` semantics
    (the same rule as `History.page`)."""
    ids = [r.id for r in recs]
    dates = [dt_to_ts(r.date) for r in recs]
    lo = bisect_right(ids, min_id) if min_id else 0
    hi = bisect_left(ids, max_id) if max_id else len(ids)
    if hi <= lo or limit <= 0:
        return []
    if offset_id:
        cut = bisect_left(ids, offset_id)
    elif offset_date is not None and dt_to_ts(offset_date) > 0:
        cut = bisect_left(dates, dt_to_ts(offset_date))
    else:
        cut = hi
    cut = min(max(cut, lo), hi)
    start = (hi - cut) + add_offset
    end = min(start + limit, hi - lo)
    start = max(start, 0)
    return [recs[hi - 1 - p] for p in range(start, end)]
