"""Applying what Telegram reported to the cache: new messages, edits, deletions.

The cache always ends up holding the current state (edited text in place, deleted
messages removed); what it held before goes to the change log. Every step is idempotent,
so a sync interrupted after applying a batch but before saving its pts re-applies that
batch harmlessly.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable
from dataclasses import dataclass

from tgscraper.history.change_log import ChangeLog, content_of
from tgscraper.history.record import MessageRecord
from tgscraper.history.store import MessageCache, message_id_of, message_sk, sk_of
from tgscraper.media.index import MediaIndex

_FAR = 2**40  # an epoch beyond any message date


@dataclass
class Counts:
    new: int = 0
    edited: int = 0
    deleted: int = 0

    def add(self, other: Counts) -> None:
        self.new += other.new
        self.edited += other.edited
        self.deleted += other.deleted


class Applier:
    def __init__(self, cache: MessageCache, changes: ChangeLog, media: MediaIndex) -> None:
        self._cache = cache
        self._changes = changes
        self._media = media

    def upsert(self, records: Iterable[MessageRecord], edit_dates: dict[int, int]) -> Counts:
        """Store messages as Telegram has them now; an absent one is new, a present one
        whose text or media differs is an edit (its old version is kept)."""
        counts = Counts()
        fresh: list[MessageRecord] = []
        for record in records:
            sk = message_sk(record)
            old = self._cache.get_json(sk)
            if old is None:
                counts.new += 1
            elif old == record.json:
                continue
            elif content_of(old) != content_of(record.json):
                self._changes.record_edit(sk, old, edit_dates.get(record.id))
                counts.edited += 1
            fresh.append(record)
        entries = [r.media for r in fresh if r.media is not None]
        if entries:  # media entries before the messages that name their uuids
            self._media.put_many(entries)
        self._cache.put_records(fresh)
        return counts

    def delete_ids(self, ids: Iterable[int]) -> Counts:
        """Remove cached messages by id (Telegram names deletions by id only); ids not in
        this dialog's cache (other dialogs', or never cached) are skipped."""
        counts = Counts()
        now = int(time.time())
        floor = 0
        for msg_id in sorted(set(ids)):
            sk = self.locate(msg_id, floor)
            if sk is None:
                continue
            floor = _epoch(sk)  # ids grow with dates: the next one is no older
            last = self._cache.get_json(sk)
            if last is not None:
                self._changes.record_delete(sk, last, now)
                self._cache.delete_sks([sk])
                counts.deleted += 1
        return counts

    def delete_sks(self, sks: list[str]) -> Counts:
        """Remove cached messages a re-read no longer found (with tombstones)."""
        now = int(time.time())
        for sk in sks:
            last = self._cache.get_json(sk)
            if last is not None:
                self._changes.record_delete(sk, last, now)
        self._cache.delete_sks(sks)
        return Counts(deleted=len(sks))

    def locate(self, msg_id: int, floor: int = 0) -> str | None:
        """Sort key of a cached message by id alone: a binary search over dates, relying
        on Telegram's ids growing with dates within a dialog (sort-key order is id order).
        About log2(seconds spanned) single-item reads (~27 for three years)."""
        first = self._cache.first_from(sk_of(max(floor, 0), 0))
        last = self._cache.first_from(sk_of(_FAR, 0), reverse=True)
        if first is None or last is None:
            return None
        lo, hi = _epoch(first), _epoch(last)
        if not message_id_of(first) <= msg_id <= message_id_of(last):
            return None
        # Invariant: the message, if cached, is dated in [lo, hi].
        while lo < hi:
            mid = (lo + hi + 1) // 2
            probe = self._cache.first_from(sk_of(mid, 0))
            if probe is None or message_id_of(probe) > msg_id:
                hi = mid - 1
            else:
                lo = mid
        sk = sk_of(lo, msg_id)
        return sk if self._cache.get_json(sk) is not None else None


def _epoch(sk: str) -> int:
    return calendar.timegm(time.strptime(sk[:19], "%Y-%m-%dT%H:%M:%S"))
