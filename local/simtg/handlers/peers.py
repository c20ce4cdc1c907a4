"""Entity lookups: users.getUsers, channels.getChannels, messages.getChats,
contacts.resolveUsername, and the getFull* methods. Also input-peer resolution
(with access-hash checks) shared by every other handler."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..errors import RpcFault, channel_invalid, channel_private, peer_invalid
from ..models import ChatRec, UserRec, channel_peer_id, chat_peer_id
from .base import Ctx, handles


def _user_ok(ctx: Ctx, user: UserRec, access_hash: int) -> bool:
    # Telegram accepts access_hash 0 for contacts (and bots), see Telethon's get_input_entity.
    return access_hash == user.access_hash or (access_hash == 0 and (user.contact or user.bot))


def resolve_user(ctx: Ctx, obj: Any) -> UserRec | None:
    if isinstance(obj, (T.InputPeerSelf, T.InputUserSelf)):
        return ctx.me
    if isinstance(obj, (T.InputPeerUser, T.InputUser)):
        user = ctx.world.users.get(obj.user_id)
        if user is not None and _user_ok(ctx, user, obj.access_hash):
            return user
    return None


def resolve_channel(ctx: Ctx, obj: Any, *, allow_denied: bool = False) -> ChatRec:
    """InputChannel / InputPeerChannel -> channel; CHANNEL_INVALID / CHANNEL_PRIVATE."""
    if not isinstance(obj, (T.InputChannel, T.InputPeerChannel)):
        raise channel_invalid()
    chat = ctx.world.chats.get(obj.channel_id)
    if chat is None or chat.kind == "group" or obj.access_hash != chat.access_hash:
        raise channel_invalid()
    if chat.peer_id in ctx.sim.denied and not allow_denied:
        raise channel_private()
    return chat


def resolve_peer(ctx: Ctx, obj: Any) -> int:
    """Marked peer id of an InputPeer, validating access hashes like Telegram."""
    if isinstance(obj, (T.InputPeerChannel, T.InputChannel)):
        return resolve_channel(ctx, obj).peer_id
    if isinstance(obj, T.InputPeerChat):
        chat = ctx.world.chats.get(obj.chat_id)
        if chat is None or chat.kind != "group":
            raise peer_invalid()
        if chat.peer_id in ctx.sim.denied:
            raise RpcFault(400, "CHAT_ID_INVALID")
        return chat_peer_id(chat.id)
    user = resolve_user(ctx, obj)
    if user is None:
        raise peer_invalid()
    return user.id


@handles(F.users.GetUsersRequest)
def get_users(ctx: Ctx, req: Any) -> list[T.TypeUser]:
    # Unknown users are silently left out, as Telegram does.
    return [tl.user(u) for u in (resolve_user(ctx, x) for x in req.id) if u is not None]


@handles(F.users.GetFullUserRequest)
def get_full_user(ctx: Ctx, req: Any) -> T.users.UserFull:
    user = resolve_user(ctx, req.id)
    if user is None:
        raise RpcFault(400, "USER_ID_INVALID")
    full = T.UserFull(user.id, T.PeerSettings(), T.PeerNotifySettings(), common_chats_count=0)
    return T.users.UserFull(full, [], [tl.user(user)])


@handles(F.messages.GetChatsRequest)
def get_chats(ctx: Ctx, req: Any) -> T.messages.Chats:
    chats = []
    for chat_id in req.id:
        chat = ctx.world.chats.get(chat_id)
        if chat is None or chat.kind != "group":
            raise peer_invalid()
        chats.append(tl.chat(chat))
    return T.messages.Chats(chats)


@handles(F.channels.GetChannelsRequest)
def get_channels(ctx: Ctx, req: Any) -> T.messages.Chats:
    chats = []
    for obj in req.id:
        chat = resolve_channel(ctx, obj, allow_denied=True)
        chats.append(tl.chat(chat, forbidden=chat.peer_id in ctx.sim.denied))
    return T.messages.Chats(chats)


@handles(F.contacts.ResolveUsernameRequest)
def resolve_username(ctx: Ctx, req: Any) -> T.contacts.ResolvedPeer:
    name = req.username.lower().lstrip("@")
    if not name or not name.replace("_", "").isalnum():
        raise RpcFault(400, "USERNAME_INVALID")
    for user in ctx.world.users.values():
        if user.username and user.username.lower() == name:
            return T.contacts.ResolvedPeer(T.PeerUser(user.id), [], [tl.user(user)])
    for chat in ctx.world.chats.values():
        if chat.username and chat.username.lower() == name:
            ent = tl.chat(chat, forbidden=chat.peer_id in ctx.sim.denied)
            return T.contacts.ResolvedPeer(tl.peer(chat.peer_id), [ent], [])
    raise RpcFault(400, "USERNAME_NOT_OCCUPIED")


@handles(F.channels.GetFullChannelRequest)
def get_full_channel(ctx: Ctx, req: Any) -> T.messages.ChatFull:
    chat = resolve_channel(ctx, req.channel)
    dialog = ctx.world.dialog(channel_peer_id(chat.id))
    d = tl.dialog(ctx.world, dialog)
    full = T.ChannelFull(
        id=chat.id,
        about=f"About {chat.title}",
        read_inbox_max_id=d.read_inbox_max_id,
        read_outbox_max_id=d.read_outbox_max_id,
        unread_count=d.unread_count,
        chat_photo=T.PhotoEmpty(0),
        notify_settings=d.notify_settings,
        bot_info=[],
        pts=d.pts or 1,
        participants_count=chat.participants_count,
        can_view_participants=chat.kind == "supergroup",
    )
    return T.messages.ChatFull(full, [tl.chat(chat)], [])


@handles(F.messages.GetFullChatRequest)
def get_full_chat(ctx: Ctx, req: Any) -> T.messages.ChatFull:
    chat = ctx.world.chats.get(req.chat_id)
    if chat is None or chat.kind != "group":
        raise RpcFault(400, "CHAT_ID_INVALID")
    me = ctx.world.me.id
    parts: list[T.TypeChatParticipant] = []
    for uid in chat.member_ids:
        if uid == me and chat.creator:
            parts.append(T.ChatParticipantCreator(uid))
        else:
            parts.append(T.ChatParticipant(uid, me, chat.date))
    dialog = ctx.world.dialog(chat.peer_id)
    full = T.ChatFull(
        id=chat.id,
        about="",
        participants=T.ChatParticipants(chat.id, parts, 1),
        notify_settings=tl.notify_settings(dialog),
    )
    users = [tl.user(ctx.world.users[u]) for u in chat.member_ids if u in ctx.world.users]
    return T.messages.ChatFull(full, [tl.chat(chat)], users)
