"""Settings of the dialog cache, read from the environment (documented in the README).

DIALOG_CACHE_TTL (seconds, default 600): how long a listing of dialogs and folders is
served from the cache before the next search lists them from Telegram again.
DIALOG_COUNT_CONCURRENCY (default 4): count / full-info requests in flight at once.
DIALOG_COUNT_BUDGET (seconds, default 20): how long one request may spend fetching counts
before it saves what it has and asks the client to retry (API Gateway stops at 30 s).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int, lo: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return max(lo, int(raw)) if raw else default
    except ValueError:
        return default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True)
class DialogSettings:
    cache_ttl: int = 600
    count_concurrency: int = 4
    count_budget: float = 20.0

    @classmethod
    def from_env(cls) -> DialogSettings:
        return cls(
            cache_ttl=_int("DIALOG_CACHE_TTL", cls.cache_ttl, 0),
            count_concurrency=_int("DIALOG_COUNT_CONCURRENCY", cls.count_concurrency, 1),
            count_budget=_float("DIALOG_COUNT_BUDGET", cls.count_budget),
        )
