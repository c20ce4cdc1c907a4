"""The Lambda path: events/history_get.json replayed through functions.history.app.handler
under moto. The buffered response stops within its budget and ends with `event: continue`;
following the continuations walks the whole range, nothing lost, nothing repeated."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, complete, container, expected_ids, log_in, parse_sse, ts
from tgscraper.config import Settings
from tgscraper.storage.factory import build_aws_stores

EVENT = Path(__file__).resolve().parents[3] / "events" / "history_get.json"


@pytest.fixture
def lambda_app(
    aws_settings: Settings, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    from functions.history import app as module

    stores = build_aws_stores(aws_settings)
    log_in(stores, sim, ALICE)
    monkeypatch.setattr(module.app.state, "container", container(aws_settings, stores, sim))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tgscraper-history")
    yield module


def invoke(
    module: Any, peer: int, params: dict[str, Any], last_event_id: str | None = None
) -> dict[str, Any]:
    event = copy.deepcopy(json.loads(EVENT.read_text()))
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v3/history/{peer}"
    event["pathParameters"] = {"dialog_id": str(peer)}
    event["rawQueryString"] = urlencode(params)
    event["queryStringParameters"] = {k: str(v) for k, v in params.items()}
    event["headers"]["x-telegram-username"] = ALICE
    if last_event_id is not None:
        event["headers"]["last-event-id"] = last_event_id  # API Gateway lower-cases names
    response: dict[str, Any] = module.handler(event, None)
    return response


def follow(
    module: Any, peer: int, params: dict[str, Any], last_event_id: str | None = None
) -> tuple[list[int], int]:
    """Walk a range through continuations: (message ids, invocations)."""
    ids: list[int] = []
    calls = 0
    while True:
        calls += 1
        assert calls < 500
        resp = invoke(module, peer, params, last_event_id)
        assert resp["statusCode"] == 200, resp["body"]
        assert resp["isBase64Encoded"] is False
        events = parse_sse(resp["body"])
        # Where the client is before this response: what an empty end reports.
        had = ids[-1] if ids else (int(last_event_id) if last_event_id else None)
        for e in events:
            if e.event == "message":
                ids.extend(m["message_id"] for m in e.data["messages"])
        if events[-1].event != "continue":
            complete(events, resumed_after=had)
            return ids, calls
        nxt = events[-1].data
        params = {
            **params,
            "start_date": nxt["next_start_date"],
            "after_id": nxt["after_id"],
            "end_date": nxt["end_date"],
        }


def test_sample_event_replays_through_the_handler(lambda_app: Any, world: World, big: int) -> None:
    params = dict(json.loads(EVENT.read_text())["queryStringParameters"])
    resp = invoke(lambda_app, big, params)
    assert resp["statusCode"] == 200
    assert resp["headers"]["content-type"].startswith("text/event-stream")
    ids = [m["message_id"] for e in parse_sse(resp["body"]) for m in e.data["messages"]]
    assert ids == expected_ids(world, big, ts("2024-01-01"), ts("2024-12-31 23:59:59"))


def test_budget_stops_early_and_continuations_walk_the_whole_range(
    lambda_app: Any, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "40000")
    params = {"start_date": "2024-01-01", "end_date": "2024-12-31", "chunk_size": 25}
    first = invoke(lambda_app, big, params)
    assert len(json.dumps(first["body"])) <= 40000
    assert parse_sse(first["body"])[-1].event == "continue"
    ids, calls = follow(lambda_app, big, params)
    assert ids == expected_ids(world, big, ts("2024-01-01"), ts("2024-12-31 23:59:59"))
    assert calls > 3
    # Walked again, now from the cache: same answer, same shape.
    assert follow(lambda_app, big, params)[0] == ids


def test_continuation_inside_one_second_loses_and_repeats_nothing(
    lambda_app: Any, sim: SimulatedTelegram, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    same_second = datetime(2025, 1, 5, 12, 0, 0, tzinfo=UTC)
    added = [sim.add_message(big, f"burst {i}", date=same_second).id for i in range(6)]
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "600")  # room for about two messages
    params = {"start_date": "2025-01-05", "end_date": "2025-01-05", "chunk_size": 1}
    ids, calls = follow(lambda_app, big, params)
    assert ids == added
    assert calls >= 3


def test_a_spent_time_budget_still_makes_progress_one_message_per_call(
    lambda_app: Any, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY_MAX_SECONDS", "0")
    params = {"start_date": "2024-03-01", "end_date": "2024-03-06"}
    want = expected_ids(world, big, ts("2024-03-01"), ts("2024-03-06 23:59:59"))
    ids, calls = follow(lambda_app, big, params)
    assert ids == want
    assert calls == len(want)  # one message each; the last call finds nothing more to add


def test_last_event_id_resumes_through_the_handler_and_its_continuations(
    lambda_app: Any, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"start_date": "2024-01-01", "end_date": "2024-12-31", "chunk_size": 25}
    want = expected_ids(world, big, ts("2024-01-01"), ts("2024-12-31 23:59:59"))
    chunks = complete(parse_sse(invoke(lambda_app, big, params)["body"]))
    dropped_after = chunks[3].id
    assert dropped_after is not None
    rest = want[want.index(int(dropped_after)) + 1 :]
    assert follow(lambda_app, big, params, dropped_after)[0] == rest
    # Within a budget too: the header is sent again with every continuation.
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "40000")
    ids, calls = follow(lambda_app, big, params, dropped_after)
    assert ids == rest and calls > 2


def test_a_bad_last_event_id_through_the_handler_is_a_400(lambda_app: Any, big: int) -> None:
    resp = invoke(lambda_app, big, {"chunk_size": 25}, "12abc")
    assert resp["statusCode"] == 400
    assert "Last-Event-ID" in json.loads(resp["body"])["detail"]


def test_the_t_me_link_sample_replays_the_latest_messages_of_that_channel(
    lambda_app: Any, world: World
) -> None:
    """events/history_get_link.json: API Gateway's greedy t.me route reaches the same app
    route, which resolves the link's username (stored entity rows, no Telegram call)."""
    event = json.loads((EVENT.parent / "history_get_link.json").read_text())
    event["headers"]["x-telegram-username"] = ALICE
    name = event["pathParameters"]["link"]
    peer = next(c.peer_id for c in world.chats.values() if c.username == name)
    resp = lambda_app.handler(event, None)
    assert resp["statusCode"] == 200, resp["body"][:300]
    events = parse_sse(resp["body"])
    complete(events)
    got = [m["message_id"] for e in events if e.event == "message" for m in e.data["messages"]]
    assert got == [m.id for m in world.messages(peer)][-20:]
