"""The Lambda path of the export: events/export_get.json replayed through
functions.history.app.handler under moto. A response cut by the budget ends with the
format's continuation; following it gives the whole range once, in every format."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from local.simtg import SimulatedTelegram, World
from tests.support.exports import parse_csv, parse_ndjson, parse_tdesktop
from tests.support.history import ALICE, container, expected_ids, log_in, ts
from tgscraper.config import Settings
from tgscraper.storage.factory import build_aws_stores

EVENT = Path(__file__).resolve().parents[3] / "events" / "export_get.json"


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


def invoke(module: Any, peer: int, params: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(json.loads(EVENT.read_text()))
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v3/export/{peer}"
    event["pathParameters"] = {"dialog_id": str(peer)}
    event["rawQueryString"] = urlencode(params)
    event["queryStringParameters"] = {k: str(v) for k, v in params.items()}
    event["headers"]["x-telegram-username"] = ALICE
    response: dict[str, Any] = module.handler(event, None)
    assert response["statusCode"] == 200, response["body"]
    return response


def _parse(fmt: str, body: str) -> tuple[list[int], dict[str, Any] | None]:
    if fmt == "csv":
        rows, (name, payload) = parse_csv(body)
        return [int(r["message_id"]) for r in rows], payload if name == "continue" else None
    if fmt == "jsonl":
        messages, control = parse_ndjson(body)
        more = control if control["event"] == "continue" else None
        return [m["message_id"] for m in messages], more
    doc = parse_tdesktop(body)
    return [m["id"] for m in doc["messages"]], doc.get("continuation")


def test_sample_event_replays_through_the_handler(lambda_app: Any, world: World, big: int) -> None:
    params = dict(json.loads(EVENT.read_text())["queryStringParameters"])
    resp = invoke(lambda_app, big, params)
    assert resp["headers"]["content-type"] == "text/csv; charset=utf-8"
    ids, more = _parse("csv", resp["body"])
    assert more is None
    assert ids == expected_ids(world, big, ts("2024-01-01"), ts("2024-12-31 23:59:59"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_budget_cut_responses_continue_to_the_whole_range(
    lambda_app: Any, world: World, big: int, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "40000")
    params: dict[str, Any] = {"format": fmt, "start_date": "2024-01-01", "end_date": "2024-12-31"}
    ids: list[int] = []
    calls = 0
    while True:
        calls += 1
        assert calls < 100
        resp = invoke(lambda_app, big, params)
        assert len(json.dumps(resp["body"])) <= 40000  # within the budget, in every format
        got, more = _parse(fmt, resp["body"])
        ids += got
        if more is None:
            break
        params = {**params, "start_date": more["next_start_date"], "after_id": more["after_id"]}
        params["end_date"] = more["end_date"]
    assert calls > 2
    assert ids == expected_ids(world, big, ts("2024-01-01"), ts("2024-12-31 23:59:59"))


def test_a_tdesktop_response_of_long_texts_stays_within_the_budget(
    lambda_app: Any, sim: SimulatedTelegram, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # TDesktop writes a text twice (`text` and `text_entities`): the budget allows for it.
    day = datetime(2025, 2, 1, 12, tzinfo=UTC)
    added = [
        sim.add_message(big, f"{i} " + "долгий текст 📜 " * 300, date=day + timedelta(minutes=i)).id
        for i in range(30)
    ]
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "100000")
    params: dict[str, Any] = {"format": "tdesktop", "start_date": "2025-02-01"}
    params["end_date"] = "2025-02-01"
    ids: list[int] = []
    while True:
        resp = invoke(lambda_app, big, params)
        assert len(json.dumps(resp["body"])) <= 100000
        got, more = _parse("tdesktop", resp["body"])
        ids += got
        if more is None:
            break
        params = {**params, "start_date": more["next_start_date"], "after_id": more["after_id"]}
    assert ids == added


def test_the_t_me_link_sample_exports_that_channel(lambda_app: Any, world: World) -> None:
    """events/export_get_link.json: API Gateway's greedy t.me route for /export reaches
    the same app route, which resolves the link's username."""
    event = json.loads((EVENT.parent / "export_get_link.json").read_text())
    event["headers"]["x-telegram-username"] = ALICE
    name = event["pathParameters"]["link"]
    peer = next(c.peer_id for c in world.chats.values() if c.username == name)
    resp = lambda_app.handler(event, None)
    assert resp["statusCode"] == 200, resp["body"][:300]
    ids, more = _parse("jsonl", resp["body"])
    assert more is None and ids == [m.id for m in world.messages(peer)]
