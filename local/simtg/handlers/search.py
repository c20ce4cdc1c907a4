"""messages.search and messages.searchGlobal (which messages: ``simtg.search``)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..content import dt_to_ts
from ..errors import RpcFault
from ..models import MessageRec
from ..search import FILTERS, Predicate, matching, mentions
from ..world import COMMON_KINDS
from .base import Ctx, handles
from .peers import resolve_peer

_MAX_LIMIT = 100
_FILTER_NAMES: dict[type, str] = {
    T.InputMessagesFilterPhotos: "photo",
    T.InputMessagesFilterVideo: "video",
    T.InputMessagesFilterPhotoVideo: "photo_video",
    T.InputMessagesFilterDocument: "document",
    T.InputMessagesFilterUrl: "url",
    T.InputMessagesFilterGif: "gif",
    T.InputMessagesFilterVoice: "voice",
    T.InputMessagesFilterMusic: "music",
    T.InputMessagesFilterRoundVideo: "round",
    T.InputMessagesFilterRoundVoice: "round_voice",
    T.InputMessagesFilterPinned: "pinned",
    T.InputMessagesFilterPoll: "poll",
}


def _predicate(ctx: Ctx, flt: Any) -> Predicate | None:
    if isinstance(flt, T.InputMessagesFilterEmpty):
        return None
    if isinstance(flt, T.InputMessagesFilterMyMentions):
        return mentions(ctx.world.me.id, ctx.world.me.username)
    return FILTERS[_FILTER_NAMES.get(type(flt), "none")]


def _ts(value: Any) -> int:
    return dt_to_ts(value) if value is not None else 0


def _pack(ctx: Ctx, msgs: list[MessageRec]) -> tuple[list[Any], list[Any], list[Any]]:
    users, chats = tl.entities_for(ctx.world, msgs, [], ctx.sim.denied)
    epoch = ctx.sim.file_ref_epoch
    return [tl.message(ctx.world, m, epoch) for m in msgs], chats, users


@handles(F.messages.SearchRequest)
def search(ctx: Ctx, req: Any) -> Any:
    peer_id = resolve_peer(ctx, req.peer)
    world = ctx.world
    if not world.has_dialog(peer_id):
        return T.messages.Messages([], [], [], [])
    from_id = resolve_peer(ctx, req.from_id) if req.from_id is not None else None
    found = matching(
        world.history(peer_id),
        req.q,
        predicate=_predicate(ctx, req.filter),
        from_id=from_id,
        min_ts=_ts(req.min_date),
        max_ts=_ts(req.max_date),
        topic=req.top_msg_id or None,
    )
    newest = [
        m
        for m in reversed(found)
        if (not req.offset_id or m.id < req.offset_id)
        and (not req.max_id or m.id < req.max_id)
        and m.id > req.min_id
    ]
    start = max(req.add_offset, 0)
    page = newest[start : start + min(req.limit or _MAX_LIMIT, _MAX_LIMIT)]
    messages, chats, users = _pack(ctx, page)
    if world.dialog(peer_id).kind not in COMMON_KINDS:
        hist = world.history(peer_id)
        return T.messages.ChannelMessages(
            pts=hist.top_id + 1,
            count=len(found),
            messages=messages,
            topics=[],
            chats=chats,
            users=users,
        )
    return T.messages.MessagesSlice(len(found), messages, [], chats, users)


def _global_key(m: MessageRec) -> tuple[int, int, int]:
    return (int(m.date.timestamp()), m.peer_id, m.id)


@handles(F.messages.SearchGlobalRequest)
def search_global(ctx: Ctx, req: Any) -> Any:
    predicate = _predicate(ctx, req.filter)
    if not req.q and predicate is None:
        raise RpcFault(400, "SEARCH_QUERY_EMPTY")
    world = ctx.world
    found: list[MessageRec] = []
    for dialog in world.dialogs:
        if dialog.peer_id in ctx.sim.denied:
            continue
        if req.broadcasts_only and dialog.kind != "channel":
            continue
        if req.groups_only and dialog.kind not in ("group", "supergroup"):
            continue
        if req.users_only and dialog.kind not in ("user", "bot"):
            continue
        if req.folder_id is not None and dialog.folder_id != req.folder_id:
            continue
        found += matching(
            world.history(dialog.peer_id),
            req.q,
            predicate=predicate,
            min_ts=_ts(req.min_date),
            max_ts=_ts(req.max_date),
        )
    found.sort(key=_global_key, reverse=True)
    if req.offset_rate or req.offset_id:
        offset_peer = 0
        if not isinstance(req.offset_peer, T.InputPeerEmpty):
            offset_peer = resolve_peer(ctx, req.offset_peer)
        cut = (req.offset_rate, offset_peer, req.offset_id)
        rest = [m for m in found if _global_key(m) < cut]
    else:
        rest = found
    page = rest[: min(req.limit or _MAX_LIMIT, _MAX_LIMIT)]
    messages, chats, users = _pack(ctx, page)
    more = len(rest) > len(page)
    next_rate = _global_key(page[-1])[0] if more and page else None
    return T.messages.MessagesSlice(len(found), messages, [], chats, users, next_rate=next_rate)
