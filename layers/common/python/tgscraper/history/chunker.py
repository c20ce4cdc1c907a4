"""Groups messages into SSE chunks of chunk_size, within the response budget, and knows
where a stopped response must continue."""

from __future__ import annotations

import calendar
import time
from collections.abc import Sequence
from typing import Any, Protocol

from tgscraper.history.dates import HistoryRange, format_date
from tgscraper.history.limits import Budget
from tgscraper.history.record import MessageRecord
from tgscraper.history.sse import end_frame, event_frame, messages_frame
from tgscraper.history.store import message_id_of


class FrameEncoder(Protocol):
    """How a stream's chunks and events become bytes: Server-Sent Events by default
    (`SseEncoder`); an export format plugs in its own."""

    def messages(self, message_jsons: Sequence[str], last_id: int | None) -> bytes: ...

    def end(self, total: int, last_id: int | None) -> bytes: ...

    def event(self, name: str, payload: dict[str, Any]) -> bytes: ...


class SseEncoder:
    def messages(self, message_jsons: Sequence[str], last_id: int | None) -> bytes:
        return messages_frame(message_jsons, last_id)

    def end(self, total: int, last_id: int | None) -> bytes:
        return end_frame(total, last_id)

    def event(self, name: str, payload: dict[str, Any]) -> bytes:
        return event_frame(name, payload)


class BudgetSpent(Exception):
    """The response budget is spent: end with a continuation event."""


def _id_of(position: MessageRecord | str) -> int:
    return message_id_of(position) if isinstance(position, str) else position.id


def _sk_date(sk: str) -> int:
    return calendar.timegm(time.strptime(sk[:19], "%Y-%m-%dT%H:%M:%S"))


class Chunker:
    def __init__(
        self,
        chunk_size: int,
        budget: Budget,
        rng: HistoryRange,
        resume_after: int = 0,
        encoder: FrameEncoder | None = None,
        *,
        descending: bool = False,
    ) -> None:
        self._encoder: FrameEncoder = encoder or SseEncoder()
        self._descending = descending
        """reverse=true: newest first, so a resume skips ids at or ABOVE resume_after."""
        self._size = chunk_size
        self._budget = budget
        self._range = rng
        self._resume_after = resume_after
        """Last-Event-ID: messages with an id up to this one were received already."""
        self._pending: list[str] = []
        self._last: MessageRecord | str | None = None
        """The last message taken: a fetched record, or a cached message's sort key."""
        self.total = 0
        """Messages taken so far (the end event reports it)."""

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def add(self, message_json: str, position: MessageRecord | str) -> bytes | None:
        """Take one message; a full chunk comes back as a frame. Raises BudgetSpent."""
        if self._resume_after and self._received(_id_of(position)):
            # Ids grow with the date within a dialog (as the fetcher's paging assumes), so
            # every message up to that id came before it in the stream: the client has it.
            # Skipped here, not in the walk, so the walk still stores and covers them.
            return None
        # The first message of a response is always admitted: every response makes
        # progress, so following continuations always ends.
        if self._budget.limited and not self._budget.admit(message_json) and self._last is not None:
            raise BudgetSpent
        self._pending.append(message_json)
        self._last = position
        self.total += 1
        if len(self._pending) >= self._size:
            return self.flush()
        return None

    def _received(self, message_id: int) -> bool:
        if self._descending:
            return message_id >= self._resume_after
        return message_id <= self._resume_after

    def flush(self) -> bytes:
        frame = self._encoder.messages(self._pending, self.last_id)
        self._pending = []
        return frame

    @property
    def last_id(self) -> int | None:
        """Id of the last message taken (the SSE `id:` of the frame that carries it)."""
        return None if self._last is None else _id_of(self._last)

    def end(self) -> bytes:
        """The `event: end` frame of a complete stream. Its last_id is where the client
        now is: the last message sent, else the one it resumed after (Last-Event-ID or a
        continuation's after_id, whichever is later; ids grow with the date), else null."""
        last = self.last_id
        if last is None and self._descending:
            last = self._resume_after or self._range.before_id or None
        elif last is None:
            last = max(self._resume_after, self._range.after_id) or None
        return self._encoder.end(self.total, last)

    def event(self, name: str, payload: dict[str, Any]) -> bytes:
        """An `event:` frame (continue, error) in the stream's encoding."""
        return self._encoder.event(name, payload)

    def continuation(self) -> dict[str, Any]:
        """Where the next request starts: just after the last message taken."""
        rng = self._range
        last = self._last
        if self._descending:
            return self._descending_continuation()
        if last is None:
            start, after = rng.start, rng.after_id
        elif isinstance(last, str):
            start, after = _sk_date(last), message_id_of(last)
        else:
            start, after = last.date, last.id
        return {
            "next_start_date": format_date(start),
            "after_id": after,
            "end_date": format_date(rng.end),
            "detail": "Response size/time limit reached: repeat the request with "
            "start_date=next_start_date, after_id and end_date to continue",
        }

    def _descending_continuation(self) -> dict[str, Any]:
        """reverse=true: the next request ends just before the last message taken."""
        rng = self._range
        last = self._last
        if last is None:
            end, before = rng.end, rng.before_id
        elif isinstance(last, str):
            end, before = _sk_date(last), message_id_of(last)
        else:
            end, before = last.date, last.id
        return {
            "start_date": format_date(rng.start),
            "after_id": rng.after_id,
            "next_end_date": format_date(end),
            "before_id": before,
            "detail": "Response size/time limit reached: repeat the request (reverse=true) "
            "with end_date=next_end_date, before_id, start_date and after_id to continue",
        }
