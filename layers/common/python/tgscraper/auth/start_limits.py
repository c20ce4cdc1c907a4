"""Abuse limits on QR login starts: at most N per client address and M per username in a
sliding window, shared by every process and Lambda through the `qr` ItemTable.

One item per limited key: pk="qrlimit#addr#<address>" or "qrlimit#user#<username>",
sk="window", holding `starts` (the epoch seconds of the starts accepted within the
window, oldest first, at most `limit` of them) and a `version` for compare-and-set.
`expires_at` (the TTL) is the newest start + the window: an idle key's item vanishes
by itself (DynamoDB TTL; the embedded sweep purges it).

- Only accepted starts are recorded: a refused one writes nothing, so a client that
  keeps hammering is free again one window after its last *accepted* start.
- Every write is conditional (if_absent / expect version): two starts racing for the
  last slot cannot both take it; the loser reads again and is refused.
- A start must pass both limits. Both counters are read first, so a refused start
  writes nothing; a start that loses a race for the username's last slot gives back
  the address slot it already took.
- IPv6 clients are limited per /64 (one host usually owns a whole /64), IPv4 per
  address; an IPv4-mapped IPv6 address counts as its IPv4 one.

No HTTP here: the route passes the client address as a plain string (None: an
in-process caller such as the CLI, not limited by address).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import Any, NoReturn

from tgscraper.errors import RateLimited
from tgscraper.storage.calls import storage_call
from tgscraper.storage.ports import ConditionFailed, ItemTable

log = logging.getLogger("tgscraper.auth")

PK_PREFIX = "qrlimit#"
WINDOW_SK = "window"
_ATTEMPTS = 8
"""Compare-and-set rounds before giving up (each lost round means another start won)."""


def _now() -> int:
    """The limiter's clock (tests move it to let a window pass)."""
    return int(time.time())


@dataclass(frozen=True)
class _Bucket:
    pk: str
    limit: int
    whose: str
    """How the refusal names it: "from your address", "for 'alice'"."""
    logged: str


@dataclass(frozen=True)
class StartLimits:
    """The configured numbers; a limit of 0 turns that limit off."""

    per_address: int = 10
    per_username: int = 5
    window: int = 600
    """Seconds."""


def address_key(address: str) -> str:
    """The bucket an address counts in: the IPv4 address, the IPv6 /64, or (anything
    that is not an IP, e.g. a hostname from a proxy header) a hash of it."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "other:" + hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()[:32]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _describe_window(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


class StartLimiter:
    def __init__(self, table: ItemTable, limits: StartLimits) -> None:
        self._table = table
        self._limits = limits

    async def admit(self, username: str, address: str | None) -> None:
        """Record one QR login start, or raise RateLimited (nothing recorded) when the
        address or the username has used up its window. `username` must be valid."""
        await storage_call(self._table, self._admit, username, address)

    def _admit(self, username: str, address: str | None) -> None:
        at = _now()
        buckets = self._buckets(username, address)
        # Read every counter first: a refused start (a client hammering) writes nothing.
        items = {b.pk: self._table.get(b.pk, WINDOW_SK) for b in buckets}
        waits = [(b, self._wait_for(self._recent(items[b.pk], at), b.limit, at)) for b in buckets]
        full = [(b, wait) for b, wait in waits if wait is not None]
        if full:
            self._refuse(full[0][0], max(wait for _, wait in full))
        taken: list[_Bucket] = []
        for bucket in buckets:
            wait = self._take(bucket, at, items[bucket.pk])
            if wait is not None:  # another start took the last slot meanwhile
                for earlier in taken:
                    self._give_back(earlier.pk, at)
                self._refuse(bucket, wait)
            taken.append(bucket)

    def _buckets(self, username: str, address: str | None) -> list[_Bucket]:
        limits = self._limits
        buckets = []
        if address is not None and limits.per_address > 0:
            name = address_key(address)
            buckets.append(
                _Bucket(f"{PK_PREFIX}addr#{name}", limits.per_address, "from your address", name)
            )
        if limits.per_username > 0:
            buckets.append(
                _Bucket(
                    f"{PK_PREFIX}user#{username}",
                    limits.per_username,
                    f"for '{username}'",
                    f"username {username}",
                )
            )
        return buckets

    def _refuse(self, bucket: _Bucket, wait: int) -> NoReturn:
        log.info("QR login start refused: %s over its limit", bucket.logged)
        raise RateLimited(
            f"Too many QR login starts {bucket.whose} ({bucket.limit} per "
            f"{_describe_window(self._limits.window)}); retry in {wait} s",
            wait,
        )

    # -- one key ---------------------------------------------------------------------------
    def _recent(self, item: dict[str, Any] | None, at: int) -> list[int]:
        """The accepted starts still inside the window at `at`, oldest first."""
        if item is None:
            return []
        since = at - self._limits.window
        # Starts "after" `at` (another instance's clock a little ahead) are kept.
        return sorted(int(t) for t in item.get("starts") or () if int(t) > since)

    def _wait_for(self, starts: list[int], limit: int, at: int) -> int | None:
        """Seconds until a slot frees (None: one is free now)."""
        if len(starts) < limit:
            return None
        # The slot of the (len - limit + 1)-th oldest start frees first.
        return max(1, starts[len(starts) - limit] + self._limits.window - at)

    def _take(self, bucket: _Bucket, at: int, item: dict[str, Any] | None) -> int | None:
        """Take a slot (None) or tell how long until one frees (nothing written).
        `item`: the counter as just read (read again after a lost compare-and-set)."""
        for attempt in range(_ATTEMPTS):
            if attempt:
                item = self._table.get(bucket.pk, WINDOW_SK)
            starts = self._recent(item, at)
            wait = self._wait_for(starts, bucket.limit, at)
            if wait is not None:
                return wait
            try:
                self._write(bucket.pk, item, [*starts, at])
            except ConditionFailed:
                continue  # another start changed it meanwhile: look again
            return None
        # Only reachable under a storm of concurrent starts on one key: refuse briefly.
        return 1

    def _give_back(self, pk: str, at: int) -> None:
        """Undo one start recorded at `at` (the other limit refused it)."""
        for _ in range(_ATTEMPTS):
            item = self._table.get(pk, WINDOW_SK)
            starts = self._recent(item, at)
            if item is None or at not in starts:
                return
            starts.remove(at)
            try:
                if starts:
                    self._write(pk, item, starts)
                else:
                    self._table.delete(pk, WINDOW_SK, expect={"version": item.get("version")})
            except ConditionFailed:
                continue
            return

    def _write(self, pk: str, previous: dict[str, Any] | None, starts: list[int]) -> None:
        new = {
            "pk": pk,
            "sk": WINDOW_SK,
            "starts": starts,
            "version": int(previous.get("version") or 0) + 1 if previous else 1,
            "expires_at": max(starts) + self._limits.window,
        }
        if previous is None:
            self._table.put(new, if_absent=True)
        else:
            self._table.put(new, expect={"version": previous.get("version")})
