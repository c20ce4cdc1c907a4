"""What a thread request names, checked before the stream starts (real HTTP statuses):
a channel post with comments, or a topic of a forum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telethon import utils
from telethon.tl import functions, types

from tgscraper.errors import BadRequest, NotFound
from tgscraper.history.fetcher import translate

GENERAL_TOPIC = 1


@dataclass(frozen=True)
class Thread:
    peer: Any
    """The InputPeer getReplies is asked with (the channel, or the forum)."""
    msg_id: int
    """The post id, or the topic id."""
    home_id: int
    """Marked id of the chat the thread's messages live in (the discussion group)."""


async def comments_of(client: Any, peer: Any, channel_id: int, post_id: int) -> Thread:
    if not isinstance(peer, types.InputPeerChannel):
        raise BadRequest(f"Dialog {channel_id} is not a channel: only channel posts have comments")
    try:
        found = await client(
            functions.channels.GetMessagesRequest(
                channel=types.InputChannel(peer.channel_id, peer.access_hash),
                id=[types.InputMessageID(post_id)],
            )
        )
    except Exception as exc:
        raise translate(exc, channel_id) from exc
    post = next(iter(found.messages), None)
    if post is None or isinstance(post, types.MessageEmpty):
        raise NotFound(f"Post {post_id} not found in channel {channel_id}")
    replies = getattr(post, "replies", None)
    if replies is None or not replies.comments or not replies.channel_id:
        raise BadRequest(
            f"Post {post_id} of channel {channel_id} has no comments (the channel has no "
            "discussion group, or comments are off for this post)"
        )
    home = int(utils.get_peer_id(types.PeerChannel(replies.channel_id)))
    return Thread(peer, post_id, home)


async def forum_entity(client: Any, peer: Any, dialog_id: int) -> Any:
    """The forum's Channel; BadRequest for a dialog that is not a forum."""
    entity = None
    if isinstance(peer, types.InputPeerChannel):
        try:
            entity = await client.get_entity(peer)
        except Exception as exc:
            raise translate(exc, dialog_id) from exc
    if not getattr(entity, "forum", False):
        raise BadRequest(
            f"Dialog {dialog_id} is not a forum: topics exist only in forum supergroups"
        )
    return entity


async def topic_of(client: Any, peer: Any, dialog_id: int, topic_id: int) -> Thread:
    await forum_entity(client, peer, dialog_id)
    if topic_id < GENERAL_TOPIC or topic_id >= 2**31:
        raise NotFound(f"Topic {topic_id} not found in forum {dialog_id}")
    try:
        found = await client(functions.messages.GetForumTopicsByIDRequest(peer, [topic_id]))
    except Exception as exc:
        raise translate(exc, dialog_id) from exc
    if not any(isinstance(t, types.ForumTopic) and t.id == topic_id for t in found.topics):
        raise NotFound(f"Topic {topic_id} not found in forum {dialog_id}")
    return Thread(peer, topic_id, dialog_id)
