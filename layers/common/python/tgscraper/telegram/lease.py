"""Per-account lease: at most one process (local runner, Lambda, CLI) drives an account.

Telegram can revoke an auth key used from two places at once (AUTH_KEY_DUPLICATED), so
whoever connects a client for a username first takes a lease: one item
(pk=<username>, sk="lease") written only if absent, with an expiry. The holder renews it
while the client is in use and deletes it when done; a crashed holder's lease simply
expires (`LEASE_SECONDS`). Another process waits for the lease up to `wait` seconds and
then gets a 409 (`AccountBusy`).

In AWS the item lives in the sessions table beside the login (the session store skips
it when deleting a login); in embedded mode in its own SQLite table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field

from tgscraper.errors import Conflict
from tgscraper.storage.ports import ConditionFailed, ItemTable, now

log = logging.getLogger("tgscraper.telegram")

LEASE_SK = "lease"
LEASE_SECONDS = 30
"""A lease not renewed for this long is free for anyone (a holder that crashed)."""
RENEW_EVERY = LEASE_SECONDS / 3
DEFAULT_WAIT = 10.0
"""How long a request waits for another process to release the account."""


class AccountBusy(Conflict):
    """Another process holds the account's lease."""


@dataclass
class Lease:
    table: ItemTable
    username: str
    holder: str = field(default_factory=lambda: secrets.token_hex(16))
    seconds: int = LEASE_SECONDS
    _renewer: asyncio.Task[None] | None = None

    def _item(self) -> dict[str, object]:
        return {
            "pk": self.username,
            "sk": LEASE_SK,
            "holder": self.holder,
            "expires_at": now() + self.seconds,
        }

    def try_acquire(self) -> bool:
        try:
            self.table.put(self._item(), if_absent=True)
        except ConditionFailed:
            return False
        return True

    async def acquire(self, wait: float = DEFAULT_WAIT) -> None:
        """Take the lease, waiting up to `wait` seconds; AccountBusy after that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        delay = 0.05
        while not self.try_acquire():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AccountBusy(
                    f"Telegram account '{self.username}' is in use by another process; "
                    "retry in a few seconds"
                )
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)
        self._renewer = asyncio.create_task(self._renew_forever())

    def renew(self) -> bool:
        """Extend the lease if we still hold it; False when it was lost."""
        try:
            self.table.put(self._item(), expect={"holder": self.holder})
        except ConditionFailed:
            return False
        return True

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            if not self.renew():
                # Only possible after a stall longer than LEASE_SECONDS; say so loudly.
                log.warning("lease of %s was lost (expired while held)", self.username)
                return

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        # ConditionFailed: it expired and maybe someone else took it; theirs now.
        with contextlib.suppress(ConditionFailed):
            self.table.delete(self.username, LEASE_SK, expect={"holder": self.holder})
