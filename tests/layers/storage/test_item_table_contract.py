"""The ItemTable contract, run against both adapter sets (SQLite and DynamoDB/moto).

GIVEN a fresh table WHEN an operation runs THEN the observable result is the same
whichever backend serves it.
"""

from __future__ import annotations

import threading
import time

import pytest

from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import ConditionFailed, ItemTable


@pytest.fixture
def table(stores: Stores) -> ItemTable:
    return stores.qr


def test_put_get_update_delete(table: ItemTable) -> None:
    table.put({"pk": "u1", "sk": "a", "n": 1, "s": "x", "flag": True, "f": 1.5})
    assert table.get("u1", "a") == {"pk": "u1", "sk": "a", "n": 1, "s": "x", "flag": True, "f": 1.5}
    table.put({"pk": "u1", "sk": "a", "n": 2})
    assert table.get("u1", "a") == {"pk": "u1", "sk": "a", "n": 2}
    table.delete("u1", "a")
    assert table.get("u1", "a") is None
    table.delete("u1", "a")  # deleting an absent item is not an error


def test_nested_and_unicode_values_round_trip(table: ItemTable) -> None:
    item = {
        "pk": "u1",
        "sk": "n",
        "title": "Привет 👋 café",
        "tags": ["a", 2],
        "m": {"k": [1, "v"]},
    }
    table.put(item)
    assert table.get("u1", "n") == item


def test_binary_values_round_trip_exactly(table: ItemTable) -> None:
    key = bytes(range(256))
    table.put({"pk": "u1", "sk": "key", "auth_key": key})
    got = table.get("u1", "key")
    assert got is not None and got["auth_key"] == key and isinstance(got["auth_key"], bytes)


def test_large_value_round_trips(table: ItemTable) -> None:
    big = "x" * 300_000  # under DynamoDB's 400 KB item limit
    table.put({"pk": "u1", "sk": "big", "body": big})
    got = table.get("u1", "big")
    assert got is not None and got["body"] == big


def test_create_if_absent_refuses_existing_item(table: ItemTable) -> None:
    table.put({"pk": "u1", "sk": "lease", "owner": "a"}, if_absent=True)
    with pytest.raises(ConditionFailed):
        table.put({"pk": "u1", "sk": "lease", "owner": "b"}, if_absent=True)
    assert table.get("u1", "lease")["owner"] == "a"  # type: ignore[index]


def test_create_if_absent_treats_expired_item_as_absent(table: ItemTable) -> None:
    table.put({"pk": "u1", "sk": "lease", "owner": "a", "expires_at": int(time.time()) - 5})
    table.put({"pk": "u1", "sk": "lease", "owner": "b"}, if_absent=True)
    assert table.get("u1", "lease")["owner"] == "b"  # type: ignore[index]


def test_compare_and_set(table: ItemTable) -> None:
    table.put({"pk": "u1", "sk": "qr", "status": "pending", "version": 1})
    table.put({"pk": "u1", "sk": "qr", "status": "success", "version": 2}, expect={"version": 1})
    with pytest.raises(ConditionFailed):
        table.put({"pk": "u1", "sk": "qr", "status": "error", "version": 2}, expect={"version": 1})
    assert table.get("u1", "qr")["status"] == "success"  # type: ignore[index]
    with pytest.raises(ConditionFailed):
        table.put({"pk": "u1", "sk": "nothing", "version": 1}, expect={"version": 0})
    assert table.get("u1", "nothing") is None


def test_conditional_delete(table: ItemTable) -> None:
    table.put({"pk": "u1", "sk": "lease", "owner": "a"})
    with pytest.raises(ConditionFailed):
        table.delete("u1", "lease", expect={"owner": "b"})
    assert table.get("u1", "lease") is not None
    table.delete("u1", "lease", expect={"owner": "a"})
    assert table.get("u1", "lease") is None


def test_expired_items_are_invisible_to_every_read(table: ItemTable) -> None:
    past, future = int(time.time()) - 1, int(time.time()) + 3600
    table.put({"pk": "u1", "sk": "old", "expires_at": past})
    table.put({"pk": "u1", "sk": "new", "expires_at": future})
    assert table.get("u1", "old") is None
    assert [i["sk"] for i in table.query("u1")] == ["new"]
    with pytest.raises(ConditionFailed):
        table.put({"pk": "u1", "sk": "old"}, expect={"expires_at": past})


def test_query_returns_range_in_key_order_lazily(table: ItemTable) -> None:
    table.put_many({"pk": "d", "sk": f"m#{i:06d}", "i": i} for i in range(1200))
    table.put({"pk": "other", "sk": "m#000005"})
    assert [i["i"] for i in table.query("d", sk_from="m#000100", sk_to="m#000104")] == [
        100,
        101,
        102,
        103,
        104,
    ]
    everything = [i["i"] for i in table.query("d")]
    assert everything == list(range(1200))  # spans several pages
    assert [i["i"] for i in table.query("d", reverse=True, limit=3)] == [1199, 1198, 1197]
    assert [i["i"] for i in table.query("d", sk_from="m#001198")] == [1198, 1199]
    assert [i["i"] for i in table.query("d", sk_to="m#000001")] == [0, 1]


def test_delete_many(table: ItemTable) -> None:
    table.put_many({"pk": "d", "sk": f"{i:03d}"} for i in range(60))
    table.delete_many(("d", f"{i:03d}") for i in range(0, 60, 2))
    assert [int(i["sk"]) for i in table.query("d")] == list(range(1, 60, 2))


def test_concurrent_writers_on_one_key_exactly_one_wins(table: ItemTable) -> None:
    winners: list[int] = []
    barrier = threading.Barrier(8)

    def contend(n: int) -> None:
        barrier.wait()
        try:
            table.put({"pk": "acct", "sk": "lease", "owner": n}, if_absent=True)
            winners.append(n)
        except ConditionFailed:
            pass

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert table.get("acct", "lease")["owner"] == winners[0]  # type: ignore[index]


def test_concurrent_compare_and_set_increments_lose_no_update(table: ItemTable) -> None:
    table.put({"pk": "c", "sk": "n", "value": 0})

    def bump() -> None:
        for _ in range(10):
            while True:
                current = table.get("c", "n")
                assert current is not None
                try:
                    table.put(
                        {**current, "value": current["value"] + 1},
                        expect={"value": current["value"]},
                    )
                    break
                except ConditionFailed:
                    continue

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert table.get("c", "n")["value"] == 40  # type: ignore[index]


def test_scan_keys_finds_exactly_the_pks_with_a_prefix(table: ItemTable) -> None:
    """GIVEN items of users "alice" and "alice2" (one expired) WHEN keys are scanned by
    the prefix "msg#alice#" THEN only alice's come back, expired included (a wipe must
    see everything stored), and no prefix means every key."""
    past = int(time.time()) - 5
    table.put_many(
        [
            {"pk": "msg#alice#1", "sk": "a", "v": 1},
            {"pk": "msg#alice#1", "sk": "b", "v": 2},
            {"pk": "msg#alice#22", "sk": "a", "expires_at": past},
            {"pk": "msg#alice2#1", "sk": "a"},
            {"pk": "cov#alice#1", "sk": "c"},
            {"pk": "msg#alicf", "sk": "a"},
        ]
    )
    assert sorted(table.scan_keys("msg#alice#")) == [
        ("msg#alice#1", "a"),
        ("msg#alice#1", "b"),
        ("msg#alice#22", "a"),
    ]
    assert sorted(table.scan_keys("msg#alice#", "cov#alice#")) == [
        ("cov#alice#1", "c"),
        ("msg#alice#1", "a"),
        ("msg#alice#1", "b"),
        ("msg#alice#22", "a"),
    ]
    assert len(list(table.scan_keys())) == 6
    assert list(table.scan_keys("nothing#")) == []


def test_scan_keys_filters_on_attribute_values(table: ItemTable) -> None:
    """GIVEN media-like entries of two owners WHEN scanned with where={"owner": ...}
    THEN only that owner's keys come back (an integer attribute works too)."""
    table.put_many(
        [
            {"pk": "u-1", "sk": "media", "owner": "alice", "n": 1},
            {"pk": "u-2", "sk": "media", "owner": "alice2", "n": 1},
            {"pk": "u-3", "sk": "media", "owner": "alice", "n": 2},
            {"pk": "u-4", "sk": "other"},
        ]
    )
    assert sorted(table.scan_keys(where={"owner": "alice"})) == [("u-1", "media"), ("u-3", "media")]
    assert list(table.scan_keys(where={"owner": "alice", "n": 2})) == [("u-3", "media")]
    assert list(table.scan_keys("u-2", where={"owner": "alice"})) == []


def test_scan_keys_pages_through_many_items_while_the_caller_deletes(table: ItemTable) -> None:
    """GIVEN more items than one page WHEN each scanned page is deleted as it comes
    THEN every item is found once and the table ends empty of them."""
    table.put_many({"pk": f"msg#bob#{i % 7}", "sk": f"{i:05d}"} for i in range(1_234))
    seen = []
    for key in table.scan_keys("msg#bob#"):
        seen.append(key)
        table.delete(*key)
    assert len(seen) == len(set(seen)) == 1_234
    assert list(table.scan_keys("msg#bob#")) == []


def test_scan_keys_prefixes_ending_in_any_character(table: ItemTable) -> None:
    """GIVEN pks ending in characters whose successor is special (a surrogate, the last
    code point) WHEN scanned by those prefixes THEN exactly the matching pks."""
    for pk in ("a\ud7ffz", "a\ue000", "b\U0010ffffq", "c"):
        table.put({"pk": pk, "sk": "s"})
    assert list(table.scan_keys("a\ud7ff")) == [("a\ud7ffz", "s")]
    assert list(table.scan_keys("b\U0010ffff")) == [("b\U0010ffffq", "s")]
