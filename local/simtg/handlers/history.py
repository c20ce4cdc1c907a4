"""messages.getHistory, messages.getMessages and channels.getMessages."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..models import MessageRec
from ..world import COMMON_KINDS
from .base import Ctx, handles
from .peers import resolve_channel, resolve_peer

_MAX_LIMIT = 100


def _pack(ctx: Ctx, msgs: list[MessageRec], peers: list[int]) -> tuple[list[Any], list, list]:
    users, chats = tl.entities_for(ctx.world, msgs, peers, ctx.sim.denied)
    epoch = ctx.sim.file_ref_epoch
    return [tl.message(ctx.world, m, epoch) for m in msgs], chats, users


@handles(F.messages.GetHistoryRequest)
def get_history(ctx: Ctx, req: Any) -> Any:
    peer_id = resolve_peer(ctx, req.peer)
    world = ctx.world
    if not world.has_dialog(peer_id):
        return T.messages.Messages([], [], [], [])
    hist = world.history(peer_id)
    msgs = hist.page(
        offset_id=req.offset_id,
        offset_date=req.offset_date,
        add_offset=req.add_offset,
        limit=min(req.limit, _MAX_LIMIT),
        max_id=req.max_id,
        min_id=req.min_id,
    )
    messages, chats, users = _pack(ctx, msgs, [peer_id])
    if world.dialog(peer_id).kind not in COMMON_KINDS:
        return T.messages.ChannelMessages(
            pts=world.pts_log(peer_id).pts,
            count=hist.count,
            messages=messages,
            topics=[],
            chats=chats,
            users=users,
        )
    if len(msgs) == hist.count:
        return T.messages.Messages(messages, [], chats, users)
    return T.messages.MessagesSlice(hist.count, messages, [], chats, users)


def _wanted_ids(ids: list[Any]) -> list[int | None]:
    return [x.id if isinstance(x, T.InputMessageID) else None for x in ids]


@handles(F.messages.GetMessagesRequest)
def get_messages(ctx: Ctx, req: Any) -> T.messages.Messages:
    """Ids are account-wide for private chats and basic groups, so search all of them."""
    world = ctx.world
    commons = [d.peer_id for d in world.dialogs if d.kind in COMMON_KINDS]
    out: list[Any] = []
    found: list[MessageRec] = []
    for msg_id in _wanted_ids(req.id):
        rec = None
        if msg_id is not None:
            rec = next((m for p in commons if (m := world.history(p).get(msg_id))), None)
        if rec is None:
            out.append(T.MessageEmpty(id=msg_id or 0, peer_id=None))
        else:
            found.append(rec)
            out.append(rec)
    messages, chats, users = _pack(ctx, found, [])
    it = iter(messages)
    return T.messages.Messages(
        [m if isinstance(m, T.MessageEmpty) else next(it) for m in out], [], chats, users
    )


@handles(F.channels.GetMessagesRequest)
def get_channel_messages(ctx: Ctx, req: Any) -> T.messages.ChannelMessages:
    chat = resolve_channel(ctx, req.channel)
    hist = ctx.world.history(chat.peer_id)
    wanted = _wanted_ids(req.id)
    recs = [hist.get(i) if i is not None else None for i in wanted]
    found = [r for r in recs if r is not None]
    messages, chats, users = _pack(ctx, found, [chat.peer_id])
    it = iter(messages)
    out = [
        next(it) if r is not None else T.MessageEmpty(id=i or 0, peer_id=None)
        for r, i in zip(recs, wanted, strict=True)
    ]
    return T.messages.ChannelMessages(
        pts=ctx.world.pts_log(chat.peer_id).pts,
        count=len(out),
        messages=out,
        topics=[],
        chats=chats,
        users=users,
    )
