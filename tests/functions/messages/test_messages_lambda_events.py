"""The messages Lambda handler replaying its events/ samples, on DynamoDB/S3 under moto."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.messages import app as messages_app
from local.simtg import SimulatedTelegram, World
from local.simtg.search import matching
from local.simtg.showcase import Showcase
from tests.support.history import container, log_in
from tgscraper.config import Settings
from tgscraper.media.index import MediaIndex
from tgscraper.storage.factory import Stores, build_aws_stores

EVENTS = Path(__file__).resolve().parents[3] / "events"
LAMBDA_USER = "john_doe"


def invoke(name: str, query: str | None = None) -> tuple[int, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    if query is not None:
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    # Like the Lambda runtime, the handler runs with a current event loop of its own.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        resp = messages_app.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return resp["statusCode"], json.loads(resp["body"])


@pytest.fixture
def aws_stores(aws_settings: Settings) -> Stores:
    return build_aws_stores(aws_settings)


@pytest.fixture
def lambda_sim(
    aws_settings: Settings,
    aws_stores: Stores,
    sim: SimulatedTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SimulatedTelegram]:
    log_in(aws_stores, sim, LAMBDA_USER)
    monkeypatch.setattr(
        messages_app.app.state, "container", container(aws_settings, aws_stores, sim)
    )
    yield sim


def test_search_event_finds_what_the_world_holds(
    lambda_sim: SimulatedTelegram, world: World, aws_stores: Stores
) -> None:
    status, body = invoke("messages_search.json")
    assert status == 200, body
    found = [m for d in world.dialogs for m in matching(world.history(d.peer_id), "release")]
    found.sort(key=lambda m: (int(m.date.timestamp()), m.peer_id, m.id), reverse=True)
    got = [(r["dialog"]["id"], r["message"]["message_id"]) for r in body["results"]]
    assert got == [(m.peer_id, m.id) for m in found][:5]
    assert body["count"] == len(found)
    # Found media are indexed in DynamoDB, so the files function can serve them.
    index = MediaIndex(aws_stores.media)
    uuids = [r["message"]["media"]["uuid"] for r in body["results"] if r["message"]["media"]]
    assert uuids, "the sample event should find a message with media"
    for uuid in uuids:
        assert index.get(LAMBDA_USER, uuid) is not None


def test_cache_search_across_all_chats_is_a_clear_400_on_lambda(
    lambda_sim: SimulatedTelegram,
) -> None:
    status, body = invoke("messages_search.json", "q=release&source=cache")
    assert status == 400
    assert "dialog_id" in body["detail"] and "embedded" in body["detail"]


def test_cache_search_sample_event_answers_from_one_dialogs_cache(
    lambda_sim: SimulatedTelegram,
    world: World,
    sc: Showcase,
    aws_settings: Settings,
    aws_stores: Stores,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.history import app as history_app

    # Nothing cached yet: an empty page, not an error.
    query = f"q=agreed&source=cache&dialog_id={sc.discussion}"
    assert invoke("messages_search_cache.json", query) == (
        200,
        {"source": "cache", "count": None, "results": [], "next": None},
    )
    # The history Lambda caches the dialog (DynamoDB); the search then finds it there.
    monkeypatch.setattr(
        history_app.app.state, "container", container(aws_settings, aws_stores, lambda_sim)
    )
    event: dict[str, Any] = json.loads((EVENTS / "history_get.json").read_text())
    path = f"/api/v3/history/{sc.discussion}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = "start_date=2020-01-01&end_date=2025-06-01"
    event["queryStringParameters"] = {"start_date": "2020-01-01", "end_date": "2025-06-01"}
    event["pathParameters"] = {"dialog_id": str(sc.discussion)}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        walked = history_app.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert walked["statusCode"] == 200 and "event: error" not in walked["body"]
    lambda_sim.reset_requests()
    status, body = invoke("messages_search_cache.json", query)
    assert status == 200, body
    want = [m.id for m in reversed(matching(world.history(sc.discussion), "agreed"))]
    assert want and [r["message"]["message_id"] for r in body["results"]] == want
    assert sum(lambda_sim.requests.values()) == 0


def test_topics_event_lists_the_forums_topics(lambda_sim: SimulatedTelegram, sc: Showcase) -> None:
    event: dict[str, Any] = json.loads((EVENTS / "messages_topics.json").read_text())
    path = f"/api/v3/topics/{sc.forum}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"dialog_id": str(sc.forum)}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        resp = messages_app.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert resp["statusCode"] == 200, resp["body"]
    assert {t["title"]: t["id"] for t in json.loads(resp["body"])} == sc.topics
