"""Parsing the history date range (UTC, second precision) into epoch-second bounds.

`start_date`/`end_date` are `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` ('T' is accepted as the
separator too), always UTC. A date-only `end_date` means the END of that day (23:59:59),
so `start_date=2024-01-01&end_date=2024-01-31` is all of January. Both bounds are
inclusive. No `start_date` means the beginning of the chat, no `end_date` means now.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from tgscraper.errors import BadRequest

DEFAULT_CHUNK_SIZE = 100
MAX_CHUNK_SIZE = 1000
"""Upper bound of chunk_size: one frame stays well under a few hundred KB."""

# ASCII digits only (re.ASCII): `\d` alone also matches Arabic-Indic and other digits.
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$", re.ASCII)
_MAX_EPOCH = 253402300799  # 9999-12-31 23:59:59
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class HistoryRange:
    """Inclusive epoch-second bounds; `after_id` skips messages of the `start` second
    whose id is <= after_id (continuation of a walk stopped inside one second)."""

    start: int
    end: int
    after_id: int = 0
    before_id: int = 0
    """reverse=true continuation: skip messages of the `end` second whose id is >=
    before_id (0: none skipped)."""

    @property
    def empty(self) -> bool:
        """A start_date after now (no end_date): no message can be in the range."""
        return self.start > self.end


def _parse(value: str, *, name: str, end_of_day: bool) -> int:
    match = _DATE_RE.fullmatch(value.strip())
    if match is None:
        raise BadRequest(
            f"Invalid query parameter '{name}': use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)"
        )
    y, mo, d, h, mi, s = match.groups()
    has_time = h is not None
    try:
        moment = datetime(
            int(y),
            int(mo),
            int(d),
            int(h) if has_time else (23 if end_of_day else 0),
            int(mi) if has_time else (59 if end_of_day else 0),
            int(s) if has_time else (59 if end_of_day else 0),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise BadRequest(f"Invalid query parameter '{name}': {exc}") from None
    return int(moment.timestamp())


def parse_range(
    start_date: str | None,
    end_date: str | None,
    *,
    after_id: int | None = None,
    before_id: int | None = None,
    now: int | None = None,
) -> HistoryRange:
    """The validated range; BadRequest naming the parameter otherwise."""
    start = 0 if start_date is None else _parse(start_date, name="start_date", end_of_day=False)
    if end_date is None:
        end = int(time.time()) if now is None else now
    else:
        end = _parse(end_date, name="end_date", end_of_day=True)
    # Telegram has no messages before 1970; dates before it simply mean "from the start".
    start = max(start, 0)
    end = min(end, _MAX_EPOCH)
    if end_date is not None and (end < 0 or start > end):
        raise BadRequest("Invalid date range: start_date is after end_date")
    # No end_date means "up to now": a start_date in the future is a range that holds no
    # message yet (an empty stream, only the end event), not a contradiction.
    if after_id is not None:
        if after_id < 0:
            raise BadRequest("Invalid query parameter 'after_id': must be >= 0")
        if start_date is None:
            raise BadRequest("Invalid query parameter 'after_id': only valid with start_date")
    if before_id is not None:
        if before_id < 1:
            raise BadRequest("Invalid query parameter 'before_id': must be >= 1")
        if end_date is None:
            raise BadRequest("Invalid query parameter 'before_id': only valid with end_date")
    return HistoryRange(start, end, after_id or 0, before_id or 0)


def parse_last_event_id(value: str | None) -> int:
    """The `Last-Event-ID` request header: the id of the last chunk a client received
    (its last message id); 0 without one. BadRequest if it is not such an id."""
    if value is None or not value.strip():
        return 0  # SSE: an empty id means "no last event"
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > _MAX_ID:
        raise BadRequest(
            "Invalid header 'Last-Event-ID': must be the id of a received chunk "
            "(a message id, a non-negative integer)"
        )
    return int(text)


def check_chunk_size(chunk_size: int) -> int:
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BadRequest(
            f"Invalid query parameter 'chunk_size': must be between 1 and {MAX_CHUNK_SIZE}"
        )
    return chunk_size


def format_date(epoch: int) -> str:
    """The spec's message date: 'YYYY-MM-DD HH:MM:SS' (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
