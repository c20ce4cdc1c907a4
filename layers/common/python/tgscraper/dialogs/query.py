"""Search parameters: validation (400 naming the parameter), filters and ordering.

Date bounds are whole UTC days: `*_after=D` keeps dates on or after D 00:00 UTC,
`*_before=D` keeps dates strictly before D 00:00 UTC (so after=2024-01-01 &
before=2024-02-01 is exactly January). A dialog without the value (no last message, no
creation date, no participant count) is dropped by any bound on it.

Ordering: `sort` and `order` when sort is given. Without sort: by fuzzy score (highest
first), then last message date (newest first) when q is given with match=fuzzy; by last
message date (newest first) otherwise. Missing values (no date, no participant count)
come last in either order; ties are broken by dialog id ascending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from tgscraper.dialogs.model import DialogRecord, DialogType
from tgscraper.errors import BadRequest
from tgscraper.numbers import looks_numeric, parse_int

SortKey = Literal["last_message", "messages", "title", "participants", "unread"]
Order = Literal["asc", "desc"]
Match = Literal["fuzzy", "exact"]

MAX_LIMIT = 500


def _day(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
        # ASCII digits only: fromisoformat's int() would take other scripts' digits.
        if len(value.strip()) != 10 or not value.strip().isascii():
            raise ValueError
    except ValueError:
        raise BadRequest(
            f"Invalid query parameter '{name}': expected a date YYYY-MM-DD, got {value!r}"
        ) from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _bounds(lo: int | None, hi: int | None, lo_name: str, hi_name: str) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise BadRequest(f"Invalid query parameters: '{lo_name}' is greater than '{hi_name}'")


@dataclass(frozen=True)
class SearchParams:
    q: str | None = None
    match: Match = "fuzzy"
    min_score: float = 0.8
    types: frozenset[DialogType] = frozenset()
    folder: str | None = None
    is_archived: bool | None = None
    min_messages: int | None = None
    max_messages: int | None = None
    min_participants: int | None = None
    max_participants: int | None = None
    last_message_after: int | None = None
    last_message_before: int | None = None
    created_after: int | None = None
    created_before: int | None = None
    is_creator: bool | None = None
    has_username: bool | None = None
    is_verified: bool | None = None
    sort: SortKey | None = None
    order: Order = "desc"
    limit: int = 50
    offset: int = 0
    refresh: bool = False

    @classmethod
    def build(
        cls,
        *,
        last_message_after: str | None = None,
        last_message_before: str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        types: list[DialogType] | None = None,
        **values: object,
    ) -> SearchParams:
        """Validated parameters (dates as YYYY-MM-DD strings); BadRequest names the culprit."""
        params = cls(
            last_message_after=_day(last_message_after, "last_message_after"),
            last_message_before=_day(last_message_before, "last_message_before"),
            created_after=_day(created_after, "created_after"),
            created_before=_day(created_before, "created_before"),
            types=frozenset(types or ()),
            **values,  # type: ignore[arg-type]
        )
        params.validate()
        if params.folder is not None and looks_numeric(params.folder.strip()):
            # Checked before any Telegram call: a malformed folder id costs nothing.
            parse_int(params.folder.strip(), "folder")
        return params

    def validate(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadRequest(f"Invalid query parameter 'limit': must be 1-{MAX_LIMIT}")
        if self.offset < 0:
            raise BadRequest("Invalid query parameter 'offset': must be >= 0")
        if not 0.0 <= self.min_score <= 1.0:
            raise BadRequest("Invalid query parameter 'min_score': must be between 0 and 1")
        for name in ("min_messages", "max_messages", "min_participants", "max_participants"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise BadRequest(f"Invalid query parameter '{name}': must be >= 0")
        _bounds(self.min_messages, self.max_messages, "min_messages", "max_messages")
        _bounds(
            self.min_participants, self.max_participants, "min_participants", "max_participants"
        )
        _bounds(
            self.last_message_after,
            self.last_message_before,
            "last_message_after",
            "last_message_before",
        )
        _bounds(self.created_after, self.created_before, "created_after", "created_before")

    @property
    def query(self) -> str | None:
        """q, or None when it is empty or blank (no title filter)."""
        return self.q if self.q is not None and self.q.strip() else None

    @property
    def needs_counts(self) -> bool:
        return (
            self.sort == "messages"
            or self.min_messages is not None
            or (self.max_messages is not None)
        )

    @property
    def needs_participants(self) -> bool:
        return (
            self.sort == "participants"
            or self.min_participants is not None
            or (self.max_participants is not None)
        )

    @property
    def filters_statically(self) -> bool:
        """Whether `keeps` can drop anything (lets the common no-filter search skip it)."""
        return bool(self.types) or any(
            v is not None
            for v in (
                self.is_archived,
                self.is_creator,
                self.has_username,
                self.is_verified,
                self.last_message_after,
                self.last_message_before,
                self.created_after,
                self.created_before,
            )
        )

    def keeps(self, rec: DialogRecord) -> bool:
        """Every filter that needs no Telegram request (all but counts and participants)."""
        if self.types and rec.type not in self.types:
            return False
        if self.is_archived is not None and rec.is_archived != self.is_archived:
            return False
        if self.is_creator is not None and rec.is_creator != self.is_creator:
            return False
        if self.has_username is not None and bool(rec.username) != self.has_username:
            return False
        if self.is_verified is not None and rec.is_verified != self.is_verified:
            return False
        return _in_range(
            rec.last_message_date, self.last_message_after, self.last_message_before
        ) and _in_range(rec.created_date, self.created_after, self.created_before)

    def keeps_numbers(self, rec: DialogRecord) -> bool:
        """The message-count and participant filters (values must be loaded)."""
        if (self.min_messages is not None or self.max_messages is not None) and not _between(
            rec.message_count if rec.count_known else None, self.min_messages, self.max_messages
        ):
            return False
        return not (
            self.min_participants is not None or self.max_participants is not None
        ) or _between(rec.participants, self.min_participants, self.max_participants)


def _in_range(value: int | None, after: int | None, before: int | None) -> bool:
    if after is None and before is None:
        return True
    if value is None:
        return False
    return (after is None or value >= after) and (before is None or value < before)


def _between(value: int | None, lo: int | None, hi: int | None) -> bool:
    if value is None:
        return False
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _sort_value(rec: DialogRecord, sort: SortKey) -> int | None:
    if sort == "last_message":
        return rec.last_message_date
    if sort == "messages":
        return rec.message_count if rec.count_known else None
    if sort == "participants":
        return rec.participants
    return rec.unread_count


def order(
    records: list[DialogRecord], params: SearchParams, scores: dict[int, float] | None
) -> list[DialogRecord]:
    """Records in the documented order (one sort with a composite key where possible)."""
    if params.sort is None and scores is not None:

        def by_score(r: DialogRecord) -> tuple[float, bool, int, int]:
            last = r.last_message_date
            return (-scores.get(r.id, 0.0), last is None, -(last or 0), r.id)

        return sorted(records, key=by_score)
    sort: SortKey = params.sort or "last_message"
    descending = params.order == "desc"
    if sort == "title":
        out = sorted(records, key=lambda r: r.id)
        out.sort(key=lambda r: r.title.casefold(), reverse=descending)
        return out
    sign = -1 if descending else 1

    def by_value(r: DialogRecord) -> tuple[bool, int, int]:
        value = _sort_value(r, sort)
        return (value is None, 0 if value is None else sign * value, r.id)

    return sorted(records, key=by_value)
