"""HTTP Range parsing (RFC 9110 section 14) for one file of known size.

Only a single byte range is honoured. Anything the server may ignore is ignored (the
full file is served with 200): a unit other than bytes, a syntactically invalid value,
and several ranges (multipart/byteranges is not worth its cost for media downloads).
A valid range that selects no byte of the file is the only 416.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tgscraper.errors import ServiceError
from tgscraper.numbers import clamped_uint

# ASCII digits only; a bound of any length is read clamped (`clamped_uint`): 5,000
# nines mean "beyond the end", never int()'s 4,300-digit ValueError.
_SPEC_RE = re.compile(r"^[ \t]*([0-9]*)[ \t]*-[ \t]*([0-9]*)[ \t]*$", re.ASCII)
_HUGE = 2**63


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, end) of a file of `total` bytes."""

    start: int
    end: int
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end - 1}/{self.total}"


class RangeNotSatisfiable(ServiceError):
    """416: the range is well-formed but selects no byte of the file."""

    status_code = 416

    def __init__(self, size: int) -> None:
        super().__init__(f"Requested range not satisfiable: the file has {size} bytes")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range a Range header asks for, None to serve the whole file.

    Raises RangeNotSatisfiable when the one range asked for lies outside the file.
    """
    if header is None:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _SPEC_RE.match(spec)
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start = clamped_uint(first, _HUGE)
        if last and clamped_uint(last, _HUGE) < start:
            return None  # invalid (last < first): ignored, per RFC 9110
        if start >= size:
            raise RangeNotSatisfiable(size)
        end = size if not last else min(clamped_uint(last, _HUGE) + 1, size)
        return ByteRange(start, end, size)
    if not last:
        return None  # "bytes=-" is not a range
    suffix = clamped_uint(last, _HUGE)
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiable(size)
    return ByteRange(max(0, size - suffix), size, size)
