"""Compact, lazily materialised message history of one dialog.

Only two ``array('q')`` columns are stored (ids and unix dates, both ascending);
generated messages are rebuilt from ``content.build_message`` on access.
Messages added, edited or deleted through the controls live in small overlays.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from .content import ContentContext, build_message, dt_to_ts
from .models import MessageRec

_REPLY_WINDOW = 20  # replies point at one of the previous N messages


class History:
    """Messages of one dialog, ascending by id (dates never decrease with ids)."""

    def __init__(self, ctx: ContentContext, ids: array, dates: array) -> None:
        self.ctx = ctx
        self._ids = ids
        self._dates = dates
        # Generated content (reply targets) is derived from the ids as generated, so
        # deleting or adding messages later never changes other messages.
        self._gen_ids = ids
        self._explicit: dict[int, MessageRec] = {}  # added through controls
        self._edits: dict[int, tuple[str, datetime]] = {}

    @property
    def count(self) -> int:
        return len(self._ids)

    @property
    def top_id(self) -> int:
        return self._ids[-1] if self._ids else 0

    def ids(self) -> array:
        return self._ids

    def at(self, index: int) -> MessageRec:
        msg_id = self._ids[index]
        rec = self._explicit.get(msg_id)
        if rec is None:
            gi = bisect_left(self._gen_ids, msg_id)
            prev = list(self._gen_ids[max(0, gi - _REPLY_WINDOW) : gi])
            rec = build_message(self.ctx, msg_id, self._dates[index], prev)
        edit = self._edits.get(msg_id)
        if edit is not None:
            rec = replace(rec, text=edit[0], edit_date=edit[1])
        return rec

    def index_of(self, msg_id: int) -> int | None:
        i = bisect_left(self._ids, msg_id)
        return i if i < len(self._ids) and self._ids[i] == msg_id else None

    def get(self, msg_id: int) -> MessageRec | None:
        i = self.index_of(msg_id)
        return None if i is None else self.at(i)

    def last(self) -> MessageRec | None:
        return self.at(len(self._ids) - 1) if self._ids else None

    def __iter__(self) -> Iterator[MessageRec]:
        return (self.at(i) for i in range(len(self._ids)))

    # -- mutations (controls) -------------------------------------------------

    def _own_columns(self) -> None:
        """Copy-on-write: the first mutation detaches the live columns from the generated ids."""
        if self._ids is self._gen_ids:
            self._ids = array("q", self._ids)

    def append(self, rec: MessageRec) -> None:
        self._own_columns()
        if self._ids and rec.id <= self._ids[-1]:
            raise ValueError("new message ids must increase")
        self._ids.append(rec.id)
        self._dates.append(max(dt_to_ts(rec.date), self._dates[-1] if self._dates else 0))
        self._explicit[rec.id] = rec

    def edit(self, msg_id: int, text: str, when: datetime) -> MessageRec:
        if self.index_of(msg_id) is None:
            raise KeyError(msg_id)
        self._edits[msg_id] = (text, when)
        rec = self.get(msg_id)
        assert rec is not None
        return rec

    def delete(self, msg_id: int) -> None:
        i = self.index_of(msg_id)
        if i is None:
            raise KeyError(msg_id)
        self._own_columns()
        del self._ids[i]
        del self._dates[i]
        self._explicit.pop(msg_id, None)
        self._edits.pop(msg_id, None)

    # -- Telegram paging ------------------------------------------------------

    def page(
        self,
        *,
        offset_id: int = 0,
        offset_date: datetime | None = None,
        add_offset: int = 0,
        limit: int = 100,
        max_id: int = 0,
        min_id: int = 0,
    ) -> list[MessageRec]:
        """Newest-first slice with ``messages.getHistory`` semantics.

        The history is first restricted to ``min_id < id < max_id``; the start
        position is the first message older than ``offset_id`` (or, without an
        offset id, sent before ``offset_date``), moved by ``add_offset``
        (negative values reach newer messages, as Telethon's ``reverse`` uses).
        """
        ids = self._ids
        lo = bisect_right(ids, min_id) if min_id else 0
        hi = bisect_left(ids, max_id) if max_id else len(ids)
        if hi <= lo or limit <= 0:
            return []
        if offset_id:
            cut = bisect_left(ids, offset_id)
        elif offset_date is not None and dt_to_ts(offset_date) > 0:  # TL sends "none" as 0
            cut = bisect_left(self._dates, dt_to_ts(offset_date))
        else:
            cut = hi
        cut = min(max(cut, lo), hi)
        start = (hi - cut) + add_offset
        end = min(start + limit, hi - lo)
        start = max(start, 0)
        return [self.at(hi - 1 - p) for p in range(start, end)]
