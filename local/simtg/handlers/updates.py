"""updates.getState, updates.getDifference and updates.getChannelDifference.

Answers are computed from the pts sequences (``local.simtg.pts``): a client holding the
pts of its last look gets the new messages (as they are now), edits and deletions since,
in pts order and in slices; a pts older than the sim's window gets *TooLong*, as from
Telegram. Messages appear in their current state: a message posted and then edited in
the same slice comes once, edited; one posted and then deleted comes only as a deletion.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..errors import RpcFault
from ..models import MessageRec
from ..pts import PtsEvent, PtsLog
from ..world import World
from .base import Ctx, handles
from .peers import resolve_channel

#: Seconds a client should wait before asking a channel again (Telegram sends one too).
_CHANNEL_TIMEOUT = 30
#: Ordinary accounts may ask for at most this many channel updates per call.
_CHANNEL_LIMIT_MAX = 100


def _stamp(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _state(log: PtsLog) -> T.updates.State:
    return T.updates.State(pts=log.pts, qts=0, date=_stamp(log.date), seq=1, unread_count=0)


def _check(log: PtsLog, pts: int) -> None:
    if pts <= 0 or pts > log.pts:
        raise RpcFault(400, "PERSISTENT_TIMESTAMP_INVALID")


def _current(world: World, events: list[PtsEvent]) -> tuple[list[MessageRec], list[Any]]:
    """(new messages as they are now, edit/delete events still to report), in pts order."""
    gone = {(e.peer_id, e.msg_id) for e in events if e.kind == "delete"}
    fresh = {(e.peer_id, e.msg_id) for e in events if e.kind == "new"}
    last_edit = {(e.peer_id, e.msg_id): e.pts for e in events if e.kind == "edit"}
    new: list[MessageRec] = []
    rest: list[Any] = []
    for e in events:
        key = (e.peer_id, e.msg_id)
        if e.kind == "new" and key not in gone:
            rec = world.history(e.peer_id).get(e.msg_id)
            if rec is not None:
                new.append(rec)
        elif e.kind == "delete" or (
            key not in gone and key not in fresh and last_edit[key] == e.pts
        ):
            rest.append(e)
    return new, rest


@handles(F.updates.GetStateRequest)
def get_state(ctx: Ctx, req: Any) -> T.updates.State:
    return _state(ctx.world.account_pts())


@handles(F.updates.GetDifferenceRequest)
def get_difference(ctx: Ctx, req: Any) -> Any:
    """The account's changes (private chats, basic groups, Saved Messages) since req.pts."""
    world, log = ctx.world, ctx.world.account_pts()
    _check(log, req.pts)
    if not log.known(req.pts) or log.pts - req.pts > ctx.sim.difference_window:
        return T.updates.DifferenceTooLong(pts=log.pts)
    events = log.since(req.pts)
    if not events:
        return T.updates.DifferenceEmpty(date=_stamp(log.date), seq=1)
    size = ctx.sim.difference_slice
    if req.pts_total_limit:
        size = min(size, req.pts_total_limit)
    batch = events[:size]
    new, rest = _current(world, batch)
    epoch = ctx.sim.file_ref_epoch
    others: list[Any] = []
    for e in rest:
        if e.kind == "delete":
            others.append(T.UpdateDeleteMessages(messages=[e.msg_id], pts=e.pts, pts_count=1))
        else:
            rec = world.history(e.peer_id).get(e.msg_id)
            assert rec is not None
            others.append(
                T.UpdateEditMessage(tl.message(world, rec, epoch), pts=e.pts, pts_count=1)
            )
    edited = [world.history(e.peer_id).get(e.msg_id) for e in rest if e.kind == "edit"]
    users, chats = tl.entities_for(world, [*new, *(r for r in edited if r)], [], ctx.sim.denied)
    messages = [tl.message(world, m, epoch) for m in new]
    state = T.updates.State(
        pts=batch[-1].pts, qts=0, date=_stamp(batch[-1].at), seq=1, unread_count=0
    )
    if len(batch) < len(events):
        return T.updates.DifferenceSlice(messages, [], others, chats, users, state)
    return T.updates.Difference(messages, [], others, chats, users, state)


@handles(F.updates.GetChannelDifferenceRequest)
def get_channel_difference(ctx: Ctx, req: Any) -> Any:
    """One channel's (or supergroup's) changes since req.pts, at most req.limit of them."""
    chat = resolve_channel(ctx, req.channel)
    world, peer_id = ctx.world, chat.peer_id
    log = world.pts_log(peer_id)
    if req.limit <= 0:
        raise RpcFault(400, "LIMIT_INVALID")
    _check(log, req.pts)
    epoch = ctx.sim.file_ref_epoch
    if not log.known(req.pts) or log.pts - req.pts > ctx.sim.difference_window:
        hist = world.history(peer_id)
        recent = hist.page(limit=min(req.limit, _CHANNEL_LIMIT_MAX))
        users, chats = tl.entities_for(world, recent, [peer_id], ctx.sim.denied)
        return T.updates.ChannelDifferenceTooLong(
            dialog=tl.dialog(world, world.dialog(peer_id)),
            messages=[tl.message(world, m, epoch) for m in recent],
            chats=chats,
            users=users,
            final=True,
            timeout=_CHANNEL_TIMEOUT,
        )
    events = log.since(req.pts)
    if not events:
        return T.updates.ChannelDifferenceEmpty(pts=log.pts, final=True, timeout=_CHANNEL_TIMEOUT)
    batch = events[: min(req.limit, _CHANNEL_LIMIT_MAX)]
    new, rest = _current(world, batch)
    hist = world.history(peer_id)
    others: list[Any] = []
    edited: list[MessageRec] = []
    for e in rest:
        if e.kind == "delete":
            others.append(
                T.UpdateDeleteChannelMessages(chat.id, [e.msg_id], pts=e.pts, pts_count=1)
            )
        else:
            rec = hist.get(e.msg_id)
            assert rec is not None
            edited.append(rec)
            others.append(
                T.UpdateEditChannelMessage(tl.message(world, rec, epoch), pts=e.pts, pts_count=1)
            )
    users, chats = tl.entities_for(world, [*new, *edited], [peer_id], ctx.sim.denied)
    return T.updates.ChannelDifference(
        pts=batch[-1].pts,
        new_messages=[tl.message(world, m, epoch) for m in new],
        other_updates=others,
        chats=chats,
        users=users,
        final=len(batch) == len(events),
        timeout=_CHANNEL_TIMEOUT,
    )
