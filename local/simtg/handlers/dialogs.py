"""messages.getDialogs (offset paging, folders) and messages.getDialogFilters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telethon.tl import functions as F
from telethon.tl import types as T

from .. import tl
from ..content import dt_to_ts
from ..errors import RpcFault
from ..models import DialogRec, MessageRec
from ..world import World
from .base import Ctx, handles
from .peers import resolve_peer

_MAX_LIMIT = 100


def _order_key(world: World, d: DialogRec) -> tuple[int, int, int]:
    last = world.history(d.peer_id).last()
    return (dt_to_ts(last.date) if last else 0, last.id if last else 0, d.peer_id)


def ordered_dialogs(ctx: Ctx, folder_id: int | None, exclude_pinned: bool) -> list[DialogRec]:
    """Dialogs as Telegram lists them: pinned first (in pin order), then newest first."""
    world = ctx.world
    pool = [
        d
        for d in world.dialogs
        if d.peer_id not in ctx.sim.denied and (folder_id is None or d.folder_id == folder_id)
    ]
    pinned = [] if exclude_pinned else [d for d in pool if d.pinned]
    rest = sorted(
        (d for d in pool if not d.pinned), key=lambda d: _order_key(world, d), reverse=True
    )
    return pinned + rest


def _start(ctx: Ctx, dialogs: list[DialogRec], req: Any) -> int:
    if req.offset_peer is not None and not isinstance(req.offset_peer, T.InputPeerEmpty):
        try:
            peer_id = resolve_peer(ctx, req.offset_peer)
        except RpcFault:  # a stale offset peer just means "from the top"
            peer_id = None
        for i, d in enumerate(dialogs):
            if d.peer_id == peer_id:
                return i + 1
    offset: datetime | None = req.offset_date
    if offset is not None and dt_to_ts(offset) > 0:
        limit_ts = dt_to_ts(offset)
        for i, d in enumerate(dialogs):
            if _order_key(ctx.world, d)[0] <= limit_ts and not d.pinned:
                return i
        return len(dialogs)
    return 0


@handles(F.messages.GetDialogsRequest)
def get_dialogs(ctx: Ctx, req: Any) -> Any:
    world = ctx.world
    folder = req.folder_id
    total_pool = ordered_dialogs(ctx, folder, exclude_pinned=False)
    dialogs = ordered_dialogs(ctx, folder, exclude_pinned=bool(req.exclude_pinned))
    start = _start(ctx, dialogs, req)
    page = dialogs[start : start + max(0, min(req.limit, _MAX_LIMIT))]
    tops: list[MessageRec] = [m for m in (world.history(d.peer_id).last() for d in page) if m]
    users, chats = tl.entities_for(
        world, tops, [d.peer_id for d in page], with_counts=ctx.sim.channel_counts_in_dialogs
    )
    epoch = ctx.sim.file_ref_epoch
    args = (
        [tl.dialog(world, d) for d in page],
        [tl.message(world, m, epoch) for m in tops],
        chats,
        users,
    )
    if start == 0 and len(page) == len(total_pool):
        return T.messages.Dialogs(*args)
    return T.messages.DialogsSlice(len(total_pool), *args)


@handles(F.messages.GetPeerDialogsRequest)
def get_peer_dialogs(ctx: Ctx, req: Any) -> T.messages.PeerDialogs:
    world = ctx.world
    found = []
    for item in req.peers:
        peer_id = resolve_peer(ctx, item.peer)
        if world.has_dialog(peer_id):
            found.append(world.dialog(peer_id))
    tops = [m for m in (world.history(d.peer_id).last() for d in found) if m]
    users, chats = tl.entities_for(world, tops, [d.peer_id for d in found])
    epoch = ctx.sim.file_ref_epoch
    return T.messages.PeerDialogs(
        [tl.dialog(world, d) for d in found],
        [tl.message(world, m, epoch) for m in tops],
        chats,
        users,
        T.updates.State(pts=1, qts=0, date=datetime.now().astimezone(), seq=1, unread_count=0),
    )


@handles(F.messages.GetDialogFiltersRequest)
def get_dialog_filters(ctx: Ctx, req: Any) -> T.messages.DialogFilters:
    # Telegram lists the "All chats" pseudo-folder as DialogFilterDefault.
    filters: list[T.TypeDialogFilter] = [T.DialogFilterDefault()]
    filters.extend(tl.folder(ctx.world, f) for f in ctx.world.folders)
    return T.messages.DialogFilters(filters=filters, tags_enabled=False)
