"""The validated parameters of a message search; BadRequest names the parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from tgscraper.errors import BadRequest

Source = Literal["telegram", "cache"]
MAX_LIMIT = 100
"""Telegram's page maximum for messages.search / messages.searchGlobal."""

#: API filter names, in the order the docs list them.
FILTER_NAMES = (
    "photo",
    "video",
    "photo_video",
    "document",
    "url",
    "gif",
    "voice",
    "music",
    "round",
    "round_voice",
    "pinned",
    "mentions",
    "poll",
    "geo",
    "contacts",
    "chat_photos",
    "phone_calls",
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$", re.ASCII)


def parse_date(value: str | None, name: str, *, end_of_day: bool) -> int | None:
    """Epoch seconds of YYYY-MM-DD[ HH:MM:SS] (UTC); a date-only max_date is the whole day."""
    if value is None:
        return None
    match = _DATE_RE.fullmatch(value.strip())
    if match is None:
        raise BadRequest(
            f"Invalid query parameter '{name}': use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)"
        )
    y, mo, d, h, mi, s = match.groups()
    default = (23, 59, 59) if end_of_day else (0, 0, 0)
    clock = (int(h), int(mi), int(s)) if h is not None else default
    try:
        moment = datetime(int(y), int(mo), int(d), *clock, tzinfo=UTC)
    except ValueError as exc:
        raise BadRequest(f"Invalid query parameter '{name}': {exc}") from None
    return max(int(moment.timestamp()), 0)


@dataclass(frozen=True)
class SearchQuery:
    username: str
    q: str = ""
    dialog_id: int | None = None
    from_id: int | None = None
    min_date: int | None = None
    max_date: int | None = None
    filter: str | None = None
    offset_id: int = 0
    offset_rate: int = 0
    offset_peer: int = 0
    limit: int = 50
    source: Source = "telegram"
    extended: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.limit <= MAX_LIMIT:
            raise BadRequest(f"Invalid query parameter 'limit': must be between 1 and {MAX_LIMIT}")
        if self.filter is not None and self.filter not in FILTER_NAMES:
            raise BadRequest(f"Invalid query parameter 'filter': one of {', '.join(FILTER_NAMES)}")
        if (
            self.min_date is not None
            and self.max_date is not None
            and self.min_date > self.max_date
        ):
            raise BadRequest("Invalid date range: min_date is after max_date")
        for name in ("offset_id", "offset_rate"):
            if getattr(self, name) < 0:
                raise BadRequest(f"Invalid query parameter '{name}': must be >= 0")
        if len(self.q) > 256:
            raise BadRequest("Invalid query parameter 'q': at most 256 characters")
