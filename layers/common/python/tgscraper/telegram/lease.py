"""Per-account lease: at most one process (local runner, Lambda, CLI) drives an account.

Telegram can revoke an auth key used from two places at once (AUTH_KEY_DUPLICATED), so
whoever connects a client for a username first takes a lease: one item
(pk=<username>, sk="lease") written only if absent, with an expiry. The holder renews it
while the client is in use and deletes it when done; a crashed holder's lease simply
expires (`LEASE_SECONDS`). Another process waits for the lease up to `wait` seconds and
then gets a 409 (`AccountBusy`).

A crash need not block the account for the lease's lifetime: the item records who holds
it (host identity, pid, the pid's start time). A process on the same host that finds a
lease whose pid is gone, or now belongs to another process (a different start time),
takes it over at once (compare-and-set on the holder). Another host's lease is never
judged: it is waited for or expires.

In AWS the item lives in the sessions table beside the login (the session store skips
it when deleting a login); in embedded mode in its own SQLite table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any

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


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def _host_identity() -> str:
    """This host as pids are meaningful on it: hostname, boot and pid namespace."""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    boot = _read("/proc/sys/kernel/random/boot_id") or ""
    return f"{socket.gethostname()}|{boot}|{namespace}"


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot; Linux), None if unknown."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
    return fields[19] if len(fields) > 19 else None


_HOST = _host_identity()
_PID = os.getpid()
_STARTED = _start_time(_PID)


def _owner() -> dict[str, Any]:
    return {"host": _HOST, "pid": _PID, "started": _STARTED}


def holder_is_dead(item: dict[str, Any]) -> bool:
    """True when the lease was taken by a process of this host that no longer runs."""
    pid = item.get("pid")
    if item.get("host") != _HOST or not isinstance(pid, int) or pid <= 0:
        return False
    if pid == _PID:
        return item.get("started") != _STARTED  # an earlier process with our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's: compare start times
    started = _start_time(pid)
    return started is not None and item.get("started") is not None and started != item["started"]


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
            **_owner(),
        }

    def try_acquire(self) -> bool:
        try:
            self.table.put(self._item(), if_absent=True)
        except ConditionFailed:
            return self._take_over_dead()
        return True

    def _take_over_dead(self) -> bool:
        current = self.table.get(self.username, LEASE_SK)
        if current is None or not holder_is_dead(current):
            return False
        try:
            self.table.put(self._item(), expect={"holder": current.get("holder")})
        except ConditionFailed:
            return False  # someone else was quicker
        log.warning(
            "lease of %s taken over from process %s, which is no longer running",
            self.username,
            current.get("pid"),
        )
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
