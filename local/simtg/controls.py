"""Fault injection and pacing: latency, flood waits, dropped connections, and answers a
misbehaving server would give (``tamper``).

Rules match a request by its TL class name (``"GetHistoryRequest"``), its
qualified name (``"messages.GetHistoryRequest"``), the class itself, or a
predicate over the request object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from telethon.tl.tlobject import TLRequest

from .cost import CostModel, FloodMeter
from .errors import RpcFault

RequestMatcher = str | type | Callable[[TLRequest], bool]
Tamper = Callable[[TLRequest, Callable[[], Any]], Any]
"""``fn(request, honest)``: the answer to send; ``honest()`` runs the real handler."""


def qualified_name(request: TLRequest) -> str:
    """``messages.GetHistoryRequest`` style name (the bare name is ambiguous)."""
    module = type(request).__module__.rsplit(".", 1)[-1]
    name = type(request).__name__
    return name if module == "functions" else f"{module}.{name}"


def _matches(matcher: RequestMatcher, request: TLRequest) -> bool:
    if isinstance(matcher, str):
        return matcher in (type(request).__name__, qualified_name(request))
    if isinstance(matcher, type):
        return isinstance(request, matcher)
    return bool(matcher(request))


@dataclass
class _Rule:
    matcher: RequestMatcher
    after: int
    times: int
    action: str  # "flood", "disconnect" or "tamper"
    seconds: int = 0
    tamper: Tamper | None = None
    seen: int = 0
    fired: int = 0

    @property
    def spent(self) -> bool:
        return self.fired >= self.times


class Controls:
    """Per-sim knobs: the cost model (``cost``; ``latency`` is its first rule) and the
    injected faults."""

    def __init__(self, cost: CostModel | None = None) -> None:
        self.cost: CostModel = cost or CostModel()
        #: Flood buckets of the cost model, per (account, method).
        self.meter = FloodMeter()
        self._rules: list[_Rule] = []

    @property
    def latency(self) -> float:
        """Seconds awaited before every request is answered (``cost.latency``)."""
        return self.cost.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.cost = replace(self.cost, latency=seconds)

    def flood(
        self, request: RequestMatcher, seconds: int, *, after: int = 0, times: int = 1
    ) -> None:
        """Let ``after`` matching requests through, then answer ``times`` with FLOOD_WAIT."""
        self._rules.append(_Rule(request, after, times, "flood", seconds))

    def disconnect_after(self, request: RequestMatcher, n: int, *, times: int = 1) -> None:
        """Drop the connection on the (n+1)-th matching request (ConnectionError)."""
        self._rules.append(_Rule(request, n, times, "disconnect"))

    def tamper(self, request: RequestMatcher, fn: Tamper, *, times: int = 1_000_000) -> None:
        """Answer ``times`` matching requests with ``fn(request, honest)`` instead of the
        handler's answer (a server that misbehaves in ways Telegram should not)."""
        self._rules.append(_Rule(request, 0, times, "tamper", tamper=fn))

    def tampering(self, request: TLRequest) -> Tamper | None:
        """The tamper rule that answers this request, if any (counted as fired)."""
        for rule in self._rules:
            if rule.action == "tamper" and not rule.spent and _matches(rule.matcher, request):
                rule.fired += 1
                return rule.tamper
        return None

    def clear(self) -> None:
        """Drop every fault rule and go back to the free cost model."""
        self._rules.clear()
        self.cost = CostModel()
        self.meter.clear()

    def check(self, request: TLRequest) -> None:
        """Raise the injected fault for this request, if a rule fires."""
        for rule in self._rules:
            if rule.action == "tamper" or rule.spent or not _matches(rule.matcher, request):
                continue
            rule.seen += 1
            if rule.seen <= rule.after:
                continue
            rule.fired += 1
            if rule.action == "flood":
                raise RpcFault(420, f"FLOOD_WAIT_{rule.seconds}")
            raise ConnectionError("Connection reset by peer (simulated)")
        self._rules = [r for r in self._rules if not r.spent]

    def __repr__(self) -> str:
        return f"Controls(cost={self.cost!r}, rules={self._rules!r})"
