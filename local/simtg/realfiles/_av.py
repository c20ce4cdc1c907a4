"""MP4 and Ogg Opus containers.

MP4: `ftyp` + `moov` (a movie header of the declared duration) + a `free` box holding the
padding: an ISO base media file players open, with no track to play (encoding video is out
of scope for a simulator). Ogg: an Opus stream of silence (zero-length frames, which
decoders play as silence) as long as the declared duration when the size allows; the
padding is the Opus comment header's discardable tail, over as many pages as it needs,
each with its CRC.
"""

from __future__ import annotations

import struct
import zlib

from ._layout import Layout, TooSmall

# -- MP4 --------------------------------------------------------------------------------


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(layout: Layout, size: int, duration: int) -> None:
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = (
        struct.pack(">I4I", 0, 0, 0, 1000, duration * 1000)
        + struct.pack(">IH10x", 0x10000, 0x100)
        + matrix
        + bytes(24)
        + struct.pack(">I", 1)
    )
    head = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    head += _box(b"moov", _box(b"mvhd", mvhd))
    free = size - len(head)
    if free < 8:
        raise TooSmall("mp4")
    layout.literal(head)
    if free <= 0xFFFFFFFF:
        layout.literal(struct.pack(">I", free) + b"free")
        layout.padding(free - 8)
    else:  # size 1: a 64-bit size follows the type
        layout.literal(struct.pack(">I", 1) + b"free" + struct.pack(">Q", free))
        layout.padding(free - 16)


# -- Ogg Opus ---------------------------------------------------------------------------

_PRE_SKIP = 312
_SAMPLES = 5760  # one packet: six 20 ms frames at 48 kHz
_SERIAL = 0x51A7_0001
_BIT_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32 (polynomial 04c11db7, not reflected, no inversion), by way of zlib's
    reflected one: reverse the bits of every byte, and of the result."""
    reflected = zlib.crc32(data.translate(_BIT_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def _page(flags: int, granule: int, seq: int, lacing: list[int], data: bytes) -> bytes:
    header = struct.pack("<4sBBqII", b"OggS", 0, flags, granule, _SERIAL, seq)
    header += b"\0\0\0\0" + bytes([len(lacing)]) + bytes(lacing)
    crc = _ogg_crc(header + data)
    return header[:22] + struct.pack("<I", crc) + header[26:] + data


def _lacing(length: int) -> list[int]:
    return [255] * (length // 255) + [length % 255]


def _tags_pages(length: int) -> int:
    """Bytes of the pages carrying a comment packet of `length` bytes."""
    values = length // 255 + 1
    return length + values + 27 * -(-values // 255)


def _largest_tags(smallest: int, room: int) -> int:
    """The longest comment packet whose pages fit in `room` (they grow monotonically)."""
    lo, hi = smallest, room
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _tags_pages(mid) <= room else (lo, mid - 1)
    return lo


def ogg_opus(layout: Layout, size: int, duration: int, title: str) -> None:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, _PRE_SKIP, 48000, 0, 0)
    first = _page(0x02, 0, 0, [len(head)], head)
    comment = f"TITLE={title}".encode()
    tags = b"OpusTags" + struct.pack("<I", 5) + b"simtg" + struct.pack("<I", 1)
    tags += struct.pack("<I", len(comment)) + comment + b"\x00"  # padding, LSB 0: discardable
    # Silence: code-3 packets of six zero-length 20 ms frames (2 bytes + 1 lacing value).
    # The comment packet takes the rest, but its pages grow in steps of up to 29 bytes:
    # the first audio packet carries that remainder as Opus padding.
    budget = size - len(first) - _tags_pages(len(tags)) - 28
    packets = min(-(-duration * 48000 // _SAMPLES), budget // 3)
    while packets > 0 and 27 * -(-packets // 255) + 3 * packets > budget:
        packets -= 1
    if packets < 1:
        raise TooSmall("ogg")
    audio = 27 * -(-packets // 255) + 3 * packets
    room = size - len(first) - audio
    length = _largest_tags(len(tags), room)
    layout.literal(first)
    seq = _tags(layout, tags, length)
    end = _PRE_SKIP + min(duration * 48000, packets * _SAMPLES)
    _audio(layout, packets, room - _tags_pages(length), seq, end)


def _tags(layout: Layout, tags: bytes, length: int) -> int:
    """The comment packet over pages 1..n, its tail being padding; returns the next page."""
    lacing = _lacing(length)
    pages = [lacing[i : i + 255] for i in range(0, len(lacing), 255)]
    done = 0
    for n, values in enumerate(pages):
        data_len = sum(values)
        fixed = tags[done : done + data_len]
        filler = layout.peek_padding(data_len - len(fixed))
        granule = 0 if n == len(pages) - 1 else -1  # -1: no packet ends on this page
        page = _page(0x01 if n else 0, granule, 1 + n, values, fixed + filler)
        layout.literal(page[: len(page) - len(filler)])
        layout.padding(len(filler))
        done += len(fixed)
    return 1 + len(pages)


def _audio(layout: Layout, packets: int, spare: int, seq: int, end: int) -> None:
    for page_no, first in enumerate(range(0, packets, 255)):
        bodies = [b"\xfb\x06"] * min(255, packets - first)  # TOC: CELT 20 ms mono, code 3
        if first == 0 and spare:
            bodies[0] = b"\xfb\x46" + bytes([spare - 1]) + bytes(spare - 1)  # + padding
        done = first + len(bodies)
        last = done == packets
        granule = end if last else _PRE_SKIP + done * _SAMPLES
        data = b"".join(bodies)
        layout.literal(
            _page(0x04 if last else 0, granule, seq + page_no, [len(b) for b in bodies], data)
        )
