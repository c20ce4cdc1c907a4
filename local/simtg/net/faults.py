"""Network-level fault injection for the TCP server (the in-process ``sim.controls``
act on requests; these act on the bytes and sockets).

Every fault applies to one DC (``dc=2``) or to all of them (``dc=None``), to live
connections and to new ones, until ``recover()``:

| call | on the wire |
|---|---|
| ``close_after(n)`` | a connection is closed once it sent ``n`` bytes (0: at accept) |
| ``garbage(size=64)`` | answers become ``size`` random bytes, then a close (or not) |
| ``stall()`` | connections are accepted and read, never answered |
| ``slow(bytes_per_second)`` | answers trickle out at that rate |
| ``refuse()`` | the DC stops listening (connection refused); live connections stay |
| ``kill()`` | live connections are reset mid-stream and the DC refuses new ones |
| ``recover()`` | back to healthy: every fault cleared, listening again |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .server import NetServer


@dataclass
class DcFaults:
    close_after: int | None = None
    garbage: int | None = None
    garbage_then_close: bool = True
    stall: bool = False
    bytes_per_second: float | None = None


@dataclass
class Faults:
    """``server.faults``: thread-safe (acts through the server's loop)."""

    server: NetServer
    per_dc: dict[int, DcFaults] = field(default_factory=dict)

    def _targets(self, dc: int | None) -> list[int]:
        return list(self.server.dcs) if dc is None else [dc]

    def of(self, dc_id: int) -> DcFaults:
        return self.per_dc.setdefault(dc_id, DcFaults())

    def close_after(self, n_bytes: int, *, dc: int | None = None) -> None:
        for d in self._targets(dc):
            self.of(d).close_after = n_bytes
        self.server.call(self.server.enforce_limits)

    def garbage(self, size: int = 64, *, close: bool = True, dc: int | None = None) -> None:
        """``close=False``: the connection stays open after the garbage (the client may
        read a random length and wait for bytes that never come)."""
        for d in self._targets(dc):
            self.of(d).garbage, self.of(d).garbage_then_close = size, close

    def stall(self, *, dc: int | None = None) -> None:
        for d in self._targets(dc):
            self.of(d).stall = True

    def slow(self, bytes_per_second: float, *, dc: int | None = None) -> None:
        for d in self._targets(dc):
            self.of(d).bytes_per_second = bytes_per_second

    def refuse(self, *, dc: int | None = None) -> None:
        for d in self._targets(dc):
            self.server.call(self.server.dcs[d].stop_listening)

    def kill(self, *, dc: int | None = None) -> None:
        for d in self._targets(dc):
            self.server.call(self.server.dcs[d].kill)

    def recover(self) -> None:
        self.per_dc.clear()
        for listener in self.server.dcs.values():
            self.server.call(listener.listen)
