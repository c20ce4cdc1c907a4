"""A showcase of every rich message feature, added to a world as three dialogs:

- "Showcase News", a channel with signatures: formatting entities, polls (one closed
  quiz), an album, reactions (emoji and custom emoji, one chosen by the account), an
  edited post with comments in a linked discussion group, forwards of every origin
  (user, channel post, hidden sender), a GIF, a music track, a round video, a voice note, a
  document, and service messages (channel created, pin);
- "Showcase Discussion", its discussion supergroup: the automatic copy of the commented
  post (saved_from), comments with a quote, a nested reply, a channel posting as itself,
  an anonymous admin, a message via a bot, a reply to another chat, and service messages
  (members added, joined by link, title changed, group call);
- "Showcase Forum", a forum supergroup: General messages, topics created, replied in,
  closed and pinned.

Everything is explicit (no generated history), so tests compute expectations from the
records (``world.messages(peer)``) and never from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .models import FwdRec, MediaRec, MessageRec
from .rich import ActionRec, EntityRec, PollRec, ReactionRec, RichRec, utf16_len
from .world import World

CUSTOM_EMOJI_ID = 5368324170671202286


@dataclass(frozen=True)
class Showcase:
    channel: int
    discussion: int
    forum: int
    topics: dict[str, int]
    """Forum topic title -> topic id (the id of its topic_create service message)."""


class _Writer:
    def __init__(self, world: World, peer_id: int, minutes: int) -> None:
        self.world = world
        self.peer_id = peer_id
        self.when = world.now - timedelta(days=3) + timedelta(minutes=minutes)
        self.is_channel = world.dialog(peer_id).kind == "channel"

    def add(
        self,
        text: str = "",
        *,
        sender: int | None = None,
        extra: RichRec | None = None,
        media: MediaRec | None = None,
        reply_to: int | None = None,
        fwd: FwdRec | None = None,
        post_author: str | None = None,
        edited: bool = False,
    ) -> MessageRec:
        world = self.world
        self.when += timedelta(minutes=5)
        if sender is None and not self.is_channel:
            sender = world.me.id
        rec = MessageRec(
            id=world.next_message_id(self.peer_id),
            peer_id=self.peer_id,
            date=self.when,
            sender_id=sender,
            text=text,
            out=self.is_channel or sender == world.me.id,
            media=media,
            reply_to=reply_to,
            fwd=fwd,
            post_author=post_author,
            edit_date=self.when + timedelta(minutes=2) if edited else None,
            views=1000 + 37 * len(world.history(self.peer_id).ids()) if self.is_channel else None,
            extra=extra or RichRec(),
        )
        world.history(self.peer_id).append(rec)
        return rec

    def service(self, kind: str, *, sender: int | None = None, **action: Any) -> MessageRec:
        reply_to = action.pop("reply_to", None)
        topic = action.pop("topic", None)
        extra = RichRec(action=ActionRec(kind, **action))
        if topic is not None:
            extra.forum_topic = True
            reply_to = topic
        return self.add(sender=sender, extra=extra, reply_to=reply_to)


def _entities(text: str, spans: list[tuple[str, str, dict[str, Any]]]) -> list[EntityRec]:
    out = []
    for kind, part, more in spans:
        start = text.index(part)
        out.append(EntityRec(kind, utf16_len(text[:start]), utf16_len(part), **more))
    return out


def add_showcase(world: World) -> Showcase:
    people = [u.id for u in world.users.values() if not u.bot and not u.is_self]
    bots = [u.id for u in world.users.values() if u.bot]
    alice, bob, carol = (people * 3)[:3]
    others = [d.peer_id for d in world.dialogs if d.kind == "channel"]
    news = world.add_dialog("channel", 0, title="Showcase News", username="sim_showcase")
    talk = world.add_dialog("supergroup", 0, title="Showcase Discussion")
    forum_d = world.add_dialog("supergroup", 0, title="Showcase Forum")
    world.chats[news.entity_id].signatures = True
    world.chats[forum_d.entity_id].forum = True
    source = others[0] if others else news.peer_id
    post = _channel(world, news.peer_id, talk.peer_id, source, alice)
    _discussion(world, talk.peer_id, news.peer_id, post, (alice, bob, carol), source, bots)
    topics = _forum(world, forum_d.peer_id, (alice, bob, carol))
    return Showcase(news.peer_id, talk.peer_id, forum_d.peer_id, topics)


def _channel(world: World, peer: int, talk: int, source: int, alice: int) -> MessageRec:
    w = _Writer(world, peer, 0)
    w.service("channel_create", title="Showcase News")
    text = "Welcome to Showcase! Read https://example.org, ask @sim_user, docs here #news"
    spans = [
        ("bold", "Showcase", {}),
        ("url", "https://example.org", {}),
        ("mention", "@sim_user", {}),
        ("text_url", "docs here", {"url": "https://example.org/docs"}),
        ("hashtag", "#news", {}),
    ]
    w.add(text, extra=RichRec(entities=_entities(text, spans)))
    poll = PollRec(901, "Best release day?", [("Monday", 12), ("Friday", 30), ("Sunday", 3)], 1)
    w.add(extra=RichRec(poll=poll))
    quiz = PollRec(902, "2 + 2 = ?", [("3", 4), ("4", 40), ("5", 1)], 0, correct=1, closed=True)
    w.add(extra=RichRec(poll=quiz))
    for i in range(3):
        photo = world.new_media("photo", 50_000 + i * 1000, date=w.when)
        w.add(
            "Album from the launch 📸" if i == 0 else "",
            media=photo,
            extra=RichRec(grouped_id=13_000_000_000_000_001),
        )
    reactions = [
        ReactionRec("👍", 42, chosen=True),
        ReactionRec("❤️", 17),
        ReactionRec(None, 5, custom_emoji_id=CUSTOM_EMOJI_ID),
    ]
    post = w.add(
        "Version 3 is out — comments welcome",
        extra=RichRec(reactions=reactions, replies=4, discussion_id=talk, pinned=True),
        post_author="Editorial",
        edited=True,
    )
    w.add("Forwarded from a person", fwd=FwdRec(w.when - timedelta(days=1), from_id=alice))
    w.add(
        "Forwarded channel post",
        fwd=FwdRec(w.when - timedelta(days=2), from_id=source, channel_post=77, post_author="Zoë"),
    )
    w.add(
        "Forwarded, sender hidden",
        fwd=FwdRec(w.when - timedelta(hours=5), from_name="Hidden Sender"),
    )
    media = [
        ("gif", "Party time", "party.mp4", "video/mp4"),
        ("audio", "Our anthem 🎵", "anthem.mp3", "audio/mpeg"),
        ("round", "", None, "video/mp4"),
        ("voice", "Voice note from the team", None, "audio/ogg"),
        (
            "document",
            "Release notes attached, also at https://example.org/notes",
            "notes.pdf",
            "application/pdf",
        ),
    ]
    for kind, caption, filename, mime in media:
        file = world.new_media(kind, 30_000, filename=filename, mime_type=mime, date=w.when)  # type: ignore[arg-type]
        w.add(caption, media=file)
    w.service("pin_message", reply_to=post.id)
    return post


def _discussion(
    world: World,
    peer: int,
    channel: int,
    post: MessageRec,
    people: tuple[int, int, int],
    other_channel: int,
    bots: list[int],
) -> None:
    alice, bob, carol = people
    w = _Writer(world, peer, 1)
    w.service("channel_create", title="Showcase Discussion")
    w.service("chat_add_user", users=[alice, bob])
    w.service("chat_joined_by_link", sender=carol, users=[alice])
    copy = w.add(
        post.text,
        sender=channel,
        fwd=FwdRec(post.date, from_id=channel, channel_post=post.id),
        extra=RichRec(saved_from=(channel, post.id)),
    )
    first = w.add(
        "Finally! The new search is great",
        sender=alice,
        reply_to=copy.id,
        extra=RichRec(quote=("comments welcome", post.text.index("comments welcome"))),
    )
    w.add("Agreed", sender=bob, reply_to=first.id, extra=RichRec(reply_top=copy.id))
    w.add("Our channel agrees too", sender=other_channel, reply_to=copy.id)
    log = world.new_media(
        "document", 12_000, filename="search.log", mime_type="text/plain", date=w.when
    )
    w.add("Log of the new search attached", sender=carol, media=log, reply_to=copy.id)
    w.add("Please keep it civil", sender=peer, post_author="Admin")  # an anonymous admin
    if bots:
        w.add("Found via inline search", sender=bob, extra=RichRec(via_bot_id=bots[0]))
    w.add(
        "About that post in the channel",
        sender=carol,
        reply_to=post.id,
        extra=RichRec(reply_peer=channel),
    )
    w.service("chat_edit_title", title="Showcase Discussion")
    w.service("group_call", duration=600)


def _forum(world: World, peer: int, people: tuple[int, int, int]) -> dict[str, int]:
    alice, bob, carol = people
    w = _Writer(world, peer, 2)
    w.service("channel_create", title="Showcase Forum")
    w.add("Hello in General", sender=alice)
    news = w.service("topic_create", title="Announcements", icon_color=0x6FB9F0, pinned=True)
    chat = w.service("topic_create", title="Off-topic", icon_color=0xFFD67E)
    first = w.add(
        "Release on Friday", sender=bob, reply_to=news.id, extra=RichRec(forum_topic=True)
    )
    w.add("Anyone for lunch?", sender=carol, reply_to=chat.id, extra=RichRec(forum_topic=True))
    w.add(
        "Which time?",
        sender=alice,
        reply_to=first.id,
        extra=RichRec(forum_topic=True, reply_top=news.id),
    )
    w.add("General again", sender=bob)
    w.service("topic_edit", topic=chat.id, closed=True)
    return {"General": 1, "Announcements": news.id, "Off-topic": chat.id}
