"""Server-side authorization state: auth keys, QR login tokens, 2FA, exports.

Everything is keyed by the raw 256-byte auth key, never by a connection, so a
brand-new ``TelegramClient`` (another process, a cold Lambda) built from the
same stored key is recognised as the same authorization.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .srp import PasswordRecord, SrpSession


@dataclass
class KeyState:
    """What the server knows about one auth key."""

    key: bytes
    dc_id: int
    user_id: int | None = None  # authorized user, if any
    password_user: int | None = None  # passed QR/code step, waiting for the 2FA password
    revoked: bool = False
    # QR accepted by a phone: (user id, DC of the approving app, token it scanned)
    approved: tuple[int, int, bytes] | None = None

    @property
    def authorized(self) -> bool:
        return self.user_id is not None and not self.revoked


@dataclass
class LoginToken:
    token: bytes
    key: bytes  # the auth key that exported it
    dc_id: int
    expires: datetime


@dataclass
class AuthRegistry:
    """All authorization state of one simulated Telegram."""

    keys: dict[bytes, KeyState] = field(default_factory=dict)
    tokens: dict[bytes, LoginToken] = field(default_factory=dict)
    passwords: dict[int, PasswordRecord] = field(default_factory=dict)
    srp_sessions: dict[int, SrpSession] = field(default_factory=dict)
    exported: dict[int, tuple[bytes, int]] = field(default_factory=dict)  # id -> (bytes, user)
    #: Phone login: the code every "sent" code is (documented for the demo), and the
    #: phone_code_hash of each code sent -> the phone number (digits) it was sent to.
    login_code: str = "12345"
    phone_codes: dict[str, str] = field(default_factory=dict)
    token_ttl: float = 30.0

    def new_key(self, dc_id: int, user_id: int | None = None) -> KeyState:
        """A fresh key, as if the client had just completed the DH handshake."""
        state = KeyState(os.urandom(256), dc_id, user_id)
        self.keys[state.key] = state
        return state

    def key_state(self, key: bytes | None, dc_id: int) -> KeyState | None:
        """State of a key; keys the server never saw are registered as unauthorized."""
        if not key:
            return None
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = KeyState(key, dc_id)
        return state

    def export_token(self, state: KeyState) -> LoginToken:
        token = LoginToken(
            secrets.token_bytes(32),
            state.key,
            state.dc_id,
            datetime.now(UTC) + timedelta(seconds=self.token_ttl),
        )
        self.tokens[token.token] = token
        return token

    def live_token(self, token: bytes) -> LoginToken | None:
        found = self.tokens.get(token)
        if found is None or found.expires < datetime.now(UTC):
            return None
        return found

    def login(self, state: KeyState, user_id: int) -> bool:
        """Authorize the key, unless 2FA is on; returns False when a password is needed."""
        if user_id in self.passwords:
            state.password_user = user_id
            return False
        state.user_id, state.password_user, state.approved = user_id, None, None
        return True

    def export_authorization(self, user_id: int) -> tuple[int, bytes]:
        ident, blob = secrets.randbits(63), secrets.token_bytes(32)
        self.exported[ident] = (blob, user_id)
        return ident, blob
