"""Turn read-model records into real ``telethon.tl.types`` objects."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime

from telethon.tl import types as T

from .content import hash_int
from .models import CHANNEL_MARK, ChatRec, DialogRec, FolderRec, MediaRec, MessageRec, UserRec
from .world import World

_MUTE_FOREVER = datetime(2038, 1, 19, tzinfo=UTC)


def peer(peer_id: int) -> T.TypePeer:
    """TL peer for a marked id."""
    if peer_id > 0:
        return T.PeerUser(peer_id)
    if peer_id <= -CHANNEL_MARK:
        return T.PeerChannel(-peer_id - CHANNEL_MARK)
    return T.PeerChat(-peer_id)


def input_peer(world: World, peer_id: int) -> T.TypeInputPeer:
    if peer_id == world.me.id:
        return T.InputPeerSelf()
    ent = world.entity(peer_id)
    if isinstance(ent, UserRec):
        return T.InputPeerUser(ent.id, ent.access_hash)
    if ent.kind == "group":
        return T.InputPeerChat(ent.id)
    return T.InputPeerChannel(ent.id, ent.access_hash)


def user(rec: UserRec) -> T.User:
    return T.User(
        id=rec.id,
        is_self=rec.is_self,
        contact=rec.contact,
        mutual_contact=rec.contact,
        bot=rec.bot,
        verified=rec.verified,
        access_hash=rec.access_hash,
        first_name=rec.first_name,
        last_name=rec.last_name,
        username=rec.username,
        phone=rec.phone if (rec.contact or rec.is_self) else None,
        photo=T.UserProfilePhotoEmpty(),
        status=T.UserStatusRecently() if not rec.bot else None,
        bot_info_version=1 if rec.bot else None,
    )


def chat(rec: ChatRec, *, forbidden: bool = False, with_count: bool = True) -> T.TypeChat:
    if rec.kind == "group":
        return T.Chat(
            id=rec.id,
            title=rec.title,
            photo=T.ChatPhotoEmpty(),
            participants_count=rec.participants_count,
            date=rec.date,
            version=1,
            creator=rec.creator,
        )
    if forbidden:
        return T.ChannelForbidden(
            rec.id,
            rec.access_hash,
            rec.title,
            broadcast=rec.kind == "channel",
            megagroup=rec.kind == "supergroup",
        )
    return T.Channel(
        id=rec.id,
        title=rec.title,
        photo=T.ChatPhotoEmpty(),
        date=rec.date,
        creator=rec.creator,
        broadcast=rec.kind == "channel",
        megagroup=rec.kind == "supergroup",
        verified=rec.verified,
        signatures=rec.signatures,
        access_hash=rec.access_hash,
        username=rec.username,
        participants_count=rec.participants_count if with_count else None,
        forum=rec.forum or None,
    )


def file_reference(world: World, media_id: int, epoch: int) -> bytes:
    """References change when the sim expires them (see ``expire_file_references``)."""
    return hash_int(world.seed, "fileref", media_id, epoch, bits=128).to_bytes(16, "big")


def media(world: World, rec: MediaRec, epoch: int) -> T.TypeMessageMedia:
    ref = file_reference(world, rec.id, epoch)
    if rec.kind == "photo":
        sizes: list[T.TypePhotoSize] = [
            T.PhotoSize("m", 320, 180, rec.thumb_size),
            T.PhotoSize("x", rec.width, rec.height, rec.size),
        ]
        photo = T.Photo(rec.id, rec.access_hash, ref, rec.date, sizes, rec.dc_id)
        return T.MessageMediaPhoto(photo=photo)
    attrs: list[T.TypeDocumentAttribute] = []
    if rec.kind == "video":
        attrs.append(
            T.DocumentAttributeVideo(rec.duration, rec.width, rec.height, supports_streaming=True)
        )
    elif rec.kind == "voice":
        attrs.append(T.DocumentAttributeAudio(rec.duration, voice=True))
    elif rec.kind == "sticker":
        attrs.append(T.DocumentAttributeImageSize(rec.width, rec.height))
        attrs.append(T.DocumentAttributeSticker("🙂", T.InputStickerSetEmpty()))
    elif rec.kind in ("gif", "round"):
        round_message = rec.kind == "round" or None
        attrs.append(
            T.DocumentAttributeVideo(
                rec.duration, rec.width, rec.height, round_message=round_message
            )
        )
        if rec.kind == "gif":
            attrs.append(T.DocumentAttributeAnimated())
    elif rec.kind == "audio":
        attrs.append(T.DocumentAttributeAudio(rec.duration, title="Sim Song", performer="Sim Band"))
    if rec.filename:
        attrs.append(T.DocumentAttributeFilename(rec.filename))
    doc = T.Document(
        rec.id, rec.access_hash, ref, rec.date, rec.mime_type, rec.size, rec.dc_id, attrs
    )
    return T.MessageMediaDocument(
        document=doc,
        video=rec.kind in ("video", "gif", "round") or None,
        voice=rec.kind == "voice" or None,
        round=rec.kind == "round" or None,
    )


def message(world: World, rec: MessageRec, epoch: int) -> T.Message | T.MessageService:
    if rec.extra is not None:
        from .rich_tl import rich_message

        return rich_message(world, rec, epoch)
    fwd = None
    if rec.fwd is not None:
        fwd = T.MessageFwdHeader(
            date=rec.fwd.date,
            from_id=peer(rec.fwd.from_id) if rec.fwd.from_id is not None else None,
            from_name=rec.fwd.from_name,
            channel_post=rec.fwd.channel_post,
            post_author=rec.fwd.post_author,
        )
    is_channel = rec.peer_id <= -CHANNEL_MARK and world.dialog(rec.peer_id).kind == "channel"
    return T.Message(
        id=rec.id,
        peer_id=peer(rec.peer_id),  # type: ignore[arg-type]
        date=rec.date,
        message=rec.text,
        out=rec.out,
        post=is_channel or None,
        from_id=peer(rec.sender_id) if rec.sender_id is not None else None,  # type: ignore[arg-type]
        fwd_from=fwd,
        reply_to=T.MessageReplyHeader(reply_to_msg_id=rec.reply_to) if rec.reply_to else None,
        media=media(world, rec.media, epoch) if rec.media is not None else None,  # type: ignore[arg-type]
        views=rec.views,
        forwards=rec.views // 50 if rec.views is not None else None,  # TL: both or neither
        edit_date=rec.edit_date,
        post_author=rec.post_author,
    )


def notify_settings(dialog: DialogRec) -> T.PeerNotifySettings:
    return T.PeerNotifySettings(
        show_previews=True, silent=False, mute_until=_MUTE_FOREVER if dialog.muted else None
    )


def dialog(world: World, rec: DialogRec) -> T.Dialog:
    hist = world.history(rec.peer_id)
    unread = min(rec.unread_count, hist.count)
    ids = hist.ids()
    read_inbox = ids[hist.count - unread - 1] if hist.count > unread else 0
    return T.Dialog(
        peer=peer(rec.peer_id),
        top_message=hist.top_id,
        read_inbox_max_id=read_inbox,
        read_outbox_max_id=hist.top_id,
        unread_count=unread,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=notify_settings(rec),
        pinned=rec.pinned or None,
        pts=world.pts_log(rec.peer_id).pts if rec.peer_id <= -CHANNEL_MARK else None,
        folder_id=1 if rec.archived else None,
    )


def folder(world: World, rec: FolderRec) -> T.DialogFilter:
    def peers(ids: list[int]) -> list[T.TypeInputPeer]:
        return [input_peer(world, p) for p in ids]

    return T.DialogFilter(
        id=rec.id,
        title=T.TextWithEntities(rec.title, []),
        pinned_peers=peers(rec.pinned_peers),
        include_peers=peers([p for p in rec.include_peers if p not in rec.pinned_peers]),
        exclude_peers=peers(rec.exclude_peers),
        contacts=rec.contacts or None,
        non_contacts=rec.non_contacts or None,
        groups=rec.groups or None,
        broadcasts=rec.broadcasts or None,
        bots=rec.bots or None,
        exclude_muted=rec.exclude_muted or None,
        exclude_read=rec.exclude_read or None,
        exclude_archived=rec.exclude_archived or None,
        emoticon=rec.emoticon,
    )


def entities_for(
    world: World,
    messages: list[MessageRec],
    extra_peers: Sequence[int] = (),
    denied: AbstractSet[int] = frozenset(),
    with_counts: bool = True,
) -> tuple[list[T.TypeUser], list[T.TypeChat]]:
    """Users and chats mentioned by messages (peers, senders, forward sources)."""
    ids: set[int] = set(extra_peers)
    for m in messages:
        ids.add(m.peer_id)
        if m.sender_id is not None:
            ids.add(m.sender_id)
        if m.fwd is not None and m.fwd.from_id is not None:
            ids.add(m.fwd.from_id)
        if m.extra is not None:
            ids.update(m.extra.peers())
    users: list[T.TypeUser] = []
    chats: list[T.TypeChat] = []
    for pid in sorted(ids):
        try:
            ent = world.entity(pid)
        except KeyError:
            continue
        if isinstance(ent, UserRec):
            users.append(user(ent))
        else:
            chats.append(chat(ent, forbidden=pid in denied, with_count=with_counts))
    return users, chats
