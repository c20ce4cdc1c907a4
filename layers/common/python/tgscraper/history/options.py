"""Checks of the history options that shape the order and length of a stream
(`limit`, `reverse`, `before_id`; history/ordering.py)."""

from __future__ import annotations

from tgscraper.errors import BadRequest

MAX_LIMIT = 1_000_000
"""Upper bound of limit=: a bound for the descending scan that finds where to start."""


def check_limit(limit: int | None) -> int | None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"Invalid query parameter 'limit': must be 1-{MAX_LIMIT}")
    return limit


def check_reverse(reverse: bool, before_id: int | None, with_changes: bool) -> bool:
    if before_id is not None and not reverse:
        raise BadRequest("Invalid query parameter 'before_id': only valid with reverse=true")
    if reverse and with_changes:
        # The change log is laid over an ascending walk (changes_overlay.py).
        raise BadRequest("reverse=true cannot be combined with include_edits or include_deleted")
    return reverse
