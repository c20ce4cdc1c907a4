"""One updates.getChannelDifference / updates.getDifference call, reduced to what it means
for one dialog: its messages as they are now (new or edited), the ids deleted, and where
the sequence stands afterwards.

Account-wide differences carry every private chat's and basic group's changes; only this
dialog's messages are kept. Deletions there name account-wide ids without a dialog, so
they are all returned and matched against this dialog's cache (ids are unique across the
account's private chats and basic groups, so no other dialog's message can match).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telethon import utils
from telethon.tl import functions, types

from tgscraper.history.fetcher import translate
from tgscraper.history.record import MessageRecord, to_record

CHANNEL_LIMIT = 100
"""Updates asked for per getChannelDifference (Telegram's maximum for user accounts)."""

_NEW = (types.UpdateNewMessage, types.UpdateNewChannelMessage)
_EDIT = (types.UpdateEditMessage, types.UpdateEditChannelMessage)


@dataclass
class Batch:
    records: list[MessageRecord] = field(default_factory=list)
    """New messages (as they are now)."""
    edits: list[MessageRecord] = field(default_factory=list)
    edit_dates: dict[int, int] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)
    pts: int = 0
    qts: int = 0
    date: int = 0
    final: bool = True
    too_long: bool = False


def _epoch(value: datetime | None) -> int:
    return int(value.timestamp()) if value is not None else 0


class _Reader:
    def __init__(self, owner: str, dialog_id: int, result: Any) -> None:
        self.owner, self.dialog_id = owner, dialog_id
        self.entities = {
            int(utils.get_peer_id(e)): e for e in itertools.chain(result.users, result.chats)
        }
        self.batch = Batch()

    def message(self, message: Any, *, edit: bool = False) -> None:
        if isinstance(message, types.MessageEmpty) or message.peer_id is None:
            return
        if utils.get_peer_id(message.peer_id) != self.dialog_id:
            return
        record = to_record(self.owner, self.dialog_id, message, self.entities)
        if record is not None:
            (self.batch.edits if edit else self.batch.records).append(record)
            if getattr(message, "edit_date", None) is not None:
                self.batch.edit_dates[record.id] = _epoch(message.edit_date)

    def updates(self, updates: list[Any], channel_id: int | None) -> None:
        for update in updates:
            if isinstance(update, _NEW + _EDIT):
                self.message(update.message, edit=isinstance(update, _EDIT))
            elif isinstance(update, types.UpdateDeleteChannelMessages):
                if update.channel_id == channel_id:
                    self.batch.deleted.extend(update.messages)
            elif isinstance(update, types.UpdateDeleteMessages) and channel_id is None:
                self.batch.deleted.extend(update.messages)


async def _call(client: Any, request: Any, dialog_id: int) -> Any:
    try:
        return await client(request)
    except Exception as exc:
        raise translate(exc, dialog_id) from exc


async def channel_batch(client: Any, peer: Any, owner: str, dialog_id: int, pts: int) -> Batch:
    request = functions.updates.GetChannelDifferenceRequest(
        channel=peer, filter=types.ChannelMessagesFilterEmpty(), pts=pts, limit=CHANNEL_LIMIT
    )
    result = await _call(client, request, dialog_id)
    if isinstance(result, types.updates.ChannelDifferenceEmpty):
        return Batch(pts=result.pts)
    if isinstance(result, types.updates.ChannelDifferenceTooLong):
        return Batch(pts=int(getattr(result.dialog, "pts", 0) or 0), too_long=True)
    reader = _Reader(owner, dialog_id, result)
    for message in result.new_messages:
        reader.message(message)
    reader.updates(result.other_updates, getattr(peer, "channel_id", None))
    reader.batch.pts, reader.batch.final = result.pts, bool(result.final)
    return reader.batch


async def account_state(client: Any, dialog_id: int) -> Batch:
    state = await _call(client, functions.updates.GetStateRequest(), dialog_id)
    return Batch(pts=state.pts, qts=state.qts, date=_epoch(state.date))


async def account_batch(
    client: Any, owner: str, dialog_id: int, pts: int, qts: int, date: int
) -> Batch:
    request = functions.updates.GetDifferenceRequest(
        pts=pts, date=datetime.fromtimestamp(date or 1, UTC), qts=qts
    )
    result = await _call(client, request, dialog_id)
    if isinstance(result, types.updates.DifferenceEmpty):
        return Batch(pts=pts, qts=qts, date=_epoch(result.date) or date)
    if isinstance(result, types.updates.DifferenceTooLong):
        return Batch(pts=result.pts, too_long=True)
    reader = _Reader(owner, dialog_id, result)
    for message in result.new_messages:
        reader.message(message)
    reader.updates(result.other_updates, None)
    slice_ = isinstance(result, types.updates.DifferenceSlice)
    state = result.intermediate_state if slice_ else result.state
    batch = reader.batch
    batch.pts, batch.qts, batch.date = state.pts, state.qts, _epoch(state.date)
    batch.final = not slice_
    return batch
