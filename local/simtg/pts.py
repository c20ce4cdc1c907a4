"""Update sequences (``pts``) as Telegram keeps them.

Every channel and supergroup has its own ``pts``; private chats, basic groups and Saved
Messages share the account's. Each new message, edit and deletion advances the sequence
by one and is remembered, so ``updates.getChannelDifference`` / ``updates.getDifference``
can answer "what changed since pts N". A sequence starts when it is first looked at
(nothing before that point is known), so a client holding an older pts gets *TooLong*,
as it does from Telegram when its pts fell out of the server's window.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal["new", "edit", "delete"]


@dataclass(frozen=True)
class PtsEvent:
    pts: int
    """The sequence's pts right after this event (pts_count is always 1)."""
    kind: EventKind
    peer_id: int
    msg_id: int
    at: int
    """Unix time the event happened."""


@dataclass
class PtsLog:
    """One pts sequence: its current value and every event since it started."""

    start: int
    pts: int = 0
    events: list[PtsEvent] = field(default_factory=list)
    date: int = field(default_factory=lambda: int(time.time()))
    """Unix time of the last event (the account's ``updates.State.date``)."""

    def __post_init__(self) -> None:
        self.pts = self.pts or self.start

    def record(self, kind: EventKind, peer_id: int, msg_id: int) -> PtsEvent:
        self.pts += 1
        self.date = max(self.date, int(time.time()))
        event = PtsEvent(self.pts, kind, peer_id, msg_id, self.date)
        self.events.append(event)
        return event

    def since(self, pts: int) -> list[PtsEvent]:
        """Events after ``pts`` (the caller checked ``start <= pts <= self.pts``)."""
        i = bisect_right(self.events, pts, key=lambda e: e.pts)
        return self.events[i:]

    def known(self, pts: int) -> bool:
        """Whether every event after ``pts`` is still remembered."""
        return self.start <= pts <= self.pts
