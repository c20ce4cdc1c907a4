"""Readiness: can this process serve requests? Each store is probed with one cheap read
and the Telegram API credentials are resolved, each reported on its own.

`/health` stays a liveness answer that touches nothing; `/health?deep=true` runs these
checks (functions/info). The local runner also logs them once at start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from tgscraper.container import Container
from tgscraper.errors import ServiceError, StorageMisconfigured
from tgscraper.storage.ports import StorageError

log = logging.getLogger("tgscraper.readiness")

Status = Literal["ok", "error", "skipped"]

PROBE_KEY = "readiness-probe"
"""Key read by the probes (never written): reading an absent item is enough to prove the
table exists and the role may read it."""


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


def _probe(name: str, run: object) -> Check:
    assert callable(run)
    try:
        run()
    except StorageMisconfigured as exc:
        return Check(name, "error", exc.detail)
    except StorageError as exc:
        return Check(name, "error", f"storage unavailable: {exc}")
    except ServiceError as exc:
        return Check(name, "error", exc.detail)
    except Exception as exc:
        log.exception("readiness check %s failed unexpectedly", name)
        return Check(name, "error", f"unexpected {type(exc).__name__}")
    return Check(name, "ok", "reachable")


def _telegram(container: Container) -> Check:
    if container.mode == "demo":
        return Check("telegram_credentials", "skipped", "demo mode: the simulated Telegram")
    settings = container.settings
    if settings.telegram_api_id and settings.telegram_api_hash:
        return Check("telegram_credentials", "ok", "from TELEGRAM_API_ID / TELEGRAM_API_HASH")
    from tgscraper.telegram.credentials import resolve_credentials

    try:
        resolve_credentials(settings)
    except ServiceError as exc:
        return Check("telegram_credentials", "error", exc.detail)
    where = f"{settings.telegram_api_id_param}, {settings.telegram_api_hash_param}"
    return Check("telegram_credentials", "ok", f"from SSM ({where})")


def run_checks(container: Container) -> list[Check]:
    try:
        stores = container.stores
    except Exception as exc:  # e.g. an unusable DATA_DIR
        return [
            Check("storage", "error", f"stores could not be built: {exc}"),
            _telegram(container),
        ]
    checks = [
        _probe("storage.sessions", lambda: stores.sessions.load(PROBE_KEY)),
        _probe("storage.leases", lambda: stores.leases.get(PROBE_KEY, PROBE_KEY)),
        _probe("storage.qr", lambda: stores.qr.get(PROBE_KEY, PROBE_KEY)),
        _probe("storage.messages", lambda: stores.messages.get(PROBE_KEY, PROBE_KEY)),
        _probe("storage.media", lambda: stores.media.get(PROBE_KEY, PROBE_KEY)),
        _probe(
            "storage.blobs", getattr(stores.blobs, "check", lambda: stores.blobs.size(PROBE_KEY))
        ),
        _telegram(container),
    ]
    return checks


def log_checks(container: Container) -> list[Check]:
    """Run the checks and log the outcome once (the local runner calls this at start)."""
    checks = run_checks(container)
    failed = [c for c in checks if c.status == "error"]
    for check in failed:
        log.error("not ready: %s: %s", check.name, check.detail)
    if not failed:
        log.info("ready: %s", ", ".join(f"{c.name} {c.status}" for c in checks))
    return checks
