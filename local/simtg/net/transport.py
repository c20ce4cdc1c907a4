"""Server side of the TCP transports Telethon speaks: full, intermediate (plain and
padded), abridged, and the obfuscated2 wrapping of the last three (what MTProxy uses).

The transport is detected from the first bytes, as Telegram does: ``0xef`` abridged,
``0xeeeeeeee`` intermediate, ``0xdddddddd`` padded intermediate, a plausible length
followed by sequence number 0 is TCP full, and anything else is a 64-byte obfuscated2
header whose decrypted tag names the inner transport.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
from zlib import crc32

from telethon.crypto import AESModeCTR

_ABRIDGED, _INTERMEDIATE, _PADDED = b"\xef", b"\xee\xee\xee\xee", b"\xdd\xdd\xdd\xdd"
MAX_PACKET = 16 * 1024 * 1024


class TransportError(Exception):
    """The peer sent bytes no Telegram transport allows; the connection is dropped."""


class Framer:
    """Reads and writes one connection's packets (MTProto payloads without framing)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.kind = ""
        self.dc_id: int | None = None  # from an obfuscated header (MTProxy routing)
        self._decrypt: AESModeCTR | None = None
        self._encrypt: AESModeCTR | None = None
        self._first = b""
        self._recv_seq = self._send_seq = 0

    async def _read(self, n: int) -> bytes:
        data = await self._reader.readexactly(n)
        return self._decrypt.encrypt(data) if self._decrypt is not None else data

    async def start(self, secret: bytes | None = None) -> None:
        """Detect the transport from the first bytes (an obfuscated header if present)."""
        head = await self._reader.readexactly(1)
        if head == _ABRIDGED and secret is None:
            self.kind = "abridged"
            return
        head += await self._reader.readexactly(3)
        if head in (_INTERMEDIATE, _PADDED) and secret is None:
            self.kind = "intermediate" if head == _INTERMEDIATE else "padded"
            return
        if secret is None:
            head += await self._reader.readexactly(4)
            length, seq = struct.unpack("<ii", head)
            if 12 <= length <= MAX_PACKET and seq == 0:
                self.kind, self._first = "full", head
                return
        await self._start_obfuscated(head + await self._reader.readexactly(64 - len(head)), secret)

    async def _start_obfuscated(self, init: bytes, secret: bytes | None) -> None:
        reverse = init[55:7:-1]
        dec_key, dec_iv = init[8:40], init[40:56]
        enc_key, enc_iv = reverse[:32], reverse[32:48]
        if secret is not None:  # MTProxy: keys are hashed with the proxy's secret
            dec_key = hashlib.sha256(dec_key + secret).digest()
            enc_key = hashlib.sha256(enc_key + secret).digest()
        self._decrypt = AESModeCTR(dec_key, dec_iv)
        self._encrypt = AESModeCTR(enc_key, enc_iv)
        plain = self._decrypt.encrypt(init)
        tag = plain[56:60]
        kinds = {b"\xef\xef\xef\xef": "abridged", _INTERMEDIATE: "intermediate", _PADDED: "padded"}
        if tag not in kinds:
            raise TransportError("unknown transport")
        self.kind = "obfuscated-" + kinds[tag]
        self.dc_id = abs(struct.unpack("<h", plain[60:62])[0]) or None

    async def recv(self) -> bytes:
        kind = self.kind.removeprefix("obfuscated-")
        if kind == "abridged":
            length = (await self._read(1))[0]
            if length >= 127:
                length = int.from_bytes(await self._read(3), "little")
            return await self._read(length << 2)
        if kind in ("intermediate", "padded"):
            length = struct.unpack("<i", await self._read(4))[0]
            if not 0 < length <= MAX_PACKET:
                raise TransportError("bad packet length")
            data = await self._read(length)
            return data[: len(data) - len(data) % 4] if kind == "padded" else data
        head, self._first = self._first or await self._read(8), b""
        length, seq = struct.unpack("<ii", head)
        if not 12 <= length <= MAX_PACKET or seq != self._recv_seq:
            raise TransportError("bad packet length or sequence number")
        rest = await self._read(length - 8)
        if struct.unpack("<I", rest[-4:])[0] != crc32(head + rest[:-4]):
            raise TransportError("bad checksum")
        self._recv_seq += 1
        return rest[:-4]

    def frame(self, data: bytes) -> bytes:
        """The bytes on the wire for one packet."""
        kind = self.kind.removeprefix("obfuscated-")
        if kind == "abridged":
            n = len(data) >> 2
            head = bytes([n]) if n < 127 else b"\x7f" + n.to_bytes(3, "little")
            out = head + data
        elif kind == "intermediate":
            out = struct.pack("<i", len(data)) + data
        elif kind == "padded":
            pad = os.urandom(os.urandom(1)[0] % 4)
            out = struct.pack("<i", len(data) + len(pad)) + data + pad
        else:
            body = struct.pack("<ii", len(data) + 12, self._send_seq) + data
            out = body + struct.pack("<I", crc32(body))
            self._send_seq += 1
        return self._encrypt.encrypt(out) if self._encrypt is not None else out

    def transport_error(self, code: int) -> bytes:
        """Telegram's transport-level error (e.g. -404 unknown auth key) as framed bytes."""
        return self.frame(struct.pack("<i", code))
