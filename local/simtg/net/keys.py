"""The server's RSA key: generated once per process (a test key), or loaded from PEM.

Telethon only knows Telegram's keys; ``trust()`` registers ours with
``telethon.crypto.rsa.add_key`` exactly as a ``TELEGRAM_RSA_KEY`` setting does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import rsa
from telethon.crypto import rsa as telethon_rsa

_lock = threading.Lock()
_generated: ServerKey | None = None


@dataclass(frozen=True)
class ServerKey:
    private: rsa.PrivateKey

    @classmethod
    def generate(cls) -> ServerKey:
        """A fresh 2048-bit key (a few seconds of pure Python: use ``shared()``)."""
        _, private = rsa.newkeys(2048)
        return cls(private)

    @classmethod
    def shared(cls) -> ServerKey:
        """One generated key per process, so many test servers cost one generation."""
        global _generated
        with _lock:
            if _generated is None:
                _generated = cls.generate()
            return _generated

    @classmethod
    def from_pem(cls, pem: bytes) -> ServerKey:
        return cls(rsa.PrivateKey.load_pkcs1(pem))

    @property
    def public_pem(self) -> str:
        """PKCS#1 ``BEGIN RSA PUBLIC KEY``: the format Telegram publishes and Telethon reads."""
        public = rsa.PublicKey(self.private.n, self.private.e)
        return public.save_pkcs1().decode()

    @property
    def private_pem(self) -> bytes:
        return bytes(self.private.save_pkcs1())

    @property
    def fingerprint(self) -> int:
        return int(telethon_rsa._compute_fingerprint(self.private))

    def decrypt(self, block: bytes) -> bytes:
        """Raw RSA, as Telethon encrypts (sha1 + data + padding, no PKCS#1 padding)."""
        value = rsa.core.decrypt_int(int.from_bytes(block, "big"), self.private.d, self.private.n)
        return int(value).to_bytes(256, "big")

    def trust(self) -> None:
        """Make this process's Telethon accept the key (``telethon.crypto.rsa.add_key``)."""
        telethon_rsa.add_key(self.public_pem, old=False)
