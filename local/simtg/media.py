"""Deterministic media bytes of any size, generated on demand.

A simulated file never exists as a whole: ``upload.getFile`` asks for one slice
at a time, and each slice is computed from ``(seed, file key, block index)``
with SHAKE-256.  A 1 GB document therefore costs no memory, and a test can
recompute the expected bytes independently with :func:`media_bytes`.
"""

from __future__ import annotations

import hashlib

#: Bytes produced per hash call. Large enough to make 512 KiB chunks cheap,
#: small enough that a 4 KiB request does not compute much waste.
BLOCK_SIZE = 64 * 1024


def _block(seed: int, key: str, index: int) -> bytes:
    """One pseudo-random block; the key separates files and thumbnail sizes."""
    return hashlib.shake_256(f"simtg:{seed}:{key}:{index}".encode()).digest(BLOCK_SIZE)


def media_bytes(
    seed: int, key: str, size: int, offset: int = 0, length: int | None = None
) -> bytes:
    """Return bytes ``[offset, offset + length)`` of the file ``key`` of total ``size``.

    Reads past the end are truncated exactly like Telegram's ``upload.getFile``
    (which returns fewer bytes than asked for at the end of a file).
    """
    if offset >= size or offset < 0:
        return b""
    end = size if length is None else min(size, offset + length)
    first, last = offset // BLOCK_SIZE, (end - 1) // BLOCK_SIZE
    data = b"".join(_block(seed, key, i) for i in range(first, last + 1))
    start = offset - first * BLOCK_SIZE
    return data[start : start + (end - offset)]
