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
- A start must pass both limits. The address slot is taken first; if the username then
  refuses, that slot is given back, so a refused start costs the address nothing.
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
from typing import Any

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
        limits = self._limits
        at = _now()
        address_pk = None
        if address is not None and limits.per_address > 0:
            bucket = address_key(address)
            address_pk = f"{PK_PREFIX}addr#{bucket}"
            wait = self._take(address_pk, limits.per_address, at)
            if wait is not None:
                log.info("QR login start refused: address %s over its limit", bucket)
                # Tell the longer of the two waits when the username is full too.
                user_wait = self._wait(f"{PK_PREFIX}user#{username}", limits.per_username, at)
                raise RateLimited(
                    f"Too many QR login starts from your address ({limits.per_address} per "
                    f"{_describe_window(limits.window)}); retry in {wait} s",
                    max(wait, user_wait or 0),
                )
        if limits.per_username > 0:
            wait = self._take(f"{PK_PREFIX}user#{username}", limits.per_username, at)
            if wait is not None:
                log.info("QR login start refused: username %s over its limit", username)
                if address_pk is not None:
                    self._give_back(address_pk, at)
                raise RateLimited(
                    f"Too many QR login starts for '{username}' ({limits.per_username} per "
                    f"{_describe_window(limits.window)}); retry in {wait} s",
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

    def _wait(self, pk: str, limit: int, at: int) -> int | None:
        if limit <= 0:
            return None
        return self._wait_for(self._recent(self._table.get(pk, WINDOW_SK), at), limit, at)

    def _take(self, pk: str, limit: int, at: int) -> int | None:
        """Take a slot (None) or tell how long until one frees (nothing written)."""
        for _ in range(_ATTEMPTS):
            item = self._table.get(pk, WINDOW_SK)
            starts = self._recent(item, at)
            wait = self._wait_for(starts, limit, at)
            if wait is not None:
                return wait
            try:
                self._write(pk, item, [*starts, at])
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
