"""The MTProto 2.0 auth-key exchange, server side (core.telegram.org/mtproto/auth_key).

req_pq_multi -> resPQ (pq = product of two random primes, our key's fingerprint);
req_DH_params -> server_DH_params_ok (RSA-decrypted p_q_inner_data, AES-IGE encrypted
server_DH_inner_data); set_client_DH_params -> dh_gen_ok, and the shared secret
g^ab mod p is the new 256-byte auth key. Unencrypted messages travel as
``auth_key_id=0, msg_id, length, body``.
"""

from __future__ import annotations

import os
import secrets
import struct
import time
from dataclasses import dataclass, field
from hashlib import sha1

from telethon.crypto import AES, AuthKey
from telethon.crypto.rsa import get_byte_array
from telethon.extensions import BinaryReader
from telethon.helpers import generate_key_data_from_nonce
from telethon.tl import functions as F
from telethon.tl import types as T
from telethon.tl.tlobject import TLObject

from ..srp import G, P
from .keys import ServerKey


class HandshakeError(Exception):
    """The client broke the protocol; the connection is dropped."""


def _prime(bits: int) -> int:
    while True:
        n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if all(pow(a, n - 1, n) == 1 for a in (2, 3, 5, 7, 11, 13)):
            return n


@dataclass
class Handshake:
    """One connection's key exchange in progress."""

    key: ServerKey
    server_nonce: int = field(
        default_factory=lambda: int.from_bytes(os.urandom(16), "little", signed=True)
    )
    nonce: int | None = None
    new_nonce: int | None = None
    a: int = 0
    _last_msg_id: int = 0

    def plain(self, obj: TLObject) -> bytes:
        """An unencrypted server message carrying ``obj``."""
        now = time.time()
        msg_id = max((int(now) << 32) | (int((now % 1) * 2**30) << 2) | 1, self._last_msg_id + 4)
        self._last_msg_id = msg_id
        body = bytes(obj)
        return struct.pack("<qqi", 0, msg_id, len(body)) + body

    def answer(self, payload: bytes) -> tuple[bytes, AuthKey | None]:
        """The reply to one unencrypted client message, and the key once agreed."""
        reader = BinaryReader(payload)
        if reader.read_long() != 0:
            raise HandshakeError("not an unencrypted message")
        reader.read_long()
        length = reader.read_int()
        request = BinaryReader(reader.read(length)).tgread_object()
        if isinstance(request, (F.ReqPqMultiRequest, F.ReqPqRequest)):
            return self.plain(self._res_pq(request.nonce)), None
        self._check_nonces(request)
        if isinstance(request, F.ReqDHParamsRequest):
            return self.plain(self._dh_params(request)), None
        if isinstance(request, F.SetClientDHParamsRequest):
            return self._finish(request)
        raise HandshakeError(f"unexpected {type(request).__name__} before an auth key")

    def _res_pq(self, nonce: int) -> T.ResPQ:
        self.nonce = nonce
        p, q = sorted((_prime(31), _prime(31)))
        self._pq = p * q
        pq = get_byte_array(self._pq)
        return T.ResPQ(nonce, self.server_nonce, pq, [self.key.fingerprint])

    def _check_nonces(self, request: TLObject) -> None:
        if self.nonce is None or getattr(request, "nonce", None) != self.nonce:
            raise HandshakeError("wrong nonce")
        if getattr(request, "server_nonce", None) != self.server_nonce:
            raise HandshakeError("wrong server nonce")

    def _dh_params(self, req: F.ReqDHParamsRequest) -> T.ServerDHParamsOk:
        if req.public_key_fingerprint != self.key.fingerprint:
            raise HandshakeError("unknown public key fingerprint")
        plain = self.key.decrypt(req.encrypted_data)[1:]
        inner = BinaryReader(plain[20:]).tgread_object()
        if not isinstance(inner, T.PQInnerData) or sha1(bytes(inner)).digest() != plain[:20]:
            raise HandshakeError("bad p_q_inner_data")
        if int.from_bytes(inner.pq, "big") != self._pq or inner.nonce != self.nonce:
            raise HandshakeError("p_q_inner_data does not match")
        if int.from_bytes(inner.p, "big") * int.from_bytes(inner.q, "big") != self._pq:
            raise HandshakeError("wrong factorization")
        self.new_nonce = inner.new_nonce
        self.a = secrets.randbits(2048)
        answer = bytes(
            T.ServerDHInnerData(
                nonce=self.nonce,
                server_nonce=self.server_nonce,
                g=G,
                dh_prime=get_byte_array(P),
                g_a=get_byte_array(pow(G, self.a, P)),
                server_time=int(time.time()),
            )
        )
        data = sha1(answer).digest() + answer
        data += os.urandom(-len(data) % 16)
        key, iv = generate_key_data_from_nonce(self.server_nonce, self.new_nonce)
        return T.ServerDHParamsOk(self.nonce, self.server_nonce, AES.encrypt_ige(data, key, iv))

    def _finish(self, req: F.SetClientDHParamsRequest) -> tuple[bytes, AuthKey]:
        if self.new_nonce is None:
            raise HandshakeError("set_client_DH_params before req_DH_params")
        key, iv = generate_key_data_from_nonce(self.server_nonce, self.new_nonce)
        plain = AES.decrypt_ige(req.encrypted_data, key, iv)
        inner = BinaryReader(plain[20:]).tgread_object()
        if not isinstance(inner, T.ClientDHInnerData) or inner.nonce != self.nonce:
            raise HandshakeError("bad client_DH_inner_data")
        if sha1(bytes(inner)).digest() != plain[:20]:
            raise HandshakeError("client_DH_inner_data hash mismatch")
        g_b = int.from_bytes(inner.g_b, "big")
        if not 1 < g_b < P - 1:
            raise HandshakeError("g_b out of range")
        auth_key = AuthKey(get_byte_array(pow(g_b, self.a, P)))
        nonce_hash = auth_key.calc_new_nonce_hash(self.new_nonce, 1)
        ok = T.DhGenOk(self.nonce, self.server_nonce, nonce_hash)
        return self.plain(ok), auth_key
