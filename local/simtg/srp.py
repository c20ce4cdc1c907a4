"""Server side of Telegram's SRP-2048 2FA check (the half Telethon never runs).

The server stores only ``salt1``, ``salt2`` and the verifier ``v = g^x mod p``
(``x`` is the PBKDF2-based password hash). ``account.getPassword`` hands out a
fresh ephemeral ``B``; ``auth.checkPassword`` recomputes ``M1`` from the
client's ``A`` and compares. The algorithm mirrors ``telethon.password`` from
the other side; the prime is Telegram's well-known 2048-bit safe prime.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from telethon.tl import types as T

G = 3
P_BYTES = bytes.fromhex(
    "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f"
    "48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c37"
    "20fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64"
    "2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4"
    "a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754"
    "fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4"
    "e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f"
    "0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b"
)
P = int.from_bytes(P_BYTES, "big")


def _sha256(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.digest()


def _pad(n: int) -> bytes:
    return n.to_bytes(256, "big")


def password_hash(password: str, salt1: bytes, salt2: bytes) -> int:
    """``x`` of the SRP exchange (PH2 in Telegram's documentation)."""
    h1 = _sha256(salt1, password.encode(), salt1)
    h2 = _sha256(salt2, h1, salt2)
    h3 = hashlib.pbkdf2_hmac("sha512", h2, salt1, 100_000)
    return int.from_bytes(_sha256(salt2, h3, salt2), "big")


def _good(n: int) -> bool:
    """Telethon rejects values too close to 0 or p (``is_good_mod_exp_first``)."""
    diff = P - n
    return diff > 0 and diff.bit_length() >= 1984 and n.bit_length() >= 1984


@dataclass
class PasswordRecord:
    """What the server keeps about a 2FA password: never the password itself."""

    salt1: bytes
    salt2: bytes
    verifier: int
    hint: str | None = None

    @classmethod
    def create(cls, password: str, hint: str | None = None) -> PasswordRecord:
        salt1, salt2 = os.urandom(40), os.urandom(16)
        return cls(salt1, salt2, pow(G, password_hash(password, salt1, salt2), P), hint)

    def algo(self) -> T.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow:
        return T.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
            self.salt1, self.salt2, G, P_BYTES
        )


@dataclass
class SrpSession:
    """One ``account.getPassword`` answer: the ephemeral secret ``b`` and public ``B``."""

    srp_id: int
    b: int
    B: int
    record: PasswordRecord

    @classmethod
    def start(cls, record: PasswordRecord) -> SrpSession:
        k = int.from_bytes(_sha256(P_BYTES, _pad(G)), "big")
        while True:
            b = int.from_bytes(os.urandom(256), "big")
            g_b = pow(G, b, P)
            B = (k * record.verifier + g_b) % P
            if _good(g_b) and 0 < B < P:
                return cls(secrets.randbits(63), b, B, record)

    @property
    def B_bytes(self) -> bytes:
        return _pad(self.B)

    def verify(self, A_bytes: bytes, M1: bytes) -> bool:
        """Check the client's proof ``M1`` against the stored verifier."""
        A = int.from_bytes(A_bytes, "big")
        if not 0 < A < P:
            return False
        u = int.from_bytes(_sha256(_pad(A), self.B_bytes), "big")
        S = pow(A * pow(self.record.verifier, u, P) % P, self.b, P)
        K = _sha256(_pad(S))
        rec = self.record
        hp, hg = _sha256(P_BYTES), _sha256(_pad(G))
        expected = _sha256(
            bytes(x ^ y for x, y in zip(hp, hg, strict=True)),
            _sha256(rec.salt1),
            _sha256(rec.salt2),
            _pad(A),
            self.B_bytes,
            K,
        )
        return hmac.compare_digest(expected, M1)
