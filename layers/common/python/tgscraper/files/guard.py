"""Download-once guards: an asyncio lock per key inside a process, and a lease item with
an expiry in an ItemTable across processes (Lambdas, local runners sharing storage).

The lease is a conditional write (create-if-absent) of `{pk: <uuid>, sk: "download"}`
with a holder token and `expires_at`. The holder renews it while downloading and deletes
it when done; a crashed holder's lease simply expires, after which another request can
take over. Readers treat an expired lease as absent (the ItemTable contract).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from tgscraper.storage.ports import ConditionFailed, ItemTable, now

log = logging.getLogger("tgscraper.files")

LEASE_SK = "download"


class KeyedLocks:
    """One asyncio.Lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class DownloadLease:
    """The cross-process lease on downloading one uuid."""

    def __init__(self, table: ItemTable, media_id: str, seconds: int) -> None:
        self._table = table
        self._key = (media_id, LEASE_SK)
        self._seconds = seconds
        self._token = secrets.token_hex(8)

    def _item(self) -> dict[str, object]:
        pk, sk = self._key
        return {"pk": pk, "sk": sk, "holder": self._token, "expires_at": now() + self._seconds}

    def try_acquire(self) -> bool:
        try:
            self._table.put(self._item(), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def renew(self) -> bool:
        try:
            self._table.put(self._item(), expect={"holder": self._token})
        except ConditionFailed:
            return False
        return True

    def release(self) -> None:
        with contextlib.suppress(ConditionFailed):
            self._table.delete(*self._key, expect={"holder": self._token})

    @contextlib.asynccontextmanager
    async def renewing(self) -> AsyncIterator[None]:
        """Keeps the lease alive (renewed every third of its lifetime) and releases it."""

        async def _renew_forever() -> None:
            while True:
                await asyncio.sleep(self._seconds / 3)
                if not await asyncio.to_thread(self.renew):
                    log.warning("download lease on %s was lost; continuing", self._key[0])

        task = asyncio.create_task(_renew_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            # Synchronous on purpose: an await here could be cancelled again (client gone)
            # and leave the lease to block everyone until it expires.
            self.release()
