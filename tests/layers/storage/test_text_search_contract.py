"""The cache text-search contract (GET /search/messages?source=cache), run against both
adapter sets: SQLite's FTS5 index and the AWS set's scan of one dialog's cache must find
the same messages, in the same order, as history writes, replaces and deletes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tgscraper.history.record import MessageRecord
from tgscraper.history.store import MessageCache, sk_ceiling, sk_floor
from tgscraper.storage.factory import Stores
from tgscraper.storage.text_search import MessageTextSearch, TextQuery, text_search_for

USER, DIALOG = "alice", -1001234
PK = f"msg#{USER}#{DIALOG}"
T0 = 1_700_000_000


def record(
    mid: int, text: str, *, sender: int = 7, media: str | None = None, **x: Any
) -> MessageRecord:
    body = {
        "message_id": mid,
        "message": text,
        "sender_id": sender,
        "media": {"type": media} if media else None,
    }
    return MessageRecord(mid, T0 + mid * 60, json.dumps(body), None, json.dumps(x))


RECORDS = [
    record(1, "Café opening on Friday"),
    record(2, "Release notes for v2", sender=8),
    record(3, "", media="MessageMediaPhoto"),
    record(4, "see https://example.org", pinned=True),
    record(5, "RELEASED at last; snake_case words", sender=8),
    record(6, "Poll time", media="MessageMediaPoll"),
    record(7, "a text link", entities=[{"type": "text_url", "offset": 2, "length": 4}]),
]


@pytest.fixture
def cache(stores: Stores) -> MessageCache:
    cache = MessageCache(stores.messages, USER, DIALOG)
    cache.put_records(RECORDS)
    return cache


@pytest.fixture
def finder(stores: Stores, cache: MessageCache) -> MessageTextSearch:
    return text_search_for(stores)


def ids(finder: MessageTextSearch, q: str = "", **kw: Any) -> list[int]:
    query = TextQuery(pk_glob=PK, q=q, sk_from=sk_floor(0), sk_to=sk_ceiling(T0 + 10_000), **kw)
    return [json.loads(hit.json)["message_id"] for hit in finder.search(query)]


def test_every_word_is_a_prefix_with_case_and_diacritics_folded(finder: MessageTextSearch) -> None:
    assert ids(finder, "release") == [5, 2]
    assert ids(finder, "RELEASE notes") == [2]
    assert ids(finder, "cafe") == [1]
    assert ids(finder, "CAFÉ fri") == [1]
    assert ids(finder, "case") == [5]  # "_" separates words
    assert ids(finder, "lease") == []  # a prefix, not a substring
    assert ids(finder, "release nothing") == []


def test_no_words_lists_everything_newest_first(finder: MessageTextSearch) -> None:
    assert ids(finder) == [7, 6, 5, 4, 3, 2, 1]
    assert ids(finder, "💥 *") == [7, 6, 5, 4, 3, 2, 1]


def test_keyset_pages_cover_every_hit_once(finder: MessageTextSearch) -> None:
    seen: list[int] = []
    before = None
    for _ in range(10):
        query = TextQuery(PK, "", sk_floor(0), sk_ceiling(T0 + 10_000), before=before, limit=3)
        hits = finder.search(query)
        seen += [json.loads(h.json)["message_id"] for h in hits]
        if len(hits) < 3:
            break
        before = (hits[-1].sk, hits[-1].pk)
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_date_window_sender_and_filters(finder: MessageTextSearch) -> None:
    window = TextQuery(PK, "", sk_floor(T0 + 2 * 60), sk_ceiling(T0 + 4 * 60))
    assert [json.loads(h.json)["message_id"] for h in finder.search(window)] == [4, 3, 2]
    assert ids(finder, sender_id=8) == [5, 2]
    assert ids(finder, "release", sender_id=7) == []
    assert ids(finder, filter="photo") == [3]
    assert ids(finder, filter="poll") == [6]
    assert ids(finder, filter="pinned") == [4]
    assert ids(finder, filter="url") == [7, 4]


def test_replaced_and_deleted_messages_are_found_as_they_are_now(
    finder: MessageTextSearch, cache: MessageCache
) -> None:
    assert ids(finder, "release") == [5, 2]
    edited = record(2, "Changelog for v2", sender=8)
    cache.store_page([edited], replace_from=sk_floor(T0 + 120), replace_to=sk_ceiling(T0 + 120))
    assert ids(finder, "release") == [5]
    assert ids(finder, "changelog") == [2]
    cache.delete_sks([sk for sk in [_sk(finder, 5)] if sk])
    assert ids(finder, "release") == []
    assert ids(finder, "released") == []


def _sk(finder: MessageTextSearch, mid: int) -> str | None:
    query = TextQuery(PK, "", sk_floor(0), sk_ceiling(T0 + 10_000))
    return next(
        (h.sk for h in finder.search(query) if json.loads(h.json)["message_id"] == mid), None
    )


def test_a_long_cache_is_searched_to_its_oldest_message(stores: Stores) -> None:
    # More messages than one read window of the AWS scan (storage/text_scan.py).
    long = MessageCache(stores.messages, USER, DIALOG - 1)
    long.put_records(
        record(i, f"needle {i}" if i % 100 == 0 else f"hay {i}") for i in range(1, 451)
    )
    finder = text_search_for(stores)
    pk = f"msg#{USER}#{DIALOG - 1}"

    def found(q: str, limit: int) -> list[int]:
        query = TextQuery(pk, q, sk_floor(0), sk_ceiling(T0 + 10**6), limit=limit)
        return [json.loads(hit.json)["message_id"] for hit in finder.search(query)]

    assert found("needle", 50) == [400, 300, 200, 100]
    assert found("hay", 500) == [i for i in range(450, 0, -1) if i % 100]
    assert found("", 210) == list(range(450, 240, -1))
