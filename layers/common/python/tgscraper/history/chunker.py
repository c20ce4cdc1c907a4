"""Groups messages into SSE chunks of chunk_size, within the response budget, and knows
where a stopped response must continue."""

from __future__ import annotations

import calendar
import time
from typing import Any

from tgscraper.history.dates import HistoryRange, format_date
from tgscraper.history.limits import Budget
from tgscraper.history.record import MessageRecord
from tgscraper.history.sse import messages_frame
from tgscraper.history.store import message_id_of


class BudgetSpent(Exception):
    """The response budget is spent: end with a continuation event."""


def _sk_date(sk: str) -> int:
    return calendar.timegm(time.strptime(sk[:19], "%Y-%m-%dT%H:%M:%S"))


class Chunker:
    def __init__(self, chunk_size: int, budget: Budget, rng: HistoryRange) -> None:
        self._size = chunk_size
        self._budget = budget
        self._range = rng
        self._pending: list[str] = []
        self._last: MessageRecord | str | None = None
        """The last message taken: a fetched record, or a cached message's sort key."""

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def add(self, message_json: str, position: MessageRecord | str) -> bytes | None:
        """Take one message; a full chunk comes back as a frame. Raises BudgetSpent."""
        # The first message of a response is always admitted: every response makes
        # progress, so following continuations always ends.
        if self._budget.limited and not self._budget.admit(message_json) and self._last is not None:
            raise BudgetSpent
        self._pending.append(message_json)
        self._last = position
        if len(self._pending) >= self._size:
            return self.flush()
        return None

    def flush(self) -> bytes:
        frame = messages_frame(self._pending)
        self._pending = []
        return frame

    def continuation(self) -> dict[str, Any]:
        """Where the next request starts: just after the last message taken."""
        rng = self._range
        last = self._last
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
