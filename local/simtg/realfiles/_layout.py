"""A file described as parts instead of bytes, so a multi-gigabyte file costs no memory.

A part is literal bytes, a slice of the file's pseudo-random padding stream, or another
layout nested inside (a JPEG stored in a ZIP). Reading any window touches only the parts
it overlaps. The padding stream is the first MiB of the file's SHAKE-256 stream
(``media.media_bytes``), repeated: made once per file, then slicing is all a read costs,
and a format's checksum over a large padding (ZIP, PNG) runs at zlib's speed instead of
the hash's (about 8x faster).
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Iterator
from functools import lru_cache

from ..media import media_bytes

Reader = Callable[[int, int], bytes]
_PERIOD = 1 << 20  # bytes of the padding stream before it repeats

#: Bytes of padding a format writer reads back in one go (to checksum it).
_CHUNK = 1 << 20


@lru_cache(maxsize=16)  # at most 16 MiB: the files being served right now
def _period(seed: int, key: str) -> bytes:
    return media_bytes(seed, key, _PERIOD)


def _stream(seed: int, key: str, offset: int, length: int) -> bytes:
    """Bytes [offset, offset + length) of the endless periodic padding stream."""
    period, out = _period(seed, key), []
    while length > 0:
        pos = offset % _PERIOD
        piece = period[pos : pos + length]
        out.append(piece)
        offset, length = offset + len(piece), length - len(piece)
    return b"".join(out)


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
            return _stream(self._seed, self._key, start + off, min(n, length - off))

        self._add(length, read)
        return read

    def peek_padding(self, length: int) -> bytes:
        """The bytes the next `padding(length)` will hold (a format may checksum them)."""
        return _stream(self._seed, self._key, self._pad_used, length)

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
