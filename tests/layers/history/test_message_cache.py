"""The message cache and its coverage on the messages ItemTable, on both adapter sets."""

from __future__ import annotations

import json

from tgscraper.history.record import MessageRecord
from tgscraper.history.store import MessageCache, sk_ceiling, sk_floor
from tgscraper.storage.factory import Stores

DAY = 86_400
T0 = 1_704_067_200  # 2024-01-01 00:00:00 UTC


def rec(msg_id: int, date: int, text: str = "") -> MessageRecord:
    body = json.dumps({"message_id": msg_id, "message": text or f"m{msg_id}"})
    return MessageRecord(msg_id, date, body, None)


def ids(cache: MessageCache, lo: int, hi: int, after_id: int = 0) -> list[int]:
    return [json.loads(m.json)["message_id"] for m in cache.scan(lo, hi, after_id=after_id)]


def test_scan_returns_the_range_in_date_then_id_order(stores: Stores) -> None:
    cache = MessageCache(stores.messages, "alice", -1001)
    cache.put_records([rec(3, T0 + 5), rec(1, T0), rec(2, T0 + 5), rec(4, T0 + DAY)])
    assert ids(cache, T0, T0 + DAY) == [1, 2, 3, 4]
    assert ids(cache, T0 + 1, T0 + 5) == [2, 3]
    assert ids(cache, T0 + 5, T0 + DAY, after_id=2) == [3, 4]
    assert ids(cache, T0 + 6, T0 + DAY - 1) == []


def test_scan_is_lazy_and_pages_past_one_query_page(stores: Stores) -> None:
    cache = MessageCache(stores.messages, "alice", -1001)
    cache.put_records(rec(i, T0 + i) for i in range(1, 1201))
    rows = cache.scan(T0, T0 + 5000)
    first = next(rows)
    assert json.loads(first.json)["message_id"] == 1
    assert [json.loads(r.json)["message_id"] for r in rows] == list(range(2, 1201))


def test_coverage_merges_and_survives_reloads(stores: Stores) -> None:
    cache = MessageCache(stores.messages, "alice", -1001)
    assert cache.coverage() == []
    cache.add_coverage(100, 200)
    cache.add_coverage(300, 400)
    cache.add_coverage(201, 299)
    cache.add_coverage(50, 60)
    again = MessageCache(stores.messages, "alice", -1001)
    assert again.coverage() == [(50, 60), (100, 400)]


def test_store_page_replaces_edits_and_drops_messages_missing_from_the_span(
    stores: Stores,
) -> None:
    cache = MessageCache(stores.messages, "alice", -1001)
    cache.put_records([rec(1, T0), rec(2, T0 + 10), rec(3, T0 + 20), rec(4, T0 + 30)])
    # Telegram now returns 1 edited and 3, message 2 was deleted; 4 is outside the span.
    cache.store_page(
        [rec(1, T0, "edited"), rec(3, T0 + 20)],
        replace_from=sk_floor(T0),
        replace_to=sk_ceiling(T0 + 25),
    )
    texts = [json.loads(m.json)["message"] for m in cache.scan(T0, T0 + 100)]
    assert texts == ["edited", "m3", "m4"]


def test_users_and_dialogs_never_see_each_others_cache(stores: Stores) -> None:
    alice = MessageCache(stores.messages, "alice", -1001)
    bob = MessageCache(stores.messages, "bob", -1001)
    other = MessageCache(stores.messages, "alice", -1002)
    alice.put_records([rec(1, T0)])
    alice.add_coverage(T0, T0 + DAY)
    assert bob.coverage() == [] and other.coverage() == []
    assert ids(bob, 0, T0 + DAY) == [] and ids(other, 0, T0 + DAY) == []
    assert ids(alice, 0, T0 + DAY) == [1]
