"""The embedded store's sweep, run by the local runner at start and then periodically.

DynamoDB deletes expired items itself (TTL) and S3 aborts nothing we leave; the embedded
adapters have no such janitor, so this is it:

- at start: every folder/file under DATA_DIR loses group/other permissions (one warning
  naming what was loose; see tgscraper.storage.private);
- every sweep: QR flows past their deadline are ended (status "expired", temporary auth
  key wiped; an approved-but-never-polled flow included); items whose TTL passed are
  deleted from every table (finished QR flows an hour after their deadline, stale
  leases, locks); the store database's WAL is checkpointed (not the message cache's),
  so wiped keys (zeroed by secure_delete) leave no copy in the -wal file; `.part`
  files of dead writers are removed (never one a live writer holds).

Sweeps run every SWEEP_INTERVAL seconds (default 60) and also at the next QR deadline,
so a flow's key is wiped within about a second of its expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tgscraper.auth.store import PK_PREFIX, STATE_SK, QrStore
from tgscraper.container import Container
from tgscraper.storage.factory import Stores
from tgscraper.storage.file_sessions import TelethonFileSessionStore
from tgscraper.storage.fs_blobs import FolderBlobStore
from tgscraper.storage.ports import StorageError, now
from tgscraper.storage.private import tighten
from tgscraper.storage.sqlite_table import SqliteItemTable

log = logging.getLogger("tgscraper.sweep")

MIN_SLEEP = 0.5
_SHOWN_PATHS = 20


@dataclass
class Sweeper:
    stores: Stores
    data_dir: Path
    interval: float

    def tables(self) -> list[SqliteItemTable]:
        found = (self.stores.leases, self.stores.qr, self.stores.media, self.stores.messages)
        return [t for t in found if isinstance(t, SqliteItemTable)]

    def tighten_permissions(self) -> list[Path]:
        loose = tighten(self.data_dir)
        if loose:
            names = [str(p) for p in loose[:_SHOWN_PATHS]]
            more = f" and {len(loose) - _SHOWN_PATHS} more" if len(loose) > _SHOWN_PATHS else ""
            log.warning(
                "data folder permissions were too open (readable by other local users); "
                "set owner-only (0700 folders, 0600 files) on: %s%s",
                ", ".join(names),
                more,
            )
        return loose

    def sweep(self) -> int | None:
        """One sweep; returns the next QR deadline to wake up for (None: none pending)."""
        at = now()
        upcoming = None
        qr = self.stores.qr
        if isinstance(qr, SqliteItemTable):
            ended, upcoming = QrStore(qr).expire_overdue(
                qr.scan(pk_prefix=PK_PREFIX, sk=STATE_SK), at
            )
            if ended:
                log.info("ended %d QR login(s) past their deadline (keys wiped)", ended)
        purged = sum(table.purge_expired(at) for table in self.tables())
        if purged:
            log.info("deleted %d expired item(s) from the embedded store", purged)
        if isinstance(qr, SqliteItemTable):
            # Only the database holding secrets: a TRUNCATE checkpoint holds writers back
            # while readers finish, which the message cache's long scans must not pay.
            qr.database.checkpoint()
        if isinstance(self.stores.blobs, FolderBlobStore):
            self.stores.blobs.remove_stray_parts()
        if isinstance(self.stores.sessions, TelethonFileSessionStore):
            self.stores.sessions.remove_stray_temps()
        return upcoming

    def delay(self, upcoming: int | None) -> float:
        until_deadline = None if upcoming is None else upcoming - now() + MIN_SLEEP
        candidates = [d for d in (self.interval or None, until_deadline) if d is not None]
        return max(MIN_SLEEP, min(candidates)) if candidates else 0.0

    async def run(self, upcoming: int | None) -> None:
        """Sweep forever after the start sweep (which found `upcoming`); a failing sweep
        is logged and retried."""
        while True:
            delay = self.delay(upcoming)
            if not delay:
                return  # SWEEP_INTERVAL=0 and no flow pending: start-only
            await asyncio.sleep(delay)
            try:
                upcoming = await asyncio.to_thread(self.sweep)
            except (StorageError, OSError) as exc:
                log.warning("sweep failed (%s); retrying next time", exc)


def _sweeper(container: Container) -> Sweeper | None:
    settings = container.settings
    if settings.storage_backend != "embedded":
        return None
    stores = container.stores
    if not isinstance(stores.qr, SqliteItemTable):
        return None  # wrapped or foreign stores (tests): nothing of ours to sweep
    return Sweeper(stores, settings.data_dir, settings.sweep_interval)


def install_sweeper(app: FastAPI, container: Container) -> None:
    """Run the start sweep and the periodic one for the app's lifetime (its lifespan)."""
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        from local.log_redact import install as redact_logs

        redact_logs()  # uvicorn has configured its loggers by now
        sweeper = _sweeper(container)
        task = None
        if sweeper is not None:
            first = None
            try:  # never a reason not to start: the periodic sweep tries again
                await asyncio.to_thread(sweeper.tighten_permissions)
                first = await asyncio.to_thread(sweeper.sweep)
            except (StorageError, OSError) as exc:
                log.warning("start-up sweep failed (%s); the server starts anyway", exc)
            task = asyncio.create_task(sweeper.run(first))
        try:
            async with previous(application) as state:
                yield state
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
