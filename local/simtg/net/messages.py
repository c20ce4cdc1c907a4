"""Encrypted MTProto 2.0 messages, server side (core.telegram.org/mtproto/description).

Client -> server: ``auth_key_id, msg_key, AES-IGE(salt, session_id, msg_id, seq_no,
length, body, padding)`` with x=0; server -> client the same with x=8. The AES key/IV
derivation is Telethon's own (``MTProtoState._calc_key``).
"""

from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass
from hashlib import sha256

from telethon.crypto import AES, AuthKey
from telethon.network.mtprotostate import MTProtoState

CONTAINER = 0x73F1F8DC
RPC_RESULT = 0xF35C6D01


class BadMessage(Exception):
    """A packet that does not decrypt under its key: Telegram drops such connections."""


@dataclass
class Incoming:
    salt: int
    session_id: int
    msg_id: int
    seq_no: int
    body: bytes


def decrypt(key: AuthKey, packet: bytes) -> Incoming:
    msg_key = packet[8:24]
    aes_key, aes_iv = MTProtoState._calc_key(key.key, msg_key, True)
    if (len(packet) - 24) % 16 or len(packet) < 24 + 32:
        raise BadMessage("length is not a multiple of the AES block")
    plain = AES.decrypt_ige(packet[24:], aes_key, aes_iv)
    if sha256(key.key[88:120] + plain).digest()[8:24] != msg_key:
        raise BadMessage("msg_key mismatch")
    salt, session_id, msg_id, seq_no, length = struct.unpack("<qqqii", plain[:32])
    if not 0 <= length <= len(plain) - 32:
        raise BadMessage("bad inner length")
    return Incoming(salt, session_id, msg_id, seq_no, plain[32 : 32 + length])


class Outbox:
    """Server-side message ids, sequence numbers and encryption for one session."""

    def __init__(self, key: AuthKey, session_id: int) -> None:
        self.key = key
        self.session_id = session_id
        self._last_id = 0
        self._seq = 0

    def msg_id(self, *, response: bool) -> int:
        # Server ids are odd: 1 mod 4 for responses, 3 mod 4 for server-initiated ones.
        now = time.time()
        base = (int(now) << 32) | (int((now % 1) * 2**30) << 2)
        base = max(base, self._last_id + 4) & ~3
        self._last_id = base
        return base | (1 if response else 3)

    def seq_no(self, content_related: bool) -> int:
        if content_related:
            self._seq += 1
            return self._seq * 2 - 1
        return self._seq * 2

    def message(self, body: bytes, *, content_related: bool, response: bool = True) -> bytes:
        """``msg_id, seq_no, length, body``: one message, also the unit inside containers."""
        msg_id = self.msg_id(response=response)
        return struct.pack("<qii", msg_id, self.seq_no(content_related), len(body)) + body

    def container(self, messages: list[bytes]) -> bytes:
        return struct.pack("<Ii", CONTAINER, len(messages)) + b"".join(messages)

    def encrypt(self, salt: int, message: bytes) -> bytes:
        data = struct.pack("<qq", salt, self.session_id) + message
        data += os.urandom(-(len(data) + 12) % 16 + 12)
        msg_key = sha256(self.key.key[96:128] + data).digest()[8:24]
        aes_key, aes_iv = MTProtoState._calc_key(self.key.key, msg_key, False)
        return struct.pack("<Q", self.key.key_id) + msg_key + AES.encrypt_ige(data, aes_key, aes_iv)
