"""The Lambda path: events/sync_post.json and events/sync_get.json replayed through
functions.sync.app.handler on DynamoDB/S3 under moto, after the history Lambda (its own
sample event) filled the shared cache, as the two functions do when deployed."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.simtg import SimulatedTelegram, World
from tests.support.history import log_in, parse_sse
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import build_aws_stores

EVENTS = Path(__file__).resolve().parents[3] / "events"
SAMPLE_PEER = "-1001234567890"
USER = "john_doe"  # the samples' X-Telegram-Username


def _event(name: str, peer: int) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / name).read_text()))
    event["rawPath"] = event["rawPath"].replace(SAMPLE_PEER, str(peer))
    event["requestContext"]["http"]["path"] = event["rawPath"]
    event["pathParameters"] = {"dialog_id": str(peer)}
    return event


def _invoke(module: Any, event: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    # Like the Lambda runtime, each invocation runs with a current event loop of its own.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        resp = module.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    headers = {k.lower(): v for k, v in (resp.get("headers") or {}).items()}
    body = resp["body"]
    if headers.get("content-type", "").startswith("application/json"):
        body = json.loads(body)
    return resp["statusCode"], body, headers


@pytest.fixture
def lambdas(
    aws_settings: Settings, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Any]]:
    """(history module, sync module), each with its own container over the same tables."""
    from functions.history import app as history
    from functions.sync import app as sync

    stores = build_aws_stores(aws_settings)
    log_in(stores, sim, USER)
    for module in (history, sync):
        container = Container(
            aws_settings,
            stores=stores,
            client_factory=lambda session: sim.client(session, receive_updates=False),
            mode="demo",
        )
        monkeypatch.setattr(module.app.state, "container", container)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tgscraper-sync")
    yield history, sync


def _fetch_all(history: Any, peer: int) -> list[dict[str, Any]]:
    event = _event("history_get.json", peer)
    event["rawQueryString"] = "start_date=2020-01-01&end_date=2030-01-01"
    event["queryStringParameters"] = {"start_date": "2020-01-01", "end_date": "2030-01-01"}
    status, body, _ = _invoke(history, event)
    assert status == 200
    frames = parse_sse(body)
    assert all(f.event == "message" for f in frames), frames[-1]
    return [m for f in frames for m in f.data["messages"]]


def test_sample_events_sync_then_report(
    lambdas: tuple[Any, Any], sim: SimulatedTelegram, world: World, big: int
) -> None:
    history, sync = lambdas
    msgs = _fetch_all(history, big)
    assert len(msgs) == world.dialog(big).message_count

    status, first, headers = _invoke(sync, _event("sync_post.json", big))
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert first["complete"] is True and first["mode"] == "rescan"

    sim.edit_message(big, msgs[3]["message_id"], "edited on Telegram")
    sim.delete_message(big, msgs[4]["message_id"])
    status, second, _ = _invoke(sync, _event("sync_post.json", big))
    assert status == 200
    assert (second["edited"], second["deleted"], second["mode"]) == (1, 1, "difference")
    assert second["pts"] > first["pts"]

    status, report, _ = _invoke(sync, _event("sync_get.json", big))
    assert status == 200
    assert report["messages_cached"] == len(msgs) - 1 and report["synced"] is True
    assert report["pts"] == second["pts"] and report["totals"]["deleted"] == 1
    cached = {m["message_id"]: m["message"] for m in _fetch_all(history, big)}
    assert cached[msgs[3]["message_id"]] == "edited on Telegram"
    assert msgs[4]["message_id"] not in cached


def test_the_budget_answers_a_continuation_the_next_invocation_finishes(
    lambdas: tuple[Any, Any],
    sim: SimulatedTelegram,
    world: World,
    big: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history, sync = lambdas
    msgs = _fetch_all(history, big)
    monkeypatch.setenv("SYNC_MAX_MESSAGES", "200")
    bodies = []
    for _ in range(10):
        status, body, _ = _invoke(sync, _event("sync_post.json", big))
        assert status == 200
        bodies.append(body)
        if body["complete"]:
            break
    assert [b["complete"] for b in bodies] == [False, False, True]
    assert "repeat POST" in bodies[0]["next"]["detail"] and "next" not in bodies[-1]
    assert len(_fetch_all(history, big)) == len(msgs)


def test_a_flood_wait_is_a_429_with_retry_after(
    lambdas: tuple[Any, Any], sim: SimulatedTelegram, big: int
) -> None:
    history, sync = lambdas
    _fetch_all(history, big)
    sim.flood("GetHistoryRequest", 12, after=0)
    status, body, headers = _invoke(sync, _event("sync_post.json", big))
    assert status == 429 and headers["retry-after"] == "12" and "detail" in body


def test_an_account_without_a_session_gets_a_json_error(lambdas: tuple[Any, Any]) -> None:
    _, sync = lambdas
    event = _event("sync_post.json", -1001234567890)
    event["headers"]["x-telegram-username"] = "nobody_here"
    status, body, _ = _invoke(sync, event)
    assert 400 <= status < 500 and "detail" in body
    status, body, _ = _invoke(sync, _event("sync_get.json", -1001234567890))
    assert status == 200 and body["messages_cached"] == 0 and body["synced"] is False
