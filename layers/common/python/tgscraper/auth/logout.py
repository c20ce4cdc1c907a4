"""Logout: end a username's Telegram authorization and forget what we hold for it.

Order matters. Telegram first (`auth.logOut` makes the auth key useless to anyone who
copied it), through the app's client provider so the account lease is respected and the
client is closed (lease released, session written back) before the session is deleted.
A Telegram failure never stops the local logout: the answer says so and the stored key
is deleted anyway. Then the session, then its cached data (tgscraper.accounts.wipe), then
the account's tokens and binding, once the data is all gone (with keep_data: the tokens
only).

Idempotent: without a session Telegram is not called, the rest deletes nothing more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telethon.errors import UnauthorizedError
from telethon.tl.functions.auth import LogOutRequest

from tgscraper.accounts.store import AccountStore
from tgscraper.accounts.wipe import wipe_account_data

if TYPE_CHECKING:
    from tgscraper.container import Container

log = logging.getLogger("tgscraper.auth")

TELEGRAM_SECONDS = 6.0
"""Budget for reaching Telegram (lease, connect, auth.logOut)."""
WIPE_SECONDS = 10.0
"""Budget for deleting cached data; what is left is deleted by the next call. Both
budgets together stay inside the auth Lambda's 20 s timeout."""


@dataclass(frozen=True)
class LogoutResult:
    had_session: bool
    telegram_logged_out: bool
    """The auth key no longer works at Telegram (logged out now or already invalid).
    False when there was no session, or Telegram could not be reached."""
    data_deleted: bool
    """Every cached item and file of the username is gone (False with keep_data)."""
    data_remaining: bool = False
    """The wipe ran out of time: part of the data is still stored; call again."""
    telegram_error: str | None = None

    @property
    def message(self) -> str:
        if not self.had_session:
            head = "No session was stored (already logged out)"
        elif self.telegram_logged_out:
            head = "Logged out of Telegram; the session is deleted"
        else:
            head = (
                f"The session is deleted, but Telegram was not told ({self.telegram_error}): "
                "end it under Settings > Devices on your phone"
            )
        if self.data_remaining:
            return (
                f"{head}; part of the cached data is still stored: send the same request "
                "again (the access tokens work until it is all gone)"
            )
        if self.data_deleted:
            tail = "cached data deleted"
        else:
            tail = "cached data kept (it stays bound to this Telegram account)"
        return f"{head}; access tokens revoked; {tail}"


async def log_out(container: Container, username: str, *, keep_data: bool) -> LogoutResult:
    stores = container.stores
    had_session = await asyncio.to_thread(stores.sessions.login_exists, username)
    telegram_ok, error = False, None
    if had_session:
        telegram_ok, error = await _telegram_log_out(container, username)
    complete = await asyncio.to_thread(_forget_locally, container, username, keep_data)
    deleted = not keep_data and complete
    remaining = not keep_data and not complete
    return LogoutResult(had_session, telegram_ok, deleted, remaining, error)


async def _telegram_log_out(container: Container, username: str) -> tuple[bool, str | None]:
    try:
        async with asyncio.timeout(TELEGRAM_SECONDS):
            async with container.telegram.client(username) as client:
                await client(LogOutRequest())
    except UnauthorizedError:
        return True, None  # the key was already revoked (e.g. ended on the phone)
    except TimeoutError:
        log.warning("logout of %s: Telegram did not answer in time", username)
        return False, "Telegram did not answer in time"
    except Exception as exc:  # whatever fails remotely, the local logout goes on
        log.warning("logout of %s: Telegram call failed (%s)", username, type(exc).__name__)
        return False, f"Telegram call failed: {type(exc).__name__}"
    return True, None


def _forget_locally(container: Container, username: str, keep_data: bool) -> bool:
    """Session, tokens (and binding), data; False when data is left (out of time)."""
    stores = container.stores
    stores.sessions.delete(username)
    accounts = AccountStore(stores.accounts)
    if keep_data:
        # The kept caches stay bound to this Telegram account: only the tokens go.
        for token in accounts.tokens(username):
            accounts.revoke(username, token.id)
        return True
    deadline = time.monotonic() + WIPE_SECONDS
    report = wipe_account_data(stores, username, deadline=deadline)
    log.info(
        "logout of %s: deleted %d cached items, %d media entries, %d files",
        username,
        report.messages,
        report.media,
        report.blobs,
    )
    if report.complete:
        # Only now is the username free: while data is left its binding stays (another
        # Telegram account cannot take the name and find the rest), and so do its tokens
        # (the same request, sent again, finishes the job).
        accounts.forget(username)
    return report.complete
