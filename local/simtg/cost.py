"""The cost model: what a request costs in time and in flood budget.

Three rules, all off in the default ``CostModel()`` (a free, instant Telegram):

* ``latency``: seconds every request waits before it is answered (a round trip); requests
  in flight wait in parallel.
* ``bandwidth``: bytes per second *per connection* (a ``SimSender`` or a TCP
  ``Connection``: a client's main connection, each exported/borrowed sender for another
  DC, each extra connection a parallel downloader opens). An answer of B bytes (its
  serialized TL size) occupies its connection for B / bandwidth seconds, one answer after
  another (``Pipe``): more parts in flight on one connection are no faster, more
  connections are.
* ``flood_limits``: a token bucket per (account, method), ``FloodLimit(rate, burst)``; a
  request finding the bucket empty is answered ``FLOOD_WAIT_X`` (X = whole seconds until
  a token is there) and takes nothing from it. Requests are charged when they arrive,
  before their latency.

``CostModel.telegram_like()`` is the preset the benchmarks use (see its docstring).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from telethon.tl.tlobject import TLRequest

from .errors import RpcFault

MiB = 1024 * 1024


@dataclass(frozen=True)
class FloodLimit:
    """``rate`` requests per second sustained, ``burst`` at once from a full bucket."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a flood limit needs rate > 0 and burst >= 1")


def method_name(request: TLRequest) -> str:
    """The TL method name, ``messages.getHistory`` for ``GetHistoryRequest``."""
    module = type(request).__module__.rsplit(".", 1)[-1]
    name = type(request).__name__.removesuffix("Request")
    name = name[:1].lower() + name[1:]
    return name if module == "functions" else f"{module}.{name}"


def _key(name: str) -> str:
    # "messages.getHistory", "messages.GetHistoryRequest" and "messages.gethistory" agree.
    return name.lower().removesuffix("request")


@dataclass(frozen=True)
class CostModel:
    """What requests cost (see the module docstring). ``clock`` is the monotonic clock
    the flood buckets and the pipes read; tests may inject their own."""

    latency: float = 0.0
    bandwidth: float | None = None
    flood_limits: Mapping[str, FloodLimit] | None = None
    flood_default: FloodLimit | None = None
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0")
        if self.bandwidth is not None and self.bandwidth <= 0:
            raise ValueError("bandwidth must be > 0 bytes/s (None: unlimited)")

    def limit_for(self, method: str) -> FloodLimit | None:
        """The flood limit of a TL method (``messages.getHistory``), else the default."""
        wanted = _key(method)
        for name, limit in (self.flood_limits or {}).items():
            if _key(name) == wanted:
                return limit
        return self.flood_default

    @property
    def free(self) -> bool:
        return not (self.latency or self.bandwidth or self.flood_limits or self.flood_default)

    @classmethod
    def telegram_like(cls, clock: Callable[[], float] = time.monotonic) -> CostModel:
        """A Telegram seen from a nearby data centre. Estimates, not measurements:
        Telegram publishes no per-method limits for user accounts and adapts them to
        the account and the load.

        * latency 20 ms: a round trip to a DC in the same region.
        * 8 MiB/s per connection: a round figure (real speeds vary, and Telegram caps
          downloads without Premium), chosen so that one connection, not the account,
          limits a large download, as with Telegram: Telegram Desktop opens up to 8
          download sessions per DC with 16 parts of 128 KB in flight
          (storage/file_download.cpp, ``kMaxSessionsCount``, ``kMaxFileQueries``).
        * flood limits (rate/s, burst): ``upload.getFile`` 100/100 (Telegram Desktop's
          16 parts in flight at 8 MiB/s are ~64 parts/s per connection and are not
          flood-waited); ``messages.getHistory``, ``messages.getMessages`` and
          ``channels.getMessages`` 100/100 (a sequential walk, ~30-45 requests/s at
          20 ms, is never punished, a few slices in parallel are tolerated, a client
          with dozens of requests in flight is flood-waited within a second; Telethon's
          note of "30 seconds per 10 requests" for long walks dates from older servers
          and would forbid the plain loop the benchmarks compare against);
          ``messages.getDialogs`` 5/20 (FLOOD_WAITs on repeated listings are commonly
          reported); ``contacts.resolveUsername`` 0.2/20 (commonly reported to flood
          after a few dozen lookups; the real budget is stricter); any other 50/100.
        """
        return cls(
            latency=0.020,
            bandwidth=8 * MiB,
            flood_limits={
                "upload.getFile": FloodLimit(100, 100),
                "messages.getHistory": FloodLimit(100, 100),
                "messages.getMessages": FloodLimit(100, 100),
                "channels.getMessages": FloodLimit(100, 100),
                "messages.getDialogs": FloodLimit(5, 20),
                "contacts.resolveUsername": FloodLimit(0.2, 20),
            },
            flood_default=FloodLimit(50, 100),
            clock=clock,
        )


class _Bucket:
    def __init__(self, limit: FloodLimit, now: float) -> None:
        self.limit = limit
        self.tokens = float(limit.burst)
        self.updated = now

    def take(self, now: float) -> float:
        """Take a token (0.0) or say how many seconds until one is there (nothing taken)."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * self.limit.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.limit.rate


class FloodMeter:
    """The token buckets of one sim, per (account, method)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[object, str], _Bucket] = {}

    def charge(
        self, cost: CostModel, account: object, method: str, *, now: float | None = None
    ) -> None:
        """Take one token for this request or raise ``FLOOD_WAIT_X``. ``now``: when the
        request reached the server (default: the clock now)."""
        limit = cost.limit_for(method)
        if limit is None:
            return
        now = cost.clock() if now is None else now
        key = (account, _key(method))
        bucket = self._buckets.get(key)
        if bucket is None or bucket.limit != limit:  # new, or its limit was reconfigured
            bucket = self._buckets[key] = _Bucket(limit, now)
        wait = bucket.take(now)
        if wait > 0:
            raise RpcFault(420, f"FLOOD_WAIT_{max(1, math.ceil(wait))}")

    def clear(self) -> None:
        self._buckets.clear()


class Pipe:
    """One connection's downstream: answers leave one after another at the bandwidth."""

    def __init__(self) -> None:
        self._free_at = 0.0

    def reserve(self, cost: CostModel, nbytes: int) -> float:
        """Queue an answer of ``nbytes``; the seconds until its last byte has left."""
        if cost.bandwidth is None or nbytes <= 0:
            return 0.0
        now = cost.clock()
        start = max(now, self._free_at)
        self._free_at = start + nbytes / cost.bandwidth
        return self._free_at - now


class ManualClock:
    """A clock that moves only when told (``advance``): flood tests without sleeping."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
