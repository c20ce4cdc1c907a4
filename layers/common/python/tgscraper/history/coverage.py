"""Coverage intervals: which epoch-second ranges of a dialog are completely cached.

Intervals are inclusive `(lo, hi)` pairs, kept sorted, disjoint and merged (two intervals
that touch, hi + 1 == lo, become one), so a plan over them is a simple sweep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for lo, hi in sorted(intervals):
        if lo > hi:
            continue
        if result and lo <= result[-1][1] + 1:
            prev_lo, prev_hi = result[-1]
            result[-1] = (prev_lo, max(prev_hi, hi))
        else:
            result.append((lo, hi))
    return result


@dataclass(frozen=True)
class Segment:
    """Part of a requested range: served from the cache or fetched from Telegram."""

    kind: Literal["cached", "fetch"]
    lo: int
    hi: int


def plan(start: int, end: int, covered: list[Interval]) -> list[Segment]:
    """Split [start, end] into cached and fetch segments in date order (covering it exactly)."""
    segments: list[Segment] = []
    cursor = start
    for lo, hi in covered:
        if hi < cursor:
            continue
        if lo > end:
            break
        if lo > cursor:
            segments.append(Segment("fetch", cursor, lo - 1))
        segments.append(Segment("cached", max(lo, cursor), min(hi, end)))
        cursor = min(hi, end) + 1
        if cursor > end:
            return segments
    if cursor <= end:
        segments.append(Segment("fetch", cursor, end))
    return segments
