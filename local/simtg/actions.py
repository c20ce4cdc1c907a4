"""Test/demo controls on ``SimulatedTelegram`` (mixed into the server class).

They act as the "outside world": a phone scanning a QR code, the user turning
2FA on, channel admins posting, Telegram expiring file references or banning
the account from a channel.
"""

from __future__ import annotations

import base64
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from telethon.crypto import AuthKey
from telethon.tl import types as T

from .accounts import AuthRegistry
from .controls import Controls, RequestMatcher
from .models import MediaRec, MessageRec
from .srp import PasswordRecord
from .world import World

if TYPE_CHECKING:
    from .sender import SimSender


def parse_token(token: bytes | str) -> bytes:
    """Accept raw token bytes, base64url text, or a ``tg://login?token=…`` URL."""
    if isinstance(token, bytes):
        return token
    text = token.split("token=", 1)[1] if "token=" in token else token
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SimActions:
    """Mixin: every method here mutates the shared sim state.

    The attributes below are provided by ``SimulatedTelegram.__init__``.
    """

    world: World
    auth: AuthRegistry
    controls: Controls
    denied: set[int]
    file_ref_epoch: int
    _senders: weakref.WeakSet[SimSender]

    def approve_qr(
        self,
        token: bytes | str,
        user_id: int | None = None,
        dc_id: int | None = None,
    ) -> None:
        """Accept a QR login token as the user's phone would.

        ``dc_id`` is the DC of the approving account (default: its home DC); when
        it differs from the DC that exported the token the client gets
        ``auth.loginTokenMigrateTo``. Raises ``ValueError`` for unknown/expired tokens.
        """
        raw = parse_token(token)
        found = self.auth.live_token(raw)
        if found is None:
            raise ValueError("unknown or expired login token")
        user = user_id or self.world.me.id
        dc = dc_id or self.world.users.get(user, self.world.me).dc_id
        state = self.auth.keys[found.key]
        state.approved = (user, dc, raw)
        update = T.UpdateShort(T.UpdateLoginToken(), datetime.now(UTC))
        for sender in list(self._senders):
            if sender.auth_key.key == found.key:
                sender.push_update(update)

    def set_password(
        self,
        password: str | None,
        user_id: int | None = None,
        hint: str | None = None,
    ) -> None:
        """Turn 2FA on (with this password) or off (``None``)."""
        uid = user_id or self.world.me.id
        if password is None:
            self.auth.passwords.pop(uid, None)
        else:
            self.auth.passwords[uid] = PasswordRecord.create(password, hint)
        if uid == self.world.me.id:
            self.world.password = password

    def flood(
        self,
        request: RequestMatcher,
        seconds: int,
        *,
        after: int = 0,
        times: int = 1,
    ) -> None:
        """After ``after`` matching requests, answer ``times`` of them with FLOOD_WAIT_X."""
        self.controls.flood(request, seconds, after=after, times=times)

    def disconnect_after(self, request: RequestMatcher, n: int, *, times: int = 1) -> None:
        """Drop the connection (ConnectionError) on the (n+1)-th matching request."""
        self.controls.disconnect_after(request, n, times=times)

    def expire_file_references(self) -> None:
        """Invalidate every file reference handed out so far."""
        self.file_ref_epoch += 1

    def add_message(
        self,
        peer_id: int,
        text: str = "",
        *,
        date: datetime | None = None,
        media: MediaRec | None = None,
        **kwargs: Any,
    ) -> MessageRec:
        """Post a new message (see ``World.add_message`` for the options)."""
        return self.world.add_message(peer_id, text, date=date, media=media, **kwargs)

    def edit_message(
        self, peer_id: int, msg_id: int, text: str, date: datetime | None = None
    ) -> MessageRec:
        """New text and edit_date; advances the dialog's pts (see ``World.pts_log``)."""
        when = (date or datetime.now(UTC)).replace(microsecond=0)
        return self.world.edit_message(peer_id, msg_id, text, when)

    def delete_message(self, peer_id: int, msg_id: int) -> None:
        """Gone from history and counts; advances the dialog's pts."""
        self.world.delete_message(peer_id, msg_id)

    def deny(self, peer_id: int) -> None:
        """Ban the account from a channel/supergroup: its requests fail with CHANNEL_PRIVATE."""
        self.denied.add(peer_id)

    def allow(self, peer_id: int) -> None:
        self.denied.discard(peer_id)

    def revoke(self, auth_key: bytes | AuthKey | None = None) -> None:
        """Terminate a session (``None``: all of them): AUTH_KEY_UNREGISTERED from then on."""
        if isinstance(auth_key, AuthKey):
            auth_key = auth_key.key
        for key, state in self.auth.keys.items():
            if auth_key is None or key == auth_key:
                state.revoked, state.user_id = True, None
