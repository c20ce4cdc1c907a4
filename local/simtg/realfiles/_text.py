"""CSV tables and plain text: a header, then fixed-width rows (the last one stretched to
the exact size), so any window of a large file is computed from its row numbers alone."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from ._layout import Layout, TooSmall

_RowFn = Callable[[int, int], bytes]

_NOTES = ("ok", "late", "drift", "reset", "spike", "calm")
_LINES = (
    "Meeting moved to Thursday",
    "Reminder: backups run at 02:00",
    "Release notes for v2.3 are out",
    "Deploy finished without errors",
    "Check the attached report",
    "See you tomorrow",
)


def _rows(
    layout: Layout, size: int, header: bytes, width: int, row: _RowFn, min_rows: int = 1
) -> None:
    """`header`, then fixed-width rows; the last row is stretched by the remainder."""
    body = size - len(header)
    count, extra = divmod(body, width)
    if count < min_rows:
        raise TooSmall("text")
    layout.literal(header)

    def read(offset: int, length: int) -> bytes:
        first = min(count - 1, offset // width)  # the last row is the longer one
        last = min(count - 1, (offset + length - 1) // width)
        text = b"".join(row(i, extra if i == count - 1 else 0) for i in range(first, last + 1))
        start = offset - first * width
        return text[start : start + length]

    layout.generated(body, read)


_M64 = (1 << 64) - 1


@lru_cache(maxsize=256)
def _key_seed(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _hash(key: str, i: int) -> int:
    """Row i's 64 pseudo-random bits: splitmix64 from the file's seed, a few integer
    operations instead of a hash call per row (a large CSV has millions of rows)."""
    z = (_key_seed(key) + (i + 1) * 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


@lru_cache(maxsize=64)
def _day(days: int) -> str:
    return datetime.fromtimestamp(days * 86_400, UTC).strftime("%Y-%m-%d")


def _stamp(ts: int) -> str:
    """ISO 8601 UTC, as strftime would write it; a row's date is cached per day because
    formatting every row's datetime was most of a large CSV's cost."""
    days, secs = divmod(ts, 86_400)
    hours, secs = divmod(secs, 3600)
    return f"{_day(days)}T{hours:02d}:{secs // 60:02d}:{secs % 60:02d}Z"


def csv_table(layout: Layout, size: int, when: datetime, key: str) -> None:
    base = int(when.timestamp())

    def row(i: int, extra: int) -> bytes:
        h = _hash(key, i)
        stamp = _stamp(base + 60 * i)
        note = _NOTES[h % len(_NOTES)].ljust(5 + extra, "_")
        return (
            f"{i:010d},{stamp},s{h % 97:02d},{(h >> 8) % 1_000_000 / 100:09.2f},{note}\n".encode()
        )

    width = len(row(0, 0))
    # Two rows at least: one row is not yet a table to libmagic (nor to a person).
    _rows(layout, size, b"id,timestamp,sensor,value,note\n", width, row, min_rows=2)


def plain_text(layout: Layout, size: int, title: str, key: str) -> None:
    def row(i: int, extra: int) -> bytes:
        line = _LINES[_hash(key, i) % len(_LINES)].ljust(32 + extra, ".")
        return f"{i:010d} {line}\n".encode()

    header = f"{title}\n".encode("ascii", "replace")
    _rows(layout, size, header, len(row(0, 0)), row)
