"""messages.getForumTopics, messages.getForumTopicsByID and messages.getReplies."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..content import dt_to_ts
from ..errors import RpcFault
from ..models import MessageRec
from ..threads import (
    TopicRec,
    discussion_copy,
    is_forum,
    page,
    thread,
    topic_messages,
    topics,
)
from .base import Ctx, handles
from .peers import resolve_peer

_MAX_LIMIT = 100


def _forum_missing() -> RpcFault:
    return RpcFault(400, "CHANNEL_FORUM_MISSING")


def _msg_id_invalid() -> RpcFault:
    return RpcFault(400, "MSG_ID_INVALID")


def _topic(ctx: Ctx, peer_id: int, t: TopicRec) -> T.ForumTopic:
    return T.ForumTopic(
        id=t.id,
        date=t.date,
        peer=tl.peer(peer_id),
        title=t.title,
        icon_color=t.icon_color,
        top_message=t.top_message,
        read_inbox_max_id=t.read_inbox_max_id,
        read_outbox_max_id=t.top_message,
        unread_count=t.unread_count,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        from_id=tl.peer(t.from_id),
        notify_settings=tl.notify_settings(ctx.world.dialog(peer_id)),
        my=t.from_id == ctx.world.me.id or None,
        closed=t.closed or None,
        pinned=t.pinned or None,
    )


def _forum_topics(ctx: Ctx, peer_id: int, chosen: list[TopicRec], count: int) -> Any:
    world = ctx.world
    hist = world.history(peer_id)
    tops = [m for t in chosen if t.top_message and (m := hist.get(t.top_message)) is not None]
    users, chats = tl.entities_for(world, tops, [peer_id], ctx.sim.denied)
    epoch = ctx.sim.file_ref_epoch
    return T.messages.ForumTopics(
        count=count,
        topics=[_topic(ctx, peer_id, t) for t in chosen],
        messages=[tl.message(world, m, epoch) for m in tops],
        chats=chats,
        users=users,
        pts=world.pts_log(peer_id).pts,
    )


def _forum(ctx: Ctx, peer: Any) -> int:
    peer_id = resolve_peer(ctx, peer)
    if not is_forum(ctx.world, peer_id):
        raise _forum_missing()
    return peer_id


@handles(F.messages.GetForumTopicsRequest)
def get_forum_topics(ctx: Ctx, req: Any) -> Any:
    """Most recently active first; the offsets are the last topic's top message (date and
    id) and its id, as Telegram's clients pass them for the next page."""
    peer_id = _forum(ctx, req.peer)
    found = topics(ctx.world, peer_id)
    if req.q:
        found = [t for t in found if req.q.casefold() in t.title.casefold()]
    count = len(found)
    if req.offset_id or req.offset_topic:
        key = (req.offset_id, req.offset_topic)
        found = [t for t in found if (t.top_message, t.id) < key]
    elif req.offset_date is not None and dt_to_ts(req.offset_date) > 0:
        found = [t for t in found if dt_to_ts(t.top_date) < dt_to_ts(req.offset_date)]
    return _forum_topics(ctx, peer_id, found[: max(0, min(req.limit, _MAX_LIMIT))], count)


@handles(F.messages.GetForumTopicsByIDRequest)
def get_forum_topics_by_id(ctx: Ctx, req: Any) -> Any:
    peer_id = _forum(ctx, req.peer)
    by_id = {t.id: t for t in topics(ctx.world, peer_id)}
    chosen = [by_id[i] for i in req.topics if i in by_id]
    result = _forum_topics(ctx, peer_id, chosen, len(chosen))
    # Telegram answers an unknown (or deleted) topic id with forumTopicDeleted.
    out = iter(result.topics)
    result.topics = [next(out) if i in by_id else T.ForumTopicDeleted(id=i) for i in req.topics]
    return result


def _thread_of(ctx: Ctx, peer_id: int, msg_id: int) -> tuple[int, list[MessageRec]]:
    """(the chat the thread lives in, its messages oldest first)."""
    world = ctx.world
    if world.dialog(peer_id).kind == "channel":
        found = discussion_copy(world, peer_id, msg_id)
        if found is None:
            raise _msg_id_invalid()  # no such post, or a post without comments
        talk, copy = found
        return talk, thread(world, talk, copy)
    if is_forum(world, peer_id) and (msg_id == 1 or _is_topic(ctx, peer_id, msg_id)):
        return peer_id, topic_messages(world, peer_id, msg_id)
    if world.history(peer_id).get(msg_id) is None:
        raise _msg_id_invalid()
    return peer_id, thread(world, peer_id, msg_id)


def _is_topic(ctx: Ctx, peer_id: int, msg_id: int) -> bool:
    rec = ctx.world.history(peer_id).get(msg_id)
    action = rec.extra.action if rec is not None and rec.extra is not None else None
    return action is not None and action.kind == "topic_create"


@handles(F.messages.GetRepliesRequest)
def get_replies(ctx: Ctx, req: Any) -> Any:
    """A channel post's comments (from its discussion group), a forum topic's messages,
    or a message's reply thread; paged like getHistory, newest first, with the count."""
    peer_id = resolve_peer(ctx, req.peer)
    world = ctx.world
    if not world.has_dialog(peer_id):
        raise RpcFault(400, "PEER_ID_INVALID")
    home, recs = _thread_of(ctx, peer_id, req.msg_id)
    msgs = page(
        recs,
        offset_id=req.offset_id,
        offset_date=req.offset_date,
        add_offset=req.add_offset,
        limit=min(req.limit, _MAX_LIMIT),
        max_id=req.max_id,
        min_id=req.min_id,
    )
    users, chats = tl.entities_for(world, msgs, [peer_id, home], ctx.sim.denied)
    epoch = ctx.sim.file_ref_epoch
    return T.messages.ChannelMessages(
        pts=world.pts_log(home).pts,
        count=len(recs),
        messages=[tl.message(world, m, epoch) for m in msgs],
        topics=[],
        chats=chats,
        users=users,
    )
