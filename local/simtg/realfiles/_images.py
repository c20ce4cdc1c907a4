"""JPEG, PNG and WebP pictures written from scratch: a shaded gradient of the declared
width and height, then padding the way each format allows (JPEG comment segments, a
private PNG chunk, an unknown RIFF chunk)."""

from __future__ import annotations

import struct
import zlib
from functools import cache

from ._layout import Layout, TooSmall, crc32_of, split_evenly


def _shade(tint: int, row: int, rows: int) -> int:
    """Grey level of a row: a top-to-bottom gradient, offset per file. The first level
    stays in 10..49, so a JPEG's first DC difference always has the same bit length and a
    file's size never depends on its tint."""
    return 10 + (tint % 40) + (170 * row) // max(1, rows - 1)


# -- JPEG: baseline, one grey component, every 8x8 block flat (DC only) -----------------

# Annex K's luminance DC table; the AC table holds just end-of-block.
_DC_COUNTS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_SYMBOLS = tuple(range(12))
_AC_COUNTS = (1,) + (0,) * 15
_AC_SYMBOLS = (0x00,)
_COMMENT_MAX = 0xFFFF + 2  # marker + length field + 65533 bytes of payload


def _codes(counts: tuple[int, ...], symbols: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes: symbol -> (code, bit length)."""
    codes, code, k = {}, 0, 0
    for length, count in enumerate(counts, start=1):
        for _ in range(count):
            codes[symbols[k]] = (code, length)
            code, k = code + 1, k + 1
        code <<= 1
    return codes


def _segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">HH", marker, len(body) + 2) + body


@cache
def _jpeg_parts(width: int, height: int, tint: int) -> tuple[bytes, bytes]:
    """(everything before the comment segments, everything after)."""
    dc = _codes(_DC_COUNTS, _DC_SYMBOLS)
    eob_code, eob_len = _codes(_AC_COUNTS, _AC_SYMBOLS)[0]
    acc, nbits, out = 0, 0, bytearray()

    def put(value: int, length: int) -> None:
        nonlocal acc, nbits
        acc, nbits = (acc << length) | value, nbits + length
        while nbits >= 8:
            nbits -= 8
            byte = (acc >> nbits) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)  # byte stuffing
        acc &= (1 << nbits) - 1

    rows, cols = -(-height // 8), -(-width // 8)
    previous = 0
    for row in range(rows):
        level = 8 * (_shade(tint, row, rows) - 128)  # DC of a flat block, quantiser 1
        for _ in range(cols):
            diff, previous = level - previous, level
            size = abs(diff).bit_length()
            put(*dc[size])
            if size:
                put(diff if diff > 0 else diff + (1 << size) - 1, size)
            put(eob_code, eob_len)
    if nbits:
        put((1 << (8 - nbits)) - 1, 8 - nbits)  # pad with one-bits
    head = b"\xff\xd8" + _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    tables = (
        _segment(0xFFDB, b"\x00" + b"\x01" * 64)
        + _segment(0xFFC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + _segment(0xFFC4, b"\x00" + bytes(_DC_COUNTS) + bytes(_DC_SYMBOLS))
        + _segment(0xFFC4, b"\x10" + bytes(_AC_COUNTS) + bytes(_AC_SYMBOLS))
        + _segment(0xFFDA, b"\x01\x01\x00\x00\x3f\x00")
    )
    return head, tables + bytes(out) + b"\xff\xd9"


def jpeg(layout: Layout, size: int, width: int, height: int, tint: int, note: str) -> None:
    head, tail = _jpeg_parts(width, height, tint)
    text = note.encode()
    comments = size - len(head) - len(tail)
    if comments < 4 + len(text):
        raise TooSmall("jpeg")
    layout.literal(head)
    for i, seg_len in enumerate(split_evenly(comments, _COMMENT_MAX)):
        layout.literal(struct.pack(">HH", 0xFFFE, seg_len - 2) + (text if i == 0 else b""))
        layout.padding(seg_len - 4 - (len(text) if i == 0 else 0))
    layout.literal(tail)


# -- PNG: 8-bit greyscale, then a private ancillary chunk ------------------------------

_PAD_CHUNK = b"paDd"  # ancillary, private, safe to copy: every reader skips it


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def _png_head(width: int, height: int, tint: int) -> bytes:
    rows = b"".join(b"\x00" + bytes([_shade(tint, y, height)]) * width for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(rows, 9))
    )


def png(layout: Layout, size: int, width: int, height: int) -> None:
    # One gradient for every PNG: zlib's output length could depend on the grey levels.
    head, end = _png_head(width, height, 0), _chunk(b"IEND", b"")
    pad = size - len(head) - len(end) - 12
    if pad < 0:
        raise TooSmall("png")
    layout.literal(head + struct.pack(">I", pad) + _PAD_CHUNK)
    read = layout.padding(pad)
    layout.literal(struct.pack(">I", crc32_of(read, pad, zlib.crc32(_PAD_CHUNK))) + end)


# -- WebP: extended format, lossless, two colours through a palette --------------------


class _Bits:
    """VP8L's bit order: least significant bit first."""

    def __init__(self) -> None:
        self.value, self.count = 0, 0

    def put(self, value: int, length: int) -> None:
        self.value |= value << self.count
        self.count += length

    def bytes(self) -> bytes:
        return self.value.to_bytes(-(-self.count // 8), "little")


def _simple_code(bits: _Bits, *symbols: int) -> None:
    """A one- or two-symbol prefix code (8-bit symbols)."""
    bits.put(1, 1)
    bits.put(len(symbols) - 1, 1)
    bits.put(1, 1)
    for symbol in symbols:
        bits.put(symbol, 8)


@cache
def _vp8l(width: int, height: int, tint: int) -> bytes:
    bits = _Bits()
    bits.put(0x2F, 8)
    bits.put(width - 1, 14)
    bits.put(height - 1, 14)
    bits.put(0, 1)  # no alpha
    bits.put(0, 3)  # version
    bits.put(1, 1)  # a transform: colour indexing with a two-entry palette
    bits.put(3, 2)
    bits.put(1, 8)
    # The palette is delta-coded: entry 1 is stored as its difference from entry 0. With
    # dark < 100 < light - dark, the smaller symbol of each two-symbol code (code 0) is
    # entry 0's for grey and entry 1's (a delta of 0) for alpha.
    dark, light = 40 + tint % 60, 200 + tint % 50
    bits.put(0, 1)  # the palette image: no colour cache, then green, red, blue, alpha codes
    for _ in range(3):
        _simple_code(bits, dark, light - dark)
    _simple_code(bits, 0x00, 0xFF)
    bits.put(1, 1)
    bits.put(0, 3)  # distance: one unused symbol
    for grey, alpha in ((0, 1), (1, 0)):  # G, R, B and A of each entry
        for _ in range(3):
            bits.put(grey, 1)
        bits.put(alpha, 1)
    bits.put(0, 1)  # no more transforms
    bits.put(0, 1)  # main image: no colour cache
    bits.put(0, 1)  # one prefix code group
    _simple_code(bits, 0x00, 0xFF)  # green: eight pixels of index 0 or 1 per value
    for _ in range(3):
        _simple_code(bits, 0)
    bits.put(1, 1)
    bits.put(0, 3)
    packed = -(-width // 8)
    for y in range(height):
        for x in range(packed):
            bits.put(((x + y // 8) // 4) % 2, 1)  # diagonal stripes
    return bits.bytes()


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)


def webp(layout: Layout, size: int, width: int, height: int, tint: int) -> None:
    vp8x = struct.pack("<I", 0) + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    body = b"WEBP" + _riff_chunk(b"VP8X", vp8x) + _riff_chunk(b"VP8L", _vp8l(width, height, tint))
    # RIFF chunks are even-sized, so an odd file ends with one byte after the container
    # (readers stop at the RIFF size).
    riff_end = size - size % 2
    pad = riff_end - 8 - len(body) - 8
    if pad < 0:
        raise TooSmall("webp")
    layout.literal(b"RIFF" + struct.pack("<I", riff_end - 8) + body)
    layout.literal(b"SIMT" + struct.pack("<I", pad))  # an unknown chunk: skipped by readers
    layout.padding(pad)
    layout.literal(b"\x00" * (size % 2))
