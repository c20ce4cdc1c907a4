"""Search parameters: validation messages name the parameter; date bounds are UTC days."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tgscraper.dialogs.model import DialogRecord
from tgscraper.dialogs.query import SearchParams
from tgscraper.errors import BadRequest


def rec(**kw: Any) -> DialogRecord:
    base: dict[str, Any] = dict(
        id=1,
        type="user",
        title="t",
        username=None,
        is_creator=False,
        is_verified=False,
        is_archived=False,
        unread_count=0,
        last_message_date=None,
        last_message_preview=None,
        created_date=None,
        top_message=5,
        access_hash=1,
    )
    base.update(kw)
    return DialogRecord(**base)


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"min_score": 2.0}, "min_score"),
        ({"min_messages": -1}, "min_messages"),
        ({"min_messages": 3, "max_messages": 2}, "min_messages"),
        ({"min_participants": 3, "max_participants": 2}, "max_participants"),
        (
            {"last_message_after": "2024-01-02", "last_message_before": "2024-01-01"},
            "last_message_before",
        ),
        ({"created_after": "2024-02-30"}, "created_after"),
        ({"created_before": "20240101"}, "created_before"),
    ],
)
def test_invalid_values_name_the_parameter(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(BadRequest, match=name):
        SearchParams.build(**kwargs)


def test_after_is_inclusive_and_before_exclusive_by_utc_day() -> None:
    p = SearchParams.build(last_message_after="2024-01-01", last_message_before="2024-02-01")
    assert p.keeps(rec(last_message_date=ts("2024-01-01T00:00:00")))
    assert p.keeps(rec(last_message_date=ts("2024-01-31T23:59:59")))
    assert not p.keeps(rec(last_message_date=ts("2023-12-31T23:59:59")))
    assert not p.keeps(rec(last_message_date=ts("2024-02-01T00:00:00")))
    assert not p.keeps(rec(last_message_date=None))
    assert SearchParams.build().keeps(rec(last_message_date=None))


def test_counts_filter_needs_a_known_count() -> None:
    p = SearchParams.build(min_messages=1)
    assert p.needs_counts and not p.needs_participants
    assert not p.keeps_numbers(rec(message_count=10, counted_top=4))  # stale count
    assert p.keeps_numbers(rec(message_count=10, counted_top=5))
    assert not SearchParams.build(max_participants=5).keeps_numbers(rec(participants_count=None))


def test_blank_query_means_no_title_filter() -> None:
    assert SearchParams.build(q="   ").query is None
    assert SearchParams.build(q=" x ").query == " x "
