"""The exact message cache on the `messages` ItemTable, per username and dialog.

Keys (username is validated, so it can contain no '#'):
- messages: pk `msg#<username>#<dialog_id>`, sk `<YYYY-MM-DDTHH:MM:SS>#<id, 12 digits>`,
  attribute `j` = the message's spec JSON, serialized once, so streaming from the cache
  decodes one string per message and never re-encodes it; `x` = its extended fields'
  JSON (tgscraper.history.extended);
- coverage: pk `cov#<username>#<dialog_id>`, sk `intervals`, attribute `iv` = merged
  inclusive epoch-second intervals, `v` = a version for compare-and-set, so concurrent
  requests never lose each other's coverage; `ivx` = the part of `iv` whose messages
  were stored with their extended fields (`x`): coverage written before the extended
  fields existed is not in it, so an extended request refetches that range once.
Coverage is only ever extended over ranges whose messages are all stored already.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tgscraper.history.coverage import Interval, merge
from tgscraper.history.record import MessageRecord, sort_key
from tgscraper.storage.ports import ConditionFailed, ItemTable

_COVERAGE_SK = "intervals"
_CAS_RETRIES = 20


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


def sk_floor(epoch: int) -> str:
    """Lowest sort key of a second."""
    return f"{_iso(epoch)}#"


def sk_ceiling(epoch: int) -> str:
    """Highest sort key of a second."""
    return f"{_iso(epoch)}#~"


def sk_after(epoch: int, message_id: int) -> str:
    """Lowest sort key strictly after the message (epoch, message_id)."""
    return sort_key(_iso(epoch), message_id + 1)


def message_sk(record: MessageRecord) -> str:
    return sort_key(_iso(record.date), record.id)


def sk_of(epoch: int, message_id: int) -> str:
    """Sort key of the message (epoch, message_id)."""
    return sort_key(_iso(epoch), message_id)


def message_id_of(sk: str) -> int:
    return int(sk.rsplit("#", 1)[1])


@dataclass(frozen=True)
class CachedMessage:
    sk: str
    json: str
    extended: str | None = None


class MessageCache:
    """Messages and coverage of one (username, dialog)."""

    def __init__(self, table: ItemTable, username: str, dialog_id: int) -> None:
        self._table = table
        self.username = username
        self.dialog_id = dialog_id
        self._pk = f"msg#{username}#{dialog_id}"
        self._cov_pk = f"cov#{username}#{dialog_id}"

    # -- coverage ----------------------------------------------------------------------
    def coverage(self, *, extended: bool = False) -> list[Interval]:
        """Complete ranges; `extended`: only those stored with the extended fields."""
        item = self._table.get(self._cov_pk, _COVERAGE_SK)
        if item is None:
            return []
        return [(int(lo), int(hi)) for lo, hi in item.get("ivx" if extended else "iv", [])]

    def add_coverage(self, lo: int, hi: int) -> None:
        """Merge [lo, hi] into the coverage (compare-and-set, retried on a race)."""
        if lo > hi:
            return
        for _ in range(_CAS_RETRIES):
            item = self._table.get(self._cov_pk, _COVERAGE_SK)
            current = [] if item is None else [(int(a), int(b)) for a, b in item.get("iv", [])]
            current_x = [] if item is None else [(int(a), int(b)) for a, b in item.get("ivx", [])]
            merged = merge([*current, (lo, hi)])
            merged_x = merge([*current_x, (lo, hi)])
            if merged == current and merged_x == current_x:
                return
            version = 0 if item is None else int(item.get("v", 0))
            new = {
                "pk": self._cov_pk,
                "sk": _COVERAGE_SK,
                "iv": [[a, b] for a, b in merged],
                "ivx": [[a, b] for a, b in merged_x],
                "v": version + 1,
            }
            try:
                if item is None:
                    self._table.put(new, if_absent=True)
                else:
                    self._table.put(new, expect={"v": version})
                return
            except ConditionFailed:
                continue
        raise ConditionFailed("coverage kept changing under concurrent writers")

    # -- messages ----------------------------------------------------------------------
    def scan(self, lo: int, hi: int, *, after_id: int = 0) -> Iterator[CachedMessage]:
        """Cached messages with lo <= date <= hi in (date, id) order, lazily (keyset pages);
        `after_id` skips the messages of second `lo` whose id is <= after_id."""
        start = sort_key(_iso(lo), after_id + 1) if after_id else sk_floor(lo)
        for item in self._table.query(self._pk, sk_from=start, sk_to=sk_ceiling(hi)):
            yield CachedMessage(item["sk"], item["j"], item.get("x"))

    def scan_descending(
        self, lo: int, hi: int, *, after_id: int = 0, before_id: int = 0
    ) -> Iterator[CachedMessage]:
        """`scan` newest first; `before_id` skips the messages of second `hi` whose id is
        >= before_id."""
        start = sort_key(_iso(lo), after_id + 1) if after_id else sk_floor(lo)
        end = sort_key(_iso(hi), before_id - 1) if before_id else sk_ceiling(hi)
        for item in self._table.query(self._pk, sk_from=start, sk_to=end, reverse=True):
            yield CachedMessage(item["sk"], item["j"], item.get("x"))

    def store_page(
        self, records: Iterable[MessageRecord], *, replace_from: str, replace_to: str
    ) -> None:
        """Store one fetched page and make the cache exact over [replace_from, replace_to]:
        any cached message in that sort-key span that Telegram no longer returned was
        deleted on Telegram (or belongs to an interrupted earlier walk) and is removed."""
        items = [_item(self._pk, r) for r in records]
        keep = {item["sk"] for item in items}
        stale = [
            (self._pk, item["sk"])
            for item in self._table.query(self._pk, sk_from=replace_from, sk_to=replace_to)
            if item["sk"] not in keep
        ]
        self._table.put_many(items)
        if stale:
            self._table.delete_many(stale)

    # -- single messages (the sync applies edits and deletions one by one) ---------------
    def get_json(self, sk: str) -> str | None:
        item = self._table.get(self._pk, sk)
        return None if item is None else str(item["j"])

    def first_from(self, sk: str, *, reverse: bool = False) -> str | None:
        """Sort key of the first cached message at or after `sk` (reverse: the last one
        at or before it)."""
        bound = {"sk_to": sk} if reverse else {"sk_from": sk}
        for item in self._table.query(self._pk, reverse=reverse, limit=1, **bound):
            return str(item["sk"])
        return None

    def sks_between(self, sk_from: str, sk_to: str) -> list[str]:
        return [str(i["sk"]) for i in self._table.query(self._pk, sk_from=sk_from, sk_to=sk_to)]

    def resume_second(self, lo: int, hi: int, after_id: int) -> int:
        """The second from which a read of [lo, hi] reaches the first cached message with
        an id above `after_id`, by bisection on dates (ids grow with the date within a
        dialog): ~log2(hi - lo) one-item reads instead of scanning all that came before.
        The second found may still start with messages up to `after_id` (the reader skips
        them); past every message of [lo, hi] it is `hi`."""

        def passed(t: int) -> bool:
            sk = self.first_from(sk_floor(t))
            return sk is None or sk > sk_ceiling(hi) or message_id_of(sk) > after_id

        a, b = lo, hi + 1
        while a < b:
            mid = (a + b) // 2
            if passed(mid):
                b = mid
            else:
                a = mid + 1
        # `a` is the first second whose first message is past after_id: the second
        # before it may end with such messages too.
        return min(hi, max(lo, a - 1))

    def delete_sks(self, sks: Iterable[str]) -> None:
        self._table.delete_many((self._pk, sk) for sk in sks)

    def put_records(self, records: Iterable[MessageRecord]) -> None:
        """Plain bulk write (benchmarks and tests fill the cache with it)."""
        self._table.put_many(_item(self._pk, r) for r in records)


def _item(pk: str, record: MessageRecord) -> dict[str, str]:
    return {"pk": pk, "sk": message_sk(record), "j": record.json, "x": record.extended}
