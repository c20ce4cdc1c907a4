"""The dialogs Lambda handler replaying its events/ samples, on DynamoDB under moto."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from functions.dialogs import app as dialogs_app
from local.simtg import SimulatedTelegram, World
from tgscraper.config import Settings
from tgscraper.storage.factory import build_aws_stores

from . import expected as ex
from .conftest import login, make_container

EVENTS = Path(__file__).resolve().parents[3] / "events"
LAMBDA_USER = "john_doe"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def invoke(event: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    # Like the Lambda runtime, the handler runs with a current event loop of its own.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        resp = dialogs_app.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return resp["statusCode"], json.loads(resp["body"]), resp.get("headers", {})


@pytest.fixture
def lambda_sim(
    aws_settings: Settings, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SimulatedTelegram]:
    """The module-level Lambda app wired to DynamoDB/S3 (moto) and the simulated Telegram."""
    stores = build_aws_stores(aws_settings)
    login(stores, sim, LAMBDA_USER)
    monkeypatch.setattr(
        dialogs_app.app.state, "container", make_container(aws_settings, stores, sim)
    )
    yield sim


def test_search_event_matches_the_world(lambda_sim: SimulatedTelegram, world: World) -> None:
    event = load_event("dialogs_search.json")
    assert event["headers"]["x-telegram-username"] == LAMBDA_USER
    qs = parse_qs(event["rawQueryString"])
    q, min_score = qs["q"][0], float(qs["min_score"][0])
    archived = qs["is_archived"][0] == "true"
    rows = [
        r
        for r in ex.rows(world)
        if r["type"] in qs["type"]
        and r["is_archived"] == archived
        and ex.fuzzy_score(q, r["title"]) >= min_score
    ]
    want = ex.ordered(rows, ex.SORT_KEYS[qs["sort"][0]], descending=qs["order"][0] == "desc")
    limit = int(qs["limit"][0])

    status, body, _ = invoke(event)

    assert status == 200
    assert (body["total"], body["offset"], body["limit"]) == (len(want), 0, limit)
    assert [r["id"] for r in body["results"]] == [r.id for r in want][:limit]
    assert body["results"], "the sample event should find something"
    for got, row in zip(body["results"], want, strict=False):
        assert got == {**row.public, "score": round(ex.fuzzy_score(q, row["title"]), 4)}


def test_second_invocation_is_served_from_dynamodb(lambda_sim: SimulatedTelegram) -> None:
    first = invoke(load_event("dialogs_search.json"))
    lambda_sim.reset_requests()
    assert invoke(load_event("dialogs_search.json")) == first
    assert sum(lambda_sim.requests.values()) == 0


def test_folders_event_lists_folders_with_their_dialogs(
    lambda_sim: SimulatedTelegram, world: World
) -> None:
    status, body, _ = invoke(load_event("dialogs_folders.json"))
    assert status == 200
    rows = ex.rows(world)
    titles = {r.id: r["title"] for r in rows}
    assert body[0] == {
        "id": 0,
        "title": "All Chats",
        "is_default": True,
        "dialogs": [{"id": i, "title": titles[i]} for i in ex.folder_listing(None, rows)],
    }
    assert [(f["id"], f["title"]) for f in body[1:]] == [(f.id, f.title) for f in world.folders]
    for entry, folder in zip(body[1:], world.folders, strict=True):
        listing = ex.folder_listing(folder, rows)
        assert entry["dialogs"] == [{"id": i, "title": titles[i]} for i in listing]


@pytest.mark.parametrize(
    ("query", "status", "needle"),
    [
        ("type=robot", 400, "type"),
        ("limit=501", 400, "limit"),
        ("min_messages=9&max_messages=1", 400, "min_messages"),
        ("created_before=2024-02-30", 400, "created_before"),
        ("folder=Nope", 404, "Folder not found"),
    ],
)
def test_bad_search_events_get_json_errors(
    lambda_sim: SimulatedTelegram, query: str, status: int, needle: str
) -> None:
    event = load_event("dialogs_search.json")
    event["rawQueryString"] = query
    event.pop("queryStringParameters", None)
    got_status, body, _ = invoke(event)
    assert got_status == status and needle in body["detail"]


def test_flood_wait_event_carries_retry_after(lambda_sim: SimulatedTelegram) -> None:
    lambda_sim.flood("GetDialogsRequest", 30)
    status, body, headers = invoke(load_event("dialogs_folders.json"))
    assert status == 429 and headers["retry-after"] == "30" and "detail" in body
