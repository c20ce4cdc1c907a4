"""A file described as parts instead of bytes, so a multi-gigabyte file costs no memory.

A part is literal bytes, a slice of the file's pseudo-random padding stream, or another
layout nested inside (a JPEG stored in a ZIP). Reading any window touches only the parts
it overlaps; the padding is the same SHAKE-256 stream ``media.media_bytes`` always made.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Iterator

from ..media import media_bytes

Reader = Callable[[int, int], bytes]
_ENDLESS = 1 << 62  # the padding stream never ends; each file draws what it needs

#: Bytes of padding a format writer reads back in one go (to checksum it).
_CHUNK = 1 << 20


class TooSmall(ValueError):
    """The declared size cannot hold a valid file of this format."""


class Layout:
    def __init__(self, seed: int, key: str) -> None:
        self._seed, self._key = seed, f"{key}:pad"
        self._starts: list[int] = []
        self._parts: list[tuple[int, Reader]] = []
        self._pad_used = 0
        self.size = 0

    # -- building ------------------------------------------------------------

    def _add(self, length: int, reader: Reader) -> None:
        if length < 0:
            raise TooSmall(f"a part of {length} bytes")
        if length:
            self._starts.append(self.size)
            self._parts.append((length, reader))
            self.size += length

    def literal(self, data: bytes) -> None:
        self._add(len(data), lambda off, n: data[off : off + n])

    def padding(self, length: int) -> Reader:
        """Append `length` pseudo-random bytes; returns their reader (for checksums)."""
        start = self._pad_used
        self._pad_used += length

        def read(off: int, n: int) -> bytes:
            return media_bytes(self._seed, self._key, _ENDLESS, start + off, min(n, length - off))

        self._add(length, read)
        return read

    def peek_padding(self, length: int) -> bytes:
        """The bytes the next `padding(length)` will hold (a format may checksum them)."""
        return media_bytes(self._seed, self._key, _ENDLESS, self._pad_used, length)

    def child(self, name: str) -> Layout:
        """An empty layout with its own padding stream, to nest inside this one."""
        return Layout(self._seed, f"{self._key}:{name}")

    def nested(self, inner: Layout) -> None:
        self._add(inner.size, inner.read)

    def generated(self, length: int, reader: Reader) -> None:
        self._add(length, reader)

    # -- reading -------------------------------------------------------------

    def read(self, offset: int = 0, length: int | None = None) -> bytes:
        if offset < 0 or offset >= self.size:
            return b""
        end = self.size if length is None else min(self.size, offset + length)
        out: list[bytes] = []
        index = bisect.bisect_right(self._starts, offset) - 1
        while offset < end:
            start = self._starts[index]
            part_len, reader = self._parts[index]
            take = min(end, start + part_len) - offset
            out.append(reader(offset - start, take))
            offset += take
            index += 1
        return b"".join(out)


def chunks(reader: Reader, length: int) -> Iterator[bytes]:
    for off in range(0, length, _CHUNK):
        yield reader(off, min(_CHUNK, length - off))


def crc32_of(reader: Reader, length: int, start: int = 0) -> int:
    crc = start
    for piece in chunks(reader, length):
        crc = zlib.crc32(piece, crc)
    return crc


def split_evenly(total: int, most: int) -> list[int]:
    """`total` as the fewest parts of at most `most`, all within one of each other."""
    count = max(1, -(-total // most))
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra)
