"""``RichRec`` -> ``telethon.tl.types``: the Message (or MessageService) of a rich record."""

from __future__ import annotations

from typing import Any

from telethon.tl import types as T

from . import tl
from .models import CHANNEL_MARK, MessageRec
from .rich import ActionRec, EntityRec, PollRec, RichRec
from .world import World

_ENTITY_TYPES: dict[str, Any] = {
    "bold": T.MessageEntityBold,
    "italic": T.MessageEntityItalic,
    "code": T.MessageEntityCode,
    "url": T.MessageEntityUrl,
    "mention": T.MessageEntityMention,
    "hashtag": T.MessageEntityHashtag,
}


def _entity(e: EntityRec) -> Any:
    if e.kind == "text_url":
        return T.MessageEntityTextUrl(e.offset, e.length, e.url or "")
    if e.kind == "mention_name":
        return T.MessageEntityMentionName(e.offset, e.length, e.user_id or 0)
    if e.kind == "custom_emoji":
        return T.MessageEntityCustomEmoji(e.offset, e.length, e.document_id or 0)
    return _ENTITY_TYPES[e.kind](e.offset, e.length)


def _reactions(x: RichRec) -> T.MessageReactions | None:
    if not x.reactions:
        return None
    results = []
    for r in x.reactions:
        reaction: Any = (
            T.ReactionEmoji(r.emoji)
            if r.emoji is not None
            else T.ReactionCustomEmoji(r.custom_emoji_id or 0)
        )
        results.append(T.ReactionCount(reaction, r.count, chosen_order=0 if r.chosen else None))
    return T.MessageReactions(results=results)


def _poll(p: PollRec) -> T.MessageMediaPoll:
    answers = [
        T.PollAnswer(T.TextWithEntities(t, []), bytes([i])) for i, (t, _) in enumerate(p.answers)
    ]
    voters = [
        T.PollAnswerVoters(
            bytes([i]),
            voters=v,
            recent_voters=[],  # TL: both or neither
            chosen=(p.chosen == i) or None,
            correct=(p.correct == i) or None,
        )
        for i, (_, v) in enumerate(p.answers)
    ]
    poll = T.Poll(
        p.id,
        T.TextWithEntities(p.question, []),
        answers,
        hash=0,
        closed=p.closed or None,
        multiple_choice=p.multiple_choice or None,
        quiz=p.correct is not None or None,
    )
    return T.MessageMediaPoll(poll, T.PollResults(results=voters, total_voters=p.total_voters))


def _action(a: ActionRec) -> Any:
    kind = a.kind
    if kind == "chat_create":
        return T.MessageActionChatCreate(a.title or "", a.users)
    if kind == "channel_create":
        return T.MessageActionChannelCreate(a.title or "")
    if kind == "chat_add_user":
        return T.MessageActionChatAddUser(a.users)
    if kind == "chat_joined_by_link":
        return T.MessageActionChatJoinedByLink(inviter_id=a.users[0] if a.users else 0)
    if kind == "chat_edit_title":
        return T.MessageActionChatEditTitle(a.title or "")
    if kind == "pin_message":
        return T.MessageActionPinMessage()
    if kind == "topic_create":
        return T.MessageActionTopicCreate(a.title or "", a.icon_color or 0)
    if kind == "topic_edit":
        return T.MessageActionTopicEdit(title=a.title, closed=a.closed)
    if kind == "group_call":
        return T.MessageActionGroupCall(T.InputGroupCall(1, 1), duration=a.duration)
    raise ValueError(f"unknown simulated action {kind!r}")


def _reply(rec: MessageRec, x: RichRec) -> T.MessageReplyHeader | None:
    if not rec.reply_to and not x.forum_topic:
        return None
    return T.MessageReplyHeader(
        reply_to_msg_id=rec.reply_to,
        reply_to_peer_id=tl.peer(x.reply_peer) if x.reply_peer else None,
        reply_to_top_id=x.reply_top,
        forum_topic=x.forum_topic or None,
        quote=x.quote is not None or None,
        quote_text=x.quote[0] if x.quote else None,
        quote_offset=x.quote[1] if x.quote else None,
    )


def _fwd(rec: MessageRec, x: RichRec) -> T.MessageFwdHeader | None:
    f = rec.fwd
    if f is None:
        return None
    saved = x.saved_from
    return T.MessageFwdHeader(
        date=f.date,
        from_id=tl.peer(f.from_id) if f.from_id is not None else None,
        from_name=f.from_name,
        channel_post=f.channel_post,
        post_author=f.post_author,
        saved_from_peer=tl.peer(saved[0]) if saved else None,
        saved_from_msg_id=saved[1] if saved else None,
    )


def rich_message(world: World, rec: MessageRec, epoch: int) -> T.Message | T.MessageService:
    x = rec.extra
    assert x is not None
    is_channel = rec.peer_id <= -CHANNEL_MARK and world.dialog(rec.peer_id).kind == "channel"
    common: dict[str, Any] = {
        "id": rec.id,
        "peer_id": tl.peer(rec.peer_id),
        "date": rec.date,
        "out": rec.out,
        "post": is_channel or None,
        "from_id": tl.peer(rec.sender_id) if rec.sender_id is not None else None,
        "reply_to": _reply(rec, x),
    }
    if x.action is not None:
        return T.MessageService(action=_action(x.action), **common)
    replies = None
    if x.replies is not None:
        discussion = x.discussion_id
        replies = T.MessageReplies(
            x.replies,
            replies_pts=1,
            comments=discussion is not None or None,
            channel_id=-discussion - CHANNEL_MARK if discussion else None,
        )
    media: Any = None
    if x.poll is not None:
        media = _poll(x.poll)
    elif rec.media is not None:
        media = tl.media(world, rec.media, epoch)
    return T.Message(
        message=rec.text,
        fwd_from=_fwd(rec, x),
        media=media,
        views=rec.views,
        forwards=rec.views // 50 if rec.views is not None else None,
        edit_date=rec.edit_date,
        post_author=rec.post_author,
        replies=replies,
        reactions=_reactions(x),
        grouped_id=x.grouped_id,
        via_bot_id=x.via_bot_id,
        entities=[_entity(e) for e in x.entities] or None,
        pinned=x.pinned or None,
        **common,
    )
