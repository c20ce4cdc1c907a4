"""Lay out message ids and dates of generated histories.

Two Telegram rules shape this: channels and supergroups number their messages
per dialog, while private chats, basic groups and Saved Messages share one
account-wide counter (so ids interleave across those dialogs by date).
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass

from .content import hash_int


@dataclass
class TimelineSpec:
    """How many messages a dialog gets and the unix-time span they fall in.

    ``bursts``: (start_ts, end_ts, count) windows that get ``count`` of the messages on top
    of the uniform spread (a busy afternoon), so a short window is sure to hold some.
    """

    count: int
    start_ts: int
    end_ts: int
    bursts: tuple[tuple[int, int, int], ...] = ()


def dialog_dates(seed: int, peer_id: int, spec: TimelineSpec) -> list[int]:
    rng = random.Random(hash_int(seed, "timeline", peer_id))
    in_bursts = min(spec.count, sum(count for _, _, count in spec.bursts))
    dates = [rng.randint(spec.start_ts, spec.end_ts) for _ in range(spec.count - in_bursts)]
    left = in_bursts
    for start, end, count in spec.bursts:
        take = min(count, left)
        dates.extend(rng.randint(start, end) for _ in range(take))
        left -= take
    dates.sort()
    return dates


def channel_columns(seed: int, peer_id: int, spec: TimelineSpec) -> tuple[array, array]:
    """Per-dialog ids from 1, with a few gaps (deleted or service messages)."""
    rng = random.Random(hash_int(seed, "ids", peer_id))
    ids = array("q")
    cur = 0
    for _ in range(spec.count):
        cur += 2 if rng.random() < 0.03 else 1
        ids.append(cur)
    return ids, array("q", dialog_dates(seed, peer_id, spec))


def common_columns(
    seed: int, specs: dict[int, TimelineSpec], first_id: int = 1
) -> dict[int, tuple[array, array]]:
    """Ids from one shared counter, assigned in date order across all given dialogs."""
    peers = list(specs)
    events: list[tuple[int, int]] = []
    for order, peer_id in enumerate(peers):
        events.extend((ts, order) for ts in dialog_dates(seed, peer_id, specs[peer_id]))
    events.sort()
    cols: list[tuple[array, array]] = [(array("q"), array("q")) for _ in peers]
    for msg_id, (ts, order) in enumerate(events, start=first_id):
        ids, dates = cols[order]
        ids.append(msg_id)
        dates.append(ts)
    return dict(zip(peers, cols, strict=True))
