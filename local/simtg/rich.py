"""Rich message content of the read model: reactions, replies and quotes, polls, albums,
topics, bots, formatting and service actions.

A ``MessageRec`` whose ``extra`` is set carries one ``RichRec``; ``rich_tl`` turns it
into the matching ``telethon.tl.types`` objects. Peer ids are marked, as everywhere in
the read model. Tests compute their expectations from these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import MessageRec

EntityKind = str
"""One of: bold, italic, code, url, text_url, mention, mention_name, hashtag, custom_emoji."""


@dataclass
class EntityRec:
    kind: EntityKind
    offset: int  # in UTF-16 code units, as Telegram counts
    length: int
    url: str | None = None  # text_url
    user_id: int | None = None  # mention_name
    document_id: int | None = None  # custom_emoji


@dataclass
class ReactionRec:
    emoji: str | None  # a unicode emoji, or None for a custom emoji
    count: int
    chosen: bool = False  # the account's own reaction
    custom_emoji_id: int | None = None


@dataclass
class PollRec:
    id: int
    question: str
    answers: list[tuple[str, int]]  # (text, voters); options are bytes([index])
    chosen: int | None = None  # index of the account's vote
    correct: int | None = None  # quizzes
    closed: bool = False
    multiple_choice: bool = False

    @property
    def total_voters(self) -> int:
        return sum(v for _, v in self.answers)


@dataclass
class ActionRec:
    """A service message's action: ``kind`` names the TL constructor's suffix."""

    kind: str  # chat_create, chat_add_user, chat_edit_title, pin_message, topic_create, ...
    title: str | None = None
    users: list[int] = field(default_factory=list)
    icon_color: int | None = None
    closed: bool | None = None
    duration: int | None = None  # group calls
    pinned: bool = False  # topic_create: the topic is pinned (sim-side metadata)


@dataclass
class RichRec:
    reactions: list[ReactionRec] = field(default_factory=list)
    replies: int | None = None  # comment/reply count
    discussion_id: int | None = None  # marked id of a channel post's discussion group
    quote: tuple[str, int] | None = None  # quoted text and its offset in the replied message
    reply_peer: int | None = None  # reply to a message of another chat
    reply_top: int | None = None  # thread (topic / comment thread) top message id
    forum_topic: bool = False
    grouped_id: int | None = None
    via_bot_id: int | None = None
    entities: list[EntityRec] = field(default_factory=list)
    poll: PollRec | None = None
    action: ActionRec | None = None
    saved_from: tuple[int, int] | None = None  # (marked peer, message id) of a saved copy
    pinned: bool = False

    def peers(self) -> list[int]:
        """Users and chats Telegram sends along with the message."""
        out = [p for p in (self.via_bot_id, self.reply_peer, self.discussion_id) if p]
        if self.saved_from is not None:
            out.append(self.saved_from[0])
        if self.action is not None:
            out.extend(self.action.users)
        out.extend(e.user_id for e in self.entities if e.user_id)
        return out


def topic_of(rec: MessageRec) -> int:
    """Forum topic of a message of a forum: its thread's top message, or 1 (General)."""
    extra = rec.extra
    if extra is None:
        return 1
    if extra.action is not None and extra.action.kind == "topic_create":
        return rec.id
    if extra.forum_topic:
        return extra.reply_top or rec.reply_to or 1
    return 1


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
