"""Date range parsing and bounds, chunk_size bounds, coverage planning and SSE framing."""

from __future__ import annotations

import json

import pytest

from tests.support.history import parse_sse, ts
from tgscraper.errors import BadRequest
from tgscraper.history.coverage import Segment, merge, plan
from tgscraper.history.dates import MAX_CHUNK_SIZE, check_chunk_size, format_date, parse_range
from tgscraper.history.sse import event_frame, messages_frame


def test_date_only_bounds_cover_whole_days() -> None:
    rng = parse_range("2024-01-01", "2024-01-31")
    assert rng.start == ts("2024-01-01 00:00:00")
    assert rng.end == ts("2024-01-31 23:59:59")


def test_datetime_bounds_are_exact_seconds_in_utc() -> None:
    rng = parse_range("2024-06-15 12:00:00", "2024-06-15T18:00:00")
    assert (rng.start, rng.end) == (ts("2024-06-15 12:00:00"), ts("2024-06-15 18:00:00"))


def test_defaults_are_chat_start_and_now() -> None:
    rng = parse_range(None, None, now=1_700_000_000)
    assert (rng.start, rng.end, rng.after_id) == (0, 1_700_000_000, 0)


def test_same_second_range_is_valid() -> None:
    rng = parse_range("2024-06-15 12:00:00", "2024-06-15 12:00:00")
    assert rng.start == rng.end


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("2024-13-01", None, "start_date"),
        ("2024-02-30", None, "start_date"),
        ("yesterday", None, "start_date"),
        ("2024-01-01 25:00:00", None, "start_date"),
        (None, "2024/01/01", "end_date"),
        (None, "2024-01-01 10:00", "end_date"),
        ("2024-02-01", "2024-01-31", "start_date is after end_date"),
        ("2024-01-01 00:00:01", "2024-01-01 00:00:00", "start_date is after end_date"),
    ],
)
def test_invalid_dates_are_bad_requests_naming_the_problem(
    start: str | None, end: str | None, named: str
) -> None:
    with pytest.raises(BadRequest) as err:
        parse_range(start, end)
    assert named in err.value.detail


def test_after_id_needs_start_date_and_is_non_negative() -> None:
    assert parse_range("2024-01-01", None, after_id=5, now=ts("2025-01-01")).after_id == 5
    with pytest.raises(BadRequest, match="after_id"):
        parse_range(None, None, after_id=5)
    with pytest.raises(BadRequest, match="after_id"):
        parse_range("2024-01-01", None, after_id=-1)


@pytest.mark.parametrize("size", [0, -1, MAX_CHUNK_SIZE + 1])
def test_chunk_size_outside_bounds_is_rejected(size: int) -> None:
    with pytest.raises(BadRequest, match="chunk_size"):
        check_chunk_size(size)


def test_chunk_size_bounds_are_inclusive() -> None:
    assert check_chunk_size(1) == 1
    assert check_chunk_size(MAX_CHUNK_SIZE) == MAX_CHUNK_SIZE


def test_format_date_is_the_spec_format() -> None:
    assert format_date(ts("2024-01-15 09:30:00")) == "2024-01-15 09:30:00"


def test_merge_joins_touching_and_overlapping_intervals() -> None:
    assert merge([(10, 20), (21, 30), (50, 60), (55, 70), (0, 2)]) == [(0, 2), (10, 30), (50, 70)]


def test_plan_splits_a_range_into_ordered_cached_and_fetch_segments() -> None:
    covered = [(10, 20), (40, 50)]
    assert plan(0, 60, covered) == [
        Segment("fetch", 0, 9),
        Segment("cached", 10, 20),
        Segment("fetch", 21, 39),
        Segment("cached", 40, 50),
        Segment("fetch", 51, 60),
    ]
    assert plan(12, 45, covered) == [
        Segment("cached", 12, 20),
        Segment("fetch", 21, 39),
        Segment("cached", 40, 45),
    ]
    assert plan(11, 19, covered) == [Segment("cached", 11, 19)]
    assert plan(21, 39, covered) == [Segment("fetch", 21, 39)]


def test_message_frame_is_one_sse_data_line_with_the_messages() -> None:
    objs = [{"message_id": 1, "message": "line\nbreak ✅"}, {"message_id": 2, "message": ""}]
    frame = messages_frame([json.dumps(o, ensure_ascii=False) for o in objs]).decode()
    assert frame.startswith("data: ") and frame.endswith("\n\n")
    assert frame.count("\n") == 2  # a newline inside a message never breaks the frame
    events = parse_sse(frame)
    assert [e.event for e in events] == ["message"]
    assert events[0].data == {"messages": objs}


def test_event_frame_names_the_event() -> None:
    frame = event_frame("error", {"detail": "slow down", "retry_after": 30}).decode()
    assert parse_sse(frame)[0].event == "error"
    assert parse_sse(frame)[0].data == {"detail": "slow down", "retry_after": 30}
