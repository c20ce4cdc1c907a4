"""Issue 15 item 8: SSE ids, resuming with Last-Event-ID, the end event and empty ranges,
through HTTP on both adapter sets (a real uvicorn: tests/server/test_sse_resume.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.adversarial.rig import new_rig
from tests.server.live import fill_cache
from tests.support.history import ALICE, complete, expected_ids, messages_of, parse_sse
from tgscraper.config import Settings
from tgscraper.history.events_schema import SSE_EVENT
from tgscraper.storage.ports import Item, ItemTable

H = {"X-Telegram-Username": ALICE}
EVER = 2**40
CACHED = -1009999999997
"""A dialog that exists only in the cache (fully covered: served without Telegram)."""


class _CountingTable:
    """Counts the cached messages the history service reads from the store."""

    def __init__(self, inner: ItemTable) -> None:
        self._inner = inner
        self.rows = 0

    def query(self, pk: str, **kwargs: Any) -> Iterator[Item]:
        for item in self._inner.query(pk, **kwargs):
            self.rows += 1
            yield item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def stream(http: TestClient, peer: int, last_event_id: str | None = None, **params: Any) -> Any:
    headers = dict(H) if last_event_id is None else {**H, "Last-Event-ID": last_event_id}
    return http.get(f"/api/v3/history/{peer}", headers=headers, params=params)


def ids_of(events: list[Any]) -> list[int]:
    return [m["message_id"] for m in messages_of(events)]


@pytest.mark.parametrize("cached", [False, True])
def test_resuming_after_any_chunk_sends_exactly_the_rest(
    http: TestClient, world: World, big: int, cached: bool
) -> None:
    want = expected_ids(world, big, 0, EVER)
    if cached:
        complete(parse_sse(stream(http, big).text))
    chunks = complete(parse_sse(stream(http, big, chunk_size=37).text))
    assert ids_of(chunks) == want
    for chunk in chunks[:: max(1, len(chunks) // 4)]:
        resp = stream(http, big, chunk.id, chunk_size=37)
        assert resp.status_code == 200, resp.text
        sent = chunk.data["messages"][-1]["message_id"]
        rest = complete(parse_sse(resp.text), resumed_after=sent)
        assert ids_of(rest) == want[want.index(sent) + 1 :]
        # The resumed stream is framed like any other: exact chunk_size, last one fewer.
        sizes = [len(c.data["messages"]) for c in rest]
        assert all(size == 37 for size in sizes[:-1]), sizes


def test_a_stream_resumed_after_its_last_message_is_only_the_end_event(
    http: TestClient, world: World, big: int
) -> None:
    last = expected_ids(world, big, 0, EVER)[-1]
    events = parse_sse(stream(http, big, str(last)).text)
    assert [(e.event, e.data) for e in events] == [
        ("end", {"messages": [], "total": 0, "last_id": last})
    ]


def test_every_frame_matches_the_documented_event_schema(http: TestClient, big: int) -> None:
    names = {o["properties"]["event"]["const"]: o for o in SSE_EVENT["oneOf"]}
    events = complete(parse_sse(stream(http, big, chunk_size=200).text))
    end = parse_sse(stream(http, big, chunk_size=200).text)[-1]
    for event in [*events, end]:
        schema = names[event.event]["properties"]["data"]["contentSchema"]
        assert set(schema["required"]) <= set(event.data), (event.event, event.data)
        assert ("id" in names[event.event]["required"]) == (event.id is not None)


def test_an_empty_window_is_a_stream_holding_only_the_end_event(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    # The big channel's messages are all in 2024: 2023 holds none of them.
    assert expected_ids(world, big, 0, int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()) - 1) == []
    for _ in range(2):  # fetched, then answered from the coverage
        resp = stream(http, big, start_date="2023-01-01", end_date="2023-12-31")
        assert resp.status_code == 200
        assert resp.text == 'event: end\ndata: {"messages":[],"total":0,"last_id":null}\n\n'


def test_a_start_date_in_the_future_without_end_date_is_an_empty_stream(
    http: TestClient, sim: SimulatedTelegram, big: int
) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    before = sum(sim.requests.values())
    resp = stream(http, big, start_date=tomorrow)
    assert resp.status_code == 200, resp.text
    assert [(e.event, e.data["total"]) for e in parse_sse(resp.text)] == [("end", 0)]
    assert sum(sim.requests.values()) == before, "nothing to ask Telegram"


def test_an_explicit_end_before_the_start_is_still_a_400(http: TestClient, big: int) -> None:
    resp = stream(http, big, start_date="2099-01-02", end_date="2099-01-01")
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Invalid date range: start_date is after end_date"}


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "0x10", "12 34", "\u0661\u0662", "9" * 20, "+5"]
)
def test_a_bad_last_event_id_is_a_400_before_any_telegram_call(
    http_embedded: TestClient, sim: SimulatedTelegram, big: int, value: str
) -> None:
    resp = http_embedded.get(
        f"/api/v3/history/{big}",
        headers={**H, "Last-Event-ID": value.encode()},  # type: ignore[dict-item]
    )
    assert resp.status_code == 400, resp.text
    assert resp.json() == {
        "detail": "Invalid header 'Last-Event-ID': must be the id of a received chunk "
        "(a message id, a non-negative integer)"
    }
    assert sim.requests["GetHistoryRequest"] == 0


def test_an_empty_last_event_id_means_from_the_start(
    http: TestClient, world: World, big: int
) -> None:
    # An EventSource whose last event set an empty id sends none; a blank one is the same.
    events = complete(parse_sse(stream(http, big, " ").text))
    assert ids_of(events) == expected_ids(world, big, 0, EVER)


def test_resuming_inside_one_second_of_many_messages_is_exact(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    second = datetime(2025, 1, 5, 12, 0, 0, tzinfo=UTC)
    burst = [sim.add_message(big, f"burst {i}", date=second).id for i in range(6)]
    for cached in (False, True):  # from Telegram, then from the cache
        events = parse_sse(stream(http, big, str(burst[2]), start_date="2025-01-05").text)
        assert ids_of(complete(events, resumed_after=burst[2])) == burst[3:], cached


def test_a_cached_resume_starts_near_its_point_not_at_the_start(tmp_path: Path) -> None:
    total = 20_000
    rig = new_rig(Settings(storage_backend="embedded", data_dir=tmp_path / "data"))
    query = fill_cache(rig.raw, ALICE, CACHED, total)
    counting = _CountingTable(rig.stores.messages)
    rig.stores = replace(rig.stores, messages=counting)  # type: ignore[arg-type]
    http = TestClient(rig.app())
    resp = http.get(f"/api/v3/history/{CACHED}?{query}", headers={**H, "Last-Event-ID": "19990"})
    assert ids_of(complete(parse_sse(resp.text), resumed_after=19990)) == list(range(19991, 20001))
    # A few one-item reads to find the point, then the rest: not the 19,990 before it.
    assert counting.rows < 200, counting.rows
